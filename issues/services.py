"""Every write to the ledger goes through these functions: they check who may write,
validate, save and leave history, in one transaction."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from rectify.lib import bulk
from rectify.lib.files import removed_on_failure
from rectify.lib.records import check_version, stamp
from rectify.lib.text import chinese_date, tidy

from . import changesets, events, workflow
from .columns import text_columns
from .models import (
    Category,
    County,
    Evidence,
    Finding,
    FindingRequest,
    FindingUnit,
    Measure,
    NoticeItem,
    Progress,
    Review,
    StatusChange,
    Unit,
    Urge,
    User,
)
from .permissions import allowed, refusal, require
from .uploads import (
    IMAGES,
    MIME,
    check_upload,
    image_display_copy,
    image_thumbnail,
    pdf_pages,
    store_image_copy,
    store_upload,
)


class TransitionError(ValidationError):
    """The finding is not in a state that allows this step; nothing was changed."""


@dataclasses.dataclass(frozen=True)
class UnitEntry:
    unit: Unit
    role: str = FindingUnit.Role.RESPONSIBLE


@dataclasses.dataclass
class FindingData:
    """What a finding is made of, as a form or an importer hands it over."""

    review: Review
    description: str
    category: Category | None = None
    new_category_name: str = ""
    order: int | None = None
    deadline: dt.date | None = None
    is_ongoing: bool = False
    # The status moves through the workflow services; only a new finding (an import of an
    # existing ledger, say) may start in another state.
    status: str | None = None
    result: str = ""
    closed_on: dt.date | None = None
    measures: list[str] = dataclasses.field(default_factory=list)
    units: list[UnitEntry] = dataclasses.field(default_factory=list)
    related: list[Finding] = dataclasses.field(default_factory=list)
    # The other text columns (责任领导, …) by key (issues.columns.OWN_TEXTS); one left out is
    # kept as the finding has it.
    texts: dict[str, str] = dataclasses.field(default_factory=dict)


def category_get_or_create(*, review: Review, name: str, user: User) -> Category:
    name = name.strip()
    category = review.categories.filter(name=name).first()
    if category is None:
        last = review.categories.aggregate(m=Max("order"))["m"] or 0
        category = Category(review=review, name=name, order=last + 1)
        stamp(category, user, created=True)
        category.full_clean()
        category.save()
    return category


def categories_get_or_create(
    *, user: User, wanted: list[tuple[Review, str]]
) -> dict[tuple[int, str], Category]:
    """category_get_or_create for many (review, name) pairs at once (an import): the
    categories by (review id, name), those missing created in the order first wanted, each
    after its review's last one; one query to read them, the new ones written together."""
    reviews = {review.pk: review for review, _name in wanted}
    found: dict[tuple[int, str], Category] = {}
    last: dict[int, int] = {pk: 0 for pk in reviews}
    for category in Category.objects.filter(review__in=list(reviews)):
        found[(category.review_id, category.name)] = category
        last[category.review_id] = max(last[category.review_id], category.order)
    rows = bulk.Rows(Category)
    for review, name in wanted:
        key = (review.pk, name.strip())
        if key not in found:
            last[review.pk] += 1
            category = Category(review=review, name=key[1], order=last[review.pk])
            stamp(category, user, created=True)
            rows.add(category, clean=True)
            found[key] = category
    rows.write()
    return found


def _check_new_category(user: User, review: Review, name: str) -> None:
    """A name the review has no category for yet makes a new one: in the county's own
    reviews, not in a provincial notice, whose categories every county of it shares. A
    ValidationError, not a 403, so that the form keeps what was typed."""
    if review.categories.filter(name=name.strip()).exists():
        return
    reason = refusal(user, "category.create", review)
    if reason:
        raise ValidationError({"category": reason})


class FindingRows(bulk.Rows):
    """Findings that finding_create and finding_update queue instead of saving them one by
    one (an import saves many): their rows (findings, measures, unit links, and their
    history) written together by write(), in the caller's transaction, with what is read
    once for all of them; the units given a task are told in one signal then
    (events.units_assigned)."""

    def __init__(self):
        super().__init__(Finding, Measure, FindingUnit)
        self.assigned: list[tuple[FindingUnit, User]] = []  # the new links, told once written
        self.decided: list[Finding] = []  # the findings queued so far
        self.review_ids: dict[int, set[int]] = {}  # a county's reviews
        self.locked: dict[int, Finding] = {}  # the current rows of the findings edited

    def lock(self, findings: list[Finding]) -> None:
        """Lock the rows of the findings to be edited, and read what their edits need, at
        once (nothing is read again that the caller has already)."""
        self.locked.update(Finding.objects.select_for_update().in_bulk([f.pk for f in findings]))
        prefetch_related_objects(findings, "measures", "unit_links", "related")

    def current(self, finding: Finding) -> Finding:
        if finding.pk not in self.locked:
            self.locked[finding.pk] = Finding.objects.select_for_update().get(pk=finding.pk)
        return self.locked[finding.pk]

    def write(self) -> None:
        super().write()
        assigned, self.assigned = self.assigned, []
        for user in {id(user): user for _link, user in assigned}.values():
            links = [link for link, by in assigned if by is user]
            events.units_assigned.send(sender=FindingUnit, links=links, user=user)


@contextlib.contextmanager
def _at_once(saving: bulk.Rows | None):
    """A write now is one transaction and one change set; one queued in `saving` is written
    in its caller's."""
    if saving is not None:
        yield
        return
    with changesets.change_set(), transaction.atomic():
        yield


def _county_reviews(county: County, saving: FindingRows | None) -> set[int]:
    if saving is None:
        return set(county.reviews.values_list("pk", flat=True))
    if county.pk not in saving.review_ids:
        saving.review_ids[county.pk] = set(county.reviews.values_list("pk", flat=True))
    return saving.review_ids[county.pk]


def _next_order(
    *,
    county: County,
    category: Category,
    exclude: Finding | None = None,
    saving: FindingRows | None = None,
) -> int:
    """After the last finding of the category; with FindingRows, the findings queued
    before this one count as they will be saved, not as the database has them yet."""
    qs = Finding.objects.filter(county=county, category=category)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    last = []
    if saving is not None:
        qs = qs.exclude(pk__in=[f.pk for f in saving.decided if f.pk is not None])
        last = [
            f.order
            for f in saving.decided
            if f.county_id == county.pk and f.category_id == category.pk
        ]
    return max([qs.aggregate(m=Max("order"))["m"] or 0, *last]) + 1


def _set_deadline(finding: Finding, deadline: dt.date | None) -> None:
    """A deadline is set once; after that it moves only by an approved extension
    (request_decide), so that nobody moves a date behind the leader's back."""
    if finding.deadline is not None and deadline != finding.deadline:
        raise ValidationError(
            {"deadline": _("完成时限已确定，不能直接修改；如需调整，请提交延期申请，由领导审批。")}
        )
    finding.deadline = deadline
    if deadline is not None and finding.original_deadline is None:
        finding.original_deadline = deadline


def _apply(
    finding: Finding, data: FindingData, user: User, saving: FindingRows | None = None
) -> None:
    if data.review.pk not in _county_reviews(finding.county, saving):
        raise ValidationError({"review": _("该检查不涉及本区县。")})
    if data.new_category_name.strip():
        _check_new_category(user, data.review, data.new_category_name)
        category = category_get_or_create(
            review=data.review, name=data.new_category_name, user=user
        )
    elif data.category is not None:
        category = data.category
    else:
        raise ValidationError({"category": _("请选择问题类别，或填写新类别名称。")})
    if category.review_id != data.review.pk:
        raise ValidationError({"category": _("问题类别不属于所选检查。")})

    moved = finding.pk is None or finding.category_id != category.pk
    finding.review = data.review
    finding.category = category
    if data.order:
        finding.order = data.order
    elif moved:
        finding.order = _next_order(
            county=finding.county, category=category, exclude=finding, saving=saving
        )
    for column in text_columns():  # 问题描述, 整改结果, …
        text = column.text_of(data, default=None)
        if text is not None:
            setattr(finding, column.field, tidy(text))
    _set_deadline(finding, data.deadline)
    finding.is_ongoing = data.is_ongoing
    if data.status is not None and data.status != finding.status:
        if finding.pk is not None:
            raise TransitionError(_("整改状态须通过“申请销号”等操作变更。"))
        finding.status = data.status
        if data.status == Finding.Status.CLOSED:
            finding.closed_on = data.closed_on or timezone.localdate()


def _write(obj, saving: bulk.Rows | None) -> None:
    """Save the row now, or queue it with the others to write together (FindingRows)."""
    if saving is None:
        obj.save()
    elif obj.pk is None:
        saving.add(obj)
    else:
        saving.change(obj)


def _remove(obj, user: User, saving: bulk.Rows | None) -> None:
    obj._history_user = user
    if saving is None:
        obj.delete()
    else:
        saving.delete(obj)


def _sync_measures(
    finding: Finding, texts: list[str], user: User, saving: FindingRows | None = None
) -> None:
    """Keep the measure rows in the order given; rows are updated in place so that
    the history shows what changed in each item."""
    texts = [t for t in (tidy(t) for t in texts) if t]
    total = sum(len(t) for t in texts)
    if total > Measure.TOTAL_MAX_LENGTH:
        raise ValidationError(
            {
                "measures": _("整改措施合计不能超过%(limit)d字（现为%(total)d字）。")
                % {"limit": Measure.TOTAL_MAX_LENGTH, "total": total}
            }
        )
    existing = list(finding.measures.all()) if finding.pk is not None else []
    for position, text in enumerate(texts, start=1):
        if position <= len(existing):
            measure = existing[position - 1]
            if measure.text != text or measure.order != position:
                measure.text, measure.order = text, position
                stamp(measure, user, created=False)
                _write(measure, saving)
        else:
            measure = Measure(finding=finding, order=position, text=text)
            stamp(measure, user, created=True)
            _write(measure, saving)
    for measure in existing[len(texts) :]:
        _remove(measure, user, saving)


def _sync_units(
    finding: Finding, entries: list[UnitEntry], user: User, saving: FindingRows | None = None
) -> None:
    """Responsible units first (the first of them leads), then cooperating ones."""
    seen: set[int] = set()
    ordered: list[UnitEntry] = []
    for role in (FindingUnit.Role.RESPONSIBLE, FindingUnit.Role.COOPERATING):
        for entry in entries:
            if entry.role == role and entry.unit.pk not in seen:
                if entry.unit.county_id != finding.county_id:
                    raise ValidationError({"units": _("责任单位必须是本区县的单位。")})
                seen.add(entry.unit.pk)
                ordered.append(entry)
    links = finding.unit_links.all() if finding.pk is not None else []
    existing = {link.unit_id: link for link in links}
    for position, entry in enumerate(ordered, start=1):
        link = existing.pop(entry.unit.pk, None)
        if link is None:
            link = FindingUnit(finding=finding, unit=entry.unit, role=entry.role, order=position)
            stamp(link, user, created=True)
            _write(link, saving)
            if saving is None:
                events.unit_assigned.send(
                    sender=FindingUnit, finding=finding, unit=entry.unit, role=entry.role, user=user
                )
            else:
                saving.assigned.append((link, user))
        elif link.role != entry.role or link.order != position:
            link.role, link.order = entry.role, position
            stamp(link, user, created=False)
            _write(link, saving)
    for link in existing.values():
        _remove(link, user, saving)


def _save_finding(
    finding: Finding,
    data: FindingData,
    user: User,
    *,
    created: bool,
    saving: FindingRows | None = None,
) -> Finding:
    """Save the finding with its measures, units and related findings now, or queue them
    with the others to write together (`saving`)."""
    _apply(finding, data, user, saving)
    stamp(finding, user, created=created)
    bulk.save(finding, saving, new=created)
    if saving is not None:
        saving.decided.append(finding)
    _sync_measures(finding, data.measures, user, saving)
    _sync_units(finding, data.units, user, saving)
    related = [f for f in data.related if f.pk != finding.pk]
    if any(f.county_id != finding.county_id for f in related):
        raise ValidationError({"related": _("相关问题必须属于本区县。")})
    if saving is None:
        finding.related.set(related)
        return finding
    current = {f.pk for f in finding.related.all()} if finding.pk is not None else set()
    if {f.pk for f in related} != current:  # once the finding is written
        saving.then(lambda: finding.related.set(related))
    return finding


def finding_create(
    *, user: User, county: County, data: FindingData, saving: FindingRows | None = None
) -> Finding:
    """A new finding, saved now, or queued in `saving` to be written with others."""
    with _at_once(saving):
        require(user, "finding.create", county)
        return _save_finding(Finding(county=county), data, user, created=True, saving=saving)


def editable_refusal(finding: Finding) -> str:
    """Closed means closed: what was approved is not edited behind the approver's back; a
    change needs 重新打开 first. While a close-out waits for approval, the same holds.
    Why the finding's content cannot change now; "" when it can."""
    if finding.status == Finding.Status.CLOSED:
        return _(
            "该问题已销号，内容不能再修改。如需修改，须由领导或省级审核人员“重新打开”并说明理由。"
        )
    if finding.status == Finding.Status.SUBMITTED:
        return _(
            "该问题已申请销号，正在等待领导审批，审批期间不能修改。如需修改，请领导先退回申请。"
        )
    return ""


def check_editable(finding: Finding) -> None:
    refusal = editable_refusal(finding)
    if refusal:
        raise TransitionError(refusal)


def finding_update(
    *,
    user: User,
    finding: Finding,
    data: FindingData,
    expected_version: int | None,
    saving: FindingRows | None = None,
) -> Finding:
    """Save an edit (now, or queued in `saving` to be written with others); refused with
    EditConflict unless the user loaded the current version (`expected_version`), so that
    nobody silently overwrites anybody."""
    from .timeline import changes_since

    with _at_once(saving):
        require(user, "finding.edit", finding)
        if saving is None:
            current = Finding.objects.select_for_update().get(pk=finding.pk)
        else:
            current = saving.current(finding)
        check_editable(current)
        check_version(current, expected_version, changes_since)
        # A ModelForm has already copied the posted values onto `finding`: the deadline rule
        # compares with what is saved, not with that.
        finding.deadline, finding.original_deadline = current.deadline, current.original_deadline
        finding.version = current.version + 1
        return _save_finding(finding, data, user, created=False, saving=saving)


def reporting_unit(user: User, finding: Finding) -> Unit | None:
    """The unit a note by `user` on `finding` reports for: the user's own when they are one
    of the finding's units' contacts (who 签收 its task), for the office to accept or
    return; None for the office's own notes."""
    return user.unit if allowed(user, "finding.acknowledge", finding) else None


@removed_on_failure()
@changesets.change_set()
@transaction.atomic
def progress_add(
    *,
    user: User,
    finding: Finding,
    note: str,
    date: dt.date | None = None,
    uploads=(),
    kind: str = Progress.Kind.NOTE,
) -> Progress:
    """Record a progress note; the first one starts the rectification. A unit's contact
    writes it for their unit (a note or a proposed result), waiting for the office."""
    progress = _new_note(user=user, finding=finding, note=note, date=date, kind=kind)
    for upload in uploads:
        # Every file is checked before any is stored: a refused one leaves nothing behind.
        check_upload(upload)
    progress.full_clean()
    progress.save()
    urges_answer(progress=progress, user=user)
    if progress.unit is not None:
        events.progress_submitted_by_unit.send(sender=Progress, progress=progress, user=user)
    for upload in uploads:
        evidence_add(
            user=user, finding=finding, upload=upload, date=progress.date, progress=progress
        )
    # The first note starts the work (whoever may report progress may start it this way).
    # Decide on the locked current row: `finding` may be a stale copy that an earlier note
    # (or another user's) has since moved to in_progress.
    start = workflow.STEPS["start"]
    current = Finding.objects.select_for_update().only("status").get(pk=finding.pk)
    if current.status in start.sources:
        _take_step(start, user, finding, _first_note())
    return progress


def _first_note() -> str:
    """Why the first progress note started the work (the step's comment)."""
    return _("填报首条整改进展")


def _new_note(
    *, user: User, finding: Finding, note: str, date: dt.date | None, kind: str
) -> Progress:
    """The checks before a progress note, and the note (not saved yet)."""
    require(user, "finding.report_progress", finding)
    if finding.is_archived:
        raise ValidationError(_("该问题已归档，恢复后才能填报进展。"))
    date = date or timezone.localdate()
    if date > timezone.localdate():
        raise ValidationError({"date": _("进展日期不能晚于今天。")})
    unit = reporting_unit(user, finding)
    if kind == Progress.Kind.RESULT and unit is None:
        # The office writes the result itself (申请销号); it proposes none to itself.
        raise ValidationError({"kind": _("只有责任单位可以报送拟定的整改结果。")})
    progress = Progress(
        finding=finding,
        note=tidy(note),
        date=date,
        author=user,
        unit=unit,
        kind=kind,
        review_status=Progress.ReviewStatus.PENDING if unit else Progress.ReviewStatus.NONE,
    )
    stamp(progress, user, created=True)
    return progress


@changesets.change_set()
@transaction.atomic
def progress_add_many(
    *, user: User, notes: list[tuple[Finding, str]], date: dt.date | None = None
) -> list[Progress]:
    """progress_add for many findings at once (an import's notes, without files): the same
    checks, and the notes, the urges they answer and the work they start written together
    (a query or two per kind of row instead of several per note)."""
    rows = bulk.Rows(Progress, Urge, StatusChange, Finding)
    added = []
    for finding, note in notes:
        progress = _new_note(
            user=user, finding=finding, note=note, date=date, kind=Progress.Kind.NOTE
        )
        rows.add(progress, clean=True)
        added.append(progress)
    for urge in _urges_answered(user, added):
        rows.change(urge)
    # The first note starts the work, decided on the locked current rows (as progress_add).
    start = workflow.STEPS["start"]
    current = (
        Finding.objects.select_for_update()
        .select_related("county")
        .in_bulk({p.finding_id for p in added})
    )
    started = []
    for progress in added:
        finding = current[progress.finding_id]
        if finding.status in start.sources:
            rows.add(_status_change(finding, user, start, _first_note()))
            _changed(finding, user, status=start.target)
            rows.change(finding, clean=True)
            started.append(finding)
    rows.write()
    for progress in added:
        if progress.unit is not None:
            events.progress_submitted_by_unit.send(sender=Progress, progress=progress, user=user)
    for finding in started:
        events.finding_stepped.send(
            sender=Finding, finding=finding, step=start.name, user=user, comment=_first_note()
        )
    return added


# ---------------------------------------------------------------------------
# A unit's task on a finding (FindingUnit): 签收 by its contact, or handed back by the lead
# unit for the office to reassign (through finding_update: a new link is a new task).


def _own_link(user: User, finding: Finding) -> FindingUnit:
    """The user's unit's link on the finding, locked; the finding must still be worked on."""
    link = (
        FindingUnit.objects.select_for_update()
        .select_related("unit", "finding")
        .get(finding=finding, unit_id=user.unit_id)
    )
    if link.finding.is_archived:
        raise TransitionError(_("该问题已归档，不能办理。"))
    if link.finding.is_closed:
        raise TransitionError(_("该问题已销号，无需签收或退回。"))
    return link


@changesets.change_set()
@transaction.atomic
def finding_acknowledge(*, user: User, finding: Finding) -> tuple[FindingUnit, bool]:
    """签收: the contact's unit takes on its task. Twice is once: returns the link and
    whether this call acknowledged it (False: it was already)."""
    require(user, "finding.acknowledge", finding)
    link = _own_link(user, finding)
    if link.is_handed_back:
        raise TransitionError(_("本单位已退回该问题，等待区县重新交办，不能签收。"))
    if link.is_acknowledged:
        return link, False
    link.acknowledged_at, link.acknowledged_by = timezone.now(), user
    stamp(link, user, created=False)
    link.save()
    events.finding_acknowledged.send(sender=FindingUnit, link=link, user=user)
    return link, True


@changesets.change_set()
@transaction.atomic
def finding_hand_back(*, user: User, finding: Finding, reason: str) -> FindingUnit:
    """The lead unit (the first responsible one) hands the finding back, with a reason, for
    the office to give to another unit."""
    require(user, "finding.hand_back", finding)
    reason = tidy(reason)
    if not reason:
        raise ValidationError({"reason": _("请说明退回的理由。")})
    link = _own_link(user, finding)
    lead = (
        FindingUnit.objects.filter(finding=finding, role=FindingUnit.Role.RESPONSIBLE)
        .order_by("order", "id")
        .first()
    )
    if lead is None or lead.pk != link.pk:
        raise TransitionError(_("只有牵头单位可以退回该问题；配合单位请与牵头单位或区县联系。"))
    if link.is_handed_back:
        raise TransitionError(_("本单位已经退回该问题。"))
    link.handed_back_at, link.handed_back_by = timezone.now(), user
    link.hand_back_reason = reason
    stamp(link, user, created=False)
    link.full_clean()
    link.save()
    events.finding_handed_back.send(sender=FindingUnit, link=link, user=user, reason=reason)
    return link


# ---------------------------------------------------------------------------
# A unit's notes, reviewed by the office: accepted (a proposed result becomes the finding's
# result, as an edit would make it) or returned with a comment.


def _progress_to_review(progress: Progress) -> Progress:
    progress = Progress.objects.select_for_update().select_related("finding").get(pk=progress.pk)
    if progress.is_withdrawn:
        raise TransitionError(_("这条进展已经撤回。"))
    if not progress.awaits_review:
        raise TransitionError(
            _("这条进展不是待采纳的单位报送（现为“%(status)s”）。")
            % {"status": progress.get_review_status_display()}
        )
    return progress


def _mark_reviewed(progress: Progress, user: User, status: str, comment: str = "") -> None:
    progress.review_status, progress.review_comment = status, comment
    progress.reviewed_by, progress.reviewed_at = user, timezone.now()
    stamp(progress, user, created=False)
    # A note written before today's length limits stays as it is: only the review is checked.
    progress.full_clean(exclude=["note"])
    progress.save()


@changesets.change_set()
@transaction.atomic
def progress_accept(*, user: User, progress: Progress) -> Progress:
    """采纳 a unit's note; a proposed result becomes the finding's result (not while a
    close-out waits for approval, nor once closed: editable_refusal)."""
    require(user, "progress.review", progress)
    progress = _progress_to_review(progress)
    if progress.is_proposed_result:
        finding = Finding.objects.select_for_update().get(pk=progress.finding_id)
        if finding.is_archived:
            raise TransitionError(_("该问题已归档，恢复后才能采纳。"))
        check_editable(finding)
        _save_changes(finding, user, result=progress.note)
    _mark_reviewed(progress, user, Progress.ReviewStatus.ACCEPTED)
    events.progress_accepted.send(sender=Progress, progress=progress, user=user)
    return progress


@changesets.change_set()
@transaction.atomic
def progress_return(*, user: User, progress: Progress, comment: str) -> Progress:
    """退回 a unit's note with a comment: it shows in the contact's 我的待办 (被退回)."""
    require(user, "progress.review", progress)
    comment = tidy(comment)
    if not comment:
        raise ValidationError({"comment": _("退回时请填写意见，告诉单位需要补充或修改什么。")})
    progress = _progress_to_review(progress)
    _mark_reviewed(progress, user, Progress.ReviewStatus.RETURNED, comment)
    events.progress_returned.send(sender=Progress, progress=progress, user=user, comment=comment)
    return progress


def unit_save(*, user: User, unit: Unit, rows: bulk.Rows | None = None) -> Unit:
    """Save the unit now, or queue it in `rows` with others to write together (an import)."""
    with _at_once(rows):
        require(user, "unit.manage", unit)
        new = unit.pk is None and not (rows is not None and rows.is_new(unit))
        stamp(unit, user, created=new)
        bulk.save(unit, rows, new=new)
        return unit


# ---------------------------------------------------------------------------
# Close-out workflow (销号): the steps, their states and who may take them are the rows of
# workflow.STEPS; each function below takes one and adds what is its own.


def _transition(finding: Finding, user: User, step: workflow.Step, *, comment: str = "") -> Finding:
    """Lock the finding's row, check the step is allowed from its state, and record it.
    Returns the locked, current row: callers save that, never a stale copy."""
    finding = Finding.objects.select_for_update().select_related("county").get(pk=finding.pk)
    _status_change(finding, user, step, comment).save()
    return finding


def _status_change(
    finding: Finding, user: User, step: workflow.Step, comment: str = ""
) -> StatusChange:
    """Check the step is allowed from the (locked, current) finding's state; its record,
    not saved yet."""
    if finding.is_archived:
        raise TransitionError(_("该问题已归档，不能办理。"))
    if finding.status not in step.sources:
        raise TransitionError(
            _("该问题当前为“%(status)s”，不能执行此操作。")
            % {"status": finding.get_status_display()}
        )
    return StatusChange(
        finding=finding,
        from_status=finding.status,
        to_status=step.target,
        actor=user,
        comment=tidy(comment),
        change_set=changesets.current(),
    )


def _changed(finding: Finding, user: User, **fields) -> None:
    """Set fields on a (locked, current) finding and count a new version."""
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.version += 1
    stamp(finding, user, created=False)


def _save_changes(finding: Finding, user: User, **fields) -> Finding:
    """Set fields on a (locked, current) finding, count a new version, save with history."""
    _changed(finding, user, **fields)
    finding.full_clean()
    finding.save()
    return finding


def _step(name: str, user: User, finding: Finding, reason: str | None = None) -> workflow.Step:
    """The step `name`, once the user may take it (and has given a reason, if it needs one)."""
    step = workflow.STEPS[name]
    require(user, step.ability, finding)
    if step.reason_required and not (reason or "").strip():
        raise ValidationError({"comment": str(step.no_reason)})
    return step


def _take_step(
    step: workflow.Step, user: User, finding: Finding, comment: str = "", **fields
) -> Finding:
    """Move the finding along `step` from one of its sources, recorded, and set `fields`."""
    finding = _transition(finding, user, step, comment=comment)
    finding = _save_changes(finding, user, status=step.target, **fields)
    events.finding_stepped.send(
        sender=Finding, finding=finding, step=step.name, user=user, comment=comment
    )
    return finding


@changesets.change_set()
@transaction.atomic
def finding_start(*, user: User, finding: Finding, comment: str = "") -> Finding:
    """open → in_progress (staff)."""
    return _take_step(_step("start", user, finding), user, finding, comment)


@changesets.change_set()
@transaction.atomic
def finding_submit_closeout(
    *, user: User, finding: Finding, result: str, evidence_waiver: str = "", comment: str = ""
) -> Finding:
    """in_progress → submitted (staff: 申请销号), with a result and evidence or a reason."""
    step = _step("submit", user, finding)
    result, evidence_waiver = tidy(result), tidy(evidence_waiver)
    errors = {}
    if not result:
        errors["result"] = _("申请销号须填写整改结果。")
    if not finding.evidence.visible().exists() and not evidence_waiver:
        errors["evidence_waiver"] = _("请先上传佐证材料，或说明无需佐证材料的理由。")
    if errors:
        raise ValidationError(errors)
    return _take_step(step, user, finding, comment, result=result, evidence_waiver=evidence_waiver)


@changesets.change_set()
@transaction.atomic
def finding_close(*, user: User, finding: Finding, comment: str = "") -> Finding:
    """submitted → closed (county leader: 同意销号)."""
    step = _step("close", user, finding)
    return _take_step(step, user, finding, comment, closed_on=timezone.localdate(), closed_by=user)


@changesets.change_set()
@transaction.atomic
def finding_return(*, user: User, finding: Finding, reason: str) -> Finding:
    """submitted → in_progress (county leader: 退回, with a reason)."""
    return _take_step(_step("return", user, finding, reason), user, finding, reason.strip())


@changesets.change_set()
@transaction.atomic
def finding_reopen(*, user: User, finding: Finding, reason: str) -> Finding:
    """closed → in_progress (province reviewer after a spot check, or the county leader;
    with a reason)."""
    step = _step("reopen", user, finding, reason)
    return _take_step(step, user, finding, reason.strip(), closed_on=None, closed_by=None)


# ---------------------------------------------------------------------------
# Archive instead of delete: archiving is a request the leader approves (archive_request,
# request_decide below); restoring is direct.


@changesets.change_set()
@transaction.atomic
def finding_restore(*, user: User, finding: Finding) -> Finding:
    require(user, "finding.restore", finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if not finding.is_archived:
        raise TransitionError(_("该问题未归档。"))
    return _save_changes(finding, user, archived_at=None, archived_by=None)


# ---------------------------------------------------------------------------
# Evidence (佐证材料): checked on the way in, hidden rather than deleted.


@removed_on_failure()
@changesets.change_set()
@transaction.atomic
def evidence_add(
    *,
    user: User,
    finding: Finding,
    upload,
    title: str = "",
    date: dt.date | None = None,
    progress: Progress | None = None,
) -> Evidence:
    require(user, "finding.add_evidence", finding)
    if finding.is_archived:
        raise ValidationError(_("该问题已归档，恢复后才能上传佐证材料。"))
    checked = check_upload(upload)
    if progress is not None and progress.finding_id != finding.pk:
        raise ValidationError(_("进展记录不属于该问题。"))
    evidence = Evidence(
        finding=finding,
        progress=progress,
        title=(title or "").strip() or upload.name,
        date=date or timezone.localdate(),
        original_name=upload.name[:255],
        size=upload.size,
        content_type=checked.content_type,
        pages=pdf_pages(upload) if checked.content_type == MIME["pdf"] else None,
    )
    # A photo gets its thumbnail and the viewer's copy now (before storing: a large upload's
    # temporary file is moved into place); a damaged one is kept all the same, without.
    is_image = checked.content_type in IMAGES
    thumbnail = image_thumbnail(upload) if is_image else None
    display = image_display_copy(upload) if is_image else None
    store_upload(evidence.file, upload)
    if thumbnail:
        store_image_copy(evidence.thumbnail, thumbnail)
    if display:
        store_image_copy(evidence.display, display)
    stamp(evidence, user, created=True)
    evidence.full_clean()
    evidence.save()
    return evidence


@changesets.change_set()
@transaction.atomic
def evidence_remove(*, user: User, evidence: Evidence) -> Evidence:
    require(user, "finding.remove_evidence", evidence)
    finding = Finding.objects.select_for_update().get(pk=evidence.finding_id)
    if finding.status in (Finding.Status.SUBMITTED, Finding.Status.CLOSED):
        # The leader approves (or approved) the close-out on this evidence.
        raise TransitionError(
            _("该问题已申请销号或已销号，佐证材料不能移除；如需调整，请领导先退回或重新打开。")
        )
    evidence.removed_at, evidence.removed_by = timezone.now(), user
    stamp(evidence, user, created=False)
    evidence.save()
    return evidence


@changesets.change_set()
@transaction.atomic
def evidence_restore(*, user: User, evidence: Evidence) -> Evidence:
    require(user, "evidence.restore", evidence)
    evidence.removed_at, evidence.removed_by = None, None
    stamp(evidence, user, created=False)
    evidence.save()
    return evidence


# ---------------------------------------------------------------------------
# Provincial notices (督查通报): one finding written once, a copy for each county named.


@changesets.change_set()
@transaction.atomic
def notice_create(*, user: User, province, data: dict) -> Review:
    require(user, "notice.manage", province)
    notice = Review(kind=Review.Kind.PROVINCE_SUPERVISION, province=province, **data)
    stamp(notice, user, created=True)
    notice.full_clean()
    notice.save()
    return notice


@changesets.change_set()
@transaction.atomic
def notice_item_add(
    *,
    user: User,
    notice: Review,
    category_name: str,
    description: str,
    measures: list[str],
    counties: list[County],
    deadline: dt.date | None = None,
) -> NoticeItem:
    """Record a notice finding once and give each chosen county its own copy to rectify."""
    require(user, "notice.manage", notice)
    if not counties:
        raise ValidationError({"counties": _("请至少选择一个区县。")})
    if any(c.province_id != notice.province_id for c in counties):
        raise ValidationError({"counties": _("只能选择本省的区县。")})
    category = category_get_or_create(review=notice, name=category_name, user=user)
    order = (notice.notice_items.filter(category=category).aggregate(m=Max("order"))["m"] or 0) + 1
    item = NoticeItem(
        review=notice,
        category=category,
        order=order,
        description=tidy(description),
        measures="\n".join(t for t in (tidy(m) for m in measures) if t),
        deadline=deadline or notice.report_deadline,
    )
    stamp(item, user, created=True)
    item.full_clean()
    item.save()
    notice_fan_out(user=user, item=item, counties=counties)
    return item


def notice_fan_out(*, user: User, item: NoticeItem, counties: list[County]) -> list[Finding]:
    """A copy of the item for each county that does not have one yet."""
    notice = item.review
    notice.counties.add(*counties)
    have = set(item.findings.values_list("county_id", flat=True))
    # A county that already recorded this problem itself (same notice, same text) keeps its
    # finding, now linked to the item, rather than getting a second copy.
    key = item.description.strip().rstrip("。;")
    for own in Finding.objects.filter(
        review=notice, county__in=counties, notice_item__isnull=True
    ).exclude(county_id__in=have):
        text = own.description.strip().rstrip("。;")
        if text and (text in key or key in text):
            own.notice_item = item
            stamp(own, user, created=False)
            own.save(update_fields=["notice_item", "updated_by", "updated_at"])
            have.add(own.county_id)
    copies = []
    measures = [m for m in item.measures.splitlines() if m.strip()]
    for county in counties:
        if county.pk in have:
            continue
        finding = Finding(county=county, notice_item=item)
        _apply(
            finding,
            FindingData(
                review=notice,
                category=item.category,
                description=item.description,
                deadline=item.deadline,
                measures=measures,
            ),
            user,
        )
        stamp(finding, user, created=True)
        finding.full_clean()
        finding.save()
        _sync_measures(finding, measures, user)
        copies.append(finding)
    events.notice_assigned.send(sender=NoticeItem, item=item, findings=copies, user=user)
    return copies


NOTICE_WITHDRAW_REASON_MAX = 200


@changesets.change_set()
@transaction.atomic
def notice_item_edit(
    *,
    user: User,
    item: NoticeItem,
    description: str,
    measures: list[str],
    deadline: dt.date | None,
    add_counties: list[County] = (),
) -> NoticeItem:
    """Correct an item's words and give it to more counties. A county's copy it has not
    changed itself (open, same words as the item had) follows the new words; a copy the
    county has worked on keeps its own. Deadlines already set move only by an extension."""
    require(user, "notice.manage", item.review)
    item = NoticeItem.objects.select_for_update().get(pk=item.pk)
    if item.is_withdrawn:
        raise TransitionError(_("该通报问题已撤回，不能修改。"))
    old = item.description
    item.description = tidy(description)
    item.measures = "\n".join(t for t in (tidy(m) for m in measures) if t)
    item.deadline = deadline or item.review.report_deadline
    stamp(item, user, created=False)
    item.full_clean()
    item.save()
    if item.description != old:
        copies = item.findings.select_for_update().filter(
            description=old, archived_at__isnull=True, status=Finding.Status.OPEN
        )
        for finding in copies:
            finding.description = item.description
            finding.version += 1
            stamp(finding, user, created=False)
            finding.full_clean()
            finding.save()
    if add_counties:
        if any(c.province_id != item.review.province_id for c in add_counties):
            raise ValidationError({"counties": _("只能选择本省的区县。")})
        notice_fan_out(user=user, item=item, counties=list(add_counties))
    return item


@changesets.change_set()
@transaction.atomic
def notice_item_withdraw(*, user: User, item: NoticeItem, reason: str) -> NoticeItem:
    """撤回 an item issued by mistake: kept, shown struck through with who, when and why; it
    closes nothing, and the counties' findings made from it stay, marked as from a
    withdrawn item (each county's office decides about its own, e.g. by archiving it)."""
    require(user, "notice.manage", item.review)
    item = NoticeItem.objects.select_for_update().get(pk=item.pk)
    if item.is_withdrawn:
        raise TransitionError(_("该通报问题已经撤回。"))
    reason = tidy(reason)
    if not reason:
        raise ValidationError({"reason": _("请填写撤回原因。")})
    if len(reason) > NOTICE_WITHDRAW_REASON_MAX:
        raise ValidationError(
            {"reason": _("撤回原因不能超过%(n)d字。") % {"n": NOTICE_WITHDRAW_REASON_MAX}}
        )
    item.withdrawn_at, item.withdrawn_by, item.withdraw_reason = timezone.now(), user, reason
    stamp(item, user, created=False)
    item.save()
    return item


# ---------------------------------------------------------------------------
# Progress notes: a note written by mistake (a double click, the wrong finding) is withdrawn
# within a day of writing it, never deleted: the county leader still sees it, the history
# tells it, and pages, counts, exports and documents leave it out (Progress.objects.visible()).

PROGRESS_WITHDRAW_WITHIN = dt.timedelta(hours=24)
WITHDRAW_REASON_MAX = 100  # simple-history keeps the reason in history_change_reason


def progress_withdraw_refusal(progress: Progress, finding: Finding) -> str:
    """Why the note cannot be withdrawn now, or "" when it can."""
    if progress.is_withdrawn:
        return _("这条进展已经撤回。")
    if finding.is_archived:
        return _("该问题已归档，不能撤回进展。")
    if timezone.now() > progress.created_at + PROGRESS_WITHDRAW_WITHIN:
        return _("进展填报已超过一天，不能撤回。")
    return ""


def progress_may_withdraw(user: User, progress: Progress, finding: Finding) -> bool:
    """Whether to offer the user the 撤回 button on this note now."""
    return allowed(user, "progress.withdraw", progress) and not progress_withdraw_refusal(
        progress, finding
    )


@changesets.change_set()
@transaction.atomic
def progress_withdraw(*, user: User, progress: Progress, reason: str = "") -> Progress:
    """Hide a progress note (kept, with who withdrew it and when). The status it may have
    moved (the first note starts the rectification) stays as it is."""
    progress = Progress.objects.select_for_update().select_related("finding").get(pk=progress.pk)
    finding = progress.finding
    require(user, "progress.withdraw", progress)
    refusal = progress_withdraw_refusal(progress, finding)
    if refusal:
        raise TransitionError(refusal)
    reason = reason.strip()
    if len(reason) > WITHDRAW_REASON_MAX:
        raise ValidationError(
            {"reason": _("撤回原因不能超过%(n)d个字。") % {"n": WITHDRAW_REASON_MAX}}
        )
    progress.withdrawn_at, progress.withdrawn_by = timezone.now(), user
    stamp(progress, user, created=False)
    progress._change_reason = reason or None
    # Only the withdrawal is saved: a note written before today's length limits stays as it is.
    progress.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at", "updated_by"])
    return progress


# ---------------------------------------------------------------------------
# Reviews and categories (检查与问题类别): a county's own reviews are its staff's to keep; a
# provincial notice is its province's; a review shared by several counties that is not a
# notice belongs to no one county, so none of them changes it alone.

# What the review forms may change; the counties and the province are fixed at creation.
REVIEW_FIELDS = frozenset(
    {
        "kind",
        "team",
        "issuer",
        "title",
        "reference_number",
        "start_date",
        "end_date",
        "issued_on",
        "report_deadline",
    }
)


def _review_data(data: dict) -> dict:
    unknown = set(data) - REVIEW_FIELDS
    if unknown:
        raise ValueError(f"not review fields: {sorted(unknown)}")
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


@transaction.atomic
def review_create(*, user: User, county: County, data: dict) -> Review:
    """A review of the county, entered by its staff (a notice is created by notice_create)."""
    require(user, "review.create", county)
    review = Review(**_review_data(data))
    stamp(review, user, created=True)
    review.full_clean()
    review.save()
    review.counties.add(county)
    return review


@transaction.atomic
def review_update(*, user: User, review: Review, data: dict) -> Review:
    """Reviews carry no version: the row is locked and the fields given are set."""
    current = Review.objects.select_for_update().get(pk=review.pk)
    require(user, "review.edit", current)
    for name, value in _review_data(data).items():
        setattr(current, name, value)
    stamp(current, user, created=False)
    current.full_clean()
    current.save()
    return current


def _renumber(categories: list[Category], user: User) -> None:
    """Number the categories 1, 2, 3… in the order given, saving only those that move."""
    for position, category in enumerate(categories, start=1):
        if category.order != position:
            category.order = position
            stamp(category, user, created=False)
            category.save()


def _clean_category_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写类别名称。")})
    if len(name) > Category._meta.get_field("name").max_length:
        raise ValidationError({"name": _("类别名称不能超过200个字。")})
    return name


@transaction.atomic
def category_create(*, user: User, review: Review, name: str, order: int | None = None) -> Category:
    """A new category, last or at position `order` (the others move down one)."""
    require(user, "review.edit", review)
    name = _clean_category_name(name)
    categories = list(review.categories.select_for_update().order_by("order", "id"))
    if any(c.name == name for c in categories):
        raise ValidationError({"name": _("该检查中已有类别“%(name)s”。") % {"name": name}})
    position = len(categories) + 1 if order is None else max(1, min(order, len(categories) + 1))
    category = Category(review=review, name=name, order=position)
    stamp(category, user, created=True)
    category.full_clean()
    category.save()
    categories.insert(position - 1, category)
    _renumber(categories, user)
    return category


@dataclasses.dataclass(frozen=True)
class CategoryEntry:
    """A category as the review page's form sends it back: its name and order number."""

    category: Category
    name: str
    order: int


@transaction.atomic
def categories_update(*, user: User, review: Review, entries: list[CategoryEntry]) -> None:
    """Rename and reorder a review's categories at once. The numbers given sort them (on a
    tie, the one given a new number goes first, so "3 → 1" moves the third to the top);
    then they are numbered 1, 2, 3… again."""
    require(user, "review.edit", review)
    current = {c.pk: c for c in review.categories.select_for_update()}
    given = {e.category.pk: e for e in entries}
    if not set(given) <= set(current):
        raise ValidationError(_("问题类别不属于该检查。"))
    names: dict[int, str] = {}
    for pk, category in current.items():
        entry = given.get(pk)
        names[pk] = _clean_category_name(entry.name) if entry else category.name
    seen: dict[str, int] = {}
    for pk, name in names.items():
        if name in seen:
            raise ValidationError({"name": _("类别“%(name)s”重复了。") % {"name": name}})
        seen[name] = pk

    def sort_key(category: Category):
        entry = given.get(category.pk)
        number = entry.order if entry else category.order
        return (number, number == category.order, category.order, category.pk)

    ordered = sorted(current.values(), key=sort_key)
    renamed = [pk for pk, c in current.items() if names[pk] != c.name]
    if any(names[pk] in {c.name for c in current.values()} for pk in renamed):
        # Names swapped between categories: clear the old ones first, or the unique
        # constraint would refuse the first save. Not history: the saves below are.
        for pk in renamed:
            Category.objects.filter(pk=pk).update(name=f"#renaming-{pk}#")
    for position, category in enumerate(ordered, start=1):
        if category.name != names[category.pk] or category.order != position:
            category.name, category.order = names[category.pk], position
            stamp(category, user, created=False)
            category.full_clean(validate_constraints=False)
            category.save()


@transaction.atomic
def category_remove(*, user: User, category: Category) -> None:
    """Only an empty category goes: one that findings (even archived ones) or notice items
    use stays, so that nothing loses its heading."""
    review = category.review
    require(user, "review.edit", review)
    used = Finding.objects.filter(category=category).count()
    if used:
        raise ValidationError(
            _(
                "类别“%(name)s”下有 %(n)d 个问题（含已归档的），不能删除；"
                "可以改名，或先把这些问题改到其他类别。"
            )
            % {"name": category.name, "n": used}
        )
    if NoticeItem.objects.filter(category=category).exists():
        raise ValidationError(
            _("类别“%(name)s”下有通报问题，不能删除；可以改名。") % {"name": category.name}
        )
    category._history_user = user
    category.delete()
    _renumber(list(review.categories.order_by("order", "id")), user)


# Requests: extension and archive (延期申请、归档申请). County staff ask, with a reason; the
# county leader approves or refuses (a refusal says why). Nobody moves a deadline or archives
# a finding directly: the original deadline stays on record and the request is the trace.


def _check_no_pending(finding: Finding, kind: str) -> None:
    if finding.requests.filter(kind=kind, status=FindingRequest.Status.PENDING).exists():
        raise ValidationError(
            _("该问题已有一项%(kind)s在等待领导审批，请勿重复提交；如需修改，请先撤回。")
            % {"kind": FindingRequest.Kind(kind).label}
        )


def _file_request(user: User, finding: Finding, kind: str, reason: str, **fields):
    request = FindingRequest(finding=finding, kind=kind, reason=reason, **fields)
    stamp(request, user, created=True)
    request.full_clean()
    request.save()
    events.request_filed.send(sender=FindingRequest, request=request, user=user)
    return request


@transaction.atomic
def extension_request(
    *, user: User, finding: Finding, new_deadline: dt.date | None, reason: str
) -> FindingRequest:
    """申请延期: ask the leader to move the deadline to `new_deadline`."""
    require(user, "finding.request_extension", finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.is_archived:
        raise TransitionError(_("该问题已归档，不能申请延期。"))
    if finding.is_closed:
        raise TransitionError(_("该问题已销号，不能申请延期。"))
    if finding.deadline is None:
        raise ValidationError(
            {
                "new_deadline": _(
                    "该问题还没有完成时限：请在“修改”中直接填写完成时限，无需申请延期。"
                )
            }
        )
    reason = reason.strip()
    errors = {}
    if new_deadline is None:
        errors["new_deadline"] = _("请填写延期后的完成时限。")
    elif new_deadline <= finding.deadline:
        errors["new_deadline"] = _("延期后的完成时限须晚于现在的完成时限（%(date)s）。") % {
            "date": chinese_date(finding.deadline)
        }
    if not reason:
        errors["reason"] = _("请说明申请延期的理由。")
    if errors:
        raise ValidationError(errors)
    _check_no_pending(finding, FindingRequest.Kind.EXTENSION)
    return _file_request(
        user,
        finding,
        FindingRequest.Kind.EXTENSION,
        reason,
        current_deadline=finding.deadline,
        new_deadline=new_deadline,
    )


@transaction.atomic
def archive_request(*, user: User, finding: Finding, reason: str) -> FindingRequest:
    """申请归档 (撤销): ask the leader to take the finding off the ledger, with a reason."""
    require(user, "finding.request_archive", finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.is_archived:
        raise TransitionError(_("该问题已经归档。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请说明申请归档的理由。")})
    _check_no_pending(finding, FindingRequest.Kind.ARCHIVE)
    return _file_request(user, finding, FindingRequest.Kind.ARCHIVE, reason)


def _lock_request(request: FindingRequest) -> FindingRequest:
    return (
        FindingRequest.objects.select_for_update()
        .select_related("finding", "finding__county")
        .get(pk=request.pk)
    )


def _check_pending(request: FindingRequest, verb: str) -> None:
    if not request.is_pending:
        raise TransitionError(
            _("该申请当前为“%(status)s”，不能再%(verb)s。")
            % {"status": request.get_status_display(), "verb": verb}
        )


def _approve(request: FindingRequest, user: User) -> None:
    """Carry out an approved request on the locked, current finding row."""
    finding = Finding.objects.select_for_update().get(pk=request.finding_id)
    if finding.is_archived:
        raise TransitionError(_("该问题已归档，不能再办理该申请。"))
    if request.kind == FindingRequest.Kind.EXTENSION:
        if finding.is_closed:
            raise TransitionError(_("该问题已销号，不能再延期；可以不同意该申请。"))
        if finding.deadline is not None and request.new_deadline <= finding.deadline:
            raise TransitionError(_("申请延期至的日期不晚于现在的完成时限，不能同意。"))
        # The deadline moves; original_deadline stays as it was first set.
        _save_changes(finding, user, deadline=request.new_deadline)
    else:
        _save_changes(finding, user, archived_at=timezone.now(), archived_by=user)


@transaction.atomic
def request_decide(
    *, user: User, request: FindingRequest, approve: bool, comment: str = ""
) -> FindingRequest:
    """The county leader approves (同意) or refuses (不同意, with a reason) a request."""
    request = _lock_request(request)
    require(user, "request.decide", request)
    _check_pending(request, _("审批"))
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("不同意须说明理由。")})
    if approve:
        _approve(request, user)
    request.status = FindingRequest.Status.APPROVED if approve else FindingRequest.Status.REFUSED
    request.decided_by, request.decided_at = user, timezone.now()
    request.decision_comment = comment
    stamp(request, user, created=False)
    request.full_clean()
    request.save()
    events.request_decided.send(sender=FindingRequest, request=request, user=user, approved=approve)
    return request


@transaction.atomic
def request_withdraw(*, user: User, request: FindingRequest) -> FindingRequest:
    """The requester (or the county's staff) takes back a request still waiting."""
    request = _lock_request(request)
    require(user, "request.withdraw", request)
    _check_pending(request, _("撤回"))
    request.status = FindingRequest.Status.WITHDRAWN
    stamp(request, user, created=False)
    request.full_clean()
    request.save()
    return request


# ---------------------------------------------------------------------------
# 催办 (urging): the county's office and leader urge one of the finding's units; the province
# urges the county itself (no unit). The next progress note from the urged unit (any note,
# when the urge names no unit) answers it.

URGE_MESSAGE_MAX = Urge._meta.get_field("message").max_length


def urge_refusal(finding: Finding) -> str:
    """Why the finding cannot be urged now; "" when it can. A finding waiting for the
    leader's close-out approval is not urged either: its units have done their part, and
    what it waits for is the leader's decision, not their work."""
    if finding.is_archived:
        return _("该问题已归档，不能催办。")
    if finding.status == Finding.Status.CLOSED:
        return _("该问题已销号，不能催办。")
    if finding.status == Finding.Status.SUBMITTED:
        return _("该问题已申请销号，正在等待领导审批，无需催办。")
    return ""


def urge_targets(user: User, units: list[Unit]) -> list[Unit]:
    """The units `user` chooses among when urging a finding with `units`: the county's
    office and leader urge one of them; the province urges the county itself (none)."""
    return list(units) if user.county_id is not None else []


def _check_urge_text(message: str, reply_by: dt.date | None) -> str:
    message = tidy(message)
    errors = {}
    if not message:
        errors["message"] = _("请填写催办内容。")
    elif len(message) > URGE_MESSAGE_MAX:
        errors["message"] = _("催办内容不能超过%(n)d个字。") % {"n": URGE_MESSAGE_MAX}
    if reply_by is not None and reply_by < timezone.localdate():
        errors["reply_by"] = _("回复期限不能早于今天。")
    if errors:
        raise ValidationError(errors)
    return message


def _urge(user: User, finding: Finding, message: str, reply_by, unit: Unit | None) -> Urge:
    urge = Urge(finding=finding, unit=unit, message=message, reply_by=reply_by)
    stamp(urge, user, created=True)
    urge.full_clean()
    urge.save()
    events.finding_urged.send(sender=Urge, urge=urge, user=user)
    return urge


@changesets.change_set()
@transaction.atomic
def finding_urge(
    *,
    user: User,
    finding: Finding,
    message: str,
    reply_by: dt.date | None = None,
    unit: Unit | None = None,
) -> Urge:
    """催办: the county's staff or leader urge `unit` (one of the finding's units); a
    provincial reviewer urges the county's office (`unit` None)."""
    require(user, "finding.urge", finding)
    finding = Finding.objects.select_for_update().select_related("county").get(pk=finding.pk)
    refused = urge_refusal(finding)
    if refused:
        raise TransitionError(refused)
    message = _check_urge_text(message, reply_by)
    targets = urge_targets(user, [link.unit for link in finding.unit_links.select_related("unit")])
    if not targets:
        if unit is not None:
            raise ValidationError({"unit": _("省级催办的对象是区县，不选择责任单位。")})
    elif unit is None:
        raise ValidationError({"unit": _("请选择要催办的责任单位。")})
    elif unit not in targets:
        raise ValidationError({"unit": _("只能催办该问题的责任单位或配合单位。")})
    return _urge(user, finding, message, reply_by, unit)


@changesets.change_set()
@transaction.atomic
def notice_urge(
    *, user: User, notice: Review, message: str, reply_by: dt.date | None = None
) -> list[Urge]:
    """催办 a whole provincial notice: one urge to each county on each of its findings that
    can be urged (not closed, not waiting for approval, not archived), all or none."""
    require(user, "notice.urge", notice)
    message = _check_urge_text(message, reply_by)
    findings = list(
        Finding.objects.select_for_update()
        .filter(
            notice_item__review=notice,
            notice_item__withdrawn_at__isnull=True,
            archived_at__isnull=True,
        )
        .exclude(status__in=[Finding.Status.CLOSED, Finding.Status.SUBMITTED])
        .select_related("county")
        .order_by("county__code", "id")
    )
    if not findings:
        raise ValidationError(_("该通报没有需要催办的问题：各区县的问题都已销号或正在等待审批。"))
    return [_urge(user, finding, message, reply_by, None) for finding in findings]


def urges_answer(*, progress: Progress, user: User) -> list[Urge]:
    """The note answers the finding's open urges addressed to its author's unit, and those
    naming no unit (the province's to the county), whoever writes it."""
    answered = _urges_answered(user, [progress])
    for urge in answered:
        urge.save()
    return answered


def _urges_answered(user: User, notes: list[Progress]) -> list[Urge]:
    """The open urges the notes by `user` answer (each by the first note on its finding),
    marked answered, not saved yet; in the order of the notes."""
    addressed = Q(unit__isnull=True)
    if user.unit_id is not None:
        addressed |= Q(unit_id=user.unit_id)
    first: dict[int, Progress] = {}
    for progress in notes:
        first.setdefault(progress.finding_id, progress)
    answered = list(Urge.objects.unanswered().filter(addressed, finding_id__in=list(first)))
    order = list(first)
    answered.sort(key=lambda urge: order.index(urge.finding_id))
    for urge in answered:
        urge.answered_at, urge.answered_by_progress = timezone.now(), first[urge.finding_id]
        stamp(urge, user, created=False)
    return answered
