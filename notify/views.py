"""The notification centre: the list (filters, pages), opening one (marks it read and goes to
its object) and marking all read. Only the recipient's own, and none on a finding they can
no longer see (404)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from . import services
from .models import Notification


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.visible_to(request.user)
    show = request.GET.get("show") if request.GET.get("show") == "unread" else "all"
    kind = request.GET.get("kind", "")
    if show == "unread":
        notifications = notifications.unread()
    if kind in Notification.Kind.values:
        notifications = notifications.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(notifications, settings.RECTIFY_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return render(
        request,
        "notify/notification_list.html",
        {"page": page, "show": show, "kind": kind, "kinds": Notification.Kind.choices},
    )


@login_required
@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to its object, marking it read on the way."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    services.mark_read(user=request.user, notification=notification)
    url = notification.url
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = "notification_list"
    return redirect(url)


@login_required
@require_POST
def notification_mark_all(request: HttpRequest) -> HttpResponse:
    marked = services.mark_all_read(user=request.user)
    messages.success(request, _("已将%(n)d条通知标为已读。") % {"n": marked})
    return redirect("notification_list")
