"""County staff edit an existing finding in Chromium with JavaScript on (issue 11): every
edit a person makes saves what the page shows — change nothing, reorder two measures, remove a
unit, add a row and leave it blank; the deadline is locked; the same holds on a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from issues import services
from issues.models import Finding, FindingUnit

from .test_finding_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

R = FindingUnit.Role.RESPONSIBLE


def measures_of(finding) -> list[str]:
    return list(finding.measures.order_by("order").values_list("text", flat=True))


def units_of(finding) -> list[str]:
    return [link.unit.name for link in finding.unit_links.select_related("unit").order_by("order")]


def open_edit(page, finding) -> None:
    page.goto(f"/findings/{finding.pk}/")
    page.get_by_role("link", name="修改").click()
    expect(page).to_have_url(re.compile(rf"/findings/{finding.pk}/edit/$"))
    expect(page.locator("fieldset[data-prefix=measures].js-enabled")).to_have_count(1)


def save(page, finding) -> None:
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/findings/{finding.pk}/$"))
    expect(page.locator(".alert-success")).to_contain_text("修改已保存。")


def test_staff_edit_an_existing_finding_with_javascript(
    new_page, screenshot, alice, finding_a, unit_a, unit_a2
):
    page = new_page()
    log_in(page, "alice", f"/findings/{finding_a.pk}/")

    # 1. Change nothing and save.
    open_edit(page, finding_a)
    screenshot(page, "edit-form")
    save(page, finding_a)
    finding = Finding.objects.get(pk=finding_a.pk)
    assert finding.version == 2
    assert measures_of(finding) == ["第一条措施", "第二条措施"]
    assert units_of(finding) == [unit_a.name, unit_a2.name]

    # 2. Reorder the two measures with the arrows.
    open_edit(page, finding)
    measures = page.locator("fieldset[data-prefix=measures]")
    measures.locator("[data-row]").nth(1).get_by_role("button", name="上移").click()
    expect(measures.locator("[data-row]:visible textarea").first).to_have_value("第二条措施")
    save(page, finding)
    assert measures_of(finding) == ["第二条措施", "第一条措施"]

    # 3. Remove a unit.
    open_edit(page, finding)
    units = page.locator("fieldset[data-prefix=units]")
    units.locator("[data-row]").nth(1).get_by_role("button", name="删除此行").click()
    expect(units.locator("[data-row]:visible")).to_have_count(2)  # the lead + the blank row
    save(page, finding)
    assert units_of(finding) == [unit_a.name]

    # 4. Add a row of each kind and leave them blank; change the result.
    open_edit(page, finding)
    page.get_by_role("button", name="添加一条措施").click()
    page.get_by_role("button", name="添加一个单位").click()
    page.get_by_label("整改结果").fill("已完成选址。")
    screenshot(page, "blank-rows-added")
    save(page, finding)
    finding.refresh_from_db()
    assert finding.result == "已完成选址。"
    assert measures_of(finding) == ["第二条措施", "第一条措施"]
    assert units_of(finding) == [unit_a.name]
    assert finding.version == 5


def test_the_deadline_is_locked_and_an_extension_is_offered(new_page, alice, finding_a):
    page = new_page()
    log_in(page, "alice", f"/findings/{finding_a.pk}/")
    open_edit(page, finding_a)
    deadline = page.get_by_label("完成时限")
    expect(deadline).to_be_disabled()
    expect(deadline).to_have_value("2019-10-30")
    expect(page.get_by_text("完成时限已确定，不能在此修改")).to_be_visible()
    expect(page.get_by_role("link", name="申请延期")).to_have_attribute(
        "href", f"/findings/{finding_a.pk}/#requests"
    )
    save(page, finding_a)
    finding = Finding.objects.get(pk=finding_a.pk)
    assert finding.deadline == finding.original_deadline == dt.date(2019, 10, 30)


def test_a_closed_finding_has_no_edit_and_its_edit_page_sends_back(new_page, alice, lee, finding_a):
    services.finding_start(user=alice, finding=finding_a)
    services.finding_submit_closeout(
        user=alice, finding=finding_a, result="已完成。", evidence_waiver="现场查验。"
    )
    services.finding_close(user=lee, finding=finding_a)
    page = new_page()
    log_in(page, "alice", f"/findings/{finding_a.pk}/")
    expect(page.get_by_role("link", name="修改")).to_have_count(0)
    page.goto(f"/findings/{finding_a.pk}/edit/")
    expect(page).to_have_url(re.compile(rf"/findings/{finding_a.pk}/$"))
    expect(page.locator(".alert-danger, .alert-error")).to_contain_text("已销号")


@pytest.mark.parametrize("width", [390, 768])
def test_editing_on_a_phone_and_a_tablet(new_page, screenshot, alice, finding_a, width):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "alice", f"/findings/{finding_a.pk}/")
    open_edit(page, finding_a)
    page.get_by_role("button", name="添加一条措施").click()
    page.locator("fieldset[data-prefix=measures] textarea").nth(2).fill("新增：每月通报进度")
    screenshot(page, f"edit-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save(page, finding_a)
    assert measures_of(Finding.objects.get(pk=finding_a.pk))[-1] == "新增：每月通报进度"
