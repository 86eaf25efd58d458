"""The column registry (issues.columns) keeps every place that lists a finding's fields in
step. A finding of county A with every importable column set is exported as the .xlsx
ledger and as the Word report with its plan, each file is imported into county B through
the import services, and B's findings are compared with A's column by column. A column the
registry gains is in the comparison at once: forgetting to export it, import it or compare
it fails here. The other tests check that each reader of the registry knows every column it
claims to read."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from issues import columns, services, timeline
from issues.columns import COLUMNS, Column, FindingRow
from issues.importing import ledger
from issues.importing.document import ParsedFinding, parse_document
from issues.importing.document.labels import FIELD_LABELS, TABLE_LABELS
from issues.importing.plan import COMPARE
from issues.importing.readers import read_document, read_workbook
from issues.importing.services import batch_plan, import_apply, import_start
from issues.models import County, Finding, ImportBatch, User
from reports import documents, ledgers, selectors
from reports.exports import xlsx
from reports.exports.docx import render_docx

TODAY = dt.date(2019, 10, 1)
IMPORTED = [c for c in COLUMNS if c.imported]
# The Word documents carry these as the finding's place (the review's and the category's
# headings) and as the numbered item itself, not as labelled fields.
DOCUMENT_PLACES = {"review", "category", "description"}


def in_documents(column: Column) -> bool:
    return column.report or bool(column.plan) or column.key in DOCUMENT_PLACES


@pytest.fixture
def sample(alice, county_a, review_a, unit_a, unit_a2) -> list[Finding]:
    """County A's findings between them setting every column the registry imports: one in
    progress (units of both roles, a deadline kept up after its date, a note, a result) and
    one closed."""

    def create(category: str, **fields) -> Finding:
        data = services.FindingData(review=review_a, new_category_name=category, **fields)
        return services.finding_create(user=alice, county=county_a, data=data)

    ongoing = create(
        "项目建设进度滞后问题",
        description="县级公共服务中心因选址变更，未按期开工。",
        measures=["加快完善建设方案", "做好基础改造"],
        units=[
            services.UnitEntry(unit_a),
            services.UnitEntry(unit_a2, "cooperating"),
        ],
        deadline=dt.date(2019, 10, 30),
        is_ongoing=True,
        result="已完成选址，正在招标。",
    )
    services.progress_add(user=alice, finding=ongoing, note="已召开专题会议。", date=TODAY)
    closed = create(
        "资金管理问题",
        description="中央财政资金未按进度拨付。",
        measures=["建立资金拨付台账"],
        units=[services.UnitEntry(unit_a)],
        deadline=dt.date(2019, 9, 30),
        status=Finding.Status.CLOSED,
        closed_on=dt.date(2019, 9, 10),
        result="资金已全部拨付。",
    )
    return [ongoing, closed]


def rows_of(county: County) -> list[FindingRow]:
    return list(
        selectors.ledger_rows(Finding.objects.filter(county=county).in_ledger_order(), TODAY)
    )


def differences(a: list[FindingRow], b: list[FindingRow], shown: list[Column]) -> list:
    """Each column whose text differs between the two counties' findings, finding by finding."""
    assert len(a) == len(b), ([r.description for r in a], [r.description for r in b])
    return [
        (c.header, c.text(x), c.text(y))
        for x, y in zip(a, b, strict=True)
        for c in shown
        if c.text(x) != c.text(y)
    ]


def import_into(county: County, user: User, **start) -> dict:
    """An import as the pages make it: read, kept as a batch, planned (every unknown unit
    created, as "create all" does), saved."""
    batch = import_start(user=user, county=county, **start)
    plan = batch_plan(batch, {})
    decisions = {"units": {u.name: u.default_decision for u in plan.undecided_units}}
    return import_apply(
        user=user, county=county, plan=batch_plan(batch, decisions), batch=batch, today=TODAY
    )


def test_the_sample_sets_every_imported_column(sample, county_a):
    """A column the registry gains must be set on the sample, so that the round trips below
    carry a value through it."""
    rows = rows_of(county_a)
    unset = [c.header for c in IMPORTED if not any(c.text(row) for row in rows)]
    assert unset == [], f"set these columns on the sample findings: {unset}"


def test_the_xlsx_ledger_imports_into_another_county_column_by_column(
    sample, county_a, county_b, bob
):
    findings = Finding.objects.filter(county=county_a).in_ledger_order()
    data = xlsx.as_bytes(
        xlsx.write_ledger, ledgers.county_ledger(findings, scope="昭化区", today=TODAY)
    )
    rows = read_workbook(SimpleUploadedFile("昭化区整改台账.xlsx", data))
    assert all(col["known"] for col in ledger.columns(rows)), ledger.columns(rows)
    summary = import_into(
        county_b,
        bob,
        kind=ImportBatch.Kind.LEDGER,
        source_name="昭化区整改台账.xlsx",
        data={"rows": rows},
        options={"mapping": ledger.default_mapping(rows)},
    )
    assert summary["new"] == len(sample)
    assert differences(rows_of(county_a), rows_of(county_b), IMPORTED) == []


def test_the_word_report_and_plan_import_into_another_county_column_by_column(
    sample, county_a, county_b, bob
):
    doc = documents.report_document(documents.default_report(county_a, TODAY))
    data = render_docx(documents.report_blocks(doc), title=doc.title, author=doc.issuer)
    text = read_document(SimpleUploadedFile("整改情况报告.docx", data))
    parsed = parse_document(text)
    assert parsed.kind == "report+plan" and parsed.errors == [] and parsed.disagreements == []
    summary = import_into(
        county_b,
        bob,
        kind=ImportBatch.Kind.DOCUMENT,
        source_name="整改情况报告.docx",
        source_text=text,
        data=parsed.to_dict(),
    )
    assert summary["new"] == len(sample)
    shown = [c for c in IMPORTED if in_documents(c)]
    assert differences(rows_of(county_a), rows_of(county_b), shown) == []


def test_the_plan_alone_imports_what_it_shows(sample, county_a, county_b, bob):
    doc = documents.report_document(documents.default_report(county_a, TODAY))
    data = render_docx(documents.plan_blocks(doc), title=doc.plan_title)
    text = read_document(SimpleUploadedFile("整改方案.docx", data))
    parsed = parse_document(text)
    assert parsed.kind == "plan" and parsed.errors == []
    import_into(
        county_b,
        bob,
        kind=ImportBatch.Kind.DOCUMENT,
        source_name="整改方案.docx",
        source_text=text,
        data=parsed.to_dict(),
    )
    shown = [c for c in IMPORTED if c.plan or c.key in DOCUMENT_PLACES]
    assert differences(rows_of(county_a), rows_of(county_b), shown) == []


# Each reader knows every column it claims to read.


def test_the_excel_importer_reads_each_column_under_its_exported_header():
    for column in COLUMNS:
        for header in column.sheet_headers:
            assert ledger.detect(header) == column.key, header
    read = {c.key for c in COLUMNS if c.sheet_headers}
    assert {c.key for c in IMPORTED} <= read
    # What it does not read of our own export it knows to leave alone.
    for column in columns.ledger_columns(nation=True):
        if column.key not in read:
            assert column.header in ledger.IGNORED, column.header
    assert set(ledger.FIELDS) - {""} == read


def test_the_documents_write_labels_the_document_importer_reads():
    for column in columns.report_columns():
        assert FIELD_LABELS[column.document_label(plan=False)] == column.key
    for column in columns.plan_columns():
        assert FIELD_LABELS[column.document_label(plan=True)] == column.key
    for key, label in TABLE_LABELS.items():
        assert FIELD_LABELS[label] == key
    shown = {c.key for c in COLUMNS if c.report or c.plan}
    assert shown <= {c.key for c in IMPORTED}


def test_every_imported_column_has_a_value_in_what_the_importers_read_and_a_comparison():
    parsed = {f.name for f in dataclasses.fields(ParsedFinding)}
    places = {"review", "category"}  # a parsed finding's review and category hold it
    # A text column's value is in its `texts` (Column.text_of), or an attribute of its own.
    assert [c.key for c in IMPORTED if c.key not in parsed | places and not c.field] == []
    # The review is matched, not compared: every other column says how an import compares it.
    assert [c.key for c in IMPORTED if not c.compare] == ["review"]
    assert {c.compare for c in COLUMNS if c.compare} <= set(COMPARE)


def test_text_columns_are_the_findings_own_fields():
    """Read into the row, saved through the services, compared on import and told by the
    history as their model field; the row types hold them as attributes of their own
    (OWN_TEXTS) or in their `texts`."""
    for column in columns.text_columns():
        field = Finding._meta.get_field(column.field)
        assert isinstance(field, models.TextField | models.CharField), column.key
        # A person's text, not one the ledger derives: the round trips above carry it.
        assert column.imported, column.key
        assert column.compare == columns.SAME_TEXT
        assert column.history == (column.field,)
    assert {c.key for c in columns.text_columns()} >= set(columns.OWN_TEXTS)
    for row_type in (services.FindingData, FindingRow, ParsedFinding):
        names = {f.name for f in dataclasses.fields(row_type)}
        assert set(columns.OWN_TEXTS) | {"texts"} <= names, row_type


def test_the_history_tells_each_columns_fields():
    for name in columns.history_fields():
        Finding._meta.get_field(name)  # a model field
        assert name in timeline.FIELDS


def test_every_column_is_in_the_ledger_with_its_header_and_width():
    headers = [c.header for c in columns.ledger_columns(nation=True)]
    assert headers == [c.header for c in COLUMNS]
    assert len(set(headers)) == len(headers) and all(c.width for c in COLUMNS)
