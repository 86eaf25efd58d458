"""The auditor's search: kind, username, address, text in the target or the path, dates."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rectify.lib.forms import DateInput, style_widget

from .models import Event


class EventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("事件"), choices=Event.Kind.choices, empty_label=_("全部事件")
    )
    username = django_filters.CharFilter(label=_("用户名"), lookup_expr="icontains")
    ip = django_filters.CharFilter(
        label=_("IP 地址"),
        lookup_expr="istartswith",
        widget=forms.TextInput(attrs={"placeholder": _("如 10.0.0.1 或 10.0.")}),
    )
    q = django_filters.CharFilter(
        label=_("对象或地址"),
        method="filter_text",
        widget=forms.TextInput(attrs={"placeholder": _("文件名、账户或页面地址中的文字")}),
    )
    # Dates in the site's time zone (Asia/Shanghai): created_at__date converts.
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="created_at", lookup_expr="date__gte", widget=DateInput
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="created_at", lookup_expr="date__lte", widget=DateInput
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            style_widget(field.widget)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(target__icontains=value) | Q(path__icontains=value))
