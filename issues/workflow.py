"""The close-out workflow (销号) as one table: each step's source states, its target, the
ability that allows it (issues.permissions), the form it posts, its button and its message.

The step functions in services.py take their states and ability from here; the finding's
page offers the steps `offered` returns, as the table says to draw them; the view's dispatch
(views.finding_action) looks the step up here. The form and the service are named, not
imported: forms.py imports services.py, which reads this table.

Adding a step: a row below, and its service function in services.py (it may call
services._take_step and add its own checks and fields).
"""

from __future__ import annotations

import dataclasses

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import Finding, StatusChange

S = Finding.Status


@dataclasses.dataclass(frozen=True)
class Step:
    name: str  # in the address: /findings/<pk>/<name>/
    sources: tuple[str, ...]  # the states it starts from
    target: str
    ability: str  # who may: a row of permissions.ABILITIES
    service: str  # the function in issues.services that takes it
    form: str  # the form class in issues.forms it posts
    label: Promise  # its button
    icon: str  # Bootstrap icon
    style: str  # Bootstrap button class
    done: Promise  # the message once taken
    # How the page offers it: "button" alone, "form" with its own fields, or "decision", a
    # button of the one form (a comment box) shared by the steps that decide.
    panel: str
    hint: Promise | str = ""  # a sentence above its own form
    # The comment is a reason that must be given (passed to the service as `reason`);
    # `no_reason` is what the service says when it is missing.
    reason_required: bool = False
    no_reason: Promise | str = ""
    # Whether deciding it shows what was submitted (the result, the evidence waiver).
    shows_submission: bool = False


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "start",
            sources=(S.OPEN,),
            target=S.IN_PROGRESS,
            ability="finding.start",
            service="finding_start",
            form="CommentForm",
            label=_("开始整改"),
            icon="bi-play",
            style="btn-primary",
            done=_("已开始整改。"),
            panel="button",
        ),
        Step(
            "submit",
            sources=(S.IN_PROGRESS,),
            target=S.SUBMITTED,
            ability="finding.submit",
            service="finding_submit_closeout",
            form="SubmitCloseoutForm",
            label=_("申请销号"),
            icon="bi-send-check",
            style="btn-primary",
            done=_("已申请销号，等待领导审批。"),
            panel="form",
            hint=_(
                "申请销号须填写整改结果，并上传佐证材料或说明无需佐证材料的理由。提交后由区县领导审批。"
            ),
        ),
        Step(
            "close",
            sources=(S.SUBMITTED,),
            target=S.CLOSED,
            ability="finding.close",
            service="finding_close",
            form="CommentForm",
            label=_("同意销号"),
            icon="bi-check2-circle",
            style="btn-success",
            done=_("已同意销号。"),
            panel="decision",
            shows_submission=True,
        ),
        Step(
            "return",
            sources=(S.SUBMITTED,),
            target=S.IN_PROGRESS,
            ability="finding.return",
            service="finding_return",
            form="CommentForm",
            label=_("退回（须说明理由）"),
            icon="bi-arrow-return-left",
            style="btn-outline-danger",
            done=_("已退回销号申请。"),
            panel="decision",
            reason_required=True,
            no_reason=_("退回须说明理由。"),
            shows_submission=True,
        ),
        Step(
            "reopen",
            sources=(S.CLOSED,),
            target=S.IN_PROGRESS,
            ability="finding.reopen",
            service="finding_reopen",
            form="CommentForm",
            label=_("重新打开（须说明理由）"),
            icon="bi-arrow-counterclockwise",
            style="btn-outline-danger",
            done=_("已重新打开该问题。"),
            panel="decision",
            reason_required=True,
            no_reason=_("重新打开须说明理由。"),
        ),
    )
}


def offered(user, finding: Finding) -> list[Step]:
    """The steps the user may take on the finding now, in the table's order (its buttons)."""
    if finding.is_archived:
        return []
    return [
        step
        for step in STEPS.values()
        if finding.status in step.sources and permissions.allowed(user, step.ability, finding)
    ]


def step_of(change: StatusChange | None) -> Step | None:
    """The step a recorded status change took (the first note's start counts as "start")."""
    if change is None:
        return None
    for step in STEPS.values():
        if change.from_status in step.sources and change.to_status == step.target:
            return step
    return None
