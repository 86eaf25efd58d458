"""A report read together with its attached plan: the reviews, categories and findings of the
two paired, what only the plan says filled in, and every disagreement noted."""

from __future__ import annotations

import difflib
import re
from collections import Counter

from django.utils.translation import gettext as _

from issues.columns import COLUMNS, DEADLINE, LIST, UNITS

from ..cleaning import same_text, structural
from .parsed import Note, ParsedFinding, ParsedReview
from .values import category_name

# What a plan may say differently from its report: the finding, and the columns a plan
# writes under it (issues.columns; the deadline with its 并长期坚持).
MERGED = [c for c in COLUMNS if c.key == "description" or c.plan]


def merge_plan(
    report: list[ParsedReview], plan: list[ParsedReview], notes: list[Note]
) -> list[ParsedReview]:
    """The report's reviews with what only its plan says filled in; where both say something
    different the report wins, and the disagreement is noted."""
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
                _("问题类别：报告为「%(report)s」，方案为「%(plan)s」；采用「%(kept)s」")
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
    for column in MERGED:
        field = column.key
        if column.field:  # 问题描述, …: a text column (issues.columns.OWN_TEXTS)
            a, b = column.text_of(mine), column.text_of(theirs)
        else:
            a, b = getattr(mine, field), getattr(theirs, field)
        if column.compare == DEADLINE:
            a_text, b_text = mine.deadline_text, theirs.deadline_text
            if not a_text and b_text:
                mine.deadline, mine.is_ongoing, mine.deadline_text = b, theirs.is_ongoing, b_text
                continue
            if not b_text or (a == b and mine.is_ongoing == theirs.is_ongoing):
                continue
            shown_a, shown_b = a_text, b_text
        else:
            if not a and b:
                if column.field:
                    column.set_text(mine, b)
                else:
                    setattr(mine, field, b)
                continue
            if not b:
                continue
            if column.compare == UNITS:
                if _units_key(a) == _units_key(b):
                    continue
                shown_a, shown_b = "、".join(a), "、".join(b)
            elif column.compare == LIST:
                if [_plain(x) for x in a] == [_plain(x) for x in b]:
                    continue
                shown_a, shown_b = "；".join(a), "；".join(b)
            else:
                if same_text(a, b):
                    continue
                shown_a, shown_b = a, b
        notes.append(
            Note(
                mine.line,
                _(
                    "%(review)s 第%(no)s项「%(finding)s」%(field)s：报告为「%(report)s」，"
                    "方案为「%(plan)s」；采用报告的"
                )
                % {
                    "review": review.team or review.heading,
                    "no": mine.number or "",
                    "finding": mine.description[:18],
                    "field": column.label,
                    "report": shown_a,
                    "plan": shown_b,
                },
                field,
            )
        )


def _plain(text: str) -> str:
    return re.sub(r"[\s。;;,,.、]", "", structural(text))
