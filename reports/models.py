"""The county's formal documents: a report record holds what staff write by hand; everything
else in the 整改情况报告 and its 整改方案 is generated from the ledger."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from issues.models import County, CountyScopedQuerySet, Review, Tracked


class Report(Tracked):
    """One 整改情况报告 of a county on one occasion, with its attached 整改方案."""

    county = models.ForeignKey(
        County, verbose_name=_("示范县"), on_delete=models.PROTECT, related_name="reports"
    )
    issuer = models.CharField(_("发文机关"), max_length=100, help_text=_("如:广元市昭化区人民政府"))
    addressee = models.CharField(_("主送机关"), max_length=100, default="省商务厅")
    title = models.CharField(_("标题"), max_length=300)
    date = models.DateField(_("成文日期"), default=timezone.localdate)
    reviews = models.ManyToManyField(
        Review, verbose_name=_("涉及的检查"), through="ReportReview", related_name="reports"
    )
    opening = models.TextField(_("开头段落"), blank=True)
    work_done = models.TextField(_("工作开展情况"), blank=True)
    leadership_heading = models.CharField(
        _("第二部分标题"),
        max_length=200,
        default="整改落实领导小组建立与履职情况",
        help_text=_("如:绩效评价反馈问题整改落实领导小组建立与履职情况"),
    )
    leadership = models.TextField(
        _("领导小组建立与履职情况"),
        blank=True,
        help_text=_("整改数量汇总句由系统根据台账自动生成,接在本段之后,无需填写。"),
    )
    next_steps = models.TextField(_("下一步安排"), blank=True)
    plan_title = models.CharField(_("整改方案标题"), max_length=300, blank=True)
    plan_intro = models.TextField(_("整改方案开头"), blank=True)
    plan_goals = models.TextField(_("工作目标"), blank=True)
    plan_safeguards = models.TextField(_("组织保障"), blank=True)
    is_archived = models.BooleanField(_("已归档"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = CountyScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("整改情况报告")
        verbose_name_plural = _("整改情况报告")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("report_detail", args=[self.pk])

    @property
    def attachment_name(self) -> str:
        return self.plan_title or _("整改方案")


class ReportReview(models.Model):
    """A review the report covers, in the order the report presents them."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="review_links")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("排序"), default=1)

    class Meta:
        ordering = ["report", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "review"], name="report_review_once")
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.review}"
