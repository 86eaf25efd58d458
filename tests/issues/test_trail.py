"""Breadcrumbs (issue 17 item 5): 全国 › 省 › 县 › 问题, each level linked only for those who
may open it, on the dashboards, the ledger, a finding and 我的待办."""

import re

import pytest
from django.urls import reverse

from issues.templatetags.trail import crumbs

pytestmark = pytest.mark.django_db


def trail_of(html: str) -> list[tuple[str, str]]:
    """(label, href or "") of each crumb on the page."""
    nav = re.search(r'<nav aria-label="当前位置" class="breadcrumb-trail">(.*?)</nav>', html, re.S)
    assert nav, "no breadcrumbs"
    items = re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(.*?)</li>', nav.group(1), re.S)
    out = []
    for item in items:
        link = re.match(r'<a href="([^"]*)">(.*)</a>', item)
        out.append((link.group(2), link.group(1)) if link else (item, ""))
    return out


def test_national_user_sees_the_whole_trail(nina, finding_a):
    county, province = finding_a.county, finding_a.county.province
    assert crumbs(nina, finding_a) == [
        ("全国", reverse("nation_dashboard")),
        (province.name, reverse("province_dashboard", args=[province.code])),
        (county.display_short_name, reverse("county_dashboard", args=[county.code])),
        ("问题台账", reverse("finding_list")),
        (str(finding_a.review), f"{reverse('finding_list')}?review={finding_a.review_id}"),
        (f"{finding_a.category.order}.({finding_a.order})", ""),
    ]


def test_steps_below_a_finding(nina, finding_a):
    """A page of a finding's (修改, 撤回整改进展) links the finding itself."""
    trail = crumbs(nina, finding_a, ("修改",), review="复核反馈")
    assert trail[-3:] == [
        ("复核反馈", f"{reverse('finding_list')}?review={finding_a.review_id}"),
        (f"{finding_a.category.order}.({finding_a.order})", finding_a.get_absolute_url()),
        ("修改", ""),
    ]


def test_steps_are_label_url_pairs_then_the_page(alice, county_a):
    assert crumbs(alice, None, ("检查", "/reviews/", "第一轮", "/reviews/1/", "修改")) == [
        (county_a.display_short_name, f"/counties/{county_a.code}/"),
        ("检查", "/reviews/"),
        ("第一轮", "/reviews/1/"),
        ("修改", ""),
    ]


def test_province_reviewer_has_no_national_crumb(rita, county_a):
    assert crumbs(rita, county_a) == [
        (county_a.province.name, reverse("province_dashboard", args=[county_a.province.code])),
        (county_a.display_short_name, ""),
    ]


def test_county_staff_start_at_their_county(client, alice, finding_a):
    client.force_login(alice)
    html = client.get(finding_a.get_absolute_url()).content.decode()
    county = finding_a.county
    trail = trail_of(html)
    assert trail[0] == (county.display_short_name, f"/counties/{county.code}/")
    assert ("问题台账", "/findings/") in trail
    assert "/nation/" not in html and "全国" not in dict(trail)
    assert reverse("province_dashboard", args=[county.province.code]) not in html


def test_ledger_and_my_work(client, lee, county_a):
    client.force_login(lee)
    for url, here in ((reverse("finding_list"), "问题台账"), (reverse("my_work"), "我的待办")):
        trail = trail_of(client.get(url).content.decode())
        assert trail == [
            (county_a.display_short_name, f"/counties/{county_a.code}/"),
            (here, ""),
        ]


@pytest.mark.parametrize(
    "name, here",
    [
        ("review_list", "检查"),
        ("review_create", "添加检查"),
        ("unit_list", "责任单位"),
        ("unit_create", "新增单位"),
        ("notification_list", "通知"),
        ("report_list", "整改情况报告"),
        ("import_start", "导入台账"),
        ("finding_create", "登记问题"),
    ],
)
def test_pages_below_the_county_have_a_trail(client, alice, county_a, name, here):
    client.force_login(alice)
    response = client.get(reverse(name))
    assert response.status_code == 200
    trail = trail_of(response.content.decode())
    assert trail[0] == (county_a.display_short_name, f"/counties/{county_a.code}/")
    assert trail[-1] == (here, "")


def test_finding_edit_trail_links_the_finding(client, alice, finding_a):
    client.force_login(alice)
    html = client.get(reverse("finding_edit", args=[finding_a.pk])).content.decode()
    trail = trail_of(html)
    number = f"{finding_a.category.order}.({finding_a.order})"
    assert (number, finding_a.get_absolute_url()) in trail
    assert trail[-1] == ("修改", "")


def test_top_level_has_no_trail(client, alice, county_a):
    """A county's own dashboard is its staff's top level: no trail of one crumb."""
    client.force_login(alice)
    html = client.get(reverse("county_dashboard", args=[county_a.code])).content.decode()
    assert "breadcrumb-trail" not in html


def test_province_dashboard_trail_for_a_national_user(client, nina, province):
    client.force_login(nina)
    html = client.get(reverse("province_dashboard", args=[province.code])).content.decode()
    assert trail_of(html) == [("全国", "/nation/"), (province.name, "")]
