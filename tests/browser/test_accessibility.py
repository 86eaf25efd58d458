"""WCAG 2 A and AA (GB/T 37668-2019) on every page, for every role: axe-core's rules report
no violation.

axe-core is vendored for these tests only (tests/browser/vendor/, see its README); the site
never serves it. The site's Content-Security-Policy (script-src 'self') refuses an inline
<script>, so axe goes in through DevTools' evaluate, which the policy does not govern: the
pages themselves run under their real policy.

The demo (`load_demo`) is built once for the module, and every page of every role is checked
in that one pass, at 1280 px, and the pages a leader opens on a phone again at 390 px. Each
role's test then reports its pages' violations (rule, impact, the first elements), so one
failing role does not hide another's.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from issues.models import Finding
from tests.approvals import closeout_requested
from tests.browser.conftest import TIMEOUT_MS, PageProblems, _shot_path
from tests.browser.test_finding_journey import log_in as journey_log_in
from tests.conftest import PASSWORD, Factory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The pages a leader opens on a phone (issue 17): the ledger, a finding, 我的待办, the bell, the
# dashboards; axe checks them again at 390 px, where tables scroll inside their cards.
PHONE_PAGES = re.compile(
    r"^/(findings/(\d+/)?|my/|notifications/|counties/\d+/|provinces/\d+/|nation/)$"
)

COUNTY = "510811"  # 广元市昭化区, seed 000
PROVINCE = "510000"
NOTICE_PROVINCE = "360000"  # 江西省, whose notice the demo imports
NATIONAL = "nation-a11y"

# The roles and their accounts (the demo's, and one national user made here).
ROLES = {
    "anonymous": None,
    "county staff": f"staff-{COUNTY}",
    "county leader": f"leader-{COUNTY}",
    "unit liaison": f"unit-{COUNTY}-xz",
    "province reviewer": f"reviewer-{PROVINCE}",
    "notice province reviewer": f"reviewer-{NOTICE_PROVINCE}",
    "national user": NATIONAL,
    "account administrator": f"admin-{COUNTY}",
    "security administrator": f"security-{COUNTY}",
    "auditor": f"audit-{COUNTY}",
}


def role_pages(ids: dict) -> dict[str, list[str]]:
    """Each role's pages (paths), from the demo's rows."""
    finding, unit_finding = ids["finding"], ids["unit_finding"]
    return {
        "anonymous": ["/accounts/login/"],
        "county staff": [
            f"/counties/{COUNTY}/",
            "/findings/",
            f"/findings/{finding}/",
            f"/findings/{finding}/edit/",
            "/findings/new/",
            "/my/",
            "/notifications/",
            "/reviews/",
            f"/reviews/{ids['review']}/",
            f"/reviews/{ids['review']}/edit/",
            "/reviews/new/",
            "/reports/",
            f"/reports/{ids['report']}/",
            f"/reports/{ids['report']}/edit/",
            "/reports/new/",
            "/imports/",
            "/units/",
            "/units/new/",
            f"/units/{ids['unit']}/edit/",
            "/robots/",
            "/robots/new/",
            "/accounts/password/",
        ],
        "county leader": [
            f"/counties/{COUNTY}/",
            "/findings/",
            f"/findings/{finding}/",
            "/my/",
            "/notifications/",
            "/reports/",
        ],
        "unit liaison": [
            "/my/",
            "/findings/",
            f"/findings/{unit_finding}/",
            "/notifications/",
        ],
        "province reviewer": [
            f"/provinces/{PROVINCE}/",
            f"/counties/{COUNTY}/",
            "/findings/",
            f"/findings/{finding}/",
            "/my/",
            "/reviews/",
        ],
        "notice province reviewer": [
            f"/provinces/{NOTICE_PROVINCE}/",
            f"/notices/{ids['notice']}/",
            "/notices/new/",
            "/notices/import/",
        ],
        "national user": [
            "/nation/",
            f"/provinces/{PROVINCE}/",
            f"/counties/{COUNTY}/",
            "/findings/",
        ],
        "account administrator": [
            "/accounts/manage/",
            "/accounts/manage/new/",
            f"/accounts/manage/{ids['staff']}/",
        ],
        "security administrator": [
            "/accounts/manage/lockouts/",
            f"/accounts/manage/{ids['staff']}/roles/",
        ],
        "auditor": ["/audit/"],
    }


def build_demo(settings_media: Path) -> dict:
    """The demo, a national user, a notification for each reader; the rows the pages need."""
    from django.conf import settings

    from issues.models import Finding, Review, Unit, User
    from notify.models import Notification
    from notify.services import notify
    from reports.models import Report

    settings.MEDIA_ROOT = settings_media
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
    Factory.user(NATIONAL, is_national=True)
    unit_user = User.objects.get(username=ROLES["unit liaison"])
    finding = Finding.objects.filter(county__code=COUNTY).order_by("pk").first()
    unit_finding = Finding.objects.filter(unit_links__unit=unit_user.unit).order_by("pk").first()
    readers = User.objects.filter(username__in=[ROLES[r] for r in ROLES if ROLES[r]])
    notify(
        readers,
        kind=Notification.Kind.URGED,
        text="请尽快报送整改进展。",
        url=f"/findings/{finding.pk}/",
        finding=finding,
    )
    return {
        "finding": finding.pk,
        "unit_finding": unit_finding.pk,
        "review": Review.objects.filter(counties__code=COUNTY).order_by("pk").first().pk,
        "notice": Review.objects.filter(province__code=NOTICE_PROVINCE).order_by("pk").first().pk,
        "report": Report.objects.filter(county__code=COUNTY).order_by("pk").first().pk,
        "unit": Unit.objects.filter(county__code=COUNTY).order_by("pk").first().pk,
        "staff": User.objects.get(username=ROLES["county staff"]).pk,
    }


def check_page(page, path: str) -> list[dict]:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN_AXE, TAGS)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def check_role(browser, base_url: str, role: str, pages: list[str]) -> dict[str, list[dict]]:
    """{page: violations} for one role: each page at 1280 px, the key pages also on a phone.

    Problems the page itself reports (HTTP errors, script errors) count as violations too.
    """
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems(page).problems
    found: dict[str, list[dict]] = {}
    try:
        if ROLES[role]:
            log_in(page, ROLES[role])
        runs = [(path, DESK) for path in pages]
        runs += [(path, PHONE) for path in pages if PHONE_PAGES.match(path)]
        for path, viewport in runs:
            page.set_viewport_size(viewport)
            name = f"{path} ({viewport['width']} px)"
            found[name] = check_page(page, path)
            if problems:
                found[name].append(
                    {
                        "id": "page-problems",
                        "impact": "-",
                        "nodes": len(problems),
                        "targets": problems[:3],
                    }
                )
                problems.clear()
            if found[name]:
                page.screenshot(path=_shot_path("a11y", f"{role}-{name}"), full_page=True)
    finally:
        context.close()
    return found


@pytest.fixture(scope="module")
def axe_results(browser, live_server, django_db_blocker, tmp_path_factory):
    """{role: {page: [violation, …]}} for every page of every role, from one demo."""
    with django_db_blocker.unblock():
        try:
            ids = build_demo(tmp_path_factory.mktemp("media"))
            return {
                role: check_role(browser, live_server.url, role, pages)
                for role, pages in role_pages(ids).items()
            }
        finally:
            call_command("flush", interactive=False, verbosity=0)


def describe(found: dict[str, list[dict]]) -> str:
    lines = []
    for path, violations in found.items():
        for v in violations:
            targets = "; ".join(v["targets"])
            lines.append(f"{path}: {v['id']} ({v['impact']}, {v['nodes']} nodes) {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("role", list(ROLES))
def test_no_wcag_violation(axe_results, role):
    found = {path: v for path, v in axe_results[role].items() if v}
    assert not found, f"WCAG 2 A/AA violations for {role}:\n" + describe(found)


def test_keyboard_skip_link_and_visible_focus(new_page, screenshot, alice, finding_a):
    """The first Tab shows the skip link; following it puts the next Tab inside the content;
    whatever has the keyboard's focus wears a ring."""
    page = new_page()
    journey_log_in(page, "alice", "/findings/")
    # The navigation says which page this is, to a screen reader as to the eye.
    current = page.locator('nav a[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_have_text("问题台账")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert outline(page) != "none"
    screenshot(page, "skip-link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, page.evaluate("document.activeElement.outerHTML")
    assert outline(page) != "none"
    screenshot(page, "focus-in-content")


def outline(page) -> str:
    """The focused element's outline style (or its box-shadow ring, as Bootstrap's fields)."""
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== "none" ? s.outlineStyle : s.boxShadow; }"""
    )


def test_a_leader_approves_a_closeout_with_the_keyboard_alone(
    new_page, screenshot, alice, lee, finding_a
):
    """From the top of the finding page, Tab reaches 同意销号 — every stop on the way wearing
    a visible ring, none hidden off-screen — and Enter approves it."""
    closeout_requested(finding_a, staff=alice)
    detail = f"/findings/{finding_a.pk}/"
    page = new_page()
    journey_log_in(page, "lee", detail)
    page.locator("body").focus()
    for _ in range(120):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement; const r = e.getBoundingClientRect();
            return {text: e.innerText || e.value || e.getAttribute("aria-label") || "",
                    tag: e.tagName, visible: r.width > 0 && r.height > 0}; }"""
        )
        assert focused["visible"], f"focus on something unseen: {focused}"
        assert outline(page) != "none", f"no focus ring on {focused}"
        if "同意销号" in focused["text"]:
            break
    else:
        pytest.fail("Tab never reached 同意销号")
    screenshot(page, "approve-focused")
    page.keyboard.press("Enter")
    expect(page.locator(".alert-success")).to_contain_text("已同意销号。")
    finding_a.refresh_from_db()
    assert finding_a.status == Finding.Status.CLOSED
    screenshot(page, "approved")
