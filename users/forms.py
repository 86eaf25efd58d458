"""The accounts pages' forms. They only parse what was typed; who may grant what, and where,
is the services' (and the ability table's) to decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from issues import permissions
from issues.models import County, Province, Unit, User
from rectify.lib.forms import StyledForm

from . import selectors


def _place_key(place: County | Province) -> str:
    return f"{selectors.level_of_place(place)}:{place.pk}"


def _place_label(place: County | Province) -> str:
    if isinstance(place, County):
        return f"{place.province.name} · {place.name}"
    return f"{place.name}（{_('省级')}）"


class AccountForm(StyledForm, forms.Form):
    """Name and contact: what the system administrator may change later."""

    full_name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class AccountCreateForm(AccountForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录时使用，创建后不能修改。字母、数字和 @/./+/-/_。"),
    )
    place = forms.ChoiceField(label=_("所属单位"))
    role = forms.ChoiceField(label=_("角色"))
    # Only where the administrator may create a unit's contact (责任单位联络员): its units.
    unit = forms.ModelChoiceField(
        label=_("所在责任单位"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("角色为责任单位联络员时必选：该账户只能看到本单位负责或配合的问题。"),
    )

    field_order = ["username", "full_name", "email", "place", "role", "unit"]

    def __init__(self, *args, admin: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {_place_key(p): p for p in selectors.places_for(admin)}
        self.fields["place"].choices = [(k, _place_label(p)) for k, p in self.places.items()]
        roles: list[str] = []
        for level_roles in permissions.GRANTABLE.get(permissions.level_of(admin), {}).values():
            roles += [r for r in level_roles if r not in roles]
        self.fields["role"].choices = [(r, permissions.Role.labels[r]) for r in roles]
        if len(self.places) == 1:
            self.fields["place"].initial = next(iter(self.places))
        counties = [p for p in self.places.values() if isinstance(p, County)]
        if permissions.Role.UNIT_STAFF in roles and counties:
            self.fields["unit"].queryset = Unit.objects.filter(county__in=counties).select_related(
                "county"
            )
            if len(counties) > 1:
                self.fields["unit"].label_from_instance = lambda u: f"{u.county.name} · {u.name}"
        else:
            del self.fields["unit"]

    def clean_place(self) -> County | Province:
        return self.places[self.cleaned_data["place"]]


class RoleForm(StyledForm, forms.Form):
    role = forms.ChoiceField(label=_("角色"), widget=forms.RadioSelect)

    def __init__(self, *args, roles: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, permissions.Role.labels[r]) for r in roles]


class AccountSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("角色"),
        required=False,
        choices=[("", _("全部角色")), *permissions.Role.labels.items()],
    )
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("1", _("在用")), ("0", _("已停用"))],
    )
