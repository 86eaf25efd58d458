from __future__ import annotations

from functools import cached_property

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.lib.forms import DateInput, FastSelect, StyledForm, style_widget

from .columns import text_columns, text_values
from .models import Category, County, Finding, FindingUnit, Measure, Progress, Review, Unit
from .reviews import review_labels
from .services import CategoryEntry, FindingData, UnitEntry


class CategorySelect(FastSelect):
    """Categories grouped by review (<optgroup data-review="…">), so that the page can offer
    only the chosen review's (static/js/finding-form.js)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.group_reviews: dict[str, int] = {}

    def group_attrs(self, group: str) -> dict:
        review = self.group_reviews.get(group)
        return {} if review is None else {"data-review": review}


class FindingForm(StyledForm, forms.ModelForm):
    """The finding itself; its measures and units come in the two formsets below."""

    category = forms.ModelChoiceField(
        label=_("问题类别"), queryset=Category.objects.none(), required=False
    )
    new_category = forms.CharField(
        label=_("或新建类别"),
        max_length=200,
        required=False,
        help_text=_("所选检查中还没有合适的类别时，在此填写类别名称。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_past_deadline = forms.BooleanField(
        label=_("确认：完成时限确实早于今天"), required=False
    )
    order = forms.IntegerField(
        label=_("类别内序号"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_("留空则排在该类别最后。"),
    )

    class Meta:
        model = Finding
        fields = [
            "review",
            "description",
            "deadline",
            "is_ongoing",
            "result",
            "related",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "result": forms.Textarea(attrs={"rows": 4}),
            "deadline": DateInput(),
            "related": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, county: County, **kwargs):
        super().__init__(*args, **kwargs)
        self.county = county
        reviews = Review.objects.filter(counties=county)
        self.fields["review"].queryset = reviews
        self.fields["review"].empty_label = _("请选择检查")
        # The reviews by the names that tell them apart; read once, when the form is shown.
        shown = _LabelledReviews(reviews)
        self.fields["review"].widget.choices = lambda: [
            ("", self.fields["review"].empty_label),
            *((r.pk, shown.labels[r.pk]) for r in shown.reviews),
        ]
        category = self.fields["category"]
        category.queryset = Category.objects.filter(review__in=reviews)
        category.empty_label = _("请选择类别")
        category.widget = CategorySelect(attrs={"data-review-select": self["review"].auto_id})
        style_widget(category.widget)
        # Without JavaScript, "按所选检查更新类别" sends the form back to offer only the
        # chosen review's categories.
        only = self.data.get("review") if "refresh_categories" in self.data else None
        category.widget.choices = lambda: [
            ("", category.empty_label),
            *shown.category_groups(category.widget, only=only),
        ]
        related = self.fields["related"]
        related.queryset = (
            Finding.objects.filter(county=county)
            .exclude(pk=self.instance.pk)
            .select_related("review", "category")
        )
        related.label_from_instance = lambda f: (
            f"{f.review.team} {f.category.order}.({f.order}) {f.short_description}"
        )
        related.help_text = _("其他检查中反映的同一问题。按住 Ctrl 可多选。")
        if self.instance.pk:
            self.initial.setdefault("category", self.instance.category_id)
            self.initial.setdefault("order", self.instance.order)
            self.initial.setdefault("version", self.instance.version)
        if self.instance.deadline is not None:
            # Set once; moved only by an extension the leader approves (services._set_deadline).
            deadline = self.fields["deadline"]
            deadline.disabled = True
            deadline.help_text = _(
                "完成时限已确定，不能在此修改；如需调整，请在问题页面提交延期申请，由领导审批。"
            )

    @property
    def asks_past_deadline(self) -> bool:
        """Whether to show the confirmation box for a deadline before today."""
        return "confirm_past_deadline" in self.data or self.has_error("deadline", "past")

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        new = deadline is not None and deadline != self.instance.deadline
        if new and deadline < timezone.localdate() and not self.data.get("confirm_past_deadline"):
            raise forms.ValidationError(
                _("完成时限早于今天，确定吗？如确实如此，请勾选下方的确认框后再保存。"),
                code="past",
            )
        return deadline

    def clean(self):
        cleaned = super().clean()
        review = cleaned.get("review")
        category = cleaned.get("category")
        new_category = (cleaned.get("new_category") or "").strip()
        if review is not None:
            if new_category:
                cleaned["category"] = None
            elif category is None:
                self.add_error("category", _("请选择问题类别，或填写新类别名称。"))
            elif category.review_id != review.pk:
                self.add_error("category", _("问题类别不属于所选检查。"))
        return cleaned

    def to_data(self, measures: MeasureFormSet, units: UnitFormSet) -> FindingData:
        c = self.cleaned_data
        return FindingData(
            review=c["review"],
            category=c.get("category"),
            new_category_name=c.get("new_category") or "",
            order=c.get("order"),
            deadline=c.get("deadline"),
            is_ongoing=c.get("is_ongoing", False),
            # 问题描述, 整改结果, …: the text columns the form has
            **text_values(
                {col.key: c.get(col.field) or "" for col in text_columns() if col.field in c}
            ),
            related=list(c.get("related") or []),
            measures=measures.texts(),
            units=units.entries(),
        )


class _LabelledReviews:
    """A form's reviews and their categories, each read once and only when shown."""

    def __init__(self, reviews):
        self._reviews = reviews

    @cached_property
    def reviews(self) -> list[Review]:
        return list(self._reviews)

    @cached_property
    def labels(self) -> dict[int, str]:
        return review_labels(self.reviews)

    @cached_property
    def categories(self) -> list[Category]:
        return list(
            Category.objects.filter(review__in=self._reviews).order_by("review", "order", "id")
        )

    def category_groups(self, widget: CategorySelect, only: str | None = None) -> list:
        groups = []
        for review in self.reviews:
            if only and str(review.pk) != only:
                continue
            options = [
                (c.pk, f"{c.order}. {c.name}") for c in self.categories if c.review_id == review.pk
            ]
            if options:
                label = self.labels[review.pk]
                widget.group_reviews[label] = review.pk
                groups.append((label, options))
        return groups


class RowForm(StyledForm, forms.Form):
    """One row of a formset. Its order number and delete box are controls, not content: a
    blank extra row that has an order number (formset.js numbers every row) is still blank,
    and Django skips it instead of asking for its content."""

    def has_changed(self) -> bool:
        return any(name not in ("ORDER", "DELETE") for name in self.changed_data)


class MeasureForm(RowForm):
    text = forms.CharField(
        label=_("措施内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=Measure._meta.get_field("text").max_length,
        error_messages={"required": _("请填写措施内容，或删除此行。")},
    )


class BaseRowFormSet(forms.BaseFormSet):
    """Rows that can be added, removed and reordered, with or without JavaScript."""

    def live_forms(self) -> list[forms.Form]:
        return [f for f in self.ordered_forms if f.cleaned_data]


class BaseMeasureFormSet(BaseRowFormSet):
    def texts(self) -> list[str]:
        return [f.cleaned_data["text"] for f in self.live_forms()]


MeasureFormSet = forms.formset_factory(
    MeasureForm,
    formset=BaseMeasureFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


class UnitRowForm(RowForm):
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Unit.objects.none(),
        empty_label=_("请选择单位"),
        error_messages={"required": _("请选择单位，或删除此行。")},
    )
    role = forms.ChoiceField(
        label=_("角色"), choices=FindingUnit.Role.choices, initial=FindingUnit.Role.RESPONSIBLE
    )

    def __init__(self, *args, county: County, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(county=county)


class BaseUnitFormSet(BaseRowFormSet):
    def __init__(self, *args, county: County, **kwargs):
        self.county = county
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "county": self.county}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            county=self.county,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.live_forms():
            unit = form.cleaned_data["unit"]
            if unit.pk in seen:
                raise forms.ValidationError(_("单位“%(unit)s”填写了两次。") % {"unit": unit})
            seen.add(unit.pk)
        roles = [f.cleaned_data["role"] for f in self.live_forms()]
        if roles and FindingUnit.Role.RESPONSIBLE not in roles:
            raise forms.ValidationError(_("请至少填写一个责任单位（第一个为牵头单位）。"))

    def entries(self) -> list[UnitEntry]:
        return [
            UnitEntry(unit=f.cleaned_data["unit"], role=f.cleaned_data["role"])
            for f in self.live_forms()
        ]


UnitFormSet = forms.formset_factory(
    UnitRowForm,
    formset=BaseUnitFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


def measure_initial(finding: Finding) -> list[dict]:
    return [{"text": m.text, "ORDER": i} for i, m in enumerate(finding.measures.all(), start=1)]


def unit_initial(finding: Finding) -> list[dict]:
    return [
        {"unit": link.unit_id, "role": link.role, "ORDER": i}
        for i, link in enumerate(finding.unit_links.all(), start=1)
    ]


class ProgressForm(StyledForm, forms.ModelForm):
    # A unit's contact reports a note or proposes the result (the office accepts it into the
    # finding); the field is offered only to them (`proposes`).
    kind = forms.ChoiceField(
        label=_("报送类型"),
        choices=Progress.Kind.choices,
        initial=Progress.Kind.NOTE,
        widget=forms.RadioSelect,
        required=False,
    )

    class Meta:
        model = Progress
        fields = ["date", "note"]
        widgets = {
            "date": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, proposes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not proposes:
            del self.fields["kind"]

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or Progress.Kind.NOTE


class UnitForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "kind", "contact", "phone", "email", "aliases"]
        widgets = {"aliases": forms.Textarea(attrs={"rows": 3})}


class CommentForm(StyledForm, forms.Form):
    comment = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmitCloseoutForm(StyledForm, forms.Form):
    result = forms.CharField(
        label=_("整改结果"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    evidence_waiver = forms.CharField(
        label=_("无需佐证材料的理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("已上传佐证材料的可不填。"),
    )
    comment = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、图片（JPG、PNG）、Word、Excel 或 ZIP，单个文件不超过设置的上限。"),
    )
    title = forms.CharField(label=_("材料名称"), max_length=200, required=False)
    date = forms.DateField(label=_("材料日期"), required=False, widget=DateInput())


class NoticeForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Review
        fields = list(Review.NOTICE_FIELDS)
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "issued_on": DateInput(),
            "report_deadline": DateInput(),
        }


class NoticeItemForm(StyledForm, forms.Form):
    category = forms.CharField(label=_("问题类别"), max_length=200)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}))
    measures = forms.CharField(
        label=_("整改要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每条一行。"),
    )
    deadline = forms.DateField(
        label=_("完成时限"),
        required=False,
        widget=DateInput(),
        help_text=_("留空则用通报的报送时限。"),
    )
    counties = forms.ModelMultipleChoiceField(
        label=_("涉及区县"),
        queryset=County.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("每个区县各得一份，分别整改、销号。"),
    )

    def __init__(self, *args, province, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counties"].queryset = County.objects.filter(province=province)
        self.fields["counties"].widget.attrs["class"] = "form-check-input"


class NoticeItemEditForm(StyledForm, forms.Form):
    """Correcting a notice item's words, and giving it to more counties."""

    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 5}))
    measures = forms.CharField(
        label=_("整改要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每条一行。"),
    )
    deadline = forms.DateField(
        label=_("完成时限"),
        required=False,
        widget=DateInput(),
        help_text=_("留空则用通报的报送时限；已分发的问题的时限不随之改变（须经延期申请）。"),
    )
    add_counties = forms.ModelMultipleChoiceField(
        label=_("再分发到区县"),
        required=False,
        queryset=County.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("已分发的区县不在此列。误发给某个区县的，请撤回本条，再按正确的区县添加一条。"),
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        have = item.findings.values_list("county_id", flat=True)
        self.fields["add_counties"].queryset = County.objects.filter(
            province_id=item.review.province_id
        ).exclude(pk__in=have)
        self.fields["add_counties"].widget.attrs["class"] = "form-check-input"


class NoticeItemWithdrawForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=200,
        help_text=_("如：误发、与第3条重复。各区县和修改记录中可以看到。"),
    )


class ProgressWithdrawForm(StyledForm, forms.Form):
    """Confirming the withdrawal of a progress note, with an optional reason."""

    reason = forms.CharField(
        label=_("撤回原因（可不填）"),
        required=False,
        max_length=100,
        help_text=_("如：重复提交、填错了问题。区县领导和修改记录中可以看到。"),
    )


# ---------------------------------------------------------------------------
# Reviews and their categories (检查与问题类别).


class ReviewForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Review
        fields = [
            "team",
            "kind",
            "issuer",
            "title",
            "reference_number",
            "start_date",
            "end_date",
            "issued_on",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "issued_on": DateInput(),
        }


class CategoryAddForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("类别名称"), max_length=200)
    order = forms.IntegerField(
        label=_("排在第几个"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_("留空则排在最后。"),
    )


class CategoriesForm(forms.Form):
    """All of a review's categories at once: each one's name and order number, so that
    renaming and reordering work without JavaScript."""

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        for n, c in enumerate(self.categories, start=1):
            self.fields[f"name_{c.pk}"] = forms.CharField(
                label=_("类别名称"),
                max_length=200,
                initial=c.name,
                widget=forms.TextInput(attrs={"aria-label": _("第%(n)d个类别的名称") % {"n": n}}),
            )
            self.fields[f"order_{c.pk}"] = forms.IntegerField(
                label=_("序号"),
                min_value=1,
                max_value=999,
                initial=c.order,
                widget=forms.NumberInput(
                    attrs={
                        "aria-label": _("第%(n)d个类别的序号") % {"n": n},
                        "style": "width: 4.5rem",
                    }
                ),
            )
        for field in self.fields.values():
            style_widget(field.widget)

    def rows(self) -> list[tuple[Category, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"name_{c.pk}"], self[f"order_{c.pk}"]) for c in self.categories]

    def clean(self):
        cleaned = super().clean()
        seen: set[str] = set()
        for c in self.categories:
            name = (cleaned.get(f"name_{c.pk}") or "").strip()
            if name in seen:
                self.add_error(f"name_{c.pk}", _("与前面的类别重名。"))
            seen.add(name)
        return cleaned

    def entries(self) -> list[CategoryEntry]:
        return [
            CategoryEntry(
                category=c,
                name=self.cleaned_data[f"name_{c.pk}"],
                order=self.cleaned_data[f"order_{c.pk}"],
            )
            for c in self.categories
        ]


# ---------------------------------------------------------------------------
# Requests: extension and archive (延期申请、归档申请).


class ExtensionRequestForm(StyledForm, forms.Form):
    new_deadline = forms.DateField(
        label=_("申请延期至"),
        widget=DateInput(),
        error_messages={"required": _("请填写延期后的完成时限。")},
    )
    reason = forms.CharField(
        label=_("延期理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请说明申请延期的理由。")},
    )


class ArchiveRequestForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=_("归档理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：与其他问题重复登记。归档后该问题不出现在台账和文书中，可以恢复。"),
        error_messages={"required": _("请说明申请归档的理由。")},
    )


class DecisionForm(StyledForm, forms.Form):
    """The leader's decision on a request: the button pressed says which."""

    decision = forms.ChoiceField(
        choices=[("approve", _("同意")), ("refuse", _("不同意"))], widget=forms.HiddenInput
    )
    comment = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不同意须说明理由。"),
    )

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


# 催办 (urging)


class NoticeUrgeForm(StyledForm, forms.Form):
    """The province urges every county on a notice: a message and an optional date."""

    message = forms.CharField(
        label=_("催办内容"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写催办内容。")},
    )
    reply_by = forms.DateField(label=_("请于此前回复"), required=False, widget=DateInput())


class UrgeForm(NoticeUrgeForm):
    """催办 one finding: the county chooses one of the finding's units; the province urges
    the county and chooses none (`units` empty: the field is left out)."""

    unit = forms.ModelChoiceField(
        label=_("催办单位"),
        queryset=Unit.objects.none(),
        empty_label=None,
        error_messages={"required": _("请选择要催办的责任单位。")},
    )

    field_order = ["unit", "message", "reply_by"]

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        if units:
            field = self.fields["unit"]
            field.queryset = Unit.objects.filter(pk__in=[u.pk for u in units])
            # The choices from the units the page already has: no query to draw them.
            field.choices = [(u.pk, u.name) for u in units]
        else:
            del self.fields["unit"]


# ---------------------------------------------------------------------------
# A unit's task (签收, 退回) and the office's review of a unit's notes (采纳, 退回).


class HandBackForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=_("退回理由"),
        max_length=500,
        # The common reason, offered by the page (<datalist id="hand-back-reasons">).
        widget=forms.TextInput(
            attrs={"list": "hand-back-reasons", "placeholder": _("不属于本单位职责")}
        ),
        error_messages={"required": _("请说明退回的理由。")},
    )

    SUGGESTIONS = (_("不属于本单位职责"),)


class ProgressReturnForm(StyledForm, forms.Form):
    comment = forms.CharField(
        label=_("退回意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("退回时请填写意见，告诉单位需要补充或修改什么。")},
    )
