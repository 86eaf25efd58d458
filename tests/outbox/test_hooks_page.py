"""/robots/: a county's 企业微信 and 钉钉 robots, kept by its staff (the "unit.manage"
ability, like its units): staff 200, another county's robot 404, a unit contact or a leader
403, https required, a repeated submit saves one robot."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from outbox.models import RobotHook
from tests.conftest import PASSWORD

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def hook_a(county_a):
    return RobotHook.objects.create(county=county_a, name="整改工作群", kind="wecom", url=WECOM)


@pytest.fixture
def hook_b(county_b):
    return RobotHook.objects.create(county=county_b, name="朝天区群", kind="wecom", url=WECOM)


def form(client, **data) -> dict:
    page = client.get(reverse("hook_create")).content.decode()
    token = re.search(r'name="once" value="([^"]+)"', page)
    fields = {"name": "整改工作群", "kind": "wecom", "url": WECOM, "active": "on"}
    if token:
        fields["once"] = token.group(1)
    return {**fields, **data}


def test_staff_see_their_countys_robots(client, alice, hook_a, hook_b):
    response = login(client, alice).get(reverse("hook_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "整改工作群" in page and "朝天区群" not in page
    assert WECOM not in page  # the key stays out of the list
    # The menu offers the page to the staff, and not to the leader.
    home = client.get(reverse("home"), follow=True).content.decode()
    assert f'href="{reverse("hook_list")}"' in home


def test_the_menu_hides_it_from_others(client, lee):
    home = login(client, lee).get(reverse("home"), follow=True)
    assert home.status_code == 200
    assert f'href="{reverse("hook_list")}"' not in home.content.decode()


def test_staff_add_a_robot_once(client, alice, unit_a, county_a):
    login(client, alice)
    data = form(client, unit=unit_a.pk)
    response = client.post(reverse("hook_create"), data)
    assert response.status_code == 302
    again = client.post(reverse("hook_create"), data)
    assert again.status_code == 302
    hook = RobotHook.objects.get()
    assert (hook.county, hook.unit, hook.created_by) == (county_a, unit_a, alice)


def test_https_is_required(client, alice):
    login(client, alice)
    response = client.post(
        reverse("hook_create"), form(client, url="http://qyapi.weixin.qq.com/x?key=1")
    )
    assert response.status_code == 200
    assert "机器人地址必须以 https:// 开头。" in response.content.decode()
    assert not RobotHook.objects.exists()


def test_local_http_only_where_allowed(settings, county_a):
    hook = RobotHook(county=county_a, name="测试", kind="wecom", url="http://127.0.0.1:8/x")
    with pytest.raises(Exception, match="https"):
        hook.full_clean()
    settings.RECTIFY_OUTBOX_ALLOW_LOCAL_HTTP = True
    hook.full_clean()


def test_a_secret_is_for_dingtalk_only(client, alice):
    login(client, alice)
    response = client.post(reverse("hook_create"), form(client, secret="SECabc"))
    assert "只有钉钉机器人需要加签密钥。" in response.content.decode()
    client.post(
        reverse("hook_create"),
        form(
            client,
            kind="dingtalk",
            url="https://oapi.dingtalk.com/robot/send?access_token=x",
            secret="SECabc",
        ),
    )
    assert RobotHook.objects.get().secret == "SECabc"


def test_staff_switch_a_robot_off(client, alice, hook_a):
    login(client, alice)
    data = {"name": hook_a.name, "kind": "wecom", "url": WECOM}  # "active" unticked
    assert client.post(reverse("hook_edit", args=[hook_a.pk]), data).status_code == 302
    hook_a.refresh_from_db()
    assert not hook_a.active


def test_another_countys_robot_is_not_found(client, bob, hook_a):
    login(client, bob)
    assert client.get(reverse("hook_edit", args=[hook_a.pk])).status_code == 404


@pytest.mark.parametrize("who", ["una", "lee"])
def test_unit_contacts_and_leaders_may_not(client, who, request, hook_a):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("hook_list")).status_code == 403
    assert client.get(reverse("hook_create")).status_code == 403
    assert client.post(reverse("hook_create"), {"name": "x"}).status_code == 403


def test_the_units_of_another_county_are_not_offered(client, alice, county_b, factory):
    other = factory.unit(county_b, "朝天区商务局")
    login(client, alice)
    response = client.post(reverse("hook_create"), form(client, unit=other.pk))
    assert response.status_code == 200
    assert not RobotHook.objects.exists()


def test_wrong_method(client, alice):
    login(client, alice)
    assert client.post(reverse("hook_list")).status_code == 405


def test_the_list_costs_the_same_for_many_robots(
    client, alice, county_a, unit_a, unit_a2, django_assert_num_queries
):
    login(client, alice)

    def add(n):
        for i in range(n):
            RobotHook.objects.create(
                county=county_a,
                name=f"群{i}",
                kind="wecom",
                url=WECOM,
                unit=[unit_a, unit_a2][i % 2],
            )

    add(2)
    with django_assert_num_queries(QUERIES):
        client.get(reverse("hook_list"))
    add(10)
    with django_assert_num_queries(QUERIES):
        assert client.get(reverse("hook_list")).content.decode().count("群") >= 12


# The session, the user, their groups, their county (the ability asks of it), the robots
# with their units.
QUERIES = 5
