"""Withdrawing a progress note (撤回整改进展): its author or the county office, within a day
of writing it; the note is kept, hidden from everybody but the county leader, and left out of
every list, count, export and document. The service, the confirmation page, and where notes
are read."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from docx import Document

from issues import services
from issues.models import Finding, Progress, Role
from reports import selectors
from reports.models import Report
from reports.services import report_save
from tests import approvals
from tests.conftest import Factory
from tests.issues.test_my_work import QUIET, my_work
from tests.reports.test_ledger_xlsx import COL, data_rows, download, workbook

SHANGHAI = ZoneInfo("Asia/Shanghai")
WRITTEN = dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI)
NOTE = "已完成公共服务中心选址,正在办理用地手续。"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WRITTEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def carol(county_a):
    """Another member of county A's office."""
    return Factory.user("carol", Role.COUNTY_STAFF, county=county_a)


@pytest.fixture
def note(alice, finding_a) -> Progress:
    return services.progress_add(user=alice, finding=finding_a, note=NOTE)


def url(note: Progress) -> str:
    return f"/findings/progress/{note.pk}/withdraw/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def reloaded(note: Progress) -> Progress:
    return Progress.objects.get(pk=note.pk)


# The service


def test_the_author_withdraws_within_a_day(clock, alice, note):
    clock.shift(dt.timedelta(hours=23, minutes=59))
    services.progress_withdraw(user=alice, progress=note, reason="重复提交")
    note = reloaded(note)  # kept, not deleted
    assert note.is_withdrawn
    assert note.withdrawn_by == alice
    assert note.withdrawn_at == WRITTEN + dt.timedelta(hours=23, minutes=59)
    record = note.history.first()
    assert (record.history_user, record.history_change_reason) == (alice, "重复提交")
    assert not Progress.objects.visible().filter(pk=note.pk).exists()


def test_after_a_day_it_stays(clock, alice, note):
    clock.shift(dt.timedelta(hours=24, seconds=1))
    with pytest.raises(services.TransitionError, match="超过一天"):
        services.progress_withdraw(user=alice, progress=note)
    assert not reloaded(note).is_withdrawn


def test_another_member_of_the_office_withdraws(carol, note):
    services.progress_withdraw(user=carol, progress=note)
    assert reloaded(note).withdrawn_by == carol


@pytest.mark.parametrize("who", ["lee", "bob", "rita", "nina"])
def test_nobody_else_withdraws(request, note, who):
    with pytest.raises(PermissionDenied):
        services.progress_withdraw(user=request.getfixturevalue(who), progress=note)
    assert not reloaded(note).is_withdrawn


def test_not_twice(alice, carol, note):
    services.progress_withdraw(user=alice, progress=note)
    with pytest.raises(services.TransitionError, match="已经撤回"):
        services.progress_withdraw(user=carol, progress=note)
    assert reloaded(note).withdrawn_by == alice


def test_not_on_an_archived_finding(alice, lee, finding_a, note):
    approvals.archive(finding_a, staff=alice, leader=lee)
    with pytest.raises(services.TransitionError, match="已归档"):
        services.progress_withdraw(user=alice, progress=note)


def test_a_long_reason_is_refused(alice, note):
    with pytest.raises(services.ValidationError) as exc:
        services.progress_withdraw(user=alice, progress=note, reason="因" * 101)
    assert exc.value.message_dict == {"reason": ["撤回原因不能超过100个字。"]}
    assert not reloaded(note).is_withdrawn


def test_the_first_note_withdrawn_leaves_the_status(alice, finding_a, note):
    assert Finding.objects.get(pk=finding_a.pk).status == Finding.Status.IN_PROGRESS
    services.progress_withdraw(user=alice, progress=note)
    assert Finding.objects.get(pk=finding_a.pk).status == Finding.Status.IN_PROGRESS


# The confirmation page


def test_the_page_asks_first(client, alice, note):
    client.force_login(alice)
    response = client.get(url(note))
    assert response.status_code == 200
    html = response.content.decode()
    assert NOTE in html
    assert 'name="reason"' in html and "确定撤回" in html
    assert '<form method="post"' in html  # posts back here: not a browser confirm()
    assert not reloaded(note).is_withdrawn  # asking changes nothing


def test_posting_withdraws(client, alice, finding_a, note):
    client.force_login(alice)
    response = client.post(url(note), {"reason": "重复提交"})
    assert response.status_code == 302
    assert response.url == f"/findings/{finding_a.pk}/#progress"
    assert messages_of(response) == ["整改进展已撤回；区县领导仍可查看，修改记录中保留。"]
    note = reloaded(note)
    assert note.withdrawn_by == alice
    assert note.history.first().history_change_reason == "重复提交"


def test_an_invalid_form_keeps_what_was_typed(client, alice, note):
    client.force_login(alice)
    response = client.post(url(note), {"reason": "因" * 101})
    assert response.status_code == 400
    html = response.content.decode()
    assert "因" * 101 in html
    assert "invalid-feedback" in html
    assert messages_of(response) == ["未撤回，请按提示修改。"]
    assert not reloaded(note).is_withdrawn


def test_another_countys_staff_get_404(client, bob, note):
    client.force_login(bob)
    assert client.get(url(note)).status_code == 404
    assert client.post(url(note)).status_code == 404
    assert not reloaded(note).is_withdrawn


@pytest.mark.parametrize("who", ["lee", "rita"])
def test_who_may_read_but_not_withdraw_get_403(client, request, note, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(note)).status_code == 403
    assert client.post(url(note)).status_code == 403
    assert not reloaded(note).is_withdrawn


def test_wrong_method(client, alice, note):
    client.force_login(alice)
    assert client.put(url(note)).status_code == 405
    assert client.delete(url(note)).status_code == 405


def test_anonymous_go_to_the_login_page(client, note):
    response = client.post(url(note))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_after_a_day_the_page_says_so(client, clock, alice, finding_a, note):
    clock.shift(dt.timedelta(days=2))
    client.force_login(alice)
    for send in (client.get, client.post):
        response = send(url(note))
        assert response.status_code == 302
        assert response.url == f"/findings/{finding_a.pk}/#progress"
        assert messages_of(response) == ["进展填报已超过一天，不能撤回。"]
        client.get(response.url)  # the page shows (and uses up) the message
    assert not reloaded(note).is_withdrawn


def test_withdrawing_twice_says_it_is_done(client, alice, note):
    client.force_login(alice)
    client.get(client.post(url(note)).url)
    response = client.post(url(note))
    assert response.status_code == 302
    assert messages_of(response) == ["这条进展已经撤回。"]


# The finding page


def progress_card(client, finding: Finding) -> str:
    html = client.get(finding.get_absolute_url()).content.decode()
    start = html.index('id="progress"')
    return html[start : html.index("</ul>", start)]


def test_the_button_shows_on_notes_the_user_may_withdraw(
    client, clock, alice, lee, finding_a, note
):
    client.force_login(alice)
    assert f'href="{url(note)}"' in progress_card(client, finding_a)
    client.force_login(lee)
    assert f'href="{url(note)}"' not in progress_card(client, finding_a)
    clock.shift(dt.timedelta(hours=25))
    client.force_login(alice)
    card = progress_card(client, finding_a)
    assert NOTE in card and f'href="{url(note)}"' not in card


def test_a_withdrawn_note_is_hidden_but_the_leader_sees_it_marked(
    client, alice, lee, rita, finding_a, note
):
    alice.first_name = "张三"
    alice.save()
    services.progress_withdraw(user=alice, progress=note)
    for reader in (alice, rita):
        client.force_login(reader)
        card = progress_card(client, finding_a)
        assert NOTE not in card
        assert "暂无进展记录。" in card
    client.force_login(lee)
    card = progress_card(client, finding_a)
    item = re.search(r'<li class="[^"]*note-withdrawn[^"]*">(.*?)</li>', card, re.S).group(1)
    assert NOTE in item
    assert "已撤回（张三，2019年9月10日" in re.sub(r"\s+", " ", item)


# Everywhere notes are read


@pytest.fixture
def two_notes(clock, alice, finding_a):
    """An older note, and a newer one withdrawn."""
    services.progress_add(
        user=alice, finding=finding_a, note="较早的进展。", date=dt.date(2019, 9, 2)
    )
    newer = services.progress_add(user=alice, finding=finding_a, note=NOTE)
    services.progress_withdraw(user=alice, progress=newer)
    return newer


def test_the_ledger_export_shows_the_latest_visible_note(client, alice, finding_a, two_notes):
    client.force_login(alice)
    (row,) = data_rows(workbook(download(client, "/findings/export.xlsx")).active)
    assert row[COL["最新进展"]] == "2019年9月2日:较早的进展。"
    (ledger_row,) = selectors.ledger_rows(
        Finding.objects.filter(pk=finding_a.pk), timezone.localdate()
    )
    assert ledger_row.latest_progress == "较早的进展。"


def test_the_dashboards_recent_notes_leave_it_out(client, alice, county_a, two_notes):
    client.force_login(alice)
    response = client.get("/counties/510811/")
    assert [p.note for p in response.context["recent"]] == ["较早的进展。"]
    assert NOTE not in response.content.decode()


def test_my_work_counts_a_finding_whose_only_note_this_month_was_withdrawn(
    client, alice, finding_a
):
    note = services.progress_add(user=alice, finding=finding_a, note=NOTE)
    assert finding_a.description not in my_work(client, alice)[QUIET]
    services.progress_withdraw(user=alice, progress=note)
    assert my_work(client, alice)[QUIET] == [finding_a.description]


def test_the_word_report_leaves_it_out(client, alice, county_a, review_a, finding_a, two_notes):
    report = report_save(
        user=alice,
        report=Report(county=county_a, issuer="广元市昭化区人民政府", title="整改情况的报告"),
        reviews=[review_a],
    )
    client.force_login(alice)
    for document in ("report", "plan"):
        response = client.get(f"/reports/{report.pk}/{document}.docx")
        assert response.status_code == 200
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
        text += "\n".join(
            cell.text
            for table in Document(io.BytesIO(response.content)).tables
            for row in table.rows
            for cell in row.cells
        )
        assert finding_a.description in text
        assert NOTE not in text
