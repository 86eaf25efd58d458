"""Sending beyond the browser: the daily digest (robots, e-mail, overdue SMS) and the
immediate 催办 messages, each recorded as a Delivery before it is sent.

A delivery is claimed with a conditional UPDATE (pending or failed → sending, attempts + 1)
before its backend is called; only the run whose UPDATE changed the row sends it, so two
overlapping runs never send a message twice, and a key once sent is never sent again. A
failure is recorded (failed, last_error) and tried again by the next run, up to
RECTIFY_OUTBOX_MAX_ATTEMPTS attempts. A claim left "sending" by a run that died is taken
back after STALE_CLAIM."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from issues import permissions, reminders
from issues.models import County, Finding, User, warning_days
from rectify.lib.records import stamp
from rectify.lib.text import chinese_date

from . import selectors
from .backends import Message, get_backend
from .models import Channel, Delivery, RobotHook

log = logging.getLogger("rectify.outbox")

# Well past RECTIFY_OUTBOX_TIMEOUT: a claim this old belongs to a run that died.
STALE_CLAIM = dt.timedelta(minutes=15)
# Lines per section of a robot's digest (the robots limit a message's length).
DIGEST_LINES = 10


def channels_on(requested: list[str] | None = None) -> list[str]:
    """The channels switched on (RECTIFY_OUTBOX_CHANNELS), narrowed to `requested`."""
    on = [c for c in Channel.values if c in settings.RECTIFY_OUTBOX_CHANNELS]
    return [c for c in on if requested is None or c in requested]


@dataclasses.dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, result: str) -> None:
        setattr(self, result, getattr(self, result) + 1)


# ---------------------------------------------------------------------------------------
# One delivery


def _claimable(now) -> Q:
    return Q(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED]) | Q(
        status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )


def _claim(delivery: Delivery) -> bool:
    now = timezone.now()
    claimed = Delivery.objects.filter(
        _claimable(now), pk=delivery.pk, attempts__lt=settings.RECTIFY_OUTBOX_MAX_ATTEMPTS
    ).update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    return claimed == 1


def _attempt(delivery: Delivery, message: Message) -> str:
    """Claim and send one delivery: "sent", "failed", or "skipped" (another run has it, it
    was sent, or it has used up its attempts)."""
    if not _claim(delivery):
        return "skipped"
    result = get_backend(delivery.channel).send(message)
    if result.ok:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
        )
        log.info("%s sent to %s (%s)", delivery.channel, delivery.recipient, delivery.dedupe_key)
        return "sent"
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, last_error=result.error
    )
    log.warning(
        "%s to %s failed (%s): %s",
        delivery.channel,
        delivery.recipient,
        delivery.dedupe_key,
        result.error,
    )
    return "failed"


def _deliver(
    *,
    key: str,
    channel: str,
    kind: str,
    county: County,
    message: Message,
    hook: RobotHook | None = None,
    user: User | None = None,
) -> str:
    """Record the delivery under its key and send it, unless the key is already recorded (sent,
    or in the hands of another run or of the retries)."""
    fields = {
        "channel": channel,
        "kind": kind,
        "county": county,
        "hook": hook,
        "user": user,
        # Never the robot's URL: it carries the robot's key.
        "recipient": hook.name if hook else message.to,
        "subject": message.subject[:200],
        "body": message.text,
        "payload": get_backend(channel).payload(message),
    }
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(dedupe_key=key, **fields)
    except IntegrityError:
        return "skipped"
    return _attempt(delivery, message)


def _message_of(delivery: Delivery) -> Message | None:
    """A recorded delivery's message, to try it again; None when its robot is gone or off."""
    if delivery.channel in (Channel.WECOM, Channel.DINGTALK):
        hook = delivery.hook
        if hook is None or not hook.active:
            return None
        return Message(hook.url, delivery.subject, delivery.body, hook.secret)
    return Message(delivery.recipient, delivery.subject, delivery.body)


def retry(today: dt.date, channels: list[str]) -> Outcome:
    """Try again what failed (or was left unsent) before, up to the attempts allowed. A
    digest is retried only on its own day: tomorrow's says it better."""
    outcome = Outcome()
    now = timezone.now()
    day_start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    waiting = (
        Delivery.objects.filter(
            _claimable(now),
            channel__in=channels,
            attempts__lt=settings.RECTIFY_OUTBOX_MAX_ATTEMPTS,
        )
        .exclude(kind=Delivery.Kind.DIGEST, created_at__lt=day_start)
        .select_related("hook")
        .order_by("pk")
    )
    for delivery in waiting:
        message = _message_of(delivery)
        if message is not None:
            outcome.add(_attempt(delivery, message))
    return outcome


# ---------------------------------------------------------------------------------------
# What is sent


def _item(finding: Finding, today: dt.date) -> dict:
    days = finding.days_left(today)
    return {
        "finding": finding,
        "late": -days if days is not None and days < 0 else None,
        "left": days if days is not None and days >= 0 else None,
        "when": chinese_date(finding.deadline) if finding.deadline else "",
        "url": f"{settings.SITE_URL.rstrip('/')}{finding.get_absolute_url()}",
    }


def _section(findings: list[Finding], today: dt.date) -> dict:
    return {
        "count": len(findings),
        "items": [_item(f, today) for f in findings[:DIGEST_LINES]],
        "more": max(0, len(findings) - DIGEST_LINES),
    }


def _render(template: str, context: dict) -> str:
    return render_to_string(f"outbox/{template}", context).strip()


def digest_message(digest: selectors.CountyDigest, today: dt.date, hook: RobotHook) -> Message:
    context = {
        "county": digest.county.display_short_name,
        "today": chinese_date(today),
        "warning_days": warning_days(),
        "overdue": _section(digest.overdue, today),
        "soon": _section(digest.soon, today),
        "waiting": _section(digest.waiting, today),
        "urged": _section(digest.urged, today),
        "site": settings.SITE_URL.rstrip("/"),
    }
    subject = _render("digest_title.txt", context)
    return Message(hook.url, subject, _render("digest.md", context), hook.secret)


def _send_digests(today: dt.date, channels: list[str], outcome: Outcome) -> None:
    kinds = [c for c in channels if c in RobotHook.Kind.values]
    sms = Channel.SMS in channels
    if not (kinds or sms):
        return
    digests = {
        pk: d
        for pk, d in selectors.county_digests(today).items()
        if d.overdue or d.soon or d.waiting or d.urged
    }
    hooks = selectors.county_hooks(digests, kinds) if kinds else {}
    for county_id, digest in digests.items():
        for hook in hooks.get(county_id, []):
            outcome.add(
                _deliver(
                    key=f"digest:{today.isoformat()}:hook:{hook.pk}",
                    channel=hook.kind,
                    kind=Delivery.Kind.DIGEST,
                    county=digest.county,
                    message=digest_message(digest, today, hook),
                    hook=hook,
                )
            )
    if not sms:
        return
    overdue_by_unit = {u: fs for d in digests.values() for u, fs in d.overdue_by_unit.items()}
    for user in selectors.mobiles_of_units(overdue_by_unit):
        findings = overdue_by_unit[user.unit_id]
        context = {"unit": user.unit.name, "count": len(findings), "today": chinese_date(today)}
        text = _render("overdue_sms.txt", context)
        outcome.add(
            _deliver(
                key=f"overdue:{today.isoformat()}:sms:{user.pk}",
                channel=Channel.SMS,
                kind=Delivery.Kind.OVERDUE,
                county=user.county or user.unit.county,
                message=Message(user.mobile, text, text),
                user=user,
            )
        )


def _send_mail(mail: reminders.Mail) -> None:
    """The reminder mails (issues/reminders.py: who gets what, in its templates) through the
    e-mail backend; their ReminderLog is their delivery record (one a day, retried)."""
    result = get_backend(Channel.EMAIL).send(Message(mail.recipient, mail.subject, mail.body))
    if not result.ok:
        raise OSError(result.error)


def daily(today: dt.date, channels: list[str] | None = None) -> Outcome:
    """The day's messages on the channels switched on: first what earlier runs failed to
    send, then the reminder mails, the county digests to the offices' robots and the overdue
    SMS to the lead units' contacts. Safe to run again: nothing sent is sent twice."""
    channels = channels_on(channels)
    outcome = retry(today, channels)
    if Channel.EMAIL in channels:
        mails = reminders.send_reminders(today, send=_send_mail)
        outcome.sent += mails.sent
        outcome.failed += mails.failed
        outcome.skipped += mails.skipped
    _send_digests(today, channels, outcome)
    return outcome


def urge_deliver(*, urge, user: User) -> Outcome:
    """A 催办 at once: to the urged unit's robots (the county office's when it has none, or
    when the province urges the county) and by SMS to the unit's contacts with a mobile (the
    office's staff when no unit is named). Runs after the urge is committed."""
    channels = channels_on()
    outcome = Outcome()
    finding = urge.finding
    county = finding.county
    kinds = [c for c in channels if c in RobotHook.Kind.values]
    context = {
        "county": county.display_short_name,
        "unit": urge.unit.name if urge.unit_id else "",
        "by": user.get_full_name() or user.username,
        "finding": finding,
        "message": urge.message,
        "reply_by": chinese_date(urge.reply_by) if urge.reply_by else "",
        "url": f"{settings.SITE_URL.rstrip('/')}{finding.get_absolute_url()}",
    }
    subject = _render("urge_title.txt", context)
    text = _render("urge.md", context)
    if kinds:
        for hook in selectors.urge_hooks(county_id=county.pk, unit_id=urge.unit_id, kinds=kinds):
            outcome.add(
                _deliver(
                    key=f"urge:{urge.pk}:hook:{hook.pk}",
                    channel=hook.kind,
                    kind=Delivery.Kind.URGE,
                    county=county,
                    message=Message(hook.url, subject, text, hook.secret),
                    hook=hook,
                )
            )
    if Channel.SMS in channels:
        people = (
            selectors.mobiles_of_units([urge.unit_id])
            if urge.unit_id
            else selectors.mobiles_of_office(county.pk)
        )
        sms = _render("urge_sms.txt", context)
        for person in people:
            outcome.add(
                _deliver(
                    key=f"urge:{urge.pk}:sms:{person.pk}",
                    channel=Channel.SMS,
                    kind=Delivery.Kind.URGE,
                    county=county,
                    message=Message(person.mobile, subject, sms),
                    user=person,
                )
            )
    return outcome


# ---------------------------------------------------------------------------------------
# The robots


@transaction.atomic
def hook_save(*, user: User, hook: RobotHook) -> RobotHook:
    """Add or change a robot. Who may: the county's staff, as for its units ("unit.manage")."""
    permissions.require(user, "unit.manage", hook)
    stamp(hook, user, created=hook.pk is None)
    hook.full_clean()
    hook.save()
    return hook
