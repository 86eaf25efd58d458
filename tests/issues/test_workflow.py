"""The close-out workflow (销号): every step by every role, through the services and through
POST /findings/<id>/<action>/, and the buttons the detail page offers in each state."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from issues import services
from issues.models import Finding, Progress, StatusChange
from issues.timeline import finding_timeline
from tests.conftest import Factory

TODAY = dt.date(2019, 9, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ACTIONS = ("start", "submit", "close", "return", "reopen")
STATES = (
    Finding.Status.OPEN,
    Finding.Status.IN_PROGRESS,
    Finding.Status.SUBMITTED,
    Finding.Status.CLOSED,
)
# The one state each step starts from, and the role (fixture) allowed to take it.
STEP = {
    "start": (Finding.Status.OPEN, "alice"),
    "submit": (Finding.Status.IN_PROGRESS, "alice"),
    "close": (Finding.Status.SUBMITTED, "lee"),
    "return": (Finding.Status.SUBMITTED, "lee"),
    "reopen": (Finding.Status.CLOSED, "rita"),
}
# A complete form for each step, so that only the role or the state can refuse it.
FORM = {
    "start": {"comment": "开始整改"},
    "submit": {
        "result": "公共服务中心已建成并投入运营。",
        "evidence_waiver": "现场已查验,无书面材料。",
        "comment": "",
    },
    "close": {"comment": "同意"},
    "return": {"comment": "佐证材料不足"},
    "reopen": {"comment": "抽查发现问题反弹"},
}
STATUS_LABEL = {
    Finding.Status.OPEN: "未整改",
    Finding.Status.IN_PROGRESS: "整改中",
    Finding.Status.SUBMITTED: "已申请销号",
    Finding.Status.CLOSED: "已销号",
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def uma(county_a, unit_a):
    """A responsible unit's contact: a county-A user without a role."""
    return Factory.user("uma", county=county_a, unit=unit_a)


@pytest.fixture
def finding(finding_a):
    return finding_a


def advance(finding: Finding, to: str, *, alice, lee) -> Finding:
    """Take an open finding to `to` the way people do."""
    if to == Finding.Status.OPEN:
        return finding
    services.finding_start(user=alice, finding=finding)
    if to in (Finding.Status.SUBMITTED, Finding.Status.CLOSED):
        services.finding_submit_closeout(
            user=alice,
            finding=finding,
            result="公共服务中心已建成。",
            evidence_waiver="现场已查验。",
        )
    if to == Finding.Status.CLOSED:
        services.finding_close(user=lee, finding=finding)
    finding.refresh_from_db()
    assert finding.status == to
    return finding


@pytest.fixture
def in_state(finding, alice, lee):
    def make(state: str) -> Finding:
        return advance(finding, state, alice=alice, lee=lee)

    return make


def snapshot(finding: Finding) -> tuple:
    f = Finding.objects.get(pk=finding.pk)
    return (
        f.status,
        f.version,
        f.closed_on,
        f.closed_by_id,
        f.result,
        f.evidence_waiver,
        StatusChange.objects.filter(finding=f).count(),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def action_url(finding: Finding, action: str) -> str:
    return f"/findings/{finding.pk}/{action}/"


def offered_actions(html: str, finding: Finding) -> set[str]:
    return set(re.findall(rf"/findings/{finding.pk}/({'|'.join(ACTIONS)})/", html))


def last_change(finding: Finding) -> StatusChange:
    return StatusChange.objects.filter(finding=finding).order_by("-at", "-id").first()


# open → in_progress


class TestStart:
    def test_staff_starts_an_open_finding(self, alice, finding):
        services.finding_start(user=alice, finding=finding, comment="已召开专题会议")
        finding.refresh_from_db()
        assert finding.status == Finding.Status.IN_PROGRESS
        assert finding.version == 2
        assert finding.updated_by == alice
        change = last_change(finding)
        assert (change.from_status, change.to_status) == ("open", "in_progress")
        assert change.actor == alice
        assert change.comment == "已召开专题会议"

    def test_through_the_page(self, client, alice, finding):
        client.force_login(alice)
        response = client.post(action_url(finding, "start"), {"comment": "已部署"})
        assert response.status_code == 302
        assert response["Location"] == finding.get_absolute_url()
        assert messages_of(response) == ["已开始整改。"]
        finding.refresh_from_db()
        assert finding.status == Finding.Status.IN_PROGRESS
        assert last_change(finding).comment == "已部署"

    def test_the_first_progress_note_starts_it(self, client, alice, finding):
        client.force_login(alice)
        response = client.post(
            f"/findings/{finding.pk}/progress/",
            {"date": "2019-09-09", "note": "已完成选址。"},
        )
        assert response.status_code == 302
        finding.refresh_from_db()
        assert finding.status == Finding.Status.IN_PROGRESS
        changes = list(StatusChange.objects.filter(finding=finding))
        assert len(changes) == 1
        assert (changes[0].from_status, changes[0].to_status) == ("open", "in_progress")
        assert changes[0].actor == alice
        assert changes[0].comment == "填报首条整改进展"

        # A second note is only a note.
        services.progress_add(user=alice, finding=finding, note="已开工。")
        assert StatusChange.objects.filter(finding=finding).count() == 1
        assert Progress.objects.filter(finding=finding).count() == 2
        assert Finding.objects.get(pk=finding.pk).status == Finding.Status.IN_PROGRESS

    def test_a_note_on_a_submitted_finding_leaves_its_status(self, alice, in_state):
        finding = in_state(Finding.Status.SUBMITTED)
        before = snapshot(finding)
        services.progress_add(user=alice, finding=finding, note="补充说明。")
        assert snapshot(finding) == before


# in_progress → submitted


class TestSubmit:
    def test_with_result_and_evidence(self, alice, in_state):
        finding = in_state(Finding.Status.IN_PROGRESS)
        upload = SimpleUploadedFile("验收报告.pdf", PDF, content_type="application/pdf")
        services.evidence_add(user=alice, finding=finding, upload=upload, title="验收报告")
        services.finding_submit_closeout(
            user=alice, finding=finding, result="  已建成投运。 ", comment="请审批"
        )
        finding.refresh_from_db()
        assert finding.status == Finding.Status.SUBMITTED
        assert finding.result == "已建成投运。"
        assert finding.evidence_waiver == ""
        assert finding.closed_on is None
        change = last_change(finding)
        assert (change.from_status, change.to_status, change.actor, change.comment) == (
            "in_progress",
            "submitted",
            alice,
            "请审批",
        )

    def test_with_a_waiver_instead_of_evidence(self, client, alice, in_state):
        finding = in_state(Finding.Status.IN_PROGRESS)
        client.force_login(alice)
        response = client.post(action_url(finding, "submit"), FORM["submit"])
        assert response.status_code == 302
        assert messages_of(response) == ["已申请销号，等待领导审批。"]
        finding.refresh_from_db()
        assert finding.status == Finding.Status.SUBMITTED
        assert finding.result == "公共服务中心已建成并投入运营。"
        assert finding.evidence_waiver == "现场已查验,无书面材料。"

    @pytest.mark.parametrize(
        "result, waiver, errors",
        [
            ("", "现场已查验。", {"result": ["申请销号须填写整改结果。"]}),
            ("   ", "现场已查验。", {"result": ["申请销号须填写整改结果。"]}),
            ("已建成。", "", {"evidence_waiver": ["请先上传佐证材料，或说明无需佐证材料的理由。"]}),
            (
                "",
                "  ",
                {
                    "result": ["申请销号须填写整改结果。"],
                    "evidence_waiver": ["请先上传佐证材料，或说明无需佐证材料的理由。"],
                },
            ),
        ],
    )
    def test_each_missing_piece_is_a_field_error(self, alice, in_state, result, waiver, errors):
        finding = in_state(Finding.Status.IN_PROGRESS)
        before = snapshot(finding)
        with pytest.raises(ValidationError) as exc:
            services.finding_submit_closeout(
                user=alice, finding=finding, result=result, evidence_waiver=waiver
            )
        assert exc.value.message_dict == errors
        assert snapshot(finding) == before

    def test_page_without_evidence_or_waiver(self, client, alice, in_state):
        finding = in_state(Finding.Status.IN_PROGRESS)
        before = snapshot(finding)
        client.force_login(alice)
        response = client.post(
            action_url(finding, "submit"), {**FORM["submit"], "evidence_waiver": ""}
        )
        assert response.status_code == 400
        form = response.context["submit_form"]
        assert form.errors == {"evidence_waiver": ["请先上传佐证材料，或说明无需佐证材料的理由。"]}
        html = response.content.decode()
        assert "请先上传佐证材料，或说明无需佐证材料的理由。" in html
        assert "操作未完成，请按提示修改。" in html
        # What was typed is still in the form.
        assert "公共服务中心已建成并投入运营。" in html
        assert snapshot(finding) == before

    def test_page_without_result(self, client, alice, in_state):
        finding = in_state(Finding.Status.IN_PROGRESS)
        before = snapshot(finding)
        client.force_login(alice)
        response = client.post(action_url(finding, "submit"), {**FORM["submit"], "result": ""})
        assert response.status_code == 400
        assert list(response.context["submit_form"].errors) == ["result"]
        assert "这个字段是必填项。" in response.content.decode()
        assert snapshot(finding) == before

    def test_removed_evidence_does_not_count(self, alice, in_state):
        finding = in_state(Finding.Status.IN_PROGRESS)
        upload = SimpleUploadedFile("a.pdf", PDF)
        evidence = services.evidence_add(user=alice, finding=finding, upload=upload)
        services.evidence_remove(user=alice, evidence=evidence)
        with pytest.raises(ValidationError) as exc:
            services.finding_submit_closeout(user=alice, finding=finding, result="已建成。")
        assert list(exc.value.message_dict) == ["evidence_waiver"]
        assert Finding.objects.get(pk=finding.pk).status == Finding.Status.IN_PROGRESS


# submitted → closed, submitted → in_progress


class TestLeaderDecides:
    def test_leader_approves(self, client, lee, in_state):
        finding = in_state(Finding.Status.SUBMITTED)
        client.force_login(lee)
        response = client.post(action_url(finding, "close"), {"comment": "同意销号"})
        assert response.status_code == 302
        assert messages_of(response) == ["已同意销号。"]
        finding.refresh_from_db()
        assert finding.status == Finding.Status.CLOSED
        assert finding.closed_on == TODAY
        assert finding.closed_by == lee
        change = last_change(finding)
        assert (change.from_status, change.to_status, change.actor, change.comment) == (
            "submitted",
            "closed",
            lee,
            "同意销号",
        )

    def test_leader_returns_with_a_reason(self, client, lee, in_state):
        finding = in_state(Finding.Status.SUBMITTED)
        client.force_login(lee)
        response = client.post(action_url(finding, "return"), {"comment": "  佐证材料不足 "})
        assert response.status_code == 302
        assert messages_of(response) == ["已退回销号申请。"]
        finding.refresh_from_db()
        assert finding.status == Finding.Status.IN_PROGRESS
        assert finding.closed_on is None
        change = last_change(finding)
        assert (change.from_status, change.to_status, change.actor, change.comment) == (
            "submitted",
            "in_progress",
            lee,
            "佐证材料不足",
        )
        # The request's result stays for the next attempt.
        assert finding.result == "公共服务中心已建成。"

    def test_return_needs_a_reason(self, client, lee, in_state):
        finding = in_state(Finding.Status.SUBMITTED)
        before = snapshot(finding)
        with pytest.raises(ValidationError) as exc:
            services.finding_return(user=lee, finding=finding, reason="  ")
        assert exc.value.message_dict == {"comment": ["退回须说明理由。"]}
        client.force_login(lee)
        response = client.post(action_url(finding, "return"), {"comment": ""})
        assert response.status_code == 400
        assert response.context["comment_form"].errors == {"comment": ["退回须说明理由。"]}
        assert "退回须说明理由。" in response.content.decode()
        assert snapshot(finding) == before


# closed → in_progress


class TestReopen:
    def test_province_reviewer_reopens_and_history_is_kept(self, client, rita, in_state):
        finding = in_state(Finding.Status.CLOSED)
        client.force_login(rita)
        response = client.post(action_url(finding, "reopen"), {"comment": "抽查发现问题反弹"})
        assert response.status_code == 302
        assert messages_of(response) == ["已重新打开该问题。"]
        finding.refresh_from_db()
        assert finding.status == Finding.Status.IN_PROGRESS
        assert finding.closed_on is None
        assert finding.closed_by is None
        assert finding.result == "公共服务中心已建成。"
        steps = list(
            StatusChange.objects.filter(finding=finding).values_list(
                "from_status", "to_status", "actor__username"
            )
        )
        assert steps == [
            ("open", "in_progress", "alice"),
            ("in_progress", "submitted", "alice"),
            ("submitted", "closed", "lee"),
            ("closed", "in_progress", "rita"),
        ]
        texts = [e.text for e in finding_timeline(finding)]
        assert "同意销号" in texts
        assert "重新打开，说明：抽查发现问题反弹" in texts
        # The closed version of the finding is still in its history.
        closed = finding.history.filter(status=Finding.Status.CLOSED).first()
        assert closed.closed_on == TODAY and closed.closed_by_id is not None

    def test_reopen_needs_a_reason(self, client, rita, in_state):
        finding = in_state(Finding.Status.CLOSED)
        before = snapshot(finding)
        with pytest.raises(ValidationError) as exc:
            services.finding_reopen(user=rita, finding=finding, reason="")
        assert exc.value.message_dict == {"comment": ["重新打开须说明理由。"]}
        client.force_login(rita)
        response = client.post(action_url(finding, "reopen"), {"comment": " "})
        assert response.status_code == 400
        assert "重新打开须说明理由。" in response.content.decode()
        assert snapshot(finding) == before

    def test_reviewer_of_another_province_may_not(self, client, quinn, in_state):
        finding = in_state(Finding.Status.CLOSED)
        before = snapshot(finding)
        with pytest.raises(PermissionDenied):
            services.finding_reopen(user=quinn, finding=finding, reason="抽查")
        client.force_login(quinn)
        assert client.post(action_url(finding, "reopen"), FORM["reopen"]).status_code == 404
        assert snapshot(finding) == before

    def test_after_reopening_the_whole_round_can_be_done_again(self, alice, lee, rita, in_state):
        finding = in_state(Finding.Status.CLOSED)
        services.finding_reopen(user=rita, finding=finding, reason="抽查")
        services.finding_submit_closeout(
            user=alice, finding=finding, result="已整改到位。", evidence_waiver="现场查验。"
        )
        services.finding_close(user=lee, finding=finding)
        finding.refresh_from_db()
        assert finding.status == Finding.Status.CLOSED
        assert finding.closed_on == TODAY
        assert StatusChange.objects.filter(finding=finding).count() == 6


# Who may: everybody else gets 403 (or 404 outside their scope), and nothing changes.

FORBIDDEN = [
    (action, who)
    for action, (_state, allowed) in STEP.items()
    for who in ("alice", "lee", "rita", "nina", "uma")
    if who != allowed and not (action == "reopen" and who == "lee")  # the leader may reopen
]
SERVICE = {
    "start": lambda user, f: services.finding_start(user=user, finding=f),
    "submit": lambda user, f: services.finding_submit_closeout(
        user=user, finding=f, result="已建成。", evidence_waiver="现场查验。"
    ),
    "close": lambda user, f: services.finding_close(user=user, finding=f),
    "return": lambda user, f: services.finding_return(user=user, finding=f, reason="不足"),
    "reopen": lambda user, f: services.finding_reopen(user=user, finding=f, reason="抽查"),
}
REFUSAL = {
    "start": "只有本区县工作人员可以开始整改。",
    "submit": "只有本区县工作人员可以申请销号。",
    "close": "只有本区县领导可以审批销号。",
    "return": "只有本区县领导可以退回销号申请。",
    "reopen": "只有本区县领导或本省审核人员可以重新打开已销号的问题。",
}


@pytest.mark.parametrize("action, who", FORBIDDEN)
def test_forbidden_role_gets_403_and_nothing_changes(request, client, in_state, uma, action, who):
    finding = in_state(STEP[action][0])
    before = snapshot(finding)
    client.force_login(request.getfixturevalue(who))
    response = client.post(action_url(finding, action), FORM[action])
    assert response.status_code == 403
    assert REFUSAL[action] in response.content.decode()
    assert snapshot(finding) == before


@pytest.mark.parametrize("action, who", FORBIDDEN + [(a, "bob") for a in ACTIONS])
def test_forbidden_role_is_refused_by_the_service(request, in_state, uma, bob, action, who):
    finding = in_state(STEP[action][0])
    before = snapshot(finding)
    with pytest.raises(PermissionDenied) as exc:
        SERVICE[action](request.getfixturevalue(who), finding)
    assert str(exc.value) == REFUSAL[action]
    assert snapshot(finding) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_another_countys_finding_is_404(client, bob, finding, action):
    before = snapshot(finding)
    client.force_login(bob)
    assert client.post(action_url(finding, action), FORM[action]).status_code == 404
    assert snapshot(finding) == before


def test_forbidden_role_with_an_incomplete_form_still_gets_403(client, lee, in_state):
    finding = in_state(Finding.Status.IN_PROGRESS)
    client.force_login(lee)
    response = client.post(action_url(finding, "submit"), {"result": ""})
    assert response.status_code == 403


# From the wrong state: a clear message, and nothing changes.

WRONG_STATE = [
    (action, state) for action in ACTIONS for state in STATES if state != STEP[action][0]
]


@pytest.mark.parametrize("action, state", WRONG_STATE)
def test_wrong_state_is_refused_with_a_message(request, client, in_state, rita, action, state):
    finding = in_state(state)
    before = snapshot(finding)
    client.force_login(request.getfixturevalue(STEP[action][1]))
    response = client.post(action_url(finding, action), FORM[action])
    assert response.status_code == 302
    assert response["Location"] == finding.get_absolute_url()
    assert messages_of(response) == [f"该问题当前为“{STATUS_LABEL[state]}”，不能执行此操作。"]
    assert snapshot(finding) == before


@pytest.mark.parametrize("action, state", WRONG_STATE)
def test_wrong_state_is_refused_by_the_service(request, in_state, rita, action, state):
    finding = in_state(state)
    before = snapshot(finding)
    with pytest.raises(services.TransitionError) as exc:
        SERVICE[action](request.getfixturevalue(STEP[action][1]), finding)
    assert exc.value.messages == [f"该问题当前为“{STATUS_LABEL[state]}”，不能执行此操作。"]
    assert snapshot(finding) == before


def test_a_stale_copy_cannot_skip_a_step(alice, lee, in_state):
    """The service decides on the current row, not on the caller's copy."""
    finding = in_state(Finding.Status.SUBMITTED)
    stale = Finding.objects.get(pk=finding.pk)
    services.finding_return(user=lee, finding=finding, reason="不足")
    with pytest.raises(services.TransitionError):
        services.finding_close(user=lee, finding=stale)
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.IN_PROGRESS


# Method and URL


@pytest.mark.parametrize("action", ACTIONS)
def test_get_is_405(client, alice, finding, action):
    client.force_login(alice)
    assert client.get(action_url(finding, action)).status_code == 405
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.OPEN


def test_unknown_action_is_404(client, alice, finding):
    client.force_login(alice)
    before = snapshot(finding)
    assert client.post(action_url(finding, "approve"), {"comment": "x"}).status_code == 404
    assert client.post(action_url(finding, "delete"), {}).status_code == 404
    assert snapshot(finding) == before


def test_anonymous_is_sent_to_log_in(client, finding):
    response = client.post(action_url(finding, "start"), {})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.OPEN


# The buttons each person sees

OFFERED = {
    Finding.Status.OPEN: {"alice": {"start"}},
    Finding.Status.IN_PROGRESS: {"alice": {"submit"}},
    Finding.Status.SUBMITTED: {"lee": {"close", "return"}},
    Finding.Status.CLOSED: {"rita": {"reopen"}, "lee": {"reopen"}},
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", ["alice", "lee", "rita", "nina", "uma"])
def test_page_offers_only_the_allowed_actions(request, client, in_state, uma, state, who):
    finding = in_state(state)
    client.force_login(request.getfixturevalue(who))
    response = client.get(finding.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    expected = OFFERED[state].get(who, set())
    assert offered_actions(html, finding) == expected
    assert ('id="workflow"' in html) is bool(expected)
    assert response.context["actions"] == [a for a in ACTIONS if a in expected]


def test_buttons_are_labelled_in_chinese(client, alice, lee, rita, in_state):
    finding = in_state(Finding.Status.OPEN)
    client.force_login(alice)
    assert "开始整改</button>" in client.get(finding.get_absolute_url()).content.decode()
    services.finding_start(user=alice, finding=finding)
    html = client.get(finding.get_absolute_url()).content.decode()
    assert "申请销号</button>" in html
    assert 'name="evidence_waiver"' in html
    services.finding_submit_closeout(
        user=alice, finding=finding, result="已建成投运。", evidence_waiver="现场查验。"
    )
    client.force_login(lee)
    html = client.get(finding.get_absolute_url()).content.decode()
    assert "同意销号</button>" in html
    assert "退回（须说明理由）</button>" in html
    # The leader decides on what was submitted.
    assert "已建成投运。" in html and "现场查验。" in html
    services.finding_close(user=lee, finding=finding)
    client.force_login(rita)
    assert (
        "重新打开（须说明理由）</button>" in client.get(finding.get_absolute_url()).content.decode()
    )


def test_workflow_messages_follow_the_users_language(client, alice, in_state):
    finding = in_state(Finding.Status.OPEN)
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(action_url(finding, "start"), {"comment": ""}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["Rectification started."]
