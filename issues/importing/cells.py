"""A spreadsheet cell's value as the text the importers read (a date in Chinese, 3.0 as 3), and
the rows of a table pasted as text (tab-separated, as Word and Excel copy one)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io


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


@dataclasses.dataclass
class TabTable:
    """A block of tab-separated rows in a text (a table copied from Word or Excel), with the
    lines before and after it."""

    before: list[str]
    rows: list[list[str]]
    after: list[str]


def _cells(line: str) -> int:
    return sum(1 for c in line.split("\t") if c.strip())


def tab_table(text: str) -> TabTable | None:
    """The first block of lines of two or more tab-separated cells, read as Excel and Word
    copy a table: a cell holding line breaks is quoted ("…") by Excel; Word writes the breaks
    as they are, so a row still short of the table's width goes on on the next line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    wide = [i for i, line in enumerate(lines) if _cells(line) >= 2]
    if len(wide) < 2:
        return None
    start, end = wide[0], wide[-1] + 1
    quoted, quotes = end, sum(line.count('"') for line in lines[start:end])
    while quoted < len(lines) and quotes % 2:  # Excel's quoted cell goes on past its row
        quotes += lines[quoted].count('"')
        quoted += 1
    rows = list(csv.reader(io.StringIO("\n".join(lines[start:quoted]), newline=""), delimiter="\t"))
    if any("\t" in cell for row in rows for cell in row):
        # A quote that is not Excel's (a cell starting with "…"): the cells as they are.
        rows = [line.split("\t") for line in lines[start:end]]
    else:
        end = quoted
    width = max(len(row) for row in rows)
    joined: list[list[str]] = []
    for row in rows:
        last = joined[-1] if joined else None
        # Word's line break inside a cell: the row so far is short, and this line completes it.
        if last and 2 <= len(last) < width and len(last) + len(row) - 1 <= width:
            last[-1] = f"{last[-1]}\n{row[0]}"
            last.extend(row[1:])
        else:
            joined.append(list(row))
    rows = [[cell.strip() for cell in row] for row in joined if any(c.strip() for c in row)]
    return TabTable(lines[:start], rows, lines[end:])
