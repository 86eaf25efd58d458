"""How files announce what they are: the first bytes of the formats Rectify reads; what an
archive would cost to open; and files stored by a write that then fails, removed again."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import zipfile

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")  # legacy .doc / .xls / .wps
ZIP_SIGNATURE = b"PK\x03\x04"  # .docx / .xlsx and the other Office Open XML files


def check_archive(
    name: str,
    archive: zipfile.ZipFile,
    *,
    max_total: int,
    max_members: int,
    max_ratio: int,
    max_xml: int | None = None,
    ratio_from: int = 1024 * 1024,
) -> None:
    """Refuse a zip archive that would cost too much to open, from its directory alone (nothing
    is inflated): too many members, too much in all once inflated, an XML member larger than
    max_xml (a parser may hold it whole, at several times its size), or a member inflated more
    than max_ratio times its stored size (a zip bomb), counted for members above ratio_from
    bytes. The declared sizes can be trusted: zipfile never inflates a member past the size
    its directory declares."""
    members = archive.infolist()
    if len(members) > max_members:
        raise ValidationError(
            _("文件「%(name)s」包含 %(count)d 个部件，超过了上限 %(limit)d 个，不予读取。")
            % {"name": name, "count": len(members), "limit": max_members}
        )
    total = sum(m.file_size for m in members)
    if total > max_total:
        raise ValidationError(
            _("文件「%(name)s」解压后共 %(size)s，超过了上限 %(limit)s，不予读取。")
            % {"name": name, "size": filesizeformat(total), "limit": filesizeformat(max_total)}
        )
    for m in members:
        if max_xml is not None and m.filename.endswith(".xml") and m.file_size > max_xml:
            raise ValidationError(
                _(
                    "文件「%(name)s」中的「%(member)s」解压后有 %(size)s，"
                    "超过了上限 %(limit)s，不予读取。"
                )
                % {
                    "name": name,
                    "member": m.filename,
                    "size": filesizeformat(m.file_size),
                    "limit": filesizeformat(max_xml),
                }
            )
        if m.file_size > ratio_from and m.file_size > max_ratio * max(m.compress_size, 1):
            raise ValidationError(
                _(
                    "文件「%(name)s」中的「%(member)s」压缩比超过 %(limit)d:1，"
                    "可能是恶意构造的压缩包，不予读取。"
                )
                % {"name": name, "member": m.filename, "limit": max_ratio}
            )


# Files stored inside the innermost open `removed_on_failure` block: (storage, name).
_stored: contextvars.ContextVar[list | None] = contextvars.ContextVar("stored_files", default=None)
logger = logging.getLogger(__name__)


def stored(storage, name: str) -> None:
    """Note a file just written to `storage`: if the enclosing `removed_on_failure` block (or
    one around it) ends in an exception, the file is deleted."""
    names = _stored.get()
    if names is not None:
        names.append((storage, name))


class removed_on_failure(contextlib.ContextDecorator):
    """Run a write (as a `with` block or a decorator, outside its @transaction.atomic) so that
    the files it stored go when it fails: the database rolls back the rows that named them,
    and Django has no hook for a rollback. A block that succeeds hands its files to the block
    around it, so a service that fails after a nested one stored a file removes that too."""

    def __enter__(self):
        self._names: list = []
        self._token = _stored.set(self._names)
        return self

    def __exit__(self, exc_type, exc, tb):
        _stored.reset(self._token)
        if exc_type is None:
            stored_outside = _stored.get()
            if stored_outside is not None:
                stored_outside.extend(self._names)
            return False
        for storage, name in reversed(self._names):
            try:
                storage.delete(name)
            except OSError:  # the original error matters more; the file is only clutter
                logger.exception("could not remove %s after a failed write", name)
        return False

    def _recreate_cm(self):
        # A fresh instance for each call of a decorated function (nesting and threads).
        return type(self)()
