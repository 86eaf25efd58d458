"""Saving an import: all of it in one transaction, or nothing."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issues import changesets, services
from issues.models import County, Finding, ImportBatch, Progress, Review, Unit, User
from issues.permissions import require
from rectify.lib.records import stamp

from .document import ParsedDocument
from .plan import NEW, ImportPlan, build_plan, closed_on


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
    """Keep what was read, for the preview; nothing in the ledger changes yet."""
    _check(user, county)
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
    if batch.kind == ImportBatch.Kind.LEDGER:
        from .ledger import parse_rows

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
        opening=batch.source_text,
    )


def _guess_kind(name: str) -> str:
    if name.endswith(("乡", "镇", "街道", "乡镇", "人民政府")) or "乡镇" in name:
        return Unit.Kind.TOWNSHIP
    if any(w in name for w in ("公司", "企业", "合作社", "银行", "分局有限")):
        return Unit.Kind.COMPANY
    return Unit.Kind.DEPARTMENT


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
) -> dict:
    """Create and update everything the plan shows, or nothing at all."""
    _check(user, county)
    today = today or timezone.localdate()
    if batch is not None:
        # Claim the batch before anything is written, with a conditional update: of two
        # confirmations sent together (a double click, two tabs) the second waits for the
        # first's row lock, then finds the batch no longer pending and saves nothing. Should
        # this transaction fail, the claim rolls back with it and the batch stays pending.
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
            status=ImportBatch.Status.APPLIED, applied_at=timezone.now(), applied_by=user
        )
        batch = ImportBatch.objects.get(pk=batch.pk)
        if not claimed:
            raise ImportRefused(
                [_("该导入已%(status)s,不能再次保存。") % {"status": batch.get_status_display()}]
            )
    problems = [
        _("第%(line)s行:%(text)s") % {"line": n.line, "text": n.reason}
        for n in plan.document.errors
    ]
    problems += [
        _("请确认单位「%(name)s」:新建,或选择已有单位。") % {"name": u.name}
        for u in plan.undecided_units
    ]
    problems += plan.draft_errors
    if not plan.findings:
        problems.append(_("没有识别出任何问题,未导入。"))
    if problems:
        raise ImportRefused(problems)

    units: dict[str, Unit] = {}
    created_units = []
    # Names that are "the same as" another come last, once that other one has its unit.
    for m in sorted(plan.units, key=lambda m: bool(m.same_as)):
        if m.same_as and m.unit is None:
            unit = units.get(m.same_as)
            if unit is None:
                raise ImportRefused(
                    [
                        _("请先确认单位「%(name)s」,再把「%(other)s」归入它。")
                        % {"name": m.same_as, "other": m.name}
                    ]
                )
            if m.name not in unit.alias_list:
                unit.aliases = "\n".join([*unit.alias_list, m.name])
                services.unit_save(user=user, unit=unit)
            units[m.name] = unit
            continue
        if m.unit is not None:
            units[m.name] = m.unit
            if m.how == "chosen" and m.name not in m.unit.alias_list:
                # Remember the other name, so the next import knows it.
                m.unit.aliases = "\n".join([*m.unit.alias_list, m.name])
                services.unit_save(user=user, unit=m.unit)
        elif m.decision == NEW:
            unit = Unit.objects.filter(county=county, name=m.name).first() or services.unit_save(
                user=user, unit=Unit(county=county, name=m.name, kind=_guess_kind(m.name))
            )
            units[m.name] = unit
            created_units.append(unit.name)

    reviews: dict[int, Review] = {}
    created_reviews = []
    for rp in plan.reviews:
        if rp.review is None:
            draft = rp.draft
            review = Review(
                kind=draft.kind or Review.Kind.OTHER,
                team=draft.name,
                title=rp.parsed.heading[:300],
                start_date=draft.start_date,
                reference_number=draft.reference_number,
            )
            stamp(review, user, created=True)
            review.full_clean()
            review.save()
            review.counties.add(county)
            created_reviews.append(str(review))
        else:
            review = rp.review
        reviews[rp.index] = review

    # What the document reports as done (closed, or a progress note) was done by its date.
    document_day = closed_on(plan.document, today)
    counts = {"new": 0, "changed": 0, "unchanged": 0, "progress": 0}
    for fp in plan.findings:
        p = fp.parsed
        review = reviews[fp.review.index]
        category = services.category_get_or_create(review=review, name=fp.category, user=user)
        entries = [services.UnitEntry(units[n]) for n in p.units] + [
            services.UnitEntry(units[n], "cooperating") for n in p.cooperating
        ]
        finding = fp.existing
        if finding is None:
            status = fp.status
            finding = services.finding_create(
                user=user,
                county=county,
                data=services.FindingData(
                    review=review,
                    category=category,
                    order=fp.order,
                    description=p.description,
                    deadline=p.deadline_date,
                    is_ongoing=p.is_ongoing,
                    status=status,
                    result=p.result,
                    closed_on=document_day if status == Finding.Status.CLOSED else None,
                    measures=p.measures,
                    units=entries,
                ),
            )
            counts["new"] += 1
        elif fp.changes:
            current = {c.field for c in fp.changes}
            data = services.FindingData(
                review=review,
                category=category,
                order=finding.order if finding.category_id == category.pk else None,
                description=p.description if "description" in current else finding.description,
                # The plan never moves a deadline the ledger has (that takes an extension).
                deadline=finding.deadline
                if finding.deadline is not None or "deadline" not in current
                else p.deadline_date,
                is_ongoing=p.is_ongoing if "deadline" in current else finding.is_ongoing,
                result=p.result if "result" in current else finding.result,
                measures=p.measures
                if "measures" in current
                else [m.text for m in finding.measures.all()],
                units=entries
                if current & {"units", "cooperating"}
                else [
                    services.UnitEntry(link.unit, link.role) for link in finding.unit_links.all()
                ],
                related=list(finding.related.all()),
            )
            finding = services.finding_update(
                user=user, finding=finding, data=data, expected_version=finding.version
            )
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
        if (
            p.progress
            and not finding.is_closed  # closed means closed (shown in the plan as held)
            and not Progress.objects.filter(finding=finding, note=p.progress).exists()
        ):
            services.progress_add(user=user, finding=finding, note=p.progress, date=document_day)
            counts["progress"] += 1
    summary = {
        **counts,
        "units": created_units,
        "reviews": created_reviews,
        "findings": len(plan.findings),
    }
    if batch is not None:
        batch.summary = summary
        stamp(batch, user, created=False)
        batch.save()
    return summary


def import_cancel(*, user: User, batch: ImportBatch) -> ImportBatch:
    _check(user, batch.county)
    if not batch.is_pending:
        raise ValidationError(_("该导入已%(status)s。") % {"status": batch.get_status_display()})
    batch.status = ImportBatch.Status.CANCELLED
    stamp(batch, user, created=False)
    batch.save()
    return batch
