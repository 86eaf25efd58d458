"""Saving an import writes a model at a time (issue 18): seed 000 into a county's ledger in a
fixed, small number of queries, with the history, attribution and notifications a save row
by row leaves."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection

from issues import services
from issues.importing.document import parse_document
from issues.importing.plan import NEW, build_plan
from issues.importing.services import import_apply
from issues.models import Finding, FindingUnit, Measure, Progress, Review, Role, Unit
from notify.models import Notification
from tests.conftest import Factory
from tests.seeds import SEED_000

SEED = SEED_000.read_text(encoding="utf-8")
TODAY = dt.date(2026, 11, 22)
# SQLite caps the parameters of one statement: the unit links' history takes two INSERTs.
QUERIES = 32 if connection.vendor == "sqlite" else 31


def _plan(county, text=SEED):
    plan = build_plan(county, parse_document(text))
    decisions = {u.name: NEW for u in plan.undecided_units}
    return build_plan(county, parse_document(text), unit_decisions=decisions)


@pytest.fixture
def ledger(county_a):
    """The county's ledger knows the MOFCOM review; the province's evaluation is new."""
    Review.objects.create(kind="mofcom_review", team="商务部复核组").counties.add(county_a)
    return county_a


def test_seed_000_is_saved_in_a_fixed_number_of_queries(alice, ledger, django_assert_num_queries):
    plan = _plan(ledger)
    with django_assert_num_queries(QUERIES):
        summary = import_apply(user=alice, county=ledger, plan=plan, today=TODAY)
    assert (summary["new"], len(summary["units"]), len(summary["reviews"])) == (25, 13, 1)
    assert Finding.objects.filter(county=ledger).count() == 25


def test_every_row_has_its_history_attributed_to_one_change_set(alice, ledger):
    import_apply(user=alice, county=ledger, plan=_plan(ledger), today=TODAY)
    for model in (Unit, Finding, Measure, FindingUnit):
        rows = model.objects.all()
        records = model.history.filter(history_type="+")
        assert records.count() == rows.count() > 0, model
        assert {(r.history_user_id, r.history_change_reason) for r in records} == {(alice.pk, None)}
    assert Finding.history.count() == 25  # one record each: nothing saved twice
    change_sets = {
        r.change_set for model in (Unit, Finding, Measure, FindingUnit) for r in model.history.all()
    }
    assert len(change_sets) == 1 and "" not in change_sets
    finding = Finding.objects.filter(county=ledger).order_by("pk").first()
    assert (finding.created_by, finding.updated_by) == (alice, alice)


def test_the_units_contacts_hear_of_their_tasks_once_each(alice, ledger):
    trade = Factory.unit(ledger, "区商务和经济合作局")
    una = Factory.user("una", Role.UNIT_STAFF, county=ledger, unit=trade)
    import_apply(user=alice, county=ledger, plan=_plan(ledger), today=TODAY)
    tasks = FindingUnit.objects.filter(unit=trade).count()
    assert tasks > 20
    got = Notification.objects.filter(recipient=una, kind=Notification.Kind.ASSIGNED)
    assert got.count() == tasks
    assert set(got.values_list("finding_id", flat=True)) == set(
        FindingUnit.objects.filter(unit=trade).values_list("finding_id", flat=True)
    )
    una.refresh_from_db()
    assert una.unread_notifications == tasks


def test_notes_start_open_findings_and_answer_urges(alice, rita, ledger):
    """A second import with progress notes: each open finding's first note starts the work
    (a recorded step, a new version) and answers the province's urge, as progress_add."""
    undone = re.sub(r"^整改结果:.*$", "", SEED, flags=re.MULTILINE)  # nothing done yet: open
    first = _plan(ledger, undone)
    import_apply(user=alice, county=ledger, plan=first, today=TODAY)
    opened = list(Finding.objects.filter(county=ledger, status=Finding.Status.OPEN).order_by("pk"))
    assert len(opened) > 5
    urge = services.finding_urge(user=rita, finding=opened[0], message="请加快整改")
    noted = undone.replace("销号情况:未销号", "整改进展:正在推进。\n\n销号情况:未销号")
    versions = {finding.pk: finding.version for finding in opened}
    summary = import_apply(user=alice, county=ledger, plan=_plan(ledger, noted), today=TODAY)
    assert summary["progress"] == len(versions)
    for finding in Finding.objects.filter(pk__in=versions):
        assert finding.status == Finding.Status.IN_PROGRESS
        assert finding.version == versions[finding.pk] + 1
        change = finding.status_changes.get()
        assert (change.actor, change.comment) == (alice, "填报首条整改进展")
        (note,) = Progress.objects.filter(finding=finding)
        record = finding.history.order_by("-history_date", "-history_id").first()
        assert record.change_set == change.change_set == note.history.get().change_set
    urge.refresh_from_db()
    assert urge.answered_by_progress == Progress.objects.get(finding=opened[0])
