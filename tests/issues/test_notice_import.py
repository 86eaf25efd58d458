"""A province's 督查通报 imported as a notice (issue 16 item 5): seed 001 through the pages —
the preview's items and the counties each names, 全选, confirm once, the counties' findings
as the notice form makes them — unknown county names, editing and withdrawing an item, and
the import_notice command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from issues import services
from issues.models import County, Finding, ImportBatch, NoticeItem, Province, Review, Role
from tests.conftest import Factory
from tests.issues.html_forms import form_data
from tests.seeds import SEED_001

SEED = SEED_001
SEED_TEXT = SEED.read_text(encoding="utf-8")

# 江西's seven counties of seed 001 (codes as in the demo).
JIANGXI = {
    "360483": "庐山市",
    "360821": "吉安县",
    "360926": "铜鼓县",
    "361022": "黎川县",
    "361030": "广昌县",
    "361121": "上饶县",
    "361127": "余干县",
}


@pytest.fixture
def jiangxi(db) -> Province:
    province = Factory.province("360000", "江西省")
    for code, name in JIANGXI.items():
        Factory.county(province, code, name)
    return province


@pytest.fixture
def jo(jiangxi):
    """江西's reviewer."""
    return Factory.user("jo", Role.PROVINCE_REVIEWER, province=jiangxi)


def names(counties) -> set[str]:
    return {c.name for c in counties}


def upload(client, text=SEED_TEXT) -> ImportBatch:
    response = client.post("/notices/import/", {"text": text, "once": "a" * 32})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.get(kind=ImportBatch.Kind.NOTICE)


def preview(client, batch):
    response = client.get(f"/notices/import/{batch.pk}/")
    assert response.status_code == 200
    return response.content.decode()


class TestPreview:
    def test_seed_001_items_and_their_counties(self, client, jo):
        client.force_login(jo)
        batch = upload(client)
        assert batch.province.code == "360000" and batch.county is None
        html = preview(client, batch)
        assert "赣商务建设字〔2017〕193号" in html
        assert 'value="2017-07-11"' in html and 'value="2017-07-22"' in html
        assert 'value="2017-10-30"' in html  # 于2017年10月30日前…报送
        assert "与文号年份2017不符" in html  # signed "2107年8月14日"
        from issues.importing.notice import batch_notice_plan

        plan = batch_notice_plan(batch)
        assert names(plan.addressed) == set(JIANGXI.values())
        problems = [i for i in plan.items if i.source == "problems"]
        assert [i.category for i in problems] == [
            "资金拨付进度缓慢",
            "项目推进较慢,建设标准较低",
            "资金管理不规范",
            "工作过程管理不规范",
            "信息公开不足",
            "其它",
        ]
        assert all(i.include for i in problems)
        # Item 1 names no county: 全选, every county addressed.
        assert problems[0].named == [] and names(problems[0].ticked) == set(JIANGXI.values())
        # Item 2 names 铜鼓县 but speaks of 各示范县: all ticked, 铜鼓县 shown as named.
        assert names(problems[1].named) == {"铜鼓县"}
        assert names(problems[1].ticked) == set(JIANGXI.values())
        # The other parts' sentences naming counties beside a shortfall: offered, unticked.
        named = {i.text: names(i.ticked) for i in plan.items if i.source == "named"}
        assert all(not i.include for i in plan.items if i.source == "named")
        assert named["铜鼓县、广昌县、庐山市拨付资金为零。"] == {"铜鼓县", "广昌县", "庐山市"}
        assert named["上饶县尚未开展培训工作。"] == {"上饶县"}
        assert named["广昌县、庐山市进展较慢,电商公共服务中心仍未建成投入运营。"] == {
            "广昌县",
            "庐山市",
        }
        assert named["庐山市、铜鼓县进展较慢。"] == {"庐山市", "铜鼓县"}
        assert not any("较好地解决" in text for text in named)  # praise is no problem

    def test_names_with_or_without_suffix_and_unknown_flagged(self, client, jo):
        client.force_login(jo)
        text = (
            "关于督查情况的通报\n赣商务建设字〔2018〕5号\n铜鼓县、广昌、修水县人民政府：\n"
            "二、存在问题\n1.拨付率低。铜鼓、修水县中央财政资金拨付率低于50%。\n"
            "2.站点不足。广昌县村级站点覆盖率低。\n"
        )
        batch = upload(client, text)
        html = preview(client, batch)
        from issues.importing.notice import batch_notice_plan

        plan = batch_notice_plan(batch)
        assert names(plan.addressed) == {"铜鼓县", "广昌县"}
        assert plan.unknown_addressed == ["修水县"]
        first, second = plan.items
        assert names(first.ticked) == {"铜鼓县"} and first.unknown == ["修水县"]
        assert names(second.ticked) == {"广昌县"} and second.unknown == []
        assert "未能对应的区县名称：修水县" in html

    def test_select_all_without_javascript(self, client, jo):
        client.force_login(jo)
        text = "关于督查情况的通报\n铜鼓县、广昌县人民政府：\n二、存在问题\n1.铜鼓县站点不足。\n"
        batch = upload(client, text)
        data = form_data(preview(client, batch), "notice-preview")
        assert data["item_0_counties"] == str(County.objects.get(name="铜鼓县").pk)
        data["select_all"] = "0"
        assert client.post(f"/notices/import/{batch.pk}/", data).status_code == 302
        html = preview(client, batch)
        ticked = form_data(html, "notice-preview")["item_0_counties"]
        assert sorted(ticked) == sorted(
            str(pk)
            for pk in County.objects.filter(name__in=["铜鼓县", "广昌县"]).values_list(
                "pk", flat=True
            )
        )


class TestConfirm:
    def test_confirm_fans_out_like_the_notice_form_once(self, client, jo):
        client.force_login(jo)
        batch = upload(client)
        data = form_data(preview(client, batch), "notice-preview")
        # The user edits item 1's words, unticks 黎川县 from it, and takes 上饶县's training.
        data["item_0_text"] = "7个示范县(市)累计拨付资金仅占6.08%,拨付进度明显滞后。"
        lichuan = str(County.objects.get(name="黎川县").pk)
        data["item_0_counties"] = [pk for pk in data["item_0_counties"] if pk != lichuan]
        training = next(
            k for k in range(20) if data.get(f"item_{k}_text") == "上饶县尚未开展培训工作。"
        )
        data[f"item_{training}_include"] = "on"
        data["action"] = "apply"
        response = client.post(f"/notices/import/{batch.pk}/", data)
        notice = Review.objects.get(province__code="360000")
        assert response.status_code == 302 and response.url == f"/notices/{notice.pk}/"
        assert notice.reference_number == "赣商务建设字〔2017〕193号"
        assert notice.team == "省督查组" and notice.issuer == "江西省商务厅"
        assert (
            str(notice.start_date) == "2017-07-11" and str(notice.report_deadline) == "2017-10-30"
        )
        assert names(notice.counties.all()) == set(JIANGXI.values())
        items = list(notice.notice_items.order_by("id"))
        assert len(items) == 7
        assert items[0].description == "7个示范县(市)累计拨付资金仅占6.08%,拨付进度明显滞后。"
        assert names(c.county for c in items[0].findings.all()) == set(JIANGXI.values()) - {
            "黎川县"
        }
        assert names(c.county for c in items[-1].findings.all()) == {"上饶县"}
        # Each county's copy is what services.notice_item_add makes: the item's words,
        # category and the notice's deadline, linked to the item.
        for finding in Finding.objects.filter(notice_item__review=notice):
            item = finding.notice_item
            assert finding.description == item.description
            assert finding.category_id == item.category_id
            assert str(finding.deadline) == "2017-10-30"
        assert Finding.objects.filter(review=notice).count() == 6 + 7 * 5 + 1
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.APPLIED
        # The same form sent again creates nothing.
        again = client.post(f"/notices/import/{batch.pk}/", data)
        assert again.status_code == 302 and again.url == f"/notices/{notice.pk}/"
        assert Review.objects.filter(province__code="360000").count() == 1
        assert NoticeItem.objects.count() == 7

    def test_an_item_without_counties_is_refused(self, client, jo):
        client.force_login(jo)
        batch = upload(client)
        data = form_data(preview(client, batch), "notice-preview")
        data["item_0_counties"] = []
        data["action"] = "apply"
        response = client.post(f"/notices/import/{batch.pk}/", data)
        assert response.status_code == 400
        assert "没有选择区县" in response.content.decode()
        assert not Review.objects.filter(province__code="360000").exists()
        batch.refresh_from_db()
        assert batch.is_pending

    def test_cancel(self, client, jo):
        client.force_login(jo)
        batch = upload(client)
        assert client.post(f"/notices/import/{batch.pk}/cancel/").status_code == 302
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.CANCELLED

    def test_scoping(self, client, jo, rita, alice, nina, jiangxi):
        client.force_login(jo)
        batch = upload(client)
        client.force_login(nina)  # the county import pages do not show a notice import
        assert client.get(f"/imports/{batch.pk}/").status_code == 404
        client.force_login(rita)  # another province's reviewer
        assert client.get(f"/notices/import/{batch.pk}/").status_code == 404
        staff = Factory.user("tg", Role.COUNTY_STAFF, county=County.objects.get(name="铜鼓县"))
        client.force_login(staff)  # a county of the province
        assert client.get(f"/notices/import/{batch.pk}/").status_code == 403
        assert client.get("/notices/import/").status_code == 403
        client.force_login(alice)
        assert client.get("/notices/import/").status_code == 403


@pytest.fixture
def imported(jo, jiangxi) -> Review:
    out = io.StringIO()
    call_command("import_notice", str(SEED), "--province", "360000", stdout=out)
    return Review.objects.get(province=jiangxi)


class TestEditAndWithdraw:
    def test_edit_follows_untouched_copies(self, client, jo, imported):
        item = imported.notice_items.order_by("id")[1]
        client.force_login(jo)
        url = f"/notices/items/{item.pk}/edit/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"description": "部分示范县站点建设标准过低。", "measures": ""})
        assert response.status_code == 302
        item.refresh_from_db()
        assert item.description == "部分示范县站点建设标准过低。"
        assert {f.description for f in item.findings.all()} == {item.description}
        assert item.history.count() == 2

    def test_withdraw_keeps_item_and_copies(self, client, jo, imported):
        item = imported.notice_items.order_by("id")[0]
        copies = item.findings.count()
        client.force_login(jo)
        url = f"/notices/items/{item.pk}/withdraw/"
        assert client.post(url, {"reason": ""}).status_code == 400
        assert client.post(url, {"reason": "与第2条重复"}).status_code == 302
        item.refresh_from_db()
        assert (
            item.is_withdrawn and item.withdrawn_by == jo and item.withdraw_reason == "与第2条重复"
        )
        assert item.findings.count() == copies  # the counties' findings stay, open
        assert not item.findings.filter(status=Finding.Status.CLOSED).exists()
        html = client.get(f"/notices/{imported.pk}/").content.decode()
        assert "<del>" in html and "与第2条重复" in html
        finding = item.findings.first()
        staff = Factory.user("c1", Role.COUNTY_STAFF, county=finding.county)
        client.force_login(staff)
        assert "来自已撤回的通报问题" in client.get(f"/findings/{finding.pk}/").content.decode()
        # Withdrawn twice: refused; edit after withdrawal: refused.
        with pytest.raises(services.TransitionError):
            services.notice_item_withdraw(user=jo, item=item, reason="再撤")
        with pytest.raises(services.TransitionError):
            services.notice_item_edit(
                user=jo, item=item, description="x", measures=[], deadline=None
            )

    def test_other_province_404_county_staff_403(self, client, rita, imported):
        item = imported.notice_items.first()
        client.force_login(rita)
        assert client.get(f"/notices/items/{item.pk}/edit/").status_code == 404
        assert (
            client.post(f"/notices/items/{item.pk}/withdraw/", {"reason": "x"}).status_code == 404
        )
        staff = Factory.user("c2", Role.COUNTY_STAFF, county=County.objects.get(name="铜鼓县"))
        client.force_login(staff)
        assert client.get(f"/notices/items/{item.pk}/edit/").status_code == 403
        assert (
            client.post(f"/notices/items/{item.pk}/withdraw/", {"reason": "x"}).status_code == 403
        )
        item.refresh_from_db()
        assert not item.is_withdrawn


class TestCommand:
    def test_dry_run_writes_nothing(self, jo, jiangxi):
        out = io.StringIO()
        call_command("import_notice", str(SEED), "--province", "360000", "--dry-run", stdout=out)
        text = out.getvalue()
        assert "赣商务建设字〔2017〕193号" in text
        assert "1. 资金拨付进度缓慢" in text and "Dry run: nothing saved." in text
        assert not Review.objects.exists() and not ImportBatch.objects.exists()

    def test_imports_and_refuses_unknown_province(self, jo, jiangxi):
        out = io.StringIO()
        call_command("import_notice", str(SEED), "--province", "360000", "--user", "jo", stdout=out)
        notice = Review.objects.get(province=jiangxi)
        assert notice.notice_items.count() == 6  # the 存在问题 part; named sentences unticked
        assert notice.counties.count() == 7
        assert Finding.objects.filter(review=notice).count() == 42
        with pytest.raises(CommandError):
            call_command("import_notice", str(SEED), "--province", "999999", stdout=out)


def test_notice_form_offers_select_all(client, rita, province, county_a):
    notice = services.notice_create(user=rita, province=province, data={"team": "省督查组"})
    client.force_login(rita)
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "data-select-all hidden" in html and "js/select-all" in html


class TestRecognisedText:
    """A scanned notice (text by OCR) is created only once the reviewer says it was checked,
    as a county's scanned document is (issues.importing.services.ocr_unchecked)."""

    @pytest.fixture(autouse=True)
    def scanned(self, monkeypatch):
        from issues.importing import readers

        monkeypatch.setattr(
            readers, "read_source", lambda upload: readers.DocumentText(SEED_TEXT, [10, 11, 12])
        )

    def test_the_preview_asks_and_confirm_waits_for_the_tick(self, client, jo):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.force_login(jo)
        scan = SimpleUploadedFile("通报扫描件.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
        response = client.post("/notices/import/", {"file": scan, "once": "b" * 32})
        assert response.status_code == 302, response.content.decode()[:2000]
        batch = ImportBatch.objects.get(kind=ImportBatch.Kind.NOTICE)
        html = preview(client, batch)
        assert 'id="ocr-notice"' in html and "本通报有 3 行是识别文字" in html
        data = form_data(html, "notice-preview")
        data["action"] = "apply"
        refused = client.post(f"/notices/import/{batch.pk}/", data, follow=True)
        assert "我已逐条核对识别文字" in refused.content.decode()
        assert not Review.objects.filter(province__code="360000").exists()
        data["ocr_checked"] = "1"
        data["once"] = "c" * 32
        client.post(f"/notices/import/{batch.pk}/", data)
        assert Review.objects.filter(province__code="360000").count() == 1

    def test_the_command_needs_ocr_checked(self, jo, jiangxi):
        with pytest.raises(CommandError, match="识别文字"):
            call_command("import_notice", str(SEED), "--province", "360000", stdout=io.StringIO())
        assert not Review.objects.exists()
        call_command(
            "import_notice",
            str(SEED),
            "--province",
            "360000",
            "--ocr-checked",
            stdout=io.StringIO(),
        )
        assert Review.objects.filter(province=jiangxi).count() == 1
