"""The forms printed per finding and per report, as data: the 销号申请审批表 (CloseoutForm), the
佐证材料目录 (EvidenceList) and the evidence bundle (ZIP). The Word layout is
reports.exports.forms; the views are reports.views (finding_closeout_file, ...).

Every read is scoped by the caller's querysets (Finding/Evidence .for_user): another county's
or unit's finding is never reached here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import posixpath
import re
import shutil
import tempfile
import zipfile

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from issues.models import Evidence, Finding, FindingRequest, FindingUnit, StatusChange
from rectify.lib.text import chinese_date, deadline_text, measures_text

from . import documents
from .exports import forms as form_writer
from .models import Report

S = Finding.Status
# Up to this much of the archive is kept in memory; beyond it, a temporary file on disk.
ZIP_MEMORY = 8 * 1024 * 1024
CHUNK = 1024 * 1024


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _when(moment: dt.datetime | None) -> str:
    return chinese_date(timezone.localtime(moment).date()) if moment else ""


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def pages_and_size(evidence: Evidence) -> str:
    """The 目录's 页数/大小 column: "12页，1.2 MB" for a PDF whose pages were counted on
    upload, else the size."""
    size = size_text(evidence.size)
    if evidence.pages:
        return _("%(pages)d页，%(size)s") % {"pages": evidence.pages, "size": size}
    return size


@dataclasses.dataclass(frozen=True)
class CloseoutForm:
    county: str
    review: str
    category: str
    number: str
    description: str
    short: str
    measures: str
    responsible: str
    cooperating: str
    deadline: str
    result: str
    evidence: str
    applied: str
    decision: str

    def rows(self) -> list[tuple[str, str]]:
        return [
            (_("所属检查"), self.review),
            (_("问题类别"), self.category),
            (_("问题编号"), self.number),
            (_("问题描述"), self.description),
            (_("整改措施"), self.measures),
            (_("责任单位"), self.responsible),
            (_("配合单位"), self.cooperating),
            (_("完成时限"), self.deadline),
            (_("整改结果"), self.result),
            (_("佐证材料"), self.evidence),
            (_("申请销号"), self.applied),
            (_("领导审批"), self.decision),
        ]

    @staticmethod
    def signature_labels() -> list[str]:
        return [_("经办人签字"), _("分管领导意见（签字）"), _("单位盖章"), _("日期")]


def _deadline(finding: Finding, extensions: list[FindingRequest]) -> str:
    text = deadline_text(finding.deadline, finding.is_ongoing) or _("未定")
    if not finding.is_extended or finding.original_deadline is None:
        return text
    lines = [_("原定：%(date)s") % {"date": chinese_date(finding.original_deadline)}]
    for request in extensions:
        lines.append(
            _("经%(who)s于%(when)s批准延期至%(date)s")
            % {
                "who": _person(request.decided_by),
                "when": _when(request.decided_at),
                "date": chinese_date(request.new_deadline),
            }
        )
    lines.append(_("现定：%(text)s") % {"text": text})
    return "\n".join(lines)


def _decision(changes: list[StatusChange]) -> tuple[str, str]:
    """(who applied and when, the leader's decision and when) from the latest submission."""
    submits = [c for c in changes if c.to_status == S.SUBMITTED]
    if not submits:
        return _("尚未申请销号"), _("尚未审批")
    submit = submits[-1]
    applied = _("%(who)s于%(when)s申请销号") % {
        "who": _person(submit.actor),
        "when": _when(submit.at),
    }
    decided = [c for c in changes if c.from_status == S.SUBMITTED and c.at >= submit.at]
    if not decided:
        return applied, _("待审批")
    change = decided[0]
    verdict = _("同意销号") if change.to_status == S.CLOSED else _("退回")
    decision = _("%(who)s于%(when)s%(verdict)s") % {
        "who": _person(change.actor),
        "when": _when(change.at),
        "verdict": verdict,
    }
    if change.comment:
        decision += _("。意见：%(comment)s") % {"comment": change.comment}
    return applied, decision


def closeout_form(finding: Finding) -> CloseoutForm:
    """The finding's 销号申请审批表; a handful of queries."""
    links = list(finding.unit_links.select_related("unit").order_by("order", "id"))
    changes = list(finding.status_changes.select_related("actor"))
    extensions = list(
        finding.requests.filter(
            kind=FindingRequest.Kind.EXTENSION, status=FindingRequest.Status.APPROVED
        )
        .select_related("decided_by")
        .order_by("decided_at", "id")
    )
    evidence = list(Evidence.objects.filter(finding=finding).visible().order_by("date", "id"))
    applied, decision = _decision(changes)
    responsible = FindingUnit.names(links, FindingUnit.Role.RESPONSIBLE)
    if responsible:
        responsible[0] = _("%(unit)s（牵头）") % {"unit": responsible[0]}
    evidence_lines = [
        f"{i}. {e.title}（{chinese_date(e.date)}）" for i, e in enumerate(evidence, 1)
    ]
    if not evidence_lines and finding.evidence_waiver:
        evidence_lines = [_("无（理由：%(reason)s）") % {"reason": finding.evidence_waiver}]
    return CloseoutForm(
        county=finding.county.display_short_name,
        review=finding.review.label,
        category=finding.category.name,
        number=_("第%(n)s项") % {"n": finding.order},
        description=finding.description,
        short=finding.short_description,
        measures=measures_text([m.text for m in finding.measures.all()]),
        responsible="、".join(responsible),
        cooperating="、".join(FindingUnit.names(links, FindingUnit.Role.COOPERATING)) or _("无"),
        deadline=_deadline(finding, extensions),
        result=finding.result or _("（未填写）"),
        evidence="\n".join(evidence_lines) or _("无"),
        applied=applied,
        decision=decision,
    )


def closeout_docx(finding: Finding) -> bytes:
    return form_writer.closeout_docx(closeout_form(finding))


@dataclasses.dataclass(frozen=True)
class EvidenceList:
    subtitle: str
    author: str
    rows: list[tuple[str, str, str, str, str]]

    @property
    def headers(self) -> list[str]:
        return [_("序号"), _("名称"), _("页数/大小"), _("上传人"), _("日期")]


def finding_evidence(evidence: QuerySet, finding: Finding) -> list[Evidence]:
    """The finding's evidence among `evidence` (the pages pass Evidence.objects.for_user,
    export_report all of it), removed pieces left out."""
    return _evidence(evidence.filter(finding=finding))


def report_evidence(evidence: QuerySet, report: Report) -> list[Evidence]:
    """The evidence among `evidence` of all the report's findings, in one query."""
    findings = Finding.objects.active().filter(
        county=report.county_id, review__in=documents._reviews_of(report)
    )
    return _evidence(evidence.filter(finding__in=findings))


def report_listing(evidence: QuerySet, report: Report) -> tuple[list[Evidence], EvidenceList]:
    """The report's evidence among `evidence` and its 佐证材料目录."""
    pieces = report_evidence(evidence, report)
    listing = evidence_list(pieces, subtitle=report.title, author=report.county.display_short_name)
    return pieces, listing


def finding_listing(evidence: QuerySet, finding: Finding) -> tuple[list[Evidence], EvidenceList]:
    """The finding's evidence among `evidence` and its 佐证材料目录."""
    pieces = finding_evidence(evidence, finding)
    listing = evidence_list(
        pieces, subtitle=finding.short_description, author=finding.county.display_short_name
    )
    return pieces, listing


def _evidence(qs):
    return list(
        qs.visible()
        .select_related("created_by", "finding__category")
        .order_by("finding__review_id", "finding__category__order", "finding__order", "date", "id")
    )


def evidence_list(evidence: list[Evidence], *, subtitle: str, author: str) -> EvidenceList:
    rows = [
        (
            str(i),
            e.title,
            pages_and_size(e),
            _person(e.created_by),
            chinese_date(e.date),
        )
        for i, e in enumerate(evidence, 1)
    ]
    return EvidenceList(subtitle=subtitle, author=author, rows=rows)


_UNSAFE = re.compile(r'[\x00-\x1f\\/:*?"<>|]')


def safe_name(name: str) -> str:
    """A file name for inside the archive: no directories, no characters Windows refuses,
    Chinese kept."""
    name = posixpath.basename(name.replace("\\", "/"))
    name = _UNSAFE.sub("_", name).strip(" .")
    return name or "file"


def archive_names(evidence: list[Evidence]) -> list[str]:
    """Each piece's name in the archive, duplicates numbered: 会议纪要.pdf, 会议纪要（2）.pdf."""
    seen: set[str] = {"目录.docx"}
    names = []
    for e in evidence:
        base = safe_name(e.original_name or e.title)
        stem, dot, ext = base.rpartition(".")
        if not dot:
            stem, ext = base, ""
        name, n = base, 1
        while name.lower() in seen:
            n += 1
            name = f"{stem}（{n}）.{ext}" if ext else f"{stem}（{n}）"
        seen.add(name.lower())
        names.append(name)
    return names


def evidence_zip(evidence: list[Evidence], listing: EvidenceList):
    """The archive of the evidence with 目录.docx, as a file object positioned at its start:
    in memory up to ZIP_MEMORY, then on disk; each file copied in chunks."""
    spool = tempfile.SpooledTemporaryFile(max_size=ZIP_MEMORY)
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("目录.docx", form_writer.evidence_list_docx(listing))
        for e, name in zip(evidence, archive_names(evidence), strict=True):
            with e.file.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, CHUNK)
    spool.seek(0)
    return spool
