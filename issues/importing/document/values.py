"""A finding's values read from the text of its fields, in a document or a 台账's cells: the
units named, the measures listed, a category's name, a review team and its kind."""

from __future__ import annotations

import re

from ..cleaning import drop_repeats, structural
from .tokens import CIRCLED, CN_NUM, TEAM, TEAM_LEAD_IN

CATEGORY_SUFFIX = re.compile(r"(及其?整改(情况|措施)|整改(情况|措施))$")
UNIT_SPLIT = re.compile(r"[、,,;;/]|\s+|及(?=[区县市镇乡各])")
LEAD_MARK = re.compile(r"[((]?(牵头|牵头单位|主责)[))]?$")


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
    # 商务部电子商务进农村综合示范绩效评价复核组 → kept whole; in a sentence or a title
    # the team starts after its lead-in: 昭化区关于商务部复核组… → 商务部复核组,
    # 联合组成督查组 → 督查组.
    return TEAM_LEAD_IN.sub("", m.group(1))


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
