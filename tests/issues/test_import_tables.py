"""Tables anywhere (issue 16, item 2): a table pasted from Word or Excel (tab-separated), a
.txt holding one and a .docx table are read by the 台账's column logic (issues/importing/
ledger.py): the header recognised, the measures split at 一是/二是 and numbered lines, the
units split with the first one leading, the deadlines read as everywhere else; a table whose
header is unknown goes to the 台账 preview, which asks for its columns."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues.importing import ledger
from issues.importing.cells import tab_table
from issues.importing.document import parse_document
from issues.importing.readers import read_document, text_tables, unknown_table
from issues.models import Finding, FindingUnit, ImportBatch

START = reverse("import_start")
HEADER = ["序号", "存在问题", "整改措施", "责任单位", "完成时限"]
# The issue's list: the first row is the one it quotes glued together.
ROWS = [
    ["1", "村级站点标识不统一", "统一制作标识标牌", "区商务和经济合作局", "2026年12月31日前"],
    [
        "2",
        "物流配送体系不健全，快递进村比例低",
        "一是整合快递资源；二是建设县级共配中心；三是开通村级配送线路。",
        "区商务和经济合作局、区交通运输局、区邮政分公司",
        "长期坚持",
    ],
    [
        "3",
        "电商培训实效不强",
        "1.制定年度培训计划\n2.开展培训跟踪回访",
        "区人社局 区商务和经济合作局",
        "立行立改",
    ],
]
TITLE = "某区电子商务进农村综合示范督查反馈问题清单"
# What each row is read as: description, measures, units (the lead first), deadline, ongoing.
EXPECTED = [
    ("村级站点标识不统一", ["统一制作标识标牌"], ["区商务和经济合作局"], "2026-12-31", False),
    (
        "物流配送体系不健全，快递进村比例低",
        ["整合快递资源", "建设县级共配中心", "开通村级配送线路"],
        ["区商务和经济合作局", "区交通运输局", "区邮政分公司"],
        None,
        True,
    ),
    (
        "电商培训实效不强",
        ["制定年度培训计划", "开展培训跟踪回访"],
        ["区人社局", "区商务和经济合作局"],
        None,
        False,
    ),
]


def _excel_cell(cell: str) -> str:
    """A cell as Excel copies it: quoted when it holds a line break or a quote."""
    if "\n" in cell or '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _pasted(rows=ROWS, header=HEADER, quote=_excel_cell, title=TITLE) -> str:
    lines = [title] if title else []
    lines += ["\t".join(quote(c) for c in row) for row in [header, *rows]]
    return "\n".join(lines)


def _read(findings) -> list[tuple]:
    return [(f.description, f.measures, f.units, f.deadline, f.is_ongoing) for f in findings]


def _parsed(text: str):
    return parse_document(text_tables(text), default_kind="province_supervision")


def _docx(rows=ROWS, header=HEADER, merges=()) -> bytes:
    document = docx.Document()
    document.add_paragraph(TITLE)
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    for r, row in enumerate([header, *rows]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for (r1, c1), (r2, c2) in merges:
        table.cell(r1, c1).merge(table.cell(r2, c2))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# --- reading -------------------------------------------------------------------------------


def test_the_issues_pasted_table_gives_each_column_its_field():
    doc = _parsed(_pasted())
    assert _read(doc.findings) == EXPECTED
    assert "村级站点标识不统一统一制作标识标牌" not in " ".join(f.description for f in doc.findings)
    assert doc.errors == []


def test_the_same_table_before_the_fix_was_glued():
    # What the parser makes of the raw paste: the bug the issue reports, which text_tables
    # exists to prevent (so the tests above can fail).
    glued = parse_document(_pasted(), default_kind="province_supervision")
    assert _read(glued.findings) != EXPECTED


def test_a_quoted_multiline_cell_is_one_cell():
    table = tab_table(_pasted())
    assert len(table.rows) == 4  # the header and three rows, not four
    assert table.rows[3][2] == "1.制定年度培训计划\n2.开展培训跟踪回访"
    assert table.before == [TITLE]


def test_words_unquoted_line_breaks_continue_the_row():
    # Word copies a cell's line breaks as they are: the row goes on on the next line.
    text = _pasted(quote=lambda c: c)
    assert "\n2.开展培训跟踪回访\t区人社局" in text
    assert _read(_parsed(text).findings) == EXPECTED


def test_excel_doubled_quotes_and_a_note_after_the_table():
    rows = [[*ROWS[0][:1], '"三品一标"认证不足', *ROWS[0][2:]]]
    text = _pasted(rows=rows) + "\n备注：以上问题请各单位认真整改。"
    table = tab_table(text)
    assert table.rows[1][1] == '"三品一标"认证不足'
    assert table.after == ["备注：以上问题请各单位认真整改。"]
    (finding,) = _parsed(text).findings
    assert finding.description.startswith('"三品一标"认证不足')


def test_a_text_without_a_table_is_left_alone():
    text = "\t一、总体情况\n\t我区高度重视。\n\t二、存在问题\n"
    assert text_tables(text) == text
    assert unknown_table(text) is None


def test_a_txt_file_with_a_table_reads_as_the_paste():
    upload = SimpleUploadedFile("清单.txt", _pasted().encode("gb18030"))
    assert _read(parse_document(read_document(upload)).findings) == EXPECTED


def test_a_docx_table_gives_the_same_findings_as_the_paste():
    text = read_document(SimpleUploadedFile("清单.docx", _docx()))
    assert _read(parse_document(text).findings) == EXPECTED


def test_a_docx_table_without_numbers_and_with_merged_category_cells():
    header = ["问题类别", "问题描述", "整改措施", "牵头单位", "整改时限"]
    rows = [
        [
            "基础设施方面",
            "站点标识不统一",
            "一是制作标牌；二是检查站点",
            "区商务局",
            "2026年12月31日前",
        ],
        ["", "冷链设施闲置", "盘活冷链设施", "区农业农村局、区商务局", "2027年6月30日前"],
        ["资金管理方面", "资金拨付滞后", "加快拨付", "区财政局", "立行立改"],
    ]
    data = _docx(rows=rows, header=header, merges=[((1, 0), (2, 0))])  # 基础设施方面 spans two
    doc = parse_document(read_document(SimpleUploadedFile("方案.docx", data)))
    (review,) = doc.reviews
    assert [(c.name, [f.description for f in c.findings]) for c in review.categories] == [
        ("基础设施方面问题", ["站点标识不统一", "冷链设施闲置"]),
        ("资金管理方面问题", ["资金拨付滞后"]),
    ]
    second = review.categories[0].findings[1]
    assert (second.units, second.deadline) == (["区农业农村局", "区商务局"], "2027-06-30")


def test_a_heading_row_spanning_the_table_names_the_category():
    header = ["问题描述", "整改措施", "责任单位", "完成时限"]
    rows = [
        ["一、基础设施方面", "", "", ""],
        ["站点标识不统一", "制作标牌", "区商务局", "2026年12月31日前"],
        ["二、资金管理方面", "", "", ""],
        ["资金拨付滞后", "加快拨付", "区财政局", "2026年12月31日前"],
    ]
    merges = [((1, 0), (1, 3)), ((3, 0), (3, 3))]
    text = read_document(SimpleUploadedFile("方案.docx", _docx(rows, header, merges)))
    doc = parse_document(text)
    names = [(c.name, [f.description for f in c.findings]) for c in doc.reviews[0].categories]
    assert names == [
        ("基础设施方面问题", ["站点标识不统一"]),
        ("资金管理方面问题", ["资金拨付滞后"]),
    ]
    # An Excel 台账 fills a merged row's cells with its text: the same heading.
    filled = [header, ["一、基础设施方面"] * 4, rows[1]]
    (category,) = ledger.parse_rows(filled).reviews[0].categories
    assert (category.name, len(category.findings)) == ("基础设施方面问题", 1)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("存在问题", "description"),
        ("问题清单", "description"),
        ("主要问题", "description"),
        ("整改时限", "deadline"),
        ("完成时限（截止日期）", "deadline"),
        ("牵头单位", "units"),
        ("责任部门", "units"),
        ("责任单位（牵头）", "units"),
        ("配合部门", "cooperating"),
        ("经办科室", None),
    ],
)
def test_header_synonyms(header, field):
    assert ledger.detect(header) == field


def test_a_table_wider_than_the_limit_is_refused(settings):
    settings.RECTIFY_IMPORT_MAX_COLUMNS = 3
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="超过了导入上限 3 列"):
        text_tables(_pasted())


# --- through the pages ---------------------------------------------------------------------

# Every unit the county does not have yet: created (the preview's unit_<k> choices).
NEW_UNITS = {f"unit_{k}": "new" for k in range(6)}


def _paste(client, text):
    return client.post(
        START, {"kind": "document", "doc-text": text, "doc-default_kind": "province_supervision"}
    )


def test_paste_preview_confirm(client, alice, unit_a):
    client.force_login(alice)
    response = _paste(client, _pasted())
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.kind == ImportBatch.Kind.DOCUMENT
    html = client.get(batch.get_absolute_url()).content.decode()
    assert "物流配送体系不健全，快递进村比例低" in html and "建设县级共配中心" in html
    assert not Finding.objects.exists()

    url = batch.get_absolute_url()
    response = client.post(url, {"action": "apply", **NEW_UNITS})
    assert response.status_code == 302, [str(m) for m in response.wsgi_request._messages]
    assert response["Location"] == reverse("finding_list")
    saved = []
    for f in Finding.objects.order_by("order"):
        units = FindingUnit.objects.filter(finding=f, role=FindingUnit.Role.RESPONSIBLE).order_by(
            "order"
        )
        saved.append(
            (
                f.description,
                [m.text for m in f.measures.order_by("order")],
                [link.unit.name for link in units],
                f.deadline.isoformat() if f.deadline else None,
                f.is_ongoing,
            )
        )
    assert saved == EXPECTED
    assert Finding.objects.get(order=1).deadline == dt.date(2026, 12, 31)


def test_unknown_header_asks_for_the_columns_and_saves_nothing_until_mapped(client, alice):
    client.force_login(alice)
    header = ["编", "情况", "办法", "谁来办", "几时"]
    response = _paste(client, _pasted(header=header))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.kind == ImportBatch.Kind.LEDGER
    url = batch.get_absolute_url()
    html = client.get(url).content.decode()
    assert "请在下方指定各列" in html and 'name="col_1"' in html
    response = client.post(url, {"action": "apply"})
    assert response.status_code == 400
    assert not Finding.objects.exists()

    mapping = {"col_0": "number", "col_1": "description", "col_2": "measures"}
    mapping |= {"col_3": "units", "col_4": "deadline"}
    assert client.post(url, mapping).status_code == 302
    response = client.post(url, {"action": "apply", **NEW_UNITS})
    assert response.status_code == 302, [str(m) for m in response.wsgi_request._messages]
    assert [f.description for f in Finding.objects.order_by("order")] == [e[0] for e in EXPECTED]


def test_outsider_cannot_see_a_pasted_tables_preview(client, alice, bob):
    client.force_login(alice)
    _paste(client, _pasted())
    batch = ImportBatch.objects.get()
    client.force_login(bob)
    assert client.get(batch.get_absolute_url()).status_code == 404
