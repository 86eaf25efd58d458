"""The channels' backends, chosen like Django's e-mail backends: a dotted path per channel
(the SMS one from RECTIFY_SMS_BACKEND), each a class with `send(message) -> Result`."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Backend, Message, Result

__all__ = ["Backend", "Message", "Result", "get_backend"]

BACKENDS = {
    "email": "outbox.backends.email.EmailBackend",
    "wecom": "outbox.backends.wecom.WeComBackend",
    "dingtalk": "outbox.backends.dingtalk.DingTalkBackend",
}


def get_backend(channel: str) -> Backend:
    path = settings.RECTIFY_SMS_BACKEND if channel == "sms" else BACKENDS[channel]
    return import_string(path)()
