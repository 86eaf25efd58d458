"""The admin deletes nothing of the ledger (issues/admin.py KeepRecordsAdmin): a finding keeps
the records of who applied for and who approved its close-out, whoever asks, however."""

from __future__ import annotations

import pytest

from issues import services
from issues.models import Finding, Progress, StatusChange, Unit, User

REFUSAL = "整改台账的记录不能删除（销号申请和审批记录必须保留）：问题请归档，单位和账户请停用。"


@pytest.fixture
def closed(alice, lee, finding_a) -> Finding:
    services.progress_add(user=alice, finding=finding_a, note="已完成建设。")
    finding = Finding.objects.get(pk=finding_a.pk)
    services.finding_submit_closeout(
        user=alice, finding=finding, result="已建成并投入使用。", evidence_waiver="现场核验。"
    )
    services.finding_close(user=lee, finding=Finding.objects.get(pk=finding_a.pk))
    return Finding.objects.get(pk=finding_a.pk)


def close_out_records(finding) -> list[tuple[str, str]]:
    return list(
        StatusChange.objects.filter(finding=finding)
        .order_by("id")
        .values_list("to_status", "actor__username")
    )


def test_the_close_out_was_recorded(closed):
    assert close_out_records(closed)[-2:] == [("submitted", "alice"), ("closed", "lee")]


def test_the_delete_page_refuses_with_a_message(admin_client, closed):
    before = close_out_records(closed)
    url = f"/admin/issues/finding/{closed.pk}/delete/"
    for response in (
        admin_client.get(url, follow=True),
        admin_client.post(url, {"post": "yes"}, follow=True),
    ):
        assert response.redirect_chain == [("/admin/issues/finding/", 302)]
        assert [str(m) for m in response.context["messages"]] == [REFUSAL]
    assert Finding.objects.filter(pk=closed.pk).exists()
    assert close_out_records(closed) == before


def test_the_change_page_offers_no_delete(admin_client, closed):
    html = admin_client.get(f"/admin/issues/finding/{closed.pk}/change/").content.decode()
    assert "deletelink" not in html
    assert f"/admin/issues/finding/{closed.pk}/delete/" not in html


def test_delete_selected_is_not_offered_and_does_nothing(admin_client, closed):
    changelist = admin_client.get("/admin/issues/finding/").content.decode()
    assert "delete_selected" not in changelist
    admin_client.post(
        "/admin/issues/finding/",
        {"action": "delete_selected", "_selected_action": [closed.pk], "post": "yes"},
    )
    assert Finding.objects.filter(pk=closed.pk).exists()
    assert len(close_out_records(closed)) == 3


@pytest.mark.parametrize(
    "model,get",
    [
        (Progress, lambda f: f.progress_notes.get()),
        (Unit, lambda f: f.unit_links.first().unit),
        (User, lambda f: f.closed_by),
    ],
)
def test_no_other_record_is_deleted_either(admin_client, closed, model, get):
    obj = get(closed)
    opts = model._meta
    response = admin_client.post(
        f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert model.objects.filter(pk=obj.pk).exists()


def test_every_ledger_model_in_the_admin_keeps_its_rows(rf, admin_user):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = admin_user
    ledger = [m for m in admin.site._registry if m._meta.app_label == "issues"]
    assert len(ledger) >= 9
    for model in ledger:
        assert not admin.site._registry[model].has_delete_permission(request), model
