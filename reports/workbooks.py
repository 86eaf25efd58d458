"""The nation's and each province's .xlsx 台账, prepared in the background and served at once.

A workbook is built by `manage.py prepare_workbooks` (cron, or `--loop`) for the data version
the view saw (`data_version`), and served only while that version is still the current one:
never a stale file. The version changes whenever anything the workbook shows changes:

- every write in Rectify goes through a service that keeps history (django-simple-history),
  so each table the workbook reads has a historical table that only grows. Its row count and
  largest history_id over the scope change with every insert, update or delete; the count
  also catches a PostgreSQL transaction that took a smaller history_id and committed after
  the version was read (the maximum alone would miss it);
- the tables without history are read directly: the provinces' names (a few dozen rows),
  the reviews' counties links (count and largest id);
- "today" is part of it: overdue, due soon and the 导出时间 note are counted against it;
  so are the settings those use and the code that writes the workbook (a release that
  changes it prepares new files).

A province's version counts only its own findings, measures, unit links and progress notes
(the large, busy tables), so another province's work does not throw its workbook away; the
small shared tables (reviews, categories, units, counties) count for every scope.

The writes (enqueue, claim, build) are here too, healthchecks' sendalerts style: a job is
claimed by a conditional update(), so two workers never build the same one."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from issues import columns
from issues import models as issue_models
from issues import selectors as issue_selectors
from issues.models import (
    Category,
    County,
    Finding,
    FindingUnit,
    Measure,
    Progress,
    Project,
    Province,
    Review,
    Unit,
    warning_days,
)

from . import ledgers, selectors
from .exports import xlsx
from .models import Indicator, IndicatorReading, PreparedWorkbook

log = logging.getLogger(__name__)

Scope = PreparedWorkbook.Scope
State = PreparedWorkbook.State

DIRECTORY = "workbooks"  # under MEDIA_ROOT, never served as static files
# A build still "building" after this long lost its worker (killed, host gone): claim it again.
STUCK_AFTER = dt.timedelta(hours=1)
# How often a build writes its progress (rows done), at most.
PROGRESS_SECONDS = 1.0


# --- The data version --------------------------------------------------------------------


def _history(model) -> QuerySet:
    return model.history.model.objects.order_by()


def _version_sources(province: Province | None) -> list[tuple[str, QuerySet, str]]:
    """(name, rows, key) for every table the workbook reads: the rows' count and largest key
    are the table's part of the version."""
    if province is None:
        findings, in_scope = _history(Finding), {}
        per_finding = {}
    else:
        findings = _history(Finding).filter(county__province=province)
        ids = Finding.objects.filter(county__province=province).order_by().values("pk")
        per_finding = {"finding_id__in": ids}
        in_scope = {"county__province": province}
    sources = [
        ("finding", findings, "history_id"),
        ("measure", _history(Measure).filter(**per_finding), "history_id"),
        ("unit_link", _history(FindingUnit).filter(**per_finding), "history_id"),
        ("progress", _history(Progress).filter(**per_finding), "history_id"),
        ("unit", _history(Unit).filter(**in_scope), "history_id"),
        ("review", _history(Review), "history_id"),
        ("category", _history(Category), "history_id"),
        ("county", _history(County), "history_id"),
        ("review_county", Review.counties.through.objects.order_by(), "id"),
    ]
    if province is None:
        # The national workbook's 区县 sheet: batch, investment and funds disbursed.
        sources += [
            ("project", _history(Project), "history_id"),
            ("indicator", _history(Indicator), "history_id"),
            ("reading", _history(IndicatorReading), "history_id"),
        ]
    return sources


def data_version(province: Province | None, today: dt.date) -> str:
    """The version of the nation's (province None) or a province's workbook: equal versions,
    equal workbooks. Two queries: the provinces, then every table's count and maximum."""
    # The provinces have no history; there are few of them, their names are read.
    parts = {
        "today": today.isoformat(),
        "code": _code(),
        "settings": [warning_days(), str(settings.RECTIFY_RED_LINE_PERCENT)],
        "provinces": list(Province.objects.values_list("pk", "name")),
    }
    sources = _version_sources(province)
    parts.update(zip([name for name, _rows, _key in sources], _counts(sources), strict=True))
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return f"{today.isoformat()}/{digest[:40]}"


@functools.cache
def _code() -> str:
    """The code that writes the workbook: a new release that changes it makes new versions."""
    digest = hashlib.sha256()
    for module in (xlsx, ledgers, selectors, columns, issue_selectors, issue_models):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def _counts(sources: list[tuple[str, QuerySet, str]]) -> list[list]:
    """[count, largest key] of each source, in one round trip (a row a source). A whole
    table's two figures are scalar subqueries each: SQLite answers a bare COUNT(*) and the
    MAX of the primary key from the b-tree alone, which it cannot when both share one
    SELECT; a scope's rows are read once for both."""
    selects, params = [], []
    for i, (_name, rows, key) in enumerate(sources):
        sql, args = rows.values(key).query.sql_with_params()
        key = connection.ops.quote_name(key)
        if rows.query.where:
            selects.append(f"SELECT {i}, COUNT(*), MAX(q.{key}) FROM ({sql}) q")
            params += args
        else:
            count, top = f"SELECT COUNT(*) FROM ({sql}) q", f"SELECT MAX(q.{key}) FROM ({sql}) q"
            selects.append(f"SELECT {i}, ({count}), ({top})")
            params += [*args, *args]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        rows = sorted(cursor.fetchall())
    return [[count, top] for _i, count, top in rows]


# --- Reads ---------------------------------------------------------------------------------


def _scope_of(province: Province | None) -> tuple[str, str]:
    return (Scope.NATION, "") if province is None else (Scope.PROVINCE, province.code)


def workbook_for(province: Province | None, version: str) -> PreparedWorkbook | None:
    scope, code = _scope_of(province)
    return PreparedWorkbook.objects.filter(scope=scope, code=code, version=version).first()


def filename(province: Province | None, as_of: dt.date) -> str:
    """The download's name, as the direct export names it."""
    name = "全国" if province is None else province.name
    return f"{name}整改台账-{as_of:%Y-%m-%d}.xlsx"


def open_file(workbook: PreparedWorkbook):
    """The ready workbook's file, opened for reading (FileNotFoundError if it went away)."""
    return default_storage.open(workbook.file.name, "rb")


# --- Writes --------------------------------------------------------------------------------


def workbook_request(
    *, province: Province | None, version: str, today: dt.date, retry: bool = False
) -> PreparedWorkbook:
    """The job for this scope and version, queued if there is none yet (a repeated request
    finds the same one). With `retry` (a download asked for again), a failed one is queued
    again."""
    scope, code = _scope_of(province)
    try:
        with transaction.atomic():
            workbook, _created = PreparedWorkbook.objects.get_or_create(
                scope=scope, code=code, version=version, defaults={"as_of": today}
            )
    except IntegrityError:  # two requests at once: the other one queued it
        workbook = PreparedWorkbook.objects.get(scope=scope, code=code, version=version)
    if retry and workbook.state == State.FAILED:
        PreparedWorkbook.objects.filter(pk=workbook.pk, state=State.FAILED).update(
            state=State.QUEUED, error="", rows_done=0, started_at=None
        )
        workbook.refresh_from_db()
    return workbook


def workbook_lost(workbook: PreparedWorkbook) -> None:
    """A ready workbook whose file went away (MEDIA_ROOT cleaned by hand): build it again."""
    PreparedWorkbook.objects.filter(pk=workbook.pk).update(
        state=State.FAILED, error="file missing", file=""
    )


def workbook_claim(now: dt.datetime | None = None) -> PreparedWorkbook | None:
    """The oldest queued job (or one whose worker vanished), now ours: the conditional update
    succeeds for one worker only."""
    now = now or timezone.now()
    waiting = PreparedWorkbook.objects.filter(
        Q(state=State.QUEUED) | Q(state=State.BUILDING, started_at__lt=now - STUCK_AFTER)
    ).order_by("created_at", "id")
    for job in waiting[:10]:
        claimed = PreparedWorkbook.objects.filter(
            pk=job.pk, state=job.state, started_at=job.started_at
        ).update(state=State.BUILDING, started_at=now, rows_done=0)
        if claimed:
            job.refresh_from_db()
            return job
    return None


def _counted(rows: Iterable, job: PreparedWorkbook) -> Iterator:
    """The rows, writing how many went by to the job about once a second."""
    done, last = 0, time.monotonic()
    for row in rows:
        yield row
        done += 1
        if time.monotonic() - last >= PROGRESS_SECONDS:
            PreparedWorkbook.objects.filter(pk=job.pk).update(rows_done=done)
            last = time.monotonic()


def _write(job: PreparedWorkbook, province: Province | None, out) -> None:
    if province is None:
        ledger = ledgers.nation_ledger(job.as_of)
        total = ledger.total.tally.total
        write = xlsx.write_nation
    else:
        ledger = ledgers.province_ledger(province, job.as_of)
        total = ledger.total.total
        write = xlsx.write_province
    job.rows_total = total
    PreparedWorkbook.objects.filter(pk=job.pk).update(rows_total=total)
    ledger.rows = _counted(ledger.rows, job)
    write(out, ledger)


def workbook_build(job: PreparedWorkbook, today: dt.date | None = None) -> PreparedWorkbook:
    """Build a claimed job: written to a temporary file beside its place, then moved into
    place in one step (os.replace), so a reader never opens half a workbook. A job whose
    data changed since it was queued builds the current version instead."""
    today = today or timezone.localdate()
    province = Province.objects.get(code=job.code) if job.scope == Scope.PROVINCE else None
    # The version is read before the data: a change committed after it makes the version
    # differ, and the file is then never served.
    current = data_version(province, today)
    if current != job.version and not _relabel(job, current, today):
        return job
    directory = Path(default_storage.path(DIRECTORY))
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{DIRECTORY}/{job.scope}-{job.code or 'all'}-{secrets.token_hex(12)}.xlsx"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".building-", suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as out:
            _write(job, province, out)
        if settings.FILE_UPLOAD_PERMISSIONS is not None:  # as the evidence files (mkstemp: 0600)
            os.chmod(tmp, settings.FILE_UPLOAD_PERMISSIONS)
        os.replace(tmp, default_storage.path(name))
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        log.exception("workbook %s failed", job.pk)
        PreparedWorkbook.objects.filter(pk=job.pk).update(
            state=State.FAILED, error=f"{type(exc).__name__}: {exc}"[:500]
        )
        job.refresh_from_db()
        return job
    PreparedWorkbook.objects.filter(pk=job.pk).update(
        state=State.READY, file=name, rows_done=job.rows_total, built_at=timezone.now()
    )
    job.refresh_from_db()
    _discard_older(job)
    return job


def _relabel(job: PreparedWorkbook, version: str, today: dt.date) -> bool:
    """The data changed since the job was queued: build the newer version instead (that is
    what the person waiting will ask for next), unless another job already has it."""
    try:
        with transaction.atomic():
            PreparedWorkbook.objects.filter(pk=job.pk).update(version=version, as_of=today)
    except IntegrityError:
        PreparedWorkbook.objects.filter(pk=job.pk).update(state=State.SUPERSEDED)
        job.state = State.SUPERSEDED
        return False
    job.version, job.as_of = version, today
    return True


def _discard_older(job: PreparedWorkbook) -> None:
    """The scope's other workbooks, now out of date, and their files (not the jobs waiting
    or being built: they may be for newer data)."""
    older = PreparedWorkbook.objects.filter(scope=job.scope, code=job.code).exclude(
        Q(pk=job.pk) | Q(state__in=[State.QUEUED, State.BUILDING])
    )
    for old in older:
        if old.file:
            default_storage.delete(old.file.name)
    older.delete()


def prepare_pending(today: dt.date | None = None) -> list[PreparedWorkbook]:
    """Build every queued job, one after another; the jobs done."""
    done = []
    while job := workbook_claim():
        done.append(workbook_build(job, today))
    return done
