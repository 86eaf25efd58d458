"""Phones (390×844) and tablets (768×1024): every page a leader or the staff open fits the width.

On the demo (`load_demo`): 广元市昭化区 (seed 000) for the county's staff and leader, Jiangxi for
the province's reviewer, and a national user made here. At each width, for each page: the page
does not scroll sideways, the key fields a leader decides on (lead unit, deadline, status) lie
within the width, and each navigation link is one line. Screenshots at both widths and at
1280 px, to look at.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from issues import services
from issues.models import Finding, User
from tests.browser.conftest import overflow
from tests.browser.test_finding_journey import log_in
from tests.conftest import PASSWORD, Factory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTY = "510811"  # 广元市昭化区, seed 000
PROVINCE = "360000"  # 江西省, seed 001
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 900}
NAV_EXPANDS = {"width": 1200, "height": 900}

# In the ledger (table or cards): the cells a leader decides on.
LEDGER_KEYS = ("td.lead-unit", "td.deadline", "td.status")


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
    Factory.user("nina", is_national=True)


def assert_fits(page, where: str) -> None:
    """No sideways scrolling of the page, and each navigation link on one line."""
    too_wide = overflow(page)
    assert too_wide <= 0, f"{where}: the page is {too_wide} px too wide"
    toggler = page.locator("nav.navbar .navbar-toggler")
    if toggler.is_visible():
        # The collapsed menu: open it and look at its links too.
        toggler.click()
        expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    for link in page.locator("nav.navbar .nav-link").all():
        lines = link.evaluate(
            "el => { const s = getComputedStyle(el);"
            " return Math.round(el.getBoundingClientRect().height"
            " - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom))"
            " / parseFloat(s.lineHeight); }"
        )
        assert round(lines) == 1, f"{where}: the nav link {link.inner_text()!r} takes {lines} lines"
    language = page.locator("#language-select")
    box = language.bounding_box()
    assert box and box["width"] >= 60, f"{where}: the language switch is {box}"
    assert language.evaluate("el => el.options[el.selectedIndex].text") in language.inner_text()
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#mainnav")).to_be_hidden()


def assert_within_width(page, selector: str, where: str, at_least: int = 1) -> None:
    """Each element matching selector (at least at_least of them) lies within the width."""
    width = page.viewport_size["width"]
    elements = page.locator(selector).all()
    assert len(elements) >= at_least, f"{where}: {selector} not found"
    for element in elements[:10]:
        box = element.bounding_box()
        assert box, f"{where}: {selector} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (
            f"{where}: {selector} at {box['x']:.0f}..{box['x'] + box['width']:.0f} of {width} px"
        )


def look(page, screenshot, name: str, keys=(), at_least: int = 1) -> None:
    """The page at a phone's and a tablet's size (asserted) and at a desktop's (screenshot)."""
    for size in (PHONE, TABLET):
        page.set_viewport_size(size)
        where = f"{name} at {size['width']} px"
        for selector in keys:
            assert_within_width(page, selector, where, at_least)
        assert_fits(page, where)
        screenshot(page, f"{name}-{size['width']}")
    # At the width where the navigation expands (Bootstrap's xl), its bar is one line.
    page.set_viewport_size(NAV_EXPANDS)
    assert_fits(page, f"{name} at 1200 px")
    bar = page.locator("#mainnav").bounding_box()
    assert bar and bar["height"] <= 56, (
        f"{name} at 1200 px: the navigation is {bar['height']} px tall"
    )
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1280")


def test_small_screens(new_page, screenshot, demo):
    findings = Finding.objects.filter(county__code=COUNTY).order_by("pk")
    finding = findings.first()
    open_finding = findings.filter(status=Finding.Status.IN_PROGRESS).first()
    page = new_page()
    log_in(page, f"staff-{COUNTY}", "/findings/")
    look(page, screenshot, "staff-ledger", LEDGER_KEYS)
    page.goto(f"/findings/{finding.pk}/")
    look(page, screenshot, "staff-finding")
    page.goto("/my/")
    look(page, screenshot, "staff-my-work")
    page.goto(f"/counties/{COUNTY}/")
    look(page, screenshot, "staff-county")
    page.goto("/notifications/")
    look(page, screenshot, "staff-notifications")

    page = new_page()
    log_in(page, f"leader-{COUNTY}", "/my/")
    look(page, screenshot, "leader-my-work")
    page.goto(f"/counties/{COUNTY}/")
    look(page, screenshot, "leader-county")
    page.goto("/findings/?not_closed=on")
    look(page, screenshot, "leader-ledger", LEDGER_KEYS)

    # A close-out to approve: on a phone the approve and return buttons are large.
    services.finding_submit_closeout(
        user=User.objects.get(username=f"staff-{COUNTY}"),
        finding=open_finding,
        result="已完成整改。",
        evidence_waiver="现场核查，无需佐证材料。",
    )
    page.goto(f"/findings/{open_finding.pk}/")
    buttons = page.locator("#workflow .workflow-decision button")
    expect(buttons.first).to_be_visible()
    look(page, screenshot, "leader-closeout", ("#workflow .workflow-decision button",), 2)
    page.set_viewport_size(PHONE)
    for button in buttons.all():
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (button.inner_text(), box)

    # The close-out request reached the leader's notifications.
    page.goto("/notifications/")
    expect(page.locator(".notification").first).to_be_visible()
    look(page, screenshot, "leader-notifications", (".notification",))

    # The menu open on a tablet: one line a link, the language readable.
    page.set_viewport_size(TABLET)
    page.locator("nav.navbar .navbar-toggler").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    screenshot(page, "leader-menu-768")

    # The province's reviewer and a national user.
    page = new_page()
    log_in(page, f"reviewer-{PROVINCE}", f"/provinces/{PROVINCE}/")
    look(page, screenshot, "province", ("table.province-table tbody td.key",), at_least=7)
    page.goto("/findings/")
    look(page, screenshot, "province-ledger", LEDGER_KEYS)

    assert User.objects.filter(username="nina").exists()
    page = new_page()
    log_in(page, "nina", "/nation/")
    look(page, screenshot, "nation", ("table.province-table tbody td.key",))
    # The national ledger's filter: a province first, then its counties.
    page.goto("/findings/")
    look(page, screenshot, "nation-ledger", LEDGER_KEYS)
    page.select_option("select[name=province]", label="江西省")
    page.click("#ledger-filters button[type=submit]")
    page.wait_for_url("**/findings/?*province=*")
    look(page, screenshot, "nation-ledger-province", LEDGER_KEYS)
    assert page.locator("select[name=county] option").count() > 1
