"""Who hears of what: each receiver turns a signal of issues.events into notifications for
the people concerned (never the one who did it). They run in the sender's transaction, so
a change that rolls back leaves no notification behind."""

from __future__ import annotations

import collections

from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from issues import events
from issues.models import FindingRequest, FindingUnit, Progress, Urge
from rectify.lib.text import chinese_date

from .models import Notification
from .services import (
    county_leaders,
    county_staff,
    finding_units_contacts,
    name_of,
    notification_rows,
    notify,
    short,
    unit_contacts,
    write,
)

Kind = Notification.Kind


@receiver(events.unit_assigned, dispatch_uid="notify.unit_assigned")
def on_unit_assigned(sender, *, finding, unit, role, user, **kwargs):
    _tell_assigned([(finding, unit, role)], user)


@receiver(events.units_assigned, dispatch_uid="notify.units_assigned")
def on_units_assigned(sender, *, links, user, **kwargs):
    _tell_assigned([(link.finding, link.unit, link.role) for link in links], user)


def _tell_assigned(assignments, user) -> None:
    """Each unit's contacts hear of their new task (one query for all the units' contacts,
    one INSERT for all the notifications)."""
    contacts = collections.defaultdict(list)
    for contact in unit_contacts({unit.pk for _finding, unit, _role in assignments}):
        contacts[contact.unit_id].append(contact)
    rows = []
    for finding, unit, role in assignments:
        rows += notification_rows(
            contacts[unit.pk],
            kind=Kind.ASSIGNED,
            text=_("新任务：贵单位为%(role)s，请及时签收：%(finding)s")
            % {"role": FindingUnit.Role(role).label, "finding": short(finding)},
            url=finding.get_absolute_url(),
            finding=finding,
            actor=user,
        )
    write(rows)


@receiver(events.finding_urged, dispatch_uid="notify.finding_urged")
def on_finding_urged(sender, *, urge: Urge, user, **kwargs):
    finding = urge.finding
    text = _("%(who)s催办：%(message)s") % {"who": name_of(user), "message": urge.message}
    if urge.reply_by:
        text += _("（请于%(day)s前回复）") % {"day": chinese_date(urge.reply_by)}
    text += _("——%(finding)s") % {"finding": short(finding)}
    recipients = (
        unit_contacts([urge.unit_id]) if urge.unit_id else county_staff([finding.county_id])
    )
    notify(
        recipients,
        kind=Kind.URGED,
        text=text,
        url=f"{finding.get_absolute_url()}#urges",
        finding=finding,
        actor=user,
    )


STEPS = {
    # step: (kind, sentence, to the leaders (True) or to the staff and unit contacts)
    "submit": (
        Kind.CLOSEOUT_REQUESTED,
        gettext_lazy("%(who)s申请销号，待您审批：%(finding)s"),
        True,
    ),
    "close": (Kind.CLOSEOUT_APPROVED, gettext_lazy("%(who)s同意销号：%(finding)s"), False),
    "return": (Kind.CLOSEOUT_RETURNED, gettext_lazy("%(who)s退回了销号申请：%(finding)s"), False),
    "reopen": (
        Kind.REOPENED,
        gettext_lazy("%(who)s重新打开了已销号的问题：%(finding)s"),
        False,
    ),
}


@receiver(events.finding_stepped, dispatch_uid="notify.finding_stepped")
def on_finding_stepped(sender, *, finding, step, user, comment="", **kwargs):
    if step not in STEPS:  # starting the work tells nobody
        return
    kind, sentence, to_leaders = STEPS[step]
    text = str(sentence) % {"who": name_of(user), "finding": short(finding)}
    if comment and step in ("return", "reopen"):
        text += _("（理由：%(reason)s）") % {"reason": comment}
    if to_leaders:
        recipients = county_leaders([finding.county_id])
    else:
        recipients = county_staff([finding.county_id]) + finding_units_contacts(finding)
    notify(
        recipients,
        kind=kind,
        text=text,
        url=finding.get_absolute_url(),
        finding=finding,
        actor=user,
    )


@receiver(events.request_filed, dispatch_uid="notify.request_filed")
def on_request_filed(sender, *, request: FindingRequest, user, **kwargs):
    finding = request.finding
    extension = request.kind == FindingRequest.Kind.EXTENSION
    notify(
        county_leaders([finding.county_id]),
        kind=Kind.EXTENSION_REQUESTED if extension else Kind.ARCHIVE_REQUESTED,
        text=_("%(who)s提交了%(kind)s，待您审批：%(finding)s")
        % {"who": name_of(user), "kind": request.get_kind_display(), "finding": short(finding)},
        url=f"{finding.get_absolute_url()}#requests",
        finding=finding,
        actor=user,
    )


@receiver(events.request_decided, dispatch_uid="notify.request_decided")
def on_request_decided(sender, *, request: FindingRequest, user, approved: bool, **kwargs):
    finding = request.finding
    extension = request.kind == FindingRequest.Kind.EXTENSION
    if approved:
        sentence = _("%(who)s同意了您的%(kind)s：%(finding)s")
    else:
        sentence = _("%(who)s不同意您的%(kind)s：%(finding)s")
    text = sentence % {
        "who": name_of(user),
        "kind": request.get_kind_display(),
        "finding": short(finding),
    }
    if request.decision_comment:
        text += _("（意见：%(comment)s）") % {"comment": request.decision_comment}
    notify(
        [request.created_by] if request.created_by_id else [],
        kind=Kind.EXTENSION_DECIDED if extension else Kind.ARCHIVE_DECIDED,
        text=text,
        url=f"{finding.get_absolute_url()}#requests",
        finding=finding,
        actor=user,
    )


@receiver(events.notice_assigned, dispatch_uid="notify.notice_assigned")
def on_notice_assigned(sender, *, item, findings, user, **kwargs):
    """Each county's staff hear of their own copy."""
    if not findings:
        return
    staff = county_staff({f.county_id for f in findings})
    notice = item.review
    for finding in findings:
        notify(
            [u for u in staff if u.county_id == finding.county_id],
            kind=Kind.NOTICE,
            text=_("省级通报（%(notice)s）新增问题：%(finding)s")
            % {"notice": notice.title or notice.team, "finding": short(finding)},
            url=finding.get_absolute_url(),
            finding=finding,
            actor=user,
        )


@receiver(events.progress_returned, dispatch_uid="notify.progress_returned")
def on_progress_returned(sender, *, progress: Progress, user, comment="", **kwargs):
    finding = progress.finding
    text = _("%(who)s退回了您填报的整改进展：%(finding)s") % {
        "who": name_of(user),
        "finding": short(finding),
    }
    if comment:
        text += _("（意见：%(comment)s）") % {"comment": comment}
    notify(
        [progress.author],
        kind=Kind.PROGRESS_RETURNED,
        text=text,
        url=f"{finding.get_absolute_url()}#progress",
        finding=finding,
        actor=user,
    )
