"""Form widgets and the Bootstrap styling every form of every app shares."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def style_widget(widget: forms.Widget) -> None:
    """Give a widget (and the parts of a multi-widget) its Bootstrap class."""
    if isinstance(widget, forms.MultiWidget):
        for part in widget.widgets:
            style_widget(part)
        return
    if isinstance(widget, forms.HiddenInput):
        return
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if css not in widget.attrs.get("class", "").split():
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class FastSelect(forms.Select):
    """A select whose options are written in Python. Django renders every <option> through
    a template include, which made the ledger's filter form most of the page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group, options, _index in widget["optgroups"]:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((o["value"], flatatt(o["attrs"]), o["label"]) for o in options),
            )
            parts.append(
                format_html(
                    '<optgroup label="{}"{}>{}</optgroup>',
                    group,
                    flatatt(self.group_attrs(group)),
                    html,
                )
                if group
                else html
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            mark_safe("".join(parts)),  # noqa: S308 - built by format_html above
        )

    def group_attrs(self, group: str) -> dict:
        return {}


class StyledForm:
    """Bootstrap classes on every widget, so templates render fields with `{{ field }}`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            style_widget(field.widget)
