"""The audit log as .xlsx: a pure function from events (their county and province read with
them) to a workbook, written by XlsxWriter in constant_memory mode, so memory stays flat
however many events are exported. Runs no queries."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import BinaryIO

from django.utils import timezone
from xlsxwriter import Workbook

from .models import Event

# (header, width)
COLUMNS = [
    ("时间", 20),
    ("事件", 14),
    ("用户名", 18),
    ("区县", 16),
    ("省份", 12),
    ("IP 地址", 16),
    ("请求方法", 9),
    ("地址", 40),
    ("对象", 36),
    ("详情", 30),
]


def event_place(event: Event) -> tuple[str, str]:
    county = event.county.display_short_name if event.county_id else ""
    province = event.province.name if event.province_id else ""
    return county, province


def write_events(rows: Iterable[Event], file: BinaryIO) -> int:
    """Write the events to `file` as a workbook; the number of rows written."""
    workbook = Workbook(
        file, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False}
    )
    sheet = workbook.add_worksheet("安全审计日志")
    head = workbook.add_format({"bold": True, "bg_color": "#E7EEF7", "border": 1})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for col, (title, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, head)
    sheet.freeze_panes(1, 0)
    n = 0
    for n, event in enumerate(rows, start=1):
        county, province = event_place(event)
        # Excel has no time zones: the time as read in Shanghai (the site's zone).
        sheet.write_datetime(n, 0, timezone.localtime(event.created_at).replace(tzinfo=None), when)
        values = [
            str(event.get_kind_display()),
            event.username,
            county,
            province,
            event.ip or "",
            event.method,
            event.path,
            event.target,
            json.dumps(event.detail, ensure_ascii=False) if event.detail else "",
        ]
        for col, value in enumerate(values, start=1):
            sheet.write_string(n, col, value)
    sheet.autofilter(0, 0, max(n, 1), len(COLUMNS) - 1)
    workbook.close()
    return n
