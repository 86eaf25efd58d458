"""What an import would do to a county's ledger: which reviews, categories, findings and units
it creates, which findings it changes (field by field) and which it leaves as they are.

The plan is computed from the parsed document and the ledger as it is now, every time it is
shown or saved, so a preview can never be stale."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from issues import columns
from issues.columns import COLUMNS, Column
from issues.models import County, Finding, FindingUnit, Review, Unit
from issues.reviews import review_labels
from rectify.lib.text import deadline_text

from .cleaning import same_text, structural
from .document import ParsedDocument, ParsedFinding, ParsedReview

NEW = "new"
SAME = "same:"  # "same:<name>": the same unit as another name of this document
PREFIX = re.compile(r"^(全区|全县|区|县|市)")


def unit_key(name: str) -> str:
    return PREFIX.sub("", structural(name).strip())


def _loose(name: str) -> str:
    return re.sub(r"和|及|与|人民政府$", "", unit_key(name))


def alike(a: str, b: str) -> bool:
    """One unit written two ways: 区商务经济合作局 / 区商务和经济合作局, 各乡镇 / 各乡镇人民政府,
    区市场监管局 / 区市场监督管理局."""
    if _loose(a) == _loose(b):
        return True
    return difflib.SequenceMatcher(None, _loose(a), _loose(b)).ratio() >= 0.8


@dataclasses.dataclass
class UnitMatch:
    name: str  # as written in the document
    unit: Unit | None = None
    how: str = ""  # exact / alias / prefix / chosen / new
    suggestion: Unit | None = None
    decision: str = ""  # "new", a unit id or "same:<name>", for the unmatched
    twin: str = ""  # another unknown name of the document that looks like the same unit

    @property
    def needs_decision(self) -> bool:
        return self.unit is None and not self.decision

    @property
    def same_as(self) -> str:
        return self.decision[len(SAME) :] if self.decision.startswith(SAME) else ""

    @property
    def default_decision(self) -> str:
        """What "create all" decides: the twin's unit when there is one, else a new unit."""
        return SAME + self.twin if self.twin else NEW

    @property
    def creates(self) -> bool:
        return self.unit is None and self.decision == NEW


@dataclasses.dataclass
class ReviewDraft:
    """What a review the import creates is called: what the document says (its heading, the
    date and 文号 of its opening paragraphs), as the user corrected it in the preview."""

    team: str = ""
    kind: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    reference_number: str = ""
    issuer: str = ""
    title: str = ""
    errors: list[str] = dataclasses.field(default_factory=list)
    guessed: bool = False  # the document names no team: the kind chosen on upload stands in

    # What the preview lets the user change (views._decisions_from), as the form names them.
    FIELDS = ("team", "kind", "start_date", "end_date", "reference_number", "issuer")

    @property
    def name(self) -> str:
        return (self.team or _("未注明检查组"))[:100]

    @property
    def described(self) -> str:
        """省商务厅督查组，2026-11-18至2026-11-20，川商督〔2026〕5号"""
        dates = "至".join(d.isoformat() for d in (self.start_date, self.end_date) if d)
        return "，".join(p for p in (self.name, dates, self.reference_number) if p)


@dataclasses.dataclass
class ReviewPlan:
    index: int
    parsed: ParsedReview
    review: Review | None
    candidates: list[Review]
    draft: ReviewDraft = dataclasses.field(default_factory=ReviewDraft)

    @property
    def is_new(self) -> bool:
        return self.review is None

    @property
    def label(self) -> str:
        """The review's name as it will be saved: the draft's (read from the document's
        heading, title or opening, and edited in the preview) for a new review."""
        team = self.draft.team if self.is_new else ""
        return team or self.parsed.team or self.parsed.heading or _("（未注明检查）")

    @property
    def kind(self) -> str:
        return (self.draft.kind if self.is_new else "") or self.parsed.kind


@dataclasses.dataclass
class Change:
    field: str
    label: str
    old: str
    new: str
    reason: str = ""  # why a difference is shown but not applied (FindingPlan.held)


@dataclasses.dataclass
class FindingPlan:
    review: ReviewPlan
    category: str
    order: int
    parsed: ParsedFinding
    existing: Finding | None
    changes: list[Change] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    # Differences the import does not apply: a deadline moves only by an approved extension,
    # and a closed finding is not changed at all.
    held: list[Change] = dataclasses.field(default_factory=list)
    # The document gives no deadline: the default one (ImportPlan.default_deadline) is used.
    default_deadline: bool = False

    @property
    def state(self) -> str:
        if self.existing is None:
            return "new"
        return "changed" if self.changes else "unchanged"

    @property
    def status(self) -> str:
        """The state a new finding starts in."""
        if self.parsed.is_closed:
            return Finding.Status.CLOSED
        if self.parsed.result or self.parsed.progress:
            return Finding.Status.IN_PROGRESS
        return Finding.Status.OPEN


@dataclasses.dataclass
class ImportPlan:
    county: County
    document: ParsedDocument
    reviews: list[ReviewPlan]
    findings: list[FindingPlan]
    units: list[UnitMatch]
    new_categories: list[tuple[str, str]]
    # The county's reviews by the names that tell them apart (issues.reviews).
    review_labels: dict[int, str] = dataclasses.field(default_factory=dict)
    # The deadline of the findings the document gives none: its closing instruction's date
    # (请于…前…报送) unless the user changed it in the preview; what the user typed.
    default_deadline: dt.date | None = None
    default_deadline_input: str = ""
    default_deadline_errors: list[str] = dataclasses.field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for f in self.findings if f.state == state)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("new", "changed", "unchanged")}

    @property
    def undecided_units(self) -> list[UnitMatch]:
        return [u for u in self.units if u.needs_decision]

    @property
    def draft_errors(self) -> list[str]:
        return [
            *(e for r in self.reviews if r.is_new for e in r.draft.errors),
            *self.default_deadline_errors,
        ]

    @property
    def without_deadline(self) -> int:
        """How many new findings the document gives no deadline (the default one is for them)."""
        return sum(
            1
            for f in self.findings
            if f.existing is None and (f.default_deadline or not f.parsed.deadline_text)
        )

    @property
    def can_apply(self) -> bool:
        return (
            bool(self.findings)
            and not self.document.errors
            and not self.undecided_units
            and not self.draft_errors
        )

    def summary_lines(self) -> list[str]:
        c = self.counts
        lines = [
            _(
                "识别：%(reviews)d 个检查，%(findings)d 个问题（新增 %(new)d，更新 %(changed)d，"
                "不变 %(unchanged)d）"
            )
            % {"reviews": len(self.reviews), "findings": len(self.findings), **c}
        ]
        for r in self.reviews:
            lines.append(
                _("检查「%(label)s」：%(state)s，%(n)d 个问题")
                % {
                    "label": r.label,
                    "state": _("新建“%(name)s”") % {"name": r.draft.described}
                    if r.is_new
                    else self.review_labels.get(r.review.pk, r.review.label),
                    "n": len(r.parsed.findings),
                }
            )
        for f in self.findings:
            if f.state != "unchanged":
                changed = "、".join(c.label for c in f.changes)
                lines.append(
                    f"  [{_('新增') if f.state == 'new' else _('更新')}] "
                    f"{f.category} ({f.order}) {f.parsed.description[:30]}"
                    + (f" — {changed}" if changed else "")
                )
            for note in f.notes:
                lines.append(f"  ! {note}")
            for c in f.held:
                lines.append(
                    f"  ! {c.reason} — {f.category} ({f.order}) {c.label}：{c.old or '—'} → {c.new}"
                )
        if self.default_deadline:
            lines.append(
                _("未写完成时限的问题，默认时限：%(date)s（%(n)d 个问题）")
                % {"date": deadline_text(self.default_deadline, False), "n": self.without_deadline}
            )
        new_units = [u.name for u in self.units if u.creates]
        if new_units:
            lines.append(_("将新建单位：%(names)s") % {"names": "、".join(new_units)})
        for u in self.units:
            if u.same_as and u.unit is None:
                lines.append(
                    _("「%(name)s」记为「%(other)s」的其他写法")
                    % {"name": u.name, "other": u.same_as}
                )
        for u in self.undecided_units:
            lines.append(
                _("未知单位「%(name)s」：请确认新建或选择已有单位") % {"name": u.name}
                + (f"({_('可能是')}「{u.suggestion}」)" if u.suggestion else "")
            )
        for n in self.document.disagreements:
            lines.append(
                _("报告与方案不一致（第%(line)s行）：%(text)s") % {"line": n.line, "text": n.text}
            )
        for n in self.document.unplaced:
            lines.append(
                _("未导入（第%(line)s行，%(reason)s）：%(text)s")
                % {"line": n.line, "reason": n.reason, "text": n.text[:60]}
            )
        for n in self.document.errors:
            lines.append(_("错误（第%(line)s行）：%(text)s") % {"line": n.line, "text": n.reason})
        return lines


# --- units --------------------------------------------------------------------------------


def match_units(county: County, names: list[str], decisions: dict[str, str]) -> list[UnitMatch]:
    units = list(Unit.objects.filter(county=county))
    by_id = {str(u.pk): u for u in units}
    exact = {u.name: u for u in units}
    alias = {a: u for u in units for a in u.alias_list}
    loose: dict[str, Unit] = {}
    for u in units:
        for n in [u.name, *u.alias_list]:
            loose.setdefault(unit_key(n), u)
    matches = []
    for name in names:
        m = UnitMatch(name)
        if name in exact:
            m.unit, m.how = exact[name], "exact"
        elif name in alias:
            m.unit, m.how = alias[name], "alias"
        elif unit_key(name) in loose:
            m.unit, m.how = loose[unit_key(name)], "prefix"
        else:
            decision = decisions.get(name, "")
            if decision in by_id:
                m.unit, m.how, m.decision = by_id[decision], "chosen", decision
            elif decision == NEW or decision.startswith(SAME):
                m.decision = decision
            m.suggestion = _closest(name, units)
        matches.append(m)
    unknown = [m for m in matches if m.unit is None and m.suggestion is None]
    for m in unknown:
        # The fuller name is the unit; the shorter one becomes its other name.
        twins = [o.name for o in unknown if o is not m and alike(o.name, m.name)]
        longer = [
            t for t in twins if len(t) > len(m.name) or (len(t) == len(m.name) and t < m.name)
        ]
        if longer:
            m.twin = max(longer, key=len)
    return matches


def _closest(name: str, units: list[Unit]) -> Unit | None:
    best, score = None, 0.6
    for u in units:
        for n in [u.name, *u.alias_list]:
            s = difflib.SequenceMatcher(None, unit_key(name), unit_key(n)).ratio()
            if s > score:
                best, score = u, s
    return best


# --- reviews and findings -----------------------------------------------------------------


def _review_candidates(county: County) -> list[Review]:
    return list(Review.objects.filter(counties=county).order_by("start_date", "id"))


def _match_review(
    parsed: ParsedReview,
    draft: ReviewDraft,
    candidates: list[Review],
    taken: set[int],
    labels: dict[int, str],
) -> Review | None:
    """The county's review the document's review is: the same 文号, or the same team and
    start date (the review's identity, as the document and the user give it); else the one
    our own 台账 names it by, or of its team and kind. A review with another 文号, or of the
    team on another date, is never taken for it."""
    free = [r for r in candidates if r.pk not in taken]
    reference = _plain_reference(draft.reference_number)
    team = structural(parsed.team or draft.team)
    if reference:
        for r in free:
            if _plain_reference(r.reference_number) == reference:
                return r
        free = [r for r in free if not r.reference_number]
    if team and draft.start_date:
        for r in free:
            if structural(r.team) == team and r.start_date == draft.start_date:
                return r
        free = [r for r in free if r.start_date in (None, draft.start_date)]
    # Our own 台账 names a review as the ledger does (省督查组（2017年7月）): that name is the one.
    heading = structural(parsed.heading).strip()
    if heading:
        for r in free:
            if heading in (structural(labels.get(r.pk, "")), structural(r.label)):
                return r
    for r in free:
        if parsed.kind == r.kind and team and structural(r.team) == team:
            return r
    same_kind = [r for r in free if r.kind == parsed.kind]
    if len(same_kind) == 1 and not team:
        return same_kind[0]
    if team:
        for r in free:
            if r.kind == parsed.kind and (team in r.team or r.team in team):
                return r
    return None


def _plain_reference(text: str) -> str:
    return re.sub(r"[\s〔〕\[\]［］()（）【】〖〗第]", "", structural(text or ""))


def _existing_findings(county: County, reviews: list[Review]) -> dict[int, list[Finding]]:
    findings = (
        Finding.objects.active()
        .filter(county=county, review__in=reviews)
        .select_related("category")
        .prefetch_related(
            "measures",
            Prefetch("unit_links", queryset=FindingUnit.objects.select_related("unit")),
            "progress_notes",
        )
        .order_by("category__order", "order", "id")
    )
    out: dict[int, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.review_id, []).append(f)
    return out


def _similarity(a: str, b: str) -> float:
    if same_text(a, b):
        return 1.0
    return difflib.SequenceMatcher(None, structural(a), structural(b), autojunk=False).ratio()


def _find_existing(
    existing: list[Finding], used: set[int], category: str, order: int, description: str
) -> Finding | None:
    """By review, category and order when the text still looks like it; else by the text."""
    for f in existing:
        if (
            f.pk not in used
            and f.order == order
            and same_text(f.category.name, category)
            and _similarity(f.description, description) >= 0.5
        ):
            return f
    best, score = None, 0.8
    for f in existing:
        if f.pk in used:
            continue
        s = _similarity(f.description, description)
        if s > score:
            best, score = f, s
    return best


def build_plan(
    county: County,
    document: ParsedDocument,
    *,
    review_choices: dict[int, str] | None = None,
    unit_decisions: dict[str, str] | None = None,
    review_names: dict[int, dict] | None = None,
    default_deadline: str | None = None,
) -> ImportPlan:
    """`review_choices` maps a parsed review's index to a review id of the county or "new";
    `unit_decisions` maps an unknown unit name to a unit id, "new" or "same:<other name>";
    `review_names` maps a new review's index to what the user named it in the preview
    (ReviewDraft.FIELDS), over what the document's head says (document.identity);
    `default_deadline` is the deadline the user gave the findings without one (None: the
    document's closing instruction's, "": none)."""
    review_choices = review_choices or {}
    candidates = _review_candidates(county)
    labels = review_labels(candidates)
    by_id = {str(r.pk): r for r in candidates}
    taken: set[int] = set()
    reviews: list[ReviewPlan] = []
    for i, parsed in enumerate(document.reviews):
        draft = _draft(document, i, named=(review_names or {}).get(i))
        choice = review_choices.get(i)
        if choice == NEW:
            review = None
        elif choice in by_id:
            review = by_id[choice]
        else:
            review = _match_review(parsed, draft, candidates, taken, labels)
        if review is not None:
            taken.add(review.pk)
        reviews.append(ReviewPlan(i, parsed, review, candidates, draft))

    names: list[str] = []
    for f in document.findings:
        for n in f.units + f.cooperating:
            if n not in names:
                names.append(n)
    units = match_units(county, names, unit_decisions or {})
    resolved = {m.name: m.unit for m in units}
    for m in units:
        if m.same_as and m.unit is None:
            resolved[m.name] = resolved.get(m.same_as)

    existing = _existing_findings(county, [r.review for r in reviews if r.review])
    findings: list[FindingPlan] = []
    new_categories: list[tuple[str, str]] = []
    for rp in reviews:
        pool = existing.get(rp.review.pk, []) if rp.review else []
        used: set[int] = set()
        known = {f.category.name for f in pool}
        if rp.review is not None:
            known |= set(rp.review.categories.values_list("name", flat=True))
        for category in rp.parsed.categories:
            if category.name not in known:
                new_categories.append((rp.label, category.name))
                known.add(category.name)
            for order, parsed in enumerate(category.findings, start=1):
                match = _find_existing(pool, used, category.name, order, parsed.description)
                plan = FindingPlan(rp, category.name, order, parsed, match)
                if match is not None:
                    used.add(match.pk)
                    _compare(plan, match, resolved)
                findings.append(plan)
    plan = ImportPlan(county, document, reviews, findings, units, new_categories, labels)
    _default_deadline(plan, default_deadline)
    return plan


def _default_deadline(plan: ImportPlan, typed: str | None) -> None:
    """The new findings the document gives no deadline take the default one: the closing
    instruction's date, or the one the user typed (a finding in the ledger keeps its own)."""
    closing = plan.document.closing_deadline
    if typed is None:
        typed = closing or ""
    plan.default_deadline_input = typed
    try:
        plan.default_deadline = _parse_day(typed)
    except ValueError:
        plan.default_deadline_errors.append(
            _("默认完成时限「%(text)s」无法识别，请按 2026-12-31 的格式填写。") % {"text": typed}
        )
        return
    if plan.default_deadline is None:
        return
    for fp in plan.findings:
        p = fp.parsed
        if fp.existing is None and not (p.deadline_text or p.deadline):
            p.deadline = plan.default_deadline.isoformat()
            p.deadline_text = deadline_text(plan.default_deadline, False)
            fp.default_deadline = True


# --- naming a new review ------------------------------------------------------------------

CN_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def _parse_day(text: str) -> dt.date | None:
    """2017-07-11 (a date input) or 2017年7月11日; ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    m = CN_DATE.fullmatch(structural(text))
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return dt.date.fromisoformat(text)


def _draft(document: ParsedDocument, index: int, *, named: dict | None) -> ReviewDraft:
    """What the document says its review number `index` is, the user's edits winning: its
    heading's team, else the head's (document.identity); the head's index-th visit; and, when
    the document is the reviewer's own (a feedback list or notice for one review), its 文号,
    issuer and title. A county's report carries the county's 文号, not the review's."""
    parsed = document.reviews[index]
    identity = document.identity
    own = document.kind == "feedback" and len(document.reviews) == 1
    kind = parsed.kind or Review.Kind.OTHER
    team = parsed.team
    if not team and len(document.reviews) == 1 and identity.team:
        team, kind = identity.team, identity.kind or kind
    team = team or parsed.heading.strip()[:100]
    guessed = not team and kind != Review.Kind.OTHER
    if guessed:
        team = str(Review.Kind(kind).label)  # the kind chosen for a list without a heading
    start, end = identity.periods[index] if index < len(identity.periods) else (None, None)
    draft = ReviewDraft(
        team=team,
        kind=kind,
        start_date=start,
        end_date=end,
        reference_number=identity.reference_number if own else "",
        issuer=identity.issuer if own else "",
        title=(identity.title if own and identity.title else parsed.heading)[:300],
        guessed=guessed,
    )
    if named is None:
        return draft
    for field in ("team", "reference_number", "issuer"):
        setattr(draft, field, (named.get(field) or "").strip())
    if named.get("kind") in Review.Kind.values:
        draft.kind = named["kind"]
    for field, label in (("start_date", _("开始日期")), ("end_date", _("结束日期"))):
        raw = named.get(field) or ""
        try:
            setattr(draft, field, _parse_day(raw))
        except ValueError:
            setattr(draft, field, None)
            draft.errors.append(
                _("%(field)s「%(text)s」无法识别，请按 2017-07-11 的格式填写。")
                % {"field": label, "text": raw}
            )
    if draft.start_date and draft.end_date and draft.end_date < draft.start_date:
        draft.errors.append(_("结束日期不能早于开始日期。"))
    for field, label in (("team", _("检查组名称")), ("reference_number", _("文号"))):
        if len(getattr(draft, field)) > 100:
            draft.errors.append(_("%(field)s不能超过100个字。") % {"field": label})
    if len(draft.issuer) > 100:
        draft.errors.append(_("发文机关不能超过100个字。"))
    return draft


def _names(units: list[str], resolved: dict[str, Unit | None]) -> list[str]:
    out = []
    for n in units:
        unit = resolved.get(n)
        name = unit.name if unit else n
        if name not in out:
            out.append(name)
    return out


def _compare(plan: FindingPlan, finding: Finding, resolved: dict[str, Unit | None]) -> None:
    """The finding's columns compared, each the way the registry says (issues.columns). Only
    what the document says counts: a feedback list (no measures) leaves the measures in the
    ledger alone. Closed means closed: what the document says differently is shown, not
    applied."""
    for column in COLUMNS:
        if column.compare:
            COMPARE[column.compare](plan, column, finding, resolved)
    if finding.is_closed:
        plan.held += [dataclasses.replace(c, reason=_("已销号，未更新")) for c in plan.changes]
        plan.changes = []


def _change(plan: FindingPlan, column: Column, old: str, new: str) -> None:
    plan.changes.append(Change(column.key, str(column.label), old, new))


def _compare_text(plan, column, finding, resolved) -> None:
    old, new = getattr(finding, column.field), column.text_of(plan.parsed)
    if new and not same_text(old, new):
        _change(plan, column, old, new)


def _compare_category(plan, column, finding, resolved) -> None:
    # The order within a category only finds the finding; renumbering is the ledger's own.
    if finding.category.name != plan.category:
        _change(plan, column, finding.category.name, plan.category)


def _compare_measures(plan, column, finding, resolved) -> None:
    measures = [m.text for m in sorted(finding.measures.all(), key=lambda m: m.order)]
    new = plan.parsed.measures
    if new and not _same_list(measures, new):
        _change(plan, column, "；".join(measures), "；".join(new))


ROLES = {"units": FindingUnit.Role.RESPONSIBLE, "cooperating": FindingUnit.Role.COOPERATING}


def _compare_units(plan, column, finding, resolved) -> None:
    """Responsible units when the document names some; cooperating units then too (none
    named is none), or when it names some."""
    links = sorted(finding.unit_links.all(), key=lambda link: link.order)
    old = [link.unit.name for link in links if link.role == ROLES[column.key]]
    named = getattr(plan.parsed, column.key)
    new = _names(named, resolved)
    if (plan.parsed.units or named) and new != old:
        _change(plan, column, "、".join(old), "、".join(new))


def _compare_deadline(plan, column, finding, resolved) -> None:
    """A deadline the ledger has is moved only by an approved extension: a different date in
    the document is shown, not applied. A missing deadline is filled in, and 并长期坚持 may
    change."""
    p = plan.parsed
    if not p.deadline_text:
        return
    kept = finding.deadline if finding.deadline is not None else p.deadline_date
    old = deadline_text(finding.deadline, finding.is_ongoing)
    if finding.deadline is not None and finding.deadline != p.deadline_date:
        new = deadline_text(p.deadline_date, p.is_ongoing)
        reason = _("完成时限不同：须申请延期")
        plan.held.append(Change(column.key, str(column.label), old, new, reason=reason))
    if finding.deadline != kept or finding.is_ongoing != p.is_ongoing:
        _change(plan, column, old, deadline_text(kept, p.is_ongoing))


def _compare_progress(plan, column, finding, resolved) -> None:
    """A note is added unless the finding is closed: then it is shown, held (import_apply)."""
    note = plan.parsed.progress
    if (
        finding.is_closed
        and note
        and not any(same_text(n.note, note) for n in finding.progress_notes.all())
    ):
        _change(plan, column, "", note)


def _compare_closeout(plan, column, finding, resolved) -> None:
    p = plan.parsed
    if p.closeout and p.is_closed != finding.is_closed:
        plan.notes.append(
            _("文件中为“%(doc)s”，台账中为“%(ledger)s”：销号状态不随导入改变，请通过销号流程办理。")
            % {"doc": p.closeout, "ledger": finding.get_status_display()}
        )


COMPARE = {
    columns.SAME_TEXT: _compare_text,
    columns.CATEGORY: _compare_category,
    columns.LIST: _compare_measures,
    columns.UNITS: _compare_units,
    columns.DEADLINE: _compare_deadline,
    columns.PROGRESS: _compare_progress,
    columns.CLOSEOUT: _compare_closeout,
}


def _same_list(a: list[str], b: list[str]) -> bool:
    return len(a) == len(b) and all(same_text(x, y) for x, y in zip(a, b, strict=True))


def closed_on(document: ParsedDocument, today: dt.date) -> dt.date:
    """A finding the document reports as closed was closed by the document's date."""
    day = document.document_date
    return day if day is not None and day <= today else today
