"""rectify.lib.together: several lists in one query, as the ORM would have read them."""

from __future__ import annotations

import datetime as dt

from issues import services
from issues.models import Finding, StatusChange
from rectify.lib import together
from rectify.lib.together import Rows, _columns, read

USER = ("first_name", "last_name", "username")


def test_lists_read_in_one_query_as_the_orm_reads_them(
    alice, lee, finding_a, unit_a, django_assert_num_queries
):
    services.finding_start(user=alice, finding=finding_a)
    services.finding_urge(user=lee, finding=finding_a, unit=unit_a, message="请尽快整改")
    finding_a.refresh_from_db()
    lists = {
        "measures": Rows(finding_a.measures.all()),
        "history": Rows(
            Finding.history.filter(id=finding_a.pk).order_by("-history_date", "-history_id"),
            {"history_user": USER, "review": ("team",), "category": None},
        ),
        "urges": Rows(finding_a.urges.all(), {"unit": ("name",), "created_by": USER}),
        "steps": Rows(StatusChange.objects.filter(finding=finding_a), {"actor": USER}),
    }
    history_ids = [r.history_id for r in lists["history"].queryset]
    measure_ids = [m.pk for m in finding_a.measures.all()]
    team, category = finding_a.review.team, finding_a.category.name
    read(lists)  # SQLite's JSON support is probed once per connection
    with django_assert_num_queries(1):
        rows = read(lists)
        # Fields, types and related rows as the ORM gives them: no further query.
        history = rows["history"]
        assert [r.history_id for r in history] == history_ids
        assert [r.pk for r in rows["measures"]] == measure_ids
        urge = rows["urges"][0]
        assert urge.finding is finding_a  # the related manager's parent
        assert (urge.unit.name, urge.created_by.username) == (unit_a.name, lee.username)
        (step,) = rows["steps"]
        assert step.actor.username == alice.username and step.at.tzinfo is not None
        latest = history[0]
        assert (latest.review.team, latest.category.name) == (team, category)
        assert latest.deadline == finding_a.deadline and isinstance(latest.deadline, dt.date)
        assert latest.is_ongoing is finding_a.is_ongoing
        assert latest.history_date.tzinfo is not None
        assert latest.get_status_display() == finding_a.get_status_display()
        assert latest.closed_by_id is None
    # A related row's other fields are deferred: reading one costs a query, as it would.
    with django_assert_num_queries(1):
        assert urge.unit.county_id == unit_a.county_id


def test_a_missing_related_row_is_none_without_a_query(alice, finding_a, django_assert_num_queries):
    rows = read({"findings": Rows(Finding.objects.filter(pk=finding_a.pk), {"closed_by": USER})})
    with django_assert_num_queries(0):
        assert rows["findings"][0].closed_by is None


def test_long_rows_are_packed_in_several_arrays(finding_a, monkeypatch):
    # PostgreSQL takes at most 100 arguments to a function.
    monkeypatch.setattr(together, "ARGUMENTS", 10)
    wide = Rows(Finding.history.filter(id=finding_a.pk), {"history_user": None})
    assert len(_columns(wide)) > 4 * together.ARGUMENTS
    (record,) = read({"h": wide})["h"]
    assert record.description == finding_a.description
    assert record.history_user.username == "alice"


def test_no_lists_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert read({}) == {}
