"""Daily reminder mails: each lead unit's contact and the county office get a digest of their
overdue and due-soon findings; the county leaders a summary with the close-out requests
waiting for them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from rectify.lib.text import chinese_date

from .models import County, Finding, FindingUnit, ReminderLog, Role, Unit, User

log = logging.getLogger("rectify.reminders")


@dataclasses.dataclass
class Mail:
    kind: str
    county: County
    recipient: str
    subject: str
    body: str
    items: int


def _line(f: Finding, today: dt.date) -> str:
    days = f.days_left(today)
    when = chinese_date(f.deadline) if f.deadline else "无时限"
    state = f"逾期{-days}天" if days is not None and days < 0 else f"剩{days}天"
    return (
        f"- [{state}] {f.review.team} {f.category.order}.({f.order}) {f.short_description}\n"
        f"  完成时限:{when};状态:{f.get_status_display()}\n"
        f"  {settings.SITE_URL.rstrip('/')}{f.get_absolute_url()}"
    )


def _digest(title: str, overdue: list, soon: list, today: dt.date) -> str:
    parts = [title, ""]
    if overdue:
        parts += [f"一、已逾期({len(overdue)}个)", *(_line(f, today) for f in overdue), ""]
    if soon:
        days = settings.RECTIFY_DUE_SOON_DAYS
        parts += [f"二、{days}天内到期({len(soon)}个)", *(_line(f, today) for f in soon), ""]
    parts += ["请及时推进整改、填报进展并上传佐证材料。", "", "—— 整改台账(系统自动发送,请勿回复)"]
    return "\n".join(parts)


def _split(findings: list[Finding], today: dt.date) -> tuple[list, list]:
    overdue = [f for f in findings if f.is_overdue(today)]
    soon = [f for f in findings if f.is_due_soon(today)]
    return overdue, soon


def build_mails(today: dt.date) -> list[Mail]:
    """The day's mails for every county, gathered with a fixed number of queries."""
    soon_until = today + dt.timedelta(days=settings.RECTIFY_DUE_SOON_DAYS)
    watched = (
        Finding.objects.active()
        .open()
        .filter(deadline__lte=soon_until)
        .select_related("county", "review", "category")
        .prefetch_related(
            Prefetch(
                "unit_links",
                queryset=FindingUnit.objects.filter(role=FindingUnit.Role.RESPONSIBLE)
                .select_related("unit")
                .order_by("order", "id"),
            )
        )
        .in_ledger_order()
    )
    submitted = (
        Finding.objects.active()
        .filter(status=Finding.Status.SUBMITTED)
        .select_related("county", "review", "category")
    )
    by_county: dict[int, list[Finding]] = {}
    by_unit: dict[int, list[Finding]] = {}
    for f in watched:
        by_county.setdefault(f.county_id, []).append(f)
        links = list(f.unit_links.all())
        if links:
            by_unit.setdefault(links[0].unit_id, []).append(f)
    waiting: dict[int, list[Finding]] = {}
    for f in submitted:
        waiting.setdefault(f.county_id, []).append(f)

    county_ids = set(by_county) | set(waiting)
    counties = County.objects.in_bulk(county_ids)
    users = User.objects.filter(county_id__in=county_ids, is_active=True).exclude(email="")
    users = users.prefetch_related("groups")
    mails: list[Mail] = []

    for unit in Unit.objects.filter(pk__in=by_unit).exclude(email="").select_related("county"):
        overdue, soon = _split(by_unit[unit.pk], today)
        name = unit.county.display_short_name
        mails.append(
            Mail(
                ReminderLog.Kind.UNIT,
                unit.county,
                unit.email,
                f"【整改台账】{name}{unit.name}:{len(overdue)}个问题已逾期,{len(soon)}个即将到期",
                _digest(
                    f"{unit.contact or unit.name}:您单位牵头的整改问题提醒({chinese_date(today)})",
                    overdue,
                    soon,
                    today,
                ),
                len(overdue) + len(soon),
            )
        )
    for user in users:
        county = counties[user.county_id]
        groups = {g.name for g in user.groups.all()}
        name = county.display_short_name
        if Role.COUNTY_STAFF in groups and by_county.get(county.pk):
            overdue, soon = _split(by_county[county.pk], today)
            mails.append(
                Mail(
                    ReminderLog.Kind.OFFICE,
                    county,
                    user.email,
                    f"【整改台账】{name}:{len(overdue)}个问题已逾期,{len(soon)}个即将到期",
                    _digest(f"{name}整改问题提醒({chinese_date(today)})", overdue, soon, today),
                    len(overdue) + len(soon),
                )
            )
        if Role.COUNTY_LEADER in groups:
            overdue, _soon = _split(by_county.get(county.pk, []), today)
            pending = waiting.get(county.pk, [])
            if not (overdue or pending):
                continue
            body = [f"{name}整改情况摘要({chinese_date(today)})", ""]
            body.append(f"已逾期未销号的问题:{len(overdue)}个")
            body += [_line(f, today) for f in overdue]
            body += ["", f"等待您审批的销号申请:{len(pending)}个"]
            body += [
                f"- {f.review.team} {f.short_description}\n"
                f"  {settings.SITE_URL.rstrip('/')}{f.get_absolute_url()}"
                for f in pending
            ]
            body += ["", "—— 整改台账(系统自动发送,请勿回复)"]
            mails.append(
                Mail(
                    ReminderLog.Kind.LEADER,
                    county,
                    user.email,
                    f"【整改台账】{name}:{len(overdue)}个问题逾期,{len(pending)}个销号申请待审批",
                    "\n".join(body),
                    len(overdue) + len(pending),
                )
            )
    return mails


@dataclasses.dataclass
class Outcome:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def send_reminders(today: dt.date) -> Outcome:
    """Send the day's mails once: what was already sent today is skipped; one recipient's
    failure is logged and does not stop the others."""
    outcome = Outcome()
    for mail in build_mails(today):
        already = ReminderLog.objects.filter(
            day=today,
            kind=mail.kind,
            county=mail.county,
            recipient=mail.recipient,
            status=ReminderLog.Status.SENT,
        ).exists()
        if already:
            outcome.skipped += 1
            continue
        try:
            send_mail(mail.subject, mail.body, None, [mail.recipient])
        except Exception as exc:  # noqa: BLE001 — any transport error: log it, go on
            log.warning("reminder to %s failed: %s", mail.recipient, exc)
            ReminderLog.objects.create(
                day=today,
                kind=mail.kind,
                county=mail.county,
                recipient=mail.recipient,
                status=ReminderLog.Status.FAILED,
                items=mail.items,
                error=str(exc)[:2000],
            )
            outcome.failed += 1
            continue
        try:
            with transaction.atomic():
                ReminderLog.objects.create(
                    day=today,
                    kind=mail.kind,
                    county=mail.county,
                    recipient=mail.recipient,
                    status=ReminderLog.Status.SENT,
                    items=mail.items,
                )
        except IntegrityError:  # a concurrent run sent the same mail a moment ago
            pass
        log.info("reminder sent to %s (%s, %d items)", mail.recipient, mail.kind, mail.items)
        outcome.sent += 1
    return outcome
