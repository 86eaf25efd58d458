import tempfile
from collections.abc import Callable
from typing import BinaryIO

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from issues import permissions, submissions
from issues.filters import FindingFilter
from issues.models import County, Evidence, Finding, Province, Review, warning_days
from issues.permissions import abilities, allowed, is_administrator, require
from issues.submissions import AlreadySubmitted, token_from
from rectify.lib import office
from rectify.lib.records import EditConflict

from . import (
    charts,
    documents,
    downloads,
    finding_forms,
    ledgers,
    selectors,
    services,
    workbooks,
)
from .exports import xlsx
from .forms import ReadingForm, ReportForm, ReviewChoiceFormSet, monthly_form
from .models import Indicator, Report


def healthz(request: HttpRequest) -> HttpResponse:
    """For the load balancer and monitoring: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the county's or the province's dashboard, or the whole country."""
    user = request.user
    if is_administrator(user):
        # Administrators read no ledger (三权分立): accounts, or the audit log.
        if allowed(user, "account.manage") or allowed(user, "account.roles"):
            return redirect("account_list")
        if allowed(user, "audit.view"):
            return redirect("audit_log")
        return render(request, "reports/home_unassigned.html", {"today": timezone.localdate()})
    if user.county_id:
        return redirect("county_dashboard", code=user.county.code)
    if user.province_id:
        return redirect("province_dashboard", code=user.province.code)
    if allowed(user, "nation.view"):
        return redirect("nation_dashboard")
    return render(request, "reports/home_unassigned.html", {"today": timezone.localdate()})


# 责任单位排名's columns (reports.selectors.UnitRank); unsorted, worst first.
RANKING_SORTS = {
    "unit": lambda r: r.name,
    "tasks": lambda r: r.tally.total,
    "on_time": lambda r: r.tally.closed_on_time,
    "late": lambda r: r.tally.closed_late,
    "overdue": lambda r: r.tally.overdue,
    "urges": lambda r: r.urges,
    "acknowledge": lambda r: r.days_to_acknowledge,
    "result": lambda r: r.days_to_result,
}


@login_required
def county_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    county = get_object_or_404(
        County.objects.for_user(request.user).select_related("province"), code=code
    )
    request.user.knows(county=county)
    today = timezone.localdate()
    # Counted over the findings the user sees: the county's (a user who sees its records sees
    # all of them: no scope to repeat in each query), or (a unit's contact) the unit's.
    whole = permissions.sees_county_records(request.user)
    scope = None if whole else Finding.objects.for_user(request.user)
    data = selectors.county_dashboard(county, today, scope)
    order = request.GET.get("o", "")
    data["unit_ranking"] = _sorted_rows(data["unit_ranking"], order, RANKING_SORTS)
    can = abilities(request.user, county)
    return render(
        request,
        "reports/county_dashboard.html",
        {
            **data,
            # The leader's "待您审批 N 项" (one query, for the leader only).
            "awaiting": selectors.awaiting_decision(county, data["total"])
            if "finding.close" in can
            else None,
            "county": county,
            "today": today,
            "order": order,
            "can": can,
            "reading_form": ReadingForm(initial={"date": today})
            if "indicator.record" in can
            else None,
            "red_line": settings.RECTIFY_RED_LINE_PERCENT,
            "due_soon_days": warning_days(),
            "charts": charts.county_charts(data),
            # 月度整改进展情况表: for the county's own staff and leaders, not a unit's contact.
            **(_monthly_context(request) if whole else {}),
        },
    )


PROVINCE_SORTS = {
    "county": lambda r: r.county.code,
    "batch": lambda r: r.batch,
    "findings": lambda r: r.tally.total,
    "closed": lambda r: r.tally.closed,
    "rate": lambda r: r.tally.closure_rate,
    "overdue": lambda r: r.tally.overdue,
    "late": lambda r: r.tally.closed_late,
    "urges": lambda r: r.urges,
    "investment": lambda r: r.investment,
    "funds": lambda r: r.funds,
}


def _sorted_rows(rows: list, order: str, sorts: dict) -> list:
    """The rows by the column `order` names ("-" first: descending); rows without the
    figure (—) go last whichever way the column is sorted."""
    key = sorts.get(order.lstrip("-"))
    if not key:
        return rows
    known = [r for r in rows if key(r) is not None]
    unknown = [r for r in rows if key(r) is None]
    known.sort(key=key, reverse=order.startswith("-"))
    return known + unknown


@login_required
def province_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    province = get_object_or_404(Province, code=code)
    if not allowed(user, "province.view", province):
        if permissions.home_province_id(user) == province.pk:
            require(user, "province.view", province)
        raise Http404
    today = timezone.localdate()
    data = selectors.province_dashboard(province, today)
    order = request.GET.get("o", "")
    data["rows"] = _sorted_rows(data["rows"], order, PROVINCE_SORTS)
    return render(
        request,
        "reports/province_dashboard.html",
        {
            **data,
            "province": province,
            "can": abilities(user, province),
            "today": today,
            "order": order,
            "due_soon_days": warning_days(),
            "charts": charts.province_charts(data),
            "notices": Review.objects.filter(province=province).order_by("-issued_on", "-id"),
            **_monthly_context(request),
        },
    )


NATION_SORTS = {
    "province": lambda r: r.province.code,
    "counties": lambda r: r.n_counties,
    "findings": lambda r: r.tally.total,
    "closed": lambda r: r.tally.closed,
    "rate": lambda r: r.tally.closure_rate,
    "overdue": lambda r: r.tally.overdue,
    "below": lambda r: r.below_red_line,
    "investment": lambda r: r.investment,
    "funds": lambda r: r.funds,
}


@login_required
@require_safe
def nation_dashboard(request: HttpRequest) -> HttpResponse:
    """Every province side by side, for MOFCOM and other national users."""
    require(request.user, "nation.view")
    today = timezone.localdate()
    data = selectors.nation_dashboard(today)
    order = request.GET.get("o", "")
    data["rows"] = _sorted_rows(data["rows"], order, NATION_SORTS)
    return render(
        request,
        "reports/nation_dashboard.html",
        {
            "rows": data["rows"],
            "total": data["total"],
            "red_line": data["red_line"],
            "due_soon_days": warning_days(),
            "today": today,
            "order": order,
            "charts": charts.nation_charts(data),
            # Horizontal bars: a line per province.
            "chart_height": max(280, 26 * len(data["rows"]) + 60),
        },
    )


@login_required
@require_POST
def reading_add(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_object_or_404(
        Indicator.objects.filter(
            project__county__in=County.objects.for_user(request.user)
        ).select_related("project__county"),
        pk=pk,
    )
    # Asked before the form, so that a refusal is a 403 whatever was sent.
    require(request.user, "indicator.record", indicator.project)
    county = indicator.project.county
    done = f"{reverse('county_dashboard', args=[county.code])}#indicators"
    form = ReadingForm(request.POST)
    if form.is_valid():
        try:
            submissions.once(
                token_from(request.POST),
                request.user,
                lambda: services.reading_add(
                    user=request.user,
                    indicator=indicator,
                    date=form.cleaned_data["date"],
                    value=form.cleaned_data["value"],
                    note=form.cleaned_data["note"],
                ),
            )
        except AlreadySubmitted:
            return submissions.resubmitted(request, done)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("“%(name)s”的读数已记录。") % {"name": indicator.name})
    else:
        errors = "；".join(f"{form.fields[f].label}：{' '.join(e)}" for f, e in form.errors.items())
        messages.error(request, _("读数未保存：%(errors)s") % {"errors": errors})
    return redirect(done)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _xlsx_download(write: Callable[[BinaryIO], None], filename: str) -> FileResponse:
    """The workbook written to a temporary file and streamed from it: XlsxWriter's
    constant-memory mode keeps the rows on disk, so memory stays flat however many findings
    there are. The file goes away when the response is closed."""
    out = tempfile.TemporaryFile()
    try:
        write(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get_report_for_user(request: HttpRequest, pk: int) -> Report:
    qs = Report.objects.for_user(request.user).filter(is_archived=False)
    return get_object_or_404(qs.select_related("county"), pk=pk)


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    permissions.require_county_records(request.user)
    reports = (
        Report.objects.for_user(request.user)
        .filter(is_archived=False)
        .select_related("county", "updated_by")
    )
    return render(
        request,
        "reports/report_list.html",
        {"reports": reports, "can": abilities(request.user)},
    )


def _review_initial(county, report: Report | None) -> list[dict]:
    chosen = {}
    if report is not None and report.pk:
        chosen = {link.review_id: link.order for link in report.review_links.all()}
    reviews = Review.objects.filter(counties=county).order_by("start_date", "id")
    return [
        {
            "review": r.pk,
            "include": r.pk in chosen if chosen else True,
            "order": chosen.get(r.pk, i),
            "label": r,
        }
        for i, r in enumerate(reviews, start=1)
    ]


def _report_form_page(request: HttpRequest, report: Report) -> HttpResponse:
    county = report.county
    initial = _review_initial(county, report)
    labels = {row["review"]: row.pop("label") for row in initial}
    conflict_changes: list[str] = []
    if request.method == "POST":
        form = ReportForm(request.POST, instance=report)
        reviews = ReviewChoiceFormSet(request.POST, prefix="reviews", county=county)
        if form.is_valid() & reviews.is_valid():
            try:
                # Only the new-report form carries a token: an edit has none and simply saves.
                report = submissions.once(
                    token_from(request.POST),
                    request.user,
                    lambda: services.report_save(
                        user=request.user,
                        report=form.instance,
                        reviews=reviews.chosen(),
                        expected_version=form.cleaned_data.get("version"),
                    ),
                )
            except AlreadySubmitted as again:
                first = again.target
                if isinstance(first, Report) and not first.is_archived:
                    return submissions.resubmitted(request, first)
                return submissions.resubmitted(request, "report_list")
            except EditConflict as conflict:
                data = request.POST.copy()
                data["version"] = str(conflict.current.version)
                form = ReportForm(data, instance=report)
                conflict_changes = conflict.changes
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("报告已保存。"))
                return redirect(report)
        if conflict_changes:
            messages.error(
                request,
                _("保存被拒绝：您编辑期间，其他人修改了该报告。请核对下列变化，确认后再次保存。"),
            )
        else:
            messages.error(request, _("保存失败，请按提示修改。您填写的内容都已保留。"))
    else:
        form = ReportForm(instance=report)
        reviews = ReviewChoiceFormSet(prefix="reviews", county=county, initial=initial)
    rows = [(f, labels.get(int(f["review"].value() or 0))) for f in reviews.forms]
    return render(
        request,
        "reports/report_form.html",
        {
            "form": form,
            "reviews": reviews,
            "review_rows": rows,
            "report": report,
            "conflict_changes": conflict_changes,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "report.create", request.user.county)
    return _report_form_page(request, documents.default_report(request.user.county))


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report_for_user(request, pk)
    require(request.user, "report.edit", report)
    return _report_form_page(request, report)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview and print view of the report with its attached plan."""
    report = _get_report_for_user(request, pk)
    doc = documents.report_document(report)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "doc": doc,
            "blocks": documents.report_blocks(doc),
            "can": abilities(request.user, report),
            # Why the downloads are not offered (a county with nothing to report), or "".
            "nothing_to_report": downloads.nothing_to_report(doc),
            "pdf_refusal": "" if office.available() else office.unavailable_message("pdf"),
        },
    )


@login_required
@require_safe
def report_file(request: HttpRequest, pk: int, document: str, fmt: str) -> HttpResponse:
    """The report (with its attached plan) or the plan as Word or PDF. When there is nothing
    to report, or LibreOffice cannot make the PDF, back to the report page with the reason."""
    if document not in downloads.DOCUMENTS:
        raise Http404
    report = _get_report_for_user(request, pk)
    try:
        file = downloads.document_file(report, document, fmt)
    except (downloads.NothingToReport, office.OfficeError) as refusal:
        messages.error(request, str(refusal))
        return redirect(report)
    return _download(file.content, file.filename, file.content_type)


@login_required
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    """The ledger as the user filtered it on the ledger page."""
    findings = Finding.objects.for_user(request.user).with_lead_unit()
    filterset = FindingFilter(request.GET or None, queryset=findings, request=request)
    today = timezone.localdate()
    user = request.user
    scope = user.county.display_short_name if user.county_id else user.scope_label
    filtered = bool(request.GET.urlencode())
    return _xlsx_download(
        lambda out: xlsx.write_ledger(
            out,
            ledgers.county_ledger(filterset.qs, scope=scope, today=today, filtered=filtered),
        ),
        f"{scope}整改台账-{today:%Y-%m-%d}.xlsx",
    )


def _get_province_for_user(request: HttpRequest, code: str) -> Province:
    province = get_object_or_404(Province, code=code)
    if not allowed(request.user, "province.view", province):
        raise Http404
    return province


@login_required
@require_safe
def province_ledger_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    province = _get_province_for_user(request, code)
    if settings.RECTIFY_PREPARED_WORKBOOKS:
        return _prepared_xlsx(request, province)
    today = timezone.localdate()
    return _xlsx_download(
        lambda out: xlsx.write_province(out, ledgers.province_ledger(province, today)),
        workbooks.filename(province, today),
    )


@login_required
@require_safe
def nation_ledger_xlsx(request: HttpRequest) -> HttpResponse:
    require(request.user, "nation.view")
    if settings.RECTIFY_PREPARED_WORKBOOKS:
        return _prepared_xlsx(request, None)
    today = timezone.localdate()
    return _xlsx_download(
        lambda out: xlsx.write_nation(out, ledgers.nation_ledger(today)),
        workbooks.filename(None, today),
    )


def _status_url(province: Province | None) -> str:
    if province is None:
        return reverse("nation_ledger_status")
    return reverse("province_ledger_status", args=[province.code])


def _prepared_xlsx(request: HttpRequest, province: Province | None) -> HttpResponse:
    """The workbook prepared for the current data, at once; else it is queued (once) and the
    user waits on its progress page, which hands it out when it is ready. Never a stale one."""
    today = timezone.localdate()
    version = workbooks.data_version(province, today)
    workbook = workbooks.workbook_for(province, version)
    if workbook and workbook.state == workbook.State.READY:
        try:
            out = workbooks.open_file(workbook)
        except FileNotFoundError:
            workbooks.workbook_lost(workbook)
        else:
            return FileResponse(
                out,
                as_attachment=True,
                filename=workbooks.filename(province, workbook.as_of),
                content_type=XLSX,
            )
    workbooks.workbook_request(province=province, version=version, today=today, retry=True)
    return redirect(_status_url(province))


def _ledger_status(request: HttpRequest, province: Province | None) -> HttpResponse:
    today = timezone.localdate()
    version = workbooks.data_version(province, today)
    # The data may have changed since the download was asked for: wait for the newest.
    workbook = workbooks.workbook_request(province=province, version=version, today=today)
    download = (
        reverse("nation_ledger_xlsx")
        if province is None
        else reverse("province_ledger_xlsx", args=[province.code])
    )
    return render(
        request,
        "reports/workbook_status.html",
        {
            "workbook": workbook,
            "province": province,
            "download_url": download,
            "filename": workbooks.filename(province, workbook.as_of),
            "refresh_seconds": STATUS_REFRESH_SECONDS,
        },
    )


STATUS_REFRESH_SECONDS = 3


@login_required
@require_safe
def province_ledger_status(request: HttpRequest, code: str) -> HttpResponse:
    """The province's workbook being prepared: its progress, then the file."""
    return _ledger_status(request, _get_province_for_user(request, code))


@login_required
@require_safe
def nation_ledger_status(request: HttpRequest) -> HttpResponse:
    require(request.user, "nation.view")
    return _ledger_status(request, None)


# --- The forms per finding and per report (销号申请审批表, 佐证材料目录, evidence ZIP) ---


def _get_finding_for_user(request: HttpRequest, pk: int) -> Finding:
    qs = Finding.objects.for_user(request.user).select_related("county", "review", "category")
    return get_object_or_404(qs, pk=pk)


def _zip_response(spool, filename: str) -> FileResponse:
    response = FileResponse(
        spool, as_attachment=True, filename=filename, content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- 月度整改进展情况表 (issue 15 item 6) -------------------------------------------------


def _monthly_file(
    request, findings, *, back: str, scope_name: str, unit: str, fmt: str, province: bool
) -> HttpResponse:
    """The 月度整改进展情况表 of `findings` for the month asked for, as Word or PDF; an invalid
    month or a failed conversion goes `back` (the dashboard) with its message."""
    month, refusal = _month_or_refusal(request, back)
    if refusal:
        return refusal
    try:
        file = downloads.monthly_file(
            findings,
            month,
            scope_name=scope_name,
            unit=unit,
            today=timezone.localdate(),
            fmt=fmt,
            province=province,
        )
    except office.OfficeError as failure:
        messages.error(request, str(failure))
        return redirect(back)
    return _download(file.content, file.filename, file.content_type)


def _monthly_context(request: HttpRequest) -> dict:
    """The dashboards' month form for the 月度整改进展情况表, and why no PDF if LibreOffice
    is missing."""
    return {
        "monthly_form": monthly_form(request.GET),
        "pdf_refusal": "" if office.available() else office.unavailable_message("pdf"),
    }


def _month_or_refusal(request: HttpRequest, back: str):
    """The month asked for, or a redirect back to the dashboard with the form's error."""
    form = monthly_form(request.GET)
    if form.is_valid():
        return form.cleaned_data["month"], None
    messages.error(request, " ".join(form.errors["month"]))
    return None, redirect(back)


@login_required
@require_safe
def finding_closeout_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The finding's 销号申请审批表 as Word or PDF."""
    finding = _get_finding_for_user(request, pk)
    try:
        file = downloads.closeout_file(finding, fmt)
    except office.OfficeError as refusal:
        messages.error(request, str(refusal))
        return redirect(finding)
    return _download(file.content, file.filename, file.content_type)


@login_required
@require_safe
def county_monthly(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The county's 月度整改进展情况表 for `?month=YYYY-MM` (last month by default), as Word
    or PDF. For the county's leaders and staff (and the province): a unit's contact, who
    sees only the unit's tasks, gets 403."""
    county = get_object_or_404(
        County.objects.for_user(request.user).select_related("province"), code=code
    )
    permissions.require_county_records(request.user)
    return _monthly_file(
        request,
        Finding.objects.active().filter(county=county),
        back=reverse("county_dashboard", args=[county.code]),
        scope_name=county.display_short_name,
        unit=county.name,
        fmt=fmt,
        province=False,
    )


@login_required
@require_safe
def finding_evidence_list(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    _pieces, listing = finding_forms.finding_listing(
        Evidence.objects.for_user(request.user), finding
    )
    file = downloads.evidence_list_file(listing, downloads.finding_evidence_name(finding, "目录"))
    return _download(file.content, file.filename, file.content_type)


@login_required
@require_safe
def finding_evidence_zip(request: HttpRequest, pk: int) -> FileResponse:
    finding = _get_finding_for_user(request, pk)
    pieces, listing = finding_forms.finding_listing(
        Evidence.objects.for_user(request.user), finding
    )
    return _zip_response(
        finding_forms.evidence_zip(pieces, listing),
        downloads.finding_evidence_name(finding) + ".zip",
    )


@login_required
@require_safe
def report_evidence_list(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report_for_user(request, pk)
    _pieces, listing = finding_forms.report_listing(Evidence.objects.for_user(request.user), report)
    file = downloads.evidence_list_file(listing, downloads.report_evidence_name(report, "目录"))
    return _download(file.content, file.filename, file.content_type)


@login_required
@require_safe
def report_evidence_zip(request: HttpRequest, pk: int) -> FileResponse:
    report = _get_report_for_user(request, pk)
    pieces, listing = finding_forms.report_listing(Evidence.objects.for_user(request.user), report)
    return _zip_response(
        finding_forms.evidence_zip(pieces, listing),
        downloads.report_evidence_name(report) + ".zip",
    )


@login_required
@require_safe
def province_monthly(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The province's 月度整改进展情况表: a row per county, review and category."""
    user = request.user
    province = get_object_or_404(Province, code=code)
    if not allowed(user, "province.view", province):
        if permissions.home_province_id(user) == province.pk:
            require(user, "province.view", province)
        raise Http404
    return _monthly_file(
        request,
        Finding.objects.active().filter(county__province=province),
        back=reverse("province_dashboard", args=[province.code]),
        scope_name=province.name,
        unit=province.name,
        fmt=fmt,
        province=True,
    )


# --- 督查通报 (issue 15 item 6) ------------------------------------------------------------


def _get_notice_document_for_user(request: HttpRequest, pk: int) -> Review:
    """A provincial notice, for its province's reviewers (and national users) and for the
    staff and leaders of the counties it names; to anyone else it does not exist."""
    scope = permissions.scope(request.user, "notice.document", field=None)
    if scope is None:
        raise Http404
    notices = Review.objects.filter(province__isnull=False).filter(scope).distinct()
    return get_object_or_404(notices, pk=pk)


@login_required
@require_safe
def notice_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The 督查通报 as Word or PDF. A notice without items, or a PDF LibreOffice could not
    make, goes back to the notice's page (the county's: its review page) with the reason."""
    notice = _get_notice_document_for_user(request, pk)
    back = (
        reverse("notice_detail", args=[notice.pk])
        if allowed(request.user, "notice.view", notice)
        else reverse("review_detail", args=[notice.pk])
    )
    doc = selectors.notice_document(notice, timezone.localdate())
    if not doc.entries:
        messages.error(request, _("该通报还没有通报问题，无需生成通报文件。"))
        return redirect(back)
    try:
        file = downloads.notice_file(doc, fmt)
    except office.OfficeError as failure:
        messages.error(request, str(failure))
        return redirect(back)
    return _download(file.content, file.filename, file.content_type)
