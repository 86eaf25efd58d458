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
    """一是…；二是…。 — one item is written as it is."""
    items = [i.strip().rstrip(";；。") for i in items if i.strip()]  # noqa: B005
    if not items:
        return ""
    if len(items) == 1:
        return items[0] + "。"
    return "；".join(f"{chinese_numeral(i)}是{text}" for i, text in enumerate(items, 1)) + "。"


def deadline_text(deadline: dt.date | None, is_ongoing: bool) -> str:
    """2019年9月30日前，并长期坚持"""
    if deadline is None:
        return "长期坚持" if is_ongoing else ""
    text = chinese_date(deadline) + "前"
    return text + "，并长期坚持" if is_ongoing else text


_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def tidy(text: str) -> str:
    """Long text as it is stored: what a Word table or a web page pasted in brings along
    (tabs between cells, runs of blank lines, non-breaking and zero-width spaces, spaces
    at line ends) is normalised; the words and line breaks stay."""
    text = _INVISIBLE.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


# Full-width punctuation (GB/T 15834) -------------------------------------------------------

_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# What makes a neighbour Chinese: ideographs, CJK and full-width punctuation, and the marks
# Chinese text shares with Western text but writes as its own (“”‘’—…·).
_CHINESE = re.compile(
    f"[{_IDEOGRAPH}\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\ufe30-\ufe4f\uff01-\uff60"
    "\uffe0-\uffe6\u2018\u2019\u201c\u201d\u2014\u2026\u00b7]"
)
# What a Chinese sentence ends with before its full stop: an ideograph or a closing mark.
_ENDS_SENTENCE = re.compile(f"[{_IDEOGRAPH}\u201d\u2019\uff09\u300b\u300d\u300f\u3011\u3015]")
_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）", ".": "。"}
_MARKS = re.compile(r"[,:;?!().]")
# Web and mail addresses are copied as they are; a trailing mark is the sentence's, not theirs.
_ADDRESS = re.compile(
    rf"(?:(?:https?|ftp)://|www\.)[^\s{_IDEOGRAPH}\u3000-\u303f\uff01-\uff60<>\"“”]+"
    rf"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    re.I,
)
_SPACE = " \t\u00a0"
_SPACES_AT = re.compile(f"[{_SPACE}]*")
_LINE_END = re.compile(f"[{_SPACE}]*(?:\n|$)")


def _is_chinese(ch: str) -> bool:
    return bool(ch) and _CHINESE.match(ch) is not None


def _protected(text: str) -> set[int]:
    spans = set()
    for m in _ADDRESS.finditer(text):
        end = m.end()
        while text[end - 1] in ".,;:!?)":
            address = text[m.start() : end]
            if text[end - 1] == ")" and address.count("(") >= address.count(")"):
                break  # its own: …/a_(b)
            end -= 1
        spans.update(range(m.start(), end))
    return spans


def _paren_pairs(text: str, protected: set[int]) -> dict[int, int]:
    """Half-width parentheses paired within their line: position of '(' → position of ')'."""
    pairs, stack = {}, []
    for i, ch in enumerate(text):
        if i in protected:
            continue
        if ch == "\n":
            stack.clear()
        elif ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            pairs[stack.pop()] = i
    return pairs


def _before(text: str, i: int) -> str:
    """The character before position i, past spaces."""
    j = i - 1
    while j >= 0 and text[j] in _SPACE:
        j -= 1
    return text[j] if j >= 0 else ""


def _after(text: str, i: int) -> str:
    j = _SPACES_AT.match(text, i + 1).end()
    return text[j : j + 1]


def _converts(text: str, i: int, pairs: dict[int, int], closers: dict[int, int]) -> bool:
    ch = text[i]
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if ch == ".":
        # Only a sentence's end: 2019.5, 1.项目, 52.38% and 附件.docx stay.
        ends_line = _LINE_END.match(text, i + 1) is not None
        return ends_line and _ENDS_SENTENCE.match(before) is not None
    if ch in "()":
        opening, closing = (i, pairs.get(i)) if ch == "(" else (closers.get(i), i)
        if opening is None or closing is None:  # a lone mark: by its neighbours
            return _is_chinese(before) or _is_chinese(after)
        content = text[opening + 1 : closing]
        outside_before = text[opening - 1] if opening else ""
        if any(_is_chinese(c) for c in content) or _is_chinese(_before(text, opening)):
            return True
        # (1)县级… starts a paragraph; f(x) and Excel(.xlsx) are glued to a Latin word.
        glued = re.match(r"[A-Za-z0-9_.]", outside_before) is not None
        return not glued and _is_chinese(_after(text, closing))
    # , : ; ? ! — between digits (1,149 and 3:30) they belong to the number.
    if before.isdigit() and after.isdigit():
        return False
    return _is_chinese(_before(text, i)) or _is_chinese(_after(text, i))


def _full_width_pass(text: str) -> str:
    protected = _protected(text)
    pairs = _paren_pairs(text, protected)
    closers = {close: open_ for open_, close in pairs.items()}
    out: list[str] = []
    last = 0
    for m in _MARKS.finditer(text):
        i = m.start()
        if i in protected or not _converts(text, i, pairs, closers):
            continue
        mark = _FULL[text[i]]
        head = text[last:i]
        # A full-width mark carries its own space: spaces typed around it go.
        if mark != "（" or _is_chinese(_before(text, i)):
            head = head.rstrip(_SPACE)
        out += [head, mark]
        last = i + 1
        spaces = _SPACES_AT.match(text, last).end() - last
        if mark != "）" or _is_chinese(text[last + spaces : last + spaces + 1]):
            last += spaces
    out.append(text[last:])
    return "".join(out)


def full_width_punctuation(text: str) -> str:
    """Chinese text with the full-width punctuation GB/T 15834 asks for: `,:;?!` next to a
    Chinese character become `，：；？！`; a pair of parentheses becomes `（）` when what it
    holds or what stands before it is Chinese, or when it opens a line before Chinese text
    ((一), (1)县级, (第四批)) — not when glued to a Latin word (f(x), Excel(.xlsx)); a `.`
    becomes `。` only where it ends a Chinese sentence. Numbers (1,149, 2019.5, 3:30, 1:1),
    Latin text and web and mail addresses stay as they are. For documents: stored text
    stays as typed. Idempotent — applied until nothing changes, as a mark made full-width
    can make its neighbour Chinese."""
    while True:
        changed = _full_width_pass(text)
        if changed == text:
            return text
        text = changed
