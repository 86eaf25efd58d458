"""The lines of a document as tokens: a numbered heading (and its numbering), a labelled field
(整改措施:…) or plain text; and which headings name a review team or a list of findings."""

from __future__ import annotations

import dataclasses
import re

from .. import limits
from ..cleaning import structural
from .labels import FIELD_LABELS
from .parsed import Line

CN_NUM = "一二三四五六七八九十百零〇"
CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# (kind, pattern) on the structural form of a line; the kinds are listed from the top level down.
MARKERS: list[tuple[str, re.Pattern]] = [
    ("cn", re.compile(rf"^([{CN_NUM}]+)\s*[、.,]\s*")),
    ("pcn", re.compile(rf"^\(\s*([{CN_NUM}]+)\s*\)\s*")),
    ("num", re.compile(r"^(\d{1,3})\s*(?:[、.](?!\d)|\s(?=\D))\s*")),
    ("pnum", re.compile(r"^(?:\(\s*(\d{1,3})\s*\)|(\d{1,3})\))\s*")),
    ("circ", re.compile(rf"^([{CIRCLED}])\s*")),
]
LABEL = re.compile(
    r"^(" + "|".join(sorted(FIELD_LABELS, key=len, reverse=True)) + r")\s*(?::|:|$)\s*(.*)$"
)
TEAM = re.compile(
    r"((?:商务部|财政部|国务院|中央|国家|省|市|州|县|区)?[\u4e00-\u9fff]{0,20}?"
    r"(?:复核组|评价组|督查组|检查组|审计组|巡视组|巡察组|考核组|评估组|工作组))"
)
# What comes before a team in a title or a sentence, up to its last occurrence.
TEAM_LEAD_IN = re.compile(r"^.*(?:关于|对于|对|的|组成|联合)")
REVIEW_WORDS = re.compile(r"复核|评价|督查|督导|检查|审计|巡视|巡察|考核|评估|自查")
NOT_REVIEW = re.compile(r"领导小组|履职|工作开展|下一步|组织保障|工作目标|保障措施|工作要求")
FINDINGS_SECTION = re.compile(
    r"^(问题整改情况|整改内容及措施|整改内容和措施|整改任务|存在问题|主要问题|问题清单|反馈问题|发现问题)"
    r"|问题及整改(情况|措施)$|问题整改(情况|落实情况)$"
)


def chinese_to_int(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    if text in CIRCLED:
        return CIRCLED.index(text) + 1
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclasses.dataclass
class Token:
    line: Line
    kind: str  # heading / label / text
    marker: str = ""  # cn / pcn / num / pnum / circ / "" for an unnumbered heading
    number: int | None = None
    text: str = ""
    field: str = ""


def tokenize(lines: list[Line]) -> list[Token]:
    tokens = []
    for line in lines:
        limits.tick()
        shape = structural(line.text)
        label = LABEL.match(shape)
        if label and not (label.group(2) == "" and len(shape) > len(label.group(1)) + 1):
            value = line.text[label.start(2) :]  # structural() keeps offsets
            field = FIELD_LABELS[label.group(1)]
            tokens.append(Token(line, "label", text=value.strip(), field=field))
            continue
        for marker, pattern in MARKERS:
            m = pattern.match(shape)
            if m:
                number = chinese_to_int(next(g for g in m.groups() if g))
                rest = line.text[m.end() :].strip()
                tokens.append(Token(line, "heading", marker, number, rest))
                break
        else:
            tokens.append(Token(line, "text", text=line.text))
    return tokens


def is_review_heading(tok: Token) -> bool:
    text = structural(tok.text).rstrip("。.:")
    if tok.kind == "label" or len(text) > 45 or len(text) < 4:
        return False
    if not REVIEW_WORDS.search(text) or NOT_REVIEW.search(text):
        return False
    return bool(TEAM.search(text)) or bool(re.search(r"(反馈|发现|指出|检查)(的)?问题", text))


def is_findings_section(tok: Token) -> bool:
    text = structural(tok.text).rstrip("。.:")
    return len(text) <= 30 and bool(FINDINGS_SECTION.search(text))


def is_heading_like(tok: Token) -> bool:
    """An unnumbered line that reads as a heading: short, no sentence punctuation inside."""
    text = structural(tok.text)
    return tok.kind == "text" and len(text) <= 30 and not re.search(r"[,;。:]", text[:-1])
