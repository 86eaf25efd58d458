"""The ledger's domain: counties, their projects, reviews, findings and what is done about them."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rectify.lib.text import chinese_month

from . import permissions
from .permissions import Role
from .uploads import VIEWABLE, display_path, evidence_path, thumbnail_path

division_code = RegexValidator(r"^\d{6}$", _("行政区划代码应为6位数字。"))


class LimitedTextField(models.TextField):
    """A long text with a maximum length that forms, services and importers all enforce:
    Django's TextField passes max_length to forms only; this also validates in full_clean()."""

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))


class ChangeSetHistory(models.Model):
    """Every history row records the change set (one form submission, one import, one command
    run) it belongs to, so the finding's history groups what was done together."""

    change_set = models.CharField(_("变更批次"), max_length=32, blank=True, db_index=True)

    class Meta:
        abstract = True


class Tracked(models.Model):
    """Who created and last changed a record, and when."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class Province(Tracked):
    code = models.CharField(
        _("行政区划代码"), max_length=6, unique=True, validators=[division_code]
    )
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        ordering = ["code"]
        verbose_name = _("省份")
        verbose_name_plural = _("省份")

    def __str__(self) -> str:
        return self.name


class CountyScopedQuerySet(models.QuerySet):
    """Rows that belong to a county; `for_user` keeps those the user may see."""

    county_field = "county"
    # The prefix of the path to the row's finding ("" for findings), None for rows on none.
    finding_field: str | None = None

    def for_user(self, user):
        scope = permissions.county_scope(user, self.county_field, self.finding_field)
        return self.none() if scope is None else self.filter(scope)


class CountyQuerySet(CountyScopedQuerySet):
    county_field = None  # the counties themselves


class County(Tracked):
    province = models.ForeignKey(
        Province, verbose_name=_("所属省份"), on_delete=models.PROTECT, related_name="counties"
    )
    code = models.CharField(
        _("行政区划代码"), max_length=6, unique=True, validators=[division_code]
    )
    name = models.CharField(_("名称"), max_length=50, help_text=_("如：广元市昭化区"))
    short_name = models.CharField(_("简称"), max_length=20, blank=True, help_text=_("如：昭化区"))
    government = models.CharField(
        _("人民政府名称"), max_length=60, blank=True, help_text=_("如：广元市昭化区人民政府")
    )

    objects = CountyQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["code"]
        verbose_name = _("示范县")
        verbose_name_plural = _("示范县")

    def __str__(self) -> str:
        return self.name

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.name


class Project(Tracked):
    """A county's demonstration project (one batch of the program)."""

    county = models.ForeignKey(
        County, verbose_name=_("示范县"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("项目名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    batch = models.PositiveSmallIntegerField(_("批次"), help_text=_("第几批"))
    planned_investment = models.DecimalField(
        _("计划总投资（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    central_funds = models.DecimalField(
        _("中央财政资金（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["county", "-year"]
        verbose_name = _("示范项目")
        verbose_name_plural = _("示范项目")
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="project_one_per_county_year")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A user belongs to one county, or to a province, or is national."""

    county = models.ForeignKey(
        County,
        verbose_name=_("所属区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    province = models.ForeignKey(
        Province,
        verbose_name=_("所属省份"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    is_national = models.BooleanField(
        _("全国范围"), default=False, help_text=_("可查看所有省份和区县的数据。")
    )
    unit = models.ForeignKey(
        "Unit",
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
        help_text=_("责任单位的联络人：“我的待办”列出该单位牵头的问题。"),
    )
    # Read by the password expiry rule (RECTIFY_PASSWORD_MAX_AGE_DAYS, rectify/middleware.py).
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    # Set when an administrator creates the account or resets its password: the user must
    # choose their own at the next login (rectify/middleware.py). Their own change clears it.
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    # For SMS (催办 and overdue notices only; outbox).
    mobile = models.CharField(
        _("手机号码"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^1\d{10}$", _("请输入11位手机号码。"))],
    )
    # Unread in-app notifications, kept with the user (notify) so that the bell on every page
    # costs no query: raised when one is written, lowered when read.
    unread_notifications = models.PositiveIntegerField(_("未读通知"), default=0)

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=Q(county__isnull=True) | Q(province__isnull=True),
                name="user_county_or_province",
                violation_error_message=_("用户只能属于一个区县或一个省份。"),
            )
        ]

    @cached_property
    def role_names(self) -> frozenset[str]:
        """The auth groups the user is in: from prefetched groups (a list of accounts), else
        one query; issues.permissions reads the roles."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:
            return frozenset(group.name for group in prefetched)
        return frozenset(self.groups.values_list("name", flat=True))

    # Who may do what is decided in issues.permissions; these two ask it for the benchmark,
    # the demo loader and their tests.
    @property
    def is_county_staff(self) -> bool:
        return permissions.holds(self, Role.COUNTY_STAFF)

    def can_edit_county(self, county_id: int) -> bool:
        return permissions.allowed(self, "finding.edit", County(pk=county_id))

    def knows(self, county: County | None = None, unit: Unit | None = None) -> None:
        """The user's county (or province) and unit, when they are these, already loaded by
        the page: the menu (scope_label) and the forms name them without a query each."""
        if county is not None and self.county_id == county.pk:
            User.county.field.set_cached_value(self, county)
        if (
            county is not None
            and self.province_id == county.province_id
            and County.province.is_cached(county)
        ):
            User.province.field.set_cached_value(self, county.province)
        if unit is not None and self.unit_id == unit.pk:
            User.unit.field.set_cached_value(self, unit)

    @property
    def scope_label(self) -> str:
        if self.county_id:
            return str(self.county)
        if self.province_id:
            return str(self.province)
        if permissions.level_of(self) == permissions.NATIONWIDE:
            return str(_("全国"))
        return ""

    @property
    def role_labels(self) -> list[str]:
        return [str(label) for name, label in Role.labels.items() if name in self.role_names]


class Unit(Tracked):
    """A responsible unit (责任单位) of a county."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("政府部门")
        TOWNSHIP = "township", _("乡镇")
        COMPANY = "company", _("企业")
        OTHER = "other", _("其他")

    county = models.ForeignKey(
        County, verbose_name=_("示范县"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    aliases = LimitedTextField(
        _("其他写法"),
        max_length=2000,
        blank=True,
        help_text=_("文件中对该单位的其他称呼，每行一个，如：区商务经济合作局。导入时据此识别。"),
    )

    objects = CountyScopedQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["county", "name"]
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="unit_name_unique_per_county")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user) -> ReviewQuerySet:
        """The reviews of the counties the user sees."""
        scope = permissions.county_scope(user, "county")
        if scope is None:
            return self.none()
        if not scope:
            return self.all()
        return self.filter(
            Exists(Review.counties.through.objects.filter(scope, review=OuterRef("pk")))
        )


class Review(Tracked):
    """One inspection or evaluation round, and the feedback document it left."""

    class Kind(models.TextChoices):
        MOFCOM_REVIEW = "mofcom_review", _("商务部复核组")
        PROVINCE_EVALUATION = "province_evaluation", _("省绩效评价组")
        PROVINCE_SUPERVISION = "province_supervision", _("省督查组")
        SELF_CHECK = "self_check", _("自查")
        AUDIT = "audit", _("审计")
        OTHER = "other", _("其他")

    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    team = models.CharField(_("检查组"), max_length=100, help_text=_("如：商务部复核组"))
    issuer = models.CharField(
        _("检查单位"), max_length=100, blank=True, help_text=_("如：商务部、四川省商务厅")
    )
    title = models.CharField(_("反馈文件标题"), max_length=300, blank=True)
    reference_number = models.CharField(
        _("文号"), max_length=100, blank=True, help_text=_("如：赣商务建设字〔2017〕193号")
    )
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    counties = models.ManyToManyField(County, verbose_name=_("涉及区县"), related_name="reviews")
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    report_deadline = models.DateField(
        _("整改报告报送时限"),
        null=True,
        blank=True,
        help_text=_("通报要求各区县报送整改情况的截止日期，如 2017年10月30日。"),
    )
    province = models.ForeignKey(
        Province,
        verbose_name=_("发文省份"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
        help_text=_("省级通报：由该省审核人员维护。"),
    )

    objects = ReviewQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    # What a provincial notice says of itself: the notice form's fields and the notice
    # import's editable identity.
    NOTICE_FIELDS = (
        "team",
        "issuer",
        "title",
        "reference_number",
        "start_date",
        "end_date",
        "issued_on",
        "report_deadline",
    )

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="review_dates_in_order",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        if self.start_date:
            return f"{self.team}({self.start_date:%Y-%m-%d})"
        return self.team

    @property
    def label(self) -> str:
        """The team with the month or 文号 that tells it apart: 省督查组（2017年7月）. Pages
        name reviews through issues.reviews.review_labels, which keeps the team alone
        where no other review shown beside it has the same; this is for a review alone."""
        day = self.start_date or self.issued_on
        if day is not None:
            return f"{self.team}（{chinese_month(day)}）"
        if self.reference_number:
            return f"{self.team}（{self.reference_number}）"
        return self.team


class Category(Tracked):
    """A heading of a review's feedback (问题类别), ordered within the review."""

    review = models.ForeignKey(
        Review, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("问题类别"), max_length=200)
    order = models.PositiveSmallIntegerField(_("排序"), default=1)

    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["review", "order", "id"]
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "name"], name="category_name_unique_per_review"
            )
        ]

    def __str__(self) -> str:
        return self.name


class NoticeItem(Tracked):
    """A finding of a provincial notice (督查通报) that concerns several counties: written once
    by the province; each county named gets its own Finding to rectify and close."""

    review = models.ForeignKey(
        Review, verbose_name=_("通报"), on_delete=models.CASCADE, related_name="notice_items"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("问题类别"), on_delete=models.PROTECT, related_name="notice_items"
    )
    order = models.PositiveSmallIntegerField(_("类别内序号"), default=1)
    description = LimitedTextField(_("问题描述"), max_length=2000)
    measures = LimitedTextField(
        _("整改要求"), max_length=5000, blank=True, help_text=_("每条一行。")
    )
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    # 撤回: an item issued by mistake is withdrawn, never deleted. It closes nothing and is
    # shown struck through; the counties' findings made from it stay (marked as such).
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True, editable=False)

    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["review", "category__order", "order", "id"]
        verbose_name = _("通报问题")
        verbose_name_plural = _("通报问题")

    def __str__(self) -> str:
        return self.description[:40]

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


def lead_unit(field: str) -> Subquery:
    """`field` of each finding's lead unit (its first responsible unit), as a subquery."""
    links = FindingUnit.objects.filter(
        finding=OuterRef("pk"), role=FindingUnit.Role.RESPONSIBLE
    ).order_by("order", "id")
    return Subquery(links.values(field)[:1])


class Timing(models.TextChoices):
    """How a closed finding met its deadline: counted against the deadline first set
    (原定完成时限), so an approved extension is told apart from a close-out on time."""

    ON_TIME = "on_time", _("按期销号")
    EXTENDED = "extended", _("延期后销号")
    LATE = "late", _("逾期销号")


# The close-out timing rules as conditions on a finding row; Finding.closeout_timing() is
# the same rule for one row in Python. A finding with a deadline always has an original one
# (constraint finding_original_deadline_set).
# Only a close-out the leader approved here (closed_by set) has a date of its own: one recorded
# from a document (an import, the demo) carries the document's date, which only says it was
# closed by then, so it is never counted as late or extended on that date's evidence.
TIMING_Q = {
    Timing.ON_TIME: Q(status="closed")
    & (
        Q(original_deadline__isnull=True)
        | Q(closed_on__lte=F("original_deadline"))
        | Q(closed_by__isnull=True)
    ),
    Timing.EXTENDED: Q(
        status="closed",
        closed_by__isnull=False,
        closed_on__gt=F("original_deadline"),
        closed_on__lte=F("deadline"),
    ),
    Timing.LATE: Q(status="closed", closed_by__isnull=False, closed_on__gt=F("original_deadline"))
    & Q(closed_on__gt=F("deadline")),
}
EXTENDED_Q = Q(deadline__gt=F("original_deadline"))


def deadline_extended(deadline: dt.date | None, original: dt.date | None) -> bool:
    """EXTENDED_Q for one row: the deadline was moved by an approved extension (延期)."""
    return deadline is not None and original is not None and deadline > original


# The deadline rules, each written once: as a condition on a finding row (querysets, counts,
# exports) and, next to it, as the same rule on one row's values in Python (the model, the
# ledger rows, the documents, the reminders). tests/issues/test_deadline_rules.py checks
# that each pair agrees on every case.


def warning_days() -> int:
    """How many days ahead a deadline counts as 即将到期 (yellow): RECTIFY_WARNING_DAYS, 3 by
    default. One number for the ledger's colours and filter, the tallies, the dashboards, the
    reminder mails, the daily notifications and the robots' digest."""
    return settings.RECTIFY_WARNING_DAYS


def overdue_q(today: dt.date) -> Q:
    """逾期: past its deadline and not closed out."""
    return ~Q(status="closed") & Q(deadline__lt=today)


def is_overdue(*, deadline: dt.date | None, status: str, today: dt.date) -> bool:
    """overdue_q for one row."""
    return deadline is not None and deadline < today and status != "closed"


def due_soon_q(today: dt.date, within: int | None = None) -> Q:
    """即将到期: not closed out, deadline from today to `within` days ahead (warning_days)."""
    within = warning_days() if within is None else within
    return ~Q(status="closed") & Q(
        deadline__gte=today, deadline__lte=today + dt.timedelta(days=within)
    )


def is_due_soon(
    *, deadline: dt.date | None, status: str, today: dt.date, within: int | None = None
) -> bool:
    """due_soon_q for one row."""
    within = warning_days() if within is None else within
    return (
        deadline is not None
        and status != "closed"
        and today <= deadline <= today + dt.timedelta(days=within)
    )


def closed_by_q(day: dt.date) -> Q:
    """Closed out on or before `day` (a report counts as of its own date)."""
    return Q(status="closed", closed_on__lte=day)


def is_closed_by(*, status: str, closed_on: dt.date | None, day: dt.date) -> bool:
    """closed_by_q for one row."""
    return status == "closed" and closed_on is not None and closed_on <= day


class FindingQuerySet(CountyScopedQuerySet):
    """Every view that shows findings starts from `for_user()`."""

    finding_field = ""

    def active(self) -> FindingQuerySet:
        """Not archived: what lists, dashboards and documents show."""
        return self.filter(archived_at__isnull=True)

    def archived(self) -> FindingQuerySet:
        return self.filter(archived_at__isnull=False)

    def open(self) -> FindingQuerySet:
        return self.exclude(status=Finding.Status.CLOSED)

    def closed(self) -> FindingQuerySet:
        return self.filter(status=Finding.Status.CLOSED)

    def overdue(self, today: dt.date) -> FindingQuerySet:
        return self.filter(overdue_q(today))

    def due_within(self, days: int, today: dt.date) -> FindingQuerySet:
        return self.filter(due_soon_q(today, days))

    def closed_by(self, day: dt.date) -> FindingQuerySet:
        return self.filter(closed_by_q(day))

    def closed_timing(self, timing: str) -> FindingQuerySet:
        return self.filter(TIMING_Q[timing])

    def extended(self) -> FindingQuerySet:
        """Findings whose deadline was moved by an approved extension."""
        return self.filter(EXTENDED_Q)

    def with_raised_on(self) -> FindingQuerySet:
        """`raised_on`: the day the finding was raised — its review's first day, else the
        feedback's date, else the day it was entered. A finding imported long after its review
        counts from the review (the monthly table, the burn-down), not from its import."""
        return self.annotate(
            raised_on=Coalesce("review__start_date", "review__issued_on", TruncDate("created_at"))
        )

    def with_lead_unit(self) -> FindingQuerySet:
        return self.annotate(lead_unit_name=lead_unit("unit__name"))

    def led_by(self, unit) -> FindingQuerySet:
        """Findings whose first responsible unit (the lead, 牵头单位) is `unit`."""
        return self.alias(_lead_id=lead_unit("unit_id")).filter(_lead_id=unit.pk)

    def returned(self) -> FindingQuerySet:
        """被退回: the leader returned the close-out request (the last step of the workflow
        took the finding from submitted back to in progress) and it has not been sent again."""
        last = StatusChange.objects.filter(finding=OuterRef("pk")).order_by("-at", "-id")
        return (
            self.filter(status=Finding.Status.IN_PROGRESS)
            .alias(_last_from=Subquery(last.values("from_status")[:1]))
            .filter(_last_from=Finding.Status.SUBMITTED)
        )

    def awaiting_acknowledgement(self) -> FindingQuerySet:
        """未签收: a responsible unit has not acknowledged (AWAITING_ACKNOWLEDGEMENT_Q), on a
        finding not closed."""
        return self.filter(NOT_CLOSED_Q, Exists(awaiting_links()))

    def with_acknowledgement(self) -> FindingQuerySet:
        """Each row's `awaits_acknowledgement` (the ledger's 未签收 mark), in the same query:
        the first waiting link's id, not an EXISTS, which PostgreSQL plans as one hashed scan
        of every link in scope before the page's LIMIT (85 ms for the national ledger's 50
        rows, against 50 index probes). Any waiting link will do: unordered, so that the
        subquery joins no finding, review and category to sort by the links' default order."""
        waiting = awaiting_links().order_by().values("pk")[:1]
        return self.alias(_waiting_link=Subquery(waiting)).annotate(
            awaits_acknowledgement=models.ExpressionWrapper(
                NOT_CLOSED_Q & Q(_waiting_link__isnull=False),
                output_field=models.BooleanField(),
            )
        )

    def involving_unit(self, unit) -> FindingQuerySet:
        """Findings the unit works on, as a responsible or a cooperating unit."""
        return self.filter(Exists(FindingUnit.objects.filter(finding=OuterRef("pk"), unit=unit)))

    def tasks_of(self, unit) -> FindingQuerySet:
        """Findings that are the unit's tasks (task_q): responsible, not handed back."""
        return self.filter(
            Exists(FindingUnit.objects.filter(task_q(), finding=OuterRef("pk"), unit=unit))
        )

    def search(self, text: str) -> FindingQuerySet:
        text = text.strip()
        if not text:
            return self
        in_measures = Exists(Measure.objects.filter(finding=OuterRef("pk"), text__icontains=text))
        return self.filter(Q(description__icontains=text) | Q(result__icontains=text) | in_measures)

    def in_ledger_order(self) -> FindingQuerySet:
        return self.order_by(
            "county__code", "review__start_date", "review_id", "category__order", "order", "id"
        )


class Finding(Tracked):
    """One problem a review team reported (反馈问题), and its rectification."""

    class Status(models.TextChoices):
        OPEN = "open", _("未整改")
        IN_PROGRESS = "in_progress", _("整改中")
        SUBMITTED = "submitted", _("已申请销号")
        CLOSED = "closed", _("已销号")

    review = models.ForeignKey(
        Review, verbose_name=_("检查"), on_delete=models.PROTECT, related_name="findings"
    )
    county = models.ForeignKey(
        County, verbose_name=_("示范县"), on_delete=models.PROTECT, related_name="findings"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("问题类别"), on_delete=models.PROTECT, related_name="findings"
    )
    order = models.PositiveSmallIntegerField(_("类别内序号"), default=1)
    description = LimitedTextField(_("问题描述"), max_length=2000)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    original_deadline = models.DateField(
        _("原定完成时限"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("第一次确定的完成时限；经批准延期后，完成时限改变而它不变。"),
    )
    is_ongoing = models.BooleanField(
        _("并长期坚持"), default=False, help_text=_("完成时限之后仍需长期坚持。")
    )
    status = models.CharField(
        _("整改状态"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    result = LimitedTextField(_("整改结果"), max_length=5000, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    evidence_waiver = LimitedTextField(
        _("无需佐证材料的理由"),
        max_length=2000,
        blank=True,
        help_text=_("申请销号时没有佐证材料的，须说明理由。"),
    )
    notice_item = models.ForeignKey(
        NoticeItem,
        verbose_name=_("通报问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        help_text=_("省级通报中的同一问题，各区县各有一份。"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归档人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    related = models.ManyToManyField(
        "self", verbose_name=_("相关问题"), blank=True, symmetrical=True
    )

    objects = FindingQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[related], bases=[ChangeSetHistory])

    class Meta:
        ordering = ["review__start_date", "review_id", "category__order", "order", "id"]
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        indexes = [
            models.Index(fields=["county", "status"]),
            models.Index(fields=["county", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="finding_closed_has_date",
                violation_error_message=_("已销号的问题必须有销号日期。"),
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(original_deadline__isnull=False),
                name="finding_original_deadline_set",
                violation_error_message=_("有完成时限的问题必须记录原定完成时限。"),
            ),
        ]

    def __str__(self) -> str:
        return self.short_description

    def get_absolute_url(self) -> str:
        return reverse("finding_detail", args=[self.pk])

    @property
    def short_description(self) -> str:
        text = self.description.strip()
        return text if len(text) <= 40 else text[:40] + "…"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_extended(self) -> bool:
        """The deadline was moved by an approved extension (延期)."""
        return deadline_extended(self.deadline, self.original_deadline)

    def closeout_timing(self) -> str | None:
        """Timing.ON_TIME / EXTENDED / LATE for a closed finding (as TIMING_Q), else None."""
        if not self.is_closed or self.closed_on is None:
            return None
        if (
            self.original_deadline is None
            or self.closed_on <= self.original_deadline
            or self.closed_by_id is None
        ):
            return Timing.ON_TIME
        if self.deadline is not None and self.closed_on <= self.deadline:
            return Timing.EXTENDED
        return Timing.LATE

    def was_closed_by(self, day: dt.date) -> bool:
        """Closed out on or before `day` (a report counts as of its own date)."""
        return is_closed_by(status=self.status, closed_on=self.closed_on, day=day)

    def days_left(self, today: dt.date | None = None) -> int | None:
        """Days until the deadline (negative once passed); None without a deadline."""
        if self.deadline is None:
            return None
        return (self.deadline - (today or timezone.localdate())).days

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return is_overdue(
            deadline=self.deadline, status=self.status, today=today or timezone.localdate()
        )

    def is_due_soon(self, today: dt.date | None = None, within: int | None = None) -> bool:
        return is_due_soon(
            deadline=self.deadline,
            status=self.status,
            today=today or timezone.localdate(),
            within=within,
        )

    def deadline_state(self, today: dt.date | None = None) -> str:
        """'overdue' (red), 'due_soon' (yellow), 'upcoming' (noted), 'ok' (green), 'ongoing'
        (closed but kept up after its date), 'closed' or 'none'."""
        if self.is_closed:
            days = self.days_left(today)
            return "ongoing" if self.is_ongoing and days is not None and days < 0 else "closed"
        if self.deadline is None:
            return "none"
        if self.is_overdue(today):
            return "overdue"
        if self.is_due_soon(today):
            return "due_soon"
        if self.is_due_soon(today, within=settings.RECTIFY_UPCOMING_DAYS):
            return "upcoming"
        return "ok"


class Measure(Tracked):
    """One item of a finding's measures (整改措施), rendered 一是…;二是…"""

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="measures"
    )
    order = models.PositiveSmallIntegerField(_("排序"))
    text = LimitedTextField(_("措施内容"), max_length=2000)

    # A finding's measures together: the 台账 writes them into one spreadsheet cell (at most
    # 32,767 characters in .xlsx), so they must fit without being cut.
    TOTAL_MAX_LENGTH = 10000

    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["finding", "order", "id"]
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")

    def __str__(self) -> str:
        return self.text[:40]


class FindingUnit(Tracked):
    """A unit's place on a finding: responsible (the first one leads) or cooperating."""

    class Role(models.TextChoices):
        RESPONSIBLE = "responsible", _("责任单位")
        COOPERATING = "cooperating", _("配合单位")

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="unit_links"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="finding_links"
    )
    role = models.CharField(
        _("角色"), max_length=20, choices=Role.choices, default=Role.RESPONSIBLE
    )
    order = models.PositiveSmallIntegerField(_("排序"))
    # The unit's task on the finding: given when the link was made (a unit removed and added
    # again is a new link, a new task), acknowledged (签收) by the unit's contact, or handed
    # back by the lead unit for the office to reassign.
    assigned_at = models.DateTimeField(_("交办时间"), default=timezone.now, editable=False)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True, editable=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    handed_back_at = models.DateTimeField(_("退回时间"), null=True, blank=True, editable=False)
    handed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    hand_back_reason = LimitedTextField(_("退回理由"), max_length=500, blank=True, editable=False)

    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["finding", "order", "id"]
        verbose_name = _("问题责任单位")
        verbose_name_plural = _("问题责任单位")
        constraints = [
            models.UniqueConstraint(fields=["finding", "unit"], name="finding_unit_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()})"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def is_handed_back(self) -> bool:
        return self.handed_back_at is not None

    @property
    def awaits_acknowledgement(self) -> bool:
        """The Python side of AWAITING_ACKNOWLEDGEMENT_Q (for one link)."""
        return (
            self.role == self.Role.RESPONSIBLE
            and self.acknowledged_at is None
            and self.handed_back_at is None
        )

    @staticmethod
    def names(links, role: str) -> list[str]:
        """Unit names of one role, in order, from already fetched links."""
        return [link.unit.name for link in links if link.role == role]


def task_q(prefix: str = "") -> Q:
    """A unit's task (任务): its link to a finding as a responsible unit (the lead or another),
    not handed back. Cooperating units (配合单位) have no task. `prefix` reaches the links from
    another model ("unit_links__" from a finding). The unit ranking counts these and the
    ledger's task_unit filter (the ranking's links) lists them (FindingQuerySet.tasks_of)."""
    return Q(
        **{f"{prefix}role": FindingUnit.Role.RESPONSIBLE, f"{prefix}handed_back_at__isnull": True}
    )


# 未签收: a unit's task not yet acknowledged (签收), on a finding still being worked on.
# FindingUnit.awaits_acknowledgement is the same for one link; the ledger's filter and mark
# (FindingQuerySet.awaiting_acknowledgement / with_acknowledgement) and 我的待办 read this.
AWAITING_ACKNOWLEDGEMENT_Q = task_q() & Q(acknowledged_at__isnull=True)


NOT_CLOSED_Q = ~Q(status=Finding.Status.CLOSED)  # on findings


def awaiting_links() -> models.QuerySet:
    """A finding's (OuterRef) links awaiting 签收; the finding's own status is the caller's
    (NOT_CLOSED_Q): 未签收 is only on a finding still being worked on."""
    return FindingUnit.objects.filter(AWAITING_ACKNOWLEDGEMENT_Q, finding=OuterRef("pk"))


class ProgressQuerySet(CountyScopedQuerySet):
    county_field = "finding__county"
    finding_field = "finding__"

    def visible(self) -> ProgressQuerySet:
        """Not withdrawn: what pages, exports and documents show (leaders also see the rest)."""
        return self.filter(withdrawn_at__isnull=True)

    def adopted(self) -> ProgressQuerySet:
        """The office's record of progress: its own notes and the units' notes it accepted
        (not those waiting for it, nor those it returned)."""
        return self.visible().filter(review_status__in=Progress.ADOPTED)

    def awaiting_review(self) -> ProgressQuerySet:
        """A unit's notes the office has yet to accept or return (单位报送待采纳)."""
        return self.visible().filter(review_status=Progress.ReviewStatus.PENDING)

    def returned(self) -> ProgressQuerySet:
        return self.visible().filter(review_status=Progress.ReviewStatus.RETURNED)


class Progress(Tracked):
    """A dated progress note on a finding (整改进展)."""

    class Kind(models.TextChoices):
        NOTE = "note", _("进展情况")
        RESULT = "result", _("拟报整改结果")

    class ReviewStatus(models.TextChoices):
        NONE = "", _("无需审核")
        PENDING = "pending", _("待采纳")
        ACCEPTED = "accepted", _("已采纳")
        RETURNED = "returned", _("已退回")

    # Which notes are the office's record of progress (ProgressQuerySet.adopted).
    ADOPTED = (ReviewStatus.NONE, ReviewStatus.ACCEPTED)

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="progress_notes"
    )
    date = models.DateField(_("日期"), default=timezone.localdate)
    note = LimitedTextField(_("进展情况"), max_length=5000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="progress_notes",
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # A responsible unit's report (its contact wrote it), which the office accepts into the
    # finding or returns; the office's own notes have no unit and no review.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("报送单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="progress_notes",
        editable=False,
    )
    kind = models.CharField(
        _("类型"), max_length=20, choices=Kind.choices, default=Kind.NOTE, editable=False
    )
    review_status = models.CharField(
        _("采纳情况"),
        max_length=20,
        choices=ReviewStatus.choices,
        blank=True,
        default=ReviewStatus.NONE,
        editable=False,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True, editable=False)
    review_comment = LimitedTextField(_("审核意见"), max_length=2000, blank=True, editable=False)

    objects = ProgressQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        indexes = [
            # A finding's latest note (ledger exports, dashboards) is one index probe.
            models.Index(fields=["finding", "-date", "-id"], name="progress_latest_per_finding"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.note[:30]}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_from_unit(self) -> bool:
        return self.unit_id is not None

    @property
    def is_proposed_result(self) -> bool:
        return self.kind == self.Kind.RESULT

    @property
    def awaits_review(self) -> bool:
        return self.review_status == self.ReviewStatus.PENDING and not self.is_withdrawn


class StatusChange(models.Model):
    """One step of the close-out workflow: who moved the finding, when, and why."""

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("原状态"), max_length=20, choices=Finding.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Finding.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    comment = LimitedTextField(_("说明"), max_length=2000, blank=True)
    change_set = models.CharField(_("变更批次"), max_length=32, blank=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class EvidenceQuerySet(CountyScopedQuerySet):
    county_field = "finding__county"
    finding_field = "finding__"

    def visible(self) -> EvidenceQuerySet:
        return self.filter(removed_at__isnull=True)


class Evidence(Tracked):
    """A piece of evidence (佐证材料): minutes, contracts, invoices, photos…"""

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="evidence"
    )
    progress = models.ForeignKey(
        Progress,
        verbose_name=_("整改进展"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )
    title = models.CharField(_("材料名称"), max_length=200)
    date = models.DateField(_("材料日期"), default=timezone.localdate)
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=120)
    pages = models.PositiveIntegerField(
        _("页数"), null=True, blank=True, editable=False, help_text=_("PDF 的页数，上传时读取。")
    )
    thumbnail = models.FileField(
        _("缩略图"),
        upload_to=thumbnail_path,
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("图片的缩略图，上传时生成。"),
    )
    display = models.FileField(
        _("查看用图片"),
        upload_to=display_path,
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("大图片在页面中查看时显示的缩小副本，上传时生成；原件照常下载。"),
    )
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("移除人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evidence_download", args=[self.pk])

    def get_download_url(self) -> str:
        """Always an attachment, whatever the type (the 下载 button beside the viewer)."""
        return f"{self.get_absolute_url()}?download=1"

    def get_thumbnail_url(self) -> str:
        return reverse("evidence_thumbnail", args=[self.pk])

    def get_view_url(self) -> str:
        """What the page's viewer shows: the reduced copy of a large photo, else the file."""
        if self.display:
            return reverse("evidence_display", args=[self.pk])
        return self.get_absolute_url()

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_viewable(self) -> bool:
        """The browser shows it in the page (image) or in its own viewer (PDF)."""
        return self.content_type in VIEWABLE

    @property
    def is_image(self) -> bool:
        return self.is_viewable and self.content_type.startswith("image/")


class FindingRequestQuerySet(CountyScopedQuerySet):
    county_field = "finding__county"
    finding_field = "finding__"

    def pending(self) -> FindingRequestQuerySet:
        return self.filter(status=FindingRequest.Status.PENDING)


class FindingRequest(Tracked):
    """A request the county leader decides: extend a finding's deadline (延期) or archive it
    (撤销/归档). Staff cannot do either directly."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("延期申请")
        ARCHIVE = "archive", _("归档申请")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("未同意")
        WITHDRAWN = "withdrawn", _("已撤回")

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="requests"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    reason = LimitedTextField(_("申请理由"), max_length=2000)
    current_deadline = models.DateField(_("申请时的完成时限"), null=True, blank=True)
    new_deadline = models.DateField(_("申请延期至"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = LimitedTextField(_("审批意见"), max_length=2000, blank=True)

    objects = FindingRequestQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("延期或归档申请")
        verbose_name_plural = _("延期或归档申请")
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "kind"],
                condition=Q(status="pending"),
                name="request_one_pending_per_kind",
                violation_error_message=_("该问题已有一项同类申请在等待审批。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="extension") | Q(new_deadline__isnull=False),
                name="request_extension_has_date",
                violation_error_message=_("延期申请须填写新的完成时限。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.finding_id} {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class Submission(models.Model):
    """A form submission that created something, by its one-time token: the same form sent
    twice (back button, double click, a retried request) finds the first result here
    instead of creating a second object."""

    token = models.CharField(_("提交标识"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = _("表单提交")
        verbose_name_plural = _("表单提交")

    def __str__(self) -> str:
        return self.token


class ReminderLog(models.Model):
    """Every reminder mail sent (or failed), so a second run on the same day sends nothing twice."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("牵头单位")
        OFFICE = "office", _("区县办公室")
        LEADER = "leader", _("区县领导")

    class Status(models.TextChoices):
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    day = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    county = models.ForeignKey(County, verbose_name=_("示范县"), on_delete=models.CASCADE)
    recipient = models.EmailField(_("收件人"))
    status = models.CharField(_("结果"), max_length=10, choices=Status.choices)
    items = models.PositiveIntegerField(_("事项数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("提醒邮件记录")
        verbose_name_plural = _("提醒邮件记录")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "county", "recipient"],
                condition=Q(status="sent"),
                name="reminder_once_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.recipient} {self.get_status_display()}"


class ImportBatch(Tracked):
    """One document or spreadsheet read into the ledger: what was parsed, what the user decided
    in the preview, and what saving it did. Kept after saving or cancelling, never deleted."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("文档")
        LEDGER = "ledger", _("台账")
        NOTICE = "notice", _("省级通报")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        APPLIED = "applied", _("已导入")
        CANCELLED = "cancelled", _("已取消")

    # A county's import (document, 台账) names its county; a province's notice, its province.
    county = models.ForeignKey(
        County,
        verbose_name=_("示范县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
    )
    province = models.ForeignKey(
        Province,
        verbose_name=_("省份"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    source_text = models.TextField(_("原文"), blank=True)
    data = models.JSONField(_("解析结果"), default=dict)
    options = models.JSONField(_("导入选项"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    summary = models.JSONField(_("导入结果"), default=dict)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CountyScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="notice", county__isnull=True, province__isnull=False)
                | (~Q(kind="notice") & Q(county__isnull=False, province__isnull=True)),
                name="import_batch_county_or_province",
                violation_error_message=_("区县的导入须指明区县，省级通报的导入须指明省份。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source_name}"

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.NOTICE:
            return reverse("notice_import_preview", args=[self.pk])
        return reverse("import_preview", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


# ---------------------------------------------------------------------------
# 催办 (urging): the county's office or leader urges a unit on a finding; the province urges
# the county (no unit). The next progress note from the urged unit (any note, when no unit is
# named) answers it (services.urges_answer).


class UrgeQuerySet(CountyScopedQuerySet):
    county_field = "finding__county"
    finding_field = "finding__"

    def unanswered(self) -> UrgeQuerySet:
        return self.filter(answered_at__isnull=True)


class Urge(Tracked):
    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="urges"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("被催办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="urges",
        help_text=_("省级催办区县时为空。"),
    )
    message = LimitedTextField(_("催办内容"), max_length=500)
    reply_by = models.DateField(_("请于此前回复"), null=True, blank=True)
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True, editable=False)
    answered_by_progress = models.ForeignKey(
        Progress,
        verbose_name=_("回复的整改进展"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answered_urges",
        editable=False,
    )

    objects = UrgeQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("催办")
        verbose_name_plural = _("催办")
        indexes = [models.Index(fields=["finding", "answered_at"], name="urge_per_finding")]

    def __str__(self) -> str:
        return self.message[:30]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def addressee(self) -> str:
        """Whom the urge is for: the unit, or (from the province) the county's office."""
        return self.unit.name if self.unit_id else str(self.finding.county)
