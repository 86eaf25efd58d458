"""The notification centre: each event of issues.events reaches the right people (and raises
their unread counter), the daily due-soon/overdue run writes once a day, and the pages: the
list (filters, pages, pinned queries), opening one (read, then its object), all read, another
user's or an unseeable finding's → 404, and the bell, which reads the counter (no query)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from issues import events, services
from issues.models import Finding, Role, User
from notify.models import Notification
from notify.services import daily, mark_all_read, notify
from tests.conftest import Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2019, 9, 10)
Kind = Notification.Kind


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


def received(kind=None) -> dict[str, int]:
    """username → how many notifications (of `kind`) they got."""
    rows = Notification.objects.all() if kind is None else Notification.objects.filter(kind=kind)
    found: dict[str, int] = {}
    for name in rows.values_list("recipient__username", flat=True):
        found[name] = found.get(name, 0) + 1
    return found


def unread(user) -> int:
    return User.objects.get(pk=user.pk).unread_notifications


@pytest.fixture
def alice2(county_a):
    return Factory.user("alice2", Role.COUNTY_STAFF, county=county_a)


class TestReceivers:
    def test_a_new_unit_tells_its_contacts(self, alice, una, county_a, review_a, unit_a, unit_a2):
        finding = Factory.finding(alice, county_a, review_a, units=[unit_a, unit_a2])
        # unit_a2 has no contact: nobody is told for it.
        assert received() == {"una": 1}
        note = Notification.objects.get()
        assert (note.kind, note.finding, note.url) == (
            Kind.ASSIGNED,
            finding,
            finding.get_absolute_url(),
        )
        assert "请及时签收" in note.text
        assert unread(una) == 1

    def test_an_urge_tells_the_unit_or_the_countys_staff(
        self, alice, alice2, lee, rita, una, finding_a, unit_a
    ):
        Notification.objects.all().delete()
        User.objects.update(unread_notifications=0)
        services.finding_urge(user=lee, finding=finding_a, message="请加快。", unit=unit_a)
        assert received(Kind.URGED) == {"una": 1}
        services.finding_urge(user=rita, finding=finding_a, message="请县里加快。")
        assert received(Kind.URGED) == {"una": 1, "alice": 1, "alice2": 1}
        assert unread(alice) == 1 and unread(una) == 1
        assert Notification.objects.filter(recipient=una).get().url.endswith("#urges")

    def test_close_out_steps(self, alice, alice2, lee, rita, una, finding_a):
        Notification.objects.all().delete()
        services.progress_add(user=alice, finding=finding_a, note="开始")  # start: nobody
        assert not Notification.objects.exists()
        services.finding_submit_closeout(
            user=alice, finding=finding_a, result="已建成", evidence_waiver="现场核实"
        )
        assert received(Kind.CLOSEOUT_REQUESTED) == {"lee": 1}
        services.finding_return(user=lee, finding=finding_a, reason="材料不全")
        assert received(Kind.CLOSEOUT_RETURNED) == {"alice": 1, "alice2": 1, "una": 1}
        assert "材料不全" in Notification.objects.filter(kind=Kind.CLOSEOUT_RETURNED).first().text
        services.finding_submit_closeout(
            user=alice, finding=finding_a, result="已建成", evidence_waiver="现场核实"
        )
        services.finding_close(user=lee, finding=finding_a)
        # Alice did not submit… she did: she is told of the approval all the same.
        assert received(Kind.CLOSEOUT_APPROVED) == {"alice": 1, "alice2": 1, "una": 1}
        services.finding_reopen(user=rita, finding=finding_a, reason="抽查不实")
        assert received(Kind.REOPENED) == {"alice": 1, "alice2": 1, "una": 1}
        assert unread(lee) == 2  # asked twice

    def test_requests_tell_the_leader_then_the_requester(self, alice, alice2, lee, finding_a):
        Notification.objects.all().delete()
        asked = services.extension_request(
            user=alice, finding=finding_a, new_deadline=dt.date(2019, 12, 31), reason="汛期"
        )
        assert received() == {"lee": 1}
        services.request_decide(user=lee, request=asked, approve=False, comment="不需要")
        assert received(Kind.EXTENSION_DECIDED) == {"alice": 1}
        text = Notification.objects.get(kind=Kind.EXTENSION_DECIDED).text
        assert "不同意您的延期申请" in text and "不需要" in text
        services.archive_request(user=alice2, finding=finding_a, reason="重复")
        assert received(Kind.ARCHIVE_REQUESTED) == {"lee": 1}

    def test_a_notice_tells_each_countys_staff_of_its_copy(
        self, rita, alice, bob, province, county_a, county_b
    ):
        notice = services.notice_create(user=rita, province=province, data={"team": "省督查组"})
        services.notice_item_add(
            user=rita,
            notice=notice,
            category_name="督查问题",
            description="网点未运营。",
            measures=[],
            counties=[county_a, county_b],
        )
        assert received(Kind.NOTICE) == {"alice": 1, "bob": 1}
        mine = Notification.objects.get(recipient=alice)
        assert mine.finding.county == county_a

    def test_a_returned_note_tells_its_author(self, alice, una, finding_a):
        note = services.progress_add(user=una, finding=finding_a, note="已完成")
        events.progress_returned.send(sender=None, progress=note, user=alice, comment="请补照片")
        got = Notification.objects.get(kind=Kind.PROGRESS_RETURNED)
        assert got.recipient == una and "请补照片" in got.text

    def test_the_actor_is_not_told_and_one_update_raises_every_counter(
        self, alice, alice2, lee, county_a, django_assert_num_queries
    ):
        # The insert and one UPDATE of the counters, in a savepoint (two queries more).
        with django_assert_num_queries(4):
            made = notify(
                [alice, alice2, lee, alice], kind=Kind.NOTICE, text="t", url="/", actor=lee
            )
        assert len(made) == 2
        assert (unread(alice), unread(alice2), unread(lee)) == (1, 1, 0)


class TestDaily:
    @pytest.fixture
    def due(self, alice, una, county_a, review_a, unit_a):
        soon = Factory.finding(
            alice, county_a, review_a, units=[unit_a], deadline=TODAY + dt.timedelta(days=2)
        )
        late = Factory.finding(alice, county_a, review_a, deadline=TODAY - dt.timedelta(days=5))
        later = Factory.finding(alice, county_a, review_a, deadline=TODAY + dt.timedelta(days=10))
        Notification.objects.all().delete()
        User.objects.update(unread_notifications=0)
        return soon, late, later

    def test_once_a_day_per_finding_and_recipient(self, due, alice, una, settings, clock):
        settings.RECTIFY_WARNING_DAYS = 3
        soon, late, later = due
        written = daily(TODAY)
        assert sorted((n.recipient.username, n.kind, n.finding_id) for n in written) == sorted(
            [
                ("alice", Kind.DUE_SOON, soon.pk),
                ("una", Kind.DUE_SOON, soon.pk),
                ("alice", Kind.OVERDUE, late.pk),
            ]
        )
        assert "已逾期5天" in Notification.objects.get(kind=Kind.OVERDUE).text
        assert (unread(alice), unread(una)) == (2, 1)
        # Again the same day (a second cron run, a retry): nothing new.
        assert daily(TODAY) == []
        call_command("send_notifications")
        assert Notification.objects.count() == 3 and unread(alice) == 2
        # The next day: once more.
        clock.move_to(dt.datetime(2019, 9, 11, 8, 0, tzinfo=SHANGHAI))
        call_command("send_notifications")
        assert Notification.objects.count() == 6

    def test_closed_and_archived_findings_are_left_out(self, due, lee, alice, settings):
        soon, late, later = due
        Finding.objects.filter(pk=soon.pk).update(status="closed", closed_on=TODAY)
        Finding.objects.filter(pk=late.pk).update(
            archived_at=dt.datetime(2019, 9, 1, tzinfo=SHANGHAI)
        )
        assert daily(TODAY) == []

    def test_the_warning_days_setting(self, due, settings):
        settings.RECTIFY_WARNING_DAYS = 10
        assert {n.finding_id for n in daily(TODAY)} == {f.pk for f in due}


# A unit's contact: the same as the office's staff (her unit's findings in the same query).
NOTIFICATION_LIST_QUERIES_UNIT = 6


class TestPages:
    @pytest.fixture
    def notes(self, alice, finding_a):
        Notification.objects.all().delete()
        User.objects.update(unread_notifications=0)
        notify(
            [alice],
            kind=Kind.URGED,
            text="催办一",
            url=f"/findings/{finding_a.pk}/#urges",
            finding=finding_a,
        )
        notify([alice], kind=Kind.NOTICE, text="通报一", url="/findings/")
        return list(Notification.objects.order_by("id"))

    def test_the_list_and_its_filters(self, client, alice, notes):
        client.force_login(alice)
        page = client.get("/notifications/")
        assert [n.text for n in page.context["page"]] == ["通报一", "催办一"]
        only = client.get("/notifications/", {"kind": "urged"})
        assert [n.text for n in only.context["page"]] == ["催办一"]
        notes[0].read_at = notes[0].created_at
        notes[0].save()
        unread_only = client.get("/notifications/", {"show": "unread"})
        assert [n.text for n in unread_only.context["page"]] == ["通报一"]

    def test_paginated(self, client, alice, notes, settings):
        settings.RECTIFY_PAGE_SIZE = 1
        client.force_login(alice)
        assert len(client.get("/notifications/", {"page": 2}).context["page"]) == 1

    def test_open_marks_read_and_goes_to_the_object(self, client, alice, notes, finding_a):
        client.force_login(alice)
        assert unread(alice) == 2
        response = client.get(f"/notifications/{notes[0].pk}/open/")
        assert response.status_code == 302
        assert response.url == f"/findings/{finding_a.pk}/#urges"
        notes[0].refresh_from_db()
        assert notes[0].is_read and unread(alice) == 1
        client.get(f"/notifications/{notes[0].pk}/open/")  # again: still exact
        assert unread(alice) == 1

    def test_mark_all_read(self, client, alice, notes):
        client.force_login(alice)
        assert client.get("/notifications/read/").status_code == 405
        response = client.post("/notifications/read/")
        assert response.status_code == 302
        assert unread(alice) == 0
        assert not Notification.objects.filter(read_at__isnull=True).exists()
        # A counter that drifted is put right, never below zero.
        User.objects.filter(pk=alice.pk).update(unread_notifications=7)
        mark_all_read(user=alice)
        assert unread(alice) == 0

    def test_anothers_notification_is_404(self, client, lee, notes):
        client.force_login(lee)
        assert client.get(f"/notifications/{notes[0].pk}/open/").status_code == 404
        assert list(client.get("/notifications/").context["page"]) == []

    def test_a_finding_no_longer_seen_does_not_leak(
        self, client, una, alice, finding_a, unit_a, unit_a2
    ):
        Notification.objects.all().delete()
        notify(
            [una], kind=Kind.URGED, text="秘密", url=finding_a.get_absolute_url(), finding=finding_a
        )
        # unit_a is taken off the finding: una no longer sees it.
        finding_a.unit_links.filter(unit=unit_a).delete()
        client.force_login(una)
        note = Notification.objects.get()
        assert client.get(f"/notifications/{note.pk}/open/").status_code == 404
        assert "秘密" not in client.get("/notifications/").content.decode()

    def test_login_required(self, client):
        assert client.get("/notifications/").status_code == 302

    @pytest.mark.parametrize("n", [2, 20])
    def test_query_count_is_pinned(self, client, alice, finding_a, n, django_assert_num_queries):
        for i in range(n):
            notify([alice], kind=Kind.URGED, text=f"催办{i}", url="/", finding=finding_a)
        client.force_login(alice)
        # Session, user, groups (the scope), the page's count, the page's rows, the user's
        # county (navigation).
        with django_assert_num_queries(6):
            response = client.get("/notifications/")
        assert len(response.context["page"]) == n

    @pytest.mark.parametrize("n", [2, 20])
    def test_query_count_is_pinned_for_a_unit_contact(
        self, client, una, alice, county_a, review_a, finding_a, n, django_assert_num_queries
    ):
        other = Factory.finding(alice, county_a, review_a, description="另一单位的问题。")
        for i in range(n):
            notify([una], kind=Kind.URGED, text=f"催办{i}", url="/", finding=finding_a)
            notify([una], kind=Kind.URGED, text=f"不可见{i}", url="/", finding=other)
        client.force_login(una)
        with django_assert_num_queries(NOTIFICATION_LIST_QUERIES_UNIT):
            response = client.get("/notifications/")
        texts = [note.text for note in response.context["page"]]
        assert sorted(t for t in texts if t.startswith("催办")) == sorted(
            f"催办{i}" for i in range(n)
        )
        assert not any(t.startswith("不可见") for t in texts)  # on a finding she cannot see

    def test_the_bell_reads_the_counter(self, client, alice, finding_a):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(alice)
        url = finding_a.get_absolute_url()
        with CaptureQueriesContext(connection) as before:
            page = client.get(url).content.decode()
        assert "data-unread" not in page
        User.objects.filter(pk=alice.pk).update(unread_notifications=3)
        with CaptureQueriesContext(connection) as after:
            page = client.get(url).content.decode()
        assert 'data-unread="3"' in page
        assert len(after.captured_queries) == len(before.captured_queries)
        assert not any("notify_notification" in q["sql"] for q in after.captured_queries)
