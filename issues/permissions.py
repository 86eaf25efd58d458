"""Who may do what, decided here once: the counties a user sees, the roles, and the table of
named abilities, each with the roles that hold it and the sentence a refusal shows.

- Services call `require(user, ability, obj)` before they change anything.
- Views call `allowed` or `abilities` to choose what to show. A view that shows a form page,
  or checks a form before the service runs, calls `require` first, so that a refusal is a
  403 rather than a form.
- Templates read `can = abilities(user, obj)`: `{% if "finding.edit" in can %}`; the menu,
  which has no object, asks `{% if user|may:"import.run" %}` (templatetags/abilities.py).
- Every `for_user` filters by `county_scope`, which reads the row "ledger.view".

Whether the object's state allows a step (archived, closed, waiting for approval, more than
a day old) is not decided here: the services check that and raise TransitionError or
ValidationError. This table says who.

Each ability lists the roles that hold it and, for each, its reach: which objects, relative
to the user (their own county, their own province, any, what they wrote themselves). Plain
Python rather than the `rules` package: `rules` composes predicates into opaque callables and
keeps no refusal message, so the table would be needed beside it anyway, and a test could no
longer read which role holds an ability over which objects.

Adding a role (a unit's staff, an administrator) is:
1. its name in Role and how to tell a user holds it in ROLES;
2. a Reach if it reaches objects in a way none of those below does (its unit's findings);
3. the role, with its reach, in each row of ABILITIES it holds;
4. its column in the expected table of tests/issues/test_permissions.py.
Views, services and templates ask for abilities, never for roles, so none of them changes.
Only what a role is shown as its own work (selectors.my_work, by role) and who is sent
reminder mails (reminders.py, by group) name roles.

This module imports no model (models.py imports it: the querysets' scope and the role
properties of User), so it tells objects apart by their fields.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# ---------------------------------------------------------------------------------------
# Roles


class Role:
    """The roles a user may hold. The working roles and the three administrator duties are
    auth groups (assigned on the accounts pages); the others follow from where the user
    belongs: the whole country, a county, a province."""

    COUNTY_STAFF = "county_staff"
    COUNTY_LEADER = "county_leader"
    PROVINCE_REVIEWER = "province_reviewer"
    # A responsible unit's contact (责任单位联络员): one unit of one county; sees the findings
    # its unit is responsible for or cooperates on, and reports on them.
    UNIT_STAFF = "unit_staff"
    # The three administrator duties (三权分立), at the level of the account's place: a
    # county's, a province's, the nation's. None of them reads or changes findings.
    ACCOUNT_ADMIN = "account_admin"  # 系统管理员: accounts
    SECURITY_ADMIN = "security_admin"  # 安全管理员: roles and lockouts
    AUDITOR = "auditor"  # 审计管理员: the security audit log
    NATIONAL = "national"
    COUNTY_MEMBER = "county_member"
    PROVINCE_MEMBER = "province_member"

    # The groups, as the menu and the accounts pages name them.
    labels = {
        COUNTY_STAFF: gettext_lazy("区县工作人员"),
        COUNTY_LEADER: gettext_lazy("区县领导"),
        PROVINCE_REVIEWER: gettext_lazy("省级审核人员"),
        UNIT_STAFF: gettext_lazy("责任单位联络员"),
        ACCOUNT_ADMIN: gettext_lazy("系统管理员"),
        SECURITY_ADMIN: gettext_lazy("安全管理员"),
        AUDITOR: gettext_lazy("审计管理员"),
    }


ADMIN_DUTIES = frozenset({Role.ACCOUNT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
# Roles narrower than "a member of the county": their holders see only what the role gives.
NARROW_ROLES = ADMIN_DUTIES | {Role.UNIT_STAFF}


# The roles that are auth groups, and where a holder must belong: a county's staff belongs to a
# county, a unit's contact to a county and a unit. Read by ROLES (does this user hold it?) and
# by holders (who holds it, as a condition on users); Role.labels names each.
ROLE_PLACES: dict[str, tuple[str, ...]] = {
    Role.COUNTY_STAFF: ("county",),
    Role.COUNTY_LEADER: ("county",),
    Role.PROVINCE_REVIEWER: ("province",),
    Role.UNIT_STAFF: ("county", "unit"),
    Role.ACCOUNT_ADMIN: (),
    Role.SECURITY_ADMIN: (),
    Role.AUDITOR: (),
}


def _in_group(group: str) -> Callable[[Any], bool]:
    places = ROLE_PLACES[group]
    # The place first: a user outside any county is no county's staff, without a query.
    return lambda user: (
        all(getattr(user, f"{place}_id") is not None for place in places)
        and group in user.role_names
    )


def holders(role: str) -> Q:
    """The active users holding a group role, as a condition on users (who is told, who is
    mailed): the same rule as ROLES."""
    places = {f"{place}__isnull": False for place in ROLE_PLACES[role]}
    return Q(is_active=True, groups__name=role, **places)


def is_administrator(user) -> bool:
    """An account holding an administrator duty: it manages accounts, roles or the audit log,
    and so reads no finding (三权分立: the duties are kept apart from the work)."""
    return bool(user.role_names & ADMIN_DUTIES)


# How to tell that an (active) user holds each role.
ROLES: dict[str, Callable[[Any], bool]] = {
    **{role: _in_group(role) for role in ROLE_PLACES},
    Role.NATIONAL: lambda user: (
        user.is_superuser or (user.is_national and not is_administrator(user))
    ),
    # Everybody of a county who holds no narrower role (a unit's contact, an administrator).
    Role.COUNTY_MEMBER: lambda user: (
        user.county_id is not None and not (user.role_names & NARROW_ROLES)
    ),
    Role.PROVINCE_MEMBER: lambda user: user.province_id is not None and not is_administrator(user),
}


def holds(user, role: str) -> bool:
    """Whether `user` holds `role`; an inactive (or anonymous) user holds none."""
    return user.is_active and ROLES[role](user)


# ---------------------------------------------------------------------------------------
# Objects: which county and province a row belongs to, and who wrote it.


def county_id_of(obj) -> int | None:
    """A county itself, or the county of the row: a finding's, a unit's, a report's, or
    that of the finding a note, a piece of evidence or a request hangs on."""
    if obj._meta.model_name == "county":
        return obj.pk
    if hasattr(obj, "county_id"):
        return obj.county_id
    if hasattr(obj, "finding_id"):
        return obj.finding.county_id
    return None


def province_id_of(obj) -> int | None:
    """A province itself, a county's, a provincial notice's (a county's own review has none),
    or that of the county the row belongs to."""
    if obj._meta.model_name == "province":
        return obj.pk
    if obj._meta.model_name == "importbatch" and obj.county_id is not None:
        return obj.county.province_id  # a county's import; a province's notice import names it
    if hasattr(obj, "province_id"):
        return obj.province_id
    if hasattr(obj, "county_id"):
        return obj.county.province_id
    if hasattr(obj, "finding_id"):
        return obj.finding.county.province_id
    return None


def author_id_of(obj) -> int | None:
    """Who wrote a progress note (its author), or filed a request."""
    return obj.author_id if hasattr(obj, "author_id") else obj.created_by_id


def review_county_ids(review) -> set[int]:
    """The counties a review concerns: one query, none if they were prefetched."""
    return {county.pk for county in review.counties.all()}


def home_province_id(user) -> int | None:
    """The user's province, their own or their county's: a county user asking for a page of
    their own province is refused (403); anybody else is told it does not exist (404)."""
    return user.county.province_id if user.county_id else user.province_id


# ---------------------------------------------------------------------------------------
# Accounts: who administers whom. An account's level is where it belongs; an administrator
# manages the accounts, at the levels below, whose every role it may grant: never a role
# above its own, never its peers (another administrator of its level), never itself.

COUNTY, PROVINCE, NATIONWIDE = "county", "province", "national"


def level_of(user) -> str | None:
    """Where an account belongs: a county, a province, the whole country (None: nowhere)."""
    if user.county_id is not None:
        return COUNTY
    if user.province_id is not None:
        return PROVINCE
    if user.is_national or user.is_superuser:
        return NATIONWIDE
    return None


# The administrator's level → the level of an account it manages → the roles it may grant
# there. A county's administrators manage its staff and leaders (and its units' users); a
# province's, its reviewers and its counties' administrators; the nation's, the provinces'
# administrators.
GRANTABLE: dict[str, dict[str, tuple[str, ...]]] = {
    COUNTY: {COUNTY: (Role.COUNTY_STAFF, Role.COUNTY_LEADER, Role.UNIT_STAFF)},
    PROVINCE: {
        PROVINCE: (Role.PROVINCE_REVIEWER,),
        COUNTY: (Role.ACCOUNT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR),
    },
    NATIONWIDE: {PROVINCE: (Role.ACCOUNT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)},
}
GROUP_ROLES = frozenset(ROLE_PLACES)


def grantable_roles(admin, level: str) -> tuple[str, ...]:
    """The roles `admin` may give an account at `level` (empty: it makes none there)."""
    return GRANTABLE.get(level_of(admin), {}).get(level, ())


def _in_place(admin, account, level: str) -> bool:
    if level == COUNTY:
        if admin.county_id is not None:
            return account.county_id == admin.county_id
        return admin.province_id is not None and account.county.province_id == admin.province_id
    if level == PROVINCE:
        return admin.province_id is None or account.province_id == admin.province_id
    return False


def _manages(admin, account) -> bool:
    if account._meta.model_name != "user" or account.is_superuser or account.pk == admin.pk:
        return False
    level = level_of(account)
    roles = grantable_roles(admin, level) if level else ()
    return bool(roles) and account.role_names <= set(roles) and _in_place(admin, account, level)


def _managed_q(admin, field=None, finding=None) -> Q:
    """_manages as a condition on users (`field` is ignored: the rows are users)."""
    conditions = []
    for level, roles in GRANTABLE.get(level_of(admin), {}).items():
        if level == COUNTY:
            place = (
                Q(county_id=admin.county_id)
                if admin.county_id is not None
                else Q(county__province_id=admin.province_id)
            )
        else:  # PROVINCE
            place = (
                Q(province_id=admin.province_id)
                if admin.province_id is not None
                else Q(province__isnull=False)
            )
        other_roles = GROUP_ROLES - set(roles)
        conditions.append(place & ~Q(groups__name__in=sorted(other_roles)))
    if not conditions:
        return Q(pk__in=[])
    return functools.reduce(operator.or_, conditions) & Q(is_superuser=False) & ~Q(pk=admin.pk)


# ---------------------------------------------------------------------------------------
# Reaches: which objects a role's grant covers, relative to the user.


@dataclasses.dataclass(frozen=True)
class Reach:
    name: str
    covers: Callable[[Any, Any], bool]
    # The same as a condition on the rows of a queryset, for the reaches that scope querysets:
    # q(user, county, finding), with `county` the path to the row's county (None: the rows are
    # counties) and `finding` the prefix of the path to its finding ("" for findings, None for
    # rows on no finding).
    q: Callable[[Any, str | None, str | None], Q] | None = None


def _own_county(user, obj) -> bool:
    return user.county_id is not None and county_id_of(obj) == user.county_id


def _own_province(user, obj) -> bool:
    return user.province_id is not None and province_id_of(obj) == user.province_id


ANY = Reach("any", lambda user, obj: True, lambda user, field, finding=None: Q())
OWN_COUNTY = Reach(
    "own county",
    _own_county,
    lambda user, field, finding=None: Q(**{f"{field}_id" if field else "pk": user.county_id}),
)
OWN_PROVINCE = Reach(
    "own province",
    _own_province,
    lambda user, field, finding=None: Q(
        **{f"{field}__province_id" if field else "province_id": user.province_id}
    ),
)
# What the user wrote (a progress note, a request), in their own county.
AUTHOR = Reach(
    "written by the user", lambda user, obj: _own_county(user, obj) and author_id_of(obj) == user.pk
)
# A review of the user's county and no other: a review shared by several counties belongs to
# no one county, so none of them changes it alone; a notice belongs to its province.
SOLE_COUNTY = Reach(
    "review of the own county alone",
    lambda user, obj: (
        obj._meta.model_name == "review"
        and obj.province_id is None
        and review_county_ids(obj) == {user.county_id}
    ),
)
# A provincial notice that names the user's county (the 督查通报 is addressed to it).
NOTICE_COUNTY = Reach(
    "a notice naming the own county",
    lambda user, obj: (
        obj._meta.model_name == "review"
        and obj.province_id is not None
        and user.county_id in review_county_ids(obj)
    ),
    # On notices (reviews): the rows are the notices themselves, whatever `field` says.
    lambda user, field, finding=None: Q(counties=user.county_id),
)
# A county's own review (of it, perhaps with others), not a provincial notice.
COUNTY_REVIEW = Reach(
    "a review of the own county, not a notice",
    lambda user, obj: (
        obj._meta.model_name == "review"
        and obj.province_id is None
        and user.county_id in review_county_ids(obj)
    ),
)


def _finding_of(obj):
    if obj._meta.model_name == "finding":
        return obj
    return obj.finding if hasattr(obj, "finding_id") else None


def _own_unit(user, obj) -> bool:
    """The user's county itself (its page, limited to the unit's findings), or a finding
    their unit is responsible for or cooperates on, or a row on such a finding."""
    if obj._meta.model_name == "county":
        return obj.pk == user.county_id
    finding = _finding_of(obj)
    if finding is None or finding.county_id != user.county_id:
        return False
    # The finding's units, prefetched on the pages that show them.
    return any(link.unit_id == user.unit_id for link in finding.unit_links.all())


def _own_unit_q(user, field, finding=None) -> Q:
    if finding is None:
        # Rows on no finding: of them, a unit's contact sees only their county itself.
        return Q(pk=user.county_id) if field is None else Q(pk__in=[])
    # One link per unit and finding (finding_unit_once): the join repeats no row.
    return Q(**{f"{field}_id": user.county_id, f"{finding}unit_links__unit_id": user.unit_id})


# The findings the user's unit is responsible for or cooperates on.
OWN_UNIT = Reach("findings of the user's unit", _own_unit, _own_unit_q)


# The accounts an administrator manages (above: _manages).
ACCOUNTS = Reach("accounts the administrator manages", _manages, _managed_q)


def _own_place(user, obj) -> bool:
    level = level_of(user)
    if level == COUNTY:
        return county_id_of(obj) == user.county_id
    if level == PROVINCE:
        return province_id_of(obj) == user.province_id
    return level == NATIONWIDE


def _own_place_q(user, field=None, finding=None) -> Q:
    # On rows that name both a county and a province (the audit log's events).
    level = level_of(user)
    if level == COUNTY:
        return Q(county_id=user.county_id)
    if level == PROVINCE:
        return Q(province_id=user.province_id)
    return Q() if level == NATIONWIDE else Q(pk__in=[])


# What happened in the user's own county, province, or (a national user) anywhere.
OWN_PLACE = Reach("the user's own county, province or country", _own_place, _own_place_q)


# ---------------------------------------------------------------------------------------
# The abilities


@dataclasses.dataclass(frozen=True)
class Ability:
    grants: dict[str, Reach]  # role → the objects it may do this to
    message: Promise | Callable[[Any, Any], str]  # the refusal; a function when it says why


def _review_refusal(user, review) -> str:
    if review.province_id is not None:
        return _("这是省级通报，由发文省份的审核人员维护；区县不能修改。")
    if not holds(user, Role.COUNTY_STAFF):
        return _("只有本区县工作人员可以修改检查及其问题类别。")
    if user.county_id not in review_county_ids(review):
        return _("您没有修改该检查的权限。")
    return _("该检查还涉及其他区县，不能由一个区县单独修改；如需修改，请联系系统管理员。")


STAFF, LEADER, UNIT = Role.COUNTY_STAFF, Role.COUNTY_LEADER, Role.UNIT_STAFF
REVIEWER, NATIONAL = Role.PROVINCE_REVIEWER, Role.NATIONAL
COUNTY_MEMBER, PROVINCE_MEMBER = Role.COUNTY_MEMBER, Role.PROVINCE_MEMBER
ACCOUNT_ADMIN, SECURITY_ADMIN, AUDITOR = Role.ACCOUNT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR
NOT_ALLOWED = gettext_lazy("您没有执行此操作的权限。")
READ_ONLY = gettext_lazy("您只能查看，不能修改该区县的台账。")
NO_LEDGER_WRITE = gettext_lazy("您没有修改该区县台账的权限。")

ABILITIES: dict[str, Ability] = {
    # Seeing. Every for_user reads "ledger.view" (county_scope); outside it a row is 404.
    "ledger.view": Ability(
        {
            NATIONAL: ANY,
            COUNTY_MEMBER: OWN_COUNTY,
            PROVINCE_MEMBER: OWN_PROVINCE,
            UNIT: OWN_UNIT,
        },
        NOT_ALLOWED,
    ),
    "province.view": Ability(
        {NATIONAL: ANY, PROVINCE_MEMBER: OWN_PROVINCE}, gettext_lazy("全省情况仅对省级用户开放。")
    ),
    "nation.view": Ability({NATIONAL: ANY}, gettext_lazy("全国情况仅对全国范围的用户开放。")),
    "notice.view": Ability(
        {NATIONAL: ANY, PROVINCE_MEMBER: OWN_PROVINCE},
        gettext_lazy("省级通报的汇总情况仅对省级用户开放；本县的问题请在台账中查看。"),
    ),
    # The 督查通报 as a document: the province's reviewers who wrote it, and the staff and
    # leaders of the counties it is addressed to.
    "notice.document": Ability(
        {NATIONAL: ANY, REVIEWER: OWN_PROVINCE, STAFF: NOTICE_COUNTY, LEADER: NOTICE_COUNTY},
        gettext_lazy("通报文件仅对发文省份的审核人员和通报涉及的区县开放。"),
    ),
    # The leader, who decides, also sees withdrawn notes and removed evidence.
    "progress.see_withdrawn": Ability({LEADER: OWN_COUNTY}, NOT_ALLOWED),
    "evidence.see_removed": Ability({LEADER: OWN_COUNTY}, NOT_ALLOWED),
    # The ledger: the county's own staff write it.
    "finding.create": Ability({STAFF: OWN_COUNTY}, gettext_lazy("只有区县工作人员可以登记问题。")),
    "finding.edit": Ability({STAFF: OWN_COUNTY}, READ_ONLY),
    # A unit's contact reports on its own findings too (marked as the unit's, for the office
    # to accept or return).
    "finding.report_progress": Ability({STAFF: OWN_COUNTY, UNIT: OWN_UNIT}, READ_ONLY),
    "finding.add_evidence": Ability({STAFF: OWN_COUNTY, UNIT: OWN_UNIT}, READ_ONLY),
    "finding.remove_evidence": Ability({STAFF: OWN_COUNTY}, NO_LEDGER_WRITE),
    "evidence.restore": Ability(
        {LEADER: OWN_COUNTY}, gettext_lazy("只有本区县领导可以恢复佐证材料。")
    ),
    # The note's author or the county's office; not the leader, who decides.
    "progress.withdraw": Ability(
        {STAFF: OWN_COUNTY, COUNTY_MEMBER: AUTHOR, UNIT: AUTHOR},
        gettext_lazy("只有填报人或本区县工作人员可以撤回整改进展。"),
    ),
    "finding.restore": Ability(
        {STAFF: OWN_COUNTY, LEADER: OWN_COUNTY},
        gettext_lazy("只有本区县工作人员或领导可以恢复问题。"),
    ),
    "unit.manage": Ability({STAFF: OWN_COUNTY}, NO_LEDGER_WRITE),
    "import.run": Ability({STAFF: OWN_COUNTY}, gettext_lazy("只有区县工作人员可以导入台账。")),
    # The close-out workflow (workflow.STEPS names these): staff do the work, the leader
    # decides; the province reopens after a spot check, and so may the leader.
    "finding.start": Ability({STAFF: OWN_COUNTY}, gettext_lazy("只有本区县工作人员可以开始整改。")),
    "finding.submit": Ability(
        {STAFF: OWN_COUNTY}, gettext_lazy("只有本区县工作人员可以申请销号。")
    ),
    "finding.close": Ability({LEADER: OWN_COUNTY}, gettext_lazy("只有本区县领导可以审批销号。")),
    "finding.return": Ability(
        {LEADER: OWN_COUNTY}, gettext_lazy("只有本区县领导可以退回销号申请。")
    ),
    "finding.reopen": Ability(
        {LEADER: OWN_COUNTY, REVIEWER: OWN_PROVINCE},
        gettext_lazy("只有本区县领导或本省审核人员可以重新打开已销号的问题。"),
    ),
    # Extension and archive requests: staff ask, the leader decides; the requester (or the
    # county's staff) may withdraw one still waiting.
    "finding.request_extension": Ability(
        {STAFF: OWN_COUNTY}, gettext_lazy("只有本区县工作人员可以申请延期。")
    ),
    "finding.request_archive": Ability(
        {STAFF: OWN_COUNTY}, gettext_lazy("只有本区县工作人员可以申请归档。")
    ),
    "request.decide": Ability(
        {LEADER: OWN_COUNTY}, gettext_lazy("只有本区县领导可以审批延期和归档申请。")
    ),
    "request.withdraw": Ability(
        {STAFF: OWN_COUNTY, COUNTY_MEMBER: AUTHOR},
        gettext_lazy("只有申请人或本区县工作人员可以撤回申请。"),
    ),
    # Reviews and their categories: a county's own review is its staff's; a provincial notice
    # is its province's reviewers' (and national users').
    "review.create": Ability({STAFF: OWN_COUNTY}, gettext_lazy("只有区县工作人员可以添加检查。")),
    "review.edit": Ability({STAFF: SOLE_COUNTY, REVIEWER: OWN_PROVINCE}, _review_refusal),
    # A new category while registering a finding: in the county's own reviews; a notice's
    # categories are its province's, which every county of the notice shares.
    "category.create": Ability(
        {STAFF: COUNTY_REVIEW, REVIEWER: OWN_PROVINCE},
        gettext_lazy("省级通报的问题类别由发文省份的审核人员维护，请从已有类别中选择。"),
    ),
    "notice.create": Ability(
        {REVIEWER: OWN_PROVINCE}, gettext_lazy("只有省级审核人员可以发布通报。")
    ),
    "notice.manage": Ability(
        {REVIEWER: OWN_PROVINCE},
        gettext_lazy("只有本省审核人员可以维护省级通报。"),
    ),
    # Reports and indicators: the county's staff.
    "report.create": Ability({STAFF: OWN_COUNTY}, gettext_lazy("只有区县工作人员可以编写报告。")),
    "report.edit": Ability({STAFF: OWN_COUNTY}, gettext_lazy("您只能查看，不能修改该区县的报告。")),
    "indicator.record": Ability(
        {STAFF: OWN_COUNTY}, gettext_lazy("只有本区县工作人员可以录入指标。")
    ),
    # The responsible units (责任单位): a unit's contact acknowledges (签收) a finding given to
    # the unit, or (the lead unit) hands it back for the office to reassign; the office
    # accepts a unit's progress note or proposed result into the finding, or returns it.
    "finding.acknowledge": Ability(
        {UNIT: OWN_UNIT}, gettext_lazy("只有该问题责任单位的联络员可以签收。")
    ),
    "finding.hand_back": Ability(
        {UNIT: OWN_UNIT}, gettext_lazy("只有该问题牵头单位的联络员可以退回。")
    ),
    "progress.review": Ability(
        {STAFF: OWN_COUNTY}, gettext_lazy("只有本区县工作人员可以采纳或退回单位填报的进展。")
    ),
    # 催办: the county's office and leader urge a unit; the province urges a county.
    "finding.urge": Ability(
        {STAFF: OWN_COUNTY, LEADER: OWN_COUNTY, REVIEWER: OWN_PROVINCE},
        gettext_lazy("只有本区县工作人员、领导或本省审核人员可以催办。"),
    ),
    "notice.urge": Ability(
        {REVIEWER: OWN_PROVINCE}, gettext_lazy("只有本省审核人员可以催办省级通报。")
    ),
    # Administration, kept apart (三权分立): the system administrator keeps the accounts (and
    # gives a new account its role), the security administrator changes roles and lifts
    # lockouts, the auditor reads the security log. None of them reads the ledger.
    "account.manage": Ability(
        {ACCOUNT_ADMIN: ACCOUNTS}, gettext_lazy("只有系统管理员可以管理该账户。")
    ),
    "account.roles": Ability(
        {SECURITY_ADMIN: ACCOUNTS}, gettext_lazy("只有安全管理员可以调整该账户的角色。")
    ),
    "lockout.manage": Ability(
        {SECURITY_ADMIN: ACCOUNTS}, gettext_lazy("只有安全管理员可以解除登录锁定。")
    ),
    "audit.view": Ability({AUDITOR: OWN_PLACE}, gettext_lazy("安全审计日志仅对审计管理员开放。")),
}


# ---------------------------------------------------------------------------------------
# Asking


class _Anywhere:
    def __repr__(self) -> str:
        return "ANYWHERE"


# No object: whether the user may do it to anything at all (the menu's and a list page's
# question: "may this user register findings?"). None, by contrast, is no object: refused.
ANYWHERE: Any = _Anywhere()


def allowed(user, ability: str, obj=ANYWHERE) -> bool:
    """Whether `user` may do `ability` to `obj` (a KeyError for an ability not in the table)."""
    for role, reach in ABILITIES[ability].grants.items():
        if holds(user, role) and (obj is ANYWHERE or (obj is not None and reach.covers(user, obj))):
            return True
    return False


def refusal(user, ability: str, obj=ANYWHERE) -> str:
    """Why `user` may not do `ability` to `obj`; "" when they may."""
    if allowed(user, ability, obj):
        return ""
    message = ABILITIES[ability].message
    return str(message if isinstance(message, Promise) else message(user, obj))


def require(user, ability: str, obj=ANYWHERE) -> None:
    """Raise PermissionDenied, with the ability's message, unless `user` may."""
    reason = refusal(user, ability, obj)
    if reason:
        raise PermissionDenied(reason)


class Abilities:
    """What `user` may do to `obj`, for templates: `{% if "finding.edit" in can %}`. Each
    ability is decided when first asked, so a page pays only for what it shows."""

    def __init__(self, user, obj=ANYWHERE):
        self.user, self.obj = user, obj
        self._decided: dict[str, bool] = {}

    def __contains__(self, ability: str) -> bool:
        if ability not in self._decided:
            self._decided[ability] = allowed(self.user, ability, self.obj)
        return self._decided[ability]

    def __iter__(self):
        return (name for name in ABILITIES if name in self)

    def __repr__(self) -> str:
        return f"<Abilities {sorted(self)}>"


def abilities(user, obj=ANYWHERE) -> Abilities:
    return Abilities(user, obj)


# ---------------------------------------------------------------------------------------
# The counties a user sees


def scope(user, ability: str, field: str | None = "county", finding: str | None = None) -> Q | None:
    """The condition that keeps the rows `user` may do `ability` to, from the reaches of the
    roles they hold (`field`: the path to a county; `finding`: the prefix of the path to a
    finding, "" for findings, None for rows on no finding); None when they may do it to
    none."""
    if not user.is_authenticated:
        return None
    conditions = []
    for role, reach in ABILITIES[ability].grants.items():
        if holds(user, role):
            condition = reach.q(user, field, finding)
            if not condition:  # Q(): every row
                return condition
            conditions.append(condition)
    return functools.reduce(operator.or_, conditions) if conditions else None


def county_scope(user, field: str | None = "county", finding: str | None = None) -> Q | None:
    """The condition on `field` (the path to a county; None for the counties themselves) and
    `finding` (the prefix of the path to the row's finding, if it is on one) that keeps the
    rows `user` may see, as the row "ledger.view" says; None when they see none."""
    return scope(user, "ledger.view", field, finding)


def sees_county_records(user) -> bool:
    """Whether the user sees the records of their county that hang on no finding (its
    units, reviews, reports, imports): everybody of a county who sees the county's ledger,
    not a unit's contact, whose reach is the unit's findings alone. Users of no county see
    such rows as their own scope says (province, nation)."""
    if user.county_id is None:
        return True
    # A row of the county on no finding, as the reaches read it (a unit: county_id only).
    return allowed(user, "ledger.view", _CountyRecord(user.county_id))


class _CountyRecord:
    """A stand-in for a row of a county on no finding, for the reaches to judge."""

    _meta = dataclasses.make_dataclass("Meta", [("model_name", str)])("county_record")

    def __init__(self, county_id: int):
        self.county_id = county_id


def require_county_records(user) -> None:
    """403 for a page of the county's own records the user does not see (a unit's contact)."""
    if not sees_county_records(user):
        raise PermissionDenied(str(NOT_ALLOWED))
