"""Change sets: every history row (and workflow step) records which submission made it, so
the finding's history shows "what one person did at once" as one entry.

A request is one change set (ChangeSetMiddleware); a command or an import opens its own with
`change_set()`. Outside both, each history row is a change set of its own."""

from __future__ import annotations

import contextlib
import contextvars
import uuid

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("change_set", default=None)


def new_id() -> str:
    return uuid.uuid4().hex


def current() -> str:
    """The open change set's id, or a fresh one when none is open."""
    return _current.get() or new_id()


@contextlib.contextmanager
def change_set(ident: str | None = None):
    """Group every write inside the block into one change set (nested blocks join the
    outer one)."""
    if _current.get() is not None:
        yield _current.get()
        return
    token = _current.set(ident or new_id())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class ChangeSetMiddleware:
    """One change set per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with change_set():
            return self.get_response(request)


@receiver(pre_create_historical_record)
def _stamp_history(sender, history_instance, **kwargs):
    if hasattr(history_instance, "change_set") and not history_instance.change_set:
        history_instance.change_set = current()
