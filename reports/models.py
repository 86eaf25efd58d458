"""The county's formal documents: a report record holds what staff write by hand; everything
else in the 整改情况报告 and its 整改方案 is generated from the ledger."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from issues.models import (
    ChangeSetHistory,
    County,
    CountyScopedQuerySet,
    LimitedTextField,
    Project,
    Review,
    Tracked,
)


class Report(Tracked):
    """One 整改情况报告 of a county on one occasion, with its attached 整改方案."""

    county = models.ForeignKey(
        County, verbose_name=_("示范县"), on_delete=models.PROTECT, related_name="reports"
    )
    issuer = models.CharField(
        _("发文机关"), max_length=100, help_text=_("如：广元市昭化区人民政府")
    )
    addressee = models.CharField(_("主送机关"), max_length=100, default="省商务厅")
    title = models.CharField(_("标题"), max_length=300)
    date = models.DateField(_("成文日期"), default=timezone.localdate)
    reviews = models.ManyToManyField(
        Review, verbose_name=_("涉及的检查"), through="ReportReview", related_name="reports"
    )
    opening = LimitedTextField(_("开头段落"), max_length=10000, blank=True)
    work_done = LimitedTextField(_("工作开展情况"), max_length=10000, blank=True)
    leadership_heading = models.CharField(
        _("第二部分标题"),
        max_length=200,
        default="整改落实领导小组建立与履职情况",
        help_text=_("如：绩效评价反馈问题整改落实领导小组建立与履职情况"),
    )
    leadership = LimitedTextField(
        _("领导小组建立与履职情况"),
        max_length=10000,
        blank=True,
        help_text=_("整改数量汇总句由系统根据台账自动生成，接在本段之后，无需填写。"),
    )
    next_steps = LimitedTextField(_("下一步安排"), max_length=10000, blank=True)
    plan_title = models.CharField(_("整改方案标题"), max_length=300, blank=True)
    plan_intro = LimitedTextField(_("整改方案开头"), max_length=10000, blank=True)
    plan_goals = LimitedTextField(_("工作目标"), max_length=10000, blank=True)
    plan_safeguards = LimitedTextField(_("组织保障"), max_length=10000, blank=True)
    # How the signature is laid out (GB/T 9704 7.3.5): with or without the seal.
    sealed = models.BooleanField(
        _("加盖印章"),
        default=False,
        help_text=_("加盖印章时，成文日期右空四字，发文机关署名居中于日期之上，留出盖章位置。"),
    )
    # 版头 and 版记 (GB/T 9704 7.2, 7.4): optional, each printed only when filled.
    issuer_mark = models.CharField(
        _("发文机关标志"), max_length=60, blank=True, help_text=_("如：广元市昭化区人民政府文件")
    )
    doc_number = models.CharField(
        _("发文字号"), max_length=40, blank=True, help_text=_("如：昭府〔2019〕45号")
    )
    signer = models.CharField(
        _("签发人"),
        max_length=20,
        blank=True,
        help_text=_("上行文填写；与发文字号排在同一行。"),
    )
    contact_note = models.CharField(
        _("附注"),
        max_length=200,
        blank=True,
        help_text=_("如：联系人：王蓉，电话：0839-1234567；排在成文日期下一行，自动加圆括号。"),
    )
    copy_to = models.CharField(
        _("抄送机关"), max_length=300, blank=True, help_text=_("如：市商务局，市财政局")
    )
    printer = models.CharField(
        _("印发机关"), max_length=100, blank=True, help_text=_("如：广元市昭化区人民政府办公室")
    )
    printed_on = models.DateField(_("印发日期"), null=True, blank=True)
    is_archived = models.BooleanField(_("已归档"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = CountyScopedQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("整改情况报告")
        verbose_name_plural = _("整改情况报告")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("report_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.signer and not self.doc_number:
            errors["doc_number"] = _("填写签发人时，请同时填写发文字号。")
        if self.printer and not self.printed_on:
            errors["printed_on"] = _("请填写印发日期。")
        if self.printed_on and not self.printer:
            errors["printer"] = _("请填写印发机关。")
        if errors:
            raise ValidationError(errors)

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


class Indicator(Tracked):
    """A performance indicator (绩效指标) of a county's project: a plan value and dated readings."""

    class Key(models.TextChoices):
        OVERALL = "overall_progress", _("项目建设总体进度")
        INVESTMENT = "investment", _("完成投资")
        FUNDS = "central_funds_disbursed", _("中央资金拨付")
        TRAINING = "training", _("电商培训")
        STATIONS_BUILT = "stations_built", _("村级站点建成")
        STATIONS_OPERATING = "stations_operating", _("村级站点正常运营")
        POVERTY = "poverty_coverage", _("贫困村覆盖")
        SATISFACTION = "satisfaction", _("满意度")
        OTHER = "other", _("其他")

    project = models.ForeignKey(
        Project, verbose_name=_("示范项目"), on_delete=models.CASCADE, related_name="indicators"
    )
    key = models.CharField(_("指标类型"), max_length=30, choices=Key.choices, default=Key.OTHER)
    name = models.CharField(_("指标名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=20, help_text=_("如：人次、个、万元、%"))
    plan = models.DecimalField(_("计划值"), max_digits=14, decimal_places=2)
    red_line = models.DecimalField(
        _("红线（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("完成率低于此值时标红，如项目建设总体进度低于 40% 有一票否决风险。"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=1)

    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name = _("绩效指标")
        verbose_name_plural = _("绩效指标")
        constraints = [
            models.CheckConstraint(condition=models.Q(plan__gt=0), name="indicator_plan_positive")
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorReading(Tracked):
    """An actual value of an indicator on a date, with who entered it."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("绩效指标"), on_delete=models.CASCADE, related_name="readings"
    )
    date = models.DateField(_("日期"), default=timezone.localdate)
    value = models.DecimalField(_("实际值"), max_digits=14, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["indicator", "date", "id"]
        verbose_name = _("指标读数")
        verbose_name_plural = _("指标读数")
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="reading_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.date:%Y-%m-%d} {self.value}"


class PreparedWorkbook(models.Model):
    """The nation's or a province's .xlsx 台账, built in the background (`manage.py
    prepare_workbooks`) from the data as it was at `version` (reports.workbooks.data_version):
    served only while the version is still the current one, so never stale. One row per
    scope and version: asking twice for the same data queues one build."""

    class Scope(models.TextChoices):
        NATION = "nation", _("全国")
        PROVINCE = "province", _("省")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        BUILDING = "building", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")
        # The data changed before the build began: a build for the newer version replaces it.
        SUPERSEDED = "superseded", _("已过时")

    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    code = models.CharField(_("行政区划代码"), max_length=6, blank=True)  # "" for the nation
    version = models.CharField(_("数据版本"), max_length=80)
    as_of = models.DateField(_("数据日期"))  # "today" of the workbook: overdue, 导出时间
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default="queued")
    rows_done = models.PositiveIntegerField(_("已写行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    # Under MEDIA_ROOT/workbooks/, a random name; served only through the ledger's view.
    file = models.FileField(_("文件"), max_length=200, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    built_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("预生成台账")
        verbose_name_plural = _("预生成台账")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "code", "version"], name="prepared_workbook_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.code} {self.version} {self.state}"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.state == self.State.READY else 0
        return min(100, self.rows_done * 100 // self.rows_total)
