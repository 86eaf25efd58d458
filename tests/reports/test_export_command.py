"""`manage.py export_report`: the report or plan as docx/html, the county or province ledger
as xlsx, from the demo data."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from docx import Document

from issues.models import County
from rectify.lib.text import full_width_punctuation
from reports import documents
from reports.models import Report

SUMMARY = (
    "截至目前，商务部复核组发现问题15个，已销号问题8个，7个问题正在加紧整改；"
    "省绩效评价组发现问题10个，已销号问题4个，6个问题正在加紧整改。"
)
ZHAOHUA_TITLE = (
    "广元市昭化区人民政府关于昭化区2017年电子商务进农村综合示范（第四批）"
    "绩效评价发现问题整改情况的报告"
)


@pytest.fixture
def export(demo_db, db, tmp_path):
    """Run the command into a file under tmp_path; return (path, what it printed)."""

    def run(filename: str, **options):
        path = tmp_path / filename
        out = io.StringIO()
        call_command("export_report", output=str(path), stdout=out, **options)
        return path, out.getvalue()

    return run


def docx_text(path) -> list[str]:
    return [p.text.replace("\n", "") for p in Document(str(path)).paragraphs]


def test_report_as_docx(export):
    path, printed = export("report.docx", county="510811")
    assert printed.startswith(f"Wrote {path} (")
    texts = docx_text(path)
    assert texts[0] == ZHAOHUA_TITLE
    assert texts[1] == "省商务厅："
    assert sum(SUMMARY in t for t in texts) == 1
    assert "附件" in texts
    assert texts.count("销号情况：已销号") == 12
    assert texts.count("销号情况：未销号") == 13


def test_report_as_html(export):
    path, _ = export("report.html", county="510811", document="report", format="html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert f"<title>{ZHAOHUA_TITLE}</title>" in html
    assert SUMMARY in html
    assert html.count('class="doc-title') == 2  # the report and its attached plan
    assert "三、问题整改情况" in html and "（二）省绩效评价组发现问题及整改情况" in html
    assert "2019年9月10日" in html


def test_plan_as_docx(export):
    path, _ = export("plan.docx", county="510811", document="plan")
    texts = docx_text(path)
    assert texts[0] == "昭化区电子商务进农村综合示范项目绩效评价与复核反馈问题的整改方案"
    assert "二、整改内容及措施" in texts
    assert sum(t.startswith("整改时限：") for t in texts) == 25
    assert not any("整改结果" in t or "销号情况" in t for t in texts)
    assert ZHAOHUA_TITLE not in texts


def test_county_ledger_as_xlsx(export):
    path, _ = export("ledger.xlsx", county="510811", document="ledger")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["整改台账", "统计"]
    ws = wb["整改台账"]
    assert ws["A1"].value == "昭化区整改台账"
    assert ws["A2"].value.endswith("共 25 个问题")
    assert [c.value for c in ws[3]][:4] == ["序号", "问题来源", "问题类别", "问题描述"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    assert len(rows) == 25
    assert rows[0][1:3] == ("商务部复核组", "项目建设进度滞后问题")


@pytest.mark.parametrize("code", ["510000", "360000"])
def test_province_ledger_as_xlsx(export, code):
    path, _ = export("province.xlsx", province=code, document="ledger", format="xlsx")
    wb = openpyxl.load_workbook(path)
    counties = County.objects.filter(province__code=code).order_by("code")
    assert wb.sheetnames == ["总览", "全部问题", *(c.name for c in counties)]
    *overview, total = [r for r in wb["总览"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[0], r[2]) for r in overview] == [(c.name, c.findings.count()) for c in counties]
    assert total[0] == "合计" and total[2] == sum(r[2] for r in overview)
    everything = [r for r in wb["全部问题"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(everything) == total[2]
    for county in counties:
        sheet = wb[county.name]
        rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] is not None]
        assert len(rows) == county.findings.count()


@pytest.mark.parametrize(
    "options,message",
    [
        ({"county": "510811", "document": "ledger", "format": "docx"}, "xlsx"),
        ({"county": "510811", "document": "ledger", "format": "html"}, "xlsx"),
        ({"county": "510811", "document": "report", "format": "xlsx"}, "docx, pdf or html"),
        ({"county": "510811", "document": "plan", "format": "xlsx"}, "docx, pdf or html"),
        ({"province": "510000", "document": "report"}, "--province"),
        ({"province": "510000", "document": "plan", "format": "html"}, "--province"),
        ({"county": "999999"}, "999999"),
        ({"province": "999999", "document": "ledger"}, "999999"),
        ({"county": "510811", "report_id": 999999}, "999999"),
        ({"county": "510811", "document": "closeout"}, "--finding"),
        ({"finding": 999999, "document": "closeout"}, "999999"),
        ({"province": "510000", "document": "closeout"}, "ledger or monthly"),
        ({"county": "510811", "document": "evidence", "format": "docx"}, "zip"),
        ({"county": "510811", "document": "monthly", "month": "2019-13"}, "月份"),
        ({"county": "510811", "document": "monthly", "format": "xlsx"}, "docx or pdf"),
        ({"county": "510811", "province": "510000"}, "not allowed"),
        ({}, "required"),
    ],
)
def test_bad_combinations_are_refused(export, tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        export("out.bin", **options)
    assert not (tmp_path / "out.bin").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--county", "510811", "--document", "minutes", "-o", "{out}"], "invalid choice"),
        (["--county", "510811", "--format", "odt", "-o", "{out}"], "invalid choice"),
        (["--county", "510811"], "-o/--output"),
    ],
)
def test_choices_are_checked_as_on_the_command_line(demo_db, db, tmp_path, args, message):
    out = tmp_path / "out.bin"
    with pytest.raises(CommandError, match=message):
        call_command("export_report", *[a.format(out=out) for a in args])
    assert not out.exists()


def test_a_county_without_a_report_record_gets_the_default_one(export):
    county = County.objects.get(code="360926")
    assert not Report.objects.filter(county=county).exists()
    path, _ = export("tonggu.docx", county="360926")
    texts = docx_text(path)
    title = documents.default_title(county)
    assert texts[0] == full_width_punctuation(title)  # the project's name as typed: 示范(第三批)
    assert title.startswith(f"{county.government}关于") and title.endswith("整改情况的报告")
    assert county.government in texts  # the signature
    assert sum(t.startswith("销号情况：") for t in texts) == county.findings.count() >= 6
    assert texts[texts.index("附件") + 1] == "铜鼓县电子商务进农村综合示范项目反馈问题整改方案"
    assert not Report.objects.filter(county=county).exists()  # nothing was saved


def test_the_latest_report_record_is_used_unless_one_is_named(export):
    first = Report.objects.get(county__code="510811")
    later = Report.objects.create(
        county=first.county,
        issuer=first.issuer,
        title="昭化区第二次整改情况报告",
        date=dt.date(2019, 12, 20),
    )
    path, _ = export("latest.docx", county="510811")
    assert docx_text(path)[0] == later.title
    path, _ = export("first.docx", county="510811", report_id=first.pk)
    assert docx_text(path)[0] == ZHAOHUA_TITLE
    # An archived record is passed over.
    Report.objects.filter(pk=later.pk).update(is_archived=True)
    path, _ = export("again.docx", county="510811")
    assert docx_text(path)[0] == ZHAOHUA_TITLE
    with pytest.raises(CommandError):
        export("archived.docx", county="510811", report_id=later.pk)


# --- The forms (issue 15 item 6): the same files the pages offer ---------------------------


def test_a_finding_s_closeout_form_and_evidence(export, settings, tmp_path):
    from issues.models import Finding
    from tests.reports.test_finding_forms import docx_text as form_text

    settings.MEDIA_ROOT = tmp_path / "media"
    finding = Finding.objects.closed().filter(county__code="510811").first()
    path, printed = export("closeout.docx", finding=finding.pk, document="closeout")
    text = form_text(path.read_bytes())
    assert "销号申请审批表" in text and full_width_punctuation(finding.description) in text
    path, _ = export("evidence-list.docx", finding=finding.pk, document="evidence-list")
    assert "佐证材料目录" in form_text(path.read_bytes())
    path, _ = export("evidence.zip", finding=finding.pk, document="evidence")
    import zipfile

    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[0] == "目录.docx"
        assert len(archive.namelist()) == 1 + finding.evidence.visible().count()


def test_a_report_s_evidence_list_and_bundle(export, settings, tmp_path):
    import zipfile

    from issues.models import Evidence
    from tests.reports.test_finding_forms import docx_text as form_text

    settings.MEDIA_ROOT = tmp_path / "media"
    path, _ = export("list.docx", county="510811", document="evidence-list")
    text = form_text(path.read_bytes())
    assert ZHAOHUA_TITLE in text
    path, _ = export("all.zip", county="510811", document="evidence")
    pieces = Evidence.objects.visible().filter(finding__county__code="510811").count()
    with zipfile.ZipFile(path) as archive:
        assert len(archive.namelist()) == 1 + pieces


@pytest.mark.parametrize("scope", [{"county": "510811"}, {"province": "510000"}])
def test_the_monthly_table(export, scope):
    path, _ = export("monthly.docx", document="monthly", month="2019-09", **scope)
    doc = Document(str(path))
    title = "".join(p.text for p in doc.paragraphs[:3])
    assert "月度进展情况表" in title and "（2019年9月）" in title
    body = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert any("项目建设进度滞后问题" in " ".join(row) for row in body)


def test_the_forms_as_pdf(export):
    from issues.models import Finding
    from tests.reports.test_report_docx import require_tool

    require_tool("soffice", "libreoffice")
    finding = Finding.objects.filter(county__code="510811").first()
    path, _ = export("closeout.pdf", finding=finding.pk, document="closeout")
    assert path.read_bytes().startswith(b"%PDF")
    path, _ = export("monthly.pdf", county="510811", document="monthly", month="2019-09")
    assert path.read_bytes().startswith(b"%PDF")
