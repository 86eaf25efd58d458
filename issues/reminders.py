"""Daily reminder mails: each lead unit's contact and the county office get a digest of their
overdue and due-soon findings; the county leaders a summary with the close-out requests
waiting for them. The mails' words are templates (templates/issues/mail/)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string

from rectify.lib.text import chinese_date

from .models import (
    County,
    Finding,
    FindingUnit,
    ReminderLog,
    Role,
    Unit,
    User,
    due_soon_q,
    overdue_q,
    warning_days,
)
from .permissions import holds

log = logging.getLogger("rectify.reminders")


@dataclasses.dataclass
class Mail:
    kind: str
    county: County
    recipient: str
    subject: str
    body: str
    items: int


def _item(f: Finding, today: dt.date) -> dict:
    """What a mail shows of one finding (templates/issues/mail/finding_line.txt); the words
    are the templates', never f-strings here."""
    days = f.days_left(today)
    return {
        "finding": f,
        "late": -days if days is not None and days < 0 else None,
        "left": days,
        "when": chinese_date(f.deadline) if f.deadline else "无时限",
        "url": f"{settings.SITE_URL.rstrip('/')}{f.get_absolute_url()}",
    }


def _split(findings: list[Finding], today: dt.date) -> tuple[list, list]:
    """The overdue and the due-soon findings (the deadline rules of issues/models.py)."""
    overdue = [_item(f, today) for f in findings if f.is_overdue(today)]
    soon = [_item(f, today) for f in findings if f.is_due_soon(today)]
    return overdue, soon


def _render(template: str, context: dict) -> str:
    return render_to_string(f"issues/mail/{template}.txt", context)


def _digest(kind: str, county: County, recipient: str, context: dict) -> Mail:
    """A unit's or the office's digest of overdue and due-soon findings."""
    context = {**context, "soon_days": warning_days()}
    return Mail(
        kind,
        county,
        recipient,
        _render("digest_subject", context).strip(),
        _render("digest", context),
        len(context["overdue"]) + len(context["soon"]),
    )


def build_mails(today: dt.date) -> list[Mail]:
    """The day's mails for every county, gathered with a fixed number of queries."""
    watched = (
        Finding.objects.active()
        .filter(overdue_q(today) | due_soon_q(today))
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
    users = users.prefetch_related("groups")  # User.role_names reads them: no query per user
    mails: list[Mail] = []

    for unit in Unit.objects.filter(pk__in=by_unit).exclude(email="").select_related("county"):
        overdue, soon = _split(by_unit[unit.pk], today)
        name = unit.county.display_short_name
        context = {"county": name, "unit": unit.name, "addressee": unit.contact or unit.name}
        context["title"] = _render("unit_title", {**context, "today": chinese_date(today)}).strip()
        context.update(overdue=overdue, soon=soon)
        mails.append(_digest(ReminderLog.Kind.UNIT, unit.county, unit.email, context))
    for user in users:
        county = counties[user.county_id]
        name = county.display_short_name
        if holds(user, Role.COUNTY_STAFF) and by_county.get(county.pk):
            overdue, soon = _split(by_county[county.pk], today)
            title = _render("office_title", {"county": name, "today": chinese_date(today)}).strip()
            context = {"county": name, "title": title, "overdue": overdue, "soon": soon}
            mails.append(_digest(ReminderLog.Kind.OFFICE, county, user.email, context))
        if holds(user, Role.COUNTY_LEADER):
            overdue, _soon = _split(by_county.get(county.pk, []), today)
            pending = [_item(f, today) for f in waiting.get(county.pk, [])]
            if not (overdue or pending):
                continue
            context = {"county": name, "today": chinese_date(today)}
            context.update(overdue=overdue, pending=pending)
            mails.append(
                Mail(
                    ReminderLog.Kind.LEADER,
                    county,
                    user.email,
                    _render("leader_subject", context).strip(),
                    _render("leader", context),
                    len(overdue) + len(pending),
                )
            )
    return mails


@dataclasses.dataclass
class Outcome:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def _claim(mail: Mail, today: dt.date) -> ReminderLog | None:
    """Record the mail as sent BEFORE sending it, or None when it already is (today, by this
    run or another one running at the same time): the unique constraint reminder_once_a_day
    lets one run claim a mail, so two overlapping runs never send it twice."""
    try:
        with transaction.atomic():
            return ReminderLog.objects.create(
                day=today,
                kind=mail.kind,
                county=mail.county,
                recipient=mail.recipient,
                status=ReminderLog.Status.SENT,
                items=mail.items,
            )
    except IntegrityError:
        return None


def send_reminders(today: dt.date, send: Callable[[Mail], None] | None = None) -> Outcome:
    """Send the day's mails once: what was already sent today (or is being sent by another
    run) is skipped; one recipient's failure is logged, its claim turned into a failure (so
    a later run tries again), and does not stop the others. `send` is the transport (the
    outbox's e-mail backend when `send_outbox` runs this); Django's send_mail by default."""
    outcome = Outcome()
    for mail in build_mails(today):
        claim = _claim(mail, today)
        if claim is None:
            outcome.skipped += 1
            continue
        try:
            if send is None:
                send_mail(mail.subject, mail.body, None, [mail.recipient])
            else:
                send(mail)
        except Exception as exc:  # noqa: BLE001 — any transport error: log it, go on
            log.warning("reminder to %s failed: %s", mail.recipient, exc)
            ReminderLog.objects.filter(pk=claim.pk).update(
                status=ReminderLog.Status.FAILED, error=str(exc)[:2000]
            )
            outcome.failed += 1
            continue
        log.info("reminder sent to %s (%s, %d items)", mail.recipient, mail.kind, mail.items)
        outcome.sent += 1
    return outcome
