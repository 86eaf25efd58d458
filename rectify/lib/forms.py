"""Form widgets and the Bootstrap styling every form of every app shares."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
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
    """A select whose options are written in Python, straight from its choices. Django makes
    a dict per option and renders it through a template include: that made the ledger's
    filter form most of the page's time, and a national user's 1,500 counties 37 ms alone.
    The markup is Django's own (tests/test_forms.py compares them)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        found = False

        def options(choices) -> str:
            nonlocal found
            parts = []
            for option_value, label in choices:
                option_value = "" if option_value is None else str(option_value)
                selected = (not found or self.allow_multiple_selected) and option_value in chosen
                found = found or selected
                value_html = conditional_escape(option_value)
                parts.append(
                    f'<option value="{value_html}"{" selected" if selected else ""}>'
                    f"{conditional_escape(label)}</option>"
                )
            return "".join(parts)

        parts = []
        for group, label in self.choices:
            if isinstance(label, list | tuple):
                if not group:  # as Django: a group without a name is not wrapped
                    parts.append(options(label))
                    continue
                label_html = conditional_escape(group)
                attrs_html = flatatt(self.group_attrs(group))
                parts.append(
                    f'<optgroup label="{label_html}"{attrs_html}>{options(label)}</optgroup>'
                )
            else:
                parts.append(options([(group, label)]))
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        return mark_safe(  # noqa: S308 - every value and label escaped above
            f'<select name="{conditional_escape(name)}"{flatatt(final)}>{"".join(parts)}</select>'
        )

    def group_attrs(self, group: str) -> dict:
        return {}


class StyledForm:
    """Bootstrap classes on every widget, so templates render fields with `{{ field }}`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            style_widget(field.widget)
