"""The demo data (both seeds), loaded once per test module and rolled back after it, for the
modules that test dashboards and documents against the real figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tests.conftest import PASSWORD

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def travel(day: dt.date):
    """Today is `day` (10:00 UTC, the same date in Shanghai)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC), tick=False)


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
