import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models import Review
from rectify.lib.forms import DateInput, StyledForm

from .models import Report


class ReportForm(StyledForm, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    class Meta:
        model = Report
        fields = [
            "issuer",
            "addressee",
            "title",
            "date",
            "sealed",
            "issuer_mark",
            "doc_number",
            "signer",
            "contact_note",
            "copy_to",
            "printer",
            "printed_on",
            "opening",
            "work_done",
            "leadership_heading",
            "leadership",
            "next_steps",
            "plan_title",
            "plan_intro",
            "plan_goals",
            "plan_safeguards",
        ]
        widgets = {
            "date": DateInput(),
            "printed_on": DateInput(),
            "title": forms.Textarea(attrs={"rows": 2}),
            "plan_title": forms.Textarea(attrs={"rows": 2}),
            **{
                name: forms.Textarea(attrs={"rows": 8})
                for name in (
                    "opening",
                    "work_done",
                    "leadership",
                    "next_steps",
                    "plan_intro",
                    "plan_goals",
                    "plan_safeguards",
                )
            },
        }
        help_texts = {
            "opening": _("每段一行。"),
            "work_done": _("每段一行。"),
            "next_steps": _("每段一行。"),
            "plan_goals": _("每段一行；以“（一）…。”开头的段落，首句排为楷体。"),
            "plan_safeguards": _("每段一行；以“（一）…。”开头的段落，首句排为楷体。"),
        }


class ReviewChoiceForm(StyledForm, forms.Form):
    review = forms.ModelChoiceField(queryset=Review.objects.all(), widget=forms.HiddenInput)
    include = forms.BooleanField(label=_("纳入报告"), required=False)
    order = forms.IntegerField(label=_("顺序"), min_value=1, max_value=99)


class BaseReviewChoiceFormSet(forms.BaseFormSet):
    def __init__(self, *args, county, **kwargs):
        self.county = county
        super().__init__(*args, **kwargs)
        for form in self.forms:
            form.fields["review"].queryset = Review.objects.filter(counties=county)

    def chosen(self) -> list[Review]:
        picked = [
            (
                f.cleaned_data["order"],
                f.cleaned_data["review"].start_date or 0,
                f.cleaned_data["review"],
            )
            for f in self.forms
            if f.cleaned_data.get("include")
        ]
        return [review for *_, review in sorted(picked, key=lambda t: (t[0], str(t[1])))]

    def clean(self):
        if any(self.errors):
            return
        if not any(f.cleaned_data.get("include") for f in self.forms):
            raise forms.ValidationError(_("请至少选择一次检查。"))


ReviewChoiceFormSet = forms.formset_factory(
    ReviewChoiceForm, formset=BaseReviewChoiceFormSet, extra=0
)


class ReadingForm(StyledForm, forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    value = forms.DecimalField(label=_("实际值"), min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class MonthForm(StyledForm, forms.Form):
    """The month of a 月度整改进展情况表 (`?month=2019-09`); last month when not given."""

    month = forms.CharField(
        label=_("月份"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2019-09"}),
    )

    def clean_month(self) -> dt.date:
        text = self.cleaned_data["month"].strip()
        try:
            year, month = (int(part) for part in text.split("-"))
            day = dt.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(
                _("月份“%(month)s”无效，请按“2019-09”的格式填写年份和月份。"),
                params={"month": text},
            ) from None
        if day > timezone.localdate():
            raise forms.ValidationError(_("月份不能晚于本月。"))
        return day


def monthly_form(data) -> MonthForm:
    """The month form over a GET's data, defaulting to last month."""
    if not data.get("month"):
        last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
        data = {"month": last.strftime("%Y-%m")}
    return MonthForm(data)
