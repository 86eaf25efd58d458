"""Deadlines with "today" fixed by time-machine: red (overdue), yellow (due within
RECTIFY_WARNING_DAYS), noted (within RECTIFY_UPCOMING_DAYS), green, and 长期坚持 for closed
ongoing findings past their date — on the model, the ledger rows, the detail page and the
landing page."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings

from issues.models import Finding
from rectify import settings as project_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2019, 9, 10)

# name: (deadline, status, is_ongoing, state, badge text)
CASES = {
    "late": (dt.date(2019, 9, 9), Finding.Status.IN_PROGRESS, False, "overdue", "逾期 1 天"),
    "late_submitted": (
        dt.date(2019, 8, 31),
        Finding.Status.SUBMITTED,
        False,
        "overdue",
        "逾期 10 天",
    ),
    "late_ongoing_open": (dt.date(2019, 9, 1), Finding.Status.OPEN, True, "overdue", "逾期 9 天"),
    "today": (TODAY, Finding.Status.OPEN, False, "due_soon", "今天到期"),
    "week": (dt.date(2019, 9, 17), Finding.Status.OPEN, False, "due_soon", "剩 7 天"),
    "eight": (dt.date(2019, 9, 18), Finding.Status.OPEN, False, "upcoming", "剩 8 天"),
    "fortnight": (dt.date(2019, 9, 24), Finding.Status.OPEN, False, "upcoming", "剩 14 天"),
    "later": (dt.date(2019, 9, 25), Finding.Status.OPEN, False, "ok", "未到期"),
    "undated": (None, Finding.Status.OPEN, False, "none", ""),
    "closed_late": (dt.date(2019, 5, 30), Finding.Status.CLOSED, False, "closed", ""),
    "ongoing": (dt.date(2019, 5, 30), Finding.Status.CLOSED, True, "ongoing", "长期坚持"),
    "ongoing_not_yet": (dt.date(2019, 12, 31), Finding.Status.CLOSED, True, "closed", "长期坚持"),
}
ROW_CLASS = {"overdue": "row-overdue", "due_soon": "row-due-soon", "upcoming": "row-upcoming"}
BADGE_CLASS = {
    "overdue": "text-bg-danger",
    "due_soon": "text-bg-warning",
    "upcoming": "text-bg-info",
    "ok": "text-bg-success-subtle",
}


@pytest.fixture(autouse=True)
def clock(settings):
    # The cases are laid out around a week's warning ("week" is yellow, "eight" is not);
    # test_the_defaults checks the default on its own.
    settings.RECTIFY_WARNING_DAYS = 7
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


@pytest.fixture
def ledger(alice, county_a, review_a, unit_a, factory) -> dict[str, Finding]:
    findings = {}
    for name, (deadline, status, ongoing, _state, _badge) in CASES.items():
        findings[name] = factory.finding(
            alice,
            county_a,
            review_a,
            description=f"问题:{name}",
            units=[unit_a],
            deadline=deadline,
            is_ongoing=ongoing,
            status=status,
            closed_on=dt.date(2019, 6, 1) if status == Finding.Status.CLOSED else None,
        )
    return findings


def test_the_defaults():
    # rectify.settings, not django.conf.settings: the clock fixture sets 7 on the latter.
    assert project_settings.RECTIFY_WARNING_DAYS == 3
    assert django_settings.RECTIFY_UPCOMING_DAYS == 14


# The model


@pytest.mark.parametrize("name", CASES)
def test_model_state_on_the_fixed_day(ledger, name):
    finding = Finding.objects.get(pk=ledger[name].pk)
    state = CASES[name][3]
    assert finding.deadline_state() == state
    assert finding.is_overdue() is (state == "overdue")
    assert finding.is_due_soon() is (state == "due_soon")


def test_the_day_turns_at_midnight_in_shanghai(clock, ledger):
    finding = Finding.objects.get(pk=ledger["today"].pk)
    clock.move_to(dt.datetime(2019, 9, 10, 15, 59, tzinfo=dt.UTC))  # 23:59 in Shanghai
    assert finding.deadline_state() == "due_soon"
    clock.move_to(dt.datetime(2019, 9, 10, 16, 0, tzinfo=dt.UTC))  # midnight in Shanghai
    assert finding.deadline_state() == "overdue"
    assert finding.days_left() == -1


def test_closing_takes_a_finding_off_the_red_list(ledger, lee):
    from issues import services

    finding = ledger["late_submitted"]
    services.finding_close(user=lee, finding=finding)
    finding.refresh_from_db()
    assert finding.deadline_state() == "closed"
    assert not finding.is_overdue()
    assert finding not in Finding.objects.overdue(TODAY)


@pytest.mark.parametrize(
    "days, due_soon, upcoming",
    [
        (3, {"today"}, {"week", "eight", "fortnight"}),
        (10, {"today", "week", "eight"}, {"fortnight"}),
        (0, {"today"}, {"week", "eight", "fortnight"}),
    ],
)
def test_due_soon_follows_the_setting(settings, ledger, days, due_soon, upcoming):
    settings.RECTIFY_WARNING_DAYS = days
    states = {name: Finding.objects.get(pk=f.pk).deadline_state() for name, f in ledger.items()}
    assert {n for n, s in states.items() if s == "due_soon"} == due_soon
    assert {n for n, s in states.items() if s == "upcoming"} == upcoming
    queryset = Finding.objects.due_within(days, TODAY)
    assert {f.description.removeprefix("问题:") for f in queryset} == due_soon


def test_queryset_and_model_agree(ledger):
    overdue = {f.pk for f in Finding.objects.overdue(TODAY)}
    assert overdue == {f.pk for f in ledger.values() if f.is_overdue(TODAY)}
    assert overdue == {ledger[n].pk for n in ("late", "late_submitted", "late_ongoing_open")}


# The ledger rows


def ledger_rows(html: str) -> dict[int, tuple[str, str]]:
    """finding pk → (row class, row html)."""
    rows = re.findall(r'<tr class="([^"]*)" data-finding="(\d+)">(.*?)</tr>', html, re.S)
    return {int(pk): (css, body) for css, pk, body in rows}


DEADLINE_TEXT = re.compile(r"逾期 \d+ 天|剩 \d+ 天|今天到期|未到期")


def badge(html: str) -> tuple[str, str] | None:
    """The deadline badge's colour class and text (not the status badge, nor 长期坚持)."""
    for css, text in re.findall(r'<span class="badge ([^"]*)"[^>]*>(.*?)</span>', html, re.S):
        text = re.sub(r"<[^>]+>", "", text).strip()
        if DEADLINE_TEXT.fullmatch(text):
            return css.split()[0], text
    return None


def test_ledger_rows_are_coloured(client, alice, ledger):
    client.force_login(alice)
    rows = ledger_rows(client.get("/findings/").content.decode())
    assert len(rows) == len(CASES)
    for name, finding in ledger.items():
        state, text = CASES[name][3], CASES[name][4]
        css, body = rows[finding.pk]
        assert css == ROW_CLASS.get(state, ""), name
        expected = (BADGE_CLASS[state], text) if state in BADGE_CLASS else None
        assert badge(body) == expected, name
        assert ("逾期" in body) is (state == "overdue"), name
        assert ("长期坚持" in body) is CASES[name][2], name


def test_ledger_counts(client, alice, ledger):
    client.force_login(alice)
    html = client.get("/findings/").content.decode()
    assert re.search(r'data-count="overdue">(\d+)<', html).group(1) == "3"
    assert re.search(r'data-count="due_soon">(\d+)<', html).group(1) == "2"
    assert "7天内到期" in html


def test_ledger_follows_the_setting(settings, client, alice, ledger):
    settings.RECTIFY_WARNING_DAYS = 10
    client.force_login(alice)
    html = client.get("/findings/").content.decode()
    rows = ledger_rows(html)
    assert rows[ledger["eight"].pk][0] == "row-due-soon"
    assert re.search(r'data-count="due_soon">(\d+)<', html).group(1) == "3"
    assert "10天内到期" in html


def test_overdue_filter_leaves_the_ongoing_closed_out(client, alice, ledger):
    client.force_login(alice)
    rows = ledger_rows(client.get("/findings/?overdue=on").content.decode())
    assert set(rows) == {ledger[n].pk for n in ("late", "late_submitted", "late_ongoing_open")}


# The detail page


def header(html: str) -> str:
    """The title block of the detail page, where the badges are."""
    start = html.index("finding-title")
    return html[start : html.index("</div>", html.index("d-flex flex-wrap gap-2", start))]


@pytest.mark.parametrize("name", CASES)
def test_detail_page_badge(client, lee, ledger, name):
    client.force_login(lee)
    html = header(client.get(ledger[name].get_absolute_url()).content.decode())
    state, text = CASES[name][3], CASES[name][4]
    assert badge(html) == ((BADGE_CLASS[state], text) if state in BADGE_CLASS else None)
    assert ("逾期" in html) is (state == "overdue")
    assert ("长期坚持" in html) is CASES[name][2]


def test_detail_page_of_an_ongoing_finding_says_when_and_that_it_goes_on(client, lee, ledger):
    client.force_login(lee)
    html = client.get(ledger["ongoing"].get_absolute_url()).content.decode()
    assert "2019年5月30日前，并长期坚持" in html
    assert "text-bg-danger" not in header(html)


# The landing page


def test_landing_page_counts_and_badges(client, alice, ledger):
    client.force_login(alice)
    response = client.get("/", follow=True)
    html = response.content.decode()
    assert re.search(r'data-count="overdue">(\d+)<', html).group(1) == "3"
    assert re.search(r'data-count="due_soon">(\d+)<', html).group(1) == "2"
    # The nearest deadlines, each with its badge.
    upcoming = html[html.index("临近与逾期的完成时限") :]
    upcoming = upcoming[: upcoming.index("</ul>")]
    items = re.findall(r'<li class="list-group-item">(.*?)</li>', upcoming, re.S)
    shown = {re.search(r"问题:(\w+)", item).group(1): badge(item) for item in items}
    assert shown["late_submitted"] == ("text-bg-danger", "逾期 10 天")
    assert shown["late"] == ("text-bg-danger", "逾期 1 天")
    assert shown["today"] == ("text-bg-warning", "今天到期")
    assert shown["week"] == ("text-bg-warning", "剩 7 天")
    assert "ongoing" not in shown and "closed_late" not in shown


def test_landing_page_follows_the_setting(settings, client, alice, ledger):
    settings.RECTIFY_WARNING_DAYS = 10
    client.force_login(alice)
    html = client.get("/", follow=True).content.decode()
    assert re.search(r'data-count="due_soon">(\d+)<', html).group(1) == "3"


def test_landing_page_due_soon_link_uses_the_setting(settings, client, alice, ledger):
    settings.RECTIFY_WARNING_DAYS = 10
    client.force_login(alice)
    html = client.get("/", follow=True).content.decode()
    assert "?due_within=10" in html
