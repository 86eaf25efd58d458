"""Closed means closed (issue 11): after 同意销号 — and while a close-out waits for the
leader — nobody edits the finding's content; a change needs 重新打开 with a reason, which the
history keeps."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from issues import services
from issues.models import Finding, StatusChange

from .html_forms import form_data


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def _submit(alice, finding) -> Finding:
    services.finding_start(user=alice, finding=finding)
    return services.finding_submit_closeout(
        user=alice, finding=finding, result="已建成并投入运营。", evidence_waiver="现场查验。"
    )


@pytest.fixture
def submitted(alice, finding_a) -> Finding:
    return _submit(alice, finding_a)


@pytest.fixture
def closed(lee, submitted) -> Finding:
    return services.finding_close(user=lee, finding=submitted)


def _content(finding) -> tuple:
    f = Finding.objects.get(pk=finding.pk)
    return (
        f.version,
        f.status,
        f.description,
        f.deadline,
        f.result,
        [m.text for m in f.measures.all()],
        [link.unit_id for link in f.unit_links.all()],
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("state", ["submitted", "closed"])
def test_edit_page_is_refused_and_nothing_changes(request, client, alice, finding_a, state):
    finding = request.getfixturevalue(state)
    client.force_login(alice)
    url = f"/findings/{finding.pk}/edit/"
    before = _content(finding)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == finding.get_absolute_url()
    message = _messages(response)[0]
    assert ("已销号" if state == "closed" else "已申请销号") in message
    # A form opened earlier and posted now is refused just the same.
    response = client.post(
        url, {"description": "改过的描述", "result": "改过的结果", "version": str(before[0])}
    )
    assert response.status_code == 302
    assert _content(finding) == before


def test_the_service_refuses_too(alice, closed):
    before = _content(closed)
    data = services.FindingData(
        review=closed.review,
        category=closed.category,
        description="改过的描述",
        deadline=closed.deadline,
        result="改过的结果",
    )
    with pytest.raises(services.TransitionError):
        services.finding_update(
            user=alice, finding=closed, data=data, expected_version=closed.version
        )
    assert _content(closed) == before


def test_the_page_offers_no_edit_button(client, alice, closed):
    client.force_login(alice)
    html = client.get(closed.get_absolute_url()).content.decode()
    assert f"/findings/{closed.pk}/edit/" not in html


@pytest.mark.parametrize("who", ["lee", "rita"])
def test_reopening_with_a_reason_unlocks_and_is_recorded(request, client, alice, closed, who):
    reopener = request.getfixturevalue(who)
    services.finding_reopen(user=reopener, finding=closed, reason="抽查发现站点已停运")
    change = StatusChange.objects.filter(finding=closed).latest("at", "id")
    assert (change.from_status, change.to_status) == ("closed", "in_progress")
    assert change.comment == "抽查发现站点已停运"
    assert change.actor == reopener
    client.force_login(alice)
    url = f"/findings/{closed.pk}/edit/"
    data = form_data(client.get(url).content, "finding-form")
    response = client.post(url, {**data, "result": "重新整改：站点已恢复运营。", "save": "1"})
    assert response.status_code == 302
    assert Finding.objects.get(pk=closed.pk).result == "重新整改：站点已恢复运营。"


def test_reopening_needs_a_reason(lee, closed):
    with pytest.raises(ValidationError):
        services.finding_reopen(user=lee, finding=closed, reason="  ")
    assert Finding.objects.get(pk=closed.pk).status == Finding.Status.CLOSED


def test_a_leader_of_another_county_cannot_reopen(client, county_b, closed):
    from issues.models import Role
    from tests.conftest import Factory

    other = Factory.user("lo", Role.COUNTY_LEADER, county=county_b)
    client.force_login(other)
    response = client.post(f"/findings/{closed.pk}/reopen/", {"comment": "抽查"})
    assert response.status_code == 404
    assert Finding.objects.get(pk=closed.pk).status == Finding.Status.CLOSED


@pytest.mark.parametrize("state", ["submitted", "closed"])
def test_evidence_the_close_out_rests_on_cannot_be_removed(request, client, alice, state):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from issues.models import Evidence

    finding = request.getfixturevalue(state)
    pdf = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    evidence = services.evidence_add(user=alice, finding=finding, upload=pdf)
    client.force_login(alice)
    assert "/remove/" not in client.get(finding.get_absolute_url()).content.decode()
    response = client.post(f"/evidence/{evidence.pk}/remove/")
    assert response.status_code == 302
    assert "佐证材料不能移除" in _messages(response)[0]
    assert Evidence.objects.get(pk=evidence.pk).removed_at is None
