"""`manage.py import_document` and `import_ledger`: the preview's summary on the terminal,
a non-zero exit on errors, --dry-run saving nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from issues.models import Finding, ImportBatch, Unit
from reports.exports.xlsx import as_bytes, write_ledger
from reports.ledgers import county_ledger
from tests.issues.test_import_pages import TEXT


def _run(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "方案.txt"
    path.write_text(TEXT, encoding="utf-8")
    return str(path)


def test_dry_run_prints_the_summary_and_saves_nothing(alice, review_a, unit_a, text_file):
    out = _run("import_document", text_file, "--county", "510811", "--dry-run", "--create-units")
    assert "新增 1" in out
    assert "将新建单位：区交通运输局" in out
    assert "Dry run" in out
    assert not Finding.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not Unit.objects.filter(name="区交通运输局").exists()


def test_unknown_units_refused_without_create_units(alice, review_a, unit_a, text_file):
    with pytest.raises(CommandError, match="create-units"):
        _run("import_document", text_file, "--county", "510811")
    assert not Finding.objects.exists()


def test_import_then_import_again(alice, review_a, unit_a, text_file):
    out = _run("import_document", text_file, "--county", "510811", "--create-units")
    assert "Imported: 1 new, 0 changed, 0 unchanged" in out
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_by, batch.applied_by) == ("applied", alice, alice)
    out = _run("import_document", text_file, "--county", "510811")
    assert "Imported: 0 new, 0 changed, 1 unchanged" in out
    assert Finding.objects.count() == 1


def test_errors_exit_non_zero(alice, review_a, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(TEXT.replace("2019年9月30日前,并长期坚持", "尽快"), encoding="utf-8")
    with pytest.raises(CommandError):
        _run("import_document", str(path), "--county", "510811", "--create-units")
    assert not Finding.objects.exists()


def test_bad_file_county_and_user(alice, tmp_path, text_file):
    docx = tmp_path / "x.docx"
    docx.write_bytes(b"plain")
    with pytest.raises(CommandError, match="不是 Word 文档"):
        _run("import_document", str(docx), "--county", "510811")
    with pytest.raises(CommandError, match="No county"):
        _run("import_document", text_file, "--county", "999999")
    with pytest.raises(CommandError, match="No active staff user"):
        _run("import_document", text_file, "--county", "510811", "--user", "lee")
    with pytest.raises(CommandError, match="No such file"):
        _run("import_document", str(tmp_path / "missing.txt"), "--county", "510811")


def test_review_kind_for_documents_without_a_team(alice, tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("一、项目管理问题\n1.月报填报不完整。\n", encoding="utf-8")
    _run("import_document", str(path), "--county", "510811", "--review-kind", "audit")
    assert Finding.objects.get().review.kind == "audit"


def test_import_ledger_round_trip(alice, county_a, review_a, unit_a, factory, tmp_path):
    factory.finding(alice, county_a, review_a, units=[unit_a], deadline=dt.date(2019, 9, 30))
    path = tmp_path / "台账.xlsx"
    path.write_bytes(
        as_bytes(
            write_ledger,
            county_ledger(
                Finding.objects.filter(county=county_a).in_ledger_order(),
                scope="昭化区",
                today=dt.date(2026, 11, 22),
            ),
        )
    )
    out = _run("import_ledger", str(path), "--county", "510811")
    assert "Imported: 0 new, 0 changed, 1 unchanged" in out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nope")
    with pytest.raises(CommandError, match="不是 Excel 工作簿"):
        _run("import_ledger", str(bad), "--county", "510811")
