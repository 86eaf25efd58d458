"""How files announce what they are: the first bytes of the formats Rectify reads; and what an
archive would cost to open."""

from __future__ import annotations

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
            _("文件「%(name)s」包含 %(count)d 个部件,超过了上限 %(limit)d 个,不予读取。")
            % {"name": name, "count": len(members), "limit": max_members}
        )
    total = sum(m.file_size for m in members)
    if total > max_total:
        raise ValidationError(
            _("文件「%(name)s」解压后共 %(size)s,超过了上限 %(limit)s,不予读取。")
            % {"name": name, "size": filesizeformat(total), "limit": filesizeformat(max_total)}
        )
    for m in members:
        if max_xml is not None and m.filename.endswith(".xml") and m.file_size > max_xml:
            raise ValidationError(
                _(
                    "文件「%(name)s」中的「%(member)s」解压后有 %(size)s,"
                    "超过了上限 %(limit)s,不予读取。"
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
                    "文件「%(name)s」中的「%(member)s」压缩比超过 %(limit)d:1,"
                    "可能是恶意构造的压缩包,不予读取。"
                )
                % {"name": name, "member": m.filename, "limit": max_ratio}
            )
