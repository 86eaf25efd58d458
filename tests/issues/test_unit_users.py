"""A responsible unit's contact (责任单位联络员, `una` of 区商务和经济合作局) on EVERY page of the
ledger, the reports, the accounts, the audit log, the notifications and the group robots:
their unit's finding is there (200), any other finding does not exist (404), and what they
may not do is refused (403).

The table below is the test: each URL name of issues/, reports/, users/, audit/, notify/ and
outbox/ has its row, and a URL added without one fails test_every_url_is_in_the_table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from audit.models import Event
from issues import services
from issues.models import (
    Evidence,
    Finding,
    FindingRequest,
    FindingUnit,
    ImportBatch,
    Progress,
    Project,
    Role,
    Unit,
    User,
)
from notify.models import Notification
from outbox.models import RobotHook
from reports.models import Indicator, Report
from tests.conftest import Factory
from tests.issues.test_evidence_viewer import photo

OWN, OTHER = "own", "other"


@pytest.fixture
def world(alice, lee, una, bob, ada, county_a, county_b, review_a, finding_a, finding_b, rita):
    """una's unit leads finding_a; `other` is county A's too but not her unit's; finding_b is
    county B's. Each has a note, a piece of evidence and a request."""
    unit_a2 = Unit.objects.get(county=county_a, name="区财政局")
    other = Factory.finding(
        alice, county_a, review_a, description="另一个单位负责的问题。", units=[unit_a2]
    )

    def rows(finding, staff):
        upload = SimpleUploadedFile("照片.png", photo(1700, 100, "PNG"))  # with a viewer's copy
        evidence = services.evidence_add(user=staff, finding=finding, upload=upload)
        note = services.progress_add(user=staff, finding=finding, note=f"{finding.pk}已开工。")
        request = services.archive_request(user=staff, finding=finding, reason="重复登记。")
        return {"finding": finding, "evidence": evidence, "note": note, "request": request}

    own = rows(finding_a, alice)
    own["unit_note"] = services.progress_add(user=una, finding=finding_a, note="本单位已开工。")
    others, b = rows(other, alice), rows(finding_b, bob)
    # Her notification on her finding; hers on a finding she does not see; bob's.
    own["notification"] = notification(una, finding_a)
    others["notification"] = notification(una, other)
    b["notification"] = notification(bob, finding_b)
    notice = services.notice_create(
        user=rita,
        province=county_a.province,
        data={"team": "省督查组", "title": "督查通报", "start_date": dt.date(2019, 7, 11)},
    )
    # An item of the notice for county B only, and a notice import of the province.
    notice_item = services.notice_item_add(
        user=rita,
        notice=notice,
        category_name="资金拨付进度缓慢",
        description="拨付进度明显滞后。",
        measures=[],
        counties=[county_b],
    )
    project = Project.objects.create(county=county_a, name="示范项目", year=2019, batch=1)
    return {
        "notice_item": notice_item,
        "notice_batch": ImportBatch.objects.create(
            province=county_a.province, kind=ImportBatch.Kind.NOTICE
        ),
        OWN: own,
        OTHER: others,
        "b": b,
        "notice": notice,
        "review": review_a,
        "unit": unit_a2,
        "county": county_a,
        "county_b": county_b,
        "report": Report.objects.create(county=county_a, issuer="人民政府", title="整改情况报告"),
        "indicator": Indicator.objects.create(
            project=project, key=Indicator.Key.TRAINING, name="电商培训", unit="人次", plan=1000
        ),
        "batch": ImportBatch.objects.create(county=county_a, kind=ImportBatch.Kind.DOCUMENT),
        "category": finding_a.category,
        "account": alice,
        "event": Event.objects.create(kind=Event.Kind.LOGIN, county=county_a),
        "hook": RobotHook.objects.create(
            county=county_a,
            name="整改工作群",
            kind=RobotHook.Kind.WECOM,
            url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        ),
    }


def notification(recipient: User, finding: Finding) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        kind=Notification.Kind.URGED,
        text=f"催办：{finding.description}",
        url=finding.get_absolute_url(),
        finding=finding,
    )


@dataclasses.dataclass(frozen=True)
class Row:
    """How una fares on a URL: its address (from the world, for her unit's finding and for
    another), the method, what is posted, and the status for each."""

    url: Callable[[dict, str], str]
    own: int | None  # None: the URL has no "own" object
    other: int | None = 404
    method: str = "get"
    data: dict = dataclasses.field(default_factory=dict)


def finding(path: str = "") -> Callable[[dict, str], str]:
    return lambda w, side: f"/findings/{w[side]['finding'].pk}/{path}"


def on(key: str, path: str) -> Callable[[dict, str], str]:
    """A URL of a row on a finding (note, evidence, request): `path` with {pk}."""
    return lambda w, side: path.format(pk=w[side][key].pk)


def fixed(path: str) -> Callable[[dict, str], str]:
    """A URL of a row on no finding: `path` formatted with the world's objects."""
    return lambda w, side: (
        path.format(**{k: getattr(v, "pk", v) for k, v in w.items()}) if ("{" in path) else path
    )


def by_code(path: str, key: str) -> Callable[[dict, str], str]:
    return lambda w, side: path.format(code=w[key].code)


# 200/302: allowed; 400: allowed, the form sent was incomplete; 403: refused; 404: not there.
TABLE: dict[str, Row] = {
    # issues/urls.py
    "finding_list": Row(fixed("/findings/"), 200, None),
    "finding_create": Row(fixed("/findings/new/"), 403, None),
    "finding_detail": Row(finding(), 200),
    "finding_edit": Row(finding("edit/"), 403),
    "progress_add": Row(
        finding("progress/"),
        302,
        method="post",
        data={"note": "已完成选址。", "date": "2019-09-01"},
    ),
    "progress_withdraw": Row(on("note", "/findings/progress/{pk}/withdraw/"), 403),
    "evidence_upload": Row(finding("evidence/"), 400, method="post"),
    "finding_archive": Row(finding("archive/"), 403, method="post", data={"reason": "重复"}),
    "finding_restore": Row(finding("restore/"), 403, method="post"),
    "extension_request": Row(finding("extension/"), 403, method="post"),
    "request_decide": Row(on("request", "/requests/{pk}/decide/"), 403, method="post"),
    "request_withdraw": Row(on("request", "/requests/{pk}/withdraw/"), 403, method="post"),
    "finding_acknowledge": Row(finding("acknowledge/"), 302, method="post"),
    "finding_hand_back": Row(finding("hand-back/"), 400, method="post"),
    # 催办 is the office's, the leader's and the province's, not the unit's.
    "finding_urge": Row(finding("urge/"), 403, method="post", data={"message": "请尽快整改。"}),
    "notice_urge": Row(fixed("/notices/{notice}/urge/"), 403, None, method="post"),
    "progress_accept": Row(on("note", "/findings/progress/{pk}/accept/"), 403, method="post"),
    "progress_return": Row(
        on("note", "/findings/progress/{pk}/return/"), 403, method="post", data={"comment": "x"}
    ),
    "finding_action": Row(finding("submit/"), 403, method="post"),
    "evidence_download": Row(on("evidence", "/evidence/{pk}/"), 200),
    "evidence_thumbnail": Row(on("evidence", "/evidence/{pk}/thumbnail/"), 200),
    "evidence_display": Row(on("evidence", "/evidence/{pk}/display/"), 200),
    "evidence_remove": Row(on("evidence", "/evidence/{pk}/remove/"), 403, method="post"),
    "evidence_restore": Row(on("evidence", "/evidence/{pk}/restore/"), 403, method="post"),
    "my_work": Row(fixed("/my/"), 200, None),
    "notice_create": Row(fixed("/notices/new/"), 403, None),
    "notice_detail": Row(fixed("/notices/{notice}/"), 403, None),
    "notice_item_add": Row(fixed("/notices/{notice}/items/"), 403, None, method="post"),
    "notice_edit": Row(fixed("/notices/{notice}/edit/"), 403, None),
    # Her own province's notice items and notice imports: its reviewers' (403).
    "notice_item_edit": Row(fixed("/notices/items/{notice_item}/edit/"), 403, None),
    "notice_item_withdraw": Row(
        fixed("/notices/items/{notice_item}/withdraw/"), 403, None, method="post"
    ),
    "notice_import_start": Row(fixed("/notices/import/"), 403, None),
    "notice_import_preview": Row(fixed("/notices/import/{notice_batch}/"), 403, None),
    "notice_import_cancel": Row(
        fixed("/notices/import/{notice_batch}/cancel/"), 403, None, method="post"
    ),
    "import_start": Row(fixed("/imports/"), 403, None),
    "import_preview": Row(fixed("/imports/{batch}/"), 404, None),
    "import_cancel": Row(fixed("/imports/{batch}/cancel/"), 404, None, method="post"),
    "review_list": Row(fixed("/reviews/"), 403, None),
    "review_create": Row(fixed("/reviews/new/"), 403, None),
    "review_detail": Row(fixed("/reviews/{review}/"), 404, None),
    "review_edit": Row(fixed("/reviews/{review}/edit/"), 404, None),
    "categories_save": Row(fixed("/reviews/{review}/categories/"), 404, None, method="post"),
    "category_add": Row(fixed("/reviews/{review}/categories/new/"), 404, None, method="post"),
    "category_remove": Row(
        fixed("/reviews/{review}/categories/{category}/remove/"), 404, None, method="post"
    ),
    "unit_list": Row(fixed("/units/"), 403, None),
    "unit_create": Row(fixed("/units/new/"), 403, None),
    "unit_edit": Row(fixed("/units/{unit}/edit/"), 404, None),
    # reports/urls.py
    "home": Row(fixed("/"), 302, None),
    "healthz": Row(fixed("/healthz"), 200, None),
    "ledger_xlsx": Row(fixed("/findings/export.xlsx"), 200, None),
    "county_dashboard": Row(by_code("/counties/{code}/", "county"), 200, None),
    "province_dashboard": Row(fixed("/provinces/510000/"), 403, None),
    "nation_dashboard": Row(fixed("/nation/"), 403, None),
    "nation_ledger_xlsx": Row(fixed("/nation/ledger.xlsx"), 403, None),
    "nation_ledger_status": Row(fixed("/nation/ledger/"), 403, None),
    "reading_add": Row(fixed("/indicators/{indicator}/readings/"), 403, None, method="post"),
    "report_list": Row(fixed("/reports/"), 403, None),
    "report_create": Row(fixed("/reports/new/"), 403, None),
    "report_detail": Row(fixed("/reports/{report}/"), 404, None),
    "report_edit": Row(fixed("/reports/{report}/edit/"), 404, None),
    "report_docx": Row(fixed("/reports/{report}/report.docx"), 404, None),
    "report_pdf": Row(fixed("/reports/{report}/plan.pdf"), 404, None),
    "province_ledger_xlsx": Row(fixed("/provinces/510000/ledger.xlsx"), 404, None),
    "province_ledger_status": Row(fixed("/provinces/510000/ledger/"), 404, None),
    # The forms per finding (her finding's, yes; another unit's, 404) and per report (404).
    "finding_closeout_docx": Row(finding("forms/closeout.docx"), 200),
    "finding_closeout_pdf": Row(finding("forms/closeout.pdf"), 200),
    "finding_evidence_list": Row(finding("forms/evidence.docx"), 200),
    "finding_evidence_zip": Row(finding("forms/evidence.zip"), 200),
    "report_evidence_list": Row(fixed("/reports/{report}/forms/evidence.docx"), 404, None),
    "report_evidence_zip": Row(fixed("/reports/{report}/forms/evidence.zip"), 404, None),
    # 月度整改进展情况表: the leaders' and the province's, not a unit's contact's.
    "county_monthly_docx": Row(by_code("/counties/{code}/monthly.docx", "county"), 403, None),
    "county_monthly_pdf": Row(by_code("/counties/{code}/monthly.pdf", "county"), 403, None),
    "province_monthly_docx": Row(fixed("/provinces/510000/monthly.docx"), 403, None),
    "province_monthly_pdf": Row(fixed("/provinces/510000/monthly.pdf"), 403, None),
    # 督查通报: the notice's province and the counties it names (not this one), no one else.
    "notice_docx": Row(fixed("/notices/{notice}/notice.docx"), 404, None),
    "notice_pdf": Row(fixed("/notices/{notice}/notice.pdf"), 404, None),
    # users/urls.py
    "account_list": Row(fixed("/accounts/manage/"), 403, None),
    "account_create": Row(fixed("/accounts/manage/new/"), 403, None),
    "account_detail": Row(fixed("/accounts/manage/{account}/"), 404, None),
    "account_deactivate": Row(
        fixed("/accounts/manage/{account}/deactivate/"), 404, None, method="post"
    ),
    "account_reactivate": Row(
        fixed("/accounts/manage/{account}/reactivate/"), 404, None, method="post"
    ),
    "account_password_reset": Row(
        fixed("/accounts/manage/{account}/reset/"), 404, None, method="post"
    ),
    "account_roles": Row(fixed("/accounts/manage/{account}/roles/"), 404, None),
    "lockout_list": Row(fixed("/accounts/manage/lockouts/"), 403, None),
    "lockout_unlock": Row(fixed("/accounts/manage/lockouts/unlock/"), 403, None, method="post"),
    # audit/urls.py
    "audit_log": Row(fixed("/audit/"), 403, None),
    "audit_export": Row(fixed("/audit/export.xlsx"), 403, None),
    # notify/urls.py: her own notifications; one on a finding she does not see, or another's,
    # does not exist.
    "notification_list": Row(fixed("/notifications/"), 200, None),
    "notification_open": Row(on("notification", "/notifications/{pk}/open/"), 302),
    "notification_mark_all": Row(fixed("/notifications/read/"), 302, None, method="post"),
    # outbox/urls.py: the county's robots are its staff's; she sees none of them.
    "hook_list": Row(fixed("/robots/"), 403, None),
    "hook_create": Row(fixed("/robots/new/"), 403, None),
    "hook_edit": Row(fixed("/robots/{hook}/edit/"), 404, None),
}

MODULES = ("issues.urls", "reports.urls", "users.urls", "audit.urls", "notify.urls", "outbox.urls")


def _names(patterns) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_every_url_is_in_the_table():
    import importlib

    names = set()
    for module in MODULES:
        names |= _names(importlib.import_module(module).urlpatterns)
    assert names - set(TABLE) == set(), "add a row for each new URL to TABLE"
    assert set(TABLE) - names == set()


def _status(client, row: Row, url: str) -> int:
    response = getattr(client, row.method)(url, row.data)
    return response.status_code


@pytest.mark.parametrize("name", sorted(TABLE))
def test_una_on_every_url(client, una, world, name):
    row = TABLE[name]
    client.force_login(una)
    if row.own is not None:
        url = row.url(world, OWN)
        assert _status(client, row, url) == row.own, f"{name} {url}"
    if row.other is not None:
        for side in (OTHER, "b"):
            url = row.url(world, side)
            assert _status(client, row, url) == row.other, f"{name} {url}"


def test_the_urls_in_the_table_are_the_real_ones(world):
    """Each row's address resolves to its own name (a wrong address would test nothing)."""
    resolver = get_resolver()
    for name, row in TABLE.items():
        for side in (OWN, OTHER):
            if (row.own if side == OWN else row.other) is None:
                continue
            url = row.url(world, side)
            assert resolver.resolve(url.split("?")[0]).url_name == name, url


# What the pages una may see show: only her unit's findings.


def test_the_ledger_lists_only_her_units_findings(client, una, world):
    client.force_login(una)
    html = client.get("/findings/").content.decode()
    assert f'data-finding="{world[OWN]["finding"].pk}"' in html
    assert 'data-count="total">1<' in html
    for side in (OTHER, "b"):
        assert world[side]["finding"].description not in html
    # Nothing in the filter's choices names another finding's unit or category.
    assert "区财政局" not in html.split("<tbody>")[0]
    assert "朝天" not in html


def test_the_county_dashboard_counts_only_her_units_findings(client, una, world):
    client.force_login(una)
    response = client.get(f"/counties/{world['county'].code}/")
    assert response.context["total"].total == 1
    html = response.content.decode()
    assert world[OTHER]["finding"].description not in html
    assert f"{world[OTHER]['finding'].pk}已开工。" not in html


def test_the_export_holds_only_her_units_findings(client, una, world):
    client.force_login(una)
    response = client.get("/findings/export.xlsx")
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(
        str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row if cell.value
    )
    assert world[OWN]["finding"].description in text
    assert world[OTHER]["finding"].description not in text


def test_the_menu_offers_only_her_pages(client, una, world):
    client.force_login(una)
    html = client.get("/my/").content.decode()
    nav = html.split('id="mainnav"')[1].split("</ul>")[0]
    assert "/findings/" in nav and "/my/" in nav
    for path in ("/reviews/", "/units/", "/reports/", "/imports/", "/findings/new/"):
        assert f'href="{path}"' not in nav, path


def test_the_finding_page_offers_her_no_edit_or_workflow(client, una, world):
    client.force_login(una)
    html = client.get(world[OWN]["finding"].get_absolute_url()).content.decode()
    assert "/edit/" not in html
    assert "/submit/" not in html and "#archive-request" not in html
    assert 'name="kind"' in html  # she may propose a result
    assert "签收" in html


# The account form: a county's system administrator makes a unit's contact.


def test_a_county_administrator_creates_a_unit_contact(client, ada, county_a, unit_a, county_b):
    other_unit = Factory.unit(county_b, "朝天区商务局")
    client.force_login(ada)
    page = client.get("/accounts/manage/new/").content.decode()
    assert "所在责任单位" in page and unit_a.name in page and other_unit.name not in page
    data = {
        "username": "nong",
        "full_name": "农业农村局联络员",
        "place": f"county:{county_a.pk}",
        "role": Role.UNIT_STAFF,
        "unit": "",
        "once": "t1",
    }
    response = client.post("/accounts/manage/new/", data)
    assert response.status_code == 200
    assert "责任单位联络员须选择所在的责任单位。" in response.content.decode()
    assert not User.objects.filter(username="nong").exists()
    response = client.post("/accounts/manage/new/", {**data, "unit": unit_a.pk, "once": "t2"})
    assert response.status_code == 200
    account = User.objects.get(username="nong")
    assert account.unit == unit_a and account.county == county_a
    assert account.role_names == {Role.UNIT_STAFF}


def test_a_unit_is_only_for_a_unit_contact(ada, county_a, unit_a):
    from django.core.exceptions import ValidationError

    from users import services as account_services

    with pytest.raises(ValidationError, match="只有责任单位联络员需要选择所在单位"):
        account_services.account_create(
            admin=ada,
            username="x",
            full_name="某",
            place=county_a,
            role=Role.COUNTY_STAFF,
            unit=unit_a,
        )


def test_an_outsiders_unit_is_refused(ada, county_a, county_b):
    from django.core.exceptions import ValidationError

    from users import services as account_services

    with pytest.raises(ValidationError, match="所选单位不属于"):
        account_services.account_create(
            admin=ada,
            username="x",
            full_name="某",
            place=county_a,
            role=Role.UNIT_STAFF,
            unit=Factory.unit(county_b, "朝天区商务局"),
        )


def test_the_world_is_what_the_table_assumes(world, una):
    """una's unit leads her finding, and is on no other."""
    own = world[OWN]["finding"]
    assert FindingUnit.objects.filter(finding=own, unit=una.unit).exists()
    assert not FindingUnit.objects.filter(finding=world[OTHER]["finding"], unit=una.unit).exists()
    assert set(Finding.objects.for_user(una)) == {own}
    assert Evidence.objects.for_user(una).get() == world[OWN]["evidence"]
    assert set(Progress.objects.for_user(una)) == {world[OWN]["note"], world[OWN]["unit_note"]}
    assert FindingRequest.objects.for_user(una).get() == world[OWN]["request"]
    assert re.match(r"^\d+$", str(world["notice"].pk))
    visible = set(Notification.objects.visible_to(una))
    assert world[OWN]["notification"] in visible
    assert not {world[OTHER]["notification"], world["b"]["notification"]} & visible
    assert world[OTHER]["notification"].recipient == una  # hers, on a finding she cannot see
