"""The ability table (issues/permissions.py), read against the fixed cast: every ability, by
every person, on an object of county A (or province P), of county B (or province Q), and
with no object at all ("may this person do it anywhere?" — the menu's question).

The expected table is written out here, not computed: a change to a row of ABILITIES shows
up as a change to a line below. A new role is a new column: a person in CAST (and a fixture),
and its name in the lines of the abilities it holds.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import Event
from issues import forms, permissions, services, workflow
from issues.models import (
    County,
    Evidence,
    Finding,
    FindingRequest,
    ImportBatch,
    Progress,
    Project,
    Review,
    Role,
    Unit,
)
from issues.permissions import ABILITIES, abilities, allowed, refusal, require
from reports.models import Report
from tests.conftest import Factory

ROOT = Path(__file__).resolve().parents[2]

# alice staff A, lee leader A, bob staff B, rita reviewer of P (A and B), quinn reviewer of
# Q, nina national; uma a county-A user without a role (a unit's contact), ivy county-A staff
# no longer active, noel a user who belongs nowhere and holds nothing; the administrators
# (tests/conftest.py): ada, sid, otto county A's system, security and audit administrators,
# pam province P's system administrator, nate the national one; una the contact of
# unit_a, which leads finding_a (and of no unit of B's).
CAST = (
    "una",
    "alice",
    "lee",
    "bob",
    "rita",
    "quinn",
    "nina",
    "uma",
    "ivy",
    "noel",
    "ada",
    "sid",
    "otto",
    "pam",
    "nate",
)

# ability: (the kind of object it is asked about,
#           who may on A's (P's), who may on B's (Q's), who may anywhere)
EXPECTED = {
    "ledger.view": (
        "finding",
        "una alice lee rita nina uma",
        "bob rita nina",
        "una alice lee bob rita quinn nina uma",
    ),
    "province.view": ("province", "rita nina", "quinn nina", "rita quinn nina"),
    "nation.view": ("province", "nina", "nina", "nina"),
    "notice.view": ("notice", "rita nina", "quinn nina", "rita quinn nina"),
    # A's notice names county A; B's names no county.
    "notice.document": (
        "notice",
        "alice lee rita nina",
        "quinn nina",
        "alice lee bob rita quinn nina",
    ),
    "progress.see_withdrawn": ("finding", "lee", "", "lee"),
    "evidence.see_removed": ("evidence", "lee", "", "lee"),
    "finding.create": ("county", "alice", "bob", "alice bob"),
    "finding.edit": ("finding", "alice", "bob", "alice bob"),
    "finding.report_progress": ("finding", "una alice", "bob", "una alice bob"),
    "finding.add_evidence": ("finding", "una alice", "bob", "una alice bob"),
    "finding.remove_evidence": ("evidence", "alice", "bob", "alice bob"),
    "evidence.restore": ("evidence", "lee", "", "lee"),
    "progress.withdraw": ("progress", "alice uma", "bob", "una alice lee bob uma"),
    "finding.restore": ("finding", "alice lee", "bob", "alice lee bob"),
    "unit.manage": ("unit", "alice", "bob", "alice bob"),
    "import.run": ("county", "alice", "bob", "alice bob"),
    "finding.start": ("finding", "alice", "bob", "alice bob"),
    "finding.submit": ("finding", "alice", "bob", "alice bob"),
    "finding.close": ("finding", "lee", "", "lee"),
    "finding.return": ("finding", "lee", "", "lee"),
    "finding.reopen": ("finding", "lee rita", "rita", "lee rita quinn"),
    "finding.request_extension": ("finding", "alice", "bob", "alice bob"),
    "finding.request_archive": ("finding", "alice", "bob", "alice bob"),
    "request.decide": ("request", "lee", "", "lee"),
    "request.withdraw": ("request", "alice uma", "bob", "alice lee bob uma"),
    "review.create": ("county", "alice", "bob", "alice bob"),
    "review.edit": ("review", "alice", "bob", "alice bob rita quinn"),
    "category.create": ("review", "alice", "bob", "alice bob rita quinn"),
    "notice.create": ("province", "rita", "quinn", "rita quinn"),
    "notice.manage": ("notice", "rita", "quinn", "rita quinn"),
    "report.create": ("report", "alice", "bob", "alice bob"),
    "report.edit": ("report", "alice", "bob", "alice bob"),
    "indicator.record": ("project", "alice", "bob", "alice bob"),
    # An account: county A's staff alice, county B's staff bob.
    "finding.acknowledge": ("finding", "una", "", "una"),
    "finding.hand_back": ("finding", "una", "", "una"),
    "progress.review": ("progress", "alice", "bob", "alice bob"),
    "finding.urge": ("finding", "alice lee rita", "bob rita", "alice lee bob rita quinn"),
    "notice.urge": ("notice", "rita", "quinn", "rita quinn"),
    "account.manage": ("account", "ada", "", "ada pam nate"),
    "account.roles": ("account", "sid", "", "sid"),
    "lockout.manage": ("account", "sid", "", "sid"),
    # An event of county A's, of county B's.
    "audit.view": ("event", "otto", "", "otto"),
}

# What a refusal says (review.edit says why: see TestReviewEdit).
MESSAGE = {
    "ledger.view": "您没有执行此操作的权限。",
    "province.view": "全省情况仅对省级用户开放。",
    "nation.view": "全国情况仅对全国范围的用户开放。",
    "notice.view": "省级通报的汇总情况仅对省级用户开放；本县的问题请在台账中查看。",
    "notice.document": "通报文件仅对发文省份的审核人员和通报涉及的区县开放。",
    "progress.see_withdrawn": "您没有执行此操作的权限。",
    "evidence.see_removed": "您没有执行此操作的权限。",
    "finding.create": "只有区县工作人员可以登记问题。",
    "finding.edit": "您只能查看，不能修改该区县的台账。",
    "finding.report_progress": "您只能查看，不能修改该区县的台账。",
    "finding.add_evidence": "您只能查看，不能修改该区县的台账。",
    "finding.remove_evidence": "您没有修改该区县台账的权限。",
    "evidence.restore": "只有本区县领导可以恢复佐证材料。",
    "progress.withdraw": "只有填报人或本区县工作人员可以撤回整改进展。",
    "finding.restore": "只有本区县工作人员或领导可以恢复问题。",
    "unit.manage": "您没有修改该区县台账的权限。",
    "import.run": "只有区县工作人员可以导入台账。",
    "finding.start": "只有本区县工作人员可以开始整改。",
    "finding.submit": "只有本区县工作人员可以申请销号。",
    "finding.close": "只有本区县领导可以审批销号。",
    "finding.return": "只有本区县领导可以退回销号申请。",
    "finding.reopen": "只有本区县领导或本省审核人员可以重新打开已销号的问题。",
    "finding.request_extension": "只有本区县工作人员可以申请延期。",
    "finding.request_archive": "只有本区县工作人员可以申请归档。",
    "request.decide": "只有本区县领导可以审批延期和归档申请。",
    "request.withdraw": "只有申请人或本区县工作人员可以撤回申请。",
    "review.create": "只有区县工作人员可以添加检查。",
    "category.create": "省级通报的问题类别由发文省份的审核人员维护，请从已有类别中选择。",
    "notice.create": "只有省级审核人员可以发布通报。",
    "notice.manage": "只有本省审核人员可以维护省级通报。",
    "report.create": "只有区县工作人员可以编写报告。",
    "report.edit": "您只能查看，不能修改该区县的报告。",
    "indicator.record": "只有本区县工作人员可以录入指标。",
    "finding.acknowledge": "只有该问题责任单位的联络员可以签收。",
    "finding.hand_back": "只有该问题牵头单位的联络员可以退回。",
    "progress.review": "只有本区县工作人员可以采纳或退回单位填报的进展。",
    "finding.urge": "只有本区县工作人员、领导或本省审核人员可以催办。",
    "notice.urge": "只有本省审核人员可以催办省级通报。",
    "account.manage": "只有系统管理员可以管理该账户。",
    "account.roles": "只有安全管理员可以调整该账户的角色。",
    "lockout.manage": "只有安全管理员可以解除登录锁定。",
    "audit.view": "安全审计日志仅对审计管理员开放。",
}


@pytest.fixture
def uma(county_a):
    return Factory.user("uma", county=county_a)


@pytest.fixture
def ivy(county_a):
    user = Factory.user("ivy", Role.COUNTY_STAFF, county=county_a)
    user.is_active = False
    user.save()
    return user


@pytest.fixture
def noel(db):
    return Factory.user("noel")


@pytest.fixture
def cast(
    request, una, alice, lee, bob, rita, quinn, nina, uma, ivy, noel, ada, sid, otto, pam, nate
):
    return {name: request.getfixturevalue(name) for name in CAST}


def _notice(province, *counties):
    notice = Review.objects.create(
        kind=Review.Kind.PROVINCE_SUPERVISION, team="省督查组", province=province
    )
    notice.counties.add(*counties)
    return notice


def _world(county, finding, review, author, province, notice, account):
    """One of each object an ability is asked about, in `county` (and `province`)."""
    evidence = Evidence.objects.create(
        finding=finding,
        title="验收报告",
        file="evidence/x.pdf",
        original_name="x.pdf",
        size=10,
        content_type="application/pdf",
    )
    return {
        "county": county,
        "finding": finding,
        "evidence": evidence,
        "progress": Progress.objects.create(finding=finding, note="已开工。", author=author),
        "request": FindingRequest.objects.create(
            finding=finding, kind=FindingRequest.Kind.ARCHIVE, reason="重复登记", created_by=author
        ),
        "unit": Factory.unit(county, "区财政局"),
        "review": review,
        "report": Report.objects.create(county=county, issuer="人民政府", title="整改情况报告"),
        "project": Project.objects.create(county=county, name="示范项目", year=2018, batch=1),
        "batch": ImportBatch.objects.create(county=county, kind=ImportBatch.Kind.DOCUMENT),
        "province": province,
        "notice": notice,
        "account": account,
        "event": Event.objects.create(
            kind=Event.Kind.LOGIN, county=county, province=county.province
        ),
    }


@pytest.fixture
def sides(
    cast, county_a, county_b, finding_a, finding_b, review_a, review_b, province, other_province
):
    """The objects of A's side (county A, province P) and of B's (county B, province Q)."""
    return {
        "a": _world(
            county_a,
            finding_a,
            review_a,
            cast["uma"],
            province,
            _notice(province, county_a),
            cast["alice"],
        ),
        "b": _world(
            county_b,
            finding_b,
            review_b,
            cast["bob"],
            other_province,
            _notice(other_province),
            cast["bob"],
        ),
        "anywhere": permissions.ANYWHERE,
    }


def _object(sides, side, kind):
    return sides[side] if side == "anywhere" else sides[side][kind]


def test_the_expected_table_covers_the_ability_table():
    assert set(EXPECTED) == set(ABILITIES)
    assert set(MESSAGE) == set(ABILITIES) - {"review.edit"}


@pytest.mark.parametrize("ability", sorted(EXPECTED))
def test_who_may(cast, sides, ability):
    kind, *expected = EXPECTED[ability]
    actual = [
        " ".join(name for name in CAST if allowed(cast[name], ability, _object(sides, side, kind)))
        for side in ("a", "b", "anywhere")
    ]
    assert actual == expected


@pytest.mark.parametrize("ability", sorted(MESSAGE))
def test_require_raises_with_the_abilitys_message(cast, sides, ability):
    kind, *expected = EXPECTED[ability]
    for side, names in zip(("a", "b", "anywhere"), expected, strict=True):
        obj = _object(sides, side, kind)
        for name in CAST:
            if name in names.split():
                require(cast[name], ability, obj)  # does not raise
                assert refusal(cast[name], ability, obj) == ""
                continue
            with pytest.raises(PermissionDenied) as exc:
                require(cast[name], ability, obj)
            assert str(exc.value) == MESSAGE[ability], (name, side)


def test_no_object_is_refused(alice, nina):
    """None (a user without a county asking for "their county") is no object, not anywhere."""
    assert not allowed(alice, "finding.create", None)
    assert not allowed(nina, "nation.view", None)
    with pytest.raises(PermissionDenied):
        require(alice, "finding.create", None)


def test_an_unknown_ability_is_an_error(alice):
    with pytest.raises(KeyError):
        allowed(alice, "finding.edti")


def test_abilities_for_a_template(alice, lee, finding_a):
    can = abilities(alice, finding_a)
    assert "finding.edit" in can and "finding.close" not in can
    assert "finding.close" in abilities(lee, finding_a)
    assert set(abilities(alice, finding_a)) == {
        name for name in ABILITIES if allowed(alice, name, finding_a)
    }


class TestReviewEdit:
    """Who keeps a review, and what a refusal says about why."""

    @pytest.fixture
    def shared(self, county_a, county_b):
        review = Factory.review(county_a, team="省绩效评价组")
        review.counties.add(county_b)
        return review

    @pytest.fixture
    def notice(self, province, county_a):
        return _notice(province, county_a)

    def test_a_shared_review_belongs_to_no_one_county(self, cast, shared):
        assert [name for name in CAST if allowed(cast[name], "review.edit", shared)] == []
        assert refusal(cast["alice"], "review.edit", shared) == (
            "该检查还涉及其他区县，不能由一个区县单独修改；如需修改，请联系系统管理员。"
        )

    def test_a_notice_is_its_provinces(self, cast, notice):
        # Not the national user: a role-less national account writes nothing.
        assert [name for name in CAST if allowed(cast[name], "review.edit", notice)] == ["rita"]
        assert refusal(cast["alice"], "review.edit", notice) == (
            "这是省级通报，由发文省份的审核人员维护；区县不能修改。"
        )

    def test_why_not(self, cast, review_a, review_b):
        assert refusal(cast["lee"], "review.edit", review_a) == (
            "只有本区县工作人员可以修改检查及其问题类别。"
        )
        assert refusal(cast["ivy"], "review.edit", review_a) == (
            "只有本区县工作人员可以修改检查及其问题类别。"
        )
        assert refusal(cast["alice"], "review.edit", review_b) == "您没有修改该检查的权限。"
        with pytest.raises(PermissionDenied) as exc:
            require(cast["alice"], "review.edit", review_b)
        assert str(exc.value) == "您没有修改该检查的权限。"


# The counties a user sees: every for_user reads the row "ledger.view".

SEES = {
    # A unit's contact: their county and unit_a's finding (and what hangs on it), not the
    # county's other rows (UNIT_SEES).
    "una": "a",
    "alice": "a",
    "lee": "a",
    "bob": "b",
    "rita": "a b",
    "quinn": "",
    "nina": "a b",
    "uma": "a",
    "ivy": "",
    "noel": "",
    # Administrators read no ledger (三权分立).
    "ada": "",
    "sid": "",
    "otto": "",
    "pam": "",
    "nate": "",
}
UNIT_SEES = {"county", "finding", "evidence", "progress", "request"}


@pytest.mark.parametrize("name", CAST)
def test_every_for_user_keeps_the_same_counties(cast, sides, name):
    user = cast[name]
    for kind, model in (
        ("county", County),
        ("finding", Finding),
        ("evidence", Evidence),
        ("progress", Progress),
        ("request", FindingRequest),
        ("unit", Unit),
        ("review", Review),
        ("report", Report),
        ("batch", ImportBatch),
    ):
        seen = set(model.objects.for_user(user).filter(pk__in=[sides[s][kind].pk for s in "ab"]))
        expected = {sides[s][kind] for s in SEES[name].split()}
        if name == "una" and kind not in UNIT_SEES:
            expected = set()
        assert seen == expected, kind
        if kind != "review":
            # One object at a time, the ability says the same as the queryset.
            assert {
                o for o in (sides["a"][kind], sides["b"][kind]) if allowed(user, "ledger.view", o)
            } == expected, kind


def test_a_national_user_sees_every_county(nina, county_a, county_b, other_province):
    other = Factory.county(other_province, "360926", "寻乌县")
    assert set(County.objects.for_user(nina)) == {county_a, county_b, other}


# Every ability named in code or templates is a row of the table, and every row is used.

CALLS = {"require", "allowed", "refusal", "abilities", "scope"}
TEMPLATE_USES = re.compile(r'"([a-z_]+\.[a-z_]+)" (?:not )?in can|\|may:"([a-z_]+\.[a-z_]+)"')


def _names_in_python(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        strings: list[ast.AST] = []
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CALLS:
                strings = node.args[1:2] + [k.value for k in node.keywords]
            elif name == "Step":
                strings = [k.value for k in node.keywords if k.arg == "ability"]
        elif isinstance(node, ast.Compare) and isinstance(node.comparators[0], ast.Name):
            if node.comparators[0].id == "can":
                strings = [node.left]
        elif isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "ABILITIES":
            strings = [node.slice]
        for expr in strings:
            for sub in ast.walk(expr):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    names.add(sub.value)
    return names


def _names_used() -> set[str]:
    names = set()
    for folder in ("issues", "audit", "users", "reports", "bench", "demo", "rectify"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= _names_in_python(path)
    for path in (ROOT / "templates").rglob("*.html"):
        for match in TEMPLATE_USES.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def test_every_ability_named_is_in_the_table():
    used = _names_used()
    assert len(used) >= 25  # the search finds the uses
    assert used - set(ABILITIES) == set()


def test_every_ability_in_the_table_is_used():
    assert set(ABILITIES) - _names_used() == set()


def test_the_search_finds_a_misspelt_name(tmp_path):
    path = tmp_path / "views.py"
    path.write_text('require(user, "finding.edti", finding)\nif "unit.mange" in can: pass\n')
    assert _names_in_python(path) == {"finding.edti", "unit.mange"}


# The workflow's table names abilities, services and forms that exist.


@pytest.mark.parametrize("name", list(workflow.STEPS))
def test_each_step_names_what_exists(name):
    step = workflow.STEPS[name]
    assert step.name == name
    assert step.ability in ABILITIES
    assert callable(getattr(services, step.service))
    assert getattr(forms, step.form).base_fields
    statuses = set(Finding.Status.values)
    assert set(step.sources) <= statuses and step.target in statuses
    assert step.panel in ("button", "form", "decision")
    assert bool(step.no_reason) == step.reason_required


def test_steps_are_offered_in_the_tables_order(alice, lee, rita, finding_a):
    assert [s.name for s in workflow.offered(alice, finding_a)] == ["start"]
    finding_a.status = Finding.Status.SUBMITTED
    assert [s.name for s in workflow.offered(lee, finding_a)] == ["close", "return"]
    finding_a.status = Finding.Status.CLOSED
    assert [s.name for s in workflow.offered(lee, finding_a)] == ["reopen"]
    assert [s.name for s in workflow.offered(rita, finding_a)] == ["reopen"]
    assert workflow.offered(alice, finding_a) == []
