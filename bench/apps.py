from django.apps import AppConfig


class BenchConfig(AppConfig):
    """`python manage.py bench`: its own app, so that the benchmark's synthetic data and
    cases depend on the ledger and the reports, and nothing depends on them."""

    name = "bench"
    verbose_name = "Benchmark"
