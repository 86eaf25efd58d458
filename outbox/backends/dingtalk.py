"""钉钉 custom robot: POST {"msgtype": "markdown", "markdown": {"title": …, "text": …}} to
https://oapi.dingtalk.com/robot/send?access_token=…; when the robot's security setting is
加签, the URL also carries &timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256 of
"timestamp\\nsecret" keyed with the secret>, and the timestamp must be within an hour."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

from .base import JsonPostBackend, Message
from .wecom import clip

MAX_BYTES = 20000


def signature(timestamp_ms: int, secret: str) -> str:
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, digestmod=hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = round(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={signature(timestamp_ms, secret)}"


class DingTalkBackend(JsonPostBackend):
    def document(self, message: Message) -> dict:
        return {
            "msgtype": "markdown",
            "markdown": {"title": message.subject, "text": clip(message.text, MAX_BYTES)},
        }

    def url(self, message: Message) -> str:
        return signed_url(message.to, message.secret)
