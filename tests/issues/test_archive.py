"""No hard deletes: a finding is archived (hidden from the ledger, the landing page, the report
documents and the exports) and can be restored; nothing in the UI deletes it. Archiving is a
request staff file with a reason and the county leader approves (tests/issues/test_requests.py
tests the requests themselves)."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import URLPattern, URLResolver, get_resolver

from issues import services
from issues.models import Finding, FindingRequest, StatusChange, User
from reports import documents
from reports.models import Report
from reports.services import report_save
from tests import approvals

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEPT = "乡镇物流站点未实现共配。"
ARCHIVED = "重复登记的公共服务中心问题。"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


@pytest.fixture
def kept(alice, lee, county_a, review_a, unit_a, factory) -> Finding:
    return factory.finding(
        alice, county_a, review_a, description=KEPT, units=[unit_a], deadline=dt.date(2019, 9, 1)
    )


@pytest.fixture
def doomed(alice, lee, county_a, review_a, unit_a, factory) -> Finding:
    """Overdue, with a progress note: it counts everywhere until archived."""
    finding = factory.finding(
        alice,
        county_a,
        review_a,
        description=ARCHIVED,
        units=[unit_a],
        deadline=dt.date(2019, 9, 5),
    )
    services.progress_add(user=alice, finding=finding, note="重复问题的进展。")
    return finding


def archive(finding: Finding, user) -> Finding:
    """Archived at `user`'s request, approved by the county leader (lee)."""
    return approvals.archive(finding, staff=user, leader=User.objects.get(username="lee"))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def count(html: str, key: str) -> int:
    return int(re.search(rf'data-count="{key}">(\d+)<', html).group(1))


def xlsx_descriptions(content: bytes) -> list[str]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [c.value for c in ws[3]]
    column = header.index("问题描述")
    return [row[column] for row in ws.iter_rows(min_row=4, values_only=True) if row[0] is not None]


# Archiving


def test_staff_ask_the_leader_approves_and_the_row_is_kept(client, alice, lee, kept, doomed):
    client.force_login(alice)
    response = client.post(f"/findings/{doomed.pk}/archive/", {"reason": "重复登记。"})
    assert response.status_code == 302
    assert response["Location"] == f"{doomed.get_absolute_url()}#requests"
    assert messages_of(response) == ["归档申请已提交，等待区县领导审批。"]
    assert not Finding.objects.get(pk=doomed.pk).is_archived  # only asked so far
    client.force_login(lee)
    request = FindingRequest.objects.get(finding=doomed)
    response = client.post(f"/requests/{request.pk}/decide/", {"decision": "approve"})
    assert messages_of(response)[-1] == "已同意归档：该问题不再出现在台账和文书中，可以恢复。"
    doomed.refresh_from_db()
    assert doomed.is_archived
    assert doomed.archived_by == lee
    assert doomed.version == 3  # created, started by the note, archived
    assert Finding.objects.filter(pk=doomed.pk).exists()
    assert doomed.progress_notes.count() == 1
    assert list(Finding.objects.active()) == [kept]
    assert list(Finding.objects.archived()) == [doomed]


def test_the_archived_page_still_opens_and_says_so(client, alice, lee, rita, doomed):
    archive(doomed, alice)
    client.force_login(alice)
    html = client.get(doomed.get_absolute_url()).content.decode()
    assert "该问题已于 2019年9月10日 由 lee 归档，不出现在台账和文书中。" in html
    assert f"/findings/{doomed.pk}/edit/" not in html
    assert f"/findings/{doomed.pk}/archive/" not in html
    assert f"/findings/{doomed.pk}/progress/" not in html
    assert 'id="workflow"' not in html
    assert f'action="/findings/{doomed.pk}/restore/"' in html
    client.force_login(lee)
    assert (
        f'action="/findings/{doomed.pk}/restore/"'
        in client.get(doomed.get_absolute_url()).content.decode()
    )
    client.force_login(rita)
    html = client.get(doomed.get_absolute_url()).content.decode()
    assert "该问题已于" in html
    assert f"/findings/{doomed.pk}/restore/" not in html


@pytest.mark.parametrize("who, status", [("lee", 403), ("rita", 403), ("nina", 403), ("bob", 404)])
def test_only_staff_ask_to_archive(request, client, doomed, who, status):
    client.force_login(request.getfixturevalue(who))
    response = client.post(f"/findings/{doomed.pk}/archive/", {"reason": "重复登记。"})
    assert response.status_code == status
    assert not Finding.objects.get(pk=doomed.pk).is_archived
    assert not FindingRequest.objects.exists()


def test_archiving_twice_says_so(client, alice, doomed):
    archive(doomed, alice)
    client.force_login(alice)
    response = client.post(f"/findings/{doomed.pk}/archive/", {"reason": "重复登记。"})
    assert response.status_code == 302
    assert messages_of(response) == ["该问题已经归档。"]


def test_archive_and_restore_are_post_only(client, alice, doomed):
    client.force_login(alice)
    assert client.get(f"/findings/{doomed.pk}/archive/").status_code == 405
    archive(doomed, alice)
    assert client.get(f"/findings/{doomed.pk}/restore/").status_code == 405
    assert Finding.objects.get(pk=doomed.pk).is_archived


# Hidden everywhere


def test_hidden_from_the_ledger_and_listed_on_request(client, alice, kept, doomed):
    client.force_login(alice)
    html = client.get("/findings/").content.decode()
    assert ARCHIVED in html and count(html, "total") == 2
    archive(doomed, alice)
    html = client.get("/findings/").content.decode()
    assert ARCHIVED not in html
    assert KEPT in html
    assert count(html, "total") == 1
    assert count(html, "overdue") == 1

    html = client.get("/findings/?archived=on").content.decode()
    assert ARCHIVED in html
    assert KEPT not in html
    assert count(html, "total") == 1


def test_hidden_from_other_readers_lists_too(client, alice, rita, nina, kept, doomed):
    archive(doomed, alice)
    for user in (rita, nina):
        client.force_login(user)
        html = client.get("/findings/").content.decode()
        assert ARCHIVED not in html and KEPT in html


def test_hidden_from_the_landing_page(client, alice, lee, kept, doomed):
    client.force_login(lee)
    html = client.get("/", follow=True).content.decode()
    assert (count(html, "total"), count(html, "overdue")) == (2, 2)
    assert ARCHIVED in html
    archive(doomed, alice)
    html = client.get("/", follow=True).content.decode()
    assert (count(html, "total"), count(html, "overdue")) == (1, 1)
    assert "商务部复核组发现问题1个，已销号问题0个，1个问题正在加紧整改" in html
    assert ARCHIVED not in html
    assert "重复问题的进展。" not in html


def test_a_closed_archived_finding_is_not_news_on_the_landing_page(
    client, alice, lee, kept, doomed
):
    services.finding_submit_closeout(
        user=alice, finding=doomed, result="已合并到其他问题。", evidence_waiver="重复登记。"
    )
    services.finding_close(user=lee, finding=doomed)
    archive(doomed, alice)
    client.force_login(lee)
    html = client.get("/", follow=True).content.decode()
    assert count(html, "closed") == 0
    assert ARCHIVED not in html


def test_hidden_from_the_report_documents(alice, county_a, review_a, kept, doomed):
    report = report_save(
        user=alice,
        report=Report(county=county_a, issuer="广元市昭化区人民政府", title="整改情况的报告"),
        reviews=[review_a],
    )
    doc = documents.report_document(report)
    assert doc.total == 2
    archive(doomed, alice)
    doc = documents.report_document(Report.objects.get(pk=report.pk))
    assert doc.total == 1
    assert [f.description for r in doc.reviews for f in r.findings] == [KEPT]
    assert doc.summary == "截至目前，商务部复核组发现问题1个，已销号问题0个，1个问题正在加紧整改。"


def test_hidden_from_the_default_report_of_a_county(alice, county_a, kept, doomed):
    archive(doomed, alice)
    doc = documents.report_document(documents.default_report(county_a))
    assert [f.description for r in doc.reviews for f in r.findings] == [KEPT]


def test_hidden_from_the_ledger_exports(client, alice, rita, kept, doomed):
    archive(doomed, alice)
    client.force_login(alice)
    response = client.get("/findings/export.xlsx")
    assert response.status_code == 200
    assert xlsx_descriptions(response.getvalue()) == [KEPT]  # a streamed download
    client.force_login(rita)
    response = client.get("/provinces/510000/ledger.xlsx")
    assert response.status_code == 200
    assert ARCHIVED not in [
        cell
        for ws in openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets
        for row in ws.iter_rows(values_only=True)
        for cell in row
    ]


# Restoring


@pytest.mark.parametrize("who", ["alice", "lee"])
def test_staff_or_leader_restores(request, client, alice, kept, doomed, who):
    archive(doomed, alice)
    client.force_login(request.getfixturevalue(who))
    response = client.post(f"/findings/{doomed.pk}/restore/")
    assert response.status_code == 302
    assert messages_of(response) == ["问题已恢复。"]
    doomed.refresh_from_db()
    assert not doomed.is_archived
    assert doomed.archived_by is None
    client.force_login(alice)
    html = client.get("/findings/").content.decode()
    assert ARCHIVED in html and count(html, "total") == 2


@pytest.mark.parametrize("who, status", [("rita", 403), ("nina", 403), ("bob", 404)])
def test_others_may_not_restore(request, client, alice, doomed, who, status):
    archive(doomed, alice)
    client.force_login(request.getfixturevalue(who))
    response = client.post(f"/findings/{doomed.pk}/restore/")
    assert response.status_code == status
    if status == 403:
        assert "只有本区县工作人员或领导可以恢复问题。" in response.content.decode()
    assert Finding.objects.get(pk=doomed.pk).is_archived


def test_restoring_what_is_not_archived_says_so(client, lee, doomed):
    client.force_login(lee)
    response = client.post(f"/findings/{doomed.pk}/restore/")
    assert response.status_code == 302
    assert messages_of(response) == ["该问题未归档。"]


# Archived findings are read-only


def test_archived_finding_cannot_be_edited(client, alice, doomed):
    archive(doomed, alice)
    before = Finding.objects.get(pk=doomed.pk)
    client.force_login(alice)
    for response in (
        client.get(f"/findings/{doomed.pk}/edit/"),
        client.post(f"/findings/{doomed.pk}/edit/", {"description": "改了"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == doomed.get_absolute_url()
        assert messages_of(response)[-1] == "该问题已归档，恢复后才能修改。"
    after = Finding.objects.get(pk=doomed.pk)
    assert (after.description, after.version) == (before.description, before.version)


@pytest.mark.parametrize(
    "action, who, data",
    [
        ("submit", "alice", {"result": "已整改。", "evidence_waiver": "现场查验。"}),
        ("close", "lee", {"comment": ""}),
        ("return", "lee", {"comment": "不足"}),
    ],
)
def test_archived_finding_cannot_move(request, client, alice, doomed, action, who, data):
    if action != "submit":
        services.finding_submit_closeout(
            user=alice, finding=doomed, result="已整改。", evidence_waiver="现场查验。"
        )
    archive(doomed, alice)
    before = Finding.objects.get(pk=doomed.pk)
    changes = StatusChange.objects.count()
    client.force_login(request.getfixturevalue(who))
    response = client.post(f"/findings/{doomed.pk}/{action}/", data)
    assert response.status_code == 302
    assert messages_of(response) == ["该问题已归档，不能办理。"]
    after = Finding.objects.get(pk=doomed.pk)
    assert (after.status, after.version) == (before.status, before.version)
    assert StatusChange.objects.count() == changes


def test_archived_open_finding_cannot_be_started(alice, kept):
    archive(kept, alice)
    with pytest.raises(services.TransitionError) as exc:
        services.finding_start(user=alice, finding=kept)
    assert exc.value.messages == ["该问题已归档，不能办理。"]
    assert Finding.objects.get(pk=kept.pk).status == Finding.Status.OPEN


def test_archived_finding_takes_no_progress_notes(client, alice, doomed):
    archive(doomed, alice)
    client.force_login(alice)
    client.post(f"/findings/{doomed.pk}/progress/", {"date": "2019-09-10", "note": "归档后的进展"})
    assert doomed.progress_notes.count() == 1


# Nothing deletes


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # only the admin may purge
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name or ""


def test_there_is_no_delete_url():
    patterns = list(_patterns(get_resolver()))
    assert ("findings/<int:pk>/archive/", "finding_archive") in patterns
    assert not [p for p in patterns if "delete" in p[0] or "delete" in p[1]]
    assert not [p for p in patterns if "purge" in p[0] or "purge" in p[1]]


@pytest.mark.parametrize("path", ["delete/", "purge/", "remove/", "destroy/"])
def test_delete_like_posts_are_404(client, alice, doomed, path):
    client.force_login(alice)
    assert client.post(f"/findings/{doomed.pk}/{path}").status_code == 404
    assert Finding.objects.filter(pk=doomed.pk).exists()


def test_removed_evidence_and_archived_findings_stay_in_the_database(
    settings, tmp_path, client, alice, doomed
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    evidence = services.evidence_add(
        user=alice,
        finding=doomed,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    client.force_login(alice)
    client.post(f"/evidence/{evidence.pk}/remove/")
    archive(doomed, alice)
    finding = Finding.objects.get(pk=doomed.pk)
    assert finding.is_archived
    assert finding.evidence.get().is_removed
    assert finding.measures.count() == 2
    assert finding.unit_links.count() == 1
    assert finding.progress_notes.count() == 1
