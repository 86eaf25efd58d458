"""The 台账 spreadsheets as the browser and the command line hand them out: the selector's
rows rendered by the pure exporter, with the title and note they carry.

The `write_*` functions write the workbook into a binary file (the views give a temporary
file on disk and stream it; memory does not grow with the number of findings); the others
return the bytes (the command line, tests)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import BinaryIO

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from issues.models import Finding, Province
from rectify.lib.text import chinese_date

from . import selectors
from .exports.xlsx import write_ledger_xlsx as _write_ledger
from .exports.xlsx import write_nation_xlsx as _write_nation
from .exports.xlsx import write_province_xlsx as _write_province

# Findings read per round trip: three queries a chunk, and at most this many findings (with
# their measures and units) in memory at once.
CHUNK_SIZE = 2000


def _note(today: dt.date) -> str:
    return _("导出时间:%(when)s") % {"when": chinese_date(today)}


def write_ledger_xlsx(
    out: BinaryIO, findings: QuerySet, *, scope: str, today: dt.date, filtered: bool = False
) -> None:
    """The findings given (one county's, or what the ledger page filtered) as one ledger."""
    n_rows = findings.count()
    note = _("导出时间:%(when)s;共 %(n)d 个问题") % {"when": chinese_date(today), "n": n_rows}
    if filtered:
        note += _(";已按台账页面的筛选条件导出")
    _write_ledger(
        out,
        selectors.ledger_rows(findings, today, chunk_size=CHUNK_SIZE),
        title=f"{scope}整改台账",
        note=note,
        n_rows=n_rows,
        today=today,
    )


def write_province_ledger_xlsx(out: BinaryIO, province: Province, today: dt.date) -> None:
    """The overview of the province's counties, then one sheet per county."""
    findings = Finding.objects.active().filter(county__province=province).in_ledger_order()
    _write_province(
        out,
        selectors.province_overview(province, today),
        selectors.ledger_rows(findings, today, chunk_size=CHUNK_SIZE),
        title=f"{province.name}电子商务进农村综合示范问题整改台账",
        note=_note(today),
        today=today,
    )


def write_nation_ledger_xlsx(out: BinaryIO, today: dt.date) -> None:
    """The provinces, then every county, then one sheet per province with its findings."""
    data = selectors.nation_dashboard(today)
    findings = Finding.objects.active().in_ledger_order()
    # Province by province (a county's code need not start with its province's), then as
    # the county ledgers order them.
    findings = findings.order_by("county__province__code", *findings.query.order_by)
    _write_nation(
        out,
        data["rows"],
        data["total"],
        data["counties"],
        selectors.ledger_rows(findings, today, chunk_size=CHUNK_SIZE),
        title="全国电子商务进农村综合示范问题整改台账",
        note=_note(today),
        today=today,
    )


def _bytes(write: Callable[..., None], *args, **kwargs) -> bytes:
    out = io.BytesIO()
    write(out, *args, **kwargs)
    return out.getvalue()


def ledger_xlsx(findings: QuerySet, *, scope: str, today: dt.date, filtered: bool = False) -> bytes:
    return _bytes(write_ledger_xlsx, findings, scope=scope, today=today, filtered=filtered)


def province_ledger_xlsx(province: Province, today: dt.date) -> bytes:
    return _bytes(write_province_ledger_xlsx, province, today)


def nation_ledger_xlsx(today: dt.date) -> bytes:
    return _bytes(write_nation_ledger_xlsx, today)
