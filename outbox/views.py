"""The county's group robots (企业微信, 钉钉): a list and a form, for the county's staff —
the people who keep its units ("unit.manage")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from issues import submissions
from issues.permissions import require
from issues.submissions import AlreadySubmitted, token_from

from . import services
from .forms import RobotHookForm
from .models import RobotHook


@login_required
@require_GET
def hook_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "unit.manage", request.user.county)
    hooks = (
        RobotHook.objects.for_user(request.user)
        .filter(county_id=request.user.county_id)
        .select_related("unit")
    )
    return render(request, "outbox/hook_list.html", {"hooks": hooks})


def _hook_form_page(request: HttpRequest, hook: RobotHook) -> HttpResponse:
    form = RobotHookForm(request.POST or None, instance=hook, county=hook.county)
    if request.method == "POST":
        if form.is_valid():
            try:
                # Only the new-robot form carries a token: an edit simply saves.
                submissions.once(
                    token_from(request.POST),
                    request.user,
                    lambda: services.hook_save(user=request.user, hook=form.instance),
                )
            except AlreadySubmitted:
                return submissions.resubmitted(request, "hook_list")
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("群机器人“%(name)s”已保存。") % {"name": hook.name})
                return redirect("hook_list")
        messages.error(request, _("保存失败，请按提示修改。"))
    return render(request, "outbox/hook_form.html", {"form": form, "hook": hook})


@login_required
@require_http_methods(["GET", "POST"])
def hook_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "unit.manage", request.user.county)
    return _hook_form_page(request, RobotHook(county=request.user.county))


@login_required
@require_http_methods(["GET", "POST"])
def hook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(RobotHook.objects.for_user(request.user), pk=pk)
    require(request.user, "unit.manage", hook)
    return _hook_form_page(request, hook)
