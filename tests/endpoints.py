"""A local HTTP server on 127.0.0.1 standing in for the 企业微信 and 钉钉 robots and the SMS
gateway: it records every request and answers what the test tells it to. No test reaches the
internet. Used by tests/outbox (the `endpoint` fixture) and the browser journeys."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclasses.dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: str

    @property
    def json(self):
        return json.loads(self.body)


class Endpoint:
    def __init__(self):
        self.requests: list[Received] = []
        # What the next requests get: (status, JSON answer, seconds to wait first).
        self.status = 200
        self.answer: dict = {"errcode": 0, "errmsg": "ok"}
        self.delay = 0.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def posted(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def _handler(self):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode("utf-8")
                parts = urlsplit(self.path)
                endpoint.requests.append(
                    Received(parts.path, parse_qs(parts.query), dict(self.headers), body)
                )
                if endpoint.delay:
                    time.sleep(endpoint.delay)
                data = json.dumps(endpoint.answer).encode()
                try:
                    self.send_response(endpoint.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        return Handler


@contextlib.contextmanager
def serving(settings) -> Iterator[Endpoint]:
    """A running Endpoint, with the settings that let the outbox post to it (http to
    127.0.0.1, a short timeout); `settings` is pytest-django's fixture."""
    settings.RECTIFY_OUTBOX_ALLOW_LOCAL_HTTP = True
    settings.RECTIFY_OUTBOX_TIMEOUT = 2
    server = Endpoint()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
