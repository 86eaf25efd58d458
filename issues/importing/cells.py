"""A spreadsheet cell's value as the text the importers read (a date in Chinese, 3.0 as 3)."""

from __future__ import annotations

import datetime as dt


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()


def text_rows(rows: list[list]) -> list[list[str]]:
    return [[cell_text(c) for c in row] for row in rows]
