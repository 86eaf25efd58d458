"""Reviews (检查) and their categories (问题类别) in the browser: county staff list, create and
edit their county's reviews; leaders and reviewers read them; provincial notices are kept by
their province (notice_edit)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import permissions, services, submissions
from .forms import CategoriesForm, CategoryAddForm, NoticeForm, ReviewForm
from .models import Category, Finding, Review, User
from .permissions import abilities, allowed, refusal, require, review_county_ids
from .reviews import review_labels
from .views import _add_errors, _get_notice_for_user


def _visible_reviews(user: User) -> QuerySet[Review]:
    """The reviews of the counties the user sees, and a province reviewer's own notices
    (which may not name a county yet)."""
    reviews = Review.objects.for_user(user)
    if user.province_id and allowed(user, "notice.manage"):
        # A province's reviewers keep its notices, also before any county is named in them.
        reviews = reviews | Review.objects.filter(province_id=user.province_id)
    return reviews


def _get_review_for_user(request: HttpRequest, pk: int) -> Review:
    """A review the user may see, or 404: another county's reviews do not exist for them.
    Its counties come along: who may edit it depends on them."""
    return get_object_or_404(
        _visible_reviews(request.user).select_related("province").prefetch_related("counties"),
        pk=pk,
    )


def _findings_in_scope(user: User) -> QuerySet[Finding]:
    """The findings the counts on these pages add up: the user's own (county or province)."""
    return Finding.objects.for_user(user).active()


def _count(qs: QuerySet, field: str) -> Coalesce:
    counted = qs.order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@login_required
@require_safe
def review_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    permissions.require_county_records(user)
    findings = _findings_in_scope(user).filter(review=OuterRef("pk"))
    categories = Category.objects.filter(review=OuterRef("pk"))
    reviews = list(
        _visible_reviews(user)
        .select_related("province")
        .annotate(n_findings=_count(findings, "review"), n_categories=_count(categories, "review"))
        .order_by("start_date", "issued_on", "id")
    )
    return render(
        request,
        "issues/reviews/list.html",
        {
            "reviews": reviews,
            "review_labels": review_labels(reviews),
            "can": abilities(user),
        },
    )


def _detail_page(
    request: HttpRequest,
    review: Review,
    *,
    categories_form: CategoriesForm | None = None,
    add_form: CategoryAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    county_ids = review_county_ids(review)
    why_not = refusal(user, "review.edit", review)
    can_edit = not why_not
    findings = _findings_in_scope(user).filter(category=OuterRef("pk"))
    categories = list(
        review.categories.annotate(n_findings=_count(findings, "category")).order_by("order", "id")
    )
    if can_edit:
        categories_form = categories_form or CategoriesForm(categories=categories)
        add_form = add_form or CategoryAddForm(auto_id="add_%s")
    # The review's name beside the others of the same counties (as the ledger shows it).
    neighbours = Review.objects.filter(counties__in=county_ids).distinct() if county_ids else []
    return render(
        request,
        "issues/reviews/detail.html",
        {
            "review": review,
            "label": review_labels([review, *neighbours]).get(review.pk, review.team),
            "categories": categories,
            "categories_form": categories_form,
            "add_form": add_form,
            "can_edit": can_edit,
            # Staff who may not change this review are told why; readers need no reason.
            "refusal": why_not if allowed(user, "review.create") else "",
            "can_record": allowed(user, "finding.create") and user.county_id in county_ids,
            "is_notice": review.province_id is not None,
            # The counties named reach the notice's Word/PDF from here (not the notice page).
            "notice_document": review.province_id is not None
            and allowed(user, "notice.document", review),
            "counties": review.counties.order_by("code") if not user.county_id else [],
        },
        status=status,
    )


@login_required
@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _get_review_for_user(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, "review.create", user.county)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                review = submissions.once(
                    submissions.token_from(request.POST),
                    user,
                    lambda: services.review_create(
                        user=user, county=user.county, data=form.cleaned_data
                    ),
                )
            except submissions.AlreadySubmitted as done:
                messages.info(request, _("该表单已经提交过，没有重复保存。"))
                if done.target is not None:
                    return redirect("review_detail", pk=done.target.pk)
                return redirect("review_list")
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("检查“%(team)s”已添加，请添加它的问题类别。") % {"team": review.team}
                )
                return redirect("review_detail", pk=review.pk)
        messages.error(request, _("保存失败，请按提示修改。您填写的内容都已保留。"))
    return render(
        request,
        "issues/reviews/form.html",
        {"form": form, "review": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = _get_review_for_user(request, pk)
    if review.province_id is not None and allowed(request.user, "notice.manage", review):
        return redirect("notice_edit", pk=review.pk)
    require(request.user, "review.edit", review)
    return _review_edit_page(
        request,
        review,
        ReviewForm,
        "issues/reviews/form.html",
        _("检查的修改已保存。"),
        "review_detail",
        {"review": review},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A provincial notice's team, 文号 and dates: the province's reviewers only."""
    notice = _get_notice_for_user(request, pk)
    require(request.user, "notice.manage", notice)
    return _review_edit_page(
        request,
        notice,
        NoticeForm,
        "issues/reviews/notice_edit.html",
        _("通报的修改已保存。"),
        "notice_detail",
        {"notice": notice},
    )


def _review_edit_page(request, review, form_class, template, saved, back, context):
    """The edit form of a review or a notice: saved through services.review_update."""
    form = form_class(request.POST or None, instance=review)
    if request.method == "POST":
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
            try:
                services.review_update(user=request.user, review=review, data=data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, saved)
                return redirect(back, pk=review.pk)
        messages.error(request, _("保存失败，请按提示修改。您填写的内容都已保留。"))
    return render(
        request,
        template,
        {"form": form, **context},
        status=400 if request.method == "POST" else 200,
    )


def _editable_review(request: HttpRequest, pk: int) -> Review:
    review = _get_review_for_user(request, pk)
    require(request.user, "review.edit", review)
    return review


@login_required
@require_POST
def categories_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename and reorder all of a review's categories (one form, order numbers)."""
    review = _editable_review(request, pk)
    form = CategoriesForm(request.POST, categories=review.categories.order_by("order", "id"))
    if form.is_valid():
        try:
            services.categories_update(user=request.user, review=review, entries=form.entries())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("问题类别已保存。"))
            return redirect("review_detail", pk=review.pk)
    messages.error(request, _("问题类别未保存，请按提示修改。"))
    return _detail_page(request, review, categories_form=form, status=400)


@login_required
@require_POST
def category_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _editable_review(request, pk)
    form = CategoryAddForm(request.POST, auto_id="add_%s")
    if form.is_valid():
        try:
            category = submissions.once(
                submissions.token_from(request.POST),
                request.user,
                lambda: services.category_create(
                    user=request.user,
                    review=review,
                    name=form.cleaned_data["name"],
                    order=form.cleaned_data["order"],
                ),
            )
        except submissions.AlreadySubmitted:
            messages.info(request, _("该表单已经提交过，没有重复保存。"))
            return redirect("review_detail", pk=review.pk)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("类别“%(name)s”已添加。") % {"name": category.name})
            return redirect("review_detail", pk=review.pk)
    messages.error(request, _("类别未添加，请按提示修改。"))
    return _detail_page(request, review, add_form=form, status=400)


@login_required
@require_POST
def category_remove(request: HttpRequest, pk: int, category_pk: int) -> HttpResponse:
    review = _editable_review(request, pk)
    category = get_object_or_404(review.categories, pk=category_pk)
    try:
        services.category_remove(user=request.user, category=category)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("类别“%(name)s”已删除。") % {"name": category.name})
    return redirect("review_detail", pk=review.pk)
