"""The structure of one part of a document (the report, or its attached plan), built from its
tokens: which numbering holds the findings, learnt from the document itself; reviews, the
categories under them, the findings and the text of each finding's fields."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _

from .. import limits
from ..cleaning import structural
from .heading import FURNITURE
from .parsed import Note, ParsedCategory, ParsedFinding, ParsedReview
from .tokens import (
    MARKERS,
    Token,
    chinese_to_int,
    is_findings_section,
    is_heading_like,
    is_review_heading,
)
from .values import category_name, review_kind, review_team


class Builder:
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
            limits.tick()
            self.fm = self.markers[i]
            self.step(i, tok)
        return self.reviews

    def _has_findings_ahead(self, i: int, tok: Token) -> bool:
        """A finding-level item follows before the next heading of this heading's level."""
        for nxt in self.tokens[i + 1 :]:
            limits.tick()
            if nxt.kind == "heading" and nxt.marker == self.fm:
                return True
            if nxt.kind == "heading" and nxt.marker == tok.marker:
                return False
            if nxt.kind == "text" and tok.marker == "" and is_review_heading(nxt):
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

    def _furniture(self, tok: Token) -> None:
        """The document's own parts (title, closing instruction, signature…) end the finding
        before them and are listed, never taken as a finding's text (heading.mark_furniture)."""
        self.finding = None
        self.field = ""
        self._unplaced(tok, str(FURNITURE[tok.field]))

    def _unplaced(self, tok: Token, reason: str) -> None:
        self.unplaced.append(Note(tok.line.no, tok.line.text, reason))

    def step(self, i: int, tok: Token) -> None:
        if tok.kind == "furniture":
            return self._furniture(tok)
        if tok.kind == "label":
            return self._label(tok)
        is_heading = tok.kind == "heading" or is_heading_like(tok)
        if is_heading and is_review_heading(tok) and tok.marker != self.fm:
            return self._open_review(tok)
        if tok.kind == "heading" and tok.marker == self.fm and self._in_findings():
            if self._continues_items(i, tok):
                return self._append(tok.line.text)
            return self._open_finding(tok)
        if tok.kind == "heading":
            if self._continues_items(i, tok):
                return self._append(tok.line.text)
            if tok.marker == "cn" or (not self.inside and tok.marker in ("pcn", "")):
                if is_findings_section(tok):
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
        if is_heading_like(tok) and is_findings_section(tok):
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
        if (tok.kind == "heading" or is_heading_like(tok)) and is_review_heading(tok)
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
        if tok.kind == "heading" and not is_review_heading(tok):
            lengths.setdefault(tok.marker, []).append(len(tok.text))
    candidates = {m: sum(v) / len(v) for m, v in lengths.items() if len(v) >= 1}
    if not candidates:
        return None
    return max(candidates, key=lambda m: (candidates[m] > 15, _depth(m), candidates[m]))


def _depth(marker: str) -> int:
    order = [m for m, _ in MARKERS]
    return order.index(marker) if marker in order else -1
