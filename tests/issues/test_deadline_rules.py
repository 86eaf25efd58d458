"""The deadline rules are written once, in issues/models.py, as a condition on a row
(overdue_q, due_soon_q, closed_by_q) and as the same rule on one row's values (is_overdue,
is_due_soon, is_closed_by). Every reader uses one of the pair: the model's methods, the
querysets, the tallies, the .xlsx ledger rows, the documents and the reminders. Here every
case of every rule is checked both ways, so the two can never disagree, and each reader is
checked against the rule."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from issues import models
from issues.models import Finding
from issues.selectors import tally
from reports.selectors import ledger_rows

TODAY = dt.date(2019, 9, 10)
DAY = dt.timedelta(days=1)
SOON = 3  # RECTIFY_WARNING_DAYS's default (tests/issues/test_deadlines.py checks it)
DEADLINES = [
    None,
    TODAY - 30 * DAY,
    TODAY - DAY,
    TODAY,
    TODAY + DAY,
    TODAY + SOON * DAY,
    TODAY + (SOON + 1) * DAY,
]
STATUSES = [s.value for s in Finding.Status]
CLOSED_ON = [TODAY - 10 * DAY, TODAY - DAY, TODAY]


@pytest.fixture
def grid(alice, county_a, review_a, unit_a, factory) -> list[Finding]:
    """A finding for every deadline × status (closed ones on each of CLOSED_ON)."""
    findings = []
    for n, (deadline, status) in enumerate(itertools.product(DEADLINES, STATUSES)):
        closed_days = CLOSED_ON if status == Finding.Status.CLOSED else [None]
        for closed_on in closed_days:
            findings.append(
                factory.finding(
                    alice,
                    county_a,
                    review_a,
                    description=f"问题{n}-{closed_on}",
                    units=[unit_a],
                    deadline=deadline,
                    status=status,
                    closed_on=closed_on,
                )
            )
    return findings


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_the_grid_covers_every_case(grid):
    assert len(grid) == len(DEADLINES) * (len(STATUSES) - 1 + len(CLOSED_ON))


@pytest.mark.parametrize("today", [TODAY - DAY, TODAY, TODAY + DAY, TODAY + 9 * DAY])
def test_overdue_as_a_condition_and_as_a_predicate(grid, today):
    by_q = ids(Finding.objects.filter(models.overdue_q(today)))
    by_predicate = {
        f.pk for f in grid if models.is_overdue(deadline=f.deadline, status=f.status, today=today)
    }
    assert by_q == by_predicate
    assert by_q == {f.pk for f in grid if f.is_overdue(today)}
    assert by_q == ids(Finding.objects.overdue(today))
    assert by_q  # the grid has overdue findings on each of these days


@pytest.mark.parametrize("within", [0, 1, SOON, 30])
@pytest.mark.parametrize("today", [TODAY, TODAY + DAY])
def test_due_soon_as_a_condition_and_as_a_predicate(grid, today, within):
    by_q = ids(Finding.objects.filter(models.due_soon_q(today, within)))
    by_predicate = {
        f.pk
        for f in grid
        if models.is_due_soon(deadline=f.deadline, status=f.status, today=today, within=within)
    }
    assert by_q == by_predicate
    assert by_q == {f.pk for f in grid if f.is_due_soon(today, within=within)}
    assert by_q == ids(Finding.objects.due_within(within, today))


def test_due_soon_defaults_to_the_setting(grid, settings):
    settings.RECTIFY_WARNING_DAYS = 1
    assert models.warning_days() == 1
    expected = {f.pk for f in grid if f.is_due_soon(TODAY, within=1)}
    assert ids(Finding.objects.filter(models.due_soon_q(TODAY))) == expected
    assert {f.pk for f in grid if f.is_due_soon(TODAY)} == expected


@pytest.mark.parametrize("day", [TODAY - 11 * DAY, TODAY - 10 * DAY, TODAY - DAY, TODAY])
def test_closed_by_as_a_condition_and_as_a_predicate(grid, day):
    by_q = ids(Finding.objects.filter(models.closed_by_q(day)))
    assert by_q == {
        f.pk for f in grid if models.is_closed_by(status=f.status, closed_on=f.closed_on, day=day)
    }
    assert by_q == {f.pk for f in grid if f.was_closed_by(day)}
    assert by_q == ids(Finding.objects.closed_by(day))


def test_the_tally_counts_by_the_rules(grid):
    counts = tally(Finding.objects.all(), TODAY)
    assert counts.overdue == sum(f.is_overdue(TODAY) for f in grid)
    assert counts.due_soon == sum(f.is_due_soon(TODAY) for f in grid)
    assert counts.closed == sum(f.is_closed for f in grid)


def test_the_ledger_rows_mark_overdue_by_the_rule(grid):
    rows = list(ledger_rows(Finding.objects.in_ledger_order(), TODAY))
    by_text = {f.description: f for f in grid}
    assert len(rows) == len(grid)
    for row in rows:
        assert row.overdue == by_text[row.description].is_overdue(TODAY), row.description
