from django import forms

from .models import RobotHook


class RobotHookForm(forms.ModelForm):
    url = RobotHook._meta.get_field("url").formfield(assume_scheme="https")

    class Meta:
        model = RobotHook
        fields = ["name", "kind", "unit", "url", "secret", "active"]

    def __init__(self, *args, county, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = county.units.order_by("name")
        self.fields["secret"].widget = forms.PasswordInput(render_value=True)
