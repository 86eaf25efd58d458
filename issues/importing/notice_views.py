"""A province's 督查通报 imported as a notice: upload → preview (items, their counties, 全选)
→ confirm or cancel. The preview is recomputed from the batch each time it is shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from issues import permissions, submissions
from issues.models import ImportBatch, Review
from issues.permissions import require
from issues.submissions import AlreadySubmitted, token_from

from .forms import DocumentImportForm
from .notice import (
    batch_notice_plan,
    notice_import_apply,
    notice_import_cancel,
    notice_import_start,
)
from .services import ImportRefused


class NoticeImportForm(DocumentImportForm):
    default_kind = None  # a notice is always the province's

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["placeholder"] = gettext_lazy(
            "从网页或 Word 中复制通报全文粘贴到这里"
        )


def _get_batch(request: HttpRequest, pk: int) -> ImportBatch:
    """A notice import of the user's province: another province's is 404, a county user's
    own province's is 403."""
    batch = get_object_or_404(
        ImportBatch.objects.select_related("province", "created_by"),
        pk=pk,
        kind=ImportBatch.Kind.NOTICE,
    )
    if permissions.home_province_id(request.user) != batch.province_id:
        raise Http404
    require(request.user, "notice.create", batch.province)
    return batch


@login_required
@require_http_methods(["GET", "POST"])
def notice_import_start_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, "notice.create", user.province)
    form = NoticeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = submissions.once(
                token_from(request.POST),
                user,
                lambda: notice_import_start(
                    user=user,
                    province=user.province,
                    source_name=data["source_name"],
                    source_text=data["source_text"],
                    ocr_lines=data.get("ocr_lines"),
                ),
            )
        except AlreadySubmitted as again:
            if isinstance(again.target, ImportBatch):
                return submissions.resubmitted(request, again.target)
            return submissions.resubmitted(request, "notice_import_start")
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.info(request, _("通报已读取，请核对各条问题及其区县，确认后才会创建通报。"))
            return redirect(batch)
    if request.method == "POST":
        messages.error(request, _("未能读取，请按提示修改。"))
    batches = ImportBatch.objects.filter(
        kind=ImportBatch.Kind.NOTICE, province=user.province
    ).select_related("created_by")[:20]
    return render(
        request,
        "issues/imports/notice_start.html",
        {"form": form, "batches": batches},
        status=400 if request.method == "POST" else 200,
    )


def _decisions_from(request: HttpRequest, batch: ImportBatch) -> dict:
    """The preview form's choices, keyed by the item's position in the document."""
    post = request.POST
    current = batch_notice_plan(batch, {})
    items = {}
    for item in current.items:
        k = item.index
        county_ids = []
        for value in post.getlist(f"item_{k}_counties"):
            if value.isdigit():
                county_ids.append(int(value))
        items[str(k)] = {
            "include": post.get(f"item_{k}_include") == "on",
            "category": post.get(f"item_{k}_category", "").strip()[:200],
            "text": post.get(f"item_{k}_text", "").strip(),
            "counties": county_ids,
        }
    # 全选 without JavaScript: the item's button sends the form; its counties become all the
    # counties addressed.
    chosen = post.get("select_all", "")
    if chosen in items:
        items[chosen]["counties"] = [c.pk for c in current.addressed or current.counties]
    identity = {field: post.get(f"identity_{field}", "").strip() for field in Review.NOTICE_FIELDS}
    return {"items": items, "identity": identity}


def _preview(request: HttpRequest, batch: ImportBatch, status: int = 200) -> HttpResponse:
    plan = batch_notice_plan(batch)
    notice = None
    if batch.summary.get("notice"):
        notice = Review.objects.filter(pk=batch.summary["notice"]).first()
    return render(
        request,
        "issues/imports/notice_preview.html",
        {
            "batch": batch,
            "plan": plan,
            "notice": notice,
            "addressed_ids": {c.pk for c in plan.addressed},
            "identity_fields": [
                (f, Review._meta.get_field(f).verbose_name, plan.identity.get(f) or "")
                for f in Review.NOTICE_FIELDS
            ],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_batch(request, pk)
    if request.method == "GET":
        return _preview(request, batch)
    if not batch.is_pending:
        if batch.summary.get("notice"):
            return submissions.resubmitted(request, "notice_detail", pk=batch.summary["notice"])
        messages.error(request, _("该导入已取消，没有创建通报。"))
        return redirect(batch)
    batch.options = {**batch.options, "decisions": _decisions_from(request, batch)}
    batch.save(update_fields=["options", "updated_at"])
    if request.POST.get("action") != "apply":
        messages.info(request, _("预览已更新。"))
        return redirect(batch)
    try:
        notice = submissions.once(
            token_from(request.POST),
            request.user,
            lambda: notice_import_apply(
                user=request.user,
                batch=batch,
                ocr_checked=request.POST.get("ocr_checked") == "1",
            ),
        )
    except AlreadySubmitted as again:
        if isinstance(again.target, Review):
            return submissions.resubmitted(request, "notice_detail", pk=again.target.pk)
        return submissions.resubmitted(request, batch)
    except ImportRefused as e:
        for message in e.messages[:10]:
            messages.error(request, message)
        batch.refresh_from_db()
        return _preview(request, batch, status=400)
    except ValidationError as e:
        messages.error(request, _("未导入：%(error)s") % {"error": " ".join(e.messages)})
        return _preview(request, batch, status=400)
    messages.success(
        request,
        _("通报已创建：%(items)d 条问题已分发到 %(counties)d 个区县。") % batch_summary(notice),
    )
    return redirect("notice_detail", pk=notice.pk)


def batch_summary(notice: Review) -> dict:
    return {
        "items": notice.notice_items.count(),
        "counties": notice.counties.count(),
    }


@login_required
@require_POST
def notice_import_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_batch(request, pk)
    try:
        notice_import_cancel(user=request.user, batch=batch)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("已取消导入，没有创建通报。"))
    return redirect("notice_import_start")
