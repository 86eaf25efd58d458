from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`python manage.py load_demo`: the demo counties and users. It reads and writes both the
    ledger (issues) and the reports, so it is an app of its own that nothing depends on."""

    name = "demo"
    verbose_name = "Demo data"
