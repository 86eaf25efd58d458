"""The default SMS backend: writes the message to the log (and so to the console) instead of
sending it, like Django's console e-mail backend."""

from __future__ import annotations

import json
import logging

from django.conf import settings

from ..base import Backend, Message, Result

log = logging.getLogger("rectify.outbox.sms")


class ConsoleBackend(Backend):
    def payload(self, message: Message) -> str:
        document = {
            "mobile": message.to,
            "text": f"【{settings.RECTIFY_SMS_SIGN_NAME}】{message.text}",
        }
        return json.dumps(document, ensure_ascii=False)

    def send(self, message: Message) -> Result:
        log.warning("SMS (console, not sent): %s", self.payload(message))
        return Result(True)
