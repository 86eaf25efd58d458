"""Checks on uploaded evidence: the content decides the type, not the file name."""

from __future__ import annotations

import dataclasses
import io
import secrets
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from rectify.lib.files import OLE_SIGNATURE, stored

# detected kind → extensions a user may give it
ALLOWED = {
    "pdf": {"pdf"},
    "jpg": {"jpg", "jpeg"},
    "png": {"png"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "zip": {"zip"},
    "ole": {"doc", "xls"},
}
MIME = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}
# Types a browser shows by itself, safely: served inline (in the page's viewer, or the
# browser's own PDF viewer). Everything else, Office files included, downloads.
VIEWABLE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
THUMBNAIL_SIZE = 320
# The viewer's copy of a photo: enough for a laptop's screen, a fraction of a phone camera's
# original (4,000 px and 3–8 MB) on a leader's mobile connection.
DISPLAY_SIZE = 1600
# A photo from any phone camera is well below this; a larger image is not decoded at all (its
# pixels would cost memory out of proportion to its file size: a decompression bomb).
THUMBNAIL_MAX_PIXELS = 60_000_000


@dataclasses.dataclass(frozen=True)
class CheckedUpload:
    extension: str
    content_type: str


def check_upload(upload) -> CheckedUpload:
    """Refuse files that are too large, of a type we do not keep, or disguised as another."""
    limit = settings.RECTIFY_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”大小为 %(size)s，超过了 %(limit)s 的上限。")
            % {
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limit),
            }
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空的。") % {"name": upload.name})
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    detected = "ole" if head.startswith(OLE_SIGNATURE) else (kind.extension if kind else None)
    allowed = sorted({ext for exts in ALLOWED.values() for ext in exts})
    if detected not in ALLOWED:
        raise ValidationError(
            _("文件“%(name)s”不是允许的类型。可上传：%(types)s。")
            % {"name": upload.name, "types": "、".join(allowed)}
        )
    if extension not in ALLOWED[detected]:
        raise ValidationError(
            _("文件“%(name)s”的内容与扩展名不符，已拒绝。") % {"name": upload.name}
        )
    return CheckedUpload(extension, MIME.get(extension, MIME.get(detected, "")))


def pdf_pages(upload) -> int | None:
    """The number of pages of an uploaded PDF (its page tree's count), or None when it cannot
    be read: encrypted, damaged, or not a PDF. Read once, on upload, for the 佐证材料目录."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    upload.seek(0)
    try:
        document = PDFDocument(PDFParser(upload))
        count = resolve1(resolve1(document.catalog["Pages"])["Count"])
    except Exception:  # pdfminer raises many kinds on a broken or encrypted file
        count = None
    finally:
        upload.seek(0)
    return count if isinstance(count, int) and count > 0 else None


def image_thumbnail(file) -> bytes | None:
    """The photo's thumbnail for the finding page's list of evidence."""
    return scaled_jpeg(file, THUMBNAIL_SIZE, quality=80)


def image_display_copy(file) -> bytes | None:
    """The copy the page's viewer shows, or None when the photo is no larger than that: the
    viewer shows the original itself."""
    return scaled_jpeg(file, DISPLAY_SIZE, quality=85, only_if_larger=True)


def scaled_jpeg(file, size: int, *, quality: int, only_if_larger: bool = False) -> bytes | None:
    """A JPEG at most `size` pixels wide and tall, upright as the camera held it (EXIF
    orientation), or None when the file is not an image Pillow reads, is damaged, or has more
    than THUMBNAIL_MAX_PIXELS pixels (checked from its header, before any decoding)."""
    from PIL import Image, ImageOps

    file.seek(0)
    try:
        with Image.open(file) as image:
            width, height = image.size
            if width * height > THUMBNAIL_MAX_PIXELS:
                return None
            if only_if_larger and max(width, height) <= size:
                return None
            # A JPEG decodes straight at a fraction of its size (1/2, 1/4, 1/8): cheaper.
            image.draft("RGB", (size * 2, size * 2))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((size, size))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
    except Exception:  # Pillow raises many kinds on a damaged or hostile file
        return None
    finally:
        file.seek(0)
    return out.getvalue()


def store_image_copy(field_file, data: bytes) -> None:
    """Write a copy made by scaled_jpeg to its field (not yet saving the row), noted like
    store_upload so that a failing service removes it again."""
    field_file.save("copy.jpg", ContentFile(data), save=False)
    stored(field_file.storage, field_file.name)


def backfill_image_copies(Evidence, field: str, make) -> None:
    """For a migration: make the copies (`make`: image_thumbnail, image_display_copy) of the
    photos uploaded before they were made on upload. A file that is missing, damaged or too
    large, or needs no copy, keeps none (the page shows the original, as before)."""
    for evidence in Evidence.objects.filter(content_type__in=IMAGES, **{field: ""}).iterator():
        try:
            with evidence.file.open("rb") as f:
                data = make(f)
        except OSError:
            continue
        if data:
            copy = getattr(evidence, field)
            store_image_copy(copy, data)
            Evidence.objects.filter(pk=evidence.pk).update(**{field: copy.name})


def thumbnail_path(instance, filename: str) -> str:
    return f"evidence/thumbnails/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.jpg"


def display_path(instance, filename: str) -> str:
    return f"evidence/display/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.jpg"


def evidence_path(instance, filename: str) -> str:
    """Non-guessable storage names; the original name is kept on the record."""
    extension = PurePath(filename).suffix.lower()
    return f"evidence/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}{extension}"


def store_upload(field_file, upload) -> None:
    """Write `upload` to the file field's storage (not yet saving the row), noted so that a
    failing service removes it again (rectify.lib.files.removed_on_failure)."""
    field_file.save(upload.name, upload, save=False)
    stored(field_file.storage, field_file.name)
