"""What each 台账 spreadsheet holds, as the browser and the command line hand it out: the
selector's rows (streamed: memory does not grow with the number of findings), with the
title and note they carry. reports.exports.xlsx has one writer for each:

    xlsx.write_ledger(out, county_ledger(findings, scope=…, today=…))
    xlsx.write_province(out, province_ledger(province, today))
    xlsx.write_nation(out, nation_ledger(today))"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from issues.columns import FindingRow
from issues.models import Finding, Province
from rectify.lib.text import chinese_date

from . import selectors
from .selectors import CountyOverview, CountyRow, ProvinceRow

# Findings read per round trip: three queries a chunk, and at most this many findings (with
# their measures and units) in memory at once.
CHUNK_SIZE = 2000


@dataclasses.dataclass
class CountyLedger:
    """One county's ledger, or the findings the ledger page filtered."""

    title: str
    note: str
    n_rows: int
    rows: Iterable[FindingRow]


@dataclasses.dataclass
class ProvinceLedger:
    """The overview of a province's counties, then their findings county by county."""

    title: str
    note: str
    overview: list[CountyOverview]
    rows: Iterable[FindingRow]

    @property
    def total(self) -> CountyOverview:
        """The counties added up: the overview's 合计 row (no code)."""
        return CountyOverview(
            "合计",
            "",
            total=sum(c.total for c in self.overview),
            closed=sum(c.closed for c in self.overview),
            overdue=sum(c.overdue for c in self.overview),
        )


@dataclasses.dataclass
class NationLedger:
    """The provinces, every county, then the findings province by province."""

    title: str
    note: str
    provinces: list[ProvinceRow]
    total: ProvinceRow
    counties: list[CountyRow]
    rows: Iterable[FindingRow]


def _note(today: dt.date) -> str:
    return _("导出时间：%(when)s") % {"when": chinese_date(today)}


def county_ledger(
    findings: QuerySet, *, scope: str, today: dt.date, filtered: bool = False
) -> CountyLedger:
    n_rows = findings.count()
    note = _("导出时间：%(when)s；共 %(n)d 个问题") % {"when": chinese_date(today), "n": n_rows}
    if filtered:
        note += _("；已按台账页面的筛选条件导出")
    return CountyLedger(
        title=f"{scope}整改台账",
        note=note,
        n_rows=n_rows,
        rows=selectors.ledger_rows(findings, today, chunk_size=CHUNK_SIZE),
    )


def province_ledger(province: Province, today: dt.date) -> ProvinceLedger:
    findings = Finding.objects.active().filter(county__province=province).in_ledger_order()
    return ProvinceLedger(
        title=f"{province.name}电子商务进农村综合示范问题整改台账",
        note=_note(today),
        overview=selectors.province_overview(province, today),
        rows=selectors.ledger_rows(findings, today, chunk_size=CHUNK_SIZE),
    )


def nation_ledger(today: dt.date) -> NationLedger:
    data = selectors.nation_dashboard(today)
    findings = Finding.objects.active().in_ledger_order()
    # Province by province (a county's code need not start with its province's), then as
    # the county ledgers order them.
    findings = findings.order_by("county__province__code", *findings.query.order_by)
    return NationLedger(
        title="全国电子商务进农村综合示范问题整改台账",
        note=_note(today),
        provinces=data["rows"],
        total=data["total"],
        counties=data["counties"],
        rows=selectors.ledger_rows(findings, today, chunk_size=CHUNK_SIZE),
    )
