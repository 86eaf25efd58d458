"""The report pages: list, detail, create, edit, the .docx downloads and the province ledger.
Each: success, outsider 404, read-only 403, anonymous to the login page, invalid form."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from docx import Document

from issues.models import Review, User
from reports.models import Report
from reports.services import report_save
from tests.conftest import PASSWORD, Factory

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORT_DATE = dt.date(2019, 9, 10)
FORM_FIELDS = [
    "issuer",
    "addressee",
    "title",
    "date",
    "opening",
    "work_done",
    "leadership_heading",
    "leadership",
    "next_steps",
    "plan_title",
    "plan_intro",
    "plan_goals",
    "plan_safeguards",
]


@pytest.fixture
def review_a2(county_a, alice) -> Review:
    review = Factory.review(
        county_a,
        kind=Review.Kind.PROVINCE_EVALUATION,
        team="省绩效评价组",
        start=dt.date(2019, 5, 24),
    )
    Factory.finding(
        alice, county_a, review, category="项目完成方面问题", description="培训完成率较低。"
    )
    return review


@pytest.fixture
def report_a(alice, county_a, review_a, review_a2, finding_a) -> Report:
    report = Report(
        county=county_a,
        issuer="广元市昭化区人民政府",
        title="广元市昭化区人民政府关于示范项目绩效评价发现问题整改情况的报告",
        date=REPORT_DATE,
        work_done="一是迅速部署。",
        leadership="成立了领导小组。",
        next_steps="下一步,我区将继续推进。",
        plan_title="昭化区整改方案",
    )
    return report_save(user=alice, report=report, reviews=[review_a, review_a2])


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def form_data(report: Report, choices: list[tuple[Review, bool, int]], **changes) -> dict:
    """What the edit form posts: the report's fields, then one row per review of the county
    (in the page's order: by start date) with its checkbox and order."""
    data = {"version": str(report.version)}
    for name in FORM_FIELDS:
        value = getattr(report, name)
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    data.update(
        {
            "reviews-TOTAL_FORMS": str(len(choices)),
            "reviews-INITIAL_FORMS": str(len(choices)),
            "reviews-MIN_NUM_FORMS": "0",
            "reviews-MAX_NUM_FORMS": "1000",
        }
    )
    for i, (review, include, order) in enumerate(choices):
        data[f"reviews-{i}-review"] = str(review.pk)
        data[f"reviews-{i}-order"] = str(order)
        if include:
            data[f"reviews-{i}-include"] = "on"
    data.update(changes)
    return data


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


# Who may see what


def test_list_shows_the_reports_a_user_may_see(
    client, report_a, alice, lee, bob, rita, quinn, nina
):
    for user, sees in ((alice, True), (lee, True), (rita, True), (nina, True), (bob, False)):
        client.force_login(user)
        response = client.get(url("report_list"))
        assert response.status_code == 200
        assert (report_a.title in response.content.decode()) is sees, user.username
    client.force_login(quinn)
    response = client.get(url("report_list"))
    assert response.status_code == 200
    assert report_a.title not in response.content.decode()
    assert "还没有报告。" in response.content.decode()


def test_only_county_staff_are_offered_a_new_report(client, report_a, alice, lee):
    new = url("report_create")
    client.force_login(alice)
    assert new in client.get(url("report_list")).content.decode()
    client.force_login(lee)
    assert new not in client.get(url("report_list")).content.decode()


def test_archived_reports_are_not_listed_or_shown(client, report_a, alice):
    Report.objects.filter(pk=report_a.pk).update(is_archived=True)
    client.force_login(alice)
    assert report_a.title not in client.get(url("report_list")).content.decode()
    assert client.get(url("report_detail", report_a.pk)).status_code == 404


def test_detail_shows_the_generated_report(client, report_a, alice):
    client.force_login(alice)
    response = client.get(url("report_detail", report_a.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "截至目前，商务部复核组发现问题1个，已销号问题0个，1个问题正在加紧整改；"
        "省绩效评价组发现问题1个，已销号问题0个，1个问题正在加紧整改。"
    ) in page
    assert "（一）商务部复核组发现问题及整改情况" in page
    assert "（1）县级公共服务中心未开始建设。" in page
    assert url("report_edit", report_a.pk) in page
    assert url("report_docx", report_a.pk, "report") in page
    assert url("report_docx", report_a.pk, "plan") in page


@pytest.mark.parametrize("user_name", ["lee", "rita", "nina"])
def test_readers_see_the_detail_without_an_edit_link(client, report_a, request, user_name):
    client.force_login(request.getfixturevalue(user_name))
    response = client.get(url("report_detail", report_a.pk))
    assert response.status_code == 200
    assert url("report_edit", report_a.pk) not in response.content.decode()


@pytest.mark.parametrize("user_name", ["bob", "quinn"])
@pytest.mark.parametrize(
    "name,extra", [("report_detail", ()), ("report_edit", ()), ("report_docx", ("report",))]
)
def test_outsiders_get_404(client, report_a, request, user_name, name, extra):
    client.force_login(request.getfixturevalue(user_name))
    assert client.get(url(name, report_a.pk, *extra)).status_code == 404
    if name == "report_edit":
        data = form_data(report_a, [], title="改掉")
        assert client.post(url(name, report_a.pk), data).status_code == 404
        report_a.refresh_from_db()
        assert report_a.title != "改掉"


@pytest.mark.parametrize("user_name", ["lee", "rita"])
def test_readers_may_not_edit_or_create(client, report_a, review_a, request, user_name):
    client.force_login(request.getfixturevalue(user_name))
    assert client.get(url("report_edit", report_a.pk)).status_code == 403
    data = form_data(report_a, [(review_a, True, 1)], title="改掉")
    assert client.post(url("report_edit", report_a.pk), data).status_code == 403
    assert client.get(url("report_create")).status_code == 403
    assert client.post(url("report_create"), data).status_code == 403
    report_a.refresh_from_db()
    assert report_a.title != "改掉"
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "name,extra",
    [
        ("report_list", ()),
        ("report_create", ()),
        ("report_detail", (1,)),
        ("report_edit", (1,)),
        ("report_docx", (1, "report")),
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, db, name, extra):
    assert_login_redirect(client.get(url(name, *extra)))


def test_wrong_method_on_the_forms(client, report_a, alice):
    client.force_login(alice)
    assert client.delete(url("report_edit", report_a.pk)).status_code == 405
    assert client.put(url("report_create")).status_code == 405


# Downloads


@pytest.mark.parametrize("user_name", ["alice", "lee", "rita", "nina"])
def test_report_and_plan_download_as_docx(client, report_a, request, user_name):
    client.force_login(request.getfixturevalue(user_name))
    for document, name, has_results in (
        ("report", "整改情况报告", True),
        ("plan", "整改方案", False),
    ):
        response = client.get(url("report_docx", report_a.pk, document))
        assert response.status_code == 200
        assert response["Content-Type"] == DOCX
        filename = f"广元市昭化区{name}-2019-09-10.docx"
        assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
        assert "县级公共服务中心未开始建设。" in text
        assert ("整改结果" in text or "销号情况" in text) is has_results


def test_unknown_document_is_404(client, report_a, alice):
    client.force_login(alice)
    assert client.get(url("report_docx", report_a.pk, "minutes")).status_code == 404
    assert client.get(url("report_docx", 999999, "report")).status_code == 404


def test_demo_report_downloads_under_its_chinese_name(client, db):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
    client.force_login(User.objects.get(username="staff-510811"))
    report = Report.objects.get(county__code="510811")
    response = client.get(url("report_docx", report.pk, "report"))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == (
        "attachment; filename*=utf-8''"
        "%E6%98%AD%E5%8C%96%E5%8C%BA%E6%95%B4%E6%94%B9%E6%83%85%E5%86%B5%E6%8A%A5%E5%91%8A"
        "-2019-09-10.docx"
    )
    assert quote("昭化区整改情况报告-2019-09-10.docx") in disposition
    response = client.get(url("report_docx", report.pk, "plan"))
    assert quote("昭化区整改方案-2019-09-10.docx") in response["Content-Disposition"]


# Editing


def test_edit_form_shows_the_report_and_its_reviews(client, report_a, alice, review_a, review_a2):
    client.force_login(alice)
    response = client.get(url("report_edit", report_a.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert report_a.title in page and "一是迅速部署。" in page
    assert "商务部复核组" in page and "省绩效评价组" in page
    assert 'name="reviews-TOTAL_FORMS" value="2"' in page


def test_editing_saves_narratives_and_review_order_with_history(
    client, report_a, alice, review_a, review_a2
):
    client.force_login(alice)
    before = report_a.history.count()
    data = form_data(
        report_a,
        [(review_a, True, 2), (review_a2, True, 1)],
        work_done="一是立行立改。\n二是压实责任。",
        next_steps="下一步,继续抓好整改。",
    )
    response = client.post(url("report_edit", report_a.pk), data, follow=True)
    assert response.redirect_chain == [(url("report_detail", report_a.pk), 302)]
    page = response.content.decode()
    assert "报告已保存。" in page
    assert "（一）省绩效评价组发现问题及整改情况" in page
    assert "（二）商务部复核组发现问题及整改情况" in page
    assert "下一步，继续抓好整改。" in page  # written full-width, kept as typed

    report_a.refresh_from_db()
    assert report_a.work_done == "一是立行立改。\n二是压实责任。"
    assert report_a.next_steps == "下一步,继续抓好整改。"
    assert report_a.updated_by == alice
    assert [link.review for link in report_a.review_links.all()] == [review_a2, review_a]
    assert report_a.history.count() == before + 1
    latest = report_a.history.first()
    assert latest.history_user == alice
    assert latest.work_done == "一是立行立改。\n二是压实责任。"


def test_leaving_a_review_out(client, report_a, alice, review_a, review_a2):
    client.force_login(alice)
    data = form_data(report_a, [(review_a, True, 1), (review_a2, False, 2)])
    assert client.post(url("report_edit", report_a.pk), data).status_code == 302
    assert [link.review for link in report_a.review_links.all()] == [review_a]
    page = client.get(url("report_detail", report_a.pk)).content.decode()
    assert "省绩效评价组发现问题" not in page


def test_bad_input_keeps_what_was_typed_and_explains_in_chinese(
    client, report_a, alice, review_a, review_a2
):
    client.force_login(alice)
    data = form_data(
        report_a,
        [(review_a, True, 1), (review_a2, True, 2)],
        title="",
        date="2019-13-45",
        work_done="新写的一段工作开展情况。",
    )
    response = client.post(url("report_edit", report_a.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "新写的一段工作开展情况。" in page
    assert "2019-13-45" in page
    assert "这个字段是必填项。" in page
    assert "输入一个有效的日期。" in page
    assert "保存失败，请按提示修改。您填写的内容都已保留。" in page
    report_a.refresh_from_db()
    assert report_a.work_done == "一是迅速部署。"
    assert report_a.title.startswith("广元市昭化区人民政府关于")


def test_choosing_no_review_is_an_error(client, report_a, alice, review_a, review_a2):
    client.force_login(alice)
    before = report_a.history.count()
    data = form_data(
        report_a, [(review_a, False, 1), (review_a2, False, 2)], work_done="没有选择检查。"
    )
    response = client.post(url("report_edit", report_a.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "请至少选择一次检查。" in page
    assert "没有选择检查。" in page
    assert report_a.review_links.count() == 2
    assert report_a.history.count() == before


def test_a_review_of_another_county_cannot_be_chosen(client, report_a, alice, review_a, review_b):
    client.force_login(alice)
    data = form_data(report_a, [(review_a, True, 1), (review_b, True, 2)])
    response = client.post(url("report_edit", report_a.pk), data)
    assert response.status_code == 200
    assert [link.review for link in report_a.review_links.all()][0] == review_a
    assert not report_a.review_links.filter(review=review_b).exists()


# Creating


def test_create_form_starts_from_the_county_defaults(client, alice, review_a, review_a2):
    client.force_login(alice)
    response = client.get(url("report_create"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "广元市昭化区人民政府" in page
    assert 'name="reviews-TOTAL_FORMS" value="2"' in page


def test_creating_a_report(client, alice, county_a, review_a, review_a2, finding_a):
    client.force_login(alice)
    template = Report(
        county=county_a,
        issuer="广元市昭化区人民政府",
        title="新的整改情况报告",
        date=dt.date(2019, 12, 1),
        leadership="领导小组按月调度。",
    )
    data = form_data(template, [(review_a, True, 1), (review_a2, False, 2)])
    response = client.post(url("report_create"), data)
    report = Report.objects.get(title="新的整改情况报告")
    assert response.status_code == 302
    assert response["Location"] == url("report_detail", report.pk)
    assert report.county == county_a
    assert report.date == dt.date(2019, 12, 1)
    assert (report.created_by, report.updated_by) == (alice, alice)
    assert [link.review for link in report.review_links.all()] == [review_a]
    assert report.history.get().history_user == alice


def test_creating_without_a_title_keeps_the_form(client, alice, county_a, review_a):
    client.force_login(alice)
    template = Report(county=county_a, issuer="广元市昭化区人民政府", title="", opening="开头。")
    response = client.post(url("report_create"), form_data(template, [(review_a, True, 1)]))
    assert response.status_code == 200
    assert "这个字段是必填项。" in response.content.decode()
    assert "开头。" in response.content.decode()
    assert not Report.objects.exists()


# The province ledger


@pytest.mark.parametrize(
    "user_name,status",
    [("rita", 200), ("nina", 200), ("quinn", 404), ("alice", 404), ("lee", 404), ("bob", 404)],
)
def test_province_ledger_download(client, finding_a, request, user_name, status):
    client.force_login(request.getfixturevalue(user_name))
    response = client.get(url("province_ledger_xlsx", "510000"))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith(
            "attachment; filename*=utf-8''" + quote("四川省整改台账-")
        )


def test_province_ledger_needs_a_login(client, db):
    assert_login_redirect(client.get(url("province_ledger_xlsx", "510000")))


LETTERHEAD = {
    "sealed": "on",
    "issuer_mark": "广元市昭化区人民政府文件",
    "doc_number": "昭府〔2019〕45号",
    "signer": "王小明",
    "contact_note": "联系人：王蓉，电话：0839-8721234",
    "copy_to": "市商务局，市财政局",
    "printer": "广元市昭化区人民政府办公室",
    "printed_on": "2019-09-10",
}


def test_the_form_offers_the_letterhead_and_record_fields(client, report_a, alice):
    client.force_login(alice)
    page = client.get(url("report_edit", report_a.pk)).content.decode()
    for name in LETTERHEAD:
        assert f'name="{name}"' in page, name
    assert "版头、附注与版记（选填）" in page


def test_editing_saves_the_letterhead_and_record_and_the_docx_carries_them(
    client, report_a, alice, review_a, review_a2
):
    client.force_login(alice)
    data = form_data(report_a, [(review_a, True, 1), (review_a2, True, 2)], **LETTERHEAD)
    response = client.post(url("report_edit", report_a.pk), data)
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.sealed is True
    assert report_a.doc_number == "昭府〔2019〕45号"
    assert report_a.printed_on == dt.date(2019, 9, 10)
    content = client.get(url("report_docx", report_a.pk, "report")).content
    paragraphs = Document(io.BytesIO(content)).paragraphs
    styles = [(p.style.name, p.text) for p in paragraphs]
    assert styles[0] == ("发文机关标志", "广元市昭化区人民政府文件")
    assert styles[1] == ("发文字号", "\t昭府〔2019〕45号\t签发人：王小明")
    assert styles[2][0] == "公文标题"
    assert ("附注", "（联系人：王蓉，电话：0839-8721234）") in styles
    table = Document(io.BytesIO(content)).tables[-1]
    assert [c.text for row in table.rows for c in row.cells] == [
        "抄送：市商务局，市财政局。",
        "广元市昭化区人民政府办公室\t2019年9月10日印发",
    ]
    page = client.get(url("report_detail", report_a.pk)).content.decode()
    assert "广元市昭化区人民政府文件" in page and "抄送：市商务局，市财政局。" in page


def test_a_half_filled_record_keeps_what_was_typed(client, report_a, alice, review_a, review_a2):
    client.force_login(alice)
    data = form_data(
        report_a,
        [(review_a, True, 1), (review_a2, True, 2)],
        signer="王小明",
        printer="广元市昭化区人民政府办公室",
        copy_to="市商务局",
    )
    response = client.post(url("report_edit", report_a.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "填写签发人时，请同时填写发文字号。" in page
    assert "请填写印发日期。" in page
    assert 'value="王小明"' in page and 'value="市商务局"' in page
    report_a.refresh_from_db()
    assert report_a.signer == "" and report_a.printer == ""
