"""Reads of the ledger that several views share."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .models import (
    AWAITING_ACKNOWLEDGEMENT_Q,
    TIMING_Q,
    County,
    Finding,
    FindingRequest,
    FindingUnit,
    NoticeItem,
    Progress,
    Timing,
    Urge,
    User,
    due_soon_q,
    overdue_q,
    warning_days,
)
from .permissions import Role, holds


@dataclasses.dataclass
class WorkList:
    title: str
    findings: list  # findings; FindingRequests when kind == "requests"; Progress: "notes"
    empty: str
    kind: str = "findings"


def _rows(qs: QuerySet, limit: int = 100) -> list[Finding]:
    return list(qs.select_related("review", "category", "county").with_lead_unit()[:limit])


def _requests(qs: QuerySet, limit: int = 100) -> list[FindingRequest]:
    """Pending requests with what their rows show, oldest first: one query."""
    return list(
        qs.pending()
        .filter(finding__archived_at__isnull=True)
        .select_related("finding", "finding__review", "finding__county", "created_by")
        .order_by("created_at", "id")[:limit]
    )


def _notes(qs: QuerySet, limit: int = 100) -> list[Progress]:
    """Progress notes with what their rows show, oldest first: one query."""
    return list(
        qs.filter(finding__archived_at__isnull=True)
        .select_related(
            "finding", "finding__review", "finding__county", "unit", "author", "reviewed_by"
        )
        .order_by("created_at", "id")[:limit]
    )


def _unit_lists(user: User, findings: QuerySet, today: dt.date) -> list[WorkList]:
    """A unit's contact: the unit's tasks to 签收, its findings overdue or due soon (all the
    contact sees are the unit's), and their notes the office returned, not yet answered by a
    later note of the unit on the same finding."""
    soon = warning_days()
    to_acknowledge = FindingUnit.objects.filter(
        AWAITING_ACKNOWLEDGEMENT_Q, unit_id=user.unit_id, finding=OuterRef("pk")
    )
    answered = Progress.objects.visible().filter(
        finding=OuterRef("finding"), unit=OuterRef("unit"), created_at__gt=OuterRef("created_at")
    )
    return [
        WorkList(
            _("待签收的问题"),
            _rows(findings.open().filter(Exists(to_acknowledge)).in_ledger_order()),
            _("没有待签收的问题。"),
        ),
        WorkList(
            _("本单位逾期或即将到期的问题"),
            _rows(
                (findings.overdue(today) | findings.due_within(soon, today)).order_by(
                    "deadline", "id"
                )
            ),
            _("本单位没有逾期或即将到期的问题。"),
        ),
        WorkList(
            _("被退回的进展"),
            _notes(
                Progress.objects.for_user(user)
                .returned()
                .filter(author=user)
                .exclude(Exists(answered))
            ),
            _("没有被退回的进展。"),
            kind="notes",
        ),
    ]


def my_work(user: User, today: dt.date) -> list[WorkList]:
    """What waits for the user: their unit's overdue and due-soon findings, findings without
    a progress note this month, close-out, extension and archive requests to approve (or,
    for staff, their own requests still waiting), recently closed to spot-check."""
    findings = Finding.objects.for_user(user).active()
    lists = []
    soon = warning_days()
    if holds(user, Role.UNIT_STAFF):
        lists += _unit_lists(user, findings, today)
    elif user.unit_id:
        mine = findings.led_by(user.unit)
        lists.append(
            WorkList(
                _("本单位逾期或即将到期的问题"),
                _rows((mine.overdue(today) | mine.due_within(soon, today)).order_by("deadline")),
                _("本单位没有逾期或即将到期的问题。"),
            )
        )
    if holds(user, Role.COUNTY_STAFF):
        lists.append(
            WorkList(
                _("逾期或即将到期的问题"),
                _rows(
                    (findings.overdue(today) | findings.due_within(soon, today)).order_by(
                        "deadline", "id"
                    )
                ),
                _("没有逾期或即将到期的问题。"),
            )
        )
        month_start = today.replace(day=1)
        noted = Progress.objects.visible().filter(finding=OuterRef("pk"), date__gte=month_start)
        lists.append(
            WorkList(
                _("本月还没有填报进展的问题"),
                _rows(findings.open().exclude(Exists(noted)).in_ledger_order()),
                _("所有未销号的问题本月都已填报进展。"),
            )
        )
        lists.append(
            WorkList(
                _("被退回的销号申请"),
                _rows(findings.returned().in_ledger_order()),
                _("没有被领导退回的销号申请。"),
            )
        )
        lists.append(
            WorkList(
                _("单位报送待采纳"),
                _notes(Progress.objects.for_user(user).awaiting_review()),
                _("没有等待采纳的单位报送。"),
                kind="notes",
            )
        )
        lists.append(
            WorkList(
                _("我提交的待审批申请"),
                _requests(FindingRequest.objects.for_user(user).filter(created_by=user)),
                _("没有等待审批的延期或归档申请。"),
                kind="requests",
            )
        )
    if holds(user, Role.COUNTY_LEADER):
        lists.append(
            WorkList(
                _("等待审批的销号申请"),
                _rows(findings.filter(status=Finding.Status.SUBMITTED).order_by("updated_at")),
                _("没有等待审批的销号申请。"),
            )
        )
        requests = FindingRequest.objects.for_user(user)
        lists += [
            WorkList(
                _("等待审批的延期申请"),
                _requests(requests.filter(kind=FindingRequest.Kind.EXTENSION)),
                _("没有等待审批的延期申请。"),
                kind="requests",
            ),
            WorkList(
                _("等待审批的归档申请"),
                _requests(requests.filter(kind=FindingRequest.Kind.ARCHIVE)),
                _("没有等待审批的归档申请。"),
                kind="requests",
            ),
        ]
    if holds(user, Role.PROVINCE_REVIEWER):
        since = today - dt.timedelta(days=30)
        lists.append(
            WorkList(
                _("近30天销号的问题（可抽查）"),
                _rows(findings.closed().filter(closed_on__gte=since).order_by("-closed_on")),
                _("近30天没有销号的问题。"),
            )
        )
    return lists


def notice_matrix(notice) -> dict:
    """Per notice finding, each county's copy and its status: three queries."""
    counties = list(County.objects.filter(reviews=notice).order_by("code"))
    items = list(
        NoticeItem.objects.filter(review=notice).select_related("category", "withdrawn_by")
    )
    copies = Finding.objects.filter(notice_item__review=notice).only(
        "id", "county_id", "notice_item_id", "status", "deadline", "closed_on", "archived_at"
    )
    cells: dict[tuple[int, int], Finding] = {(f.notice_item_id, f.county_id): f for f in copies}
    rows = [(item, [cells.get((item.pk, c.pk)) for c in counties]) for item in items]
    # A withdrawn item counts for nothing: neither assigned nor closed.
    live = [item for item in items if not item.is_withdrawn]
    closed = {
        c.pk: sum(1 for item in live if (f := cells.get((item.pk, c.pk))) and f.is_closed)
        for c in counties
    }
    assigned = {c.pk: sum(1 for item in live if (item.pk, c.pk) in cells) for c in counties}
    return {
        "counties": counties,
        "rows": rows,
        "closed": [closed[c.pk] for c in counties],
        "assigned": [assigned[c.pk] for c in counties],
    }


# ---------------------------------------------------------------------------
# Tallies: how many findings, closed, overdue, due soon… counted in the database.


@dataclasses.dataclass
class Tally:
    total: int = 0
    closed: int = 0
    submitted: int = 0
    in_progress: int = 0
    overdue: int = 0
    due_soon: int = 0
    # Close-outs against the ORIGINAL deadline (TIMING_Q): on time, after an approved
    # extension but within it, and late.
    closed_on_time: int = 0
    closed_extended: int = 0
    closed_late: int = 0

    @classmethod
    def pop_from(cls, row: dict) -> Tally:
        """The tally of a `values().annotate(**tally_annotations())` row, taken out of it."""
        return cls(**{name: row.pop(name) for name in _TALLY_FIELDS})

    def add(self, other: Tally) -> None:
        # The names read once (dataclasses.fields() per call was a fifth of /nation/'s
        # Python time: 3,000 additions a page).
        for name in _TALLY_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def closure_rate(self) -> float | None:
        return None if not self.total else self.closed / self.total


_TALLY_FIELDS = tuple(field.name for field in dataclasses.fields(Tally))


def tally_annotations(today: dt.date) -> dict:
    """The counts of a Tally as aggregates over findings, by the deadline rules of
    issues/models.py (overdue_q, due_soon_q, TIMING_Q)."""
    return {
        "total": Count("id"),
        "closed": Count("id", filter=Q(status=Finding.Status.CLOSED)),
        "submitted": Count("id", filter=Q(status=Finding.Status.SUBMITTED)),
        "in_progress": Count("id", filter=Q(status=Finding.Status.IN_PROGRESS)),
        "overdue": Count("id", filter=overdue_q(today)),
        "due_soon": Count("id", filter=due_soon_q(today)),
        "closed_on_time": Count("id", filter=TIMING_Q[Timing.ON_TIME]),
        "closed_extended": Count("id", filter=TIMING_Q[Timing.EXTENDED]),
        "closed_late": Count("id", filter=TIMING_Q[Timing.LATE]),
    }


def timing_annotation() -> Case:
    """Timing.ON_TIME / EXTENDED / LATE of each closed finding, "" for the others (TIMING_Q)."""
    return Case(
        *[When(condition, then=Value(timing.value)) for timing, condition in TIMING_Q.items()],
        default=Value(""),
        output_field=CharField(),
    )


def tally(findings: QuerySet, today: dt.date) -> Tally:
    return Tally(**findings.order_by().aggregate(**tally_annotations(today)))


def tallies(findings: QuerySet, key: str, today: dt.date) -> dict[int, Tally]:
    rows = findings.order_by().values(key).annotate(**tally_annotations(today))
    return {row.pop(key): Tally(**row) for row in rows}


# ---------------------------------------------------------------------------
# 催办: how often each finding was urged, for the ledger's rows (one subquery, no query a row).


def with_urge_counts(findings: QuerySet) -> QuerySet:
    """Each finding with `urge_count` (被催办N次) and `open_urge_count` (not yet answered)."""

    def counted(urges: QuerySet) -> Coalesce:
        rows = urges.filter(finding=OuterRef("pk")).order_by().values("finding")
        return Coalesce(
            Subquery(rows.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()),
            0,
        )

    return findings.annotate(
        urge_count=counted(Urge.objects.all()),
        open_urge_count=counted(Urge.objects.unanswered()),
    )
