"""A finding's history as a clerk reads it: one entry for each thing a person did at once (a
change set: one form submission, one import, one command), with its sentences:

    2019年6月5日 10:30 张三
      登记了该问题
      新增整改措施:加快选址
      增加责任单位:区商务和经济合作局

Built from django-simple-history's records, the workflow's status changes and the history of
extension and archive requests, in one query however long the history (rectify.lib.together).
Rows recorded before change sets existed (change_set "") are grouped by who made them and
when (within a second)."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import itertools

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from rectify.lib.text import chinese_date
from rectify.lib.together import Rows, read

from . import columns
from .models import Evidence, Finding, FindingRequest, FindingUnit, Measure, Progress, Urge

# The finding's own fields a person changes, in the order sentences list them: its columns'
# (issues.columns), then the close-out's and the archive's. Status changes are told by the
# workflow's own records; measures, units and notes by their rows'.
FIELDS = [*columns.history_fields(), "evidence_waiver", "archived_at"]

# The order of an entry's sentences saved at the same moment (rows of one submission are
# normally told in the order they were saved): registering first, then a note and its files,
# a request or its decision, the workflow step, and what it changed.
RANK = {
    "create": 0,
    "progress": 1,
    "evidence": 2,
    "request": 3,
    "urge": 3,
    "workflow": 4,
    "field": 5,
    "measure": 6,
    "unit": 7,
    "related": 8,
}

# Rows without a change set (recorded before change sets existed) made by one person within
# this long of the group's first row are one entry.
LEGACY_WINDOW = dt.timedelta(seconds=1)


@dataclasses.dataclass
class Line:
    """One sentence of the history, with the row it comes from."""

    at: dt.datetime
    user_id: int | None
    user: str
    text: str
    kind: str
    change_set: str
    # A deadline moved in the same change set as an approved extension is told as one.
    by_extension: str = ""
    approves_extension: bool = False


@dataclasses.dataclass
class Entry:
    """What one person did at once: when, who, and the sentences telling it."""

    at: dt.datetime
    user: str
    lines: list[str]
    kinds: frozenset[str]
    change_set: str = ""

    @property
    def day(self) -> str:
        return chinese_date(timezone.localtime(self.at).date())

    @property
    def text(self) -> str:
        return "；".join(self.lines)

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.text}"


def _name(user) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username


def _line(record, text: str, kind: str) -> Line:
    """A sentence about a history record, by the record's user at the record's time."""
    return Line(
        record.history_date,
        record.history_user_id,
        _name(record.history_user),
        text,
        kind,
        record.change_set,
    )


def _short(text: str, limit: int = 30) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _is_long_text(name: str) -> bool:
    return isinstance(Finding._meta.get_field(name), models.TextField)


def _value(record, name: str) -> str:
    """A field of a historical finding, written for a sentence."""
    if name == "review":
        return record.review.team if record.review else str(record.review_id or _("（空）"))
    if name == "category":
        return record.category.name if record.category else str(record.category_id or _("（空）"))
    value = getattr(record, name)
    if value in (None, ""):
        return _("（空）")
    if isinstance(value, dt.datetime):
        return chinese_date(timezone.localtime(value).date())
    if isinstance(value, dt.date):
        return chinese_date(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    choices = Finding._meta.get_field(name).flatchoices
    if choices:
        return str(dict(choices).get(value, value))
    return _short(str(value), 40)


def _raw(record, name: str):
    field = Finding._meta.get_field(name)
    return getattr(record, field.attname)


def _field_sentence(name: str, previous, record) -> str:
    label = str(Finding._meta.get_field(name).verbose_name)
    old, new = _raw(previous, name), _raw(record, name)
    if name == "archived_at":
        return _("归档了该问题") if new else _("恢复了该问题")
    if _is_long_text(name):  # told in full, not as "from … to …"
        if not old:
            return _("填写了%(label)s：%(new)s") % {"label": label, "new": _short(new, 40)}
        return _("修改了%(label)s，改为：%(new)s") % {"label": label, "new": _short(new, 40)}
    values = {"label": label, "old": _value(previous, name), "new": _value(record, name)}
    return _("将%(label)s由 %(old)s 改为 %(new)s") % values


def _extension_sentence(previous, record) -> str:
    """The deadline moved by an approved extension, with the deadline first set."""
    values = {"old": _value(previous, "deadline"), "new": _value(record, "deadline")}
    original = record.original_deadline
    if original is None or previous.deadline is None or original == previous.deadline:
        return _("将完成时限由原定的 %(old)s 延至 %(new)s") % values
    return _("将完成时限由 %(old)s 延至 %(new)s（原定%(original)s）") % {
        **values,
        "original": chinese_date(original),
    }


def _related_label(names: dict, pk: int) -> str:
    return names.get(pk) or _("问题%(pk)s") % {"pk": pk}


def _finding_lines(records: list, related: dict, related_names: dict) -> list[Line]:
    """Registering the finding, then each later record's field and related-finding changes."""
    lines = []
    previous = None
    for record in records:  # oldest first
        if previous is None:
            lines.append(_line(record, _("登记了该问题"), "create"))
            if record.status != Finding.Status.OPEN:  # an imported ledger's state
                status = record.get_status_display()
                lines.append(
                    _line(record, _("登记时整改状态为“%(status)s”") % {"status": status}, "field")
                )
        else:
            status_changed = previous.status != record.status
            for name in FIELDS:
                if name == "closed_on" and status_changed:
                    continue  # told by the workflow's own records
                if _raw(previous, name) != _raw(record, name):
                    line = _line(record, _field_sentence(name, previous, record), "field")
                    if name == "deadline":
                        line.by_extension = _extension_sentence(previous, record)
                    lines.append(line)
        before = related.get(previous.history_id, set()) if previous else set()
        now = related.get(record.history_id, set())
        if now - before:
            names = "、".join(_related_label(related_names, pk) for pk in sorted(now - before))
            lines.append(
                _line(record, _("关联了相关问题：%(names)s") % {"names": names}, "related")
            )
        if before - now:
            names = "、".join(_related_label(related_names, pk) for pk in sorted(before - now))
            lines.append(
                _line(record, _("取消关联相关问题：%(names)s") % {"names": names}, "related")
            )
        previous = record
    return lines


def _row_lines(records: list, describe, kind: str) -> list[Line]:
    """Created/changed/deleted rows of a child table (measures, units, notes, evidence)."""
    lines = []
    last: dict[int, object] = {}
    for record in records:  # oldest first
        for text in describe(record, last.get(record.id)):
            lines.append(_line(record, text, kind))
        last[record.id] = record
    return lines


def _measure(record, before) -> list[str]:
    if record.history_type == "+":
        return [_("新增整改措施：%(text)s") % {"text": _short(record.text)}]
    if record.history_type == "-":
        return [_("删除整改措施：%(text)s") % {"text": _short(record.text)}]
    if before is not None and before.text != record.text:
        return [
            _("将第%(n)d条整改措施改为：%(text)s")
            % {"n": record.order, "text": _short(record.text)}
        ]
    return []


def _unit_link(record, before) -> list[str]:
    unit = record.unit.name if record.unit else ""
    role = str(FindingUnit.Role(record.role).label)
    if record.history_type == "+":
        return [_("增加%(role)s：%(unit)s") % {"role": role, "unit": unit}]
    if record.history_type == "-":
        return [_("移除%(role)s：%(unit)s") % {"role": role, "unit": unit}]
    if before is None:
        return []
    told = []
    if (before.order, before.role) != (record.order, record.role):
        told.append(
            _("调整了%(unit)s的顺序或角色（现为第%(n)d位，%(role)s）")
            % {"unit": unit, "n": record.order, "role": role}
        )
    if before.acknowledged_at is None and record.acknowledged_at is not None:
        told.append(_("%(unit)s签收了该问题") % {"unit": unit})
    if before.handed_back_at is None and record.handed_back_at is not None:
        told.append(
            _("%(unit)s退回了该问题，理由：%(reason)s")
            % {"unit": unit, "reason": _short(record.hand_back_reason, 60)}
        )
    return told


def _progress(finding_records: list):
    """Notes written and withdrawn. Withdrawing the first note does not undo the start of the
    rectification it made: the sentence says the status stays."""
    first_note: dict[str, int] = {}  # the id of the finding's first note, once seen
    times = [r.history_date for r in finding_records]

    def status_at(moment: dt.datetime) -> str:
        i = bisect.bisect_right(times, moment)
        return finding_records[i - 1].get_status_display() if i else ""

    def describe(record, before) -> list[str]:
        values = {"date": chinese_date(record.date), "note": _short(record.note, 40)}
        unit = record.unit.name if record.unit_id and record.unit else ""
        result = record.kind == Progress.Kind.RESULT
        if record.history_type == "+":
            first_note.setdefault("id", record.id)
            if unit and result:
                return [_("%(unit)s报送拟定的整改结果：%(note)s") % {**values, "unit": unit}]
            if unit:
                return [_("%(unit)s报送整改进展（%(date)s）：%(note)s") % {**values, "unit": unit}]
            return [_("填报整改进展（%(date)s）：%(note)s") % values]
        if record.history_type == "-":
            return [_("删除了整改进展")]
        if before is not None and before.review_status != record.review_status:
            review = Progress.ReviewStatus
            if record.review_status == review.ACCEPTED:
                if result:
                    return [_("采纳了%(unit)s报送的整改结果") % {"unit": unit}]
                return [_("采纳了%(unit)s报送的整改进展（%(date)s）") % {**values, "unit": unit}]
            if record.review_status == review.RETURNED:
                return [
                    _("退回了%(unit)s报送的整改进展（%(date)s），意见：%(comment)s")
                    % {**values, "unit": unit, "comment": _short(record.review_comment, 60)}
                ]
        if before is not None and before.withdrawn_at is None and record.withdrawn_at:
            told = [
                _("撤回了整改进展（%(date)s）：%(note)s")
                % {"date": chinese_date(record.date), "note": _short(record.note, 40)}
            ]
            if record.history_change_reason:
                told.append(_("撤回原因：%(reason)s") % {"reason": record.history_change_reason})
            if first_note.get("id") == record.id:
                told.append(
                    _("这是该问题的首条整改进展；撤回后整改状态不变，仍为“%(status)s”。")
                    % {"status": status_at(record.history_date)}
                )
            return told
        return []

    return describe


def _evidence(record, before) -> list[str]:
    if record.history_type == "+":
        return [_("上传佐证材料：%(title)s") % {"title": record.title}]
    if before is not None and bool(before.removed_at) != bool(record.removed_at):
        if record.removed_at:
            return [_("移除佐证材料：%(title)s") % {"title": record.title}]
        return [_("恢复佐证材料：%(title)s") % {"title": record.title}]
    return []


def _request(record, before) -> list[str]:
    """Extension (延期) and archive (归档) requests: filed, decided or withdrawn."""
    extension = record.kind == FindingRequest.Kind.EXTENSION
    if record.history_type == "+":
        if extension:
            return [
                _("申请延期至%(date)s，理由：%(reason)s")
                % {"date": chinese_date(record.new_deadline), "reason": _short(record.reason, 60)}
            ]
        return [_("申请归档，理由：%(reason)s") % {"reason": _short(record.reason, 60)}]
    if before is None or before.status == record.status:
        return []
    comment = _short(record.decision_comment, 60)
    status = FindingRequest.Status
    if record.status == status.APPROVED:
        text = _("同意延期申请") if extension else _("同意归档申请")
        if comment:
            text += _("，意见：%(comment)s") % {"comment": comment}
        return [text]
    if record.status == status.REFUSED:
        if extension:
            return [_("不同意延期申请，理由：%(reason)s") % {"reason": comment}]
        return [_("不同意归档申请，理由：%(reason)s") % {"reason": comment}]
    if record.status == status.WITHDRAWN:
        return [_("撤回了延期申请") if extension else _("撤回了归档申请")]
    return []


def _request_lines(records: list) -> list[Line]:
    lines = []
    last: dict[int, object] = {}
    for record in records:  # oldest first
        before = last.get(record.id)
        approved = (
            record.kind == FindingRequest.Kind.EXTENSION
            and record.status == FindingRequest.Status.APPROVED
            and before is not None
            and before.status != record.status
        )
        for text in _request(record, before):
            line = _line(record, text, "request")
            line.approves_extension = approved
            lines.append(line)
        last[record.id] = record
    return lines


def _urge(county: str):
    """催办: sent (to a unit, or by the province to the county) and answered by a note."""

    def describe(record, before) -> list[str]:
        who = record.unit.name if record.unit else county
        if record.history_type == "+":
            text = _("催办 %(who)s：%(message)s") % {
                "who": who,
                "message": _short(record.message, 60),
            }
            if record.reply_by:
                text += _("（请于%(day)s前回复）") % {"day": chinese_date(record.reply_by)}
            return [text]
        if before is not None and before.answered_at is None and record.answered_at:
            return [_("已回复%(who)s收到的催办") % {"who": who}]
        return []

    return describe


def _workflow_lines(changes: list) -> list[Line]:
    labels = {
        ("open", "in_progress"): _("开始整改"),
        ("in_progress", "submitted"): _("申请销号"),
        ("submitted", "closed"): _("同意销号"),
        ("submitted", "in_progress"): _("退回销号申请"),
        ("closed", "in_progress"): _("重新打开"),
    }
    lines = []
    for change in changes:
        text = labels.get((change.from_status, change.to_status)) or _(
            "将整改状态由 %(old)s 改为 %(new)s"
        ) % {"old": change.get_from_status_display(), "new": change.get_to_status_display()}
        if change.comment:
            text += _("，说明：%(comment)s") % {"comment": change.comment}
        lines.append(
            Line(
                change.at, change.actor_id, _name(change.actor), text, "workflow", change.change_set
            )
        )
    return lines


def _related_snapshots(rows: list) -> tuple[dict, dict]:
    """The related findings each history record of the finding saw, and their labels."""
    snapshots: dict[int, set[int]] = {}
    names: dict[int, str] = {}
    for row in rows:
        pk = row.to_finding_id
        if pk is None:
            continue
        snapshots.setdefault(row.history_id, set()).add(pk)
        other = row.to_finding
        if other is not None and other.review is not None:
            category_order = other.category.order if other.category is not None else None
            names[pk] = f"{other.review.team} {category_order}.({other.order})"
    return snapshots, names


# The acting users' fields a sentence names (_name).
USER = ("first_name", "last_name", "username")


@functools.cache
def _historical(model):
    """The model's history table (`model.history` makes a new manager class at each use)."""
    return model.history.model


def _history(model, related: dict | None = None, **filters) -> Rows:
    return Rows(
        _historical(model).objects.filter(**filters).order_by("history_date", "history_id"),
        {"history_user": USER, **(related or {})},
    )


def timeline_rows(finding: Finding) -> dict[str, Rows]:
    """What the timeline is told from, for rectify.lib.together: the page reads it in the
    same query as its other lists."""
    through = apps.get_model("issues", "HistoricalFinding_related")
    unit = {"unit": ("name",)}
    return {
        "history:finding": _history(
            Finding, {"review": ("team",), "category": ("name",)}, id=finding.pk
        ),
        # The related findings each of the finding's records saw.
        "history:related": Rows(
            through.objects.filter(history__id=finding.pk).order_by("id"),
            {
                "to_finding": ("order", "review", "category"),
                "to_finding__review": ("team",),
                "to_finding__category": ("order",),
            },
        ),
        "history:units": _history(FindingUnit, unit, finding_id=finding.pk),
        "history:measures": _history(Measure, finding_id=finding.pk),
        "history:progress": _history(Progress, unit, finding_id=finding.pk),
        "history:evidence": _history(Evidence, finding_id=finding.pk),
        "history:requests": _history(FindingRequest, finding_id=finding.pk),
        "history:urges": _history(Urge, unit, finding_id=finding.pk),
        "workflow": Rows(finding.status_changes.order_by("at", "id"), {"actor": USER}),
    }


def _group(lines: list[Line]) -> list[Entry]:
    """One entry per change set; rows without one by user and time (within a second)."""
    groups: dict[str, list[Line]] = {}
    legacy = sorted(
        (line for line in lines if not line.change_set),
        key=lambda line: (line.user_id or 0, line.at),
    )
    for line in lines:
        if line.change_set:
            groups.setdefault(line.change_set, []).append(line)
    start, key, numbers = None, "", itertools.count()
    for line in legacy:
        if start is None or line.user_id != start.user_id or line.at - start.at > LEGACY_WINDOW:
            start, key = line, f"legacy-{next(numbers)}"
        groups.setdefault(key, []).append(line)
    entries = []
    for told in groups.values():
        told.sort(key=lambda line: (line.at, RANK[line.kind]))
        if any(line.approves_extension for line in told):
            for line in told:
                line.text = line.by_extension or line.text
        entries.append(
            Entry(
                at=told[0].at,
                user=told[0].user,
                lines=[line.text for line in told],
                kinds=frozenset(line.kind for line in told),
                change_set=told[0].change_set,
            )
        )
    # Newest first; at the same moment (a frozen clock) registering came before the rest.
    entries.sort(key=lambda entry: (entry.at, "create" not in entry.kinds), reverse=True)
    return entries


def finding_timeline(finding: Finding, rows: dict[str, list] | None = None) -> list[Entry]:
    """Everything that happened to the finding, newest first, one entry per change set. One
    query, whatever the length of the history; none given the rows of timeline_rows (read
    with the page's other lists)."""
    if rows is None:
        rows = read(timeline_rows(finding))
    finding_records = rows["history:finding"]
    related, related_names = _related_snapshots(rows["history:related"])
    lines = _finding_lines(finding_records, related, related_names)
    lines += _row_lines(rows["history:measures"], _measure, "measure")
    lines += _row_lines(rows["history:units"], _unit_link, "unit")
    lines += _row_lines(rows["history:progress"], _progress(finding_records), "progress")
    lines += _row_lines(rows["history:evidence"], _evidence, "evidence")
    lines += _request_lines(rows["history:requests"])
    lines += _row_lines(rows["history:urges"], _urge(str(finding.county)), "urge")
    lines += _workflow_lines(rows["workflow"])
    return _group(lines)


def changes_since(finding: Finding, version: int) -> list[str]:
    """What others changed after the user loaded `version` of the finding, as sentences."""
    loaded = (
        Finding.history.filter(id=finding.pk, version=version).order_by("-history_date").first()
    )
    entries = finding_timeline(finding)
    if loaded is not None:
        entries = [
            e
            for e in entries
            if e.at > loaded.history_date
            and not (loaded.change_set and e.change_set == loaded.change_set)
        ]
    return [str(e) for e in reversed(entries)] or [_("其他人修改了该问题。")]
