"""Loads the demo counties from `data/*.json` (transcribed from the documents in `seeds/`).
A county whose file names a `document` gets its findings by importing that document through
the importer, as a clerk would; its `reviews` then only give the reviews' dates and the
findings' related links (which no document states).

Idempotent: rows are found by their natural keys and created only when missing, so running it
again changes nothing and never overwrites what users have changed since."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation

from issues import services
from issues.importing.document import parse_document
from issues.importing.plan import build_plan
from issues.importing.services import import_apply
from issues.models import County, Finding, Project, Province, Review, Role, Unit, User
from issues.permissions import allowed
from reports.models import Indicator, IndicatorReading, Report
from reports.services import report_save

DATA_DIR = Path(__file__).parent / "data"
SEEDS_DIR = Path(__file__).parent / "seeds"
DEMO_FILES = ["510811.json", "360926.json"]
# Seed 000 is dated 2019-09-10; the findings it reports as 已销号 were closed by then.
REPORT_DATES = {"510811": dt.date(2019, 9, 10)}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value else None


def ensure_user(
    username: str,
    password: str,
    *,
    role: str | None = None,
    county: County | None = None,
    province: Province | None = None,
    full_name: str = "",
    superuser: bool = False,
    national: bool = False,
    unit: Unit | None = None,
    mobile: str = "",
) -> tuple[User, bool]:
    """A demo account (created once; its password reset to the demo one). Every demo account
    has an address at example.com (RFC 2606: reserved, never delivered), so the reminder mails
    and the digests of the demo go somewhere — the console, unless EMAIL_HOST is set."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "county": county,
            "province": province,
            "unit": unit,
            "first_name": full_name,
            "email": f"{username}@example.com",
            "mobile": mobile,
            "is_staff": superuser,
            "is_superuser": superuser,
            "is_national": superuser or national,
        },
    )
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user, created


def _province(data: dict) -> Province:
    return Province.objects.get_or_create(code=data["code"], defaults={"name": data["name"]})[0]


def _county(province: Province, c: dict, p: dict) -> tuple[County, Project]:
    """The county and its demonstration project, created once."""
    county, _ = County.objects.get_or_create(
        code=c["code"],
        defaults={
            "province": province,
            "name": c["name"],
            "short_name": c["short_name"],
            "government": c["government"],
        },
    )
    project, _ = Project.objects.get_or_create(
        county=county,
        year=p["year"],
        defaults={
            "name": p["name"],
            "batch": p["batch"],
            "planned_investment": _decimal(p["planned_investment"]),
            "central_funds": _decimal(p["central_funds"]),
        },
    )
    return county, project


def _county_users(county: County, password: str) -> User:
    """staff-<code> and leader-<code>; returns the staff user, who records the demo data."""
    short = county.display_short_name
    staff, _ = ensure_user(
        f"staff-{county.code}",
        password,
        role=Role.COUNTY_STAFF,
        county=county,
        full_name=f"{short}工作人员",
    )
    ensure_user(
        f"leader-{county.code}",
        password,
        role=Role.COUNTY_LEADER,
        county=county,
        full_name=f"{short}领导",
    )
    return staff


def _province_reviewer(province: Province, password: str) -> User:
    return ensure_user(
        f"reviewer-{province.code}",
        password,
        role=Role.PROVINCE_REVIEWER,
        province=province,
        full_name=f"{province.name}审核人员",
    )[0]


@transaction.atomic
def load_county(path: Path, password: str) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    province = _province(data["province"])
    county, _ = _county(province, data["county"], data["project"])
    staff = _county_users(county, password)
    _province_reviewer(province, password)

    units = {}
    for u in data["units"]:
        units[u["name"]], _ = Unit.objects.get_or_create(
            county=county,
            name=u["name"],
            defaults={
                "kind": u["kind"],
                "aliases": "\n".join(u.get("aliases", [])),
                "created_by": staff,
            },
        )

    created = 0
    by_key: dict[str, Finding] = {}
    pending_related: list[tuple[Finding, list[str]]] = []
    report_date = REPORT_DATES.get(county.code)
    reviews: dict[str, Review] = {}
    document = data.get("document")
    for r in data["reviews"]:
        review, _ = Review.objects.get_or_create(
            kind=r["kind"],
            team=r["team"],
            start_date=_date(r["start_date"]),
            defaults={
                "title": r["title"],
                "reference_number": r["reference_number"],
                "end_date": _date(r["end_date"]),
                "created_by": staff,
            },
        )
        review.counties.add(county)
        reviews[r["key"]] = review
        if Finding.objects.filter(review=review, county=county).exists():
            # Loaded before: what users did with these findings since (renumbered, moved,
            # reworded) is theirs; never add the demo copies again.
            continue
        if document:
            continue
        for cat_no, cat in enumerate(r["categories"], start=1):
            category = services.category_get_or_create(review=review, name=cat["name"], user=staff)
            for no, f in enumerate(cat["findings"], start=1):
                closed = f["status"] == Finding.Status.CLOSED
                finding = services.finding_create(
                    user=staff,
                    county=county,
                    data=services.FindingData(
                        review=review,
                        category=category,
                        order=no,
                        description=f["description"],
                        deadline=_date(f["deadline"]),
                        is_ongoing=f["ongoing"],
                        status=f["status"],
                        result=f["result"],
                        closed_on=report_date if closed else None,
                        measures=f["measures"],
                        units=[services.UnitEntry(units[name]) for name in f["units"]]
                        + [
                            services.UnitEntry(units[name], "cooperating")
                            for name in f["cooperating_units"]
                        ],
                    ),
                )
                created += 1
                pending_related.append((finding, f["related"]))
                by_key[f"{r['key']}:{cat_no}:{no}"] = finding
    if document and reviews:
        created, by_key, pending_related = _import_document(
            county, staff, SEEDS_DIR / document, data["reviews"], reviews
        )
    for finding, keys in pending_related:
        finding.related.add(*(by_key[k] for k in keys if k in by_key))
    report_file = path.with_name(f"{county.code}_report.json")
    if report_file.exists():
        load_report(county, report_file, staff)
    indicator_file = path.with_name(f"{county.code}_indicators.json")
    if indicator_file.exists():
        data = json.loads(indicator_file.read_text(encoding="utf-8"))
        project = county.projects.order_by("-year").first()
        for order, ind in enumerate(data["indicators"], start=1):
            load_indicator(project, ind, staff, order)
    return {"county": county, "created": created}


def _import_document(
    county: County, staff: User, path: Path, data: list[dict], reviews: dict[str, Review]
) -> tuple[int, dict[str, Finding], list[tuple[Finding, list[str]]]]:
    """The county's findings as the importer reads them from its own report."""

    if Finding.objects.filter(county=county, review__in=reviews.values()).exists():
        return 0, {}, []
    document = parse_document(path.read_text(encoding="utf-8"))
    plan = build_plan(county, document)
    summary = import_apply(user=staff, county=county, plan=plan)
    # Related findings: no document says which they are; the demo data does, by position.
    by_key: dict[str, Finding] = {}
    pending: list[tuple[Finding, list[str]]] = []
    for r in data:
        findings = (
            Finding.objects.filter(county=county, review=reviews[r["key"]])
            .select_related("category")
            .order_by("category__order", "order")
        )
        cat_order = {}
        for f in findings:
            cat_no = cat_order.setdefault(f.category_id, len(cat_order) + 1)
            by_key[f"{r['key']}:{cat_no}:{f.order}"] = f
        for cat_no, cat in enumerate(r["categories"], start=1):
            for no, f in enumerate(cat["findings"], start=1):
                key = f"{r['key']}:{cat_no}:{no}"
                if key in by_key:
                    pending.append((by_key[key], f["related"]))
    return summary["new"], by_key, pending


def load_indicator(project: Project, data: dict, user: User, order: int = 1) -> None:

    indicator, _ = Indicator.objects.get_or_create(
        project=project,
        key=data["key"],
        defaults={
            "name": data["name"],
            "unit": data["unit"],
            "plan": Decimal(data["plan"]),
            "order": order,
            "created_by": user,
        },
    )
    for reading in data["readings"]:
        IndicatorReading.objects.get_or_create(
            indicator=indicator,
            date=_date(reading["date"]),
            defaults={
                "value": Decimal(reading["value"]),
                "note": reading.get("note", ""),
                "created_by": user,
                "updated_by": user,
            },
        )


@transaction.atomic
def load_notice(path: Path, password: str) -> dict:
    """江西省's seven counties of seed 001 with their figures, and the notice itself with its
    problems assigned to the counties it names (each county gets its own copy)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    province = _province(data["province"])
    reviewer = _province_reviewer(province, password)
    counties = {}
    for c in data["counties"]:
        county, project = _county(province, c, c["project"])
        counties[county.code] = county
        staff = _county_users(county, password)
        for order, ind in enumerate(c["indicators"], start=1):
            load_indicator(
                project,
                {
                    "key": ind["key"],
                    "name": ind["name"],
                    "unit": ind["unit"],
                    "plan": ind["plan"],
                    "readings": [
                        {"date": ind["date"], "value": ind["actual"], "note": ind["source"]}
                    ],
                },
                staff,
                order,
            )
    n = data["notice"]
    notice, _ = Review.objects.get_or_create(
        kind=n["kind"],
        team=n["team"],
        start_date=_date(n["start_date"]),
        defaults={"created_by": reviewer},
    )
    fields = {
        "title": n["title"],
        "reference_number": n["reference_number"],
        "end_date": _date(n["end_date"]),
        "issued_on": _date(n["issued_on"]),
        "report_deadline": _date(n["report_deadline"]),
        "province": province,
    }
    if any(getattr(notice, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(notice, name, value)
        notice.save()
    created = 0
    if not notice.notice_items.exists():
        for item in n["items"]:
            services.notice_item_add(
                user=reviewer,
                notice=notice,
                category_name=item["category"],
                description=item["description"],
                measures=item["measures"],
                counties=[counties[code] for code in item["counties"]],
                deadline=notice.report_deadline,
            )
            created += 1
    return {"notice": notice, "created": created}


def load_report(county: County, path: Path, staff: User) -> None:
    """The county's 整改情况报告 narratives (the parts staff write by hand)."""

    data = json.loads(path.read_text(encoding="utf-8"))
    date = _date(data["date"])
    if Report.objects.filter(county=county, date=date).exists():
        return
    report = Report(
        county=county,
        issuer=data["issuer"],
        addressee=data["addressee"],
        title=data["title"],
        date=date,
        opening="\n".join(data["opening"]),
        work_done="\n".join(data["work_done"]),
        leadership_heading=data["leadership_heading"],
        leadership="\n".join(data["leadership"]),
        next_steps="\n".join(data["next_steps"]),
        plan_title=data["plan_title"],
        plan_intro="\n".join(data["plan_intro"]),
        plan_goals="\n".join(data["plan_goals"]),
        plan_safeguards="\n".join(data["plan_safeguards"]),
    )
    reviews = Review.objects.filter(counties=county).order_by("start_date", "id")
    report_save(user=staff, report=report, reviews=list(reviews))


# The administrators (三权分立): a system administrator (accounts) in each demo county, each
# province and the nation; in 昭化区 and 四川 also a security administrator (roles, lockouts)
# and an auditor (the security log).
ADMINISTRATORS = [
    ("admin-510811", Role.ACCOUNT_ADMIN, "510811"),
    ("admin-360926", Role.ACCOUNT_ADMIN, "360926"),
    ("security-510811", Role.SECURITY_ADMIN, "510811"),
    ("audit-510811", Role.AUDITOR, "510811"),
    ("admin-510000", Role.ACCOUNT_ADMIN, "510000"),
    ("admin-360000", Role.ACCOUNT_ADMIN, "360000"),
    ("security-510000", Role.SECURITY_ADMIN, "510000"),
    ("audit-510000", Role.AUDITOR, "510000"),
    ("admin-nation", Role.ACCOUNT_ADMIN, ""),
]


# The responsible units' contacts (责任单位联络员): username, county, unit, and a mobile
# number (fictitious; SMS goes to the console backend unless a gateway is configured).
UNIT_CONTACTS = [
    ("unit-510811-xz", "510811", "各乡镇人民政府", "13900000001"),
    ("unit-510811-nyj", "510811", "区农业农村局", "13900000002"),
]


def load_unit_contacts(password: str) -> None:
    for username, code, name, mobile in UNIT_CONTACTS:
        unit = Unit.objects.filter(county__code=code, name=name).select_related("county").first()
        if unit is None:  # the county was not loaded
            continue
        user, _ = ensure_user(
            username,
            password,
            role=Role.UNIT_STAFF,
            county=unit.county,
            unit=unit,
            full_name=f"{name}联络员",
            mobile=mobile,
        )
        if not unit.email:  # the unit's own address, for its reminder digest
            unit.contact, unit.phone, unit.email = user.first_name, mobile, user.email
            unit.save(update_fields=["contact", "phone", "email"])


def _zh(text) -> str:
    """A role's name in Chinese, whatever language the command runs in."""
    with translation.override("zh-hans"):
        return str(text)


def load_administrators(password: str) -> None:
    for username, role, code in ADMINISTRATORS:
        county = County.objects.filter(code=code).first()
        province = None if county else Province.objects.filter(code=code).first()
        place = county.display_short_name if county else province.name if province else "全国"
        ensure_user(
            username,
            password,
            role=role,
            county=county,
            province=province,
            national=not code,
            full_name=place + _zh(Role.labels[role]),
        )


def load_all(password: str) -> list[dict]:
    results = [load_county(DATA_DIR / name, password) for name in DEMO_FILES]
    load_notice(DATA_DIR / "jiangxi_notice.json", password)
    load_administrators(password)
    load_unit_contacts(password)
    ensure_user("admin", password, superuser=True, full_name="系统管理员")
    return results


# What the demo's accounts may do, read from the ability table (issues/permissions.py), so
# that `make run` never describes an account differently from what it can do.
WRITES = {
    "finding.edit": "登记和修改问题",
    "finding.acknowledge": "签收本单位的问题，报送进展和拟定的整改结果",
    "progress.review": "采纳或退回单位报送的进展",
    "finding.submit": "申请销号",
    "finding.close": "审批销号",
    "request.decide": "审批延期和归档",
    "finding.reopen": "重新打开已销号问题",
    "notice.manage": "维护省级通报",
    "import.run": "导入台账",
    "account.manage": "管理所辖账户（创建、修改、停用、重置密码）",
    "account.roles": "调整所辖账户的角色",
    "lockout.manage": "解除登录锁定",
    "audit.view": "查阅安全审计日志",
}


def account_lines() -> list[str]:
    lines = []
    for user in User.objects.order_by("username").select_related("county", "province", "unit"):
        can = [text for ability, text in WRITES.items() if allowed(user, ability)]
        roles = "、".join(user.role_labels) or ("系统管理员" if user.is_superuser else "")
        reads = user.scope_label or "-"
        if allowed(user, "finding.acknowledge"):  # a unit's contact reads only its findings
            reads += f" {user.unit}"
        does = "；".join(can) if can else "只读"
        if user.is_staff:
            does += "；管理后台 /admin/"
        lines.append(f"{user.username:<18} {roles or '-'}（{reads}）：{does}")
    return lines
