"""The accounts pages: the administrator's list of its accounts, a new account, an account's
page (details, deactivate, reset), its roles, and the login lockouts. Each page scopes the
account to the administrator's reach first: another place's account is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import Event
from audit.services import record
from issues import permissions, submissions
from issues.models import User
from issues.permissions import abilities, require
from issues.submissions import AlreadySubmitted, token_from
from rectify.accounts import PasswordChangeView as BasePasswordChangeView

from . import selectors, services
from .forms import AccountCreateForm, AccountForm, AccountSearchForm, RoleForm

PAGE_SIZE = 25


def _get_account(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(
        selectors.accounts_for(request.user).select_related("county__province", "province"),
        pk=pk,
    )


# The model's field names where the form's differ.
_FORM_FIELDS = {"first_name": "full_name"}


def _add_errors(form, exc: ValidationError) -> None:
    """A service's errors on the form's fields where it has them, above the form otherwise."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        field = _FORM_FIELDS.get(name, name)
        form.add_error(field if field in form.fields else None, errors)


def _may_list(user) -> bool:
    return any(permissions.allowed(user, a) for a in selectors.ACCOUNT_ABILITIES)


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    if not _may_list(request.user):
        require(request.user, "account.manage")
    form = AccountSearchForm(request.GET or None)
    accounts = selectors.accounts_for(request.user)
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            accounts = accounts.filter(Q(username__icontains=q) | Q(first_name__icontains=q))
        if role := form.cleaned_data["role"]:
            accounts = accounts.filter(groups__name=role)
        if active := form.cleaned_data["active"]:
            accounts = accounts.filter(is_active=active == "1")
    accounts = selectors.account_rows(accounts).order_by("-is_active", "username")
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(account, account.role_labels) for account in page]
    return render(
        request,
        "users/account_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "can": abilities(request.user),
        },
    )


def _password_page(request: HttpRequest, account: User, password: str, created: bool):
    """The temporary password, shown in this response only: it is not stored, and the page
    is not cached."""
    response = render(
        request,
        "users/temporary_password.html",
        {"account": account, "password": password, "created": created},
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "account.manage")
    form = AccountCreateForm(request.POST or None, admin=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            password = ""

            def create() -> User:
                nonlocal password
                account, password = services.account_create(
                    admin=request.user,
                    username=data["username"],
                    full_name=data["full_name"],
                    email=data["email"],
                    place=data["place"],
                    role=data["role"],
                    unit=data.get("unit"),
                    request=request,
                )
                return account

            try:
                account = submissions.once(token_from(request.POST), request.user, create)
            except AlreadySubmitted as exc:
                if exc.target is None:
                    return submissions.resubmitted(request, "account_list")
                return submissions.resubmitted(request, "account_detail", pk=exc.target.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("账户“%(username)s”已创建。") % {"username": account.username}
                )
                return _password_page(request, account, password, created=True)
        messages.error(request, _("保存失败，请按提示修改。"))
    return render(request, "users/account_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_account(request, pk)
    can = abilities(request.user, account)
    initial = {"full_name": account.first_name, "email": account.email}
    form = AccountForm(request.POST or None, initial=initial) if "account.manage" in can else None
    if request.method == "POST":
        require(request.user, "account.manage", account)
        if form.is_valid():
            try:
                changed = services.account_update(
                    admin=request.user,
                    account=account,
                    full_name=form.cleaned_data["full_name"],
                    email=form.cleaned_data["email"],
                    request=request,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if changed:
                    messages.success(request, _("账户信息已保存。"))
                else:
                    messages.info(request, _("没有修改任何内容。"))
                return redirect("account_detail", pk=account.pk)
        messages.error(request, _("保存失败，请按提示修改。"))
    return render(
        request,
        "users/account_detail.html",
        {
            "account": account,
            "form": form,
            "can": can,
            "roles": account.role_labels,
        },
    )


@login_required
@require_POST
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_account(request, pk)
    services.account_deactivate(admin=request.user, account=account, request=request)
    messages.success(
        request, _("账户“%(username)s”已停用，其登录已失效。") % {"username": account.username}
    )
    return redirect("account_detail", pk=account.pk)


@login_required
@require_POST
def account_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_account(request, pk)
    services.account_reactivate(admin=request.user, account=account, request=request)
    messages.success(request, _("账户“%(username)s”已启用。") % {"username": account.username})
    return redirect("account_detail", pk=account.pk)


@login_required
@require_POST
def account_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_account(request, pk)
    try:
        # The back button or a second click sends the form again: it must not reset again
        # (the password shown the first time would no longer work).
        password = submissions.once(
            token_from(request.POST),
            request.user,
            lambda: services.password_reset(admin=request.user, account=account, request=request),
        )
    except AlreadySubmitted:
        return submissions.resubmitted(request, "account_detail", pk=account.pk)
    messages.success(
        request,
        _("账户“%(username)s”的密码已重置，其登录已失效。") % {"username": account.username},
    )
    return _password_page(request, account, password, created=False)


@login_required
@require_http_methods(["GET", "POST"])
def account_roles(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_account(request, pk)
    require(request.user, "account.roles", account)
    roles = permissions.grantable_roles(request.user, permissions.level_of(account))
    current = sorted(account.role_names)
    form = RoleForm(
        request.POST or None, roles=roles, initial={"role": current[0] if current else None}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.roles_change(
                    admin=request.user,
                    account=account,
                    role=form.cleaned_data["role"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("角色已调整。"))
                return redirect("account_detail", pk=account.pk)
        messages.error(request, _("保存失败，请按提示修改。"))
    return render(
        request,
        "users/account_roles.html",
        {"account": account, "form": form, "roles": account.role_labels},
    )


@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "lockout.manage")
    return render(
        request,
        "users/lockout_list.html",
        {
            "lockouts": selectors.lockouts_for(request.user),
            "addresses": selectors.may_unlock_addresses(request.user),
        },
    )


@login_required
@require_POST
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("username", "").strip()
    ip = request.POST.get("ip", "").strip()
    try:
        services.unlock(admin=request.user, username=username, ip=ip, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已解除“%(who)s”的登录锁定。") % {"who": username or ip})
    return redirect("lockout_list")


class PasswordChangeView(BasePasswordChangeView):
    """rectify.accounts' page, writing the change to the security audit log (here, not there:
    audit reads rectify.accounts, which must not read audit back)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        record(Event.Kind.PASSWORD_CHANGED, request=self.request, target=_("本人密码"))
        return response
