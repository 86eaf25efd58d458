"""The 台账 spreadsheets as the browser and the command line hand them out: the selector's
rows rendered by the pure exporter, with the title and note they carry."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from issues.models import Finding, Province
from issues.text import chinese_date

from . import selectors
from .exports.xlsx import render_ledger_xlsx, render_province_xlsx


def ledger_xlsx(findings: QuerySet, *, scope: str, today: dt.date, filtered: bool = False) -> bytes:
    """The findings given (one county's, or what the ledger page filtered) as one ledger."""
    n_rows = findings.count()
    note = _("导出时间:%(when)s;共 %(n)d 个问题") % {"when": chinese_date(today), "n": n_rows}
    if filtered:
        note += _(";已按台账页面的筛选条件导出")
    return render_ledger_xlsx(
        selectors.ledger_rows(findings, today),
        title=f"{scope}整改台账",
        note=note,
        n_rows=n_rows,
        today=today,
    )


def province_ledger_xlsx(province: Province, today: dt.date) -> bytes:
    """The overview of the province's counties, then one sheet per county."""
    findings = Finding.objects.active().filter(county__province=province).in_ledger_order()
    return render_province_xlsx(
        selectors.province_overview(province, today),
        selectors.ledger_rows(findings, today),
        title=f"{province.name}电子商务进农村综合示范问题整改台账",
        note=_("导出时间:%(when)s") % {"when": chinese_date(today)},
        today=today,
    )
