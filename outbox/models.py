"""Where messages go beyond the browser (a county's or a unit's group robots) and every
delivery made, so that a run can be repeated safely."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from issues.models import ChangeSetHistory, County, CountyScopedQuerySet, Tracked, Unit


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
    SMS = "sms", _("短信")


def check_hook_url(url: str) -> None:
    """A robot's address is https; http only to 127.0.0.1, and only where a setting allows it
    (the tests' stand-in server)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    local = parts.scheme == "http" and parts.hostname == "127.0.0.1"
    if local and settings.RECTIFY_OUTBOX_ALLOW_LOCAL_HTTP:
        return
    raise ValidationError(_("机器人地址必须以 https:// 开头。"), code="https")


class RobotHook(Tracked):
    """A 企业微信 or 钉钉 group robot of a county (the office's group) or of one of its units."""

    class Kind(models.TextChoices):
        WECOM = Channel.WECOM.value, Channel.WECOM.label
        DINGTALK = Channel.DINGTALK.value, Channel.DINGTALK.label

    county = models.ForeignKey(
        County, verbose_name=_("示范县"), on_delete=models.PROTECT, related_name="robot_hooks"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="robot_hooks",
        help_text=_("留空表示区县办公室的群；选择单位则推送该单位被催办的消息。"),
    )
    name = models.CharField(_("名称"), max_length=50, help_text=_("如：整改工作群"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    url = models.URLField(
        _("Webhook 地址"),
        max_length=500,
        validators=[check_hook_url],
        help_text=_("在群机器人的设置页面复制，以 https:// 开头。"),
    )
    secret = models.CharField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉机器人的安全设置选择“加签”时填写（SEC 开头）；企业微信不需要。"),
    )
    active = models.BooleanField(_("启用"), default=True)

    objects = CountyScopedQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeSetHistory])

    class Meta:
        ordering = ["county", "unit", "name"]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.unit_id and self.county_id and self.unit.county_id != self.county_id:
            raise ValidationError({"unit": _("只能选择本区县的单位。")})
        if self.secret and self.kind != self.Kind.DINGTALK:
            raise ValidationError({"secret": _("只有钉钉机器人需要加签密钥。")})


class Delivery(models.Model):
    """One message to one target (a robot, an address, a mobile number). The dedupe key names
    what it is (the day's digest to this robot, this 催办 to that mobile): a key once sent is
    never sent again; a failed one is tried again by the next runs up to
    RECTIFY_OUTBOX_MAX_ATTEMPTS. A run claims a row (status sending) with a conditional UPDATE
    before sending it, so two overlapping runs never send it twice."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("每日摘要")
        URGE = "urge", _("催办")
        OVERDUE = "overdue", _("逾期提醒")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    county = models.ForeignKey(
        County, verbose_name=_("示范县"), on_delete=models.CASCADE, related_name="+"
    )
    hook = models.ForeignKey(
        RobotHook,
        verbose_name=_("群机器人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipient = models.CharField(_("发送到"), max_length=500)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    payload = models.TextField(_("发送的报文"))
    dedupe_key = models.CharField(_("去重键"), max_length=200, unique=True)
    status = models.CharField(
        _("结果"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        indexes = [models.Index(fields=["status", "attempts"], name="delivery_retry")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="delivery_sent_at"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.recipient} {self.get_status_display()}"

    @property
    def retried(self) -> bool:
        return self.attempts > 1
