"""Office conversions by LibreOffice in headless mode (an existing engine, optional on the
server): a generated .docx to PDF for the downloads, and the .doc/.wps/.rtf/.odt an office
receives to .docx for the importer.

Each call runs `soffice` as a subprocess of its own process group, with a private profile
directory (removed after), a time limit after which the whole group is killed (soffice is a
script that starts oosplash, which starts soffice.bin), the input's size checked before and
the output's after. Conversions are made one at a time across all the processes of the site:
see `_one_at_a_time`. Every failure is an `OfficeError` whose message a user can read."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# What LibreOffice is asked to write, by target: the export filter and its options.
# writer_pdf_Export embeds the fonts it uses (as subsets); EmbedStandardFonts also embeds the
# 14 PDF base fonts it would otherwise only name, so that every font of the PDF is in the file.
FILTERS = {
    "pdf": 'pdf:writer_pdf_Export:{"EmbedStandardFonts":{"type":"boolean","value":"true"}}',
    "docx": "docx:MS Word 2007 XML",
    # The older formats an office still receives; written only to make the importer's test
    # samples from the seed texts.
    "doc": "doc:MS Word 97",
    "odt": "odt:writer8",
    "rtf": "rtf:Rich Text Format",
}
# The files each target may be made from (the name's suffix tells LibreOffice what it reads).
SOURCES = {
    "pdf": {".docx", ".doc", ".odt", ".rtf", ".wps", ".xlsx", ".xls", ".ods"},
    "docx": {".doc", ".wps", ".rtf", ".odt", ".docx"},
    "doc": {".docx"},
    "odt": {".docx"},
    "rtf": {".docx"},
}


class OfficeError(Exception):
    """A conversion that did not happen; str(error) is the message for the user."""


class OfficeUnavailable(OfficeError):
    pass


class OfficeBusy(OfficeError):
    pass


class OfficeTimeout(OfficeError):
    pass


class ConversionFailed(OfficeError):
    pass


def executable() -> str | None:
    """The LibreOffice program: RECTIFY_SOFFICE (a path or a name on PATH) when set, else
    soffice or libreoffice on PATH; None when there is none."""
    configured = settings.RECTIFY_SOFFICE
    names = [configured] if configured else ["soffice", "libreoffice"]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def available() -> bool:
    return executable() is not None


def unavailable_message(to: str = "pdf") -> str:
    if to == "pdf":
        return _("服务器未安装 LibreOffice，无法生成 PDF，请下载 Word 版本。")
    return _("服务器未安装 LibreOffice，无法读取该格式的文件，请另存为 .docx 后再上传。")


def convert(data: bytes, *, suffix: str, to: str, timeout: float | None = None) -> bytes:
    """`data` (a file whose name would end in `suffix`, e.g. ".docx") converted to `to`
    ("pdf", "docx"; "doc", "odt", "rtf" from a .docx). Raises OfficeError (unavailable,
    busy, timeout, failed)."""
    suffix = suffix.lower()
    if to not in FILTERS or suffix not in SOURCES[to]:
        raise ValueError(f"LibreOffice does not convert {suffix} to {to} here")
    limit = settings.RECTIFY_OFFICE_MAX_INPUT_BYTES
    if len(data) > limit:
        raise ConversionFailed(
            _("文件有 %(size)s，超过了转换的上限 %(limit)s，不予转换。")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(limit)}
        )
    program = executable()
    if program is None:
        raise OfficeUnavailable(unavailable_message(to))
    # Within `timeout` seconds when given (what is left of an import's time), else the setting.
    timeout = min(settings.RECTIFY_OFFICE_TIMEOUT, timeout or settings.RECTIFY_OFFICE_TIMEOUT)
    with _one_at_a_time(timeout), tempfile.TemporaryDirectory(prefix="rectify-office-") as tmp:
        work = Path(tmp)
        source = work / f"source{suffix}"
        source.write_bytes(data)
        outdir = work / "out"
        outdir.mkdir()
        command = [
            program,
            # A profile of its own: a LibreOffice already running as this user (or another
            # conversion's leftover) is neither reused nor disturbed.
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nodefault",
            "--nolockcheck",
            "--nologo",
            "--norestore",
            "--convert-to",
            FILTERS[to],
            "--outdir",
            str(outdir),
            str(source),
        ]
        output = _run(command, timeout=timeout, cwd=work)
        result = outdir / f"source.{to}"
        if not result.is_file() or result.stat().st_size == 0:
            raise ConversionFailed(
                _("LibreOffice 未能转换该文件（文件可能已损坏、加密或格式不受支持）。")
                + (f" {output[-300:]}" if settings.DEBUG and output else "")
            )
        size = result.stat().st_size
        if size > settings.RECTIFY_OFFICE_MAX_OUTPUT_BYTES:
            raise ConversionFailed(
                _("转换结果有 %(size)s，超过了上限 %(limit)s，不予提供。")
                % {
                    "size": filesizeformat(size),
                    "limit": filesizeformat(settings.RECTIFY_OFFICE_MAX_OUTPUT_BYTES),
                }
            )
        return result.read_bytes()


def _run(command: list[str], *, timeout: float, cwd: Path) -> str:
    """Run LibreOffice in a new session (its own process group) and return what it printed;
    on timeout kill the whole group, not only the script we started."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _unused = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise OfficeTimeout(
            _("LibreOffice 在 %(seconds)s 秒内未完成转换，已中止。请稍后再试，或下载 Word 版本。")
            % {"seconds": timeout}
        ) from None
    except BaseException:
        _kill_group(process)
        raise
    # Whatever soffice.bin may have left behind goes with the group.
    _kill_group(process)
    return output.decode("utf-8", "replace").strip()


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=5)


@contextlib.contextmanager
def _one_at_a_time(wait: float):
    """Hold the site-wide conversion lock, waiting at most `wait` seconds for it.

    One LibreOffice at a time: each instance takes a few hundred MB and a core for seconds,
    so a handful of simultaneous downloads on a small government server would otherwise
    exhaust its memory and slow every page. A lock in the process (threading) would not see
    the other web workers or a management command, hence a file lock: flock(2) is held per
    open file across processes, and the kernel releases it when its holder dies, so a killed
    worker never leaves the site locked."""
    path = Path(settings.RECTIFY_OFFICE_LOCK)
    with open(path, "a+b") as lock:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OfficeBusy(
                        _("服务器正在生成其他文档，请稍后再试，或下载 Word 版本。")
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
