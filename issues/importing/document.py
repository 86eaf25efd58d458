"""The structure of a Chinese official document about findings, read from its text.

Headings are numbered 一、 / (一) / 1. / (1) / ① (and 1、, full-width forms); which level
holds the findings is learnt from the document itself: the items followed by labelled fields
(整改措施:, 责任单位:, …), or, in a bare feedback list, the longest numbered items. Reviews
are the headings that name a team (商务部复核组…); categories are the headings between a
review and its findings. A report with its plan attached is read as two parts and merged:
the report's values win and every disagreement is listed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections import Counter

from django.utils.translation import gettext as _

from .cleaning import drop_repeats, is_furniture, is_separator, prepare, same_text, structural
from .deadlines import DeadlineError, parse_deadline, year_in

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
FIELD_LABELS = {
    "问题描述": "description",
    "存在问题": "description",
    "整改措施": "measures",
    "整改举措": "measures",
    "整改时限": "deadline",
    "完成时限": "deadline",
    "完成时间": "deadline",
    "时限要求": "deadline",
    "整改期限": "deadline",
    "责任单位": "units",
    "牵头单位": "lead",
    "配合单位": "cooperating",
    "协同单位": "cooperating",
    "整改结果": "result",
    "整改情况": "result",
    "整改成效": "result",
    "完成情况": "result",
    "整改进展": "progress",
    "进展情况": "progress",
    "销号情况": "closeout",
    "是否销号": "closeout",
}
LABEL = re.compile(
    r"^(" + "|".join(sorted(FIELD_LABELS, key=len, reverse=True)) + r")\s*(?::|:|$)\s*(.*)$"
)
TEAM = re.compile(
    r"((?:商务部|财政部|国务院|中央|国家|省|市|州|县|区)?[\u4e00-\u9fff]{0,12}?"
    r"(?:复核组|评价组|督查组|检查组|审计组|巡视组|巡察组|考核组|评估组|工作组))"
)
REVIEW_WORDS = re.compile(r"复核|评价|督查|督导|检查|审计|巡视|巡察|考核|评估|自查")
NOT_REVIEW = re.compile(r"领导小组|履职|工作开展|下一步|组织保障|工作目标|保障措施|工作要求")
FINDINGS_SECTION = re.compile(
    r"^(问题整改情况|整改内容及措施|整改内容和措施|整改任务|存在问题|主要问题|问题清单|反馈问题|发现问题)"
    r"|问题及整改(情况|措施)$|问题整改(情况|落实情况)$"
)
CATEGORY_SUFFIX = re.compile(r"(及其?整改(情况|措施)|整改(情况|措施))$")
UNIT_SPLIT = re.compile(r"[、,,;;/]|\s+|及(?=[区县市镇乡各])")
LEAD_MARK = re.compile(r"[((]?(牵头|牵头单位|主责)[))]?$")
DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[::]?\s*$")


@dataclasses.dataclass
class Line:
    no: int
    text: str


@dataclasses.dataclass
class ParsedFinding:
    line: int
    description: str = ""
    measures: list[str] = dataclasses.field(default_factory=list)
    units: list[str] = dataclasses.field(default_factory=list)
    cooperating: list[str] = dataclasses.field(default_factory=list)
    deadline: str | None = None  # ISO date
    deadline_text: str = ""
    is_ongoing: bool = False
    result: str = ""
    progress: str = ""
    closeout: str = ""  # 已销号 / 未销号 / as written
    number: int | None = None

    @property
    def deadline_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.deadline) if self.deadline else None

    @property
    def is_closed(self) -> bool:
        return "已销号" in self.closeout or self.closeout.strip() in ("是", "已完成销号")


@dataclasses.dataclass
class ParsedCategory:
    name: str
    line: int | None = None
    findings: list[ParsedFinding] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ParsedReview:
    heading: str
    team: str = ""
    kind: str = ""
    line: int | None = None
    categories: list[ParsedCategory] = dataclasses.field(default_factory=list)

    @property
    def findings(self) -> list[ParsedFinding]:
        return [f for c in self.categories for f in c.findings]


@dataclasses.dataclass
class Note:
    """A line the parser could not place, a disagreement between report and plan, or an error."""

    line: int | None
    text: str
    reason: str = ""


@dataclasses.dataclass
class ParsedDocument:
    reviews: list[ParsedReview] = dataclasses.field(default_factory=list)
    unplaced: list[Note] = dataclasses.field(default_factory=list)
    disagreements: list[Note] = dataclasses.field(default_factory=list)
    errors: list[Note] = dataclasses.field(default_factory=list)
    title: str = ""
    date: str | None = None
    kind: str = ""  # feedback / plan / report / report+plan / ledger

    @property
    def findings(self) -> list[ParsedFinding]:
        return [f for r in self.reviews for f in r.findings]

    @property
    def document_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.date) if self.date else None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ParsedDocument:
        reviews = [
            ParsedReview(
                **{
                    **r,
                    "categories": [
                        ParsedCategory(
                            **{**c, "findings": [ParsedFinding(**f) for f in c["findings"]]}
                        )
                        for c in r["categories"]
                    ],
                }
            )
            for r in data.get("reviews", [])
        ]
        notes = {
            key: [Note(**n) for n in data.get(key, [])]
            for key in ("unplaced", "disagreements", "errors")
        }
        return cls(
            reviews=reviews,
            title=data.get("title", ""),
            date=data.get("date"),
            kind=data.get("kind", ""),
            **notes,
        )


# --- reading the lines --------------------------------------------------------------------


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


def _is_review_heading(tok: Token) -> bool:
    text = structural(tok.text).rstrip("。.:")
    if tok.kind == "label" or len(text) > 45 or len(text) < 4:
        return False
    if not REVIEW_WORDS.search(text) or NOT_REVIEW.search(text):
        return False
    return bool(TEAM.search(text)) or bool(re.search(r"(反馈|发现|指出|检查)(的)?问题", text))


def _is_findings_section(tok: Token) -> bool:
    text = structural(tok.text).rstrip("。.:")
    return len(text) <= 30 and bool(FINDINGS_SECTION.search(text))


def _is_heading_like(tok: Token) -> bool:
    """An unnumbered line that reads as a heading: short, no sentence punctuation inside."""
    text = structural(tok.text)
    return tok.kind == "text" and len(text) <= 30 and not re.search(r"[,;。:]", text[:-1])


def review_kind(text: str) -> str:
    if "商务部" in text or "中央" in text or "国家" in text:
        return "mofcom_review"
    if "督查" in text or "督导" in text:
        return "province_supervision"
    if "审计" in text:
        return "audit"
    if "自查" in text:
        return "self_check"
    if "评价" in text or "省" in text:
        return "province_evaluation"
    return ""


def review_team(text: str) -> str:
    m = TEAM.search(structural(text))
    if not m:
        return ""
    team = m.group(1)
    # 商务部电子商务进农村综合示范绩效评价复核组 → keep it; "…发现问题" never reaches here.
    return team


def category_name(text: str) -> str:
    name = structural(text).strip().rstrip("。.:;")
    name = CATEGORY_SUFFIX.sub("", name).strip()
    if name.endswith("方面"):
        name += "问题"
    return name


def split_units(text: str) -> list[str]:
    names = []
    for part in UNIT_SPLIT.split(structural(text)):
        name = part.strip().strip("。.")
        name = LEAD_MARK.sub("", name).strip()
        if name.endswith("等") and len(name) > 3:
            name = name[:-1]
        if name and name not in names:
            names.append(name)
    return names


ITEM_START = re.compile(rf"(?:^|(?<=[;;。,,:\s]))([{CN_NUM}]+)是")
ENUM_START = re.compile(rf"(?:^|(?<=[;;。\s]))(?:\(\d{{1,2}}\)|\d{{1,2}}[.、](?!\d)|[{CIRCLED}])")


def split_measures(text: str) -> list[str]:
    """一是…;二是…。 → the items; 1.… 2.… and (1)… (2)… too; otherwise one item."""
    text = text.strip()
    if not text:
        return []
    for pattern in (ITEM_START, ENUM_START):
        starts = [m for m in pattern.finditer(structural(text))]
        if len(starts) >= 2 or (len(starts) == 1 and starts[0].start() == 0):
            items = []
            head = text[: starts[0].start()].strip().rstrip(":")
            if head:
                items.append(head)
            for m, nxt in zip(starts, starts[1:] + [None], strict=False):
                end = nxt.start() if nxt else len(text)
                items.append(text[m.end() : end])
            return [_item(i) for i in items if _item(i)]
    return [_item(text)] if _item(text) else []


def _item(text: str) -> str:
    return drop_repeats(text.strip()).strip().rstrip(";；。,，.．、").strip()  # noqa: B005


# --- the structure ------------------------------------------------------------------------


class _Builder:
    """Walks the tokens of one part (the report, or its attached plan)."""

    def __init__(self, tokens: list[Token], default_kind: str):
        self.tokens = tokens
        self.markers = _finding_markers(tokens)
        self.fm: str | None = None
        self.default_kind = default_kind
        self.reviews: list[ParsedReview] = []
        self.unplaced: list[Note] = []
        self.review: ParsedReview | None = None
        self.category: ParsedCategory | None = None
        self.finding: ParsedFinding | None = None
        self.field = ""
        self.buffers: dict[int, dict[str, list[str]]] = {}
        self.lines: dict[int, dict[str, int]] = {}  # where each field's label was
        self.item_marker = ""
        self.item_next = 1
        self.inside = False
        self.sections_seen = False

    def run(self) -> list[ParsedReview]:
        for i, tok in enumerate(self.tokens):
            self.fm = self.markers[i]
            self.step(i, tok)
        return self.reviews

    def _has_findings_ahead(self, i: int, tok: Token) -> bool:
        """A finding-level item follows before the next heading of this heading's level."""
        for nxt in self.tokens[i + 1 :]:
            if nxt.kind == "heading" and nxt.marker == self.fm:
                return True
            if nxt.kind == "heading" and nxt.marker == tok.marker:
                return False
            if nxt.kind == "text" and tok.marker == "" and _is_review_heading(nxt):
                return False
        return False

    def _open_review(self, tok: Token) -> None:
        heading = tok.text
        self.review = ParsedReview(
            heading=heading,
            team=review_team(heading),
            kind=review_kind(heading) or self.default_kind,
            line=tok.line.no,
        )
        self.reviews.append(self.review)
        self.category = None
        self.finding = None
        self.field = ""
        self.inside = True

    def _ensure_review(self) -> ParsedReview:
        if self.review is None:
            self.review = ParsedReview(heading="", kind=self.default_kind)
            self.reviews.append(self.review)
        return self.review

    def _open_category(self, tok: Token | None) -> None:
        review = self._ensure_review()
        self.category = ParsedCategory(
            name=category_name(tok.text) if tok else "", line=tok.line.no if tok else None
        )
        review.categories.append(self.category)
        self.finding = None
        self.field = ""

    def _close(self) -> None:
        self.inside = False
        self.review = None
        self.category = None
        self.finding = None
        self.field = ""

    def _unplaced(self, tok: Token, reason: str) -> None:
        self.unplaced.append(Note(tok.line.no, tok.line.text, reason))

    def step(self, i: int, tok: Token) -> None:
        if tok.kind == "label":
            return self._label(tok)
        is_heading = tok.kind == "heading" or _is_heading_like(tok)
        if is_heading and _is_review_heading(tok) and tok.marker != self.fm:
            return self._open_review(tok)
        if tok.kind == "heading" and tok.marker == self.fm and self._in_findings():
            if self._continues_items(i, tok):
                return self._append(tok.line.text)
            return self._open_finding(tok)
        if tok.kind == "heading":
            if self._continues_items(i, tok):
                return self._append(tok.line.text)
            if tok.marker == "cn" or (not self.inside and tok.marker in ("pcn", "")):
                if _is_findings_section(tok):
                    self.sections_seen = True
                    self._close()
                    self.inside = True
                    return None
                if self._has_findings_ahead(i, tok) and (self.inside or not self.sections_seen):
                    self.inside = True
                    return self._open_category(tok)
                self._close()
                self.sections_seen = True
                return self._unplaced(tok, _("不属于问题清单的段落"))
            if self.inside and self._has_findings_ahead(i, tok):
                return self._open_category(tok)
            if self.finding is not None and self.field:
                return self._append(tok.line.text)
            return self._unplaced(tok, _("无法识别的编号段落"))
        # plain text
        if _is_heading_like(tok) and _is_findings_section(tok):
            self.sections_seen = True
            self._close()
            self.inside = True
            return None
        if self.finding is not None and self.inside:
            return self._append(tok.text)
        reason = _("无法归入任何问题") if self.category else _("不属于问题清单的段落")
        return self._unplaced(tok, reason)

    def _in_findings(self) -> bool:
        return self.inside or not self.sections_seen

    def _continues_items(self, i: int, tok: Token) -> bool:
        """A numbered line inside 整改措施 (or a result) that goes on that field's list."""
        if self.finding is None or self.field not in ("measures", "result", "progress"):
            return False
        if tok.marker == self.fm and tok.number == (self.finding.number or 0) + 1:
            # Numbered like the next finding: it is one if the fields after it are ones
            # this finding already has (a new 整改措施:…), an item if they are still to come.
            seen = set(self.buffers[id(self.finding)])
            if self._labels_ahead(i) & seen or not self._labels_ahead(i):
                return False
        if self.item_marker in ("", tok.marker) and tok.number == self.item_next:
            if self.item_next == 1 and not self._field_open_for_items():
                return False
            self.item_marker = tok.marker
            self.item_next += 1
            return True
        return False

    def _labels_ahead(self, i: int) -> set[str]:
        fields = set()
        for nxt in self.tokens[i + 1 :]:
            if nxt.kind == "heading" and nxt.marker == self.tokens[i].marker:
                break
            if nxt.kind == "label":
                fields.add(nxt.field)
        return fields

    def _field_open_for_items(self) -> bool:
        # The first numbered item must come right after the label (or its first line).
        buf = self.buffers[id(self.finding)][self.field]
        return len(buf) <= 1 or self.item_next > 1

    def _open_finding(self, tok: Token) -> None:
        if self.category is None:
            self._open_category(None)
        self.finding = ParsedFinding(line=tok.line.no, number=tok.number)
        self.category.findings.append(self.finding)
        self.buffers[id(self.finding)] = {"description": [tok.text]}
        self.field = "description"
        self.item_marker, self.item_next = "", 1
        self.inside = True

    def _label(self, tok: Token) -> None:
        if self.finding is None:
            if tok.field == "description" and self._in_findings():
                self._open_finding(Token(tok.line, "heading", self.fm or "", None, tok.text))
                return
            return self._unplaced(tok, _("字段不属于任何问题"))
        self.field = tok.field
        buf = self.buffers[id(self.finding)]
        buf.setdefault(tok.field, [])
        self.lines.setdefault(id(self.finding), {}).setdefault(tok.field, tok.line.no)
        if tok.text:
            buf[tok.field].append(tok.text)
        self.item_marker, self.item_next = "", 1
        for marker, pattern in MARKERS:
            m = pattern.match(structural(tok.text))
            if m and chinese_to_int(next(g for g in m.groups() if g)) == 1:
                # 整改措施:1.… on the label's line; 2.… follows on the next.
                self.item_marker, self.item_next = marker, 2
                break

    def _append(self, text: str) -> None:
        self.buffers[id(self.finding)].setdefault(self.field, []).append(text)


def _finding_markers(tokens: list[Token]) -> list[str | None]:
    """The findings' numbering at each token: learnt separately between review headings, as
    each review's part may number its findings its own way."""
    whole = _finding_marker(tokens)
    starts = [
        i
        for i, tok in enumerate(tokens)
        if (tok.kind == "heading" or _is_heading_like(tok)) and _is_review_heading(tok)
    ]
    bounds = [0, *starts, len(tokens)]
    markers: list[str | None] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        marker = _finding_marker(tokens[a:b], fallback=False) or whole
        markers.extend([marker] * (b - a))
    return markers


def _finding_marker(tokens: list[Token], fallback: bool = True) -> str | None:
    """The numbering of the findings: the items followed by labelled fields, or else the
    numbering of the longest items."""
    votes: Counter[str] = Counter()
    last_heading: Token | None = None
    for tok in tokens:
        if tok.kind == "heading":
            last_heading = tok
        elif tok.kind == "label" and tok.field != "description" and last_heading is not None:
            votes[last_heading.marker] += 1
            last_heading = None
    if votes:
        return votes.most_common(1)[0][0]
    if not fallback:
        return None
    lengths: dict[str, list[int]] = {}
    for tok in tokens:
        if tok.kind == "heading" and not _is_review_heading(tok):
            lengths.setdefault(tok.marker, []).append(len(tok.text))
    candidates = {m: sum(v) / len(v) for m, v in lengths.items() if len(v) >= 1}
    if not candidates:
        return None
    return max(candidates, key=lambda m: (candidates[m] > 15, _depth(m), candidates[m]))


def _depth(marker: str) -> int:
    order = [m for m, _ in MARKERS]
    return order.index(marker) if marker in order else -1


# --- the whole document -------------------------------------------------------------------


def _fill(
    builder: _Builder, reviews: list[ParsedReview], year: int | None, errors: list[Note]
) -> None:
    for review in reviews:
        for category in review.categories:
            for f in category.findings:
                buf = builder.buffers.get(id(f), {})
                f.description = drop_repeats(" ".join(buf.get("description", [])).strip())
                f.measures = split_measures("".join(_joined(buf.get("measures", []))))
                lead = split_units(" ".join(buf.get("lead", [])))
                units = split_units("、".join(buf.get("units", [])))
                f.units = lead + [u for u in units if u not in lead]
                f.cooperating = [
                    u
                    for u in split_units("、".join(buf.get("cooperating", [])))
                    if u not in f.units
                ]
                f.result = drop_repeats("".join(_joined(buf.get("result", []))).strip())
                f.progress = drop_repeats("".join(_joined(buf.get("progress", []))).strip())
                f.closeout = structural(" ".join(buf.get("closeout", []))).strip().rstrip("。.")
                f.deadline_text = " ".join(buf.get("deadline", [])).strip()
                if f.deadline_text:
                    year = year_in(f.deadline_text) or year
                    try:
                        deadline = parse_deadline(f.deadline_text, year=year)
                    except DeadlineError:
                        errors.append(
                            Note(
                                builder.lines.get(id(f), {}).get("deadline", f.line),
                                f.deadline_text,
                                _("无法识别的完成时限「%(text)s」(问题:%(finding)s)")
                                % {"text": f.deadline_text, "finding": f.description[:20]},
                            )
                        )
                    else:
                        f.deadline = deadline.date.isoformat() if deadline.date else None
                        f.is_ongoing = deadline.is_ongoing


def _joined(parts: list[str]) -> list[str]:
    # Lines of one field continue each other; a line ending a sentence keeps its own stop.
    return [
        p if p.endswith(("。", ";", ";", ":", ":")) or i == len(parts) - 1 else p + ";"
        for i, p in enumerate(parts)
    ]


def _segments(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """The report and its attachment, split at a line that is only 附件: (or 附件1)."""
    for i, line in enumerate(lines):
        if ATTACHMENT.match(structural(line.text)) and i > 0:
            return lines[:i], lines[i + 1 :]
    return lines, []


def _document_date(lines: list[Line]) -> dt.date | None:
    for line in reversed(lines):
        m = DATE_LINE.match(structural(line.text))
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _title(lines: list[Line]) -> str:
    for line in lines[:15]:
        if re.search(r"(报告|方案|清单|通报|通知|台账)$", line.text) and len(line.text) < 120:
            return line.text
    return ""


def _parse_part(
    lines: list[Line], default_kind: str, year: int | None, errors: list[Note]
) -> tuple[list[ParsedReview], list[Note]]:
    tokens = tokenize(lines)
    builder = _Builder(tokens, default_kind)
    reviews = builder.run()
    reviews = [r for r in reviews if r.findings]
    for r in reviews:
        r.categories = [c for c in r.categories if c.findings]
    _fill(builder, reviews, year, errors)
    return reviews, builder.unplaced


def parse_document(text: str, *, default_kind: str = "") -> ParsedDocument:
    """Everything the text says about reviews, categories and findings, the lines it could not
    place, and (for a report with its plan) where the two disagree."""
    raw = prepare(text)
    lines = [Line(no, t) for no, t in enumerate(raw, start=1) if t and not is_separator(t)]
    lines = [ln for ln in lines if not is_furniture(ln.text)]
    doc = ParsedDocument(title=_title(lines))
    report_lines, plan_lines = _segments(lines)
    date = _document_date(report_lines)
    doc.date = date.isoformat() if date else None
    year = (date.year if date else None) or year_in(doc.title) or _first_year(lines)
    report, unplaced = _parse_part(report_lines, default_kind, year, doc.errors)
    plan, plan_unplaced = (
        _parse_part(plan_lines, default_kind, year, doc.errors) if plan_lines else ([], [])
    )
    if report and plan:
        doc.reviews = _merge(report, plan, doc.disagreements)
        doc.unplaced = unplaced + plan_unplaced
        doc.kind = "report+plan"
    else:
        doc.reviews = report or plan
        doc.unplaced = unplaced + plan_unplaced
        doc.kind = _kind_of(doc.reviews)
    _name_unnamed_categories(doc)
    return doc


def _first_year(lines: list[Line]) -> int | None:
    for line in lines[:40]:
        y = year_in(line.text)
        if y:
            return y
    return None


def _kind_of(reviews: list[ParsedReview]) -> str:
    findings = [f for r in reviews for f in r.findings]
    if not findings:
        return ""
    if any(f.result or f.closeout for f in findings):
        return "report"
    if any(f.measures or f.units or f.deadline_text for f in findings):
        return "plan"
    return "feedback"


def _name_unnamed_categories(doc: ParsedDocument) -> None:
    for review in doc.reviews:
        for category in review.categories:
            if not category.name:
                category.name = _("未分类问题")


# --- report and plan ----------------------------------------------------------------------

MERGED_FIELDS = ["description", "measures", "units", "cooperating", "deadline", "is_ongoing"]


def _merge(
    report: list[ParsedReview], plan: list[ParsedReview], notes: list[Note]
) -> list[ParsedReview]:
    by_kind = {r.kind: r for r in plan}
    all_report_names = Counter(category_name(c.name) for r in report for c in r.categories)
    for i, review in enumerate(report):
        other = plan[i] if len(plan) == len(report) else by_kind.get(review.kind)
        if other is None:
            continue
        if not review.team and other.team:
            review.team = other.team
        _merge_categories(review, other, all_report_names, notes)
        pairs = _pair_findings(review.findings, other.findings)
        for mine, theirs in pairs:
            _merge_finding(review, mine, theirs, notes)
    return report


def _merge_categories(
    review: ParsedReview, other: ParsedReview, names: Counter, notes: list[Note]
) -> None:
    if len(review.categories) != len(other.categories):
        return
    for mine, theirs in zip(review.categories, other.categories, strict=True):
        if same_text(mine.name, theirs.name) or not theirs.name:
            continue
        if _lenient(mine.name) == _lenient(theirs.name):
            continue
        # A heading repeated from another review of the same report is a copying slip:
        # the plan's own heading is the right one.
        copied = names[mine.name] > 1 and names[theirs.name] == 0
        kept = theirs.name if copied else mine.name
        notes.append(
            Note(
                mine.line,
                _("问题类别:报告为「%(report)s」,方案为「%(plan)s」;采用「%(kept)s」")
                % {"report": mine.name, "plan": theirs.name, "kept": kept},
                "category",
            )
        )
        mine.name = kept


def _lenient(name: str) -> str:
    return re.sub(r"(问题|方面)", "", name)


def _pair_findings(
    mine: list[ParsedFinding], theirs: list[ParsedFinding]
) -> list[tuple[ParsedFinding, ParsedFinding]]:
    """By position when the descriptions agree, otherwise by the closest description."""
    pairs = []
    used: set[int] = set()
    for i, f in enumerate(mine):
        if i < len(theirs) and _similar(f.description, theirs[i].description) > 0.5:
            pairs.append((f, theirs[i]))
            used.add(i)
            continue
        best, score = None, 0.5
        for j, g in enumerate(theirs):
            if j in used:
                continue
            s = _similar(f.description, g.description)
            if s > score:
                best, score = j, s
        if best is not None:
            pairs.append((f, theirs[best]))
            used.add(best)
    return pairs


def _similar(a: str, b: str) -> float:
    if same_text(a, b):
        return 1.0
    return difflib.SequenceMatcher(None, structural(a), structural(b), autojunk=False).ratio()


def _units_key(names: list[str]) -> list[str]:
    return [re.sub(r"^(区|县|市)|和|人民政府$", "", n) for n in names]


def _merge_finding(
    review: ParsedReview, mine: ParsedFinding, theirs: ParsedFinding, notes: list[Note]
) -> None:
    label = {
        "description": _("问题描述"),
        "measures": _("整改措施"),
        "units": _("责任单位"),
        "cooperating": _("配合单位"),
        "deadline": _("完成时限"),
    }
    for field in ("description", "measures", "units", "cooperating", "deadline"):
        a, b = getattr(mine, field), getattr(theirs, field)
        if field == "deadline":
            a_text, b_text = mine.deadline_text, theirs.deadline_text
            if not a_text and b_text:
                mine.deadline, mine.is_ongoing, mine.deadline_text = b, theirs.is_ongoing, b_text
                continue
            if not b_text or (a == b and mine.is_ongoing == theirs.is_ongoing):
                continue
            shown_a, shown_b = a_text, b_text
        else:
            if not a and b:
                setattr(mine, field, b)
                continue
            if not b:
                continue
            if field in ("units", "cooperating"):
                if _units_key(a) == _units_key(b):
                    continue
                shown_a, shown_b = "、".join(a), "、".join(b)
            elif field == "measures":
                if [_plain(x) for x in a] == [_plain(x) for x in b]:
                    continue
                shown_a, shown_b = ";".join(a), ";".join(b)
            else:
                if same_text(a, b):
                    continue
                shown_a, shown_b = a, b
        notes.append(
            Note(
                mine.line,
                _(
                    "%(review)s 第%(no)s项「%(finding)s」%(field)s:报告为「%(report)s」,"
                    "方案为「%(plan)s」;采用报告的"
                )
                % {
                    "review": review.team or review.heading,
                    "no": mine.number or "",
                    "finding": mine.description[:18],
                    "field": label[field],
                    "report": shown_a,
                    "plan": shown_b,
                },
                field,
            )
        )


def _plain(text: str) -> str:
    return re.sub(r"[\s。;;,,.、]", "", structural(text))
