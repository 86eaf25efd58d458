from functools import cached_property

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from rectify.lib.forms import FastSelect, style_widget

from . import permissions
from .columns import COLUMN
from .models import (
    Category,
    County,
    Finding,
    FindingRequest,
    Province,
    Review,
    Timing,
    Unit,
    Urge,
)


def _reviews(request):
    return Review.objects.for_user(request.user)


def _categories(request):
    return Category.objects.filter(review__in=Review.objects.for_user(request.user)).select_related(
        "review"
    )


def _units(request):
    return Unit.objects.for_user(request.user).select_related("county")


def _counties(request):
    return County.objects.for_user(request.user)


def _provinces(request):
    return Province.objects.filter(
        pk__in=County.objects.for_user(request.user).values("province_id")
    ).order_by("code")


class _ChoicesOf(BaseChoiceIterator):
    """A model choice field's options as a list made on first use: the empty choice, then
    each object of its queryset under the field's label — or, given `label_field`, the column
    that is its label (str() of the model), read without making the objects.

    A choice iterator rather than a callable: Django normalizes a callable's list again on
    every pass, and a select is passed over twice (the `required` check, then its options)."""

    def __init__(self, field: forms.ModelChoiceField, label_field: str | None = None):
        self.field = field
        self.label_field = label_field

    @cached_property
    def options(self) -> list:
        field = self.field
        if self.label_field:
            options = list(field.queryset.values_list("pk", self.label_field))
        else:
            options = [(o.pk, field.label_from_instance(o)) for o in list(field.queryset)]
        return [("", field.empty_label), *options]

    def __iter__(self):
        return iter(self.options)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# The selects offered once another is chosen: (the select, the one chosen first, the
# options within that choice, the options before it — None: none, and a word saying what to
# choose first). FindingFilter._narrow_choices.
NARROWED = [
    ("county", "province", lambda province: Q(province_id=province), None),
    ("unit", "county", lambda county: Q(county_id=county), None),
    ("category", "county", lambda county: Q(review__counties=county), None),
    # The provincial notices span counties: offered before a county is chosen.
    ("review", "county", lambda county: Q(counties=county), Q(province__isnull=False)),
]
CHOOSE_FIRST = {
    "province": _("全部（选择省份后可按此筛选）"),
    "county": _("全部（选择区县后可按此筛选）"),
}


class FindingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("关键词"),
        method="filter_text",
        widget=forms.TextInput(attrs={"placeholder": _("问题、措施或结果中的文字")}),
    )
    # A national user's 1,500 counties: offered once a province is chosen (_narrow_choices).
    province = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        label=_("省份"),
        field_name="county__province",
        queryset=_provinces,
        empty_label=_("全部省份"),
    )
    county = django_filters.ModelChoiceFilter(
        widget=FastSelect, label=_("区县"), queryset=_counties, empty_label=_("全部区县")
    )
    kind = django_filters.ChoiceFilter(
        widget=FastSelect,
        label=_("检查类型"),
        field_name="review__kind",
        choices=Review.Kind.choices,
        empty_label=_("全部类型"),
    )
    review = django_filters.ModelChoiceFilter(
        widget=FastSelect, label=_("检查"), queryset=_reviews, empty_label=_("全部检查")
    )
    category = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        label=COLUMN["category"].label,
        queryset=_categories,
        empty_label=_("全部类别"),
    )
    status = django_filters.ChoiceFilter(
        widget=FastSelect,
        label=_("整改状态"),
        choices=Finding.Status.choices,
        empty_label=_("全部状态"),
    )
    unit = django_filters.ModelChoiceFilter(
        widget=FastSelect,
        label=COLUMN["units"].label,
        queryset=_units,
        method="filter_unit",
        empty_label=_("全部单位"),
    )
    # Reached from the dashboards' "by lead unit" numbers; hidden so that the form does not
    # list the units a second time.
    lead_unit = django_filters.ModelChoiceFilter(
        label=_("牵头单位"), queryset=_units, method="filter_lead_unit", widget=forms.HiddenInput
    )
    # Reached from the county dashboard's unit ranking: the unit's tasks (responsible, not
    # handed back), which is what the ranking counts; hidden like lead_unit.
    task_unit = django_filters.ModelChoiceFilter(
        label=_("承办单位"), queryset=_units, method="filter_task_unit", widget=forms.HiddenInput
    )
    not_closed = django_filters.BooleanFilter(
        label=_("仅看未销号"), method="filter_not_closed", widget=forms.CheckboxInput
    )
    overdue = django_filters.BooleanFilter(
        label=_("仅看逾期"), method="filter_overdue", widget=forms.CheckboxInput
    )
    due_within = django_filters.NumberFilter(
        label=_("N天内到期"),
        method="filter_due_within",
        min_value=0,
        max_value=3650,
        widget=forms.NumberInput(attrs={"placeholder": _("天数")}),
    )
    archived = django_filters.BooleanFilter(
        label=_("仅看已归档"), method="filter_archived", widget=forms.CheckboxInput
    )
    # Extensions, archive requests and close-out timing (counted against the original deadline).
    extension = django_filters.ChoiceFilter(
        widget=FastSelect,
        label=_("延期"),
        choices=[
            ("extended", _("经批准延期")),
            ("pending", _("延期申请待审批")),
        ],
        method="filter_extension",
        empty_label=_("全部"),
    )
    timing = django_filters.ChoiceFilter(
        widget=FastSelect,
        label=COLUMN["closeout"].label,
        choices=Timing.choices,
        method="filter_timing",
        empty_label=_("全部"),
    )
    # 未签收: a responsible unit has yet to acknowledge its task (FindingQuerySet).
    awaiting_acknowledgement = django_filters.BooleanFilter(
        label=_("未签收"), method="filter_awaiting_acknowledgement", widget=forms.CheckboxInput
    )
    archive_pending = django_filters.BooleanFilter(
        label=_("归档申请待审批"), method="filter_archive_pending", widget=forms.CheckboxInput
    )
    urged = django_filters.ChoiceFilter(
        widget=FastSelect,
        label=_("被催办"),
        choices=[
            ("yes", _("被催办过")),
            ("open", _("催办待回复")),
            ("no", _("未被催办")),
        ],
        method="filter_urged",
        empty_label=_("全部"),
    )
    deadline = django_filters.DateFromToRangeFilter(
        label=COLUMN["deadline"].label,
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    o = django_filters.OrderingFilter(
        widget=FastSelect,
        fields=[
            ("review__start_date", "review"),
            ("category__order", "category"),
            ("deadline", "deadline"),
            ("status", "status"),
            ("lead_unit_name", "unit"),
            ("county__code", "county"),
        ],
        label=_("排序"),
    )

    class Meta:
        model = Finding
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        user = self.request.user
        if user.county_id:
            # A county user sees one county: the filter would only be noise.
            del self.filters["county"]
        if permissions.level_of(user) != permissions.NATIONWIDE:
            del self.filters["province"]  # one province, or one county: noise likewise
        fields = self.form.fields
        if not user.county_id:
            self._narrow_choices(fields)
        # Reviews are named as issues.reviews.review_labels names them among those on the
        # page; the view sets `review_labels` once it has the page's rows.
        self.review_labels: dict[int, str] = {}
        fields["review"].widget.choices = self._review_choices
        fields["category"].label_from_instance = lambda c: (
            f"{self.review_labels.get(c.review_id) or c.review.label} · {c.name}"
        )
        if not user.county_id:
            for name in ("unit", "lead_unit", "task_unit"):
                fields[name].label_from_instance = lambda u: (
                    f"{u.county.display_short_name} {u.name}"
                )
        # The visible selects' options read in one plain query each when the form is drawn
        # (a ModelChoiceField iterates its queryset with .iterator(): on PostgreSQL a server-
        # side cursor, three round trips).
        for name in ("category", "unit"):
            fields[name].widget.choices = _ChoicesOf(fields[name])
        for name in ("province", "county"):  # named by their names (str()), no instances
            if name in fields:
                fields[name].widget.choices = _ChoicesOf(fields[name], "name")
        start, end = fields["deadline"].widget.widgets
        start.attrs["aria-label"] = _("起始日期")
        end.attrs["aria-label"] = _("截止日期")
        for field in fields.values():
            style_widget(field.widget)

    def _narrow_choices(self, fields) -> None:
        """Users who see many counties choose a county first, and national users a province
        before its counties: listing every county's units, categories and reviews (or 1,500
        counties) would make a page of tens of thousands of options. Without a county the
        reviews offered are the provincial notices (they span counties); a value given in
        the address (a dashboard's link) is always kept."""
        for name, first, within, without in NARROWED:
            if name in fields and first in fields:
                self._narrow(fields[name], name, first, within, without)

    def _narrow(self, field, name: str, first: str, within, without: Q | None) -> None:
        """`field` offers the options within the value chosen for `first` (within(value)),
        or without one `without`'s, or none, saying what to choose first; and the option
        the address names, always."""
        chosen = _int(self.data.get(first))
        selected = _int(self.data.get(name))
        keep = Q(pk=selected) if selected else Q(pk__in=[])
        if chosen:
            keep |= within(chosen)
        elif without is not None:
            keep |= without
        else:
            field.empty_label = CHOOSE_FIRST[first]
        model = field.queryset.model
        field.queryset = field.queryset.filter(pk__in=model.objects.filter(keep).values("pk"))

    @cached_property
    def shown_reviews(self) -> list[Review]:
        """The reviews the review filter offers (read once, when the page needs them)."""
        return list(self.form.fields["review"].queryset)

    def _review_choices(self) -> list:
        empty = self.form.fields["review"].empty_label
        return [
            ("", empty),
            *((r.pk, self.review_labels.get(r.pk) or r.label) for r in self.shown_reviews),
        ]

    @property
    def qs(self):
        qs = super().qs
        cleaned = getattr(self.form, "cleaned_data", {})
        if not cleaned.get("archived"):
            qs = qs.active()  # archived findings only when asked for
        if not cleaned.get("o"):
            qs = qs.in_ledger_order()
        return qs

    def filter_archived(self, queryset, name, value):
        return queryset.archived() if value else queryset

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_unit(self, queryset, name, value):
        return queryset.involving_unit(value) if value else queryset

    def filter_lead_unit(self, queryset, name, value):
        return queryset.led_by(value) if value else queryset

    def filter_task_unit(self, queryset, name, value):
        return queryset.tasks_of(value) if value else queryset

    def filter_not_closed(self, queryset, name, value):
        return queryset.open() if value else queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(self.today) if value else queryset

    def filter_extension(self, queryset, name, value):
        if value == "extended":
            return queryset.extended()
        if value == "pending":
            return queryset.filter(_pending(FindingRequest.Kind.EXTENSION))
        return queryset

    def filter_timing(self, queryset, name, value):
        return queryset.closed_timing(value) if value else queryset

    def filter_awaiting_acknowledgement(self, queryset, name, value):
        return queryset.awaiting_acknowledgement() if value else queryset

    def filter_archive_pending(self, queryset, name, value):
        return queryset.filter(_pending(FindingRequest.Kind.ARCHIVE)) if value else queryset

    def filter_urged(self, queryset, name, value):
        urges = Urge.objects.filter(finding=OuterRef("pk"))
        if value == "yes":
            return queryset.filter(Exists(urges))
        if value == "open":
            return queryset.filter(Exists(urges.unanswered()))
        if value == "no":
            return queryset.exclude(Exists(urges))
        return queryset

    def filter_due_within(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.due_within(int(value), self.today)


def _pending(kind: str) -> Exists:
    """The finding has a request of this kind waiting for the leader."""
    return Exists(FindingRequest.objects.pending().filter(finding=OuterRef("pk"), kind=kind))
