"""What an import may cost, in one place: the size of the text read, the parsed data kept on a
batch, and the time spent reading and parsing. (The archive and sheet limits are checked in
readers, with the settings named there.) Everything over a limit is refused with a message
that names the limit; nothing is cut short silently."""

from __future__ import annotations

import contextlib
import contextvars
import json
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class Deadline:
    """The moment by which reading and parsing one import must be done. The parser's loops
    call tick() (through the module-level tick()), which refuses once the moment has passed:
    no thread, no signal, only a clock read every few calls."""

    EVERY = 64  # ticks between clock reads

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.count % self.EVERY == 0 and time.monotonic() > self.ends:
            raise ValidationError(
                _(
                    "文件内容过多或结构过于复杂，%(seconds)s 秒内未能读完，不予导入。"
                    "请拆分后再导入。"
                )
                % {"seconds": self.seconds}
            )


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "import_deadline", default=None
)


@contextlib.contextmanager
def deadline(seconds: float | None = None) -> Iterator[Deadline]:
    """Bound the work inside; nested calls share the outermost deadline."""
    active = _current.get()
    if active is not None:
        yield active
        return
    d = Deadline(settings.RECTIFY_IMPORT_MAX_SECONDS if seconds is None else seconds)
    token = _current.set(d)
    try:
        yield d
    finally:
        _current.reset(token)


def tick() -> None:
    """Called once per line, row or token by the loops that read and parse an import."""
    d = _current.get()
    if d is not None:
        d.tick()


def remaining() -> float | None:
    """Seconds left before the current deadline (None outside one): the time an engine run
    as a subprocess (LibreOffice, Tesseract) may take at most. Past it, refused at once."""
    d = _current.get()
    if d is None:
        return None
    d.count = d.EVERY - 1
    d.tick()
    return max(d.ends - time.monotonic(), 0.0)


def check_text(name: str, text: str) -> str:
    """A document's text (pasted, or read from a file) within the character and line limits."""
    max_chars, max_lines = settings.RECTIFY_IMPORT_MAX_CHARS, settings.RECTIFY_IMPORT_MAX_LINES
    if len(text) > max_chars:
        raise ValidationError(
            _("「%(name)s」共 %(count)d 个字符，超过了导入上限 %(limit)d 个字符。请拆分后再导入。")
            % {"name": name, "count": len(text), "limit": max_chars}
        )
    lines = len(text.splitlines())
    if lines > max_lines:
        raise ValidationError(
            _("「%(name)s」共 %(count)d 行，超过了导入上限 %(limit)d 行。请拆分后再导入。")
            % {"name": name, "count": lines, "limit": max_lines}
        )
    return text


def check_stored(name: str, data: dict, source_text: str = "") -> None:
    """What a batch keeps (the parsed data and the text) within the stored-size limit."""
    limit = settings.RECTIFY_IMPORT_MAX_STORED_BYTES
    size = len(json.dumps(data, ensure_ascii=False).encode()) + len(source_text.encode())
    if size > limit:
        raise ValidationError(
            _("「%(name)s」解析后的数据有 %(size)s，超过了保存上限 %(limit)s。请拆分后再导入。")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
