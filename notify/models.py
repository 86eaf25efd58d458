"""In-app notifications (站内通知): one row per recipient, written by notify.receivers when
issues.events says something happened, and once a day by `manage.py send_notifications`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from issues.models import Finding


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        """The user's own notifications, less those on a finding they can no longer see (a
        unit taken off it, an account moved): the text would tell what they may not read."""
        visible = Finding.objects.for_user(user).values("pk")
        return self.filter(recipient=user).filter(Q(finding__isnull=True) | Q(finding__in=visible))

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("新任务（待签收）")
        URGED = "urged", _("催办")
        DUE_SOON = "due_soon", _("即将到期")
        OVERDUE = "overdue", _("已逾期")
        PROGRESS_RETURNED = "progress_returned", _("进展被退回")
        CLOSEOUT_REQUESTED = "closeout_requested", _("销号申请")
        CLOSEOUT_APPROVED = "closeout_approved", _("同意销号")
        CLOSEOUT_RETURNED = "closeout_returned", _("销号被退回")
        REOPENED = "reopened", _("重新打开")
        NOTICE = "notice", _("省级通报")
        EXTENSION_REQUESTED = "extension_requested", _("延期申请")
        EXTENSION_DECIDED = "extension_decided", _("延期审批结果")
        ARCHIVE_REQUESTED = "archive_requested", _("归档申请")
        ARCHIVE_DECIDED = "archive_decided", _("归档审批结果")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(_("内容"), max_length=500)
    url = models.CharField(_("链接"), max_length=300)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # The daily ones ("due_soon:<finding>:<date>"): one a day per finding and recipient.
    dedupe_key = models.CharField(_("去重键"), max_length=100, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_latest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
