"""python manage.py send_reminders: daily digests, in Chinese, to each lead unit's contact, the
county office and the county leaders; once a day; one failing recipient stops nobody."""

from __future__ import annotations

import datetime as dt
import io
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.mail import send_mail as real_send_mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues import reminders, services
from issues.models import Finding, FindingUnit, ReminderLog, Role, Unit
from tests import approvals
from tests.conftest import Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2019, 9, 10)
SITE = "https://rectify.example.cn"
# Queries build_mails makes, whatever the number of findings.
BUILD_MAILS_QUERIES = 7


@pytest.fixture(autouse=True)
def clock(settings):
    settings.SITE_URL = SITE
    settings.RECTIFY_WARNING_DAYS = 7  # the findings are laid out around a week's warning
    with time_machine.travel(dt.datetime(2019, 9, 10, 7, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


def with_email(user, email: str):
    user.email = email
    user.save()
    return user


@pytest.fixture
def people(alice, lee, bob, rita, nina, county_a):
    with_email(alice, "alice@zhaohua.gov.cn")
    with_email(lee, "lee@zhaohua.gov.cn")
    with_email(bob, "bob@chaotian.gov.cn")
    with_email(rita, "rita@sc.gov.cn")
    with_email(nina, "nina@mofcom.gov.cn")
    # Staff without an address, and a former colleague: no mail for them.
    Factory.user("carol", Role.COUNTY_STAFF, county=county_a)
    gone = with_email(
        Factory.user("gone", Role.COUNTY_STAFF, county=county_a), "gone@zhaohua.gov.cn"
    )
    gone.is_active = False
    gone.save()


@pytest.fixture
def units(unit_a, unit_a2):
    Unit.objects.filter(pk=unit_a.pk).update(contact="王科长", email="shangwu@zhaohua.gov.cn")
    Unit.objects.filter(pk=unit_a2.pk).update(contact="", email="caizheng@zhaohua.gov.cn")
    return Unit.objects.get(pk=unit_a.pk), Unit.objects.get(pk=unit_a2.pk)


@pytest.fixture
def ledger(people, units, alice, lee, bob, county_a, county_b, review_a, review_b, factory):
    shangwu, caizheng = units
    unit_b = factory.unit(county_b, "朝天区商务局")
    Unit.objects.filter(pk=unit_b.pk).update(email="shangwu@chaotian.gov.cn")
    quiet = factory.unit(county_a, "区交通局")  # no address

    def finding(description, deadline, lead, *others, county=county_a, review=review_a, **kw):
        user = alice if county == county_a else bob
        return factory.finding(
            user,
            county,
            review,
            description=description,
            deadline=deadline,
            units=[lead, *others],
            **kw,
        )

    f = {
        "overdue": finding("村级站点运营效果欠佳。", dt.date(2019, 9, 1), shangwu),
        "submitted": finding("资金支付台账不全。", dt.date(2019, 9, 5), shangwu),
        "soon": finding("物流资源未实现整合。", dt.date(2019, 9, 15), caizheng, shangwu),
        "quiet": finding("农村公路未硬化。", dt.date(2019, 9, 2), quiet),
        "later": finding("培训完成率较低。", dt.date(2019, 10, 30), shangwu),
        "undated": finding("品牌培育不够。", None, shangwu),
        "closed": finding(
            "公共服务中心未建设。",
            dt.date(2019, 8, 1),
            shangwu,
            status=Finding.Status.CLOSED,
            closed_on=dt.date(2019, 8, 20),
        ),
        "archived": finding("重复登记的问题。", dt.date(2019, 9, 1), shangwu),
        "b": finding(
            "朝天区站点未运营。", dt.date(2019, 9, 3), unit_b, county=county_b, review=review_b
        ),
    }
    services.finding_start(user=alice, finding=f["submitted"])
    services.finding_submit_closeout(
        user=alice, finding=f["submitted"], result="已补齐台账。", evidence_waiver="见系统台账。"
    )
    approvals.archive(f["archived"], staff=alice, leader=lee)
    return f


def run() -> str:
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue()


def by_recipient(outbox) -> dict:
    mails = {}
    for message in outbox:
        assert len(message.to) == 1
        assert message.to[0] not in mails, f"two mails to {message.to[0]}"
        mails[message.to[0]] = message
    return mails


def link(finding: Finding) -> str:
    return f"{SITE}/findings/{finding.pk}/"


EVERYONE = {
    "shangwu@zhaohua.gov.cn",
    "caizheng@zhaohua.gov.cn",
    "alice@zhaohua.gov.cn",
    "lee@zhaohua.gov.cn",
    "bob@chaotian.gov.cn",
    "shangwu@chaotian.gov.cn",
}


def test_who_gets_a_mail(ledger, mailoutbox):
    output = run()
    assert set(by_recipient(mailoutbox)) == EVERYONE
    assert output.strip() == "2019-09-10: 6 sent, 0 already sent today, 0 failed"


def test_lead_unit_digest(ledger, mailoutbox):
    run()
    mail = by_recipient(mailoutbox)["shangwu@zhaohua.gov.cn"]
    assert mail.subject == "【整改台账】广元市昭化区区商务和经济合作局：2个问题已逾期，0个即将到期"
    body = mail.body
    assert body.startswith("王科长：您单位牵头的整改问题提醒（2019年9月10日）\n")
    assert "一、已逾期（2个）" in body
    assert "即将到期(" not in body
    assert "- [逾期9天] 商务部复核组 1.（1） 村级站点运营效果欠佳。" in body
    assert "完成时限：2019年9月1日；状态：未整改" in body
    assert "- [逾期5天] 商务部复核组 1.（2） 资金支付台账不全。" in body
    assert "完成时限：2019年9月5日；状态：已申请销号" in body
    assert link(ledger["overdue"]) in body and link(ledger["submitted"]) in body
    # Cooperating on a finding is not leading it.
    assert "物流资源未实现整合" not in body
    assert "请及时推进整改、填报进展并上传佐证材料。" in body


def test_unit_without_a_contact_name_is_addressed_by_name(ledger, mailoutbox):
    run()
    mail = by_recipient(mailoutbox)["caizheng@zhaohua.gov.cn"]
    assert mail.subject == "【整改台账】广元市昭化区区财政局：0个问题已逾期，1个即将到期"
    assert mail.body.startswith("区财政局：您单位牵头的整改问题提醒（2019年9月10日）\n")
    assert "二、7天内到期（1个）" in mail.body
    assert "- [剩5天] 商务部复核组 1.（3） 物流资源未实现整合。" in mail.body
    assert link(ledger["soon"]) in mail.body


def test_county_office_digest(ledger, mailoutbox):
    run()
    mail = by_recipient(mailoutbox)["alice@zhaohua.gov.cn"]
    assert mail.subject == "【整改台账】广元市昭化区：3个问题已逾期，1个即将到期"
    body = mail.body
    assert body.startswith("广元市昭化区整改问题提醒（2019年9月10日）\n")
    assert "一、已逾期（3个）" in body
    assert "二、7天内到期（1个）" in body
    for name in ("overdue", "submitted", "quiet", "soon"):
        assert link(ledger[name]) in body, name
    assert "朝天区" not in body


def test_leader_summary(ledger, mailoutbox):
    run()
    mail = by_recipient(mailoutbox)["lee@zhaohua.gov.cn"]
    assert mail.subject == "【整改台账】广元市昭化区：3个问题逾期，1个销号申请待审批"
    body = mail.body
    assert body.startswith("广元市昭化区整改情况摘要（2019年9月10日）\n")
    assert "已逾期未销号的问题：3个" in body
    assert "等待您审批的销号申请：1个" in body
    pending = body[body.index("等待您审批的销号申请") :]
    assert "- 商务部复核组 资金支付台账不全。" in pending
    assert link(ledger["submitted"]) in pending
    assert "物流资源未实现整合" not in body  # due soon is for the office, not the leader


def test_other_county_gets_its_own(ledger, mailoutbox):
    run()
    mails = by_recipient(mailoutbox)
    assert mails["bob@chaotian.gov.cn"].subject == (
        "【整改台账】广元市朝天区：1个问题已逾期，0个即将到期"
    )
    for address in ("bob@chaotian.gov.cn", "shangwu@chaotian.gov.cn"):
        body = mails[address].body
        assert link(ledger["b"]) in body
        assert "昭化" not in body


def test_only_overdue_and_due_soon_open_findings(ledger, mailoutbox):
    run()
    everything = "\n".join(m.subject + m.body for m in mailoutbox)
    for name in ("later", "undated", "closed", "archived"):
        assert ledger[name].description not in everything, name
        assert link(ledger[name]) not in everything, name
    assert "rita@sc.gov.cn" not in by_recipient(mailoutbox)
    assert "nina@mofcom.gov.cn" not in by_recipient(mailoutbox)


def test_nothing_to_say_sends_nothing(people, units, mailoutbox):
    assert run().strip() == "2019-09-10: 0 sent, 0 already sent today, 0 failed"
    assert mailoutbox == []
    assert not ReminderLog.objects.exists()


# Once a day


def test_second_run_the_same_day_sends_nothing(clock, ledger, mailoutbox):
    run()
    assert len(mailoutbox) == 6
    logs = ReminderLog.objects.all()
    assert {(log.recipient, log.status, log.day) for log in logs} == {
        (address, ReminderLog.Status.SENT, TODAY) for address in EVERYONE
    }
    kinds = {log.recipient: (log.kind, log.items, log.county.code) for log in logs}
    assert kinds["shangwu@zhaohua.gov.cn"] == (ReminderLog.Kind.UNIT, 2, "510811")
    assert kinds["alice@zhaohua.gov.cn"] == (ReminderLog.Kind.OFFICE, 4, "510811")
    assert kinds["lee@zhaohua.gov.cn"] == (ReminderLog.Kind.LEADER, 4, "510811")

    clock.shift(dt.timedelta(hours=8))
    assert run().strip() == "2019-09-10: 0 sent, 6 already sent today, 0 failed"
    assert len(mailoutbox) == 6
    assert ReminderLog.objects.count() == 6


def test_the_next_day_sends_again(clock, ledger, mailoutbox):
    run()
    clock.shift(dt.timedelta(days=1))
    assert run().strip() == "2019-09-11: 6 sent, 0 already sent today, 0 failed"
    assert len(mailoutbox) == 12
    # Counted from the new day.
    second = by_recipient(mailoutbox[6:])
    assert "- [逾期10天] 商务部复核组 1.（1） 村级站点运营效果欠佳。" in (
        second["shangwu@zhaohua.gov.cn"].body
    )
    assert ReminderLog.objects.filter(day=dt.date(2019, 9, 11)).count() == 6


# One failing recipient


def failing_for(address: str):
    def send(subject, body, from_email, recipients, **kwargs):
        if address in recipients:
            raise ConnectionRefusedError(f"550 mailbox unavailable: {address}")
        return real_send_mail(subject, body, from_email, recipients, **kwargs)

    return send


def test_a_failing_recipient_does_not_stop_the_others(ledger, mailoutbox):
    with mock.patch.object(reminders, "send_mail", side_effect=failing_for("alice@zhaohua.gov.cn")):
        output = run()
    assert output.strip() == "2019-09-10: 5 sent, 0 already sent today, 1 failed"
    assert set(by_recipient(mailoutbox)) == EVERYONE - {"alice@zhaohua.gov.cn"}
    failed = ReminderLog.objects.get(status=ReminderLog.Status.FAILED)
    assert failed.recipient == "alice@zhaohua.gov.cn"
    assert failed.kind == ReminderLog.Kind.OFFICE
    assert "550 mailbox unavailable" in failed.error
    assert ReminderLog.objects.filter(status=ReminderLog.Status.SENT).count() == 5

    # The next run retries the failed one only.
    assert run().strip() == "2019-09-10: 1 sent, 5 already sent today, 0 failed"
    assert [m.to for m in mailoutbox[5:]] == [["alice@zhaohua.gov.cn"]]
    assert ReminderLog.objects.filter(
        recipient="alice@zhaohua.gov.cn", status=ReminderLog.Status.SENT
    ).exists()
    assert ReminderLog.objects.filter(status=ReminderLog.Status.FAILED).count() == 1


def test_two_overlapping_runs_send_each_mail_once(ledger, mailoutbox):
    """A second run that starts while the first is still sending (a retried cron job, two
    hosts) claims only what the first has not: every mail goes out once."""
    real_send = reminders.send_mail
    nested = []
    started = []

    def send_and_start_another_run(*args, **kwargs):
        if not started:  # while the first run's first mail is going out
            started.append(True)
            nested.append(reminders.send_reminders(TODAY))
        return real_send(*args, **kwargs)

    with mock.patch.object(reminders, "send_mail", side_effect=send_and_start_another_run):
        outer = reminders.send_reminders(TODAY)
    assert set(by_recipient(mailoutbox)) == EVERYONE  # six mails, none twice
    assert (nested[0].sent, nested[0].skipped) == (5, 1)
    assert (outer.sent, outer.skipped) == (1, 5)
    assert ReminderLog.objects.filter(status=ReminderLog.Status.SENT).count() == 6


def test_every_send_is_logged(ledger, mailoutbox, caplog):
    with caplog.at_level("INFO", logger="rectify.reminders"):
        with mock.patch.object(
            reminders, "send_mail", side_effect=failing_for("lee@zhaohua.gov.cn")
        ):
            run()
    lines = [r.getMessage() for r in caplog.records if r.name == "rectify.reminders"]
    assert len(lines) == 6
    assert any(re.match(r"reminder to lee@zhaohua.gov.cn failed: 550", line) for line in lines)
    assert "reminder sent to shangwu@zhaohua.gov.cn (unit, 2 items)" in lines


# A fixed number of queries


def grow(alice, county_a, review_a, unit, n: int, factory) -> None:
    for i in range(n):
        finding = factory.finding(
            alice,
            county_a,
            review_a,
            description=f"批量问题{i}",
            deadline=TODAY - dt.timedelta(days=1 + i % 5),
            units=[unit],
        )
        if i % 3 == 0:
            services.finding_start(user=alice, finding=finding)
            services.finding_submit_closeout(
                user=alice, finding=finding, result="已整改。", evidence_waiver="现场查验。"
            )


def build_queries() -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        mails = reminders.build_mails(TODAY)
    return len(queries), mails


def test_build_mails_queries_do_not_grow(people, units, alice, county_a, review_a, factory):
    shangwu, _ = units
    grow(alice, county_a, review_a, shangwu, 3, factory)
    few, mails = build_queries()
    assert few == BUILD_MAILS_QUERIES
    assert {m.items for m in mails if m.kind == ReminderLog.Kind.UNIT} == {3}
    grow(alice, county_a, review_a, shangwu, 27, factory)
    many, mails = build_queries()
    assert many == BUILD_MAILS_QUERIES
    assert {m.items for m in mails if m.kind == ReminderLog.Kind.UNIT} == {30}
    assert FindingUnit.objects.filter(unit=shangwu).count() == 30
