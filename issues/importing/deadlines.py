"""Deadlines as documents write them: 2019年10月30日前, 2019年9月30前,并长期坚持, 2019年10月底前,
6月底前 (the year from context), 立行立改, 长期坚持."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re

from .cleaning import structural

ONGOING = re.compile(r"长期坚持|持续推进|长期推进|常态化|长期")
IMMEDIATE = re.compile(r"立行立改|立即整改|即知即改|立改立行|马上就改")
_NUM = r"(\d{1,2})"
_YEAR = r"(\d{4})\s*年"
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})"), "ymd"),
    (re.compile(_YEAR + r"\s*" + _NUM + r"\s*月\s*" + _NUM + r"\s*[日号]?"), "ymd"),
    (re.compile(_YEAR + r"\s*" + _NUM + r"\s*月\s*(底|末|份|上旬|中旬|下旬)?"), "ym"),
    (re.compile(_YEAR + r"\s*(底|末|年底|年末|上半年|下半年|内)"), "y"),
    (re.compile(r"(?<![\d年])" + _NUM + r"\s*月\s*" + _NUM + r"\s*(?:[日号]|(?=前))"), "md"),
    (re.compile(r"(?<![\d年])" + _NUM + r"\s*月\s*(底|末|份|上旬|中旬|下旬)"), "m"),
]


@dataclasses.dataclass
class Deadline:
    date: dt.date | None
    is_ongoing: bool
    immediate: bool = False  # 立行立改: no date, to be done at once


class DeadlineError(ValueError):
    pass


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _within_month(year: int, month: int, part: str | None) -> dt.date:
    if part == "上旬":
        return dt.date(year, month, 10)
    if part == "中旬":
        return dt.date(year, month, 20)
    return _month_end(year, month)


def parse_deadline(text: str, *, year: int | None = None) -> Deadline:
    """Read a deadline; raises DeadlineError when the text holds neither a readable date nor
    a recognised phrase. `year` is used where the text leaves it out (6月底前)."""
    raw = structural(text).strip().rstrip("。.;;")  # noqa: B005
    if not raw:
        return Deadline(None, False)
    ongoing = bool(ONGOING.search(raw))
    immediate = bool(IMMEDIATE.search(raw))
    for pattern, shape in _PATTERNS:
        m = pattern.search(raw)
        if not m:
            continue
        try:
            day = _to_date(m, shape, year)
        except ValueError as e:
            raise DeadlineError(text) from e
        if day is None:
            raise DeadlineError(text)
        return Deadline(day, ongoing, immediate)
    if ongoing or immediate:
        return Deadline(None, ongoing, immediate)
    raise DeadlineError(text)


def _to_date(m: re.Match, shape: str, year: int | None) -> dt.date | None:
    g = m.groups()
    if shape == "ymd":
        return dt.date(int(g[0]), int(g[1]), int(g[2]))
    if shape == "ym":
        return _within_month(int(g[0]), int(g[1]), g[2])
    if shape == "y":
        y = int(g[0])
        return dt.date(y, 6, 30) if g[1] == "上半年" else dt.date(y, 12, 31)
    if year is None:
        return None
    if shape == "md":
        return dt.date(year, int(g[0]), int(g[1]))
    if shape == "m":
        return _within_month(year, int(g[0]), g[1])
    return None


def year_in(text: str) -> int | None:
    """The last four-digit year written in a text (a context for 6月底前)."""
    years = re.findall(r"((?:19|20)\d{2})\s*年", text)
    return int(years[-1]) if years else None
