"""An immediate 催办 message: when issues.events.finding_urged is sent (by the urge service,
inside its transaction), the outbox sends, once the transaction commits, to the urged unit's
robots (the county office's when it has none) and by SMS to the unit's contacts with a
mobile. Most tests send the signal with a stand-in carrying an Urge's fields; the first goes
through the urge service itself."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import types
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from issues import events, services
from outbox.models import Delivery, RobotHook
from tests.conftest import Factory

SITE = "https://rectify.example.cn"
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def setup(settings):
    settings.SITE_URL = SITE
    settings.RECTIFY_OUTBOX_CHANNELS = ["wecom", "dingtalk", "sms"]
    settings.RECTIFY_SMS_BACKEND = "outbox.backends.sms.gateway.GatewayBackend"
    moment = dt.datetime(2019, 9, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture
def robots(endpoint, county_a, county_b, unit_a, settings):
    settings.RECTIFY_SMS_GATEWAY_URL = endpoint.url("/sms")

    def hook(path, county=county_a, **fields):
        return RobotHook.objects.create(
            county=county, name=path, kind="wecom", url=endpoint.url(path), **fields
        )

    return {
        "office": hook("/office"),
        "unit": hook("/unit", unit=unit_a),
        "b": hook("/b", county=county_b),
    }


@pytest.fixture
def contacts(una, county_a, unit_a, unit_a2, alice):
    una.mobile = "13900000001"
    una.save()
    Factory.user("quiet", county=county_a, unit=unit_a)
    Factory.user("cai", county=county_a, unit=unit_a2, mobile="13900000003")
    alice.mobile = "13900000009"
    alice.save()


def urge(finding, unit, message="请于本周内报送整改进展。", reply_by=dt.date(2019, 9, 13)):
    """What the urge service hands the signal: an Urge's fields."""
    return types.SimpleNamespace(
        pk=next(_ids),
        finding=finding,
        unit=unit,
        unit_id=unit.pk if unit else None,
        message=message,
        reply_by=reply_by,
    )


def send(django_capture_on_commit_callbacks, the_urge, user):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.finding_urged.send(sender=None, urge=the_urge, user=user)


def test_the_urge_service_sends_once_committed(
    finding_a, unit_a, lee, robots, contacts, endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.finding_urge(
            user=lee,
            finding=finding_a,
            message="请于本周内报送整改进展。",
            reply_by=dt.date(2019, 9, 13),
            unit=unit_a,
        )
    [robot] = endpoint.posted("/unit")
    assert "> 请于本周内报送整改进展。" in robot.json["markdown"]["content"]
    [sms] = endpoint.posted("/sms")
    assert sms.json["mobile"] == "13900000001"


def test_urge_goes_to_the_units_robot_and_its_contacts_phones(
    finding_a, unit_a, lee, robots, contacts, endpoint, django_capture_on_commit_callbacks
):
    lee.first_name = "李县长"
    lee.save()
    send(django_capture_on_commit_callbacks, urge(finding_a, unit_a), lee)
    [robot] = endpoint.posted("/unit")
    assert robot.json == {
        "msgtype": "markdown",
        "markdown": {
            "content": (
                "### 催办：区商务和经济合作局\n"
                "**商务部复核组 县级公共服务中心未开始建设。**\n"
                "> 请于本周内报送整改进展。\n"
                "\n"
                "催办人：李县长\n"
                "请于2019年9月13日前答复\n"
                f"[查看问题]({SITE}/findings/{finding_a.pk}/)"
            )
        },
    }
    assert endpoint.posted("/office") == [] and endpoint.posted("/b") == []
    [sms] = endpoint.posted("/sms")
    assert sms.json == {
        "mobile": "13900000001",
        "content": (
            "【整改台账】区商务和经济合作局：李县长催办“县级公共服务中心未开始建设。”："
            "请于本周内报送整改进展。请于2019年9月13日前答复。"
        ),
        "sign": "整改台账",
    }
    kinds = set(Delivery.objects.values_list("kind", "channel", "status"))
    assert kinds == {("urge", "wecom", "sent"), ("urge", "sms", "sent")}


def test_a_unit_without_a_robot_is_urged_in_the_office_group(
    finding_a, unit_a2, lee, robots, contacts, endpoint, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks, urge(finding_a, unit_a2, reply_by=None), lee)
    [robot] = endpoint.posted("/office")
    assert robot.json["markdown"]["content"].startswith("### 催办：区财政局\n")
    assert "前答复" not in robot.json["markdown"]["content"]  # no reply-by date given
    [sms] = endpoint.posted("/sms")
    assert sms.json["mobile"] == "13900000003"


def test_the_province_urging_the_county_reaches_the_office(
    finding_a, rita, robots, contacts, endpoint, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks, urge(finding_a, None), rita)
    [robot] = endpoint.posted("/office")
    assert robot.json["markdown"]["content"].startswith("### 催办：广元市昭化区\n")
    [sms] = endpoint.posted("/sms")
    assert sms.json["mobile"] == "13900000009"  # alice, the office's staff


def test_nothing_is_sent_before_the_urge_is_committed(
    finding_a, unit_a, lee, robots, contacts, endpoint
):
    with transaction.atomic():
        events.finding_urged.send(sender=None, urge=urge(finding_a, unit_a), user=lee)
    # The test's transaction never commits: the on_commit callback never runs.
    assert endpoint.requests == []
    assert not Delivery.objects.exists()


def test_a_failed_urge_is_retried_by_the_daily_run_once(
    finding_a, unit_a, lee, robots, contacts, endpoint, django_capture_on_commit_callbacks
):
    endpoint.status = 500
    the_urge = urge(finding_a, unit_a)
    send(django_capture_on_commit_callbacks, the_urge, lee)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"failed"}
    endpoint.status = 200
    call_command("send_outbox", "--channels", "wecom,sms", stdout=io.StringIO())
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 2)}
    # The same urge heard again (a repeated signal) sends nothing twice.
    send(django_capture_on_commit_callbacks, the_urge, lee)
    assert len(endpoint.posted("/unit")) == 2 and len(endpoint.posted("/sms")) == 2
