"""Upload → preview (with the user's decisions on reviews, units and columns) → save or
cancel. The preview is recomputed from the batch and the ledger each time it is shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from issues import submissions
from issues.models import ImportBatch, Review, Unit
from issues.permissions import allowed, require
from issues.submissions import AlreadySubmitted, token_from
from rectify.lib import ocr, office

from . import ledger, readers
from .document import parse_document
from .forms import DocumentImportForm, LedgerImportForm
from .plan import NEW, ReviewDraft
from .services import (
    ImportRefused,
    batch_plan,
    import_apply,
    import_cancel,
    import_start,
)


def _require_staff(request: HttpRequest) -> None:
    require(request.user, "import.run", request.user.county)


def _get_batch(request: HttpRequest, pk: int) -> ImportBatch:
    return get_object_or_404(
        # A province's notice imports have their own pages (notice_views).
        ImportBatch.objects.for_user(request.user)
        .exclude(kind=ImportBatch.Kind.NOTICE)
        .select_related("county", "created_by"),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_start_view(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    county = request.user.county
    kind = request.POST.get("kind") if request.method == "POST" else None
    document_form = DocumentImportForm(
        request.POST if kind == "document" else None,
        request.FILES if kind == "document" else None,
        prefix="doc",
    )
    ledger_form = LedgerImportForm(
        request.POST if kind == "ledger" else None,
        request.FILES if kind == "ledger" else None,
        prefix="xlsx",
    )
    token = token_from(request.POST)
    if kind == "document" and document_form.is_valid():
        data = document_form.cleaned_data

        def start_document() -> ImportBatch:
            rows = readers.unknown_table(data["source_text"])
            if rows is not None:
                # A table whose header is not one we know: its columns are mapped in the
                # 台账's preview, and read as a 台账's.
                return import_start(
                    user=request.user,
                    county=county,
                    kind=ImportBatch.Kind.LEDGER,
                    source_name=data["source_name"],
                    source_text=data["source_text"],
                    data={"rows": rows},
                    options={"mapping": {}},
                )
            parsed = parse_document(data["source_text"], default_kind=data["default_kind"])
            parsed.ocr_lines = data["ocr_lines"]
            return import_start(
                user=request.user,
                county=county,
                kind=ImportBatch.Kind.DOCUMENT,
                source_name=data["source_name"],
                source_text=data["source_text"],
                data=parsed.to_dict(),
                options={"default_kind": data["default_kind"]},
            )

        try:
            batch = submissions.once(token, request.user, start_document)
        except AlreadySubmitted as again:
            return _sent_again(request, again)
        except ValidationError as exc:
            document_form.add_error(None, exc)
        else:
            if batch.kind == ImportBatch.Kind.LEDGER:
                messages.info(request, _("表格的表头未能识别，请在预览中指定各列的内容。"))
            else:
                messages.info(request, _("文件已读取，请核对下面的预览，确认后才会保存。"))
            return redirect(batch)
    if kind == "ledger" and ledger_form.is_valid():
        upload = ledger_form.cleaned_data["file"]
        rows = ledger_form.rows
        try:
            batch = submissions.once(
                token,
                request.user,
                lambda: import_start(
                    user=request.user,
                    county=county,
                    kind=ImportBatch.Kind.LEDGER,
                    source_name=upload.name,
                    data={"rows": rows},
                    options={"mapping": ledger.default_mapping(rows)},
                ),
            )
        except AlreadySubmitted as again:
            return _sent_again(request, again)
        except ValidationError as exc:
            ledger_form.add_error(None, exc)
        else:
            messages.info(request, _("台账已读取，请核对各列的对应关系和预览，确认后才会保存。"))
            return redirect(batch)
    if request.method == "POST":
        messages.error(request, _("未能读取，请按提示修改。"))
    batches = (
        ImportBatch.objects.for_user(request.user)
        .exclude(kind=ImportBatch.Kind.NOTICE)
        .select_related("created_by")[:20]
    )
    return render(
        request,
        "issues/imports/start.html",
        {
            "document_form": document_form,
            "ledger_form": ledger_form,
            "batches": batches,
            "active": kind or "document",
            # The columns a 台账 is read by (issues.columns), as the page lists them.
            "ledger_fields": "、".join(str(label) for key, label in ledger.FIELDS.items() if key),
            # The engines some formats need (optional on the server), so the page says which
            # files it cannot read before one is sent.
            "can_convert": office.available(),
            "can_recognise": ocr.pdf_available(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _sent_again(request: HttpRequest, again: AlreadySubmitted) -> HttpResponse:
    """The same upload sent twice: the batch the first one made, not a second one."""
    if isinstance(again.target, ImportBatch):
        return submissions.resubmitted(request, again.target)
    return submissions.resubmitted(request, "import_start")


def _not_pending(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    """A preview form sent to a batch already saved or cancelled: a second click on 确认导入,
    or an old page come back to with the back button. Show the batch as it is."""
    if batch.status == ImportBatch.Status.APPLIED:
        return submissions.resubmitted(request, batch)
    messages.error(request, _("该导入已取消，台账没有任何改动。"))
    return redirect(batch)


def _decisions_from(request: HttpRequest, batch: ImportBatch) -> dict:
    """The preview form's choices, keyed by what they are about (not by form position)."""
    current = batch_plan(batch, {})
    decisions = {"reviews": {}, "units": {}}
    for rp in current.reviews:
        value = request.POST.get(f"review_{rp.index}", "")
        if value:
            decisions["reviews"][str(rp.index)] = value
        if f"review_{rp.index}_team" in request.POST:
            # How the user named a review the import creates (plan.ReviewDraft).
            decisions.setdefault("names", {})[str(rp.index)] = {
                field: request.POST.get(f"review_{rp.index}_{field}", "")
                for field in ReviewDraft.FIELDS
            }
    if "default_deadline" in request.POST:
        # The deadline of the findings the document gives none (plan._default_deadline).
        decisions["default_deadline"] = request.POST["default_deadline"].strip()
    create_all = request.POST.get("action") == "create_units"
    for k, m in enumerate(current.units):
        if m.unit is None:
            value = m.default_decision if create_all else request.POST.get(f"unit_{k}", "")
            if value:
                decisions["units"][m.name] = value
    return decisions


def _mapping_from(request: HttpRequest, batch: ImportBatch) -> dict:
    columns = ledger.columns(batch.data.get("rows", []))
    mapping = {}
    for col in columns:
        field = request.POST.get(f"col_{col['index']}", "")
        if field in ledger.FIELDS and field:
            mapping[str(col["index"])] = field
    return mapping


def _preview(request: HttpRequest, batch: ImportBatch, status: int = 200) -> HttpResponse:
    plan = batch_plan(batch)
    reviews = {}
    for fp in plan.findings:
        reviews.setdefault(fp.review.index, {}).setdefault(fp.category, []).append(fp)
    units = list(Unit.objects.filter(county=batch.county).order_by("name"))
    columns = ledger.columns(batch.data.get("rows", [])) if batch.kind == "ledger" else []
    mapping = batch.options.get("mapping") or {}
    for col in columns:
        col["field"] = mapping.get(str(col["index"]), "")
    return render(
        request,
        "issues/imports/preview.html",
        {
            "batch": batch,
            "plan": plan,
            "doc": plan.document,
            "grouped": [
                (
                    rp,
                    [
                        (name, (rp.label, name) in plan.new_categories, findings)
                        for name, findings in reviews.get(rp.index, {}).items()
                    ],
                )
                for rp in plan.reviews
            ],
            "existing_units": units,
            "columns": columns,
            "field_choices": list(ledger.FIELDS.items()),
            "can_edit": allowed(request.user, "import.run", batch),
            "NEW": NEW,
            "review_kinds": Review.Kind.choices,
            "ocr_lines": set(plan.document.ocr_lines),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_batch(request, pk)
    if request.method == "GET":
        return _preview(request, batch)
    _require_staff(request)
    if not batch.is_pending:
        return _not_pending(request, batch)
    options = dict(batch.options)
    if batch.kind == ImportBatch.Kind.LEDGER and "col_" in "".join(request.POST):
        new_mapping = _mapping_from(request, batch)
        if new_mapping != options.get("mapping"):
            options["mapping"] = new_mapping
            options["decisions"] = {}
            batch.options = options
            batch.save(update_fields=["options", "updated_at"])
            messages.info(request, _("已按新的列对应关系重新识别，请核对预览。"))
            return redirect(batch)
    options["decisions"] = _decisions_from(request, batch)
    batch.options = options
    batch.save(update_fields=["options", "updated_at"])
    if request.POST.get("action") != "apply":
        messages.info(request, _("预览已更新。"))
        return redirect(batch)
    try:
        summary = import_apply(
            user=request.user,
            county=batch.county,
            plan=batch_plan(batch),
            batch=batch,
            ocr_checked=request.POST.get("ocr_checked") == "1",
        )
    except ImportRefused as e:
        batch.refresh_from_db()
        if not batch.is_pending:  # saved (or cancelled) by a request sent at the same time
            return _not_pending(request, batch)
        for message in e.messages[:10]:
            messages.error(request, message)
        return _preview(request, batch, status=400)
    except ValidationError as e:
        messages.error(request, _("未导入：%(error)s") % {"error": " ".join(e.messages)})
        return _preview(request, batch, status=400)
    messages.success(
        request,
        _("导入完成：新增 %(new)d 个问题，更新 %(changed)d 个，%(unchanged)d 个未变。") % summary,
    )
    return redirect("finding_list")


@login_required
@require_POST
def import_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get_batch(request, pk)
    _require_staff(request)
    try:
        import_cancel(user=request.user, batch=batch)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("已取消导入，台账没有任何改动。"))
    return redirect("import_start")
