"""E-mail through Django's mail (EMAIL_BACKEND): the subject and the body come rendered from
templates (templates/issues/mail/ for the daily reminders)."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMessage

from .base import Backend, Message, Result


class EmailBackend(Backend):
    def payload(self, message: Message) -> str:
        return f"Subject: {message.subject}\n\n{message.text}"

    def send(self, message: Message) -> Result:
        try:
            EmailMessage(message.subject, message.text, None, [message.to]).send()
        except (OSError, smtplib.SMTPException) as exc:
            return Result(False, str(exc)[:2000] or exc.__class__.__name__)
        return Result(True)
