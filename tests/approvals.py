"""Deadline extensions and archiving as tests need them: filed by county staff and approved by
the county leader, through the services (nobody moves a deadline or archives directly)."""

from __future__ import annotations

import datetime as dt

from issues import services
from issues.models import Finding, User


def extend(
    finding: Finding,
    new_deadline: dt.date,
    *,
    staff: User,
    leader: User,
    reason: str = "施工受汛期影响。",
    comment: str = "",
) -> Finding:
    """An approved extension (延期): the deadline moves, the original stays."""
    request = services.extension_request(
        user=staff, finding=finding, new_deadline=new_deadline, reason=reason
    )
    services.request_decide(user=leader, request=request, approve=True, comment=comment)
    return Finding.objects.get(pk=finding.pk)


def archive(
    finding: Finding, *, staff: User, leader: User, reason: str = "与其他问题重复登记。"
) -> Finding:
    """An approved archive request (归档)."""
    request = services.archive_request(user=staff, finding=finding, reason=reason)
    services.request_decide(user=leader, request=request, approve=True)
    return Finding.objects.get(pk=finding.pk)


def closeout_requested(
    finding: Finding,
    *,
    staff: User,
    result: str = "公共服务中心已开工建设。",
    evidence_waiver: str = "现场照片已在检查时提交。",
) -> Finding:
    """A close-out request (申请销号) waiting for the leader: a first note starts the work, then
    the result is submitted, with the reason no evidence is attached."""
    services.progress_add(user=staff, finding=finding, note="已完成选址。")
    return services.finding_submit_closeout(
        user=staff, finding=finding, result=result, evidence_waiver=evidence_waiver
    )
