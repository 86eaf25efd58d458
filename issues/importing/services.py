"""Saving an import: all of it in one transaction, or nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issues import changesets, services
from issues.columns import text_columns, text_values
from issues.models import (
    Category,
    County,
    Finding,
    ImportBatch,
    Progress,
    Review,
    Unit,
    User,
)
from issues.permissions import require
from rectify.lib import bulk
from rectify.lib.records import stamp

from .document import ParsedDocument
from .ledger import parse_rows
from .limits import check_stored
from .plan import NEW, FindingPlan, ImportPlan, ReviewPlan, build_plan, closed_on


def _check(user: User, county: County) -> None:
    require(user, "import.run", county)


def import_start(
    *,
    user: User,
    county: County,
    kind: str,
    source_name: str,
    source_text: str = "",
    data: dict,
    options: dict | None = None,
) -> ImportBatch:
    """Keep what was read, for the preview; nothing in the ledger changes yet. Refused when
    what would be kept is larger than the import limit (issues.importing.limits)."""
    _check(user, county)
    check_stored(source_name, data, source_text)
    batch = ImportBatch(
        county=county,
        kind=kind,
        source_name=source_name[:255],
        source_text=source_text,
        data=data,
        options=options or {},
    )
    stamp(batch, user, created=True)
    batch.save()
    return batch


def batch_document(batch: ImportBatch) -> ParsedDocument:
    if not batch.data:  # purged (purge_import_data): the summary and decisions remain
        return ParsedDocument()
    if batch.kind == ImportBatch.Kind.LEDGER:
        return parse_rows(batch.data["rows"], batch.options.get("mapping") or None)
    return ParsedDocument.from_dict(batch.data)


def batch_plan(batch: ImportBatch, decisions: dict | None = None) -> ImportPlan:
    decisions = decisions if decisions is not None else batch.options.get("decisions", {})
    return build_plan(
        batch.county,
        batch_document(batch),
        review_choices={int(k): v for k, v in decisions.get("reviews", {}).items()},
        unit_decisions=decisions.get("units", {}),
        review_names={int(k): v for k, v in decisions.get("names", {}).items()},
        default_deadline=decisions.get("default_deadline"),
    )


class ImportRefused(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@changesets.change_set()  # one import is one entry in each finding's history
@transaction.atomic
def import_apply(
    *,
    user: User,
    county: County,
    plan: ImportPlan,
    batch: ImportBatch | None = None,
    today: dt.date | None = None,
    ocr_checked: bool = False,
) -> dict:
    """Create and update everything the plan shows, or nothing at all. Text recognised by
    OCR is saved only once the user says it was checked line by line (`ocr_checked`)."""
    _check(user, county)
    today = today or timezone.localdate()
    if batch is not None:
        batch = _claim(batch, user)
    _refuse_unready(plan, ocr_checked=ocr_checked)
    units, created_units = _save_units(user=user, county=county, plan=plan)
    reviews, created_reviews = _save_reviews(user=user, county=county, plan=plan)
    # What the document reports as done (closed, or a progress note) was done by its date.
    counts = _save_findings(
        user=user,
        county=county,
        plan=plan,
        units=units,
        reviews=reviews,
        day=closed_on(plan.document, today),
    )
    summary = {
        **counts,
        "units": created_units,
        "reviews": created_reviews,
        "findings": len(plan.findings),
    }
    if batch is not None:
        _keep_summary(batch, user, summary)
    return summary


def _claim(batch: ImportBatch, user: User) -> ImportBatch:
    """Claim the batch before anything is written, with a conditional update: of two
    confirmations sent together (a double click, two tabs) the second waits for the first's
    row lock, then finds the batch no longer pending and saves nothing. Should the import
    fail, the claim rolls back with it and the batch stays pending."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
        status=ImportBatch.Status.APPLIED, applied_at=timezone.now(), applied_by=user
    )
    batch = ImportBatch.objects.get(pk=batch.pk)
    if not claimed:
        raise ImportRefused(
            [_("该导入已%(status)s，不能再次保存。") % {"status": batch.get_status_display()}]
        )
    return batch


def ocr_unchecked(count: int) -> str:
    """Why an import holding `count` lines recognised by OCR is not saved yet (every import
    of a scan, a county's document or a province's notice, asks the same)."""
    return _(
        "文件中有 %(count)d 行是识别文字（OCR），可能有错字：请逐条核对，"
        "勾选“我已逐条核对识别文字”后再确认导入。"
    ) % {"count": count}


def _refuse_unready(plan: ImportPlan, *, ocr_checked: bool) -> None:
    """Nothing is saved while the document has errors, a unit is undecided, a new review's
    details are wrong, text recognised by OCR is unchecked or there is no finding at all."""
    problems = []
    if plan.document.ocr_lines and not ocr_checked:
        problems.append(ocr_unchecked(len(plan.document.ocr_lines)))
    problems += [
        _("第%(line)s行：%(text)s") % {"line": n.line, "text": n.reason}
        for n in plan.document.errors
    ]
    problems += [
        _("请确认单位「%(name)s」：新建，或选择已有单位。") % {"name": u.name}
        for u in plan.undecided_units
    ]
    problems += plan.draft_errors
    if not plan.findings:
        problems.append(_("没有识别出任何问题，未导入。"))
    if problems:
        raise ImportRefused(problems)


def _save_units(
    *, user: User, county: County, plan: ImportPlan
) -> tuple[dict[str, Unit], list[str]]:
    """The unit for each name the document gives (matched, chosen, created, or the one it is
    the same as), and the names of the units created; written together, as unit_save would
    one by one."""
    units: dict[str, Unit] = {}
    created = []
    rows = bulk.Rows(Unit)
    new_names = [m.name for m in plan.units if m.unit is None and not m.same_as]
    known = {u.name: u for u in Unit.objects.filter(county=county, name__in=new_names)}
    # Names that are "the same as" another come last, once that other one has its unit.
    for m in sorted(plan.units, key=lambda m: bool(m.same_as)):
        if m.same_as and m.unit is None:
            unit = units.get(m.same_as)
            if unit is None:
                raise ImportRefused(
                    [
                        _("请先确认单位「%(name)s」，再把「%(other)s」归入它。")
                        % {"name": m.same_as, "other": m.name}
                    ]
                )
            _remember_alias(user, unit, m.name, rows)
            units[m.name] = unit
        elif m.unit is not None:
            if m.how == "chosen":
                _remember_alias(user, m.unit, m.name, rows)
            units[m.name] = m.unit
        elif m.decision == NEW:
            units[m.name] = known.get(m.name) or _unit_create(user, county, m.name, rows)
            created.append(units[m.name].name)
    rows.write()
    return units, created


def _remember_alias(user: User, unit: Unit, name: str, rows: bulk.Rows) -> None:
    """Keep the document's other name for the unit, so the next import knows it."""
    if name not in unit.alias_list:
        unit.aliases = "\n".join([*unit.alias_list, name])
        services.unit_save(user=user, unit=unit, rows=rows)


def _unit_create(user: User, county: County, name: str, rows: bulk.Rows) -> Unit:
    unit = Unit(county=county, name=name, kind=_guess_kind(name))
    return services.unit_save(user=user, unit=unit, rows=rows)


def _guess_kind(name: str) -> str:
    if name.endswith(("乡", "镇", "街道", "乡镇", "人民政府")) or "乡镇" in name:
        return Unit.Kind.TOWNSHIP
    if any(w in name for w in ("公司", "企业", "合作社", "银行", "分局有限")):
        return Unit.Kind.COMPANY
    return Unit.Kind.DEPARTMENT


def _save_reviews(
    *, user: User, county: County, plan: ImportPlan
) -> tuple[dict[int, Review], list[str]]:
    """The review for each of the document's reviews (matched or created), by its index, and
    the names of those created (written together)."""
    reviews: dict[int, Review] = {}
    rows = bulk.Rows(Review)
    for rp in plan.reviews:
        if rp.review is None:
            reviews[rp.index] = _review_create(user, rp, rows)
        else:
            reviews[rp.index] = rp.review
    rows.write()
    created = [rp for rp in plan.reviews if rp.review is None]
    for rp in created:
        reviews[rp.index].counties.add(county)
    return reviews, [str(reviews[rp.index]) for rp in created]


def _review_create(user: User, rp: ReviewPlan, rows: bulk.Rows) -> Review:
    draft = rp.draft
    review = Review(
        kind=draft.kind or Review.Kind.OTHER,
        team=draft.name,
        title=draft.title[:300],
        start_date=draft.start_date,
        end_date=draft.end_date,
        reference_number=draft.reference_number,
        issuer=draft.issuer,
    )
    stamp(review, user, created=True)
    rows.add(review, clean=True)
    return review


def _save_findings(
    *,
    user: User,
    county: County,
    plan: ImportPlan,
    units: dict[str, Unit],
    reviews: dict[int, Review],
    day: dt.date,
) -> dict[str, int]:
    """Each finding created, updated or left as it is, and its progress note added; `day` is
    when what the document reports was done. The counts of each. The rows are written
    together (services.FindingRows, progress_add_many): a few queries per kind of row,
    not several per finding."""
    counts = {"new": 0, "changed": 0, "unchanged": 0, "progress": 0}
    categories = services.categories_get_or_create(
        user=user, wanted=[(reviews[fp.review.index], fp.category) for fp in plan.findings]
    )
    saving = services.FindingRows()
    saving.lock([fp.existing for fp in plan.findings if fp.existing is not None and fp.changes])
    findings = []
    for fp in plan.findings:
        review = reviews[fp.review.index]
        category = categories[(review.pk, fp.category.strip())]
        entries = [services.UnitEntry(units[n]) for n in fp.parsed.units] + [
            services.UnitEntry(units[n], "cooperating") for n in fp.parsed.cooperating
        ]
        place = {"review": review, "category": category, "units": entries}
        if fp.existing is None:
            data = _new_data(fp=fp, day=day, **place)
            finding = services.finding_create(user=user, county=county, data=data, saving=saving)
            counts["new"] += 1
        elif fp.changes:
            finding = services.finding_update(
                user=user,
                finding=fp.existing,
                data=_changed_data(fp=fp, **place),
                expected_version=fp.existing.version,
                saving=saving,
            )
            counts["changed"] += 1
        else:
            finding = fp.existing
            counts["unchanged"] += 1
        findings.append(finding)
    saving.write()
    notes = _progress_notes(plan, findings)
    if notes:
        services.progress_add_many(user=user, notes=notes, date=day)
    counts["progress"] = len(notes)
    return counts


def _new_data(
    *,
    fp: FindingPlan,
    review: Review,
    category: Category,
    units: list[services.UnitEntry],
    day: dt.date,
) -> services.FindingData:
    p = fp.parsed
    return services.FindingData(
        review=review,
        category=category,
        order=fp.order,
        **text_values({c.key: c.text_of(p) for c in text_columns()}),  # 问题描述, 整改结果, …
        deadline=p.deadline_date,
        is_ongoing=p.is_ongoing,
        status=fp.status,
        closed_on=day if fp.status == Finding.Status.CLOSED else None,
        measures=p.measures,
        units=units,
    )


def _changed_data(
    *,
    fp: FindingPlan,
    review: Review,
    category: Category,
    units: list[services.UnitEntry],
) -> services.FindingData:
    """Only the fields the plan shows as changed take the document's values."""
    p, finding = fp.parsed, fp.existing
    current = {c.field for c in fp.changes}
    return services.FindingData(
        review=review,
        category=category,
        order=finding.order if finding.category_id == category.pk else None,
        **text_values(
            {
                c.key: c.text_of(p) if c.key in current else getattr(finding, c.field)
                for c in text_columns()
            }
        ),
        # The plan never moves a deadline the ledger has (that takes an extension).
        deadline=finding.deadline
        if finding.deadline is not None or "deadline" not in current
        else p.deadline_date,
        is_ongoing=p.is_ongoing if "deadline" in current else finding.is_ongoing,
        measures=p.measures if "measures" in current else [m.text for m in finding.measures.all()],
        units=units
        if current & {"units", "cooperating"}
        else [services.UnitEntry(link.unit, link.role) for link in finding.unit_links.all()],
        related=list(finding.related.all()),
    )


def _progress_notes(plan: ImportPlan, findings: list[Finding]) -> list[tuple[Finding, str]]:
    """The document's progress notes to add: not on a finding that is closed (closed means
    closed: the plan shows the note as held), nor one the finding already has."""
    wanted = [
        (finding, fp.parsed.progress)
        for fp, finding in zip(plan.findings, findings, strict=True)
        if fp.parsed.progress and not finding.is_closed
    ]
    existing = {fp.existing.pk for fp in plan.findings if fp.existing is not None}
    old = [finding.pk for finding, _note in wanted if finding.pk in existing]
    had = set()
    if old:
        had = set(
            Progress.objects.filter(
                finding__in=old, note__in=[note for _finding, note in wanted]
            ).values_list("finding_id", "note")
        )
    return [(finding, note) for finding, note in wanted if (finding.pk, note) not in had]


def _keep_summary(batch: ImportBatch, user: User, summary: dict) -> None:
    batch.summary = summary
    stamp(batch, user, created=False)
    batch.save()


def import_cancel(*, user: User, batch: ImportBatch) -> ImportBatch:
    _check(user, batch.county)
    if not batch.is_pending:
        raise ValidationError(_("该导入已%(status)s。") % {"status": batch.get_status_display()})
    batch.status = ImportBatch.Status.CANCELLED
    stamp(batch, user, created=False)
    batch.save()
    return batch


@transaction.atomic
def purge_import_data(*, today: dt.date | None = None) -> int:
    """Drop what was read (the parsed data and the text) from batches created more than
    RECTIFY_IMPORT_KEEP_DAYS days ago; their summary and decisions (options) stay. A preview
    left pending that long is cancelled, since it can no longer be saved. Returns how many
    batches were purged. Run daily (manage.py purge_import_data)."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=settings.RECTIFY_IMPORT_KEEP_DAYS)
    old = ImportBatch.objects.filter(created_at__date__lt=cutoff).exclude(data={}, source_text="")
    old.filter(status=ImportBatch.Status.PENDING).update(status=ImportBatch.Status.CANCELLED)
    return old.update(data={}, source_text="")
