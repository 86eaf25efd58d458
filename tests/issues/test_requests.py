"""Deadline extensions (延期) and archiving (归档) are requests the county leader decides:
the services (every path, who may, one pending request per kind, the original deadline kept),
the views (success, outsider 404, no permission 403, invalid form 400, wrong method 405, a
form sent twice files one request) and what the finding page shows."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError

from issues import services
from issues.models import Finding, FindingRequest
from tests.approvals import archive, extend

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORIGINAL = dt.date(2019, 10, 30)  # finding_a's deadline
LATER = dt.date(2019, 12, 31)
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


def ask_extension(finding, user, new_deadline=LATER, reason="汛期影响施工。"):
    return services.extension_request(
        user=user, finding=finding, new_deadline=new_deadline, reason=reason
    )


def ask_archive(finding, user, reason="与另一问题重复登记。"):
    return services.archive_request(user=user, finding=finding, reason=reason)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def fresh(finding: Finding) -> Finding:
    return Finding.objects.get(pk=finding.pk)


def close(finding, alice, lee) -> Finding:
    services.finding_start(user=alice, finding=finding)
    services.finding_submit_closeout(
        user=alice, finding=finding, result="已整改。", evidence_waiver="现场查验。"
    )
    return services.finding_close(user=lee, finding=finding)


# ---------------------------------------------------------------------------
# Services: filing an extension request


def test_staff_files_an_extension_request(alice, finding_a):
    request = ask_extension(finding_a, alice)
    assert (request.kind, request.status) == ("extension", "pending")
    assert (request.current_deadline, request.new_deadline) == (ORIGINAL, LATER)
    assert request.reason == "汛期影响施工。"
    assert request.created_by == alice
    # Nothing moves until the leader approves.
    after = fresh(finding_a)
    assert (after.deadline, after.original_deadline, after.version) == (ORIGINAL, ORIGINAL, 1)


@pytest.mark.parametrize("who", ["lee", "bob", "rita", "nina"])
def test_only_county_staff_file_requests(request, finding_a, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied, match="只有本区县工作人员可以申请延期。"):
        ask_extension(finding_a, user)
    with pytest.raises(PermissionDenied, match="只有本区县工作人员可以申请归档。"):
        ask_archive(finding_a, user)
    assert not FindingRequest.objects.exists()


def test_a_finding_without_a_deadline_gets_one_in_the_edit_form(alice, county_a, review_a, factory):
    undated = factory.finding(alice, county_a, review_a)
    with pytest.raises(ValidationError) as exc:
        ask_extension(undated, alice)
    assert exc.value.message_dict == {
        "new_deadline": ["该问题还没有完成时限：请在“修改”中直接填写完成时限，无需申请延期。"]
    }


@pytest.mark.parametrize("new_deadline", [ORIGINAL, dt.date(2019, 10, 1)])
def test_the_new_deadline_must_be_later(alice, finding_a, new_deadline):
    with pytest.raises(ValidationError) as exc:
        ask_extension(finding_a, alice, new_deadline=new_deadline)
    assert exc.value.message_dict == {
        "new_deadline": ["延期后的完成时限须晚于现在的完成时限（2019年10月30日）。"]
    }


def test_a_date_and_a_reason_are_required(alice, finding_a):
    with pytest.raises(ValidationError) as exc:
        ask_extension(finding_a, alice, new_deadline=None, reason="   ")
    assert exc.value.message_dict == {
        "new_deadline": ["请填写延期后的完成时限。"],
        "reason": ["请说明申请延期的理由。"],
    }
    with pytest.raises(ValidationError) as exc:
        ask_archive(finding_a, alice, reason="")
    assert exc.value.message_dict == {"reason": ["请说明申请归档的理由。"]}
    assert not FindingRequest.objects.exists()


def test_no_extension_for_a_closed_finding(alice, lee, finding_a):
    close(finding_a, alice, lee)
    with pytest.raises(services.TransitionError, match="该问题已销号，不能申请延期。"):
        ask_extension(finding_a, alice)


def test_no_requests_for_an_archived_finding(alice, lee, finding_a):
    archive(finding_a, staff=alice, leader=lee)
    with pytest.raises(services.TransitionError, match="该问题已归档，不能申请延期。"):
        ask_extension(finding_a, alice)
    with pytest.raises(services.TransitionError, match="该问题已经归档。"):
        ask_archive(finding_a, alice)


def test_one_pending_request_per_kind(alice, finding_a):
    ask_extension(finding_a, alice)
    with pytest.raises(ValidationError) as exc:
        ask_extension(finding_a, alice, new_deadline=dt.date(2020, 3, 31))
    assert exc.value.messages == [
        "该问题已有一项延期申请在等待领导审批，请勿重复提交；如需修改，请先撤回。"
    ]
    ask_archive(finding_a, alice)  # the other kind may wait alongside
    with pytest.raises(ValidationError) as exc:
        ask_archive(finding_a, alice)
    assert exc.value.messages == [
        "该问题已有一项归档申请在等待领导审批，请勿重复提交；如需修改，请先撤回。"
    ]
    assert FindingRequest.objects.pending().count() == 2


def test_after_a_decision_a_new_request_may_be_filed(alice, lee, finding_a):
    first = ask_extension(finding_a, alice)
    services.request_decide(user=lee, request=first, approve=False, comment="理由不充分。")
    second = ask_extension(finding_a, alice, reason="汛期影响施工，附气象证明。")
    assert second.is_pending
    services.request_withdraw(user=alice, request=second)
    assert ask_extension(finding_a, alice).is_pending


# ---------------------------------------------------------------------------
# Services: the leader's decision


def test_approving_an_extension_moves_the_deadline_and_keeps_the_original(
    clock, alice, lee, finding_a
):
    request = ask_extension(finding_a, alice)
    clock.move_to(dt.datetime(2019, 9, 11, 9, 0, tzinfo=SHANGHAI))
    decided = services.request_decide(user=lee, request=request, approve=True, comment="同意。")
    assert decided.status == FindingRequest.Status.APPROVED
    assert (decided.decided_by, decided.decision_comment) == (lee, "同意。")
    assert decided.decided_at == dt.datetime(2019, 9, 11, 9, 0, tzinfo=SHANGHAI)
    after = fresh(finding_a)
    assert (after.deadline, after.original_deadline) == (LATER, ORIGINAL)
    assert after.is_extended
    assert after.version == 2
    assert after.updated_by == lee
    last = after.history.first()  # the newest history row: the leader moved the deadline
    assert (last.history_user, last.deadline, last.original_deadline) == (lee, LATER, ORIGINAL)
    assert list(Finding.objects.extended()) == [after]


def test_a_second_extension_keeps_the_first_original(alice, lee, finding_a):
    extend(finding_a, LATER, staff=alice, leader=lee)
    request = ask_extension(finding_a, alice, new_deadline=dt.date(2020, 3, 31))
    assert request.current_deadline == LATER
    services.request_decide(user=lee, request=request, approve=True)
    after = fresh(finding_a)
    assert (after.deadline, after.original_deadline) == (dt.date(2020, 3, 31), ORIGINAL)


def test_refusing_needs_a_reason_and_changes_nothing(alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    with pytest.raises(ValidationError) as exc:
        services.request_decide(user=lee, request=request, approve=False, comment="  ")
    assert exc.value.message_dict == {"comment": ["不同意须说明理由。"]}
    assert FindingRequest.objects.get(pk=request.pk).is_pending
    refused = services.request_decide(
        user=lee, request=request, approve=False, comment="应按期完成。"
    )
    assert (refused.status, refused.decided_by, refused.decision_comment) == (
        "refused",
        lee,
        "应按期完成。",
    )
    after = fresh(finding_a)
    assert (after.deadline, after.version, after.is_extended) == (ORIGINAL, 1, False)


def test_approving_an_archive_request_archives(alice, lee, finding_a):
    request = ask_archive(finding_a, alice)
    assert not fresh(finding_a).is_archived
    services.request_decide(user=lee, request=request, approve=True)
    after = fresh(finding_a)
    assert after.is_archived
    assert after.archived_by == lee
    assert after.version == 2
    assert list(Finding.objects.active()) == []
    assert after.history.first().archived_at is not None


def test_refusing_an_archive_request_keeps_the_finding(alice, lee, finding_a):
    request = ask_archive(finding_a, alice)
    services.request_decide(user=lee, request=request, approve=False, comment="并非重复。")
    assert not fresh(finding_a).is_archived


@pytest.mark.parametrize("who", ["alice", "bob", "rita", "nina"])
def test_only_the_county_leader_decides(request, alice, finding_a, who):
    pending = ask_extension(finding_a, alice)
    with pytest.raises(PermissionDenied, match="只有本区县领导可以审批延期和归档申请。"):
        services.request_decide(user=request.getfixturevalue(who), request=pending, approve=True)
    assert FindingRequest.objects.get(pk=pending.pk).is_pending
    assert fresh(finding_a).deadline == ORIGINAL


def test_a_decided_request_is_not_decided_again(alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    services.request_decide(user=lee, request=request, approve=True)
    with pytest.raises(services.TransitionError, match="该申请当前为“已同意”，不能再审批。"):
        services.request_decide(user=lee, request=request, approve=False, comment="改主意了")
    assert FindingRequest.objects.get(pk=request.pk).status == "approved"
    assert fresh(finding_a).version == 2


def test_an_extension_of_a_finding_closed_meanwhile_cannot_be_approved(alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    close(finding_a, alice, lee)
    version = fresh(finding_a).version
    with pytest.raises(services.TransitionError, match="该问题已销号，不能再延期"):
        services.request_decide(user=lee, request=request, approve=True)
    assert FindingRequest.objects.get(pk=request.pk).is_pending
    assert (fresh(finding_a).deadline, fresh(finding_a).version) == (ORIGINAL, version)
    services.request_decide(user=lee, request=request, approve=False, comment="已销号。")


def test_a_stale_request_object_is_decided_on_the_current_row(alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    stale = FindingRequest.objects.get(pk=request.pk)
    services.request_withdraw(user=alice, request=request)
    with pytest.raises(services.TransitionError, match="已撤回"):
        services.request_decide(user=lee, request=stale, approve=True)
    assert fresh(finding_a).deadline == ORIGINAL


# ---------------------------------------------------------------------------
# Services: withdrawing


def test_the_requester_withdraws(alice, finding_a):
    request = ask_extension(finding_a, alice)
    withdrawn = services.request_withdraw(user=alice, request=request)
    assert withdrawn.status == FindingRequest.Status.WITHDRAWN
    assert withdrawn.updated_by == alice
    assert FindingRequest.objects.filter(pk=request.pk).exists()  # kept, as history


def test_other_county_staff_may_withdraw(alice, county_a, factory, finding_a):
    from issues.models import Role

    colleague = factory.user("carol", Role.COUNTY_STAFF, county=county_a)
    request = ask_archive(finding_a, alice)
    services.request_withdraw(user=colleague, request=request)
    assert FindingRequest.objects.get(pk=request.pk).status == "withdrawn"


@pytest.mark.parametrize("who", ["lee", "bob", "rita", "nina"])
def test_others_may_not_withdraw(request, alice, finding_a, who):
    pending = ask_extension(finding_a, alice)
    with pytest.raises(PermissionDenied, match="只有申请人或本区县工作人员可以撤回申请。"):
        services.request_withdraw(user=request.getfixturevalue(who), request=pending)
    assert FindingRequest.objects.get(pk=pending.pk).is_pending


def test_a_decided_request_cannot_be_withdrawn(alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    services.request_decide(user=lee, request=request, approve=False, comment="不同意。")
    with pytest.raises(services.TransitionError, match="该申请当前为“未同意”，不能再撤回。"):
        services.request_withdraw(user=alice, request=request)


def test_staff_cannot_move_a_deadline_directly(alice, finding_a):
    data = services.FindingData(
        review=finding_a.review,
        category=finding_a.category,
        description=finding_a.description,
        deadline=LATER,
    )
    with pytest.raises(ValidationError) as exc:
        finding = fresh(finding_a)
        services.finding_update(
            user=alice, finding=finding, data=data, expected_version=finding.version
        )
    assert "deadline" in exc.value.message_dict
    assert fresh(finding_a).deadline == ORIGINAL


def test_there_is_no_direct_archive_service():
    assert not hasattr(services, "finding_archive")


# ---------------------------------------------------------------------------
# Views: filing


def extension_url(finding) -> str:
    return f"/findings/{finding.pk}/extension/"


def archive_url(finding) -> str:
    return f"/findings/{finding.pk}/archive/"


EXTENSION_FORM = {"new_deadline": "2019-12-31", "reason": "汛期影响施工。"}
ARCHIVE_FORM = {"reason": "与另一问题重复登记。"}


def test_staff_files_an_extension_in_the_browser(client, alice, finding_a):
    client.force_login(alice)
    response = client.post(extension_url(finding_a), {**EXTENSION_FORM, "once": TOKEN})
    assert response.status_code == 302
    assert response["Location"] == f"/findings/{finding_a.pk}/#requests"
    assert messages_of(response) == ["延期申请已提交，等待区县领导审批。"]
    request = FindingRequest.objects.get()
    assert (request.kind, request.new_deadline, request.created_by) == ("extension", LATER, alice)


def test_staff_files_an_archive_request_instead_of_archiving(client, alice, finding_a):
    client.force_login(alice)
    response = client.post(archive_url(finding_a), {**ARCHIVE_FORM, "once": TOKEN})
    assert response.status_code == 302
    assert messages_of(response) == ["归档申请已提交，等待区县领导审批。"]
    assert FindingRequest.objects.get().kind == "archive"
    assert not fresh(finding_a).is_archived


@pytest.mark.parametrize(
    "url, form", [(extension_url, EXTENSION_FORM), (archive_url, ARCHIVE_FORM)]
)
def test_a_form_sent_twice_files_one_request(client, alice, finding_a, url, form):
    client.force_login(alice)
    first = client.post(url(finding_a), {**form, "once": TOKEN})
    second = client.post(url(finding_a), {**form, "once": TOKEN})
    assert FindingRequest.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert messages_of(second)[-1] == "该表单已经提交过，没有重复保存。"


@pytest.mark.parametrize(
    "url, form", [(extension_url, EXTENSION_FORM), (archive_url, ARCHIVE_FORM)]
)
@pytest.mark.parametrize(
    "who, status", [("lee", 403), ("rita", 403), ("nina", 403), ("bob", 404), ("quinn", 404)]
)
def test_who_may_file(request, client, finding_a, url, form, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.post(url(finding_a), form).status_code == status
    assert not FindingRequest.objects.exists()


def test_an_invalid_extension_form_keeps_the_input(client, alice, finding_a):
    client.force_login(alice)
    response = client.post(
        extension_url(finding_a), {"new_deadline": "2019-10-01", "reason": "汛期影响施工。"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "延期后的完成时限须晚于现在的完成时限（2019年10月30日）。" in html
    assert "汛期影响施工。</textarea>" in html
    assert 'value="2019-10-01"' in html
    assert re.search(r"<details open>\s*<summary[^>]*>申请延期", html)
    assert messages_of(response) == ["申请未提交，请按提示修改。您填写的内容都已保留。"]
    assert not FindingRequest.objects.exists()


def test_an_extension_form_without_reason_or_date(client, alice, finding_a):
    client.force_login(alice)
    response = client.post(extension_url(finding_a), {"new_deadline": "", "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写延期后的完成时限。" in html
    assert "请说明申请延期的理由。" in html


def test_an_archive_form_without_reason(client, alice, finding_a):
    client.force_login(alice)
    response = client.post(archive_url(finding_a), {"reason": "  "})
    assert response.status_code == 400
    assert "请说明申请归档的理由。" in response.content.decode()
    assert not FindingRequest.objects.exists()


def test_a_second_pending_request_is_refused_with_a_message(client, alice, finding_a):
    ask_extension(finding_a, alice)
    client.force_login(alice)
    response = client.post(
        extension_url(finding_a), {**EXTENSION_FORM, "new_deadline": "2020-01-31"}
    )
    assert response.status_code == 400
    assert "该问题已有一项延期申请在等待领导审批" in response.content.decode()
    assert FindingRequest.objects.count() == 1


def test_filing_on_a_closed_finding_says_so(client, alice, lee, finding_a):
    close(finding_a, alice, lee)
    client.force_login(alice)
    response = client.post(extension_url(finding_a), EXTENSION_FORM)
    assert response.status_code == 302
    assert messages_of(response) == ["该问题已销号，不能申请延期。"]


@pytest.mark.parametrize("path", ["extension/", "archive/"])
def test_filing_is_post_only(client, alice, finding_a, path):
    client.force_login(alice)
    assert client.get(f"/findings/{finding_a.pk}/{path}").status_code == 405


# ---------------------------------------------------------------------------
# Views: deciding and withdrawing


def decide_url(request) -> str:
    return f"/requests/{request.pk}/decide/"


def withdraw_url(request) -> str:
    return f"/requests/{request.pk}/withdraw/"


def test_the_leader_approves_an_extension_in_the_browser(client, alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    client.force_login(lee)
    response = client.post(decide_url(request), {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/findings/{finding_a.pk}/#requests"
    assert messages_of(response) == ["已同意延期：完成时限改为2019年12月31日。"]
    assert fresh(finding_a).deadline == LATER
    html = client.get(finding_a.get_absolute_url()).content.decode()
    assert "原定2019年10月30日，经批准延期至2019年12月31日" in html


def test_the_leader_refuses_with_a_reason(client, alice, lee, finding_a):
    request = ask_archive(finding_a, alice)
    client.force_login(lee)
    response = client.post(decide_url(request), {"decision": "refuse", "comment": "并非重复。"})
    assert response.status_code == 302
    assert messages_of(response) == ["已不同意该归档申请。"]
    assert FindingRequest.objects.get().status == "refused"
    assert not fresh(finding_a).is_archived


def test_refusing_without_a_reason_shows_the_form_again(client, alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    client.force_login(lee)
    response = client.post(decide_url(request), {"decision": "refuse", "comment": ""})
    assert response.status_code == 400
    assert "不同意须说明理由。" in response.content.decode()
    assert FindingRequest.objects.get().is_pending


def test_a_decision_without_a_button(client, alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    client.force_login(lee)
    response = client.post(decide_url(request), {"comment": "好"})
    assert response.status_code == 400
    assert FindingRequest.objects.get().is_pending


def test_approving_an_archive_in_the_browser(client, alice, lee, finding_a):
    request = ask_archive(finding_a, alice)
    client.force_login(lee)
    response = client.post(decide_url(request), {"decision": "approve"})
    assert messages_of(response) == ["已同意归档：该问题不再出现在台账和文书中，可以恢复。"]
    assert fresh(finding_a).is_archived


def test_deciding_twice_says_so(client, alice, lee, finding_a):
    request = ask_extension(finding_a, alice)
    client.force_login(lee)
    client.post(decide_url(request), {"decision": "approve"})
    response = client.post(decide_url(request), {"decision": "approve"})
    assert response.status_code == 302
    assert messages_of(response)[-1] == "该申请当前为“已同意”，不能再审批。"
    assert fresh(finding_a).version == 2


@pytest.mark.parametrize(
    "who, status", [("alice", 403), ("rita", 403), ("nina", 403), ("bob", 404), ("quinn", 404)]
)
def test_who_may_decide(request, client, alice, finding_a, who, status):
    pending = ask_extension(finding_a, alice)
    client.force_login(request.getfixturevalue(who))
    assert client.post(decide_url(pending), {"decision": "approve"}).status_code == status
    assert FindingRequest.objects.get().is_pending
    assert fresh(finding_a).deadline == ORIGINAL


def test_withdrawing_in_the_browser(client, alice, finding_a):
    request = ask_extension(finding_a, alice)
    client.force_login(alice)
    response = client.post(withdraw_url(request))
    assert response.status_code == 302
    assert messages_of(response) == ["延期申请已撤回。"]
    assert FindingRequest.objects.get().status == "withdrawn"


@pytest.mark.parametrize(
    "who, status", [("lee", 403), ("rita", 403), ("nina", 403), ("bob", 404), ("quinn", 404)]
)
def test_who_may_withdraw(request, client, alice, finding_a, who, status):
    pending = ask_extension(finding_a, alice)
    client.force_login(request.getfixturevalue(who))
    assert client.post(withdraw_url(pending)).status_code == status
    assert FindingRequest.objects.get().is_pending


def test_unknown_requests_are_404(client, lee, alice):
    client.force_login(lee)
    assert client.post("/requests/999/decide/", {"decision": "approve"}).status_code == 404
    client.force_login(alice)
    assert client.post("/requests/999/withdraw/").status_code == 404


@pytest.mark.parametrize("path", ["decide/", "withdraw/"])
def test_deciding_and_withdrawing_are_post_only(client, alice, lee, finding_a, path):
    pending = ask_extension(finding_a, alice)
    client.force_login(lee if path == "decide/" else alice)
    assert client.get(f"/requests/{pending.pk}/{path}").status_code == 405


# ---------------------------------------------------------------------------
# The finding page


def page(client, user, finding) -> str:
    client.force_login(user)
    response = client.get(finding.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_staff_see_both_forms_and_no_confirm_dialog(client, alice, finding_a):
    html = page(client, alice, finding_a)
    assert f'action="/findings/{finding_a.pk}/extension/"' in html
    assert f'action="/findings/{finding_a.pk}/archive/"' in html
    assert html.count('name="once"') >= 2
    assert "confirm(" not in html
    assert 'href="#archive-request"' in html  # the old archive button now leads to the form


def test_others_see_no_request_forms(client, lee, rita, finding_a):
    for user in (lee, rita):
        html = page(client, user, finding_a)
        assert "/extension/" not in html
        assert "/archive/" not in html


def test_no_extension_form_without_a_deadline(client, alice, county_a, review_a, factory):
    undated = factory.finding(alice, county_a, review_a)
    html = page(client, alice, undated)
    assert "/extension/" not in html
    assert f'action="/findings/{undated.pk}/archive/"' in html


def test_the_leader_sees_pending_requests_with_decision_buttons(client, alice, lee, finding_a):
    extension = ask_extension(finding_a, alice)
    archive_request = ask_archive(finding_a, alice)
    html = page(client, lee, finding_a)
    assert "有2项延期或归档申请等待您审批。" in html
    for r in (extension, archive_request):
        assert f'action="/requests/{r.pk}/decide/"' in html
    assert html.count('name="decision" value="approve"') == 2
    assert "完成时限由2019年10月30日延至2019年12月31日" in html
    assert "与另一问题重复登记。" in html
    # Staff see them waiting, with a way to withdraw, and no second form of the same kind.
    html = page(client, alice, finding_a)
    assert f'action="/requests/{extension.pk}/withdraw/"' in html
    assert "/decide/" not in html
    assert "/extension/" not in html and f'action="/findings/{finding_a.pk}/archive/"' not in html


def test_past_requests_stay_on_the_page(client, alice, lee, finding_a):
    refused = ask_archive(finding_a, alice)
    services.request_decide(user=lee, request=refused, approve=False, comment="并非重复。")
    extend(finding_a, LATER, staff=alice, leader=lee)
    html = page(client, lee, finding_a)
    assert "并非重复。" in html
    assert html.count('class="list-group-item small request-past"') == 2
    assert "原定2019年10月30日，经批准延期至2019年12月31日" in html


def test_an_unextended_finding_shows_no_original(client, alice, finding_a):
    html = page(client, alice, finding_a)
    assert "extension-note" not in html
    assert "经批准延期至" not in html
