"""Which database the suite runs on, and what PostgreSQL must do like SQLite does.

CI (`.ci/run`) runs the suite twice with CI=true: once on SQLite, once on PostgreSQL through
DATABASE_URL. The first test makes a misconfigured CI fail instead of quietly running SQLite
twice; the others only mean something on PostgreSQL and skip elsewhere, except on CI's
PostgreSQL run, where skipping would hide exactly what that run is for.
"""

from __future__ import annotations

import os
from decimal import Decimal

import dj_database_url
import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum

from issues.models import Finding, Project

ON_CI = os.environ.get("CI", "").strip().lower() == "true"
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()


def test_ci_runs_on_the_database_it_asked_for():
    if not ON_CI:
        pytest.skip("only checked under CI=true (.ci/run): locally any database will do")
    if DATABASE_URL:
        assert connection.vendor == "postgresql", (
            f"CI=true with DATABASE_URL set, but the tests run on {connection.vendor}"
        )
        wanted = dj_database_url.parse(DATABASE_URL)
        got = settings.DATABASES["default"]
        for key in ("HOST", "PORT", "USER"):
            assert str(got[key]) == str(wanted[key]), f"{key}: {got[key]!r} != {wanted[key]!r}"
    else:
        assert connection.vendor == "sqlite", (
            f"CI=true without DATABASE_URL should run on SQLite, not {connection.vendor}"
        )


@pytest.fixture
def postgresql(db):
    """Skip unless on PostgreSQL; on CI's PostgreSQL run, never skip: fail."""
    if connection.vendor != "postgresql":
        if ON_CI and DATABASE_URL:
            pytest.fail(f"CI=true and DATABASE_URL is set, but the database is {connection.vendor}")
        pytest.skip(
            f"PostgreSQL only (this run is on {connection.vendor}); "
            "set DATABASE_URL=postgres://… to run it"
        )


def test_postgresql_database_is_utf8(postgresql):
    # A cluster initialised under LANG=C is SQL_ASCII: it stores Chinese as opaque bytes and
    # neither case-folds nor validates it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"


def test_postgresql_search_over_chinese_text(
    postgresql, factory, alice, county_a, review_a, unit_a
):
    finding = factory.finding(
        alice,
        county_a,
        review_a,
        description="县级电子商务公共服务中心未开始建设。",
        measures=["加快推进O2O体验店建设", "完善农村物流配送体系"],
        units=[unit_a],
    )
    factory.finding(alice, county_a, review_a, description="培训人数不足。", measures=["增加培训"])

    def found(text):
        return list(Finding.objects.search(text).values_list("pk", flat=True))

    assert found("公共服务中心") == [finding.pk]  # in the description
    assert found("物流配送") == [finding.pk]  # in a measure
    assert found("o2o体验店") == [finding.pk]  # icontains folds the Latin letters
    assert found("电子商务 公共") == []
    assert found("%") == []  # escaped, not a LIKE wildcard
    assert found("_") == []
    assert len(found("建设")) == 1
    assert Finding.objects.filter(description__icontains="服务中心").get() == finding


def test_postgresql_decimal_round_trip(postgresql, county_a):
    Project.objects.create(
        county=county_a,
        name="电子商务进农村综合示范项目",
        year=2018,
        batch=1,
        planned_investment=Decimal("2000.00"),
        central_funds=Decimal("1500.05"),
    )
    Project.objects.create(
        county=county_a,
        name="第二年度",
        year=2019,
        batch=1,
        planned_investment=Decimal("9999999999.99"),
        central_funds=None,
    )
    first = Project.objects.get(year=2018)
    assert first.central_funds == Decimal("1500.05")
    assert isinstance(first.central_funds, Decimal)
    assert str(first.planned_investment) == "2000.00"
    assert Project.objects.get(year=2019).planned_investment == Decimal("9999999999.99")
    totals = Project.objects.aggregate(
        planned=Sum("planned_investment"), central=Sum("central_funds")
    )
    assert totals == {"planned": Decimal("10000001999.99"), "central": Decimal("1500.05")}
