"""The documents the import cases read, made once per bench run from seed 000: a .docx of its
lines written by python-docx, turned into a .doc and PDFs by LibreOffice, the PDF's first page
drawn by poppler as a scanner would. The callers check first that the tools are installed."""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
from pathlib import Path

import docx
from django.conf import settings

from rectify.lib import ocr, office

SEED_000 = "000_*.txt"
LONG_PAGES = 60


@functools.cache
def seed_text() -> str:
    seeds = Path(settings.BASE_DIR) / "demo" / "seeds"
    return next(iter(sorted(seeds.glob(SEED_000)))).read_text(encoding="utf-8")


@functools.cache
def seed_lines() -> tuple[str, ...]:
    """The seed's lines as paragraphs (its blank lines and lone full stops dropped)."""
    return tuple(ln.strip() for ln in seed_text().splitlines() if ln.strip() not in ("", "."))


def plain_text() -> str:
    """What the .doc and the PDFs hold, as plain text."""
    return "\n".join(seed_lines())


def docx_of(paragraphs, *, breaks_every: int = 0) -> bytes:
    """A .docx of one paragraph per line, with a page break every `breaks_every` lines (the
    tests of the import formats make their samples with it too)."""
    document = docx.Document()
    for i, line in enumerate(paragraphs, start=1):
        document.add_paragraph(line)
        if breaks_every and i % breaks_every == 0:
            document.add_page_break()
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@functools.cache
def doc() -> bytes:
    return office.convert(docx_of(seed_lines()), suffix=".docx", to="doc")


@functools.cache
def pdf() -> bytes:
    return office.convert(docx_of(seed_lines()), suffix=".docx", to="pdf")


@functools.cache
def long_pdf() -> bytes:
    """The seed laid out on at least LONG_PAGES pages (a page break every n paragraphs)."""
    data = docx_of(seed_lines(), breaks_every=len(seed_lines()) // LONG_PAGES)
    return office.convert(data, suffix=".docx", to="pdf")


@functools.cache
def scan() -> bytes:
    """The PDF's first page drawn at 300 dpi in grey, as a PNG."""
    with tempfile.TemporaryDirectory() as tmp:
        source, page = Path(tmp) / "a.pdf", Path(tmp) / "page"
        source.write_bytes(pdf())
        subprocess.run(
            [ocr.renderer(), "-r", "300", "-gray", "-png", "-singlefile", "-f", "1", "-l", "1"]
            + [str(source), str(page)],
            check=True,
            timeout=120,
        )
        return page.with_suffix(".png").read_bytes()


@functools.cache
def scan_text() -> str:
    """The text of the scanned page, from the PDF's own text layer."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf())) as document:
        return document.pages[0].extract_text() or ""
