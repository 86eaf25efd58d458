"""A finding's history as sentences a clerk reads: "张三 2019年6月5日 将完成时限由 2019年5月30日
改为 2019年9月30日". Built from django-simple-history's records with a fixed number of queries."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Category, Evidence, Finding, FindingUnit, Measure, Progress, Review, Unit
from .text import chinese_date

# The finding's own fields a person changes, in the order sentences list them.
FIELDS = [
    "review",
    "category",
    "order",
    "description",
    "deadline",
    "is_ongoing",
    "status",
    "result",
    "closed_on",
    "evidence_waiver",
    "archived_at",
]


@dataclasses.dataclass
class Event:
    at: dt.datetime
    user: str
    text: str
    kind: str = "change"

    @property
    def day(self) -> str:
        return chinese_date(timezone.localtime(self.at).date())

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.text}"


def _user(record) -> str:
    user = record.history_user
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username


def _short(text: str, limit: int = 30) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _value(name: str, value, names: dict) -> str:
    if value in (None, ""):
        return _("(空)")
    if isinstance(value, dt.datetime):
        return chinese_date(timezone.localtime(value).date())
    if isinstance(value, dt.date):
        return chinese_date(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if name == "status":
        return str(Finding.Status(value).label)
    if name in ("review", "category"):
        return names.get((name, value), str(value))
    return _short(str(value), 40)


def _field_sentence(name: str, old, new, names: dict) -> str:
    label = str(Finding._meta.get_field(name).verbose_name)
    if name == "archived_at":
        return _("归档了该问题") if new else _("恢复了该问题")
    if name in ("description", "result", "evidence_waiver"):
        if not old:
            return _("填写了%(label)s:%(new)s") % {"label": label, "new": _short(new, 40)}
        return _("修改了%(label)s,改为:%(new)s") % {"label": label, "new": _short(new, 40)}
    return _("将%(label)s由 %(old)s 改为 %(new)s") % {
        "label": label,
        "old": _value(name, old, names),
        "new": _value(name, new, names),
    }


def _finding_events(records: list, names: dict) -> list[Event]:
    events = []
    previous = None
    for record in records:  # oldest first
        if previous is None:
            events.append(Event(record.history_date, _user(record), _("登记了该问题"), "create"))
        else:
            status_changed = previous.status != record.status
            for name in FIELDS:
                if name == "status" or (name == "closed_on" and status_changed):
                    continue  # told by the workflow's own records
                old = (
                    getattr(previous, f"{name}_id", None)
                    if name in ("review", "category")
                    else getattr(previous, name)
                )
                new = (
                    getattr(record, f"{name}_id", None)
                    if name in ("review", "category")
                    else getattr(record, name)
                )
                if old != new:
                    events.append(
                        Event(
                            record.history_date,
                            _user(record),
                            _field_sentence(name, old, new, names),
                        )
                    )
        previous = record
    return events


def _row_events(records: list, describe) -> list[Event]:
    """Created/changed/deleted rows of a child table (measures, units, progress, evidence)."""
    events = []
    last: dict[int, object] = {}
    for record in records:  # oldest first
        text = describe(record, last.get(record.id))
        if text:
            kind = "child_create" if record.history_type == "+" else "change"
            events.append(Event(record.history_date, _user(record), text, kind))
        last[record.id] = record
    return events


def _measure(record, before) -> str:
    if record.history_type == "+":
        return _("新增整改措施:%(text)s") % {"text": _short(record.text)}
    if record.history_type == "-":
        return _("删除整改措施:%(text)s") % {"text": _short(record.text)}
    if before is not None and before.text != record.text:
        return _("将第%(n)d条整改措施改为:%(text)s") % {
            "n": record.order,
            "text": _short(record.text),
        }
    return ""


def _unit_link(names: dict):
    def describe(record, before) -> str:
        unit = names.get(("unit", record.unit_id), "")
        role = str(FindingUnit.Role(record.role).label)
        if record.history_type == "+":
            return _("增加%(role)s:%(unit)s") % {"role": role, "unit": unit}
        if record.history_type == "-":
            return _("移除%(role)s:%(unit)s") % {"role": role, "unit": unit}
        if before is not None and (before.order, before.role) != (record.order, record.role):
            return _("调整了%(unit)s的顺序或角色(现为第%(n)d位,%(role)s)") % {
                "unit": unit,
                "n": record.order,
                "role": role,
            }
        return ""

    return describe


def _progress(record, before) -> str:
    if record.history_type == "+":
        return _("填报整改进展(%(date)s):%(note)s") % {
            "date": chinese_date(record.date),
            "note": _short(record.note, 40),
        }
    if record.history_type == "-":
        return _("删除了整改进展")
    return ""


def _evidence(record, before) -> str:
    if record.history_type == "+":
        return _("上传佐证材料:%(title)s") % {"title": record.title}
    if before is not None and bool(before.removed_at) != bool(record.removed_at):
        if record.removed_at:
            return _("移除佐证材料:%(title)s") % {"title": record.title}
        return _("恢复佐证材料:%(title)s") % {"title": record.title}
    return ""


def _workflow_events(finding: Finding) -> list[Event]:
    labels = {
        ("open", "in_progress"): _("开始整改"),
        ("in_progress", "submitted"): _("申请销号"),
        ("submitted", "closed"): _("同意销号"),
        ("submitted", "in_progress"): _("退回销号申请"),
        ("closed", "in_progress"): _("重新打开"),
    }
    events = []
    for change in finding.status_changes.select_related("actor"):
        text = labels.get((change.from_status, change.to_status)) or _(
            "将整改状态由 %(old)s 改为 %(new)s"
        ) % {"old": change.get_from_status_display(), "new": change.get_to_status_display()}
        if change.comment:
            text += _(",说明:%(comment)s") % {"comment": change.comment}
        user = change.actor.get_full_name() or change.actor.username
        events.append(Event(change.at, user, text, "workflow"))
    return events


def _names(finding_records: list, unit_records: list) -> dict:
    reviews = {r.review_id for r in finding_records}
    categories = {r.category_id for r in finding_records}
    units = {r.unit_id for r in unit_records}
    names = {
        ("review", pk): team
        for pk, team in Review.objects.filter(pk__in=reviews).values_list("pk", "team")
    }
    names.update(
        {
            ("category", pk): n
            for pk, n in Category.objects.filter(pk__in=categories).values_list("pk", "name")
        }
    )
    names.update(
        {("unit", pk): n for pk, n in Unit.objects.filter(pk__in=units).values_list("pk", "name")}
    )
    return names


def finding_timeline(finding: Finding) -> list[Event]:
    """Everything that happened to the finding, newest first."""
    finding_records = list(
        Finding.history.filter(id=finding.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    unit_records = list(
        FindingUnit.history.filter(finding_id=finding.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    names = _names(finding_records, unit_records)
    events = _finding_events(finding_records, names)
    events += _row_events(
        list(
            Measure.history.filter(finding_id=finding.pk)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        ),
        _measure,
    )
    events += _row_events(unit_records, _unit_link(names))
    events += _row_events(
        list(
            Progress.history.filter(finding_id=finding.pk)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        ),
        _progress,
    )
    events += _row_events(
        list(
            Evidence.history.filter(finding_id=finding.pk)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        ),
        _evidence,
    )
    events += _workflow_events(finding)
    if finding_records:
        # Measures and units typed into the form that created the finding are part of
        # "登记了该问题", not news of their own.
        created = finding_records[0].history_date
        events = [
            e
            for e in events
            if e.kind == "create"
            or not (e.kind == "child_create" and (e.at - created).total_seconds() < 5)
        ]
    events.sort(key=lambda e: e.at, reverse=True)
    return events


def changes_since(finding: Finding, version: int) -> list[str]:
    """What others changed after the user loaded `version` of the finding, as sentences."""
    loaded = (
        Finding.history.filter(id=finding.pk, version=version).order_by("-history_date").first()
    )
    since = loaded.history_date if loaded else None
    events = [e for e in finding_timeline(finding) if since is None or e.at > since]
    return [str(e) for e in reversed(events)] or [_("其他人修改了该问题。")]
