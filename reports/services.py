"""Writes to report records: who may, validation, history, in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from issues.models import Review, User
from issues.permissions import require
from rectify.lib.records import check_version, stamp

from .models import Report, ReportReview


def _changes_since(report: Report, version: int) -> list[str]:
    """What others changed in the report after the user loaded `version`."""
    records = list(
        report.history.filter(version__gte=version)
        .select_related("history_user")
        .order_by("history_date")
    )
    lines = []
    for before, after in zip(records, records[1:], strict=False):
        user = after.history_user
        who = (user.get_full_name() or user.username) if user else _("系统")
        for change in after.diff_against(before).changes:
            if change.field in ("version", "updated_at", "updated_by"):
                continue
            label = Report._meta.get_field(change.field).verbose_name
            lines.append(_("%(who)s 修改了“%(label)s”") % {"who": who, "label": label})
    return lines or [_("其他人修改了该报告。")]


@transaction.atomic
def report_save(
    *, user: User, report: Report, reviews: list[Review], expected_version: int | None = None
) -> Report:
    """Save the report's own fields and the reviews it covers, in the order given; refused
    with EditConflict when someone else saved it after the user loaded `expected_version`."""
    require(user, "report.create" if report.pk is None else "report.edit", report)
    if report.pk is not None:
        current = Report.objects.select_for_update().get(pk=report.pk)
        check_version(current, expected_version, _changes_since)
        report.version = current.version + 1
    if not reviews:
        raise ValidationError(_("请至少选择一次检查。"))
    own = set(Review.objects.filter(counties=report.county_id).values_list("pk", flat=True))
    if any(r.pk not in own for r in reviews):
        raise ValidationError(_("所选检查不涉及本区县。"))
    stamp(report, user, created=report.pk is None)
    report.full_clean()
    report.save()
    wanted = [r.pk for r in reviews]
    current = list(report.review_links.order_by("order", "id").values_list("review_id", flat=True))
    if current != wanted:
        report.review_links.all().delete()
        ReportReview.objects.bulk_create(
            ReportReview(report=report, review_id=pk, order=i) for i, pk in enumerate(wanted, 1)
        )
    return report


@transaction.atomic
def reading_add(*, user: User, indicator, date, value, note: str = ""):
    """Record an indicator's actual value on a date (staff of the county)."""
    from django.utils import timezone

    from .models import IndicatorReading

    require(user, "indicator.record", indicator.project)
    if date > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))
    reading = IndicatorReading(indicator=indicator, date=date, value=value, note=note.strip())
    stamp(reading, user, created=True)
    reading.full_clean()
    reading.save()
    return reading
