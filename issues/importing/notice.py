"""A province's 督查通报 read into a notice: upload → ImportBatch (kind notice, the province's)
→ preview (recomputed from the batch and the province's counties each time) → confirm, which
creates the notice and fans each item out through the notice form's own services.

Reading (parse_notice, pure): the notice's identity, the addressee line's county names, the
report deadline, and its items: each numbered problem of the "存在问题" part, plus the
sentences of the other parts that name a county beside a shortfall ("广昌县、庐山市进展较慢",
offered unticked). Matching (notice_plan): each item's county names against the province's
counties (with or without 县/市/区), unknown names flagged, and the counties ticked by
default: those named, or all the addressed counties when the item names none or speaks of
the counties as a whole ("各示范县", "部分示范县")."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from issues import changesets, services
from issues.models import County, ImportBatch, Province, Review, User
from issues.permissions import require
from rectify.lib.records import stamp

from . import cleaning, limits
from .document import heading
from .services import ImportRefused, _claim, ocr_unchecked

_CJK = "\u3400-\u9fff"
_SECTION = re.compile(r"^([一二三四五六七八九十]+)[、.]\s*(.+)$")
_SUBSECTION = re.compile(r"^\(([一二三四五六七八九十]+)\)\s*(.+)$")
_ITEM = re.compile(r"^(?:\d{1,2}[.、]|\(\d{1,2}\)|[①-⑳])\s*(.+)$")
_PROBLEMS = re.compile(r"问题")
_REQUIREMENTS = re.compile(r"要求|意见|建议|措施")
_SHORTFALL = re.compile(
    r"较慢|缓慢|滞后|尚未|未建成|未开展|未按|未建立|未设立|为零|低于|不足|不到位|不规范|不理想|没有"
)
# The counties spoken of as a whole: the item concerns every county addressed.
_COLLECTIVE = re.compile(r"(?:各|部分|有的|大部分|其余\d*个|\d+个)(?:示范)?[县区市]")
_ADDRESSEE_TAIL = re.compile(
    r"(?:人民政府|政府|商务主管部门|商务局|商务和经济合作局|财政局|办公室)?[:]$"
)
_NAME_TOKEN = re.compile(rf"^([{_CJK}]{{1,3}}[县市区])")
_CLAUSE_START_COUNTY = re.compile(rf"(?:^|[,;。:、])([{_CJK}]{{2,3}}县)")
_NOT_A_PLACE = set("各部有其本该全每多个此一二三四五六七八九十几两示贫重非这那")
_CLAUSES = re.compile(r"[,;。:()!?]")
_SENTENCES = re.compile(r"[^。;]+[。;]?")


# ---------------------------------------------------------------------------
# Reading


def _strip_item_marker(line: str) -> str:
    # structural() maps one character to one, so the folded match's offsets hold in `line`.
    match = _ITEM.match(cleaning.structural(line))
    return line[match.start(1) :] if match else line


def _lead(text: str) -> tuple[str, str]:
    """ "1.资金拨付进度缓慢。截至目前…" → ("资金拨付进度缓慢", "截至目前…")."""
    head, sep, rest = text.partition("。")
    if sep and len(head) <= 30 and rest.strip():
        return head.strip(), rest.strip()
    return "", text.strip()


def parse_notice(text: str) -> dict:
    """What a notice says, as plain data for the batch: identity, addressees, deadline,
    items (category, text, include) and warnings."""
    with limits.deadline():
        return _parse_notice(text)


def _parse_notice(text: str) -> dict:
    lines = [
        "" if cleaning.is_furniture(line) or cleaning.is_separator(line) else line
        for line in cleaning.prepare(text)
    ]
    found = heading.review_identity(lines)
    identity = {
        "title": found.title,
        "reference_number": found.reference_number,
        "kind": found.kind or Review.Kind.PROVINCE_SUPERVISION,
        "team": found.team,
        "issuer": found.issuer,
        "start_date": found.start_date,
        "end_date": found.end_date,
    }
    warnings: list[str] = []
    addressees, addressee_at = [], None
    for n, line in enumerate(lines[:30]):
        folded = cleaning.structural(line)
        if folded.endswith(":") and ("、" in folded or folded[:-1].endswith("人民政府")):
            body = _ADDRESSEE_TAIL.sub("", folded)
            addressees = [name.strip() for name in body.split("、") if name.strip()]
            addressee_at = n
            break
    if addressee_at is None:
        warnings.append(
            _("未找到受文区县（如“庐山市、铜鼓县……人民政府：”），全选按全文点名的区县。")
        )
    ref_year = re.search(r"\d{4}", identity["reference_number"] or "")
    issued_on = found.issued_on
    if issued_on and ref_year and abs(issued_on.year - int(ref_year.group(0))) > 1:
        warnings.append(
            _("落款日期%(day)s与文号年份%(year)s不符，未采用，请在预览中填写印发日期。")
            % {"day": issued_on.isoformat(), "year": ref_year.group(0)}
        )
        issued_on = None
    report_deadline = found.report_deadline

    items: list[dict] = []
    section, subsection, lead = "", "", ""
    in_problems = False
    current: dict | None = None
    others: list[dict] = []
    for line in lines[(addressee_at or 0) + 1 :]:
        limits.tick()
        if not line:
            continue
        folded = cleaning.structural(line)
        top = _SECTION.match(folded)
        if top:
            section, subsection, lead, current = top.group(2), "", "", None
            in_problems = bool(_PROBLEMS.search(section)) and not _REQUIREMENTS.search(section)
            continue
        sub = _SUBSECTION.match(folded)
        if sub and len(folded) <= 40:
            subsection, lead, current = sub.group(2), "", None
            continue
        if re.match(r"^附件[:]", folded):
            break
        if in_problems:
            if _ITEM.match(folded) or current is None:
                category, body = _lead(_strip_item_marker(line))
                current = {
                    "category": category or subsection or section,
                    "text": body,
                    "include": True,
                    "source": "problems",
                }
                items.append(current)
            else:
                current["text"] += line
            continue
        if _REQUIREMENTS.search(section):
            continue
        if _ITEM.match(folded):
            lead, _rest = _lead(_strip_item_marker(line))
        others.append({"line": line, "category": lead or subsection or section, "section": section})
    if not items:
        warnings.append(_("未找到“存在问题”部分的条目，请核对下面的点名问题，或在通报页逐条添加。"))
    return {
        "identity": {
            **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in identity.items()},
            "issued_on": issued_on.isoformat() if issued_on else None,
            "report_deadline": report_deadline.isoformat() if report_deadline else None,
        },
        "addressees": addressees,
        "items": items,
        # The other parts' paragraphs: the sentences naming a county beside a shortfall are
        # picked in the plan, where the province's counties are known.
        "others": others,
        "warnings": warnings,
    }


# ---------------------------------------------------------------------------
# Matching against the province's counties


def _variants(county: County) -> list[tuple[str, bool]]:
    """The names a county goes by in a notice: (name, whole) — a stem without its 县/市/区
    ("铜鼓") counts only when no 县/市/区 follows it (so 吉安 of 吉安市 is not 吉安县)."""
    names = {county.name, county.short_name or county.name}
    for name in list(names):
        if "市" in name[:-1] and not name.endswith("市辖区"):  # 九江市庐山市 → 庐山市
            names.add(name.split("市", 1)[1])
    out = [(n, True) for n in names if len(n) >= 2]
    out += [(n[:-1], False) for n in names if len(n) >= 3 and n[-1] in "县市区"]
    return sorted(out, key=lambda v: -len(v[0]))


class CountyNames:
    """The province's counties, found by name in a text."""

    def __init__(self, counties: list[County]):
        self.counties = counties
        self.variants = [(v, whole, c) for c in counties for v, whole in _variants(c)]

    def county(self, name: str) -> County | None:
        name = cleaning.structural(name).strip()
        for variant, whole, county in self.variants:
            if name == variant or (not whole and name == variant + name[-1:] and len(name) > 2):
                return county
        return None

    def named(self, text: str) -> list[County]:
        """The counties named in `text`, in the order they first appear."""
        found: dict[int, tuple[int, County]] = {}
        for variant, whole, county in self.variants:
            for match in re.finditer(re.escape(variant), text):
                after = text[match.end() : match.end() + 1]
                if not whole and after and after in "县市区":
                    continue
                at = match.start()
                if county.pk not in found or at < found[county.pk][0]:
                    found[county.pk] = (at, county)
        return [c for _at, c in sorted(found.values(), key=lambda p: p[0])]

    def unknown(self, text: str) -> list[str]:
        """County-like names in `text` that are none of the province's: a name listed with
        a known county ("修水县、铜鼓县"), or a 县 opening a clause ("修水县尚未…")."""
        names: list[str] = []
        for clause in _CLAUSES.split(cleaning.structural(text)):
            parts = [p.strip() for p in clause.split("、")]
            if len(parts) > 1 and any(self.county(self._token(p) or "") for p in parts):
                names += [t for p in parts if (t := self._token(p))]
        for match in _CLAUSE_START_COUNTY.finditer(cleaning.structural(text)):
            if match.group(1)[0] not in _NOT_A_PLACE and "示范" not in match.group(1):
                names.append(match.group(1))
        seen: list[str] = []
        for name in names:
            if self.county(name) is None and not self.named(name) and name not in seen:
                seen.append(name)
        return seen

    def _token(self, part: str) -> str | None:
        for variant, _whole, _county in self.variants:
            if part.startswith(variant):
                rest = part[len(variant) :]
                return variant + (rest[:1] if rest[:1] in ("县", "市", "区") else "")
        match = _NAME_TOKEN.match(part)
        if match and match.group(1)[0] not in _NOT_A_PLACE:
            return match.group(1)
        return None


@dataclasses.dataclass
class ItemPlan:
    index: int
    category: str
    text: str
    include: bool
    source: str  # "problems" | "named"
    named: list[County]
    unknown: list[str]
    ticked: list[County]
    addressed_to_all: bool  # ticked by default: every addressed county

    @property
    def ticked_ids(self) -> set[int]:
        return {c.pk for c in self.ticked}

    @property
    def named_ids(self) -> set[int]:
        return {c.pk for c in self.named}


@dataclasses.dataclass
class NoticePlan:
    province: Province
    identity: dict
    counties: list[County]  # the province's, for the ticks
    addressed: list[County]
    unknown_addressed: list[str]
    items: list[ItemPlan]
    warnings: list[str]
    recognised: int = 0  # lines read by OCR (a scan): checked by the user before saving

    @property
    def chosen(self) -> list[ItemPlan]:
        return [item for item in self.items if item.include]

    @property
    def errors(self) -> list[str]:
        problems = [
            _("第%(n)d条“%(text)s”没有选择区县。") % {"n": item.index + 1, "text": item.text[:20]}
            for item in self.chosen
            if not item.ticked
        ]
        if not self.chosen:
            problems.append(_("没有要导入的通报问题。"))
        if not (self.identity.get("team") or "").strip():
            problems.append(_("请填写检查组。"))
        return problems

    def summary_lines(self) -> list[str]:
        ident = self.identity
        lines = [
            _("通报：%(title)s") % {"title": ident.get("title") or ident.get("team")},
            _("文号：%(ref)s；检查组：%(team)s；督查时间：%(start)s至%(end)s")
            % {
                "ref": ident.get("reference_number") or "—",
                "team": ident.get("team") or "—",
                "start": ident.get("start_date") or "—",
                "end": ident.get("end_date") or "—",
            },
            _("受文区县（%(n)d个）：%(names)s")
            % {"n": len(self.addressed), "names": "、".join(c.name for c in self.addressed)},
        ]
        if self.unknown_addressed:
            lines.append(
                _("未能对应的受文单位：%(names)s") % {"names": "、".join(self.unknown_addressed)}
            )
        for item in self.items:
            mark = "" if item.include else _("（不导入）")
            lines.append(
                _("%(n)d. %(category)s：%(text)s → %(counties)s%(mark)s")
                % {
                    "n": item.index + 1,
                    "category": item.category,
                    "text": item.text[:40],
                    "counties": "、".join(c.name for c in item.ticked) or _("未选区县"),
                    "mark": mark,
                }
            )
            if item.unknown:
                lines.append(
                    _("   未能对应的区县名称：%(names)s") % {"names": "、".join(item.unknown)}
                )
        lines += self.warnings
        lines += self.errors
        return lines


def _named_sentences(data: dict, names: CountyNames) -> list[dict]:
    """The other parts' sentences naming a county beside a shortfall, from the county list
    on: "…，广昌县、庐山市进展较慢，电商公共服务中心仍未建成投入运营。"."""
    out = []
    for para in data.get("others", []):
        for sentence in _SENTENCES.findall(para["line"]):
            clauses = re.split(r"(?<=[,，])", sentence)
            for k, clause in enumerate(clauses):
                if names.named(clause) and _SHORTFALL.search(clause):
                    rest = "".join(clauses[k:]).strip().rstrip(",，;；。")
                    out.append(
                        {
                            "category": para["category"],
                            "text": rest + "。",
                            "include": False,
                            "source": "named",
                        }
                    )
                    break
    return out


def notice_plan(province: Province, data: dict, decisions: dict | None = None) -> NoticePlan:
    decisions = decisions or {}
    counties = list(County.objects.filter(province=province).order_by("code"))
    names = CountyNames(counties)
    addressed, unknown_addressed = [], []
    for raw in data.get("addressees", []):
        county = names.county(raw) or next(iter(names.named(raw)), None)
        if county is None:
            unknown_addressed.append(raw)
        elif county not in addressed:
            addressed.append(county)
    raw_items = list(data.get("items", [])) + _named_sentences(data, names)
    if not addressed:
        seen = {c.pk for item in raw_items for c in names.named(item["text"])}
        addressed = [c for c in counties if c.pk in seen]
    by_id = {c.pk: c for c in counties}
    chosen = decisions.get("items", {})
    items = []
    for index, raw in enumerate(raw_items):
        limits.tick()
        decided = chosen.get(str(index), {})
        text = decided.get("text") or raw["text"]
        category = decided.get("category") or raw["category"] or _("存在的主要问题")
        named = names.named(text)
        whole = not named or bool(_COLLECTIVE.search(cleaning.structural(text)))
        if "counties" in decided:
            ticked = [by_id[pk] for pk in decided["counties"] if pk in by_id]
        else:
            ticked = list(addressed) if whole else named
        items.append(
            ItemPlan(
                index=index,
                category=category,
                text=text,
                include=decided.get("include", raw["include"]),
                source=raw["source"],
                named=named,
                unknown=names.unknown(text),
                ticked=ticked,
                addressed_to_all=whole,
            )
        )
    identity = {**data.get("identity", {}), **decisions.get("identity", {})}
    return NoticePlan(
        province=province,
        identity=identity,
        counties=counties,
        addressed=addressed,
        unknown_addressed=unknown_addressed,
        items=items,
        warnings=list(data.get("warnings", [])),
        recognised=len(data.get("ocr_lines", [])),
    )


def batch_notice_plan(batch: ImportBatch, decisions: dict | None = None) -> NoticePlan:
    if decisions is None:
        decisions = batch.options.get("decisions", {})
    return notice_plan(batch.province, batch.data or {}, decisions)


# ---------------------------------------------------------------------------
# Saving


def notice_import_start(
    *,
    user: User,
    province: Province,
    source_name: str,
    source_text: str,
    ocr_lines: list[int] | None = None,
) -> ImportBatch:
    """Keep what was read, for the preview; no notice yet. `ocr_lines`: the lines of the text
    recognised by OCR (a scan), which the user must check before the notice is created."""
    require(user, "notice.create", province)
    data = {**parse_notice(source_text), "ocr_lines": list(ocr_lines or [])}
    limits.check_stored(source_name, data, source_text)
    batch = ImportBatch(
        province=province,
        kind=ImportBatch.Kind.NOTICE,
        source_name=source_name[:255],
        source_text=source_text,
        data=data,
    )
    stamp(batch, user, created=True)
    batch.full_clean(exclude=["data", "options", "summary"])
    batch.save()
    return batch


def _identity_data(identity: dict) -> dict:
    """The preview's identity fields as notice_create takes them (dates parsed)."""
    out = {}
    for field in Review.NOTICE_FIELDS:
        value = (identity.get(field) or "").strip()
        if isinstance(Review._meta.get_field(field), models.DateField):
            try:
                value = dt.date.fromisoformat(value) if value else None
            except ValueError as e:
                label = Review._meta.get_field(field).verbose_name
                raise ValidationError(
                    _("%(label)s“%(value)s”不是有效日期。") % {"label": label, "value": value}
                ) from e
        out[field] = value
    return out


@changesets.change_set()
@transaction.atomic
def notice_import_apply(*, user: User, batch: ImportBatch, ocr_checked: bool = False) -> Review:
    """Create the notice and fan each chosen item out to its counties through the notice
    form's services (services.notice_item_add), all or nothing."""
    require(user, "notice.create", batch.province)
    batch = _claim(batch, user)
    plan = batch_notice_plan(batch)
    if plan.errors:
        raise ImportRefused(plan.errors)
    if plan.recognised and not ocr_checked:
        raise ImportRefused([ocr_unchecked(plan.recognised)])
    notice = services.notice_create(
        user=user, province=batch.province, data=_identity_data(plan.identity)
    )
    for item in plan.chosen:
        services.notice_item_add(
            user=user,
            notice=notice,
            category_name=item.category[:200],
            description=item.text,
            measures=[],
            counties=item.ticked,
        )
    batch.summary = {
        "notice": notice.pk,
        "items": len(plan.chosen),
        "counties": len({c.pk for item in plan.chosen for c in item.ticked}),
    }
    stamp(batch, user, created=False)
    batch.save()
    return notice


def notice_import_cancel(*, user: User, batch: ImportBatch) -> ImportBatch:
    require(user, "notice.create", batch.province)
    if not batch.is_pending:
        raise ValidationError(_("该导入已%(status)s。") % {"status": batch.get_status_display()})
    batch.status = ImportBatch.Status.CANCELLED
    stamp(batch, user, created=False)
    batch.save()
    return batch
