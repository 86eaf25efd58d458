"""催办 in a real browser: the county leader urges 区农业农村局 on a finding from its page;
the unit's contact logs in, sees 1 on the bell (also in the phone's collapsed menu bar),
opens the notification and lands on the finding, where the urge is shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from issues.models import Role, Urge
from tests.browser.test_finding_journey import log_in
from tests.browser.test_requests_journey import log_out, shots
from tests.conftest import Factory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "请于本周内报送农村物流站点建设进展。"


def test_leader_urges_a_unit_and_its_contact_sees_it(
    new_page, screenshot, lee, alice, county_a, review_a
):
    nyj = Factory.unit(county_a, "区农业农村局")
    contact = Factory.user("unit-nyj", Role.UNIT_STAFF, county=county_a, unit=nyj)
    finding = Factory.finding(
        alice, county_a, review_a, description="农村物流站点建设滞后。", units=[nyj]
    )
    contact.refresh_from_db()
    contact.unread_notifications = 0  # the assignment's notification: not this journey's
    contact.save(update_fields=["unread_notifications"])
    contact.notifications.all().delete()
    detail = f"/findings/{finding.pk}/"

    # --- The leader urges the unit ----------------------------------------------------------
    page = new_page()
    log_in(page, "lee", detail)
    card = page.locator("#urges")
    card.locator("summary", has_text="催办责任单位").click()
    form = card.locator("#urge-form")
    form.get_by_label("催办单位").select_option(label="区农业农村局")
    form.get_by_label("催办内容").fill(MESSAGE)
    form.get_by_role("button", name="发出催办").click()
    expect(page.locator(".alert-success")).to_contain_text("已催办区农业农村局。")
    expect(page.locator(".urge-alert")).to_contain_text(MESSAGE)
    expect(page.locator("#history")).to_contain_text("催办 区农业农村局：" + MESSAGE)
    shots(page, screenshot, "leader-urged")
    assert Urge.objects.get().unit == nyj
    log_out(page)

    # --- The unit's contact sees the bell ---------------------------------------------------
    log_in(page, "unit-nyj", "/notifications/")
    bell = page.locator(".notification-bell")
    expect(bell.locator("[data-unread]")).to_have_text(re.compile(r"^1"))
    shots(page, screenshot, "contact-list")
    for width in (390, 768):  # the menu collapsed: the bell stays in the bar
        page.set_viewport_size({"width": width, "height": 900})
        expect(page.locator(".navbar-toggler")).to_be_visible()
        expect(bell).to_be_visible()
        expect(bell.locator("[data-unread]")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    item = page.locator(".notification-unread").first
    expect(item).to_contain_text(MESSAGE)
    item.locator("a").click()
    expect(page).to_have_url(re.compile(re.escape(detail) + "#urges$"))
    expect(page.locator(".urge-alert")).to_contain_text(MESSAGE)
    expect(page.locator("#urges")).to_contain_text("待回复")
    # Read: the bell is quiet now.
    expect(page.locator(".notification-bell [data-unread]")).to_have_count(0)
    # The contact may not urge (no form), but answers by reporting progress.
    expect(page.locator("#urge-form")).to_have_count(0)
    shots(page, screenshot, "contact-finding")
    assert page.problems == [], page.problems
