"""What every backend takes and gives back."""

from __future__ import annotations

import dataclasses
import json
import urllib.request

from django.conf import settings


@dataclasses.dataclass(frozen=True)
class Message:
    """One message to one target: `to` is a robot's URL, an e-mail address or a mobile number;
    `text` the body (Markdown for the robots, plain text for mail and SMS); `secret` a 钉钉
    robot's signing secret."""

    to: str
    subject: str
    text: str
    secret: str = ""


@dataclasses.dataclass(frozen=True)
class Result:
    ok: bool
    error: str = ""


class Backend:
    """A channel's transport. `payload` is what is sent (recorded with the delivery); `send`
    sends it once, never retrying within the call, and reports instead of raising."""

    def payload(self, message: Message) -> str:
        raise NotImplementedError

    def send(self, message: Message) -> Result:
        raise NotImplementedError


class JsonPostBackend(Backend):
    """A backend that POSTs a JSON document (the robots, an SMS gateway)."""

    def document(self, message: Message) -> dict:
        raise NotImplementedError

    def payload(self, message: Message) -> str:
        return json.dumps(self.document(message), ensure_ascii=False)

    def url(self, message: Message) -> str:
        return message.to

    def headers(self, message: Message) -> dict[str, str]:
        return {}

    def accepted(self, answer: dict) -> str:
        """The error in the endpoint's answer, or "" when it took the message. The robots
        answer {"errcode": 0, "errmsg": "ok"}; anything else names the refusal."""
        if answer.get("errcode", 0) != 0:
            return f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"
        return ""

    def send(self, message: Message) -> Result:
        try:
            answer = post_json(self.url(message), self.payload(message), self.headers(message))
        except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts, bad answers
            return Result(False, str(exc)[:2000] or exc.__class__.__name__)
        error = self.accepted(answer)
        return Result(not error, error)


def post_json(url: str, payload: str, headers: dict[str, str]) -> dict:
    """POST `payload` (JSON text) to `url` once, within RECTIFY_OUTBOX_TIMEOUT seconds; the
    answer's JSON ({} when empty). HTTP errors and timeouts raise."""
    request = urllib.request.Request(
        url,
        data=payload.encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )
    with urllib.request.urlopen(request, timeout=settings.RECTIFY_OUTBOX_TIMEOUT) as response:
        body = response.read()
    if not body.strip():
        return {}
    answer = json.loads(body.decode("utf-8"))
    return answer if isinstance(answer, dict) else {}
