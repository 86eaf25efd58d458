"""Writing notifications and reading them: who gets one is decided in receivers.py (for what
happens) and daily() (for deadlines); every write raises the recipients' unread counters in
one UPDATE, so that the bell on every page reads the counter and runs no query."""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from issues.models import Finding, Role, User, due_soon_q, overdue_q, warning_days
from issues.permissions import holders
from rectify.lib.text import chinese_date

from .models import Notification

Kind = Notification.Kind


# ---------------------------------------------------------------------------
# Who: the people of a county or a unit who hear of its findings.


def county_staff(county_ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(holders(Role.COUNTY_STAFF), county_id__in=county_ids))


def county_leaders(county_ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(holders(Role.COUNTY_LEADER), county_id__in=county_ids))


def unit_contacts(unit_ids: Iterable[int]) -> list[User]:
    """The units' contacts (责任单位联络员): users of the unit holding the role; a unit with
    none has nobody to tell."""
    return list(
        User.objects.filter(holders(Role.UNIT_STAFF), unit_id__in=unit_ids).filter(
            county_id=F("unit__county_id")
        )
    )


def finding_units_contacts(finding: Finding) -> list[User]:
    return unit_contacts(finding.unit_links.values("unit_id"))


# ---------------------------------------------------------------------------
# Writing


def short(finding: Finding) -> str:
    return finding.short_description


def name_of(user) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username


def _raise_counters(notifications: list[Notification]) -> None:
    """One UPDATE per distinct number of new notifications a recipient got (one, for every
    event; the daily run may give some recipients several)."""
    per_user = collections.Counter(n.recipient_id for n in notifications)
    by_count: dict[int, list[int]] = collections.defaultdict(list)
    for user_id, count in per_user.items():
        by_count[count].append(user_id)
    for count, user_ids in by_count.items():
        User.objects.filter(pk__in=user_ids).update(
            unread_notifications=F("unread_notifications") + count
        )


def write(notifications: list[Notification]) -> list[Notification]:
    """Save the notifications and count them as unread, in the caller's transaction."""
    if not notifications:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(notifications)
        _raise_counters(created)
    return created


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    text: str,
    url: str,
    finding: Finding | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """One notification to each recipient (once each; never to the actor, who knows). A
    sentence longer than the field (a long message or reason quoted) is cut to fit."""
    return write(
        notification_rows(recipients, kind=kind, text=text, url=url, finding=finding, actor=actor)
    )


def notification_rows(
    recipients: Iterable[User],
    *,
    kind: str,
    text: str,
    url: str,
    finding: Finding | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """What notify() writes, not written yet: to write several events' at once."""
    text = text[: Notification._meta.get_field("text").max_length]
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, kind=kind, text=text, url=url, finding=finding))
    return rows


# ---------------------------------------------------------------------------
# Reading


def _recount(user: User) -> None:
    """Set the counter from the rows, in the same transaction: exact, never below zero."""
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("id"))
        .values("n")
    )
    User.objects.filter(pk=user.pk).update(
        unread_notifications=Coalesce(Subquery(unread[:1]), Value(0))
    )


@transaction.atomic
def mark_read(*, user: User, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise ValueError("not the recipient's notification")
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    ):
        _recount(user)


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    _recount(user)
    return marked


# ---------------------------------------------------------------------------
# Daily: due soon (黄) and overdue (红), once a day per finding and recipient.


@transaction.atomic
def daily(today: dt.date) -> list[Notification]:
    """Write today's due-soon and overdue notifications to the county's staff and the
    finding's unit contacts; a second run on the same day writes none (the dedupe key
    carries the date). Returns what it wrote, for the outbound channels."""
    findings = list(
        Finding.objects.active()
        .filter(overdue_q(today) | due_soon_q(today, warning_days()))
        .prefetch_related("unit_links")
        .order_by("county_id", "deadline", "id")
    )
    if not findings:
        return []
    staff: dict[int, list[User]] = collections.defaultdict(list)
    for user in county_staff({f.county_id for f in findings}):
        staff[user.county_id].append(user)
    unit_ids = {link.unit_id for f in findings for link in f.unit_links.all()}
    contacts: dict[int, list[User]] = collections.defaultdict(list)
    for user in unit_contacts(unit_ids):
        contacts[user.unit_id].append(user)
    day = today.isoformat()
    done = set(
        Notification.objects.filter(dedupe_key__endswith=f":{day}").values_list(
            "recipient_id", "dedupe_key"
        )
    )
    rows = []
    for finding in findings:
        if finding.is_overdue(today):
            kind = Kind.OVERDUE
            text = _("问题已逾期%(days)d天（完成时限%(deadline)s）：%(finding)s") % {
                "days": (today - finding.deadline).days,
                "deadline": chinese_date(finding.deadline),
                "finding": short(finding),
            }
        else:
            kind = Kind.DUE_SOON
            text = _("问题将于%(deadline)s到期，还有%(days)d天：%(finding)s") % {
                "days": (finding.deadline - today).days,
                "deadline": chinese_date(finding.deadline),
                "finding": short(finding),
            }
        key = f"{kind}:{finding.pk}:{day}"
        people = {u.pk: u for u in staff[finding.county_id]}
        for link in finding.unit_links.all():
            people.update({u.pk: u for u in contacts[link.unit_id]})
        for user in people.values():
            if (user.pk, key) not in done:
                rows.append(
                    Notification(
                        recipient=user,
                        kind=kind,
                        text=text,
                        url=finding.get_absolute_url(),
                        finding=finding,
                        dedupe_key=key,
                    )
                )
    return write(rows)
