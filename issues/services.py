"""Every write to the ledger goes through these functions: they check who may write,
validate, save and leave history, in one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Category, County, Finding, FindingUnit, Measure, Progress, Review, Unit, User


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
    status: str = Finding.Status.OPEN
    result: str = ""
    closed_on: dt.date | None = None
    measures: list[str] = dataclasses.field(default_factory=list)
    units: list[UnitEntry] = dataclasses.field(default_factory=list)
    related: list[Finding] = dataclasses.field(default_factory=list)


def _check_can_edit(user: User, county: County) -> None:
    if not user.can_edit_county(county.pk):
        raise PermissionDenied(_("您没有修改该区县台账的权限。"))


def _stamp(obj, user: User, *, created: bool) -> None:
    if created:
        obj.created_by = user
    obj.updated_by = user
    # simple-history takes the user from the request; outside one (commands) from here.
    obj._history_user = user


def category_get_or_create(*, review: Review, name: str, user: User) -> Category:
    name = name.strip()
    category = review.categories.filter(name=name).first()
    if category is None:
        last = review.categories.aggregate(m=Max("order"))["m"] or 0
        category = Category(review=review, name=name, order=last + 1)
        _stamp(category, user, created=True)
        category.full_clean()
        category.save()
    return category


def _next_order(*, county: County, category: Category, exclude: Finding | None = None) -> int:
    qs = Finding.objects.filter(county=county, category=category)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return (qs.aggregate(m=Max("order"))["m"] or 0) + 1


def _apply(finding: Finding, data: FindingData, user: User) -> None:
    if data.review.pk not in set(finding.county.reviews.values_list("pk", flat=True)):
        raise ValidationError({"review": _("该检查不涉及本区县。")})
    if data.new_category_name.strip():
        category = category_get_or_create(
            review=data.review, name=data.new_category_name, user=user
        )
    elif data.category is not None:
        category = data.category
    else:
        raise ValidationError({"category": _("请选择问题类别,或填写新类别名称。")})
    if category.review_id != data.review.pk:
        raise ValidationError({"category": _("问题类别不属于所选检查。")})

    moved = finding.pk is None or finding.category_id != category.pk
    finding.review = data.review
    finding.category = category
    if data.order:
        finding.order = data.order
    elif moved:
        finding.order = _next_order(county=finding.county, category=category, exclude=finding)
    finding.description = data.description.strip()
    finding.deadline = data.deadline
    finding.is_ongoing = data.is_ongoing
    finding.status = data.status
    finding.result = data.result.strip()
    if data.status == Finding.Status.CLOSED:
        finding.closed_on = data.closed_on or finding.closed_on or timezone.localdate()
    else:
        finding.closed_on = None


def _sync_measures(finding: Finding, texts: list[str], user: User) -> None:
    """Keep the measure rows in the order given; rows are updated in place so that
    the history shows what changed in each item."""
    texts = [t.strip() for t in texts if t and t.strip()]
    existing = list(finding.measures.all())
    for position, text in enumerate(texts, start=1):
        if position <= len(existing):
            measure = existing[position - 1]
            if measure.text != text or measure.order != position:
                measure.text, measure.order = text, position
                _stamp(measure, user, created=False)
                measure.save()
        else:
            measure = Measure(finding=finding, order=position, text=text)
            _stamp(measure, user, created=True)
            measure.save()
    for measure in existing[len(texts) :]:
        measure._history_user = user
        measure.delete()


def _sync_units(finding: Finding, entries: list[UnitEntry], user: User) -> None:
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
    existing = {link.unit_id: link for link in finding.unit_links.all()}
    for position, entry in enumerate(ordered, start=1):
        link = existing.pop(entry.unit.pk, None)
        if link is None:
            link = FindingUnit(finding=finding, unit=entry.unit, role=entry.role, order=position)
            _stamp(link, user, created=True)
            link.save()
        elif link.role != entry.role or link.order != position:
            link.role, link.order = entry.role, position
            _stamp(link, user, created=False)
            link.save()
    for link in existing.values():
        link._history_user = user
        link.delete()


def _save_finding(finding: Finding, data: FindingData, user: User, *, created: bool) -> Finding:
    _apply(finding, data, user)
    _stamp(finding, user, created=created)
    finding.full_clean()
    finding.save()
    _sync_measures(finding, data.measures, user)
    _sync_units(finding, data.units, user)
    related = [f for f in data.related if f.pk != finding.pk]
    if any(f.county_id != finding.county_id for f in related):
        raise ValidationError({"related": _("相关问题必须属于本区县。")})
    finding.related.set(related)
    return finding


@transaction.atomic
def finding_create(*, user: User, county: County, data: FindingData) -> Finding:
    _check_can_edit(user, county)
    return _save_finding(Finding(county=county), data, user, created=True)


@transaction.atomic
def finding_update(*, user: User, finding: Finding, data: FindingData) -> Finding:
    _check_can_edit(user, finding.county)
    return _save_finding(finding, data, user, created=False)


@transaction.atomic
def progress_add(
    *, user: User, finding: Finding, note: str, date: dt.date | None = None
) -> Progress:
    """Record a progress note; the first one starts the rectification."""
    _check_can_edit(user, finding.county)
    date = date or timezone.localdate()
    if date > timezone.localdate():
        raise ValidationError({"date": _("进展日期不能晚于今天。")})
    progress = Progress(finding=finding, note=note.strip(), date=date, author=user)
    _stamp(progress, user, created=True)
    progress.full_clean()
    progress.save()
    if finding.status == Finding.Status.OPEN:
        finding.status = Finding.Status.IN_PROGRESS
        _stamp(finding, user, created=False)
        finding.save(update_fields=["status", "updated_by", "updated_at"])
    return progress


@transaction.atomic
def unit_save(*, user: User, unit: Unit) -> Unit:
    _check_can_edit(user, unit.county)
    _stamp(unit, user, created=unit.pk is None)
    unit.full_clean()
    unit.save()
    return unit
