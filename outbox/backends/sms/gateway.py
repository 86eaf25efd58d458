"""An SMS gateway with a plain JSON API, the kind a provincial 政务短信平台 or an operator's
enterprise SMS service exposes: POST RECTIFY_SMS_GATEWAY_URL with
    Authorization: Bearer <RECTIFY_SMS_GATEWAY_TOKEN>
    {"mobile": "139…", "content": "【整改台账】…", "sign": "整改台账"}
and the answer {"code": 0, "message": "ok"} (any other code is a refusal). The URL and the
token come only from the environment (settings)."""

from __future__ import annotations

from django.conf import settings

from ..base import JsonPostBackend, Message


class GatewayBackend(JsonPostBackend):
    def document(self, message: Message) -> dict:
        sign = settings.RECTIFY_SMS_SIGN_NAME
        return {"mobile": message.to, "content": f"【{sign}】{message.text}", "sign": sign}

    def url(self, message: Message) -> str:
        if not settings.RECTIFY_SMS_GATEWAY_URL:
            raise ValueError("RECTIFY_SMS_GATEWAY_URL is not set")
        return settings.RECTIFY_SMS_GATEWAY_URL

    def headers(self, message: Message) -> dict[str, str]:
        return {"Authorization": f"Bearer {settings.RECTIFY_SMS_GATEWAY_TOKEN}"}

    def accepted(self, answer: dict) -> str:
        if answer.get("code", 0) != 0:
            return f"code {answer.get('code')}: {answer.get('message', '')}"
        return ""
