"""The security audit log (安全审计): who did what, when, from where. Append-only through the
application: an event is written once (audit.services.record) and never changed or deleted
— not by a save, not by a queryset update or delete, not in the admin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues import permissions


class AppendOnly(Exception):
    """An attempt to change or delete an audit event."""


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("audit events are never changed")

    def delete(self):
        raise AppendOnly("audit events are never deleted")

    def for_user(self, user):
        """The events `user` may read (the ability "audit.view": an auditor's own county,
        province or, for a national auditor, all)."""
        condition = permissions.scope(user, "audit.view")
        return self.none() if condition is None else self.filter(condition)


class Event(models.Model):
    """One security event. Its links to the account, county and province are not enforced
    by the database (db_constraint=False): the log outlives whatever it names, and no row of
    it ever stands in the way of another table's change; the user name is kept as text too."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKOUT = "lockout", _("登录锁定")
        UNLOCK = "unlock", _("解除锁定")
        LOGOUT = "logout", _("退出登录")
        SESSION_EXPIRED = "session_expired", _("登录超时")
        DENIED = "denied", _("拒绝访问")
        ACCOUNT_CREATED = "account_created", _("创建账户")
        ACCOUNT_CHANGED = "account_changed", _("修改账户")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("停用账户")
        ACCOUNT_REACTIVATED = "account_reactivated", _("启用账户")
        ROLES_CHANGED = "roles_changed", _("调整角色")
        PASSWORD_RESET = "password_reset", _("重置密码")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        SECOND_FACTOR = "second_factor", _("双因素认证")
        DOWNLOAD = "download", _("导出和下载")
        AUDIT_EXPORT = "audit_export", _("导出审计日志")

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("事件"), max_length=30, choices=Kind.choices, db_index=True)
    # Who acted: the account (none for a failed login with an unknown name) and the name as
    # typed or as it was then, kept even if the account is renamed.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    # Where the event belongs, for the auditors' scope: the actor's county and province (a
    # county's events are its province's too), or the target account's for a failed login.
    county = models.ForeignKey(
        "issues.County",
        verbose_name=_("区县"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    province = models.ForeignKey(
        "issues.Province",
        verbose_name=_("省份"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    method = models.CharField(_("请求方法"), max_length=10, blank=True)
    path = models.CharField(_("地址"), max_length=500, blank=True)
    # What the event concerns, in words ("账户 staff-510811", "台账.xlsx").
    target = models.CharField(_("对象"), max_length=300, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("安全审计事件")
        verbose_name_plural = _("安全审计日志")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["province", "county", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit events are never deleted")

    @property
    def is_alert(self) -> bool:
        """A failure or a refusal: the auditor's page marks it."""
        return self.kind in ALERTS


# The kinds the auditor's page marks.
ALERTS = frozenset({Event.Kind.LOGIN_FAILED, Event.Kind.LOCKOUT, Event.Kind.DENIED})
