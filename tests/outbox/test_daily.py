"""manage.py send_outbox: each county's digest to its office's robots (企业微信, 钉钉 signed),
overdue SMS to the lead units' contacts with a mobile, the reminder mails; recorded, never
sent twice, failures retried by the next run. The robots and the SMS gateway are a local
server (tests/outbox/conftest.py)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
from unittest import mock
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues import services as issue_services
from issues.models import ReminderLog
from outbox import selectors, services
from outbox.backends.wecom import WeComBackend
from outbox.models import Delivery, RobotHook
from tests.conftest import Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2019, 9, 10, 7, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
SITE = "https://rectify.example.cn"
SECRET = "SEC0123456789abcdef"


@pytest.fixture(autouse=True)
def clock(settings):
    settings.SITE_URL = SITE
    settings.RECTIFY_OUTBOX_CHANNELS = ["wecom", "dingtalk", "sms"]
    settings.RECTIFY_SMS_BACKEND = "outbox.backends.sms.gateway.GatewayBackend"
    settings.RECTIFY_SMS_GATEWAY_TOKEN = "t0ken"
    with time_machine.travel(NOW, tick=False) as t:
        yield t


@pytest.fixture
def ledger(alice, bob, county_a, county_b, review_a, review_b, unit_a, unit_a2, factory):
    def finding(description, deadline, *units, county=county_a, review=review_a, user=alice):
        return factory.finding(
            user, county, review, description=description, deadline=deadline, units=list(units)
        )

    f = {
        "overdue": finding("村级站点运营效果欠佳。", dt.date(2019, 9, 1), unit_a, unit_a2),
        "soon": finding("物流资源未实现整合。", dt.date(2019, 9, 12), unit_a2, unit_a),
        "later": finding("培训完成率较低。", dt.date(2019, 9, 15), unit_a),
        "submitted": finding("资金支付台账不全。", dt.date(2019, 10, 30), unit_a),
        "b": finding(
            "朝天区站点未运营。",
            dt.date(2019, 9, 3),
            factory.unit(county_b, "区商务局"),
            county=county_b,
            review=review_b,
            user=bob,
        ),
    }
    issue_services.finding_start(user=alice, finding=f["submitted"])
    issue_services.finding_submit_closeout(
        user=alice, finding=f["submitted"], result="已补齐台账。", evidence_waiver="见系统台账。"
    )
    return f


def hook(endpoint, county, path, kind=RobotHook.Kind.WECOM, **fields) -> RobotHook:
    return RobotHook.objects.create(
        county=county, name=path, kind=kind, url=endpoint.url(path), **fields
    )


@pytest.fixture
def hooks(endpoint, county_a, county_b, unit_a, settings):
    settings.RECTIFY_SMS_GATEWAY_URL = endpoint.url("/sms")
    return {
        "wecom": hook(endpoint, county_a, "/wecom/a"),
        "dingtalk": hook(
            endpoint,
            county_a,
            "/dingtalk/a?access_token=abc",
            kind=RobotHook.Kind.DINGTALK,
            secret=SECRET,
        ),
        "off": hook(endpoint, county_a, "/wecom/off", active=False),
        "unit": hook(endpoint, county_a, "/wecom/unit", unit=unit_a),
        "b": hook(endpoint, county_b, "/wecom/b"),
    }


@pytest.fixture
def mobiles(una, county_a, unit_a, unit_a2, alice):
    una.mobile = "13900000001"
    una.save()
    Factory.user("quiet", county=county_a, unit=unit_a)  # no mobile: no SMS
    Factory.user("gone", county=county_a, unit=unit_a, mobile="13900000002", is_active=False)
    Factory.user("cai", county=county_a, unit=unit_a2, mobile="13900000003")  # leads no overdue
    alice.mobile = "13900000009"  # the office: no overdue SMS
    alice.save()


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_outbox", *args, stdout=out)
    return out.getvalue().strip()


def link(finding) -> str:
    return f"{SITE}/findings/{finding.pk}/"


def county_a_digest(f) -> str:
    return (
        "### 广元市昭化区整改提醒（2019年9月10日）\n"
        "\n"
        "**已逾期：1个**\n"
        '- <font color="warning">逾期9天</font> 商务部复核组 1.(1) '
        f"[村级站点运营效果欠佳。]({link(f['overdue'])})（时限：2019年9月1日）\n"
        "\n"
        "**3天内到期：1个**\n"
        "- 剩2天 商务部复核组 1.(2) "
        f"[物流资源未实现整合。]({link(f['soon'])})（时限：2019年9月12日）\n"
        "\n"
        "**销号申请待审批：1个**\n"
        "- 剩50天 商务部复核组 1.(4) "
        f"[资金支付台账不全。]({link(f['submitted'])})（时限：2019年10月30日）\n"
        "\n"
        f"[打开整改台账]({SITE}/)"
    )


def test_the_county_robots_get_the_digest(ledger, hooks, mobiles, endpoint):
    assert run() == "2019-09-10: 4 sent, 0 already sent or in hand, 0 failed"
    [wecom] = endpoint.posted("/wecom/a")
    assert wecom.headers["Content-Type"] == "application/json; charset=utf-8"
    assert wecom.json == {"msgtype": "markdown", "markdown": {"content": county_a_digest(ledger)}}
    # The other county's robot gets its own; a switched-off robot and a unit's robot none.
    [b] = endpoint.posted("/wecom/b")
    content = b.json["markdown"]["content"]
    assert content.startswith("### 广元市朝天区整改提醒（2019年9月10日）\n")
    assert link(ledger["b"]) in content and "昭化" not in content
    assert endpoint.posted("/wecom/off") == [] and endpoint.posted("/wecom/unit") == []
    assert "培训完成率较低" not in wecom.body  # due in 5 days: beyond the 3 warning days


def test_dingtalk_digest_is_signed(ledger, hooks, endpoint):
    run("--channels", "dingtalk")
    [ding] = endpoint.posted("/dingtalk/a")
    assert ding.json == {
        "msgtype": "markdown",
        "markdown": {
            "title": "广元市昭化区整改提醒（2019年9月10日）",
            "text": county_a_digest(ledger),
        },
    }
    timestamp = int(NOW.timestamp() * 1000)
    digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    assert ding.query == {
        "access_token": ["abc"],
        "timestamp": [str(timestamp)],
        # parse_qs decodes the URL encoding once: what is left is the base64 signature.
        "sign": [base64.b64encode(digest).decode()],
    }
    assert endpoint.posted("/wecom/a") == []  # only the channels asked for


def test_dingtalk_without_a_secret_is_not_signed(ledger, hooks, endpoint):
    RobotHook.objects.filter(pk=hooks["dingtalk"].pk).update(secret="")
    run("--channels", "dingtalk")
    [ding] = endpoint.posted("/dingtalk/a")
    assert ding.query == {"access_token": ["abc"]}


def test_the_signature_is_url_encoded():
    from outbox.backends.dingtalk import signature, signed_url

    sign = signature(1568070000000, SECRET)
    raw = base64.b64encode(
        hmac.new(SECRET.encode(), f"1568070000000\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == quote_plus(raw)
    robot = "https://oapi.dingtalk.com/robot/send?access_token=x"
    assert signed_url(robot, SECRET, 1) == f"{robot}&timestamp=1&sign={signature(1, SECRET)}"


def test_overdue_sms_only_to_lead_unit_contacts_with_a_mobile(ledger, hooks, mobiles, endpoint):
    run("--channels", "sms")
    [sms] = endpoint.posted("/sms")
    assert sms.headers["Authorization"] == "Bearer t0ken"
    text = (
        "区商务和经济合作局：您单位牵头的1个整改问题已逾期，"
        "请尽快推进整改并在整改台账填报进展。（2019年9月10日）"
    )
    assert sms.json == {
        "mobile": "13900000001",
        "content": f"【整改台账】{text}",
        "sign": "整改台账",
    }
    delivery = Delivery.objects.get(channel="sms")
    assert (delivery.kind, delivery.user.username, delivery.status) == ("overdue", "una", "sent")


def test_console_sms_is_the_default(ledger, mobiles, settings, caplog):
    settings.RECTIFY_SMS_BACKEND = "outbox.backends.sms.console.ConsoleBackend"
    with caplog.at_level("WARNING", logger="rectify.outbox.sms"):
        run("--channels", "sms")
    [line] = [r.getMessage() for r in caplog.records if r.name == "rectify.outbox.sms"]
    assert line.startswith(
        'SMS (console, not sent): {"mobile": "13900000001", "text": "【整改台账】区商务'
    )
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_second_run_sends_nothing_twice(ledger, hooks, mobiles, endpoint, clock):
    run()
    assert len(endpoint.requests) == 4
    clock.shift(dt.timedelta(hours=6))
    assert run() == "2019-09-10: 0 sent, 4 already sent or in hand, 0 failed"
    assert len(endpoint.requests) == 4
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    payload = Delivery.objects.get(hook=hooks["wecom"]).payload
    assert json.loads(payload) == endpoint.posted("/wecom/a")[0].json
    # The next day is a new digest.
    clock.shift(dt.timedelta(days=1))
    run()
    assert len(endpoint.requests) == 8


def test_a_failure_is_recorded_and_retried_by_the_next_run(ledger, hooks, endpoint):
    endpoint.status = 500
    assert run("--channels", "wecom") == "2019-09-10: 0 sent, 0 already sent or in hand, 2 failed"
    failed = Delivery.objects.get(hook=hooks["wecom"])
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "500" in failed.last_error and failed.sent_at is None

    endpoint.status = 200
    # The retries send; the day's digests, found recorded, are not sent again.
    assert run("--channels", "wecom") == "2019-09-10: 2 sent, 2 already sent or in hand, 0 failed"
    retried = Delivery.objects.get(hook=hooks["wecom"])
    assert (retried.status, retried.attempts, retried.retried) == ("sent", 2, True)
    assert retried.last_error == ""
    first, second = endpoint.posted("/wecom/a")
    assert first.body == second.body
    assert Delivery.objects.count() == 2
    run("--channels", "wecom")
    assert len(endpoint.posted("/wecom/a")) == 2


def test_a_refusal_in_the_answer_is_a_failure(ledger, hooks, endpoint):
    endpoint.answer = {"errcode": 310000, "errmsg": "sign not match"}
    run("--channels", "dingtalk")
    failed = Delivery.objects.get(hook=hooks["dingtalk"])
    assert failed.status == "failed"
    assert failed.last_error == "errcode 310000: sign not match"


def test_a_timeout_is_a_failure(ledger, hooks, endpoint, settings):
    settings.RECTIFY_OUTBOX_TIMEOUT = 0.3
    endpoint.delay = 1
    run("--channels", "wecom")
    failed = Delivery.objects.get(hook=hooks["wecom"])
    assert failed.status == "failed" and "timed out" in failed.last_error
    assert len(endpoint.posted("/wecom/a")) == 1  # no retry inside the run


def test_gives_up_after_the_attempts_allowed(ledger, hooks, endpoint, settings):
    settings.RECTIFY_OUTBOX_MAX_ATTEMPTS = 2
    endpoint.status = 500
    for _ in range(3):
        run("--channels", "wecom")
    assert len(endpoint.posted("/wecom/a")) == 2
    assert Delivery.objects.get(hook=hooks["wecom"]).attempts == 2


def test_yesterdays_failed_digest_is_not_sent_today(ledger, hooks, endpoint, clock):
    endpoint.status = 500
    run("--channels", "wecom")
    endpoint.status = 200
    clock.shift(dt.timedelta(days=1))
    run("--channels", "wecom")
    [_, today] = endpoint.posted("/wecom/a")
    assert "（2019年9月11日）" in today.json["markdown"]["content"]
    stale = Delivery.objects.get(dedupe_key=f"digest:2019-09-10:hook:{hooks['wecom'].pk}")
    assert stale.status == "failed"


def test_two_overlapping_runs_send_each_message_once(ledger, hooks, endpoint):
    real_send = WeComBackend.send
    nested = []
    started = []

    def send_and_start_another_run(self, message):
        if not started:  # while the first run's first message is going out
            started.append(True)
            nested.append(services.daily(TODAY, ["wecom"]))
        return real_send(self, message)

    with mock.patch.object(WeComBackend, "send", send_and_start_another_run):
        outer = services.daily(TODAY, ["wecom"])
    assert sorted(r.path for r in endpoint.requests) == ["/wecom/a", "/wecom/b"]
    assert (nested[0].sent, nested[0].skipped) == (1, 1)
    assert (outer.sent, outer.skipped) == (1, 1)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_claim_left_by_a_dead_run_is_taken_back(ledger, hooks, endpoint, clock):
    run("--channels", "wecom")
    Delivery.objects.update(status=Delivery.Status.SENDING, sent_at=None)
    run("--channels", "wecom")
    assert len(endpoint.requests) == 2  # a fresh claim may still be going out
    clock.shift(services.STALE_CLAIM + dt.timedelta(minutes=1))
    run("--channels", "wecom")
    assert len(endpoint.requests) == 4


def test_email_is_the_reminder_mails_once(ledger, hooks, settings, alice, mailoutbox):
    alice.email = "alice@zhaohua.gov.cn"
    alice.save()
    settings.RECTIFY_OUTBOX_CHANNELS = ["email"]
    assert run() == "2019-09-10: 1 sent, 0 already sent or in hand, 0 failed"
    [mail] = mailoutbox
    assert mail.to == ["alice@zhaohua.gov.cn"]
    # The same count as the robots' digest: one warning rule (RECTIFY_WARNING_DAYS) for both.
    assert mail.subject == "【整改台账】广元市昭化区：1个问题已逾期，1个即将到期"
    assert ReminderLog.objects.get().status == ReminderLog.Status.SENT
    # The old command and the new one share the record: nothing goes twice.
    call_command("send_reminders", stdout=io.StringIO())
    assert run() == "2019-09-10: 0 sent, 1 already sent or in hand, 0 failed"
    assert len(mailoutbox) == 1


def test_channels_switched_off_send_nothing(ledger, hooks, mobiles, endpoint, settings):
    settings.RECTIFY_OUTBOX_CHANNELS = []
    assert run() == "2019-09-10: 0 sent, 0 already sent or in hand, 0 failed"
    assert endpoint.requests == []


def digest_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        selectors.county_digests(TODAY)
    return len(queries)


def test_the_digest_queries_do_not_grow(ledger, alice, county_a, review_a, unit_a, factory):
    few = digest_queries()
    for i in range(10):
        factory.finding(
            alice, county_a, review_a, description=f"批量{i}", deadline=TODAY, units=[unit_a]
        )
    assert digest_queries() == few == 2
    assert len(selectors.county_digests(TODAY)[county_a.pk].soon) == 11


def test_an_unknown_channel_is_refused():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="unknown channels: fax"):
        run("--channels", "wecom,fax")


def test_the_digest_lists_the_findings_urged_and_not_answered(ledger, hooks, lee, unit_a, endpoint):
    later = ledger["later"]
    issue_services.finding_urge(user=lee, finding=later, message="请本周内报送进展。", unit=unit_a)
    run("--channels", "wecom")
    [wecom] = endpoint.posted("/wecom/a")
    content = wecom.json["markdown"]["content"]
    assert (
        "**被催办未回复：1个**\n"
        "- 剩5天 商务部复核组 1.(3) "
        f"[培训完成率较低。]({link(later)})（时限：2019年9月15日）\n"
    ) in content
