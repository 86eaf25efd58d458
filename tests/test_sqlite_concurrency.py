"""SQLite under a county's load (issue 11): writers wait for each other instead of failing with
"database is locked". Measured before the settings change: 4 of 8 simultaneous approvals
answered HTTP 500."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def test_sqlite_is_configured_to_wait_for_the_write_lock(tmp_path):
    # Read in a child process with a SQLite DATABASE_URL, so the PostgreSQL run checks it too.
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "rectify.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    options = json.loads(done.stdout.strip().splitlines()[-1])
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]


def _schema_file(path: Path) -> None:
    """A migrated SQLite file: a copy of the suite's migrated SQLite test database when the
    suite runs on SQLite (milliseconds), else `migrate` into it (the PostgreSQL run)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{path}"},
        check=True,
        timeout=600,
    )


# transaction=True: no test transaction holds SQLite's write lock while the schema is copied.
@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_writers_on_a_file_database(tmp_path):
    db = tmp_path / "county.sqlite3"
    _schema_file(db)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_writers"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["journal_mode"] == "wal"
    assert result["approvals"] == [302] * 8, result
    assert result["closed"] == 8
    assert result["notes"] == [302] * 8, result
    assert result["stored_notes"] == sorted(f"进展{i}" for i in range(8))
