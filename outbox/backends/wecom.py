"""企业微信 group robot: POST {"msgtype": "markdown", "markdown": {"content": …}} to the
robot's webhook URL (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…)."""

from __future__ import annotations

from .base import JsonPostBackend, Message

# The robot refuses Markdown content over 4096 bytes (UTF-8).
MAX_BYTES = 4096


def clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - len("…".encode())].decode("utf-8", "ignore") + "…"


class WeComBackend(JsonPostBackend):
    def document(self, message: Message) -> dict:
        return {"msgtype": "markdown", "markdown": {"content": clip(message.text, MAX_BYTES)}}
