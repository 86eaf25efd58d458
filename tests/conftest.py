"""The fixed cast of test users and small factories.

- alice: county A staff (edits county A's ledger)
- lee: county A leader (reads county A)
- bob: county B staff (an outsider to county A)
- rita: reviewer of province P, which holds counties A and B
- quinn: reviewer of another province Q (outsider to both counties)
- nina: national user (sees everything)

The administrators (三权分立; none of them reads the ledger):
- ada: county A system administrator (county A's staff and leaders' accounts)
- sid: county A security administrator (their roles and lockouts)
- otto: county A auditor (county A's security log)
- pam: province P system administrator (P's reviewers, the administrators of A and B)
- nate: national system administrator (the provinces' administrators)
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from issues import services
from issues.models import Category, County, Finding, Province, Review, Role, Unit, User

# The property tests check what comes out, never how fast: the suite runs on every core of a
# busy machine, where generating examples slowly must not fail a test.
hypothesis_settings.register_profile(
    "rectify", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("rectify")

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


class Factory:
    """Small helpers that build valid rows; everything written goes through services."""

    @staticmethod
    def province(code: str = "510000", name: str = "四川省") -> Province:
        return Province.objects.get_or_create(code=code, defaults={"name": name})[0]

    @staticmethod
    def county(province: Province, code: str, name: str) -> County:
        return County.objects.create(province=province, code=code, name=name, short_name=name)

    @staticmethod
    def user(username: str, role: str | None = None, **scope) -> User:
        user = User.objects.create_user(username=username, password=PASSWORD, **scope)
        if role:
            # get_or_create: a transactional test's flush (browser tests, the SQLite writers)
            # removes the groups the data migration made.
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    @staticmethod
    def review(
        county: County,
        kind: str = Review.Kind.MOFCOM_REVIEW,
        team: str = "商务部复核组",
        start: dt.date = dt.date(2019, 4, 25),
    ) -> Review:
        review = Review.objects.create(kind=kind, team=team, start_date=start)
        review.counties.add(county)
        return review

    @staticmethod
    def unit(county: County, name: str, kind: str = Unit.Kind.DEPARTMENT) -> Unit:
        return Unit.objects.get_or_create(county=county, name=name, defaults={"kind": kind})[0]

    @staticmethod
    def finding(
        user: User,
        county: County,
        review: Review,
        *,
        category: str = "项目管理问题",
        description: str | None = None,
        units: list[Unit] | None = None,
        measures: list[str] | None = None,
        **fields,
    ) -> Finding:
        cat = Category.objects.filter(review=review, name=category).first()
        data = services.FindingData(
            review=review,
            category=cat,
            new_category_name="" if cat else category,
            description=description or f"问题描述 {next(_seq)}",
            measures=measures if measures is not None else ["第一条措施", "第二条措施"],
            units=[services.UnitEntry(u) for u in (units or [])],
            **fields,
        )
        return services.finding_create(user=user, county=county, data=data)


@pytest.fixture
def factory() -> type[Factory]:
    return Factory


@pytest.fixture
def province(db) -> Province:
    return Factory.province("510000", "四川省")


@pytest.fixture
def other_province(db) -> Province:
    return Factory.province("360000", "江西省")


@pytest.fixture
def county_a(province) -> County:
    return Factory.county(province, "510811", "广元市昭化区")


@pytest.fixture
def county_b(province) -> County:
    return Factory.county(province, "510812", "广元市朝天区")


@pytest.fixture
def alice(county_a) -> User:
    return Factory.user("alice", Role.COUNTY_STAFF, county=county_a)


@pytest.fixture
def lee(county_a) -> User:
    return Factory.user("lee", Role.COUNTY_LEADER, county=county_a)


@pytest.fixture
def bob(county_b) -> User:
    return Factory.user("bob", Role.COUNTY_STAFF, county=county_b)


@pytest.fixture
def rita(province) -> User:
    return Factory.user("rita", Role.PROVINCE_REVIEWER, province=province)


@pytest.fixture
def quinn(other_province) -> User:
    return Factory.user("quinn", Role.PROVINCE_REVIEWER, province=other_province)


@pytest.fixture
def nina(db) -> User:
    return Factory.user("nina", is_national=True)


@pytest.fixture
def una(county_a, unit_a) -> User:
    """The contact (责任单位联络员) of unit_a, which leads finding_a."""
    return Factory.user("una", Role.UNIT_STAFF, county=county_a, unit=unit_a)


@pytest.fixture
def ada(county_a) -> User:
    return Factory.user("ada", Role.ACCOUNT_ADMIN, county=county_a)


@pytest.fixture
def sid(county_a) -> User:
    return Factory.user("sid", Role.SECURITY_ADMIN, county=county_a)


@pytest.fixture
def otto(county_a) -> User:
    return Factory.user("otto", Role.AUDITOR, county=county_a)


@pytest.fixture
def pam(province) -> User:
    return Factory.user("pam", Role.ACCOUNT_ADMIN, province=province)


@pytest.fixture
def nate(db) -> User:
    return Factory.user("nate", Role.ACCOUNT_ADMIN, is_national=True)


@pytest.fixture
def review_a(county_a) -> Review:
    return Factory.review(county_a)


@pytest.fixture
def unit_a(county_a) -> Unit:
    return Factory.unit(county_a, "区商务和经济合作局")


@pytest.fixture
def unit_a2(county_a) -> Unit:
    return Factory.unit(county_a, "区财政局")


@pytest.fixture
def finding_a(alice, county_a, review_a, unit_a, unit_a2) -> Finding:
    return Factory.finding(
        alice,
        county_a,
        review_a,
        description="县级公共服务中心未开始建设。",
        units=[unit_a, unit_a2],
        deadline=dt.date(2019, 10, 30),
    )


@pytest.fixture
def review_b(county_b) -> Review:
    return Factory.review(county_b)


@pytest.fixture
def finding_b(bob, county_b, review_b) -> Finding:
    unit = Factory.unit(county_b, "区商务局")
    return Factory.finding(bob, county_b, review_b, description="朝天区的问题。", units=[unit])


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2 takes about a second a user here; MD5 first keeps the cast cheap, and the
    default hashers stay listed so any password hashed the slow way still checks."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *global_settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True, scope="session")
def _test_clock():
    """RECTIFY_TEST_CLOCK=03:00 runs the whole suite as if it were 03:00 in Shanghai today
    (the clock ticks on from there): the hours when Shanghai's date and UTC's differ are where
    a "today" taken from the wrong clock shows. Tests that fix the time themselves still do."""
    value = os.environ.get("RECTIFY_TEST_CLOCK", "").strip()
    if not value:
        yield
        return
    shanghai = ZoneInfo("Asia/Shanghai")
    hour, minute = (int(part) for part in value.split(":"))
    start = dt.datetime.combine(dt.datetime.now(shanghai).date(), dt.time(hour, minute), shanghai)
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture(autouse=True)
def _login_security_off(settings):
    """Client.login() authenticates without a request, which axes refuses; and many tests log
    in, then move the clock on by days. tests/issues/test_login_security.py turns the
    lockout and the session timeouts back on."""
    settings.AXES_ENABLED = False
    settings.RECTIFY_SESSION_IDLE_MINUTES = 0
    settings.RECTIFY_SESSION_MAX_HOURS = 0
