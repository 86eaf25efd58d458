from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.forms.utils import ErrorDict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rectify.lib import office, together
from rectify.lib.records import EditConflict
from rectify.lib.text import chinese_date
from rectify.lib.together import Rows

from . import forms, permissions, selectors, services, submissions, workflow
from .filters import FindingFilter
from .forms import (
    ArchiveRequestForm,
    DecisionForm,
    EvidenceForm,
    ExtensionRequestForm,
    FindingForm,
    HandBackForm,
    MeasureFormSet,
    NoticeForm,
    NoticeItemForm,
    ProgressForm,
    ProgressReturnForm,
    ProgressWithdrawForm,
    UnitForm,
    UnitFormSet,
    UrgeForm,
    measure_initial,
    unit_initial,
)
from .models import (
    Evidence,
    Finding,
    FindingRequest,
    FindingUnit,
    NoticeItem,
    Progress,
    Review,
    Unit,
    User,
    warning_days,
)
from .permissions import abilities, allowed, require
from .reviews import county_reviews, label_findings, review_labels
from .selectors import tally
from .submissions import AlreadySubmitted, token_from
from .timeline import finding_timeline
from .timeline import timeline_rows as finding_timeline_rows
from .uploads import MIME, VIEWABLE


def _get_finding_for_user(request: HttpRequest, pk: int) -> Finding:
    """A finding the user may see, or 404: other counties' findings do not exist for them."""
    qs = Finding.objects.for_user(request.user).select_related(
        "county", "county__province", "review", "category", "notice_item"
    )
    return get_object_or_404(qs, pk=pk)


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's validation errors on the form fields they concern."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    findings = (
        Finding.objects.for_user(request.user)
        .select_related("county", "review", "category")
        .with_lead_unit()
        .with_acknowledgement()
    )
    filterset = FindingFilter(request.GET or None, queryset=findings, request=request)
    qs = filterset.qs
    today = timezone.localdate()
    counts = tally(qs, today)
    # 被催办N次 on each row: counted by subqueries on the page's own query.
    paginator = Paginator(selectors.with_urge_counts(qs), settings.RECTIFY_PAGE_SIZE)
    # The tally already counted the rows: spare the paginator its own COUNT query.
    paginator.__dict__["count"] = counts.total
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    # The reviews the filter offers and the rows show, each named apart from the others.
    filterset.review_labels = review_labels(filterset.shown_reviews)
    label_findings(page.object_list, shown=filterset.shown_reviews)
    return render(
        request,
        "issues/finding_list.html",
        {
            "filter": filterset,
            "page": page,
            "tally": counts,
            "today": today,
            "due_soon_days": warning_days(),
            "show_county": not request.user.county_id,
            "can": abilities(request.user),
        },
    )


def _step_forms(finding: Finding, sent=None) -> dict:
    """A form of each class the workflow's steps post, by class name: the one sent back with
    errors, or a new one holding the finding's values of the fields it shares with it."""
    own = {field.name for field in Finding._meta.fields}
    result = {}
    for name in {step.form for step in workflow.STEPS.values()}:
        form_class = getattr(forms, name)
        if isinstance(sent, form_class):
            result[name] = sent
        else:
            shared = [field for field in form_class.base_fields if field in own]
            result[name] = form_class(initial={field: getattr(finding, field) for field in shared})
    return result


def _workflow_context(user, finding: Finding, changes: list, sent=None) -> dict:
    """The 办理 card: the steps the user may take now (workflow.offered), each drawn as the
    table says, the form each posts, and the step that left the finding where it stands
    (the last of `changes`, its status changes in order)."""
    steps = workflow.offered(user, finding)
    step_forms = _step_forms(finding, sent)
    last_step = changes[-1] if changes else None
    taken = workflow.step_of(last_step)
    return {
        "actions": [step.name for step in steps],
        "steps": [(step, step_forms[step.form]) for step in steps if step.panel != "decision"],
        "decisions": [step for step in steps if step.panel == "decision"],
        "shows_submission": any(step.shows_submission for step in steps),
        "submit_form": step_forms["SubmitCloseoutForm"],
        # The decisions share one form, a comment box.
        "comment_form": step_forms["CommentForm"],
        "last_step": last_step,
        "last_taken": taken if taken and finding.status == last_step.to_status else None,
    }


# The users a card names (by full name or user name).
NAMED = ("first_name", "last_name", "username")

# The people the finding page names, by the rows that point to them: read with its short
# lists rather than joined to the finding and its units. PostgreSQL took 4 ms to plan the
# finding's query with three more joins to the users, longer than the rest of it.
PEOPLE = {
    Finding: ("updated_by", "closed_by", "archived_by"),
    FindingUnit: ("acknowledged_by", "handed_back_by"),
}


def _people_of(objects) -> Rows | None:
    """The users `objects` point to by the fields PEOPLE names (None if there are none)."""
    ids = {
        getattr(obj, obj._meta.get_field(name).attname)
        for obj in objects
        for name in PEOPLE[type(obj)]
    } - {None}
    return Rows(User.objects.filter(pk__in=ids)) if ids else None


def _name_people(objects, people: list[User]) -> None:
    """Set each of PEOPLE's fields of `objects` to its user among `people`, as select_related
    would have."""
    by_pk = {person.pk: person for person in people}
    for obj in objects:
        for name in PEOPLE[type(obj)]:
            field = obj._meta.get_field(name)
            field.set_cached_value(obj, by_pk.get(getattr(obj, field.attname)))


def _page_rows(user, finding: Finding, links: list[FindingUnit]) -> dict[str, list]:
    """The finding page's short lists, with its timeline's history, in one query
    (rectify.lib.together): measures, extension and archive requests, urges, related
    findings, the county's reviews (which name the finding's review apart from another of
    the same team), and the people the finding and its units' tasks name (PEOPLE), set on
    them."""
    people = _people_of([finding, *links])
    rows = together.read(
        {
            **({"people": people} if people else {}),
            **finding_timeline_rows(finding),
            "measures": Rows(finding.measures.all()),
            "requests": Rows(finding.requests.all(), {"created_by": NAMED, "decided_by": NAMED}),
            "urges": Rows(finding.urges.all(), {"unit": ("name",), "created_by": NAMED}),
            "related": Rows(
                finding.related.for_user(user),
                {"review": None, "category": None, "county": None},
            ),
            "reviews": Rows(county_reviews(finding.county_id)),
        }
    )
    _name_people([finding, *links], rows.pop("people", []))
    return rows


def _detail_page(
    request: HttpRequest,
    finding: Finding,
    progress_form: ProgressForm | None = None,
    evidence_form: EvidenceForm | None = None,
    step_form=None,
    status: int = 200,
    request_forms: dict | None = None,
    urge_form: UrgeForm | None = None,
    unit_forms: dict | None = None,
) -> HttpResponse:
    user = request.user
    # The units first: the unit contacts' abilities read them (issues.permissions).
    prefetch_related_objects(
        [finding],
        Prefetch(
            "unit_links",
            queryset=FindingUnit.objects.select_related("unit"),
        ),
    )
    links = list(finding.unit_links.all())
    user.knows(
        county=finding.county,
        unit=next((link.unit for link in links if link.unit_id == user.unit_id), None),
    )
    can = abilities(user, finding)
    if "finding.report_progress" in can and not finding.is_archived:
        progress_form = progress_form or ProgressForm(
            initial={"date": timezone.localdate()},
            auto_id="progress_%s",
            proposes=services.reporting_unit(user, finding) is not None,
        )
    if "finding.add_evidence" in can and not finding.is_archived:
        evidence_form = evidence_form or EvidenceForm(
            initial={"date": timezone.localdate()}, auto_id="evidence_%s"
        )
    # Every piece of evidence, in one query: the card's, and each note's under the note.
    files = list(finding.evidence.select_related("created_by", "removed_by", "progress"))
    evidence = files
    if "evidence.see_removed" not in can:
        evidence = [e for e in files if not e.is_removed]
    # Withdrawn notes: the county leader sees them, marked; everybody else does not.
    notes = finding.progress_notes.select_related("author", "withdrawn_by", "unit", "reviewed_by")
    if "progress.see_withdrawn" not in can:
        notes = notes.visible()
    notes = list(notes)
    for note in notes:
        note.files = [e for e in files if e.progress_id == note.pk and not e.is_removed]
    sent = unit_forms or {}
    if "progress.review" in can:
        for note in notes:
            if note.awaits_review:
                note.return_form = sent.get(("return", note.pk)) or ProgressReturnForm(
                    auto_id=f"return{note.pk}_%s"
                )
    rows = _page_rows(user, finding, links)
    return render(
        request,
        "issues/finding_detail.html",
        {
            "finding": finding,
            "can": can,
            # Why the forms' PDF button is off (no LibreOffice), or "".
            "pdf_refusal": "" if office.available() else office.unavailable_message("pdf"),
            "measures": rows["measures"],
            "responsible": [link for link in links if link.role == FindingUnit.Role.RESPONSIBLE],
            "cooperating": [link for link in links if link.role == FindingUnit.Role.COOPERATING],
            "related": rows["related"],
            "notes": notes,
            "withdrawable": {
                note.pk for note in notes if services.progress_may_withdraw(user, note, finding)
            },
            # Content is locked once archived, while a close-out waits for approval and after.
            "changeable": not finding.is_archived and not services.editable_refusal(finding),
            "progress_form": progress_form,
            "evidence_form": evidence_form,
            "evidence": evidence,
            "timeline": finding_timeline(finding, rows),
            "today": timezone.localdate(),
            # Named among the county's reviews, as in its ledger.
            "review_labels": review_labels(rows["reviews"]),
            **_workflow_context(user, finding, rows["workflow"], step_form),
            **_requests_context(user, finding, rows["requests"], request_forms or {}),
            **_urge_context(user, finding, links, rows["urges"], urge_form),
            **_task_context(user, finding, can, links, sent),
        },
        status=status,
    )


def _task_context(user, finding: Finding, can, links: list[FindingUnit], sent: dict) -> dict:
    """The units' tasks card: each unit's 签收 state for everybody who sees the finding; for
    a unit's contact, the 签收 button and (the lead unit) the 退回 form."""
    working = not finding.is_archived and not finding.is_closed
    own = next((link for link in links if link.unit_id == user.unit_id), None)
    if "finding.acknowledge" not in can or own is None or not working:
        own = None
    lead = next((link for link in links if link.role == FindingUnit.Role.RESPONSIBLE), None)
    may_hand_back = (
        own is not None and own is lead and not own.is_handed_back and "finding.hand_back" in can
    )
    return {
        "unit_tasks": links,
        "own_task": own,
        "may_acknowledge": own is not None and own.awaits_acknowledgement,
        "hand_back_form": (sent.get("hand_back") or HandBackForm(auto_id="hand_back_%s"))
        if may_hand_back
        else None,
        "hand_back_suggestions": HandBackForm.SUGGESTIONS,
    }


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _get_finding_for_user(request, pk))


def _without_errors(form, *formsets) -> None:
    """Adding a row is not a save: show what was typed, with no field marked invalid
    (Django sets aria-invalid on fields whose validation failed)."""
    for f in [form, *(row for fs in formsets for row in fs.forms)]:
        f.full_clean()
        f._errors = ErrorDict()
    for fs in formsets:
        fs._errors = [f._errors for f in fs.forms]
        fs._non_form_errors = fs.error_class()


def _add_row(data, prefix: str):
    """Without JavaScript, "add a row" posts the form back; show it again with one more row."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    data[key] = str(int(data.get(key) or 0) + 1)
    return data


def _finding_form_page(request: HttpRequest, *, county, finding: Finding | None) -> HttpResponse:
    instance = finding or Finding(county=county)
    adding_row = None
    conflict_changes: list[str] = []
    if request.method == "POST":
        data = request.POST
        for prefix in ("measures", "units"):
            if f"add_{prefix}" in data:
                adding_row = prefix
                data = _add_row(data, prefix)
        if "refresh_categories" in data:
            # Without JavaScript: offer the chosen review's categories; not a save either.
            adding_row = "categories"
        form = FindingForm(data, instance=instance, county=county)
        measures = MeasureFormSet(data, prefix="measures")
        units = UnitFormSet(data, prefix="units", county=county)
        if adding_row is not None:
            _without_errors(form, measures, units)
        if adding_row is None and form.is_valid() & measures.is_valid() & units.is_valid():
            payload = form.to_data(measures, units)
            try:
                if finding is None:
                    finding = submissions.once(
                        token_from(data),
                        request.user,
                        lambda: services.finding_create(
                            user=request.user, county=county, data=payload
                        ),
                    )
                    messages.success(request, _("问题已登记。"))
                else:
                    finding = services.finding_update(
                        user=request.user,
                        finding=finding,
                        data=payload,
                        expected_version=form.cleaned_data.get("version"),
                    )
                    messages.success(request, _("修改已保存。"))
            except AlreadySubmitted as done:
                return submissions.resubmitted(request, done.target or "finding_list")
            except EditConflict as conflict:
                # Keep everything typed; show what the other person changed; the next save
                # applies this input on top of the current version.
                data = data.copy()
                data["version"] = str(conflict.current.version)
                form = FindingForm(data, instance=instance, county=county)
                form.is_valid()
                conflict_changes = conflict.changes
                messages.error(
                    request,
                    _(
                        "保存被拒绝：您编辑期间，其他人修改了该问题。请核对下列变化，确认后再次保存。"
                    ),
                )
            except services.TransitionError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(finding)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect(finding)
        if adding_row is None and not conflict_changes:
            messages.error(request, _("保存失败，请按提示修改后重新提交。您填写的内容都已保留。"))
    else:
        initial = {}
        if finding is None and request.GET.get("review"):
            initial["review"] = request.GET["review"]
        form = FindingForm(instance=instance, county=county, initial=initial)
        measures = MeasureFormSet(
            prefix="measures", initial=measure_initial(finding) if finding else None
        )
        units = UnitFormSet(
            prefix="units", county=county, initial=unit_initial(finding) if finding else None
        )
    return render(
        request,
        "issues/finding_form.html",
        {
            "form": form,
            "measures": measures,
            "units": units,
            "finding": finding,
            "county": county,
            "show_errors": adding_row is None,
            "conflict_changes": conflict_changes,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "finding.create", request.user.county)
    return _finding_form_page(request, county=request.user.county, finding=None)


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    require(request.user, "finding.edit", finding)
    if finding.is_archived:
        messages.error(request, _("该问题已归档，恢复后才能修改。"))
        return redirect(finding)
    try:
        services.check_editable(finding)
    except services.TransitionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(finding)
    finding = Finding.objects.prefetch_related(
        Prefetch("unit_links", queryset=FindingUnit.objects.select_related("unit"))
    ).get(pk=finding.pk)
    return _finding_form_page(request, county=finding.county, finding=finding)


@login_required
@require_POST
def progress_add(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    # Asked before the form, so that a refusal is a 403 whatever was sent.
    require(request.user, "finding.report_progress", finding)
    form = ProgressForm(
        request.POST,
        request.FILES,
        instance=Progress(finding=finding, author=request.user),
        auto_id="progress_%s",
        proposes=services.reporting_unit(request.user, finding) is not None,
    )
    done = f"{finding.get_absolute_url()}#progress"
    if form.is_valid():
        try:
            submissions.once(
                token_from(request.POST),
                request.user,
                lambda: services.progress_add(
                    user=request.user,
                    finding=finding,
                    note=form.cleaned_data["note"],
                    date=form.cleaned_data["date"],
                    uploads=request.FILES.getlist("files"),
                    kind=form.cleaned_data.get("kind") or Progress.Kind.NOTE,
                ),
            )
        except AlreadySubmitted:
            return submissions.resubmitted(request, done)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if "kind" in form.fields:
                messages.success(request, _("整改进展已报送，等待区县采纳。"))
            else:
                messages.success(request, _("整改进展已记录。"))
            return redirect(done)
    messages.error(request, _("进展未保存，请按提示修改。"))
    return _detail_page(request, finding, progress_form=form, status=400)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    permissions.require_county_records(request.user)
    units = Unit.objects.for_user(request.user).select_related("county")
    return render(
        request,
        "issues/unit_list.html",
        {"units": units, "can": abilities(request.user)},
    )


def _unit_form_page(request: HttpRequest, unit: Unit) -> HttpResponse:
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST":
        if form.is_valid():
            try:
                # Only the new-unit form carries a token: an edit has none and simply saves.
                submissions.once(
                    token_from(request.POST),
                    request.user,
                    lambda: services.unit_save(user=request.user, unit=form.instance),
                )
            except AlreadySubmitted:
                return submissions.resubmitted(request, "unit_list")
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("单位“%(name)s”已保存。") % {"name": unit.name})
                return redirect("unit_list")
        messages.error(request, _("保存失败，请按提示修改。"))
    return render(request, "issues/unit_form.html", {"form": form, "unit": unit})


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "unit.manage", request.user.county)
    return _unit_form_page(request, Unit(county=request.user.county))


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.for_user(request.user), pk=pk)
    require(request.user, "unit.manage", unit)
    return _unit_form_page(request, unit)


@login_required
@require_POST
def finding_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of the close-out workflow (workflow.STEPS): its form, then its service, which
    decides from which state; who may is asked first, so a refusal is a 403 whatever was sent."""
    step = workflow.STEPS.get(action)
    if step is None:
        raise Http404
    finding = _get_finding_for_user(request, pk)
    require(request.user, step.ability, finding)
    form = getattr(forms, step.form)(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if step.reason_required:
            data["reason"] = data.pop("comment")
        try:
            getattr(services, step.service)(user=request.user, finding=finding, **data)
        except services.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(finding)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, step.done)
            return redirect(finding)
    messages.error(request, _("操作未完成，请按提示修改。"))
    return _detail_page(request, finding, status=400, step_form=form)


@login_required
@require_POST
def finding_restore(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    try:
        services.finding_restore(user=request.user, finding=finding)
    except services.TransitionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("问题已恢复。"))
    return redirect(finding)


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    require(request.user, "finding.add_evidence", finding)
    form = EvidenceForm(request.POST, request.FILES, auto_id="evidence_%s")
    done = f"{finding.get_absolute_url()}#evidence"
    if form.is_valid():
        try:
            submissions.once(
                token_from(request.POST),
                request.user,
                lambda: services.evidence_add(
                    user=request.user,
                    finding=finding,
                    upload=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                    date=form.cleaned_data["date"],
                ),
            )
        except AlreadySubmitted:
            return submissions.resubmitted(request, done)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("佐证材料已上传。"))
            return redirect(done)
    messages.error(request, _("佐证材料未上传，请按提示修改。"))
    return _detail_page(request, finding, evidence_form=form, status=400)


def _get_evidence_for_user(request: HttpRequest, pk: int) -> Evidence:
    qs = Evidence.objects.for_user(request.user).select_related("finding", "finding__county")
    return get_object_or_404(qs, pk=pk)


def _get_evidence_to_serve(request: HttpRequest, pk: int) -> Evidence:
    evidence = _get_evidence_for_user(request, pk)
    if evidence.is_removed and not allowed(request.user, "evidence.see_removed", evidence):
        raise Http404
    return evidence


def _private(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Evidence is served only here, after the county check; never as a static file. A PDF or
    an image opens in the browser (inline, under its checked type); anything else, and
    everything with ?download=1, downloads as an attachment."""
    evidence = _get_evidence_to_serve(request, pk)
    known = evidence.content_type in VIEWABLE or evidence.content_type in MIME.values()
    inline = evidence.is_viewable and request.GET.get("download") != "1"
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type=evidence.content_type if known else "application/octet-stream",
    )
    if inline and evidence.content_type == MIME["pdf"]:
        # Chrome shows a PDF through an <embed> of the PDF itself, which the site's
        # object-src 'none' blocks in some versions (crbug.com/271452): allow this one.
        response._csp_replace = {"object-src": ["'self'"]}
    return _private(response)


@login_required
def evidence_image(request: HttpRequest, pk: int, copy: str) -> FileResponse:
    """A photo's thumbnail or the viewer's reduced copy, made on upload, behind the same
    check as the photo."""
    evidence = _get_evidence_to_serve(request, pk)
    field = evidence.thumbnail if copy == "thumbnail" else evidence.display
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    # Part of the page, not a file taken away: no name, so the audit log counts no download.
    response.headers.pop("Content-Disposition", None)
    return _private(response)


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _get_evidence_for_user(request, pk)
    try:
        services.evidence_remove(user=request.user, evidence=evidence)
    except services.TransitionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{evidence.finding.get_absolute_url()}#evidence")
    messages.success(
        request, _("佐证材料“%(title)s”已移除（领导可以恢复）。") % {"title": evidence.title}
    )
    return redirect(f"{evidence.finding.get_absolute_url()}#evidence")


@login_required
@require_POST
def evidence_restore(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _get_evidence_for_user(request, pk)
    services.evidence_restore(user=request.user, evidence=evidence)
    messages.success(request, _("佐证材料“%(title)s”已恢复。") % {"title": evidence.title})
    return redirect(f"{evidence.finding.get_absolute_url()}#evidence")


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """What waits for the logged-in user."""
    today = timezone.localdate()
    work = selectors.my_work(request.user, today)
    # A county's reviews are named among all of them, as in its ledger (one query).
    county_reviews = Review.objects.filter(counties=request.user.county_id)
    label_findings(
        (
            row.finding if work_list.kind in ("requests", "notes") else row
            for work_list in work
            for row in work_list.findings
        ),
        shown=county_reviews if request.user.county_id else (),
    )
    return render(request, "issues/my_work.html", {"work": work, "today": today})


def _get_notice_for_user(request: HttpRequest, pk: int) -> Review:
    """Provincial notices belong to the province: its reviewers (and national users) only."""
    user = request.user
    notice = get_object_or_404(
        Review.objects.select_related("province").filter(province__isnull=False), pk=pk
    )
    if allowed(user, "notice.view", notice):
        return notice
    if permissions.home_province_id(user) == notice.province_id:
        require(user, "notice.view", notice)
    raise Http404


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _get_notice_for_user(request, pk)
    can_edit = allowed(request.user, "notice.manage", notice)
    form = NoticeItemForm(province=notice.province) if can_edit else None
    return _notice_page(request, notice, form)


def _notice_page(request, notice, form, status: int = 200, urge_form=None) -> HttpResponse:
    if urge_form is None and allowed(request.user, "notice.urge", notice):
        urge_form = forms.NoticeUrgeForm(auto_id="notice_urge_%s")
    return render(
        request,
        "issues/notice_detail.html",
        {
            "notice": notice,
            "form": form,
            "urge_form": urge_form,
            "today": timezone.localdate(),
            **selectors.notice_matrix(notice),
        },
        status=status,
    )


@login_required
@require_POST
def notice_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _get_notice_for_user(request, pk)
    form = NoticeItemForm(request.POST, province=notice.province)
    if form.is_valid():
        data = form.cleaned_data
        try:
            submissions.once(
                token_from(request.POST),
                request.user,
                lambda: services.notice_item_add(
                    user=request.user,
                    notice=notice,
                    category_name=data["category"],
                    description=data["description"],
                    measures=data["measures"].splitlines(),
                    counties=list(data["counties"]),
                    deadline=data["deadline"],
                ),
            )
        except AlreadySubmitted:
            return submissions.resubmitted(request, "notice_detail", pk=notice.pk)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("通报问题已添加，%(n)d 个区县各得一份。") % {"n": len(data["counties"])},
            )
            return redirect("notice_detail", pk=notice.pk)
    messages.error(request, _("未保存，请按提示修改。"))
    return _notice_page(request, notice, form, status=400)


def _get_notice_item_for_user(request: HttpRequest, pk: int) -> NoticeItem:
    """A notice item of the user's province (404 otherwise), for its reviewers (403)."""
    item = get_object_or_404(
        NoticeItem.objects.select_related("review__province", "category", "withdrawn_by"), pk=pk
    )
    _get_notice_for_user(request, item.review_id)
    require(request.user, "notice.manage", item.review)
    return item


@login_required
@require_http_methods(["GET", "POST"])
def notice_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_notice_item_for_user(request, pk)
    form = forms.NoticeItemEditForm(
        request.POST or None,
        item=item,
        initial={
            "description": item.description,
            "measures": item.measures,
            "deadline": item.deadline,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_item_edit(
                user=request.user,
                item=item,
                description=data["description"],
                measures=data["measures"].splitlines(),
                deadline=data["deadline"],
                add_counties=list(data["add_counties"]),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("通报问题已修改。"))
            return redirect("notice_detail", pk=item.review_id)
    if request.method == "POST":
        messages.error(request, _("未保存，请按提示修改。"))
    return render(
        request,
        "issues/notice_item_edit.html",
        {"item": item, "notice": item.review, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_item_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_notice_item_for_user(request, pk)
    form = forms.NoticeItemWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_item_withdraw(
                user=request.user, item=item, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("通报问题已撤回；各区县据此登记的问题保留，并标明来自已撤回的通报问题。")
            )
            return redirect("notice_detail", pk=item.review_id)
    if request.method == "POST":
        messages.error(request, _("未撤回，请按提示修改。"))
    copies = item.findings.count()
    return render(
        request,
        "issues/notice_item_withdraw.html",
        {"item": item, "notice": item.review, "form": form, "copies": copies},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, "notice.create", user.province)
    form = NoticeForm(request.POST or None, initial={"team": _("省督查组")})
    if request.method == "POST" and form.is_valid():
        try:
            notice = submissions.once(
                token_from(request.POST),
                user,
                lambda: services.notice_create(
                    user=user, province=user.province, data=form.cleaned_data
                ),
            )
        except AlreadySubmitted as again:
            if isinstance(again.target, Review):
                return submissions.resubmitted(request, "notice_detail", pk=again.target.pk)
            return submissions.resubmitted(request, "home")
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("通报已创建，请逐条添加问题并选择涉及的区县。"))
            return redirect("notice_detail", pk=notice.pk)
    if request.method == "POST":
        messages.error(request, _("未保存，请按提示修改。"))
    return render(request, "issues/notice_form.html", {"form": form})


# ---------------------------------------------------------------------------
# Progress notes: withdrawing one, after a confirmation page (not a browser confirm()).


@login_required
@require_http_methods(["GET", "POST"])
def progress_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    progress = get_object_or_404(
        Progress.objects.for_user(request.user).select_related(
            "author", "finding", "finding__county", "finding__review", "finding__category"
        ),
        pk=pk,
    )
    finding = progress.finding
    require(request.user, "progress.withdraw", progress)
    back = f"{finding.get_absolute_url()}#progress"
    refusal = services.progress_withdraw_refusal(progress, finding)
    if refusal:
        messages.error(request, refusal)
        return redirect(back)
    # Bound on every POST, also one without a reason (an empty QueryDict is falsy).
    form = ProgressWithdrawForm(
        request.POST if request.method == "POST" else None, auto_id="withdraw_%s"
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.progress_withdraw(
                    user=request.user, progress=progress, reason=form.cleaned_data["reason"]
                )
            except services.TransitionError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(back)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("整改进展已撤回；区县领导仍可查看，修改记录中保留。"))
                return redirect(back)
        messages.error(request, _("未撤回，请按提示修改。"))
        status = 400
    return render(
        request,
        "issues/progress_withdraw.html",
        {"progress": progress, "finding": finding, "form": form},
        status=status,
    )


# Requests: extension and archive (延期申请、归档申请). Staff file them on the finding's page;
# the county leader approves or refuses them there (and finds them in 我的待办).


def _requests_context(user, finding: Finding, found: list, sent: dict) -> dict:
    """The finding page's 延期和归档 card: the requests (`found`, newest first), the forms for
    staff and a decision form per pending request for the leader."""
    pending = [r for r in found if r.is_pending]
    for r in pending:
        r.decision_form = sent.get(("decision", r.pk)) or DecisionForm(auto_id=f"decision{r.pk}_%s")
        r.can_withdraw = allowed(user, "request.withdraw", r)
    kinds = {r.kind for r in pending}
    may_extend = (
        allowed(user, "finding.request_extension", finding)
        and not finding.is_archived
        and not finding.is_closed
        and finding.deadline is not None
        and FindingRequest.Kind.EXTENSION not in kinds
    )
    may_archive = (
        allowed(user, "finding.request_archive", finding)
        and not finding.is_archived
        and FindingRequest.Kind.ARCHIVE not in kinds
    )
    return {
        "finding_requests": found,
        "pending_requests": pending,
        "past_requests": [r for r in found if not r.is_pending],
        # A form sent with errors is shown again, whatever else changed meanwhile.
        "extension_form": sent.get("extension")
        or (ExtensionRequestForm(auto_id="extension_%s") if may_extend else None),
        "archive_form": sent.get("archive")
        or (ArchiveRequestForm(auto_id="archive_%s") if may_archive else None),
    }


def _requests_anchor(finding: Finding) -> str:
    return f"{finding.get_absolute_url()}#requests"


def _file(request: HttpRequest, finding: Finding, form, key: str, create, done: str):
    """File a request through its one-time token; a form sent twice files one request."""
    if form.is_valid():
        try:
            submissions.once(submissions.token_from(request.POST), request.user, create)
        except submissions.AlreadySubmitted:
            messages.info(request, _("该表单已经提交过，没有重复保存。"))
            return redirect(_requests_anchor(finding))
        except services.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_requests_anchor(finding))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(_requests_anchor(finding))
    messages.error(request, _("申请未提交，请按提示修改。您填写的内容都已保留。"))
    return _detail_page(request, finding, status=400, request_forms={key: form})


@login_required
@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    # Asked before the form, so that a refusal is a 403 whatever was sent.
    require(request.user, "finding.request_extension", finding)
    form = ExtensionRequestForm(request.POST, auto_id="extension_%s")

    def create():
        return services.extension_request(
            user=request.user,
            finding=finding,
            new_deadline=form.cleaned_data["new_deadline"],
            reason=form.cleaned_data["reason"],
        )

    return _file(
        request, finding, form, "extension", create, _("延期申请已提交，等待区县领导审批。")
    )


@login_required
@require_POST
def finding_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """申请归档: staff no longer archive directly; the leader approves the request."""
    finding = _get_finding_for_user(request, pk)
    require(request.user, "finding.request_archive", finding)
    form = ArchiveRequestForm(request.POST, auto_id="archive_%s")

    def create():
        return services.archive_request(
            user=request.user, finding=finding, reason=form.cleaned_data["reason"]
        )

    return _file(request, finding, form, "archive", create, _("归档申请已提交，等待区县领导审批。"))


def _get_request_for_user(request: HttpRequest, pk: int) -> FindingRequest:
    qs = FindingRequest.objects.for_user(request.user).select_related("finding", "finding__county")
    return get_object_or_404(qs, pk=pk)


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    finding_request = _get_request_for_user(request, pk)
    require(request.user, "request.decide", finding_request)
    finding = _get_finding_for_user(request, finding_request.finding_id)
    form = DecisionForm(request.POST, auto_id=f"decision{pk}_%s")
    if form.is_valid():
        try:
            decided = services.request_decide(
                user=request.user,
                request=finding_request,
                approve=form.approve,
                comment=form.cleaned_data["comment"],
            )
        except services.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_requests_anchor(finding))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _decision_message(decided))
            return redirect(_requests_anchor(finding))
    messages.error(request, _("审批未完成，请按提示修改。"))
    return _detail_page(request, finding, status=400, request_forms={("decision", pk): form})


def _decision_message(decided: FindingRequest) -> str:
    if decided.status == FindingRequest.Status.REFUSED:
        return _("已不同意该%(kind)s。") % {"kind": decided.get_kind_display()}
    if decided.kind == FindingRequest.Kind.EXTENSION:
        return _("已同意延期：完成时限改为%(date)s。") % {
            "date": chinese_date(decided.new_deadline)
        }
    return _("已同意归档：该问题不再出现在台账和文书中，可以恢复。")


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    finding_request = _get_request_for_user(request, pk)
    try:
        services.request_withdraw(user=request.user, request=finding_request)
    except services.TransitionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(kind)s已撤回。") % {"kind": finding_request.get_kind_display()}
        )
    return redirect(_requests_anchor(finding_request.finding))


# ---------------------------------------------------------------------------
# 催办 (urging)


def _urge_context(user, finding: Finding, links: list, urges: list, sent: UrgeForm | None) -> dict:
    """The finding page's 催办 card: its urges (newest first) and, for those who may urge it
    now, the form (the county chooses among the finding's units)."""
    form = sent
    if form is None and allowed(user, "finding.urge", finding):
        targets = services.urge_targets(user, [link.unit for link in links])
        # A county user with no unit to choose has nobody to urge.
        if not services.urge_refusal(finding) and (targets or not user.county_id):
            form = UrgeForm(units=targets, auto_id="urge_%s")
    return {
        "urges": urges,
        "open_urges": [u for u in urges if not u.is_answered],
        "urge_form": form,
    }


# ---------------------------------------------------------------------------
# A unit's task: 签收 and 退回 (by its contact), on the finding's page.


def _tasks_anchor(finding: Finding) -> str:
    return f"{finding.get_absolute_url()}#tasks"


@login_required
@require_POST
def finding_urge(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    # Asked before the form, so that a refusal is a 403 whatever was sent.
    require(request.user, "finding.urge", finding)
    links = list(finding.unit_links.select_related("unit"))
    targets = services.urge_targets(request.user, [link.unit for link in links])
    form = UrgeForm(request.POST, units=targets, auto_id="urge_%s")
    done = f"{finding.get_absolute_url()}#urges"
    if form.is_valid():
        data = form.cleaned_data
        try:
            urge = submissions.once(
                token_from(request.POST),
                request.user,
                lambda: services.finding_urge(
                    user=request.user,
                    finding=finding,
                    message=data["message"],
                    reply_by=data["reply_by"],
                    unit=data.get("unit"),
                ),
            )
        except AlreadySubmitted:
            return submissions.resubmitted(request, done)
        except services.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(done)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已催办%(who)s。") % {"who": urge.addressee})
            return redirect(done)
    messages.error(request, _("催办未发出，请按提示修改。您填写的内容都已保留。"))
    return _detail_page(request, finding, status=400, urge_form=form)


@login_required
@require_POST
def finding_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    try:
        link, done = services.finding_acknowledge(user=request.user, finding=finding)
    except services.TransitionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if done:
            messages.success(request, _("已签收：%(unit)s。") % {"unit": link.unit.name})
        else:
            messages.info(request, _("本单位已经签收过该问题，无需再次签收。"))
    return redirect(_tasks_anchor(finding))


@login_required
@require_POST
def finding_hand_back(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    require(request.user, "finding.hand_back", finding)
    form = HandBackForm(request.POST, auto_id="hand_back_%s")
    if form.is_valid():
        try:
            services.finding_hand_back(
                user=request.user, finding=finding, reason=form.cleaned_data["reason"]
            )
        except services.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_tasks_anchor(finding))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已退回该问题，等待区县重新交办。"))
            return redirect(_tasks_anchor(finding))
    messages.error(request, _("未退回，请按提示修改。"))
    return _detail_page(request, finding, status=400, unit_forms={"hand_back": form})


# The office's review of a unit's note: 采纳 or 退回.


def _get_progress_for_user(request: HttpRequest, pk: int) -> Progress:
    qs = Progress.objects.for_user(request.user).select_related("finding", "unit")
    return get_object_or_404(qs, pk=pk)


@login_required
@require_POST
def notice_urge(request: HttpRequest, pk: int) -> HttpResponse:
    """The province urges every county on the notice's findings still open."""
    notice = _get_notice_for_user(request, pk)
    require(request.user, "notice.urge", notice)
    form = forms.NoticeUrgeForm(request.POST, auto_id="notice_urge_%s")
    if form.is_valid():
        try:
            urges = submissions.once(
                token_from(request.POST),
                request.user,
                lambda: services.notice_urge(
                    user=request.user,
                    notice=notice,
                    message=form.cleaned_data["message"],
                    reply_by=form.cleaned_data["reply_by"],
                ),
            )
        except AlreadySubmitted:
            return submissions.resubmitted(request, "notice_detail", pk=notice.pk)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            counties = len({urge.finding.county_id for urge in urges})
            messages.success(
                request,
                _("已催办%(counties)d个区县的%(n)d个问题。")
                % {"counties": counties, "n": len(urges)},
            )
            return redirect("notice_detail", pk=notice.pk)
    messages.error(request, _("催办未发出，请按提示修改。您填写的内容都已保留。"))
    can_edit = allowed(request.user, "notice.manage", notice)
    item_form = NoticeItemForm(province=notice.province) if can_edit else None
    return _notice_page(request, notice, item_form, status=400, urge_form=form)


@login_required
@require_POST
def progress_accept(request: HttpRequest, pk: int) -> HttpResponse:
    progress = _get_progress_for_user(request, pk)
    finding = progress.finding
    try:
        accepted = services.progress_accept(user=request.user, progress=progress)
    except services.TransitionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if accepted.is_proposed_result:
            messages.success(request, _("已采纳：单位报送的整改结果已写入该问题。"))
        else:
            messages.success(request, _("已采纳该单位报送的进展。"))
    return redirect(f"{finding.get_absolute_url()}#progress")


@login_required
@require_POST
def progress_return(request: HttpRequest, pk: int) -> HttpResponse:
    progress = _get_progress_for_user(request, pk)
    require(request.user, "progress.review", progress)
    finding = _get_finding_for_user(request, progress.finding_id)
    form = ProgressReturnForm(request.POST, auto_id=f"return{pk}_%s")
    back = f"{finding.get_absolute_url()}#progress"
    if form.is_valid():
        try:
            services.progress_return(
                user=request.user, progress=progress, comment=form.cleaned_data["comment"]
            )
        except services.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已退回该进展，单位将在“我的待办”中看到您的意见。"))
            return redirect(back)
    messages.error(request, _("未退回，请按提示修改。"))
    return _detail_page(request, finding, status=400, unit_forms={("return", pk): form})
