"""The province's 督查通报 as Word (GB/T 9704) and PDF, from seed 001's notice: 江西省商务厅's
赣商务建设字〔2017〕193号 to seven counties, with a few of its problems and the counties each
names (reports/exports/notice.py, reports.selectors.notice_document, reports.views.notice_file)."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest
from django.urls import reverse
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from issues import services
from issues.models import Role
from reports import selectors
from reports.exports import notice as notice_writer
from tests.conftest import PASSWORD, Factory
from tests.reports.test_report_docx import (
    HALF_WIDTH_NEXT_TO_CHINESE,
    alignment,
    east_asian_font,
    require_tool,
)
from tests.reports.test_report_docx import (
    test_page_is_a4_with_the_standard_margins_and_a_line_grid as check_page,
)

# Seed 001's counties, with their division codes.
COUNTIES = {
    "庐山市": "360483",
    "铜鼓县": "360926",
    "上饶县": "361121",
    "余干县": "361127",
    "吉安县": "360821",
    "广昌县": "361030",
    "黎川县": "361022",
}
# The addressees, by division code (as the notice's page lists them).
ADDRESSEE = "庐山市、吉安县、铜鼓县、黎川县、广昌县、上饶县、余干县人民政府："
TITLE = "关于对第三批电子商务进农村综合示范县工作督查情况的通报"
NUMBER = "赣商务建设字〔2017〕193号"

# (category, description as the web page has it, half-width marks and all, measures, counties)
ITEMS = [
    (
        "项目进展",
        "电商公共服务中心仍未建成投入运营,进展较慢。",
        ["加快电商公共服务中心建设", "明确运营主体,尽快投入运营"],
        ["广昌县", "庐山市"],
    ),
    ("项目进展", "尚未开展培训工作。", ["制定培训计划,年底前完成培训任务"], ["上饶县"]),
    (
        "资金使用",
        "资金拨付进度缓慢。截至目前,7个示范县(市)累计共拨付资金638.4万元,"
        "占中央支持资金总额的6.08%,拨付进度明显滞后。",
        ["加快资金拨付进度"],
        list(COUNTIES),
    ),
    (
        "资金使用",
        "中央财政资金拨付为零。",
        ["按项目进度拨付资金,拨付前公示5个工作日"],
        ["铜鼓县", "广昌县", "庐山市"],
    ),
    (
        "信息公开",
        "综合示范工作方案未在省商务厅电子商务进农村综合示范工作专栏上公开。",
        [],
        ["余干县"],
    ),
]


@pytest.fixture
def jiangxi(other_province):
    return {name: Factory.county(other_province, code, name) for name, code in COUNTIES.items()}


@pytest.fixture
def notice(quinn, other_province, jiangxi):
    notice = services.notice_create(
        user=quinn,
        province=other_province,
        data={
            "team": "省督查组",
            "issuer": "江西省商务厅",
            "title": TITLE,
            "reference_number": NUMBER,
            "start_date": dt.date(2017, 7, 11),
            "end_date": dt.date(2017, 7, 22),
            "issued_on": dt.date(2017, 8, 14),
            "report_deadline": dt.date(2017, 10, 30),
        },
    )
    for category, description, measures, counties in ITEMS:
        services.notice_item_add(
            user=quinn,
            notice=notice,
            category_name=category,
            description=description,
            measures=measures,
            counties=[jiangxi[name] for name in counties],
        )
    return notice


@pytest.fixture
def word(notice):
    doc = selectors.notice_document(notice, dt.date(2017, 8, 20))
    return Document(io.BytesIO(notice_writer.notice_docx(doc)))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_the_selector_gathers_the_notice_in_three_queries(notice, django_assert_num_queries):
    with django_assert_num_queries(3):
        doc = selectors.notice_document(notice, dt.date(2017, 8, 20))
    assert doc.counties == ADDRESSEE.removesuffix("人民政府：").split("、")
    assert [e.category for e in doc.entries] == [item[0] for item in ITEMS]
    assert [sorted(e.counties) for e in doc.entries] == [sorted(item[3]) for item in ITEMS]
    assert doc.date == dt.date(2017, 8, 14)


def test_the_head_has_the_mark_and_the_number(word):
    paragraphs = word.paragraphs
    assert (paragraphs[0].style.name, paragraphs[0].text) == ("发文机关标志", "江西省商务厅文件")
    assert (paragraphs[1].style.name, paragraphs[1].text) == ("发文字号", NUMBER)
    assert alignment(paragraphs[1]) == WD_ALIGN_PARAGRAPH.CENTER  # 下行文: no 签发人
    assert paragraphs[2].style.name == "公文标题"
    assert paragraphs[2].text.replace("\n", "") == TITLE
    assert (paragraphs[3].style.name, paragraphs[3].text) == ("主送机关", ADDRESSEE)


def test_categories_items_and_the_counties_each_concerns(word):
    lines = texts(word)
    headings = [p.text for p in word.paragraphs if p.style.name == "一级标题"]
    assert headings == ["一、项目进展", "二、资金使用", "三、信息公开"]
    items = [p.text for p in word.paragraphs if p.style.name == "问题"]
    assert [t[:3] for t in items] == ["（一）", "（二）", "（一）", "（二）", "（一）"]
    first = lines.index(items[0])
    assert lines[first + 1 : first + 4] == [
        "涉及区县：庐山市、广昌县",
        "整改要求：一是加快电商公共服务中心建设；二是明确运营主体，尽快投入运营。",
        "完成时限：2017年10月30日前",
    ]
    assert lines[lines.index(items[1]) + 1] == "涉及区县：上饶县"
    # The item sent to all seven names none.
    assert lines[lines.index(items[2]) + 1] == "整改要求：加快资金拨付进度。"
    assert lines[lines.index(items[3]) + 1] == "涉及区县：庐山市、铜鼓县、广昌县"
    assert lines[lines.index(items[4]) + 1] == "涉及区县：余干县"
    assert sum(t.startswith("涉及区县：") for t in lines) == 4


def test_punctuation_is_full_width_and_the_numbers_stay(word):
    text = "\n".join(texts(word))
    assert HALF_WIDTH_NEXT_TO_CHINESE.findall(text) == []
    assert "7个示范县（市）累计共拨付资金638.4万元，占中央支持资金总额的6.08%，" in text


def test_the_closing_the_sealed_signature_and_the_record(word):
    # The last paragraph is the empty one the floating 版记 table sits over.
    *body, end = word.paragraphs
    assert end.text == ""
    assert "并于2017年10月30日前将整改情况书面报送江西省商务厅。" in body[-3].text
    signature, date = body[-2], body[-1]
    assert (signature.style.name, signature.text) == ("发文机关署名", "江西省商务厅")
    assert (date.style.name, date.text) == ("成文日期", "2017年8月14日")
    # Sealed: the date four characters in from the right, room above for the seal.
    assert date.paragraph_format.right_indent.pt == pytest.approx(4 * 15.75, abs=0.1)
    (record,) = word.tables
    assert [c.text for c in record.column_cells(0)] == ["江西省商务厅\t2017年8月14日印发"]
    assert word.core_properties.title == TITLE
    assert word.core_properties.author == "江西省商务厅"


def test_the_page_and_fonts_are_the_reports(word):
    check_page(word)
    assert east_asian_font(word.styles["Normal"]) == "仿宋_GB2312"
    assert east_asian_font(word.styles["一级标题"]) == "黑体"


def test_rendering_is_pure(notice, django_assert_num_queries):
    doc = selectors.notice_document(notice, dt.date(2017, 8, 20))
    with django_assert_num_queries(0):
        notice_writer.notice_docx(doc)


# The views


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def county_staff(jiangxi):
    return Factory.user("lu", Role.COUNTY_STAFF, county=jiangxi["余干县"])


@pytest.fixture
def county_leader(jiangxi):
    return Factory.user("gao", Role.COUNTY_LEADER, county=jiangxi["黎川县"])


@pytest.fixture
def outsider(other_province):
    """Staff of a county of 江西 the notice does not name."""
    county = Factory.county(other_province, "360121", "南昌县")
    return Factory.user("nan", Role.COUNTY_STAFF, county=county)


@pytest.mark.parametrize("who", ["quinn", "nina", "county_staff", "county_leader"])
def test_the_province_and_the_counties_named_download_it(client, request, notice, who):
    login(client, request.getfixturevalue(who))
    response = client.get(reverse("notice_docx", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "193" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    assert ADDRESSEE in texts(document)


@pytest.mark.parametrize("who", ["rita", "outsider", "alice"])
@pytest.mark.parametrize("name", ["notice_docx", "notice_pdf"])
def test_anyone_else_is_told_it_does_not_exist(client, request, notice, who, name):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse(name, args=[notice.pk])).status_code == 404


def test_a_county_review_is_no_notice(client, nina, review_a):
    login(client, nina)
    assert client.get(reverse("notice_docx", args=[review_a.pk])).status_code == 404


def test_a_notice_without_items_goes_back_with_a_message(client, quinn, other_province):
    empty = services.notice_create(user=quinn, province=other_province, data={"team": "省督查组"})
    login(client, quinn)
    response = client.get(reverse("notice_docx", args=[empty.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("notice_detail", args=[empty.pk])
    assert "该通报还没有通报问题" in response.content.decode()


def test_the_notice_page_offers_both(client, quinn, notice):
    login(client, quinn)
    page = client.get(reverse("notice_detail", args=[notice.pk])).content.decode()
    assert reverse("notice_docx", args=[notice.pk]) in page
    assert reverse("notice_pdf", args=[notice.pk]) in page


def test_the_pdf_has_the_text(client, quinn, notice):
    require_tool("soffice", "libreoffice")
    login(client, quinn)
    response = client.get(reverse("notice_pdf", args=[notice.pk]))
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    # pdfplumber puts a space between Chinese and Latin text, and the 版记's tab is spaces.
    text = "".join("".join(pages).split())
    for words in (NUMBER, ADDRESSEE, "涉及区县：庐山市、广昌县", "江西省商务厅2017年8月14日印发"):
        assert words in text, words
    assert HALF_WIDTH_NEXT_TO_CHINESE.findall(text) == []


def test_export_report_writes_the_notice(notice, tmp_path):
    from django.core.management import CommandError, call_command

    out = tmp_path / "notice.docx"
    call_command("export_report", notice=notice.pk, document="notice", output=str(out))
    lines = texts(Document(str(out)))
    assert "赣商务建设字〔2017〕193号" in lines
    with pytest.raises(CommandError, match="--notice"):
        call_command("export_report", county="510811", document="notice", output=str(out))
    with pytest.raises(CommandError, match="--document notice"):
        call_command("export_report", notice=notice.pk, document="report", output=str(out))


@pytest.mark.parametrize("who,offered", [("county_staff", True), ("outsider", False)])
def test_a_county_named_finds_the_notice_on_its_review_page(client, request, notice, who, offered):
    login(client, request.getfixturevalue(who))
    response = client.get(reverse("review_detail", args=[notice.pk]))
    if not offered:  # a county not named does not see the notice at all
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert reverse("notice_docx", args=[notice.pk]) in response.content.decode()
