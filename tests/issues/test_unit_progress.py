"""A unit's progress: marked as the unit's, waiting for the office, which accepts it (a
proposed result becomes the finding's result) or returns it with a comment."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from issues import events, services
from issues.models import Finding, Progress
from issues.timeline import finding_timeline
from tests import approvals


@pytest.fixture
def received():
    got = []

    def listen(name):
        def receiver(sender, **kwargs):
            got.append(name)

        return receiver

    names = ("progress_submitted_by_unit", "progress_returned", "progress_accepted")
    receivers = {name: listen(name) for name in names}
    for name, receiver in receivers.items():
        getattr(events, name).connect(receiver)
    yield got
    for name, receiver in receivers.items():
        getattr(events, name).disconnect(receiver)


def test_a_unit_note_is_marked_and_waits(una, alice, finding_a, unit_a, received):
    note = services.progress_add(user=una, finding=finding_a, note="已完成选址。")
    assert note.unit == unit_a and note.kind == Progress.Kind.NOTE
    assert note.review_status == Progress.ReviewStatus.PENDING
    office = services.progress_add(user=alice, finding=finding_a, note="区县已督促。")
    assert office.unit is None and office.review_status == ""
    assert received == ["progress_submitted_by_unit"]


def test_the_office_proposes_no_result_to_itself(alice, finding_a):
    with pytest.raises(ValidationError, match="只有责任单位可以报送"):
        services.progress_add(user=alice, finding=finding_a, note="结果", kind=Progress.Kind.RESULT)


def test_accepting_a_proposed_result_copies_it(una, alice, finding_a, received):
    note = services.progress_add(
        user=una, finding=finding_a, note="中心已建成投用。", kind=Progress.Kind.RESULT
    )
    services.progress_accept(user=alice, progress=note)
    finding = Finding.objects.get(pk=finding_a.pk)
    assert finding.result == "中心已建成投用。"
    note.refresh_from_db()
    assert note.review_status == Progress.ReviewStatus.ACCEPTED and note.reviewed_by == alice
    assert received == ["progress_submitted_by_unit", "progress_accepted"]
    with pytest.raises(services.TransitionError, match="不是待采纳"):
        services.progress_accept(user=alice, progress=note)


def test_accepting_is_refused_while_waiting_for_approval_or_closed(una, alice, lee, finding_a):
    note = services.progress_add(
        user=una, finding=finding_a, note="已建成。", kind=Progress.Kind.RESULT
    )
    services.finding_submit_closeout(
        user=alice, finding=finding_a, result="办公室的结果。", evidence_waiver="无。"
    )
    with pytest.raises(services.TransitionError, match="等待领导审批"):
        services.progress_accept(user=alice, progress=note)
    services.finding_close(user=lee, finding=Finding.objects.get(pk=finding_a.pk))
    with pytest.raises(services.TransitionError, match="已销号"):
        services.progress_accept(user=alice, progress=note)
    assert Finding.objects.get(pk=finding_a.pk).result == "办公室的结果。"
    note.refresh_from_db()
    assert note.review_status == Progress.ReviewStatus.PENDING


def test_returning_needs_a_comment(client, una, alice, finding_a, received):
    note = services.progress_add(user=una, finding=finding_a, note="已开工。")
    with pytest.raises(ValidationError, match="退回时请填写意见"):
        services.progress_return(user=alice, progress=note, comment=" ")
    client.force_login(alice)
    response = client.post(f"/findings/progress/{note.pk}/return/", {"comment": ""})
    assert response.status_code == 400
    response = client.post(
        f"/findings/progress/{note.pk}/return/", {"comment": "请附照片。"}, follow=True
    )
    assert "已退回该进展" in response.content.decode()
    note.refresh_from_db()
    assert note.review_status == Progress.ReviewStatus.RETURNED
    assert note.review_comment == "请附照片。"
    assert received[-1] == "progress_returned"


def test_only_the_office_reviews(una, lee, finding_a):
    note = services.progress_add(user=una, finding=finding_a, note="已开工。")
    for user in (una, lee):
        with pytest.raises(PermissionDenied):
            services.progress_accept(user=user, progress=note)
        with pytest.raises(PermissionDenied):
            services.progress_return(user=user, progress=note, comment="不行")


def test_the_finding_page_marks_the_units_notes(client, una, alice, finding_a):
    note = services.progress_add(user=una, finding=finding_a, note="已开工。")
    client.force_login(alice)
    html = client.get(finding_a.get_absolute_url()).content.decode()
    assert "区商务和经济合作局 报送" in html and "待采纳" in html
    assert f"/findings/progress/{note.pk}/accept/" in html
    client.force_login(una)
    html = client.get(finding_a.get_absolute_url()).content.decode()
    assert "待采纳" in html and f"/findings/progress/{note.pk}/accept/" not in html
    services.progress_return(user=alice, progress=note, comment="请附照片。")
    html = client.get(finding_a.get_absolute_url()).content.decode()
    assert "已退回" in html and "请附照片。" in html


def test_my_work_lists_returned_and_waiting_notes(client, una, alice, finding_a):
    note = services.progress_add(user=una, finding=finding_a, note="已开工。")
    client.force_login(alice)
    html = client.get("/my/").content.decode()
    assert "单位报送待采纳" in html
    waiting = html.split("单位报送待采纳")[1].split("</ul>")[0]
    assert f'data-progress="{note.pk}"' in waiting
    services.progress_return(user=alice, progress=note, comment="请附照片。")
    assert f'data-progress="{note.pk}"' not in client.get("/my/").content.decode()
    client.force_login(una)
    html = client.get("/my/").content.decode()
    returned = html.split("被退回的进展")[1].split("</ul>")[0]
    assert f'data-progress="{note.pk}"' in returned and "请附照片。" in returned
    # Her next note on the finding answers it.
    services.progress_add(user=una, finding=finding_a, note="照片已补。")
    html = client.get("/my/").content.decode()
    assert "没有被退回的进展。" in html


def test_the_timeline_tells_the_units_notes_and_their_review(una, alice, finding_a):
    note = services.progress_add(
        user=una, finding=finding_a, note="中心已建成。", kind=Progress.Kind.RESULT
    )
    services.progress_accept(user=alice, progress=note)
    told = [line for entry in finding_timeline(finding_a) for line in entry.lines]
    assert "区商务和经济合作局报送拟定的整改结果：中心已建成。" in told
    assert "采纳了区商务和经济合作局报送的整改结果" in told


def test_the_contact_proposes_a_result_on_the_page(client, una, finding_a):
    client.force_login(una)
    response = client.post(
        f"/findings/{finding_a.pk}/progress/",
        {"note": "已建成。", "date": "2019-09-01", "kind": "result"},
        follow=True,
    )
    assert "整改进展已报送，等待区县采纳。" in response.content.decode()
    assert Progress.objects.get(finding=finding_a).kind == Progress.Kind.RESULT


def test_a_result_is_not_accepted_into_an_archived_finding(una, alice, lee, finding_a):
    note = services.progress_add(
        user=una, finding=finding_a, note="已建成。", kind=Progress.Kind.RESULT
    )
    approvals.archive(finding_a, staff=alice, leader=lee)
    with pytest.raises(services.TransitionError, match="已归档"):
        services.progress_accept(user=alice, progress=note)
    assert Finding.objects.get(pk=finding_a.pk).result == ""
