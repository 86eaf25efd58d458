"""Text recognition (OCR) by Tesseract with its simplified-Chinese data (an existing engine,
optional on the server, like LibreOffice in rectify.lib.office): the importer's scans and
photographs of documents.

An image is opened by Pillow first, its size checked before a pixel is decoded (a small file
may declare a huge picture), and written again as a plain grey PNG: Tesseract never reads the
upload's own bytes. A scanned PDF's page is drawn by poppler's pdftoppm at a resolution that
keeps it under the same pixel limit. Each program runs as a subprocess in its own process
group, killed with the group when its time is up. Every failure is an `OcrError` whose message
a user can read."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

LANGUAGE = "chi_sim"
DPI = 300  # what Tesseract reads best; lowered for a page too large to draw at it
MIN_DPI = 72
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
IMAGE_FORMATS = {"PNG", "JPEG"}
ASCII_WORD = re.compile(r"[A-Za-z0-9]")


class OcrError(Exception):
    """Text that could not be recognised; str(error) is the message for the user."""


class OcrUnavailable(OcrError):
    pass


class OcrTimeout(OcrError):
    pass


class OcrFailed(OcrError):
    pass


@dataclasses.dataclass
class OcrLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclasses.dataclass
class OcrPage:
    width: float
    height: float
    lines: list[OcrLine]


def is_image(data: bytes) -> bool:
    return data.startswith((PNG_SIGNATURE, JPEG_SIGNATURE))


def _which(configured: str, default: str) -> str | None:
    return shutil.which(configured or default)


def executable() -> str | None:
    """Tesseract: RECTIFY_TESSERACT (a path or a name on PATH) when set, else tesseract."""
    return _which(settings.RECTIFY_TESSERACT, "tesseract")


def renderer() -> str | None:
    """poppler's pdftoppm: RECTIFY_PDFTOPPM when set, else pdftoppm on PATH."""
    return _which(settings.RECTIFY_PDFTOPPM, "pdftoppm")


_found: set[str] = set()  # programs seen with the data: a later install is seen at once


def available() -> bool:
    """Tesseract is installed and has its simplified-Chinese data."""
    program = executable()
    if program is None:
        return False
    if program in _found:
        return True
    try:
        listed = subprocess.run(
            [program, "--list-langs"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    langs = (listed.stdout + listed.stderr).decode("utf-8", "replace").split()
    if LANGUAGE in langs:
        _found.add(program)
        return True
    return False


def pdf_available() -> bool:
    return renderer() is not None and available()


def unavailable_message() -> str:
    return _(
        "服务器未安装文字识别（Tesseract 及其简体中文数据），无法读取扫描件或图片；"
        "请上传 Word 文档或含文字的 PDF，或直接粘贴文字。"
    )


def _too_large(pixels: int | None) -> OcrFailed:
    limit = settings.RECTIFY_OCR_MAX_PIXELS // 10_000
    if pixels is None:
        return OcrFailed(_("图片超过了识别的上限 %(limit)s 万像素，不予读取。") % {"limit": limit})
    return OcrFailed(
        _("图片有 %(pixels)s 万像素，超过了识别的上限 %(limit)s 万像素，不予读取。")
        % {"pixels": pixels // 10_000, "limit": limit}
    )


def read_image(data: bytes, *, timeout: float) -> OcrPage:
    """The text of a .png or .jpg picture of a document."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            if image.format not in IMAGE_FORMATS:
                raise OcrFailed(_("图片格式不受支持，请上传 PNG 或 JPEG 图片。"))
            width, height = image.size
            if width * height > settings.RECTIFY_OCR_MAX_PIXELS:
                raise _too_large(width * height)
            grey = image.convert("L")  # decodes; a truncated file fails here
    except OcrError:
        raise
    except Image.DecompressionBombError as e:  # refused by Pillow itself, far over ours
        raise _too_large(None) from e
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as e:
        raise OcrFailed(_("图片已损坏，无法读取。")) from e
    with tempfile.TemporaryDirectory(prefix="rectify-ocr-") as tmp:
        path = Path(tmp) / "page.png"
        grey.save(path, format="PNG")
        grey.close()
        return _recognise(path, width, height, timeout=timeout)


def read_pdf_page(
    pdf: Path, number: int, *, width: float, height: float, timeout: float
) -> OcrPage:
    """The text of page `number` (from 1) of the PDF file `pdf`, a page `width` × `height`
    points large, drawn by pdftoppm and read by Tesseract; positions in the drawing's pixels."""
    program = renderer()
    if program is None:
        raise OcrUnavailable(unavailable_message())
    points = max(width * height, 1.0)
    dpi = min(DPI, int(math.sqrt(settings.RECTIFY_OCR_MAX_PIXELS / points) * 72))
    if dpi < MIN_DPI:
        raise _too_large(int(points / 72 / 72 * DPI * DPI))
    with tempfile.TemporaryDirectory(prefix="rectify-ocr-", dir=pdf.parent) as tmp:
        out = Path(tmp) / "page"
        _run(
            [program, "-r", str(dpi), "-gray", "-png", "-singlefile"]
            + ["-f", str(number), "-l", str(number), str(pdf), str(out)],
            timeout=timeout,
        )
        drawn = out.with_suffix(".png")
        if not drawn.is_file():
            raise OcrFailed(_("PDF 第%(page)d页无法转为图片，文件可能已损坏。") % {"page": number})
        return _recognise(drawn, width * dpi / 72, height * dpi / 72, timeout=timeout)


def _recognise(path: Path, width: float, height: float, *, timeout: float) -> OcrPage:
    program = executable()
    if program is None:
        raise OcrUnavailable(unavailable_message())
    output = _run(
        [program, str(path), "stdout", "-l", LANGUAGE, "--psm", "3"]
        + ["-c", "preserve_interword_spaces=1", "tsv"],
        timeout=timeout,
    )
    return OcrPage(width=width, height=height, lines=_lines(output))


def _lines(tsv: str) -> list[OcrLine]:
    """Tesseract's words (TSV rows of level 5) put together as its lines, in its order."""
    lines: dict[tuple[str, str, str], list[tuple[str, int, int, int, int]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            left, top, w, h = (int(c) for c in cells[6:10])
        except ValueError:
            continue
        key = (cells[2], cells[3], cells[4])
        lines.setdefault(key, []).append((cells[11].strip(), left, top, left + w, top + h))
    result = []
    for words in lines.values():
        text = words[0][0]
        for prev, word in zip(words, words[1:], strict=False):
            # Chinese is written without spaces; only two Latin words or numbers keep one.
            space = ASCII_WORD.match(prev[0][-1]) and ASCII_WORD.match(word[0][0])
            text += (" " if space else "") + word[0]
        result.append(
            OcrLine(
                text=text,
                x0=min(w[1] for w in words),
                x1=max(w[3] for w in words),
                top=min(w[2] for w in words),
                bottom=max(w[4] for w in words),
            )
        )
    return result


def _run(command: list[str], *, timeout: float) -> str:
    """Run a program in a new session; on timeout kill its whole group."""
    # One thread: Tesseract would otherwise take every core of a small shared server.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    timeout = max(timeout, 1.0)
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    try:
        output, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise OcrTimeout(
            _("文字识别在 %(seconds)d 秒内未完成，已中止。请拆分文件，或上传含文字的文件。")
            % {"seconds": int(timeout)}
        ) from None
    except BaseException:
        _kill_group(process)
        raise
    if process.returncode != 0:
        raise OcrFailed(
            _("文字识别失败（文件可能已损坏）。")
            + (f" {errors.decode('utf-8', 'replace')[-300:]}" if settings.DEBUG else "")
        )
    return output.decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=5)
