from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from reports.selectors import tally

from . import services
from .filters import FindingFilter
from .forms import (
    FindingForm,
    MeasureFormSet,
    ProgressForm,
    UnitForm,
    UnitFormSet,
    measure_initial,
    unit_initial,
)
from .models import Finding, FindingUnit, Progress, Unit


def _get_finding_for_user(request: HttpRequest, pk: int) -> Finding:
    """A finding the user may see, or 404: other counties' findings do not exist for them."""
    qs = Finding.objects.for_user(request.user).select_related(
        "county", "county__province", "review", "category"
    )
    return get_object_or_404(qs, pk=pk)


def _require_edit(request: HttpRequest, county_id: int) -> None:
    if not request.user.can_edit_county(county_id):
        raise PermissionDenied(_("您只能查看,不能修改该区县的台账。"))


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    findings = (
        Finding.objects.for_user(request.user)
        .select_related("county", "review", "category")
        .with_lead_unit()
    )
    filterset = FindingFilter(request.GET or None, queryset=findings, request=request)
    qs = filterset.qs
    today = timezone.localdate()
    counts = tally(qs, today)
    paginator = Paginator(qs, settings.RECTIFY_PAGE_SIZE)
    # The tally already counted the rows: spare the paginator its own COUNT query.
    paginator.__dict__["count"] = counts.total
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "issues/finding_list.html",
        {
            "filter": filterset,
            "page": page,
            "tally": counts,
            "today": today,
            "due_soon_days": settings.RECTIFY_DUE_SOON_DAYS,
            "show_county": not request.user.county_id,
            "can_create": request.user.is_county_staff,
        },
    )


def _detail_page(
    request: HttpRequest, finding: Finding, progress_form: ProgressForm | None = None
) -> HttpResponse:
    links = list(finding.unit_links.select_related("unit"))
    can_edit = request.user.can_edit_county(finding.county_id)
    if can_edit and progress_form is None:
        progress_form = ProgressForm(initial={"date": timezone.localdate()})
    return render(
        request,
        "issues/finding_detail.html",
        {
            "finding": finding,
            "measures": list(finding.measures.all()),
            "responsible": [link for link in links if link.role == FindingUnit.Role.RESPONSIBLE],
            "cooperating": [link for link in links if link.role == FindingUnit.Role.COOPERATING],
            "related": finding.related.select_related("review", "category", "county"),
            "notes": finding.progress_notes.select_related("author"),
            "can_edit": can_edit,
            "progress_form": progress_form,
            "today": timezone.localdate(),
        },
        status=400 if progress_form is not None and progress_form.errors else 200,
    )


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _get_finding_for_user(request, pk))


def _add_row(data, prefix: str):
    """Without JavaScript, "add a row" posts the form back; show it again with one more row."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    data[key] = str(int(data.get(key) or 0) + 1)
    return data


def _finding_form_page(request: HttpRequest, *, county, finding: Finding | None) -> HttpResponse:
    instance = finding or Finding(county=county)
    adding_row = None
    if request.method == "POST":
        data = request.POST
        for prefix in ("measures", "units"):
            if f"add_{prefix}" in data:
                adding_row = prefix
                data = _add_row(data, prefix)
        form = FindingForm(data, instance=instance, county=county)
        measures = MeasureFormSet(data, prefix="measures")
        units = UnitFormSet(data, prefix="units", county=county)
        if adding_row is None and form.is_valid() & measures.is_valid() & units.is_valid():
            payload = form.to_data(measures, units)
            try:
                if finding is None:
                    finding = services.finding_create(
                        user=request.user, county=county, data=payload
                    )
                    messages.success(request, _("问题已登记。"))
                else:
                    finding = services.finding_update(
                        user=request.user, finding=finding, data=payload
                    )
                    messages.success(request, _("修改已保存。"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect(finding)
        if adding_row is None:
            messages.error(request, _("保存失败,请按提示修改后重新提交。您填写的内容都已保留。"))
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
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_county_staff:
        raise PermissionDenied(_("只有区县工作人员可以登记问题。"))
    return _finding_form_page(request, county=request.user.county, finding=None)


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    _require_edit(request, finding.county_id)
    finding = Finding.objects.prefetch_related(
        Prefetch("unit_links", queryset=FindingUnit.objects.select_related("unit"))
    ).get(pk=finding.pk)
    return _finding_form_page(request, county=finding.county, finding=finding)


@login_required
@require_POST
def progress_add(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get_finding_for_user(request, pk)
    _require_edit(request, finding.county_id)
    form = ProgressForm(request.POST, instance=Progress(finding=finding, author=request.user))
    if form.is_valid():
        try:
            services.progress_add(
                user=request.user,
                finding=finding,
                note=form.cleaned_data["note"],
                date=form.cleaned_data["date"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("整改进展已记录。"))
            return redirect(finding)
    messages.error(request, _("进展未保存,请按提示修改。"))
    return _detail_page(request, finding, progress_form=form)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.for_user(request.user).select_related("county")
    return render(
        request,
        "issues/unit_list.html",
        {"units": units, "can_create": request.user.is_county_staff},
    )


def _unit_form_page(request: HttpRequest, unit: Unit) -> HttpResponse:
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.unit_save(user=request.user, unit=form.instance)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("单位“%(name)s”已保存。") % {"name": unit.name})
                return redirect("unit_list")
        messages.error(request, _("保存失败,请按提示修改。"))
    return render(request, "issues/unit_form.html", {"form": form, "unit": unit})


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_county_staff:
        raise PermissionDenied(_("只有区县工作人员可以添加单位。"))
    return _unit_form_page(request, Unit(county=request.user.county))


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.for_user(request.user), pk=pk)
    _require_edit(request, unit.county_id)
    return _unit_form_page(request, unit)
