"""One object per submitted form (issues/submissions.py): the helper, each creating form sent
twice with the same token (the back button, a double click, a retried request), and the import
confirmation sent twice at the same moment."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from issues import services, submissions
from issues.importing import views as import_views
from issues.importing.services import ImportRefused, batch_plan, import_apply
from issues.models import (
    Evidence,
    Finding,
    ImportBatch,
    NoticeItem,
    Progress,
    Project,
    Review,
    Role,
    Submission,
    Unit,
)
from issues.submissions import FIELD, AlreadySubmitted, new_token, token_from
from reports.models import Indicator, IndicatorReading, Report
from tests.conftest import Factory
from tests.issues.test_evidence import pdf_bytes
from tests.issues.test_import_pages import TEXT
from tests.reports.test_report_pages import REPORT_DATE, form_data

AGAIN = "该表单已经提交过，没有重复保存。"
STALE = "表单已失效，请刷新页面后重新填写。"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_twice(client, url: str, data: Callable[[], dict]):
    """The same form sent twice: the same token, the same fields (files read anew)."""
    token = new_token()
    first = client.post(url, {**data(), FIELD: token})
    second = client.post(url, {**data(), FIELD: token})
    return first, second


def assert_answered_like_the_first(first, second) -> None:
    assert first.status_code == 302, first.content.decode()[:500]
    assert (second.status_code, second.url) == (302, first.url)
    assert AGAIN in messages_of(second)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def amy(county_a):
    """A second member of county A's staff."""
    return Factory.user("amy", Role.COUNTY_STAFF, county=county_a)


# The helper


def test_the_same_token_creates_once(alice, county_a):
    token = new_token()
    made = []

    def create():
        made.append(Unit.objects.create(county=county_a, name=f"单位{len(made)}"))
        return made[-1]

    first = submissions.once(token, alice, create)
    with pytest.raises(AlreadySubmitted) as again:
        submissions.once(token, alice, create)
    assert again.value.target == first
    assert made == [first]
    assert Unit.objects.count() == 1
    submission = Submission.objects.get()
    assert (submission.token, submission.user, submission.target) == (token, alice, first)


def test_a_refused_submission_leaves_the_token_free(alice, county_a):
    token = new_token()

    def refused():
        Unit.objects.create(county=county_a, name="写了一半")
        raise ValidationError("单位名称不能为空。")

    with pytest.raises(ValidationError):
        submissions.once(token, alice, refused)
    assert not Unit.objects.exists()  # rolled back with the token
    assert not Submission.objects.exists()
    unit = submissions.once(token, alice, lambda: Unit.objects.create(county=county_a, name="甲"))
    assert Submission.objects.get().target == unit


def test_another_users_token_is_refused(alice, amy, county_a):
    token = new_token()
    submissions.once(token, alice, lambda: Unit.objects.create(county=county_a, name="甲"))
    with pytest.raises(ValidationError) as refused:
        submissions.once(token, amy, lambda: Unit.objects.create(county=county_a, name="乙"))
    assert refused.value.messages == [STALE]
    assert list(Unit.objects.values_list("name", flat=True)) == ["甲"]


def test_without_a_token_it_simply_creates(alice, county_a):
    for name in ("甲", "乙"):
        submissions.once(None, alice, lambda n=name: Unit.objects.create(county=county_a, name=n))
    assert Unit.objects.count() == 2
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "sent,token",
    [("", None), ("abc", None), ("0" * 31, None), ("G" * 32, None), (" " + "a" * 32, "a" * 32)],
)
def test_only_our_tokens_are_read(sent, token):
    assert token_from({FIELD: sent}) == token


def test_each_form_gets_its_own_token():
    template = Template("{% load ledger %}{% once_field %}|{% once_field %}")
    first, second = template.render(Context()).split("|")
    assert first.startswith(f'<input type="hidden" name="{FIELD}" value="')
    assert first != second


# Each creating form sent twice


def progress_form() -> dict:
    return {"date": "2019-09-05", "note": "已完成选址。"}


def test_progress_note(client, alice, finding_a):
    client.force_login(alice)
    url = reverse("progress_add", args=[finding_a.pk])
    assert FIELD in client.get(finding_a.get_absolute_url()).content.decode()
    first, second = post_twice(client, url, progress_form)
    assert_answered_like_the_first(first, second)
    assert first.url == f"{finding_a.get_absolute_url()}#progress"
    assert Progress.objects.filter(finding=finding_a).count() == 1


def test_progress_note_with_files_stores_them_once(client, alice, finding_a, media):
    client.force_login(alice)
    url = reverse("progress_add", args=[finding_a.pk])
    first, second = post_twice(
        client,
        url,
        lambda: progress_form() | {"files": SimpleUploadedFile("验收.pdf", pdf_bytes())},
    )
    assert_answered_like_the_first(first, second)
    assert Evidence.objects.count() == 1
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1


def test_a_refused_note_keeps_its_token_for_the_corrected_one(client, alice, finding_a):
    client.force_login(alice)
    url = reverse("progress_add", args=[finding_a.pk])
    token = new_token()
    refused = client.post(url, {"date": "2019-09-05", "note": "", FIELD: token})
    assert refused.status_code == 400
    saved = client.post(url, {**progress_form(), FIELD: token})
    assert saved.status_code == 302
    assert AGAIN not in messages_of(saved)
    assert Progress.objects.count() == 1


def test_a_token_sent_by_someone_else_is_refused(client, alice, amy, finding_a):
    token = new_token()
    client.force_login(alice)
    url = reverse("progress_add", args=[finding_a.pk])
    client.post(url, {**progress_form(), FIELD: token})
    client.force_login(amy)
    response = client.post(url, {"date": "2019-09-06", "note": "别人的表单", FIELD: token})
    assert response.status_code == 400
    assert STALE in response.content.decode()
    assert "别人的表单" in response.content.decode()  # what was typed is kept
    assert Progress.objects.count() == 1


def test_without_a_token_each_post_creates(client, alice, finding_a):
    """Scripts and older clients send no token: nothing to recognise, so each post saves."""
    client.force_login(alice)
    url = reverse("progress_add", args=[finding_a.pk])
    assert client.post(url, progress_form()).status_code == 302
    assert client.post(url, progress_form()).status_code == 302
    assert Progress.objects.count() == 2


def test_evidence(client, alice, finding_a, media):
    client.force_login(alice)
    url = reverse("evidence_upload", args=[finding_a.pk])
    first, second = post_twice(
        client,
        url,
        lambda: {
            "file": SimpleUploadedFile("验收报告.pdf", pdf_bytes()),
            "title": "验收报告",
            "date": "2019-09-05",
        },
    )
    assert_answered_like_the_first(first, second)
    assert first.url == f"{finding_a.get_absolute_url()}#evidence"
    assert Evidence.objects.count() == 1
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1  # no second file either


def test_unit(client, alice):
    client.force_login(alice)
    url = reverse("unit_create")
    assert FIELD in client.get(url).content.decode()
    first, second = post_twice(
        client, url, lambda: {"name": "区农业农村局", "kind": Unit.Kind.DEPARTMENT}
    )
    assert_answered_like_the_first(first, second)
    assert first.url == reverse("unit_list")
    assert Unit.objects.filter(name="区农业农村局").count() == 1


def test_editing_a_unit_has_no_token(client, alice, unit_a):
    client.force_login(alice)
    url = reverse("unit_edit", args=[unit_a.pk])
    assert f'name="{FIELD}"' not in client.get(url).content.decode()
    for name in ("区商务局", "区商务和经济合作局"):
        response = client.post(url, {"name": name, "kind": unit_a.kind})
        assert response.status_code == 302
    unit_a.refresh_from_db()
    assert unit_a.name == "区商务和经济合作局"


NOTICE_FORM = {
    "team": "省督查组",
    "title": "关于示范县工作督查情况的通报",
    "reference_number": "川商务建设字〔2019〕12号",
    "start_date": "2019-07-11",
    "end_date": "2019-07-22",
    "issued_on": "2019-08-14",
    "report_deadline": "2019-10-30",
}


def test_notice(client, rita, province):
    client.force_login(rita)
    url = reverse("notice_create")
    assert FIELD in client.get(url).content.decode()
    first, second = post_twice(client, url, lambda: NOTICE_FORM)
    assert_answered_like_the_first(first, second)
    notice = Review.objects.get(province=province)
    assert first.url == reverse("notice_detail", args=[notice.pk])


def test_notice_item(client, rita, province, county_a, county_b):
    client.force_login(rita)
    client.post(reverse("notice_create"), NOTICE_FORM)
    notice = Review.objects.get(province=province)
    assert FIELD in client.get(reverse("notice_detail", args=[notice.pk])).content.decode()
    first, second = post_twice(
        client,
        reverse("notice_item_add", args=[notice.pk]),
        lambda: {
            "category": "项目推进较慢",
            "description": "村级站点建设标准过低。",
            "measures": "制定建设标准",
            "deadline": "",
            "counties": [county_a.pk, county_b.pk],
        },
    )
    assert_answered_like_the_first(first, second)
    assert first.url == reverse("notice_detail", args=[notice.pk])
    assert NoticeItem.objects.count() == 1
    assert Finding.objects.filter(notice_item__isnull=False).count() == 2  # a copy per county


def report_form(county, review: Review) -> dict:
    report = Report(
        county=county, issuer="广元市昭化区人民政府", title="新的整改情况报告", date=REPORT_DATE
    )
    return form_data(report, [(review, True, 1)])


def test_report(client, alice, county_a, review_a):
    client.force_login(alice)
    url = reverse("report_create")
    assert FIELD in client.get(url).content.decode()
    first, second = post_twice(client, url, lambda: report_form(county_a, review_a))
    assert_answered_like_the_first(first, second)
    report = Report.objects.get()
    assert first.url == reverse("report_detail", args=[report.pk])
    assert (
        f'name="{FIELD}"'
        not in client.get(reverse("report_edit", args=[report.pk])).content.decode()
    )


def test_reading(client, alice, county_a):
    project = Project.objects.create(county=county_a, name="示范项目", year=2019, batch=1)
    indicator = Indicator.objects.create(
        project=project, key=Indicator.Key.TRAINING, name="电商培训", unit="人次", plan=1000
    )
    client.force_login(alice)
    dashboard = reverse("county_dashboard", args=[county_a.code])
    assert FIELD in client.get(dashboard).content.decode()
    first, second = post_twice(
        client,
        reverse("reading_add", args=[indicator.pk]),
        lambda: {"date": "2019-09-05", "value": "600", "note": ""},
    )
    assert_answered_like_the_first(first, second)
    assert first.url == f"{dashboard}#indicators"
    assert list(IndicatorReading.objects.values_list("value", flat=True)) == [Decimal("600")]


def paste() -> dict:
    return {"kind": "document", "doc-text": TEXT, "doc-default_kind": "mofcom_review"}


def test_the_same_upload_gives_the_same_batch(client, alice, review_a, unit_a):
    client.force_login(alice)
    url = reverse("import_start")
    assert client.get(url).content.decode().count(f'name="{FIELD}"') == 2  # paste and .xlsx
    first, second = post_twice(client, url, paste)
    assert_answered_like_the_first(first, second)
    batch = ImportBatch.objects.get()
    assert first.url == batch.get_absolute_url()
    assert batch.is_pending


def confirm(batch: ImportBatch) -> dict:
    return {"action": "apply", "review_0": str(batch.county.reviews.get().pk), "unit_1": "new"}


@pytest.fixture
def batch(client, alice, review_a, unit_a) -> ImportBatch:
    client.force_login(alice)
    assert client.post(reverse("import_start"), paste()).status_code == 302
    return ImportBatch.objects.get()


def test_a_second_confirmation_shows_the_first_ones_result(client, alice, batch):
    url = batch.get_absolute_url()
    first = client.post(url, confirm(batch))
    assert (first.status_code, first.url) == (302, reverse("finding_list"))
    second = client.post(url, confirm(batch))
    # The batch's page, which shows what the first confirmation imported.
    assert (second.status_code, second.url) == (302, url)
    assert AGAIN in messages_of(second)
    assert Finding.objects.count() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.summary["new"]) == (ImportBatch.Status.APPLIED, 1)
    page = client.get(url).content.decode()
    assert "已于" in page and "新增 1 个问题" in page


def test_a_confirmation_refused_for_its_content_leaves_the_batch_pending(client, alice, batch):
    response = client.post(batch.get_absolute_url(), {"action": "apply"})  # units undecided
    assert response.status_code == 400
    batch.refresh_from_db()
    assert (batch.status, batch.applied_at, batch.applied_by) == (
        ImportBatch.Status.PENDING,
        None,
        None,
    )
    assert client.post(batch.get_absolute_url(), confirm(batch)).status_code == 302
    assert Finding.objects.count() == 1


def test_a_cancelled_batch_is_not_saved(client, alice, batch):
    client.post(reverse("import_cancel", args=[batch.pk]))
    response = client.post(batch.get_absolute_url(), confirm(batch))
    assert (response.status_code, response.url) == (302, batch.get_absolute_url())
    assert "该导入已取消，台账没有任何改动。" in messages_of(response)
    assert not Finding.objects.exists()


# Two confirmations at the same moment


@contextmanager
def on_a_database_file(path):
    """The test database copied to a file, and every connection opened meanwhile on that file.

    SQLite's in-memory test database is one shared cache, where a second writer fails at once
    ("database table is locked") instead of waiting for the first as it does on a file with
    the production settings (IMMEDIATE transactions, a busy timeout, WAL). On PostgreSQL the
    threads' connections already meet in one database: nothing to do.
    """
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    in_memory = connections.settings["default"]
    test_connection = connections["default"]
    connections.settings["default"] = {**in_memory, "NAME": str(path)}
    connections["default"] = connections.create_connection("default")
    try:
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = in_memory
        connections["default"] = test_connection


@pytest.fixture(scope="module", autouse=True)
def _role_groups_for_later_tests(django_db_setup, django_db_blocker):
    """The test below commits, so pytest-django empties the database after it, role groups
    included (a data migration made them, once): put them back for the tests that follow."""
    yield
    with django_db_blocker.unblock():
        for name in Role.labels:
            Group.objects.get_or_create(name=name)


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_import_once(
    alice, review_a, unit_a, tmp_path, monkeypatch, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    setup = Client()
    setup.force_login(alice)
    setup.post(reverse("import_start"), paste())
    batch = ImportBatch.objects.get()
    data = confirm(batch)

    # Both requests have found the batch pending before either saves it.
    both_checked = threading.Barrier(2, timeout=10)
    real_apply = import_views.import_apply

    def apply_when_both_are_here(**kwargs):
        both_checked.wait()
        return real_apply(**kwargs)

    monkeypatch.setattr(import_views, "import_apply", apply_when_both_are_here)

    with on_a_database_file(tmp_path / "db.sqlite3"):
        clients = [Client(), Client()]
        for c in clients:
            c.force_login(alice)
        responses, errors = [None, None], []

        def confirm_in_thread(i):
            try:
                responses[i] = clients[i].post(batch.get_absolute_url(), data)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=confirm_in_thread, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors
        assert sorted(r.url for r in responses) == sorted(
            [reverse("finding_list"), batch.get_absolute_url()]
        )
        again = next(r for r in responses if r.url == batch.get_absolute_url())
        assert AGAIN in messages_of(again)
        assert Finding.objects.count() == 1
        assert Unit.objects.filter(name="区交通运输局").count() == 1
        batch.refresh_from_db()
        assert (batch.status, batch.summary["new"]) == (ImportBatch.Status.APPLIED, 1)


def test_the_claim_is_taken_before_anything_is_written(alice, batch, county_a, monkeypatch):
    """A confirmation that arrives while another is being applied (inside its transaction)
    finds the batch claimed: the guard does not wait for the end of the first."""
    plan = batch_plan(batch, {"units": {"区交通运输局": "new"}})
    real_create = services.finding_create
    nested = []

    def create_and_confirm_again(**kwargs):
        with pytest.raises(ImportRefused):
            import_apply(user=alice, county=county_a, plan=plan, batch=batch)
        nested.append(True)
        return real_create(**kwargs)

    monkeypatch.setattr(services, "finding_create", create_and_confirm_again)
    import_apply(user=alice, county=county_a, plan=plan, batch=batch)
    assert nested == [True]
    assert Finding.objects.count() == 1
