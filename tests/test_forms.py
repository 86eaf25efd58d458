"""rectify.lib.forms.FastSelect writes a select's options in Python (the ledger's filter
form, a national user's 1,500 counties). Its markup must stay Django's own: the same
options, the same one option selected, the same escaping, the same attributes."""

from __future__ import annotations

from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from issues.forms import CategorySelect
from rectify.lib.forms import FastSelect

TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=8)
VALUES = st.one_of(st.none(), st.integers(-3, 30), TEXT)
# Inside a group Django writes a None value as "None" (an accident no form of ours meets).
OPTIONS = st.lists(st.tuples(VALUES.filter(lambda v: v is not None), TEXT), max_size=6)
CHOICES = st.lists(
    st.one_of(st.tuples(VALUES, TEXT), st.tuples(TEXT, OPTIONS)),
    max_size=6,
)


def both(choices, name, value, attrs=None, widget_attrs=None):
    ours = FastSelect(attrs=widget_attrs, choices=choices).render(name, value, attrs)
    django = forms.Select(attrs=widget_attrs, choices=choices).render(name, value, attrs)
    return ours, django


@given(
    choices=CHOICES,
    value=st.one_of(VALUES, st.lists(VALUES, max_size=3)),
    name=TEXT,
    attrs=st.dictionaries(st.sampled_from(["id", "class", "aria-label"]), TEXT, max_size=3),
)
def test_same_markup_as_django(choices, value, name, attrs):
    ours, django = both(choices, name, value, attrs=attrs)
    assert parse_html(ours) == parse_html(django)


def test_one_option_selected_escaped_labels():
    choices = [("", "全部"), (1, "甲 <b>&"), ("1", "重复"), (2, mark_safe("<i>乙</i>"))]
    ours, django = both(choices, "unit", 1, attrs={"id": "id_unit"}, widget_attrs={"class": "x"})
    assert ours == (
        '<select name="unit" class="x" id="id_unit"><option value="">全部</option>'
        '<option value="1" selected>甲 &lt;b&gt;&amp;</option><option value="1">重复</option>'
        '<option value="2"><i>乙</i></option></select>'
    )
    assert parse_html(ours) == parse_html(django)


def test_lazy_labels_and_the_empty_value():
    ours, django = both([("", gettext_lazy("全部状态")), ("open", "未销号")], "status", None)
    assert '<option value="" selected>' in ours
    assert parse_html(ours) == parse_html(django)


def test_optgroups_carry_their_attributes():
    widget = CategorySelect(choices=[("一、检查", [(5, "类别")]), ("", "无")])
    widget.group_reviews = {"一、检查": 7}
    html = widget.render("category", 5)
    assert '<optgroup label="一、检查" data-review="7">' in html
    assert '<option value="5" selected>类别</option></optgroup>' in html


class FastMultiple(FastSelect):
    allow_multiple_selected = True


def test_a_multiple_select_selects_every_chosen_option():
    choices = [(1, "甲"), (2, "乙"), ("1", "甲again")]
    ours = FastMultiple(choices=choices).render("units", [1, 2])
    django = forms.SelectMultiple(choices=choices).render("units", [1, 2])
    assert parse_html(ours) == parse_html(django)
    assert ours.count(" selected") == 3
