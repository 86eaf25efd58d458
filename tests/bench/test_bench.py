"""The bench command at a tiny scale: a smoke test of the command, never of its timings."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from bench import generate
from bench.cases import CASES
from issues.models import County, Finding, Progress, User
from rectify.lib import ocr, office

SMALL = [
    "--counties",
    "3",
    "--findings-per-county",
    "5",
    "--progress-per-finding",
    "2",
]
FAST = ["--repeat", "1", "--no-memory", "--no-rss"]

pytestmark = pytest.mark.django_db


def test_runs_every_case_and_writes_json(tmp_path):
    path = tmp_path / "bench.json"
    call_command("bench", *SMALL, *FAST, "--json", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["scale"]["counties"] == 3
    cases = {c["name"]: c for c in data["cases"]}
    assert set(cases) == {c.name for c in CASES}
    # The imports of converted documents run where their tools are installed (CI installs them).
    tools = {
        "import_doc": office.executable() is not None,
        "import_pdf": office.executable() is not None,
        "import_pdf_60": office.executable() is not None,
        "import_ocr": office.executable() is not None and ocr.available(),
    }
    for name, case in cases.items():
        if case["verdict"] == "n/a":  # a page another part of the work adds, a tool missing
            assert name == "nation" or (name in tools and not tools[name]), case
            continue
        assert case["queries"] > 0, name
        assert case["median_ms"] > 0, name
    for name, installed in tools.items():
        if installed:
            assert cases[name]["floor_ms"] > 0, name
        else:
            assert "not installed" in cases[name]["note"], name
    assert cases["ledger"]["floor_queries"] == 2
    assert County.objects.filter(code__startswith="9").count() == 3
    assert Finding.objects.count() == 15
    assert Progress.objects.count() == 30


def test_reuses_data_of_the_same_scale_and_regenerates_on_request(capsys):
    call_command("bench", *SMALL, "--generate-only")
    first = generate.digest()
    call_command("bench", *SMALL, "--generate-only")
    assert "Reusing bench data" in capsys.readouterr().out
    call_command("bench", *SMALL, "--generate-only", "--regenerate")
    assert "Wiping bench data" in capsys.readouterr().out
    assert generate.digest() == first  # the same seed makes the same rows
    assert Finding.objects.count() == 15


def test_another_seed_makes_other_data():
    call_command("bench", *SMALL, "--generate-only")
    first = generate.digest()
    call_command("bench", *SMALL, "--generate-only", "--seed", "2")
    assert generate.digest() != first
    assert Finding.objects.count() == 15  # the first data set was replaced, not added to


def test_refuses_a_database_with_other_data(county_a):
    with pytest.raises(CommandError, match="did not make"):
        call_command("bench", *SMALL, "--generate-only")
    assert not County.objects.filter(code__startswith="9").exists()
    call_command("bench", *SMALL, "--generate-only", "--force")
    assert County.objects.filter(code__startswith="9").count() == 3
    assert County.objects.filter(pk=county_a.pk).exists()


def test_regenerating_beside_other_data_keeps_it(alice, finding_a):
    call_command("bench", *SMALL, "--generate-only", "--force")
    call_command("bench", *SMALL, "--generate-only", "--force", "--regenerate")
    assert Finding.objects.filter(pk=finding_a.pk).exists()
    assert User.objects.filter(pk=alice.pk).exists()
    assert Finding.objects.count() == 16


def test_generated_data_looks_like_a_ledger():
    call_command("bench", *SMALL, "--generate-only")
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert "closed" in statuses and statuses - {"closed"}
    assert not Finding.objects.filter(status="closed", closed_on__isnull=True).exists()
    for finding in Finding.objects.prefetch_related("unit_links", "measures"):
        assert finding.unit_links.all()[0].role == "responsible"  # the first unit leads
        assert finding.measures.exists()
    staff = User.objects.get(username="bench-staff-901001")
    assert staff.is_county_staff
    assert Finding.history.count() == 15
