from django import forms

from rectify.lib.forms import StyledForm

from .models import RobotHook


class RobotHookForm(StyledForm, forms.ModelForm):
    url = RobotHook._meta.get_field("url").formfield(assume_scheme="https")

    class Meta:
        model = RobotHook
        fields = ["name", "kind", "unit", "url", "secret", "active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def __init__(self, *args, county, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = county.units.order_by("name")
