"""Writes to report records: who may, validation, history, in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from issues.models import Review, User

from .models import Report, ReportReview


@transaction.atomic
def report_save(*, user: User, report: Report, reviews: list[Review]) -> Report:
    """Save the report's own fields and the reviews it covers, in the order given."""
    if not user.can_edit_county(report.county_id):
        raise PermissionDenied(_("您没有修改该区县报告的权限。"))
    if not reviews:
        raise ValidationError(_("请至少选择一次检查。"))
    own = set(Review.objects.filter(counties=report.county_id).values_list("pk", flat=True))
    if any(r.pk not in own for r in reviews):
        raise ValidationError(_("所选检查不涉及本区县。"))
    if report.pk is None:
        report.created_by = user
    report.updated_by = user
    report._history_user = user
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
