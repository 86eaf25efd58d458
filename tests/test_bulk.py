"""rectify.lib.bulk: rows saved a model at a time are validated as full_clean() validates
them one by one (the same errors, nothing written), and leave the history save() leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from issues.models import Category, Finding, Review, Unit
from rectify.lib import bulk
from rectify.lib.records import stamp


def _errors(obj) -> dict:
    with pytest.raises(ValidationError) as one_by_one:
        obj.full_clean()
    return one_by_one.value.message_dict


def _refused(model, obj) -> dict:
    rows = bulk.Rows(model)
    rows.add(obj, clean=True)
    with pytest.raises(ValidationError) as together:
        rows.write()
    return together.value.message_dict


def test_a_unique_constraint_as_full_clean(alice, county_a, unit_a):
    twin = Unit(county=county_a, name=unit_a.name)
    stamp(twin, alice, created=True)
    assert _refused(Unit, twin) == _errors(twin)
    assert Unit.objects.filter(name=unit_a.name).count() == 1


def test_a_check_constraint_as_full_clean(alice, county_a, review_a):
    category = Category.objects.create(review=review_a, name="项目管理问题")
    finding = Finding(
        county=county_a, review=review_a, category=category, description="问题", status="closed"
    )
    stamp(finding, alice, created=True)
    assert _refused(Finding, finding) == _errors(finding)
    review = Review(team="督查组", start_date=dt.date(2026, 5, 2), end_date=dt.date(2026, 5, 1))
    assert _refused(Review, review) == _errors(review)
    assert not Finding.objects.exists()


def test_a_missing_related_row_and_a_field_as_full_clean(alice, county_a):
    unit = Unit(county_id=county_a.pk + 100, name="区财政局")
    assert _refused(Unit, unit) == _errors(unit)
    unit = Unit(county=county_a, name="局" * 101)
    assert _refused(Unit, unit) == _errors(unit)
    assert not Unit.objects.exists()


def test_a_row_created_then_changed_has_both_history_records(alice, county_a):
    rows = bulk.Rows(Unit)
    unit = Unit(county=county_a, name="各乡镇人民政府")
    stamp(unit, alice, created=True)
    rows.add(unit, clean=True)
    unit.aliases = "各乡镇"
    stamp(unit, alice, created=False)
    rows.change(unit, clean=True)
    rows.write()
    unit.refresh_from_db()
    assert unit.aliases == "各乡镇"
    records = unit.history.order_by("history_date", "history_id")
    assert [(r.history_type, r.aliases, r.history_user) for r in records] == [
        ("+", "", alice),
        ("~", "各乡镇", alice),
    ]
