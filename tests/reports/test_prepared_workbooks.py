"""The nation's and provinces' workbooks prepared in the background (issue 18 item 3): the
data version changes with every change the workbook shows, a stale file is never served, a
repeated download queues one build, `prepare_workbooks` builds and marks it ready, the
progress page, and who may see what."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.http import FileResponse
from django.urls import reverse

from issues import services
from issues.models import Finding, FindingUnit, Measure, Role
from reports import workbooks
from reports.models import Indicator, PreparedWorkbook
from tests.conftest import Factory

TODAY = dt.date(2019, 10, 1)
NATION_XLSX = "/nation/ledger.xlsx"
NATION_STATUS = "/nation/ledger/"


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RECTIFY_PREPARED_WORKBOOKS = True
    with time_machine.travel(dt.datetime(2019, 10, 1, 4, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def data(finding_a, finding_b, other_province):
    """Province P: 昭化区 (finding_a) and 朝天区 (finding_b); province Q: 铜鼓县 (one)."""
    tonggu = Factory.county(other_province, "360926", "宜春市铜鼓县")
    staff = Factory.user("staff-360926", Role.COUNTY_STAFF, county=tonggu)
    Factory.finding(staff, tonggu, Factory.review(tonggu, team="省督查组"), description="铜鼓县")
    return tonggu


def version(province=None, today=TODAY) -> str:
    return workbooks.data_version(province, today)


def xlsx_bytes(response) -> bytes:
    assert isinstance(response, FileResponse)
    return b"".join(response.streaming_content)


def descriptions(content: bytes) -> set[str]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {
        str(cell) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for cell in row
    }


def _edit_finding(f: Finding, **_):
    f.description = "改过的问题描述"
    f.save()


def _add_measure(f: Finding, **_):
    Measure.objects.create(finding=f, text="新增措施", order=9)


def _edit_measure(f: Finding, **_):
    measure = f.measures.first()
    measure.text = "改过的措施"
    measure.save()


def _drop_unit_link(f: Finding, **_):
    FindingUnit.objects.filter(finding=f).last().delete()


def _add_progress(f: Finding, alice, **_):
    services.progress_add(user=alice, finding=f, note="已完成选址。", date=TODAY)


def _withdraw_progress(f: Finding, alice, **_):
    note = services.progress_add(user=alice, finding=f, note="写错了。", date=TODAY)
    version_before = version(f.county.province)
    note.withdrawn_at = dt.datetime(2019, 10, 1, 4, tzinfo=dt.UTC)
    note.save()
    assert version(f.county.province) != version_before


def _rename_unit(f: Finding, **_):
    unit = FindingUnit.objects.filter(finding=f).first().unit
    unit.name = "改名后的单位"
    unit.save()


def _rename_review(f: Finding, **_):
    f.review.team = "商务部第二复核组"
    f.review.save()


def _rename_category(f: Finding, **_):
    f.category.name = "改名后的类别"
    f.category.save()


def _rename_county(f: Finding, **_):
    f.county.name = "广元市新区"
    f.county.save()


def _rename_province(f: Finding, **_):
    f.county.province.name = "四川"
    f.county.province.save()


def _link_review(f: Finding, county_b, **_):
    f.review.counties.add(county_b)


def _start(f: Finding, **_):
    f.status = Finding.Status.IN_PROGRESS
    f.save()


CHANGES = [
    _edit_finding,
    _add_measure,
    _edit_measure,
    _drop_unit_link,
    _add_progress,
    _withdraw_progress,
    _rename_unit,
    _rename_review,
    _rename_category,
    _rename_county,
    _rename_province,
    _link_review,
    _start,
]


class TestDataVersion:
    @pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__.strip("_"))
    def test_each_kind_of_change_makes_a_new_version(
        self, change, data, finding_a, alice, county_b, province
    ):
        before = (version(), version(province))
        change(finding_a, alice=alice, county_b=county_b)
        after = (version(), version(province))
        assert after[0] != before[0] and after[1] != before[1]

    def test_unchanged_data_keeps_its_version(self, data, province):
        assert version(province) == version(province)
        assert version() == version()

    def test_a_new_day_is_a_new_version(self, data, province):
        # Overdue and the 导出时间 note are counted against today.
        assert version(province, TODAY) != version(province, TODAY + dt.timedelta(days=1))

    def test_the_due_soon_setting_is_part_of_it(self, data, province, settings):
        before = version(province)
        settings.RECTIFY_WARNING_DAYS = 7
        assert version(province) != before

    def test_another_province_changes_the_nation_not_the_province(
        self, data, province, other_province
    ):
        before = (version(), version(province), version(other_province))
        finding = Finding.objects.get(county=data)
        finding.description = "铜鼓县的问题，改过"
        finding.save()
        assert version() != before[0]
        assert version(province) == before[1]
        assert version(other_province) != before[2]

    def test_indicators_change_the_nation(self, data, county_a, province):
        before = (version(), version(province))
        project = county_a.projects.create(name="示范项目", year=2019, batch=1)
        assert version() != before[0]
        middle = version()
        indicator = Indicator.objects.create(
            project=project, key=Indicator.Key.INVESTMENT, name="投资完成", unit="万元", plan=100
        )
        assert version() != middle
        middle = version()
        indicator.readings.create(date=TODAY, value=40)
        assert version() != middle
        # The province's workbook shows no indicators.
        assert version(province) == before[1]

    def test_queries(self, data, province, django_assert_num_queries):
        # The provinces' names, then every table's count and maximum in one.
        with django_assert_num_queries(2):
            version(province)
        with django_assert_num_queries(2):
            version()


def prepare() -> None:
    call_command("prepare_workbooks", stdout=io.StringIO())


class TestNationWorkbook:
    def test_first_download_queues_and_shows_progress(self, client, nina, data):
        client.force_login(nina)
        response = client.get(NATION_XLSX)
        assert response.status_code == 302 and response["Location"] == NATION_STATUS
        job = PreparedWorkbook.objects.get()
        assert (job.scope, job.code, job.state) == ("nation", "", "queued")
        assert job.version == version()
        page = client.get(NATION_STATUS)
        assert page.status_code == 200
        html = page.content.decode()
        assert "正在生成最新的台账…" in html
        assert 'http-equiv="refresh" content="3"' in html
        # The refresh is the page's own (CSP: no inline script).
        assert not re.findall(r"<script(?![^>]*\b(src|type)=)", html)

    def test_repeated_clicks_queue_one_job(self, client, nina, data):
        client.force_login(nina)
        for _ in range(3):
            client.get(NATION_XLSX)
            client.get(NATION_STATUS)
        assert PreparedWorkbook.objects.count() == 1

    def test_command_builds_and_the_next_download_is_served_at_once(
        self, client, nina, data, settings
    ):
        client.force_login(nina)
        client.get(NATION_XLSX)
        prepare()
        job = PreparedWorkbook.objects.get()
        assert job.state == "ready" and job.built_at
        assert job.rows_total == job.rows_done == Finding.objects.count()
        path = Path(settings.MEDIA_ROOT) / job.file.name
        assert path.is_file() and path.parent.name == "workbooks"
        assert not list(path.parent.glob(".building-*"))  # the temporary file moved into place
        page = client.get(NATION_STATUS)
        assert "台账已生成" in page.content.decode()
        assert f'content="1;url={NATION_XLSX}"' in page.content.decode()
        response = client.get(NATION_XLSX)
        assert response["Content-Disposition"].endswith(
            "%E5%85%A8%E5%9B%BD%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6-2019-10-01.xlsx"
        )  # 全国整改台账-2019-10-01.xlsx, as the direct download names it
        content = xlsx_bytes(response)
        assert "铜鼓县" in descriptions(content)
        assert PreparedWorkbook.objects.count() == 1

    def test_a_stale_workbook_is_never_served(self, client, nina, data, finding_a):
        client.force_login(nina)
        client.get(NATION_XLSX)
        prepare()
        old = PreparedWorkbook.objects.get()
        _edit_finding(finding_a)
        response = client.get(NATION_XLSX)
        assert response.status_code == 302  # not the old file: a new one is on its way
        new = PreparedWorkbook.objects.exclude(pk=old.pk).get()
        assert new.state == "queued" and new.version == version()
        prepare()
        content = xlsx_bytes(client.get(NATION_XLSX))
        assert "改过的问题描述" in descriptions(content)
        # The old file and its row are gone.
        assert not PreparedWorkbook.objects.filter(pk=old.pk).exists()
        assert not (Path(old.file.path)).exists()

    def test_a_change_while_queued_builds_the_newer_data(self, client, nina, data, finding_a):
        client.force_login(nina)
        client.get(NATION_XLSX)
        _edit_finding(finding_a)
        prepare()
        job = PreparedWorkbook.objects.get()
        assert job.state == "ready" and job.version == version()
        content = xlsx_bytes(client.get(NATION_XLSX))
        assert "改过的问题描述" in descriptions(content)

    def test_yesterdays_workbook_is_not_served_today(self, client, nina, data):
        client.force_login(nina)
        client.get(NATION_XLSX)
        prepare()
        with time_machine.travel(dt.datetime(2019, 10, 2, 4, tzinfo=dt.UTC), tick=False):
            assert client.get(NATION_XLSX).status_code == 302

    def test_a_failed_build_says_so_and_a_new_download_retries(
        self, client, nina, data, monkeypatch
    ):
        client.force_login(nina)
        client.get(NATION_XLSX)

        def broken(out, ledger):
            raise OSError("disk full")

        monkeypatch.setattr(workbooks.xlsx, "write_nation", broken)
        prepare()
        job = PreparedWorkbook.objects.get()
        assert job.state == "failed" and "disk full" in job.error
        html = client.get(NATION_STATUS).content.decode()
        assert "台账生成失败" in html and "refresh" not in html
        assert PreparedWorkbook.objects.get().state == "failed"  # the page alone retries not
        monkeypatch.undo()
        client.get(NATION_XLSX)
        assert PreparedWorkbook.objects.get().state == "queued"
        prepare()
        assert PreparedWorkbook.objects.get().state == "ready"

    def test_a_lost_file_is_built_again(self, client, nina, data):
        client.force_login(nina)
        client.get(NATION_XLSX)
        prepare()
        Path(PreparedWorkbook.objects.get().file.path).unlink()
        assert client.get(NATION_XLSX).status_code == 302
        assert PreparedWorkbook.objects.get().state == "queued"
        prepare()
        xlsx_bytes(client.get(NATION_XLSX))

    def test_building_shows_rows_done(self, client, nina, data):
        client.force_login(nina)
        client.get(NATION_XLSX)
        job = workbooks.workbook_claim()
        PreparedWorkbook.objects.filter(pk=job.pk).update(rows_done=1, rows_total=4)
        html = client.get(NATION_STATUS).content.decode()
        assert "已写入 1 / 4 个问题。" in html and 'aria-valuenow="25"' in html

    def test_a_job_is_claimed_once(self, data):
        workbooks.workbook_request(province=None, version=version(), today=TODAY)
        assert workbooks.workbook_claim() is not None
        assert workbooks.workbook_claim() is None
        # A worker that vanished: its job is claimed again after an hour.
        later = dt.datetime(2019, 10, 1, 6, tzinfo=dt.UTC)
        assert workbooks.workbook_claim(now=later) is not None

    def test_served_in_few_queries(self, client, nina, data, django_assert_num_queries):
        client.force_login(nina)
        client.get(NATION_XLSX)
        prepare()
        # Session, user, groups; the version (2); the workbook; the download's audit event.
        with django_assert_num_queries(7):
            response = client.get(NATION_XLSX)
        assert isinstance(response, FileResponse)
        xlsx_bytes(response)

    def test_the_files_are_not_under_static(self, client, nina, data, settings):
        client.force_login(nina)
        client.get(NATION_XLSX)
        prepare()
        job = PreparedWorkbook.objects.get()
        assert Path(job.file.path).is_relative_to(Path(settings.MEDIA_ROOT))


class TestProvinceWorkbook:
    def test_prepared_and_served(self, client, rita, data, province):
        client.force_login(rita)
        response = client.get(reverse("province_ledger_xlsx", args=[province.code]))
        assert response.status_code == 302
        assert response["Location"] == f"/provinces/{province.code}/ledger/"
        assert "正在生成最新的台账…" in client.get(response["Location"]).content.decode()
        prepare()
        job = PreparedWorkbook.objects.get()
        assert (job.scope, job.code, job.state) == ("province", province.code, "ready")
        assert job.rows_total == 2
        content = xlsx_bytes(client.get(reverse("province_ledger_xlsx", args=[province.code])))
        found = descriptions(content)
        assert "县级公共服务中心未开始建设。" in found and "铜鼓县" not in found

    def test_another_province_does_not_spoil_it(self, client, rita, data, province):
        client.force_login(rita)
        url = reverse("province_ledger_xlsx", args=[province.code])
        client.get(url)
        prepare()
        finding = Finding.objects.get(county=data)
        finding.description = "铜鼓县的问题，改过"
        finding.save()
        assert isinstance(client.get(url), FileResponse)

    def test_another_provinces_reviewer_gets_404(self, client, quinn, data, province):
        client.force_login(quinn)
        assert client.get(reverse("province_ledger_xlsx", args=[province.code])).status_code == 404
        assert client.get(f"/provinces/{province.code}/ledger/").status_code == 404
        assert not PreparedWorkbook.objects.exists()

    def test_a_county_user_gets_404_and_the_nation_403(self, client, alice, data, province):
        client.force_login(alice)
        assert client.get(reverse("province_ledger_xlsx", args=[province.code])).status_code == 404
        assert client.get(NATION_XLSX).status_code == 403
        assert client.get(NATION_STATUS).status_code == 403
        assert not PreparedWorkbook.objects.exists()

    def test_one_provinces_file_is_not_another_provinces(
        self, client, rita, quinn, data, province, other_province
    ):
        client.force_login(rita)
        client.get(reverse("province_ledger_xlsx", args=[province.code]))
        prepare()
        client.force_login(quinn)
        response = client.get(reverse("province_ledger_xlsx", args=[other_province.code]))
        assert response.status_code == 302

    def test_wrong_method(self, client, rita, data, province):
        client.force_login(rita)
        assert client.post(f"/provinces/{province.code}/ledger/").status_code == 405
        assert client.post(reverse("province_ledger_xlsx", args=[province.code])).status_code == 405


def test_county_ledger_stays_direct(client, alice, data):
    client.force_login(alice)
    response = client.get(reverse("ledger_xlsx"))
    assert isinstance(response, FileResponse)
    xlsx_bytes(response)
    assert not PreparedWorkbook.objects.exists()


def test_off_builds_per_request(client, nina, data, settings):
    settings.RECTIFY_PREPARED_WORKBOOKS = False
    client.force_login(nina)
    response = client.get(NATION_XLSX)
    assert isinstance(response, FileResponse)
    xlsx_bytes(response)
    assert not PreparedWorkbook.objects.exists()
