"""`manage.py load_demo`: the demo counties from demo/data/*.json, the demo users,
and running it again changing nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from demo.loader import DATA_DIR, UNIT_CONTACTS
from issues import services
from issues.models import (
    Category,
    County,
    Finding,
    FindingUnit,
    Project,
    Province,
    Review,
    Role,
    Unit,
    User,
)
from tests import approvals

PASSWORD = "demo-password-for-tests"
DATA = Path(__file__).resolve().parents[2] / "demo" / "data"


def _load(password: str = PASSWORD) -> str:
    out = io.StringIO()
    call_command("load_demo", password=password, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db) -> str:
    return _load()


@pytest.fixture
def zhaohua(demo) -> County:
    return County.objects.get(code="510811")


def _review(county: County, kind: str) -> Review:
    return Review.objects.get(counties=county, kind=kind)


def _finding(county: County, kind: str, category: int, order: int) -> Finding:
    """The finding numbered `category`.(`order`) in the county's review of `kind`."""
    return Finding.objects.get(
        county=county, review__kind=kind, category__order=category, order=order
    )


def _lead(finding: Finding) -> str:
    return Finding.objects.with_lead_unit().get(pk=finding.pk).lead_unit_name


def _names(finding: Finding, role: str) -> list[str]:
    links = finding.unit_links.filter(role=role).order_by("order")
    return list(links.values_list("unit__name", flat=True))


def _row_counts() -> dict[str, int]:
    """Rows in every table of the project's models, history tables included."""
    counts = {}
    for config in apps.get_app_configs():
        if config.label not in ("issues", "reports", "auth"):
            continue
        for model in config.get_models(include_auto_created=True):
            counts[model._meta.db_table] = model._default_manager.count()
    return counts


class TestZhaohua:
    def test_county_province_and_project(self, zhaohua):
        assert zhaohua.name == "广元市昭化区"
        assert zhaohua.short_name == "昭化区"
        assert zhaohua.government == "广元市昭化区人民政府"
        assert zhaohua.province == Province.objects.get(code="510000", name="四川省")
        project = Project.objects.get(county=zhaohua)
        assert (project.year, project.batch) == (2017, 4)
        assert str(project.planned_investment) == "4029.50"

    @pytest.mark.parametrize(
        ("kind", "team", "total", "closed"),
        [
            (Review.Kind.MOFCOM_REVIEW, "商务部复核组", 15, 8),
            (Review.Kind.PROVINCE_EVALUATION, "省绩效评价组", 10, 4),
        ],
    )
    def test_findings_per_review(self, zhaohua, kind, team, total, closed):
        review = _review(zhaohua, kind)
        assert review.team == team
        findings = Finding.objects.filter(county=zhaohua, review=review)
        assert findings.count() == total
        assert findings.closed().count() == closed
        # The report was dated 2019-09-10: that is when the closed ones were closed.
        assert set(findings.closed().values_list("closed_on", flat=True)) == {dt.date(2019, 9, 10)}
        assert not findings.open().filter(closed_on__isnull=False).exists()

    def test_review_dates(self, zhaohua):
        mofcom = _review(zhaohua, Review.Kind.MOFCOM_REVIEW)
        assert (mofcom.start_date, mofcom.end_date) == (dt.date(2019, 4, 25), dt.date(2019, 4, 27))
        province = _review(zhaohua, Review.Kind.PROVINCE_EVALUATION)
        assert province.start_date == dt.date(2019, 5, 24)

    def test_categories_in_order(self, zhaohua):
        mofcom = _review(zhaohua, Review.Kind.MOFCOM_REVIEW)
        assert list(mofcom.categories.values_list("order", "name")) == [
            (1, "项目建设进度滞后问题"),
            (2, "建设与运行问题"),
            (3, "项目管理问题"),
            (4, "资金管理问题"),
            (5, "精准扶贫方面问题"),
        ]
        province = _review(zhaohua, Review.Kind.PROVINCE_EVALUATION)
        assert list(province.categories.values_list("order", "name")) == [
            (1, "资金管理及项目管理方面问题"),
            (2, "项目完成方面问题"),
            (3, "项目效果方面问题"),
        ]

    def test_mofcom_5_1_deadline_and_ongoing(self, zhaohua):
        finding = _finding(zhaohua, Review.Kind.MOFCOM_REVIEW, 5, 1)
        assert finding.description.startswith("贫困村63个")
        assert finding.deadline == dt.date(2019, 9, 30)
        assert finding.is_ongoing is True
        assert finding.status == Finding.Status.IN_PROGRESS
        assert _lead(finding) == "各乡镇人民政府"

    def test_mofcom_1_1_measures_and_lead(self, zhaohua):
        finding = _finding(zhaohua, Review.Kind.MOFCOM_REVIEW, 1, 1)
        assert finding.description.startswith("县级公共服务中心因前期实施单位变更")
        assert finding.measures.count() == 2
        assert list(finding.measures.values_list("order", flat=True)) == [1, 2]
        assert _lead(finding) == "区商务和经济合作局"
        assert _names(finding, "responsible") == ["区商务和经济合作局", "区工业园区管委会"]
        assert finding.deadline == dt.date(2019, 10, 30)
        assert finding.is_ongoing is False

    def test_measures_match_the_data_file(self, zhaohua):
        data = json.loads((DATA / "510811.json").read_text(encoding="utf-8"))
        for review in data["reviews"]:
            for c, category in enumerate(review["categories"], start=1):
                for o, item in enumerate(category["findings"], start=1):
                    finding = _finding(zhaohua, review["kind"], c, o)
                    texts = list(finding.measures.values_list("text", flat=True))
                    assert texts == [m.strip() for m in item["measures"]], (review["key"], c, o)
                    assert _names(finding, "responsible") == item["units"]
                    assert _names(finding, "cooperating") == item["cooperating_units"]

    def test_province_2_3_has_cooperating_units(self, zhaohua):
        finding = _finding(zhaohua, Review.Kind.PROVINCE_EVALUATION, 2, 3)
        assert finding.description.startswith("标准化建设与推广力度较小")
        assert _names(finding, "responsible") == ["区商务和经济合作局"]
        assert _names(finding, "cooperating") == ["区农业农村局", "区文化旅游和体育局"]
        assert _lead(finding) == "区商务和经济合作局"
        assert finding.status == Finding.Status.CLOSED

    def test_related_findings_pair_up_across_reviews(self, zhaohua):
        mofcom, province = Review.Kind.MOFCOM_REVIEW, Review.Kind.PROVINCE_EVALUATION
        assert list(_finding(zhaohua, mofcom, 1, 1).related.all()) == [
            _finding(zhaohua, province, 2, 2)
        ]
        # Symmetrical: the province's 1.(1) is the MOFCOM's 4.(1) and 4.(2).
        assert set(_finding(zhaohua, province, 1, 1).related.all()) == {
            _finding(zhaohua, mofcom, 4, 1),
            _finding(zhaohua, mofcom, 4, 2),
        }
        assert not _finding(zhaohua, mofcom, 5, 1).related.exists()

    def test_every_related_pair_of_the_data_file(self, zhaohua):
        data = json.loads((DATA / "510811.json").read_text(encoding="utf-8"))
        kinds = {r["key"]: r["kind"] for r in data["reviews"]}
        expected = set()
        for review in data["reviews"]:
            for c, category in enumerate(review["categories"], start=1):
                for o, item in enumerate(category["findings"], start=1):
                    for key in item["related"]:
                        r, rc, ro = key.split(":")
                        pair = frozenset({(review["kind"], c, o), (kinds[r], int(rc), int(ro))})
                        expected.add(pair)
        actual = set()
        for finding in Finding.objects.filter(county=zhaohua).select_related("review", "category"):
            for other in finding.related.select_related("review", "category"):
                actual.add(
                    frozenset(
                        {
                            (finding.review.kind, finding.category.order, finding.order),
                            (other.review.kind, other.category.order, other.order),
                        }
                    )
                )
        assert actual == expected
        assert len(expected) == 9

    def test_units(self, zhaohua):
        units = Unit.objects.filter(county=zhaohua)
        assert units.count() == 12
        assert units.get(name="各乡镇人民政府").kind == Unit.Kind.TOWNSHIP
        assert units.get(name="区邮政分局").kind == Unit.Kind.COMPANY

    def test_history_is_by_the_county_staff(self, zhaohua):
        staff = User.objects.get(username="staff-510811")
        finding = _finding(zhaohua, Review.Kind.MOFCOM_REVIEW, 1, 1)
        assert finding.created_by == staff
        record = finding.history.order_by("history_id").first()
        assert (record.history_type, record.history_user) == ("+", staff)
        assert {m.history.get().history_user for m in finding.measures.all()} == {staff}


class TestTonggu:
    def test_has_its_findings(self, demo):
        county = County.objects.get(code="360926")
        assert county.name == "宜春市铜鼓县"
        assert county.province.code == "360000"
        review = _review(county, Review.Kind.PROVINCE_SUPERVISION)
        assert review.reference_number == "赣商务建设字〔2017〕193号"
        findings = Finding.objects.filter(county=county)
        own = json.loads((DATA_DIR / "360926.json").read_text(encoding="utf-8"))
        described = {
            f["description"] for c in own["reviews"][0]["categories"] for f in c["findings"]
        }
        # Its own six, and the copies of the province's notice items it had not recorded.
        assert described <= set(findings.values_list("description", flat=True))
        assert findings.filter(notice_item__isnull=False).count() >= 6
        assert not findings.closed().exists()


class TestUsers:
    @pytest.mark.parametrize(
        ("username", "role", "county", "province"),
        [
            ("staff-510811", Role.COUNTY_STAFF, "510811", None),
            ("leader-510811", Role.COUNTY_LEADER, "510811", None),
            ("reviewer-510000", Role.PROVINCE_REVIEWER, None, "510000"),
            ("staff-360926", Role.COUNTY_STAFF, "360926", None),
            ("leader-360926", Role.COUNTY_LEADER, "360926", None),
            ("reviewer-360000", Role.PROVINCE_REVIEWER, None, "360000"),
        ],
    )
    def test_user_has_the_right_scope_and_group(self, demo, username, role, county, province):
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert (user.county.code if user.county else None) == county
        assert (user.province.code if user.province else None) == province
        assert not user.is_superuser
        assert user.check_password(PASSWORD)

    @pytest.mark.parametrize(
        ("username", "role", "county", "province"),
        [
            ("admin-510811", Role.ACCOUNT_ADMIN, "510811", None),
            ("admin-360926", Role.ACCOUNT_ADMIN, "360926", None),
            ("security-510811", Role.SECURITY_ADMIN, "510811", None),
            ("audit-510811", Role.AUDITOR, "510811", None),
            ("admin-510000", Role.ACCOUNT_ADMIN, None, "510000"),
            ("admin-360000", Role.ACCOUNT_ADMIN, None, "360000"),
            ("security-510000", Role.SECURITY_ADMIN, None, "510000"),
            ("audit-510000", Role.AUDITOR, None, "510000"),
            ("admin-nation", Role.ACCOUNT_ADMIN, None, None),
        ],
    )
    def test_administrators(self, demo, username, role, county, province):
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert (user.county.code if user.county else None) == county
        assert (user.province.code if user.province else None) == province
        assert user.is_national == (username == "admin-nation")
        assert not user.is_superuser and not user.is_staff
        assert user.check_password(PASSWORD)

    @pytest.mark.parametrize(
        ("username", "unit"),
        [("unit-510811-xz", "各乡镇人民政府"), ("unit-510811-nyj", "区农业农村局")],
    )
    def test_unit_contacts(self, client, demo, username, unit):
        """Each sees its unit's findings (responsible or cooperating) and no other."""
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [Role.UNIT_STAFF]
        assert user.county.code == "510811" and user.unit.name == unit
        assert user.get_full_name() == f"{unit}联络员"
        assert user.check_password(PASSWORD)
        theirs = Finding.objects.for_user(user)
        assert theirs.exists()
        assert set(theirs) == set(
            Finding.objects.filter(county=user.county, unit_links__unit=user.unit)
        )
        response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302

    def test_the_daily_run_reaches_people(self, demo, mailoutbox, settings):
        """The demo's accounts and units have addresses and its unit contacts mobiles, so
        the daily run of `make run`'s data sends: reminder mails to the county office and to
        the units with overdue findings, and overdue SMS (the console backend) to the lead
        units' contacts."""
        from outbox.models import Delivery

        settings.RECTIFY_SMS_BACKEND = "outbox.backends.sms.console.ConsoleBackend"
        call_command("send_outbox", channels="email,sms", stdout=io.StringIO())
        to = {address for mail in mailoutbox for address in mail.to}
        assert "staff-510811@example.com" in to
        xz = Unit.objects.get(county__code="510811", name="各乡镇人民政府")
        assert xz.email == "unit-510811-xz@example.com" and xz.phone == "13900000001"
        assert "unit-510811-xz@example.com" in to
        overdue = (
            Finding.objects.filter(county__code="510811", deadline__lt=timezone.localdate())
            .active()
            .exclude(status="closed")
            .prefetch_related("unit_links__unit")
        )
        overdue_lead_units = {
            f.unit_links.all()[0].unit.name for f in overdue if f.unit_links.all()
        }
        sms = Delivery.objects.filter(channel="sms", status="sent")
        mobiles = set(sms.values_list("recipient", flat=True))
        expected = {
            mobile for _user, _code, name, mobile in UNIT_CONTACTS if name in overdue_lead_units
        }
        assert expected and mobiles == expected

    def test_only_staff_edit(self, demo):
        zhaohua = County.objects.get(code="510811")
        assert User.objects.get(username="staff-510811").can_edit_county(zhaohua.pk)
        assert not User.objects.get(username="leader-510811").can_edit_county(zhaohua.pk)
        assert not User.objects.get(username="staff-360926").can_edit_county(zhaohua.pk)

    def test_admin_is_a_national_superuser(self, demo):
        admin = User.objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff and admin.is_national
        assert admin.county is None and admin.province is None

    @pytest.mark.parametrize(
        "username", ["staff-510811", "leader-510811", "reviewer-510000", "staff-360926"]
    )
    def test_can_log_in_through_the_login_page(self, client, demo, username):
        response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302
        assert response.url == "/"
        assert client.get("/", follow=True).context["user"].username == username

    def test_wrong_password_is_refused(self, client, demo):
        response = client.post(
            "/accounts/login/", {"username": "staff-510811", "password": "wrong"}
        )
        assert response.status_code == 200
        assert not response.context["user"].is_authenticated

    def test_staff_sees_the_demo_ledger(self, client, demo):
        client.login(username="staff-510811", password=PASSWORD)
        response = client.get("/findings/")
        assert response.context["tally"].total == 25
        client.login(username="reviewer-510000", password=PASSWORD)
        assert client.get("/findings/").context["tally"].total == 25
        client.login(username="admin", password=PASSWORD)
        assert client.get("/findings/").context["tally"].total == Finding.objects.count()


class TestCommand:
    def test_reports_what_it_created(self, db):
        out = _load()
        assert "510811 广元市昭化区: 25 findings created (25 in all)" in out
        assert "360926 宜春市铜鼓县: 6 findings created" in out
        assert "Demo data ready." in out

    def test_password_is_required(self, db, monkeypatch):
        monkeypatch.delenv("DEMO_PASSWORD", raising=False)
        with pytest.raises(CommandError, match="DEMO_PASSWORD"):
            call_command("load_demo", stdout=io.StringIO())
        assert not Finding.objects.exists()

    def test_password_from_the_environment(self, db, monkeypatch):
        monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment")
        call_command("load_demo", stdout=io.StringIO())
        assert User.objects.get(username="staff-510811").check_password("from-the-environment")

    def test_second_run_changes_password_only_if_asked(self, demo):
        _load("another-password")
        assert User.objects.get(username="leader-510811").check_password("another-password")


class TestIdempotence:
    def test_second_run_changes_no_rows_and_no_history(self, demo):
        before = _row_counts()
        out = _load()
        assert _row_counts() == before
        assert "510811 广元市昭化区: 0 findings created (25 in all)" in out
        # The history tables are among the counted ones.
        assert "issues_historicalfinding" in before
        assert before["issues_historicalfinding"] >= 31

    def test_second_run_keeps_what_users_changed(self, demo):
        zhaohua = County.objects.get(code="510811")
        staff = User.objects.get(username="staff-510811")
        finding = _finding(zhaohua, Review.Kind.MOFCOM_REVIEW, 1, 1)
        deadline = finding.deadline
        services.finding_update(
            user=staff,
            finding=finding,
            data=services.FindingData(
                review=finding.review,
                category=finding.category,
                description="公共服务中心已完成选址。",
                deadline=finding.deadline,  # set once; moved only by an approved extension
                measures=["已完成选址"],
                units=[services.UnitEntry(Unit.objects.get(county=zhaohua, name="区财政局"))],
            ),
            expected_version=finding.version,
        )
        leader = User.objects.get(username="leader-510811")
        approvals.extend(finding, dt.date(2019, 12, 31), staff=staff, leader=leader)
        services.finding_submit_closeout(
            user=staff, finding=finding, result="已建成并投入运营。", evidence_waiver="现场可查"
        )
        unit = Unit.objects.get(county=zhaohua, name="区商务和经济合作局")
        unit.phone = "0839-1234567"
        services.unit_save(user=staff, unit=unit)
        before = _row_counts()

        _load()

        assert _row_counts() == before
        finding.refresh_from_db()
        assert finding.description == "公共服务中心已完成选址。"
        assert (finding.deadline, finding.original_deadline) == (dt.date(2019, 12, 31), deadline)
        assert (finding.status, finding.result) == ("submitted", "已建成并投入运营。")
        assert list(finding.measures.values_list("text", flat=True)) == ["已完成选址"]
        assert _names(finding, FindingUnit.Role.RESPONSIBLE) == ["区财政局"]
        assert Unit.objects.get(pk=unit.pk).phone == "0839-1234567"

    @pytest.mark.parametrize("change", ["renumber", "rename category"])
    def test_second_run_does_not_duplicate_a_finding_users_moved(self, demo, change):
        zhaohua = County.objects.get(code="510811")
        staff = User.objects.get(username="staff-510811")
        finding = _finding(zhaohua, Review.Kind.PROVINCE_EVALUATION, 1, 3)
        if change == "renumber":
            if finding.is_closed:  # closed means closed: renumbering needs 重新打开 first
                leader = User.objects.get(username="leader-510811")
                finding = services.finding_reopen(user=leader, finding=finding, reason="调整序号")
            services.finding_update(
                user=staff,
                finding=finding,
                data=services.FindingData(
                    review=finding.review,
                    category=finding.category,
                    order=9,
                    description=finding.description,
                    deadline=finding.deadline,
                    is_ongoing=finding.is_ongoing,
                    result=finding.result,
                    measures=list(finding.measures.values_list("text", flat=True)),
                ),
                expected_version=finding.version,
            )
        else:
            # Seed 000 itself prints this heading two ways; a user may settle on the other.
            Category.objects.filter(pk=finding.category_id).update(name="资金管理及项目管理方面")
        before = _row_counts()
        _load()
        assert _row_counts() == before


def test_the_output_lists_every_account_with_what_it_may_do(demo):
    """`make run` prints this: every account the demo made, described by the ability table
    (a leader approves close-outs; the national administrator only reads the ledger)."""
    lines = demo.split("Demo accounts", 1)[1].splitlines()[1:]
    accounts = {line.split()[0]: line for line in lines if line.strip()}
    assert set(accounts) == set(User.objects.values_list("username", flat=True))
    assert "审批销号" in accounts["leader-510811"]
    assert "审批销号" in accounts["leader-360926"]
    assert "登记和修改问题" in accounts["staff-510811"]
    assert "登记和修改问题" not in accounts["leader-510811"]
    assert "维护省级通报" in accounts["reviewer-360000"]
    assert accounts["admin"].endswith("只读；管理后台 /admin/")
    # The administrators: their duties, never the ledger's work (三权分立).
    assert "系统管理员（广元市昭化区）：管理所辖账户" in accounts["admin-510811"]
    assert "系统管理员（四川省）：管理所辖账户" in accounts["admin-510000"]
    assert "系统管理员（全国）：管理所辖账户" in accounts["admin-nation"]
    assert accounts["security-510811"].endswith("调整所辖账户的角色；解除登录锁定")
    assert accounts["audit-510000"].endswith("查阅安全审计日志")
    for name in ("admin-360926", "security-510000", "audit-510811"):
        assert "只读" not in accounts[name] and "登记和修改问题" not in accounts[name]
