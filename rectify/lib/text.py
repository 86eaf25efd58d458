"""How the ledger writes things in Chinese: numerals, measures, deadlines."""

from __future__ import annotations

import datetime as dt
import re

DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (enough for headings and measure items)."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
    return str(n)


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def measures_text(items: list[str]) -> str:
    """一是…;二是…。 — one item is written as it is."""
    items = [i.strip().rstrip(";；。") for i in items if i.strip()]  # noqa: B005
    if not items:
        return ""
    if len(items) == 1:
        return items[0] + "。"
    return ";".join(f"{chinese_numeral(i)}是{text}" for i, text in enumerate(items, 1)) + "。"


def deadline_text(deadline: dt.date | None, is_ongoing: bool) -> str:
    """2019年9月30日前,并长期坚持"""
    if deadline is None:
        return "长期坚持" if is_ongoing else ""
    text = chinese_date(deadline) + "前"
    return text + ",并长期坚持" if is_ongoing else text


_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def tidy(text: str) -> str:
    """Long text as it is stored: what a Word table or a web page pasted in brings along
    (tabs between cells, runs of blank lines, non-breaking and zero-width spaces, spaces
    at line ends) is normalised; the words and line breaks stay."""
    text = _INVISIBLE.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)
