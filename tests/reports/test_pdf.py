"""The PDF versions of the report and the plan, made by LibreOffice (rectify.lib.office): the
converter (a real conversion of the demo report, and a stand-in soffice for the time limit,
the lock, the sizes and a missing engine), the downloads on the report page, and
`export_report` writing PDF; and the refusal of a county with nothing to report.

LibreOffice is slow: the real conversions are made once for the module (the demo report by
the page, the demo plan by the command, a small RTF to .docx)."""

from __future__ import annotations

import dataclasses
import fcntl
import io
import re
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from docx import Document

from audit.models import Event
from issues.models import County, Province, Review, Role, User
from rectify.lib import office
from reports.models import Report
from reports.services import report_save
from tests.conftest import Factory
from tests.reports.test_report_docx import require_tool

pytestmark = pytest.mark.django_db

COUNTY = "510811"  # 广元市昭化区, seed 000
STAFF = f"staff-{COUNTY}"
# The real conversions may wait for each other (the lock) on a busy CI machine.
SLOW = 240
UNAVAILABLE = "服务器未安装 LibreOffice，无法生成 PDF，请下载 Word 版本。"


def pdfinfo(pdf: bytes, tmp: Path) -> dict:
    """Pages and every page's size, by poppler's pdfinfo."""
    path = tmp / "info.pdf"
    path.write_bytes(pdf)
    tool = require_tool("pdfinfo")
    first = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", first, re.M).group(1))
    each = subprocess.run(
        [tool, "-f", "1", "-l", str(pages), str(path)], capture_output=True, text=True, check=True
    ).stdout
    sizes = re.findall(r"^Page\s+\d+ size:\s+(.*)$", each, re.M)
    return {"pages": pages, "sizes": sizes, "title": re.search(r"^Title:\s+(.*)$", first, re.M)}


def pdf_fonts(pdf: bytes, tmp: Path) -> list[tuple[str, str]]:
    """(font name, emb) for each font of the PDF, by poppler's pdffonts."""
    path = tmp / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [require_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    header, rule, *rows = out.splitlines()
    emb = header.index(" emb ") + 1  # the columns are fixed-width under the header
    return [(row.split()[0], row[emb : emb + 3]) for row in rows if row.strip()]


def pdf_text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [require_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def assert_a4_with_every_font_embedded(pdf: bytes, tmp: Path, *, min_pages: int) -> None:
    assert pdf.startswith(b"%PDF-")
    info = pdfinfo(pdf, tmp)
    assert info["pages"] >= min_pages
    assert len(info["sizes"]) == info["pages"]
    assert all("(A4)" in size for size in info["sizes"]), info["sizes"]
    fonts = pdf_fonts(pdf, tmp)
    assert fonts, "no font in the PDF"
    assert all(emb == "yes" for _, emb in fonts), fonts
    assert any("CJK" in name or "Song" in name or "Fang" in name for name, _ in fonts), fonts


# Real conversions, once for the module


@dataclasses.dataclass
class Download:
    status: int
    content_type: str
    disposition: str
    content: bytes


@pytest.fixture(scope="module")
def report_pdf(demo_db, django_db_blocker) -> Download:
    """The demo report (with its attached plan) downloaded as PDF from the report page."""
    require_tool("soffice", "libreoffice")
    with django_db_blocker.unblock(), override_settings(RECTIFY_OFFICE_TIMEOUT=SLOW):
        client = Client()
        client.force_login(User.objects.get(username=STAFF))
        report = Report.objects.get(county__code=COUNTY)
        response = client.get(reverse("report_pdf", args=[report.pk, "report"]))
    return Download(
        response.status_code,
        response["Content-Type"],
        response.get("Content-Disposition", ""),
        response.content,
    )


def test_the_report_page_downloads_the_report_as_pdf(report_pdf):
    assert report_pdf.status == 200, report_pdf.content[:500]
    assert report_pdf.content_type == "application/pdf"
    filename = "昭化区整改情况报告-2019-09-10.pdf"
    assert report_pdf.disposition == f"attachment; filename*=utf-8''{quote(filename)}"


def test_the_report_pdf_is_a4_pages_with_every_font_embedded(report_pdf, tmp_path):
    assert_a4_with_every_font_embedded(report_pdf.content, tmp_path, min_pages=10)
    info = pdfinfo(report_pdf.content, tmp_path)
    assert info["title"].group(1).startswith("广元市昭化区人民政府关于")


def test_the_report_pdf_says_what_the_word_file_says(report_pdf, tmp_path):
    text = re.sub(r"\s+", "", pdf_text(report_pdf.content, tmp_path))
    assert text.startswith("广元市昭化区人民政府关于昭化区2017年电子商务进农村综合示范")
    assert "一、工作开展情况" in text and "三、问题整改情况" in text
    assert "附件" in text and "整改方案" in text
    assert "广元市昭化区人民政府2019年9月10日" in text  # the signature and date


def test_export_report_writes_the_plan_as_pdf(demo_db, db, settings, tmp_path):
    require_tool("soffice", "libreoffice")
    settings.RECTIFY_OFFICE_TIMEOUT = SLOW
    path = tmp_path / "plan.pdf"  # the format from the file's suffix
    out = io.StringIO()
    call_command("export_report", county=COUNTY, document="plan", output=str(path), stdout=out)
    assert out.getvalue().startswith(f"Wrote {path} (")
    pdf = path.read_bytes()
    assert_a4_with_every_font_embedded(pdf, tmp_path, min_pages=2)
    text = re.sub(r"\s+", "", pdf_text(pdf, tmp_path))
    assert text.startswith("昭化区电子商务进农村综合示范项目")
    assert "二、整改内容及措施" in text
    assert "整改结果" not in text and "销号情况" not in text


# The converter with LibreOffice: .rtf → .docx (issue 16's imports)

RTF = (
    rb"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0 SimSun;}}\f0\fs32 "
    + "".join(f"\\u{ord(ch)}?" for ch in "县级公共服务中心未开始建设。").encode()
    + rb"\par}"
)


def test_an_rtf_file_converts_to_docx(settings, tmp_path):
    require_tool("soffice", "libreoffice")
    settings.RECTIFY_OFFICE_LOCK = str(tmp_path / "office.lock")
    settings.RECTIFY_OFFICE_TIMEOUT = SLOW
    docx = office.convert(RTF, suffix=".RTF", to="docx")
    assert docx.startswith(b"PK\x03\x04")
    paragraphs = [p.text for p in Document(io.BytesIO(docx)).paragraphs]
    assert "县级公共服务中心未开始建设。" in paragraphs


# The converter with a stand-in soffice

FAKE = """#!/bin/sh
# A stand-in for soffice: records its arguments and pid, then does what the test asks.
log="{log}"
printf '%s\\n' "$@" > "$log/args"
echo $$ > "$log/pid"
while [ $# -gt 1 ]; do
  if [ "$1" = "--outdir" ]; then outdir="$2"; fi
  shift
done
source="$1"
cp "$source" "$log/source"
{body}
"""


@pytest.fixture
def fake_office(settings, tmp_path):
    """fake_office(body) -> the log directory; RECTIFY_SOFFICE is a script running `body`
    (sh, with $outdir, $source and $log set), the lock a file of the test's own."""
    settings.RECTIFY_OFFICE_LOCK = str(tmp_path / "office.lock")
    settings.RECTIFY_OFFICE_TIMEOUT = 10

    def make(body: str) -> Path:
        log = tmp_path / "log"
        log.mkdir(exist_ok=True)
        script = tmp_path / "soffice"
        script.write_text(FAKE.format(log=log, body=body), encoding="utf-8")
        script.chmod(0o755)
        settings.RECTIFY_SOFFICE = str(script)
        return log

    return make


WRITES_PDF = 'printf "%%PDF-1.4 fake" > "$outdir/source.pdf"'


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")  # a zombie is dead


def test_the_converter_runs_headless_with_a_private_profile_removed_after(fake_office):
    log = fake_office(WRITES_PDF)
    assert office.available()
    assert office.convert(b"the docx", suffix=".docx", to="pdf") == b"%PDF-1.4 fake"
    args = (log / "args").read_text().splitlines()
    assert "--headless" in args
    assert args[args.index("--convert-to") + 1].startswith("pdf:writer_pdf_Export:")
    assert '"EmbedStandardFonts":{"type":"boolean","value":"true"}' in " ".join(args)
    profile = next(a for a in args if a.startswith("-env:UserInstallation=file://"))
    work = Path(profile.removeprefix("-env:UserInstallation=file://")).parent
    assert work.name.startswith("rectify-office-")
    assert not work.exists(), "the temporary directory outlived the conversion"
    assert args[-1] == str(work / "source.docx")
    assert (log / "source").read_bytes() == b"the docx"


def test_a_conversion_past_its_time_is_killed_with_its_children(fake_office, settings):
    log = fake_office('sleep 300 &\necho $! > "$log/child"\nwait')
    settings.RECTIFY_OFFICE_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(office.OfficeTimeout) as refusal:
        office.convert(b"x", suffix=".docx", to="pdf")
    assert time.monotonic() - started < 8
    assert str(refusal.value).startswith("LibreOffice 在 1 秒内未完成转换，已中止。")
    pids = [int((log / name).read_text()) for name in ("pid", "child")]
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids), "soffice's process group outlived the timeout"


def test_conversions_run_one_at_a_time(fake_office):
    # Each conversion notes when it starts and ends; two at once would overlap.
    log = fake_office(
        'echo "start $(date +%s.%N)" >> "$log/times"; sleep 0.5; '
        'echo "end $(date +%s.%N)" >> "$log/times"; ' + WRITES_PDF
    )
    results = []

    def convert():
        results.append(office.convert(b"x", suffix=".docx", to="pdf"))

    threads = [threading.Thread(target=convert) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [b"%PDF-1.4 fake"] * 3
    events = [line.split()[0] for line in (log / "times").read_text().splitlines()]
    assert events == ["start", "end"] * 3


def test_a_conversion_waits_for_the_lock_no_longer_than_its_time(fake_office, settings):
    log = fake_office(WRITES_PDF)
    settings.RECTIFY_OFFICE_TIMEOUT = 1
    with open(settings.RECTIFY_OFFICE_LOCK, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process converting
        with pytest.raises(office.OfficeBusy, match="服务器正在生成其他文档，请稍后再试"):
            office.convert(b"x", suffix=".docx", to="pdf")
    assert not (log / "args").exists()
    assert office.convert(b"x", suffix=".docx", to="pdf") == b"%PDF-1.4 fake"


def test_oversized_input_is_refused_before_libreoffice_runs(fake_office, settings):
    log = fake_office(WRITES_PDF)
    settings.RECTIFY_OFFICE_MAX_INPUT_BYTES = 1024
    with pytest.raises(office.ConversionFailed, match=r"文件有 2.0\sKB，超过了转换的上限 1.0\sKB"):
        office.convert(b"x" * 2048, suffix=".docx", to="pdf")
    assert not (log / "args").exists()


def test_oversized_output_is_refused(fake_office, settings):
    fake_office('head -c 2048 /dev/zero > "$outdir/source.pdf"')
    settings.RECTIFY_OFFICE_MAX_OUTPUT_BYTES = 1024
    with pytest.raises(office.ConversionFailed, match=r"转换结果有 2.0\sKB，超过了上限 1.0\sKB"):
        office.convert(b"x", suffix=".docx", to="pdf")


def test_no_output_is_a_failed_conversion(fake_office):
    fake_office('echo "Error: source file could not be loaded"')
    with pytest.raises(office.ConversionFailed, match="LibreOffice 未能转换该文件"):
        office.convert(b"x", suffix=".doc", to="docx")


def test_a_missing_libreoffice_is_named_in_chinese(settings, tmp_path, monkeypatch):
    settings.RECTIFY_SOFFICE = str(tmp_path / "no-such-soffice")
    assert not office.available()
    with pytest.raises(office.OfficeUnavailable) as refusal:
        office.convert(b"x", suffix=".docx", to="pdf")
    assert str(refusal.value) == UNAVAILABLE
    with pytest.raises(office.OfficeUnavailable, match="另存为 .docx 后再上传"):
        office.convert(b"x", suffix=".wps", to="docx")
    # Not set: soffice or libreoffice on PATH.
    settings.RECTIFY_SOFFICE = ""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert office.executable() is None
    (tmp_path / "libreoffice").write_text("#!/bin/sh\n")
    (tmp_path / "libreoffice").chmod(0o755)
    assert office.executable() == str(tmp_path / "libreoffice")


def test_only_known_conversions_are_made(fake_office):
    fake_office(WRITES_PDF)
    with pytest.raises(ValueError):
        office.convert(b"x", suffix=".exe", to="pdf")
    with pytest.raises(ValueError):
        office.convert(b"x", suffix=".xlsx", to="docx")
    with pytest.raises(ValueError):
        office.convert(b"x", suffix=".docx", to="html")


# The report page


@pytest.fixture
def demo_report(demo_db, db) -> Report:
    return Report.objects.select_related("county").get(county__code=COUNTY)


def log_in(client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def test_the_report_page_offers_word_and_pdf(client, demo_report, fake_office):
    fake_office(WRITES_PDF)
    log_in(client, STAFF)
    page = client.get(demo_report.get_absolute_url()).content.decode()
    for document in ("report", "plan"):
        assert reverse("report_docx", args=[demo_report.pk, document]) in page
        assert reverse("report_pdf", args=[demo_report.pk, document]) in page
    assert UNAVAILABLE not in page


@pytest.mark.parametrize("username", ["staff-360926", "reviewer-360000"])
@pytest.mark.parametrize("name", ["report_pdf", "report_docx"])
def test_another_countys_report_is_404(client, demo_report, fake_office, username, name):
    log = fake_office(WRITES_PDF)
    log_in(client, username)
    assert client.get(reverse(name, args=[demo_report.pk, "report"])).status_code == 404
    assert not (log / "args").exists()


def test_pdf_downloads_need_a_login_and_a_get(client, demo_report, fake_office):
    fake_office(WRITES_PDF)
    pdf = reverse("report_pdf", args=[demo_report.pk, "plan"])
    response = client.get(pdf)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    log_in(client, STAFF)
    assert client.post(pdf).status_code == 405
    assert client.get(reverse("report_pdf", args=[demo_report.pk, "minutes"])).status_code == 404
    response = client.get(pdf)
    assert response.status_code == 200 and response.content == b"%PDF-1.4 fake"
    assert response["Content-Type"] == "application/pdf"
    assert quote("昭化区整改方案-2019-09-10.pdf") in response["Content-Disposition"]
    # Audited as every download is (audit.middleware, from Content-Disposition).
    event = Event.objects.filter(kind=Event.Kind.DOWNLOAD).latest("id")
    assert event.target == "昭化区整改方案-2019-09-10.pdf"
    assert event.actor.username == STAFF


def test_without_libreoffice_the_page_explains_and_the_pdf_link_returns(
    client, demo_report, settings, tmp_path
):
    settings.RECTIFY_SOFFICE = str(tmp_path / "no-such-soffice")
    log_in(client, STAFF)
    page = client.get(demo_report.get_absolute_url()).content.decode()
    assert UNAVAILABLE in page
    assert reverse("report_pdf", args=[demo_report.pk, "report"]) not in page
    assert reverse("report_docx", args=[demo_report.pk, "report"]) in page
    # A PDF link followed anyway (an old bookmark): back to the report with the reason.
    response = client.get(reverse("report_pdf", args=[demo_report.pk, "report"]), follow=True)
    assert response.redirect_chain == [(demo_report.get_absolute_url(), 302)]
    assert [str(m) for m in response.context["messages"]] == [UNAVAILABLE]


# Nothing to report

NOTHING = "本报告所选的检查中，{county}没有任何问题，无需生成整改情况报告和整改方案。"


@pytest.fixture
def quiet_county(demo_db, db) -> County:
    """A county of Sichuan whose one review found nothing there, with a report over it."""
    county = Factory.county(Province.objects.get(code="510000"), "510899", "测试县")
    staff = Factory.user("staff-510899", Role.COUNTY_STAFF, county=county)
    review = Factory.review(county, kind=Review.Kind.MOFCOM_REVIEW)
    report_save(
        user=staff,
        report=Report(county=county, issuer="测试县人民政府", title="测试县整改情况的报告"),
        reviews=[review],
    )
    return county


def test_a_county_with_nothing_to_report_is_told_so_on_the_report_page(
    client, quiet_county, fake_office
):
    log = fake_office(WRITES_PDF)
    report = Report.objects.get(county=quiet_county)
    log_in(client, "staff-510899")
    page = client.get(report.get_absolute_url()).content.decode()
    message = NOTHING.format(county=quiet_county.display_short_name)
    assert message in page
    assert 'class="official-doc"' not in page  # no empty document
    for name in ("report_docx", "report_pdf"):
        for document in ("report", "plan"):
            link = reverse(name, args=[report.pk, document])
            assert link not in page
            response = client.get(link, follow=True)
            assert response.redirect_chain == [(report.get_absolute_url(), 302)]
            assert message in [str(m) for m in response.context["messages"]][0]
    assert not (log / "args").exists()


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_export_report_refuses_a_county_with_nothing_to_report(
    quiet_county, fake_office, tmp_path, fmt
):
    fake_office(WRITES_PDF)
    path = tmp_path / f"out.{fmt}"
    with pytest.raises(CommandError, match=NOTHING.format(county="测试县")):
        call_command("export_report", county="510899", output=str(path), format=fmt)
    assert not path.exists()


def test_export_report_refuses_a_county_without_reviews(demo_db, db, tmp_path):
    Factory.county(Province.objects.get(code="510000"), "510898", "空白县")
    path = tmp_path / "out.docx"
    with pytest.raises(CommandError, match="空白县没有任何问题"):
        call_command("export_report", county="510898", output=str(path))
    assert not path.exists()


def test_export_report_without_libreoffice_explains(demo_db, db, settings, tmp_path):
    settings.RECTIFY_SOFFICE = str(tmp_path / "no-such-soffice")
    path = tmp_path / "report.pdf"
    with pytest.raises(CommandError, match=UNAVAILABLE):
        call_command("export_report", county=COUNTY, output=str(path))
    assert not path.exists()
