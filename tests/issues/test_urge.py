"""催办 (urging): who may urge (the county's office and leader a unit of the finding, the
province the county; never a unit's contact), what is refused (closed, waiting for approval,
a reply date in the past), the next note answering, a whole notice urged at once, the
finding's history, the ledger's 被催办N次 and its filter, and a form sent twice."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError

from issues import events, services
from issues.models import Finding, Urge
from tests.conftest import Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2019, 9, 10)
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


def urge(user, finding, unit=None, message="请加快进度，本周内报送整改进展。", reply_by=None):
    return services.finding_urge(
        user=user, finding=finding, message=message, reply_by=reply_by, unit=unit
    )


class TestWhoMayUrge:
    def test_county_staff_urge_a_unit_of_the_finding(self, alice, finding_a, unit_a2):
        sent = []
        events.finding_urged.connect(receiver := lambda **kw: sent.append(kw), weak=False)
        try:
            made = urge(alice, finding_a, unit_a2, reply_by=TODAY + dt.timedelta(days=3))
        finally:
            events.finding_urged.disconnect(receiver)
        assert (made.unit, made.created_by, made.answered_at) == (unit_a2, alice, None)
        assert made.addressee == "区财政局"
        assert [(kw["urge"], kw["user"]) for kw in sent] == [(made, alice)]
        assert made.history.count() == 1

    def test_the_leader_urges_too(self, lee, finding_a, unit_a):
        assert urge(lee, finding_a, unit_a).created_by == lee

    def test_the_county_must_choose_one_of_the_findings_units(
        self, alice, finding_a, county_a, county_b
    ):
        with pytest.raises(ValidationError) as exc:
            urge(alice, finding_a)
        assert "请选择要催办的责任单位。" in exc.value.message_dict["unit"]
        other = Factory.unit(county_a, "区交通运输局")
        with pytest.raises(ValidationError) as exc:
            urge(alice, finding_a, other)
        assert "只能催办该问题的责任单位或配合单位。" in exc.value.message_dict["unit"]

    def test_the_province_urges_the_county(self, rita, finding_a, unit_a):
        made = urge(rita, finding_a)
        assert made.unit is None
        assert made.addressee == "广元市昭化区"
        with pytest.raises(ValidationError):
            urge(rita, finding_a, unit_a)

    @pytest.mark.parametrize("who", ["una", "bob", "quinn", "nina"])
    def test_others_may_not(self, request, who, finding_a, unit_a):
        with pytest.raises(PermissionDenied):
            urge(request.getfixturevalue(who), finding_a, unit_a)
        assert not Urge.objects.exists()


class TestStateAndText:
    def test_a_closed_finding_is_not_urged(self, alice, lee, finding_a, unit_a):
        Finding.objects.filter(pk=finding_a.pk).update(status="closed", closed_on=TODAY)
        with pytest.raises(services.TransitionError, match="已销号，不能催办"):
            urge(lee, finding_a, unit_a)

    def test_nor_one_waiting_for_approval(self, lee, finding_a, unit_a):
        Finding.objects.filter(pk=finding_a.pk).update(status="submitted")
        with pytest.raises(services.TransitionError, match="等待领导审批"):
            urge(lee, finding_a, unit_a)

    def test_reply_by_not_in_the_past(self, alice, finding_a, unit_a):
        with pytest.raises(ValidationError) as exc:
            urge(alice, finding_a, unit_a, reply_by=TODAY - dt.timedelta(days=1))
        assert exc.value.message_dict["reply_by"] == ["回复期限不能早于今天。"]
        assert urge(alice, finding_a, unit_a, reply_by=TODAY).reply_by == TODAY

    def test_a_message_is_needed(self, alice, finding_a, unit_a):
        with pytest.raises(ValidationError) as exc:
            urge(alice, finding_a, unit_a, message="  ")
        assert exc.value.message_dict["message"] == ["请填写催办内容。"]


class TestAnswer:
    def test_the_urged_units_next_note_answers(self, alice, una, finding_a, unit_a, unit_a2):
        to_a = urge(alice, finding_a, unit_a)
        to_a2 = urge(alice, finding_a, unit_a2)
        # The office's own note answers neither: they were addressed to units.
        services.progress_add(user=alice, finding=finding_a, note="办公室汇总进展。")
        assert Urge.objects.unanswered().count() == 2
        note = services.progress_add(user=una, finding=finding_a, note="已完成选址。")
        to_a.refresh_from_db()
        to_a2.refresh_from_db()
        assert to_a.answered_by_progress == note and to_a.answered_at is not None
        assert to_a2.answered_at is None

    def test_any_note_answers_the_provinces_urge(self, alice, rita, finding_a):
        made = urge(rita, finding_a)
        note = services.progress_add(user=alice, finding=finding_a, note="正在整改。")
        made.refresh_from_db()
        assert made.answered_by_progress == note


class TestNoticeUrge:
    @pytest.fixture
    def notice(self, rita, province, county_a, county_b):
        notice = services.notice_create(
            user=rita, province=province, data={"team": "省督查组", "title": "督查通报"}
        )
        for text in ("问题一", "问题二"):
            services.notice_item_add(
                user=rita,
                notice=notice,
                category_name="督查问题",
                description=text,
                measures=[],
                counties=[county_a, county_b],
            )
        return notice

    def test_one_urge_per_open_finding_of_every_county(self, rita, notice, county_a):
        closed = Finding.objects.filter(notice_item__review=notice, county=county_a).first()
        Finding.objects.filter(pk=closed.pk).update(status="closed", closed_on=TODAY)
        urges = services.notice_urge(user=rita, notice=notice, message="请于月底前报送。")
        assert len(urges) == 3
        assert {u.finding.county.code for u in urges} == {"510811", "510812"}
        assert all(u.unit is None for u in urges)
        assert not Urge.objects.filter(finding=closed).exists()

    def test_only_the_provinces_reviewers(self, alice, quinn, notice):
        for user in (alice, quinn):
            with pytest.raises(PermissionDenied):
                services.notice_urge(user=user, notice=notice, message="催办")

    def test_the_notice_page_form(self, client, rita, notice):
        client.force_login(rita)
        page = client.get(f"/notices/{notice.pk}/")
        assert f'action="/notices/{notice.pk}/urge/"' in page.content.decode()
        data = {"message": "请尽快整改。", "reply_by": "2019-09-20", "once": TOKEN}
        response = client.post(f"/notices/{notice.pk}/urge/", data)
        assert response.status_code == 302
        assert Urge.objects.count() == 4
        client.post(f"/notices/{notice.pk}/urge/", data)
        assert Urge.objects.count() == 4  # sent twice, urged once
        bad = client.post(f"/notices/{notice.pk}/urge/", {"message": "", "once": TOKEN[::-1]})
        assert bad.status_code == 400


class TestViews:
    def url(self, finding):
        return f"/findings/{finding.pk}/urge/"

    def test_staff_urge_from_the_finding_page(self, client, alice, finding_a, unit_a2):
        client.force_login(alice)
        page = client.get(finding_a.get_absolute_url()).content.decode()
        assert 'id="urge-form"' in page and "区财政局" in page
        data = {"unit": unit_a2.pk, "message": "请本周报送。", "reply_by": "2019-09-15"}
        response = client.post(self.url(finding_a), {**data, "once": TOKEN})
        assert response.status_code == 302
        assert response.url == f"{finding_a.get_absolute_url()}#urges"
        assert [str(m) for m in get_messages(response.wsgi_request)] == ["已催办区财政局。"]
        # Sent twice (a double click): one urge.
        again = client.post(self.url(finding_a), {**data, "once": TOKEN})
        assert again.status_code == 302
        assert Urge.objects.count() == 1
        page = client.get(finding_a.get_absolute_url()).content.decode()
        assert "被催办1次" in page and "请本周报送。" in page

    def test_a_unit_contact_gets_403(self, client, una, finding_a, unit_a):
        client.force_login(una)
        page = client.get(finding_a.get_absolute_url()).content.decode()
        assert 'id="urge-form"' not in page
        response = client.post(self.url(finding_a), {"unit": unit_a.pk, "message": "催"})
        assert response.status_code == 403

    def test_outsider_404_and_get_405(self, client, bob, alice, finding_a, unit_a):
        client.force_login(bob)
        assert client.post(self.url(finding_a), {"message": "催"}).status_code == 404
        client.force_login(alice)
        assert client.get(self.url(finding_a)).status_code == 405

    def test_invalid_form_keeps_what_was_typed(self, client, alice, finding_a, unit_a):
        client.force_login(alice)
        data = {"unit": unit_a.pk, "message": "请加快。", "reply_by": "2019-09-01"}
        response = client.post(self.url(finding_a), data)
        assert response.status_code == 400
        page = response.content.decode()
        assert "回复期限不能早于今天。" in page and "请加快。" in page
        assert not Urge.objects.exists()

    def test_closed_finding_offers_no_form_and_refuses(self, client, lee, finding_a, unit_a):
        Finding.objects.filter(pk=finding_a.pk).update(status="closed", closed_on=TODAY)
        client.force_login(lee)
        assert 'id="urge-form"' not in client.get(finding_a.get_absolute_url()).content.decode()
        response = client.post(self.url(finding_a), {"unit": unit_a.pk, "message": "催"})
        assert response.status_code == 302
        assert "已销号，不能催办" in str(list(get_messages(response.wsgi_request))[0])

    def test_the_province_urges_the_county_from_the_page(self, client, rita, finding_a):
        client.force_login(rita)
        page = client.get(finding_a.get_absolute_url()).content.decode()
        assert "催办区县" in page and 'name="unit"' not in page
        response = client.post(self.url(finding_a), {"message": "请县里加快。", "once": TOKEN})
        assert response.status_code == 302
        assert Urge.objects.get().unit is None


def test_the_timeline_tells_the_urge_and_its_answer(alice, lee, una, finding_a, unit_a):
    from issues.timeline import finding_timeline

    urge(lee, finding_a, unit_a, message="请加快选址。", reply_by=dt.date(2019, 9, 20))
    services.progress_add(user=una, finding=finding_a, note="选址已完成。")
    told = [str(entry) for entry in finding_timeline(finding_a)]
    lee_name = lee.get_full_name() or lee.username
    assert (
        f"{lee_name} 2019年9月10日 催办 区商务和经济合作局：请加快选址。（请于2019年9月20日前回复）"
        in told
    )
    assert any("已回复区商务和经济合作局收到的催办" in line for line in told)


class TestLedger:
    def test_count_and_filter(self, client, alice, lee, county_a, review_a, finding_a, unit_a):
        other = Factory.finding(alice, county_a, review_a, description="另一个问题。")
        urge(alice, finding_a, unit_a)
        urge(lee, finding_a, unit_a)
        services.progress_add(user=alice, finding=finding_a, note="x")  # answers none
        client.force_login(alice)
        page = client.get("/findings/").content.decode()
        assert "被催办2次" in page
        rows = client.get("/findings/", {"urged": "yes"}).context["page"]
        assert [f.pk for f in rows] == [finding_a.pk]
        assert rows[0].urge_count == 2 and rows[0].open_urge_count == 2
        rows = client.get("/findings/", {"urged": "no"}).context["page"]
        assert [f.pk for f in rows] == [other.pk]
        rows = client.get("/findings/", {"urged": "open"}).context["page"]
        assert [f.pk for f in rows] == [finding_a.pk]

    @pytest.mark.parametrize("n", [2, 12])
    def test_query_count_does_not_grow(
        self, client, alice, county_a, review_a, unit_a, n, django_assert_num_queries
    ):
        from tests.issues.test_ledger_filters import LEDGER_QUERIES_COUNTY

        for i in range(n):
            finding = Factory.finding(
                alice, county_a, review_a, units=[unit_a], description=f"问题{i}"
            )
            urge(alice, finding, unit_a)
        client.force_login(alice)
        with django_assert_num_queries(LEDGER_QUERIES_COUNTY):
            response = client.get("/findings/", {"urged": "yes"})
        assert [f.urge_count for f in response.context["page"]] == [1] * n


def test_county_dashboard_counts_urges(client, alice, lee, una, finding_a, unit_a, rita):
    urge(alice, finding_a, unit_a)
    urge(rita, finding_a)
    services.progress_add(user=una, finding=finding_a, note="已整改。")  # answers both
    urge(lee, finding_a, unit_a)
    client.force_login(alice)
    response = client.get("/counties/510811/")
    assert response.context["urges"] == {"total": 3, "unanswered": 1}
    assert "（1次待回复）" in response.content.decode()
