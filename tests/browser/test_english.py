"""The English switch leaves no Chinese outside the data (issue 17 item 7): on the county and
province dashboards, the ledger, a finding and 我的待办, the visible text (the charts' legends
and axes included: ECharts draws them as SVG text) has no CJK character except in what people
typed or imported — county, unit and category names, findings, notes — which the test takes
from the database, and in elements marked data-user-text. The 整改情况报告 and the other
official documents are written and sent in Chinese whatever the interface's language: their
preview declares itself lang="zh-Hans" and is left out, the page around it is checked."""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from playwright.sync_api import expect

from tests.browser.conftest import overflow
from tests.browser.test_finding_journey import log_in
from tests.browser.test_requests_journey import WIDTHS, shots
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTY = "510811"  # 广元市昭化区, seed 000
PROVINCE = "360000"  # 江西省, seed 001
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

# The text nodes the user sees, with the nearest element's tag and class (to find them).
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest("script, style, template, noscript, [data-user-text]")) continue;
    const part = el.closest("[lang]");  // a part of the page in Chinese, declared so
    if (part !== document.documentElement && part.lang.toLowerCase().startsWith("zh")) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
    out.push([node.textContent.trim(), el.tagName.toLowerCase() + "." + el.className]);
  }
  return out;
}"""


def data_strings() -> list[str]:
    """Every text value stored in the database (what people typed or imported): whole, with
    its whitespace run together as the page shows it, and line by line."""
    values = set()
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        for row in model.objects.values_list(*fields) if fields else []:
            for value in row:
                if value and CJK.search(value):
                    values.add(" ".join(str(value).split()))
                    values.update(line.strip() for line in str(value).splitlines())
    return sorted((v for v in values if len(v) > 1), key=len, reverse=True)


def chinese_outside_data(page, data: list[str]) -> list[tuple[str, str]]:
    found = []
    for text, where in page.evaluate(VISIBLE_TEXT):
        rest = " ".join(text.split())
        # A value cut short (…) in a list or a chart's axis: the text's end is its start.
        if rest.endswith(("…", "...")):
            stem = rest.rstrip("….").strip()
            for i in range(len(stem)):
                if any(v.startswith(stem[i:]) for v in data):
                    rest = stem[:i]
                    break
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        if CJK.search(rest):
            found.append((text, where))
    return found


def first_link(page, pattern: str) -> str:
    """The first link in the page's main part whose href matches the pattern."""
    hrefs = page.locator("main a[href]").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    href = next((h for h in hrefs if re.match(pattern, h)), None)
    assert href, f"no link matching {pattern} on {page.url}"
    return href


def switch_to_english(page) -> None:
    page.locator("#language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_english_pages_have_no_chinese_outside_data(new_page, screenshot, demo):
    data = data_strings()
    page = new_page()
    log_in(page, f"leader-{COUNTY}", f"/counties/{COUNTY}/")
    switch_to_english(page)
    problems = {}

    def check(name: str) -> None:
        expect(page.locator("h1").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        shots(page, screenshot, name)  # the legend and the breadcrumbs at each width
        for width in WIDTHS:  # English words are longer: the navigation still fits
            page.set_viewport_size({"width": width, "height": 900})
            too_wide = overflow(page)
            if too_wide > 0:
                problems.setdefault(name, []).append((f"{too_wide}px too wide", f"{width}px"))
        page.set_viewport_size({"width": 1280, "height": 900})
        problems.setdefault(name, []).extend(chinese_outside_data(page, data))

    check("county")
    page.goto("/findings/")
    check("ledger")
    page.locator("table.ledger tbody tr a").first.click()
    expect(page).to_have_url(re.compile(r"/findings/\d+/$"))
    check("finding")
    page.goto("/my/")
    check("my-work")
    page.goto("/reviews/")
    check("reviews")
    page.goto(first_link(page, r"^/reviews/\d+/$"))
    check("review")
    page.goto("/reports/")
    check("reports")
    page.goto(first_link(page, r"^/reports/\d+/$"))
    check("report")
    page.goto("/units/")
    check("units")
    page.goto("/notifications/")
    check("notifications")

    page = new_page()
    log_in(page, f"reviewer-{PROVINCE}", f"/provinces/{PROVINCE}/")
    switch_to_english(page)
    check("province")
    assert not any(problems.values()), "\n".join(
        f"{name}: {text!r} in {where}" for name, found in problems.items() for text, where in found
    )


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
