"""The auditor's page (审计管理员): search the events of their county, province or, national,
all; export the search as .xlsx."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from issues import permissions

from .exports import write_events
from .filters import EventFilter
from .middleware import AUDITED
from .models import Event
from .services import record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _events(request: HttpRequest) -> EventFilter:
    permissions.require(request.user, "audit.view")
    events = Event.objects.for_user(request.user).select_related("county", "province")
    return EventFilter(request.GET or None, queryset=events, request=request)


@login_required
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    found = _events(request)
    page = Paginator(found.qs, settings.RECTIFY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"filter": found, "page": page})


@login_required
@require_safe
def audit_export(request: HttpRequest) -> HttpResponse:
    found = _events(request)
    back = reverse("audit_log") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if found.is_bound and not found.is_valid():
        messages.error(request, _("搜索条件有误，请先修改。"))
        return redirect(back)
    limit = settings.RECTIFY_AUDIT_EXPORT_MAX_ROWS
    count = found.qs.count()
    if count > limit:
        messages.error(
            request,
            _(
                "符合条件的事件有 %(count)d 条，超过一次导出的上限 %(limit)d 条。"
                "请缩小日期范围后再导出。"
            )
            % {"count": count, "limit": limit},
        )
        return redirect(back)
    filename = f"安全审计日志-{timezone.localdate():%Y%m%d}.xlsx"
    # Written to a temporary file and streamed from it; the file goes when the response ends.
    out = tempfile.TemporaryFile()
    try:
        written = write_events(found.qs.iterator(chunk_size=2000), out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    filters = {key: value for key, value in request.GET.items() if value and key != "page"}
    record(
        Event.Kind.AUDIT_EXPORT,
        request=request,
        target=filename,
        detail={"rows": written, "filters": filters},
    )
    response = FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)
    setattr(response, AUDITED, True)  # the middleware does not add a DOWNLOAD
    return response
