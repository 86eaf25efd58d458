"""Denials and downloads, audited in one place for every view: a 403 or 404 answered to a
signed-in user (every scoping refusal ends as one of them) and every successful response
that carries a file (Content-Disposition), so a new export is audited without code."""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.conf import settings

from .models import Event
from .services import record

# A view that records its own event (the audit log's export) sets this on its response.
AUDITED = "audited"

_FILENAME_STAR = re.compile(r"filename\*\s*=\s*[\w-]+'[^']*'([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)', re.IGNORECASE)


def filename_of(header: str) -> str:
    """The file name a Content-Disposition header gives (RFC 6266: filename* first)."""
    match = _FILENAME_STAR.search(header)
    if match:
        return unquote(match.group(1).strip())
    match = _FILENAME.search(header)
    if match:
        return (match.group(1) if match.group(1) is not None else match.group(2)).strip()
    return ""


def _is_asset(path: str) -> bool:
    prefixes = [f"/{settings.STATIC_URL.lstrip('/')}"]
    if getattr(settings, "MEDIA_URL", ""):
        prefixes.append(f"/{settings.MEDIA_URL.lstrip('/')}")
    return path.startswith(tuple(p for p in prefixes if p != "/")) or path == "/favicon.ico"


class AuditMiddleware:
    """After AuthenticationMiddleware. Adds no query to any other response: the user is
    looked at only when the answer is a refusal or a file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status in (403, 404):
            if not _is_asset(request.path) and request.user.is_authenticated:
                record(Event.Kind.DENIED, request=request, detail={"status": status})
        elif (
            200 <= status < 300
            and response.has_header("Content-Disposition")
            and not getattr(response, AUDITED, False)
            and request.user.is_authenticated
        ):
            name = filename_of(response["Content-Disposition"])
            record(Event.Kind.DOWNLOAD, request=request, target=name, detail={"status": status})
        return response
