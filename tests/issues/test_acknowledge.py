"""签收 and 退回: a unit's contact acknowledges the unit's task on a finding (twice is once);
the lead unit hands a finding back with a reason; the office reassigns it by editing the
finding (a new link, a new task). The ledger filters 未签收 and marks such rows."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from issues import events, services
from issues.models import Finding, FindingUnit
from issues.timeline import finding_timeline
from tests.conftest import Factory


def link_of(finding, unit) -> FindingUnit:
    return FindingUnit.objects.get(finding=finding, unit=unit)


@pytest.fixture
def received():
    """The signals sent, as (name, kwargs)."""
    got = []

    def listen(name):
        def receiver(sender, **kwargs):
            got.append((name, kwargs))

        return receiver

    receivers = {
        name: listen(name)
        for name in ("finding_acknowledged", "finding_handed_back", "unit_assigned")
    }
    for name, receiver in receivers.items():
        getattr(events, name).connect(receiver)
    yield got
    for name, receiver in receivers.items():
        getattr(events, name).disconnect(receiver)


def test_acknowledging_records_who_and_when(una, finding_a, unit_a, received):
    link, done = services.finding_acknowledge(user=una, finding=finding_a)
    assert done
    link = link_of(finding_a, unit_a)
    assert link.acknowledged_by == una and link.acknowledged_at is not None
    assert link.assigned_at <= link.acknowledged_at
    assert [name for name, _ in received] == ["finding_acknowledged"]


def test_acknowledging_twice_is_once(client, una, finding_a, unit_a, received):
    client.force_login(una)
    url = f"/findings/{finding_a.pk}/acknowledge/"
    first = client.post(url, follow=True)
    assert "已签收：区商务和经济合作局。" in first.content.decode()
    when = link_of(finding_a, unit_a).acknowledged_at
    again = client.post(url, follow=True)
    assert "本单位已经签收过该问题，无需再次签收。" in again.content.decode()
    assert link_of(finding_a, unit_a).acknowledged_at == when
    assert len(received) == 1


def test_only_a_unit_contact_acknowledges(alice, lee, finding_a):
    for user in (alice, lee):
        with pytest.raises(PermissionDenied):
            services.finding_acknowledge(user=user, finding=finding_a)


def test_a_closed_finding_needs_no_acknowledgement(una, alice, county_a, review_a, unit_a):
    closed = Factory.finding(
        alice, county_a, review_a, units=[unit_a], status=Finding.Status.CLOSED
    )
    with pytest.raises(services.TransitionError, match="已销号"):
        services.finding_acknowledge(user=una, finding=closed)


def test_the_lead_unit_hands_back_with_a_reason(una, finding_a, unit_a, received):
    with pytest.raises(ValidationError, match="请说明退回的理由"):
        services.finding_hand_back(user=una, finding=finding_a, reason="  ")
    services.finding_hand_back(user=una, finding=finding_a, reason="不属于本单位职责")
    link = link_of(finding_a, unit_a)
    assert link.handed_back_by == una and link.hand_back_reason == "不属于本单位职责"
    assert [name for name, _ in received] == ["finding_handed_back"]
    with pytest.raises(services.TransitionError, match="已经退回"):
        services.finding_hand_back(user=una, finding=finding_a, reason="再退")
    with pytest.raises(services.TransitionError, match="不能签收"):
        services.finding_acknowledge(user=una, finding=finding_a)


def test_a_second_unit_does_not_hand_back(county_a, finding_a, unit_a2):
    cai = Factory.user("cai", "unit_staff", county=county_a, unit=unit_a2)
    with pytest.raises(services.TransitionError, match="只有牵头单位可以退回"):
        services.finding_hand_back(user=cai, finding=finding_a, reason="不属于本单位职责")
    # It acknowledges its own part, though.
    _, done = services.finding_acknowledge(user=cai, finding=finding_a)
    assert done


def test_the_hand_back_form_needs_a_reason(client, una, finding_a):
    client.force_login(una)
    response = client.post(f"/findings/{finding_a.pk}/hand-back/", {"reason": ""})
    assert response.status_code == 400
    assert "请说明退回的理由。" in response.content.decode()
    page = client.get(finding_a.get_absolute_url()).content.decode()
    assert 'list="hand-back-reasons"' in page and "不属于本单位职责" in page


def test_the_office_reassigns_a_handed_back_finding(
    alice, una, county_a, finding_a, unit_a, unit_a2, received
):
    services.finding_hand_back(user=una, finding=finding_a, reason="不属于本单位职责")
    other = Factory.unit(county_a, "区农业农村局")
    data = services.FindingData(
        review=finding_a.review,
        category=finding_a.category,
        description=finding_a.description,
        deadline=finding_a.deadline,
        measures=["第一条措施"],
        units=[services.UnitEntry(other), services.UnitEntry(unit_a2)],
    )
    finding = Finding.objects.get(pk=finding_a.pk)
    services.finding_update(user=alice, finding=finding, data=data, expected_version=1)
    new = link_of(finding_a, other)
    assert new.acknowledged_at is None and new.handed_back_at is None
    assigned = [kw for name, kw in received if name == "unit_assigned"]
    assert [kw["unit"] for kw in assigned] == [other]
    # Added again later, the unit gets a new task (a new link, not yet acknowledged).
    data.units = [services.UnitEntry(other), services.UnitEntry(unit_a)]
    finding = Finding.objects.get(pk=finding_a.pk)
    services.finding_update(
        user=alice, finding=finding, data=data, expected_version=finding.version
    )
    again = link_of(finding_a, unit_a)
    assert again.handed_back_at is None and again.acknowledged_at is None


def test_the_finding_page_shows_each_units_state(client, lee, una, finding_a, county_a, unit_a2):
    services.finding_acknowledge(user=una, finding=finding_a)
    client.force_login(lee)
    html = client.get(finding_a.get_absolute_url()).content.decode()
    card = html.split('id="tasks"')[1].split("</ul>")[0]
    assert card.count('data-state="acknowledged"') == 1
    assert card.count('data-state="awaiting"') == 1
    assert "una" in card  # who acknowledged
    assert "/acknowledge/" not in html  # the leader acknowledges nothing


def test_the_top_of_the_page_asks_the_unit_to_acknowledge(client, una, lee, finding_a):
    """On a phone the tasks card comes after the whole finding: the alert at the top leads
    there, until the unit has acknowledged."""
    client.force_login(una)
    html = client.get(finding_a.get_absolute_url()).content.decode()
    alert = html.split('class="alert alert-info acknowledge-alert"')[1].split("</div>")[0]
    assert "贵单位尚未签收该问题。" in alert and 'href="#tasks"' in alert
    services.finding_acknowledge(user=una, finding=finding_a)
    assert "acknowledge-alert" not in client.get(finding_a.get_absolute_url()).content.decode()
    client.force_login(lee)
    assert "acknowledge-alert" not in client.get(finding_a.get_absolute_url()).content.decode()


def test_the_ledger_filters_and_marks_awaiting(
    client, alice, una, county_a, review_a, finding_a, unit_a, django_assert_num_queries
):
    quiet = Factory.finding(alice, county_a, review_a, description="无单位的问题。")
    done = Factory.finding(alice, county_a, review_a, description="已签收的问题。", units=[unit_a])
    services.finding_acknowledge(user=una, finding=done)
    for n in range(5):
        Factory.finding(alice, county_a, review_a, description=f"待签收{n}", units=[unit_a])
    client.force_login(alice)
    client.get("/findings/")  # warm the session and the caches
    with django_assert_num_queries(QUERIES):
        response = client.get("/findings/?awaiting_acknowledgement=on")
    rows = response.context["page"].object_list
    assert finding_a in rows and quiet not in rows and done not in rows
    assert len(rows) == 6 and all(row.awaits_acknowledgement for row in rows)
    html = response.content.decode()
    assert html.count("awaiting-ack") == 6
    everything = client.get("/findings/").content.decode()
    assert everything.count("awaiting-ack") == 6  # not on the quiet or the acknowledged


# The ledger's queries with the 未签收 filter: the same as without it (the mark and the
# filter are in the rows' query).
QUERIES = 9


def test_the_query_count_does_not_grow_with_the_filter(
    client, alice, county_a, review_a, unit_a, django_assert_num_queries
):
    for _ in range(3):
        Factory.finding(alice, county_a, review_a, units=[unit_a])
    client.force_login(alice)
    client.get("/findings/")
    with django_assert_num_queries(QUERIES):
        client.get("/findings/")


def test_the_timeline_tells_acknowledging_and_handing_back(una, finding_a, county_a, unit_a2):
    services.finding_acknowledge(user=una, finding=finding_a)
    services.finding_hand_back(user=una, finding=finding_a, reason="不属于本单位职责")
    told = [line for entry in finding_timeline(finding_a) for line in entry.lines]
    assert "区商务和经济合作局签收了该问题" in told
    assert "区商务和经济合作局退回了该问题，理由：不属于本单位职责" in told


def test_my_work_lists_what_to_acknowledge(client, una, finding_a, alice, county_a, review_a):
    client.force_login(una)
    html = client.get("/my/").content.decode()
    todo = html.split("待签收的问题")[1].split("</ul>")[0]
    assert finding_a.short_description in todo
    services.finding_acknowledge(user=una, finding=finding_a)
    html = client.get("/my/").content.decode()
    assert "没有待签收的问题。" in html
