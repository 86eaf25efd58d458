"""What every versioned, attributed record shares: who made and last changed it (`stamp`),
and optimistic concurrency (`check_version`, `EditConflict`)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def stamp(obj, user, *, created: bool) -> None:
    if created:
        obj.created_by = user
    obj.updated_by = user
    # simple-history takes the user from the request; outside one (commands) from here.
    obj._history_user = user


class EditConflict(Exception):
    """Someone else saved the record since this user opened the form."""

    def __init__(self, current, changes: list[str]):
        super().__init__("edit conflict")
        self.current = current
        self.changes = changes


def check_version(current, expected_version: int | None, changes_since) -> None:
    """Optimistic concurrency for every versioned record: the save must name the version the
    user loaded, and it must still be the current one. A save that names none is refused like
    a stale one, so the check cannot be skipped by leaving the field out."""
    if expected_version is None:
        raise EditConflict(
            current,
            [
                _(
                    "无法确认您编辑的是否为最新内容（提交的表单缺少版本信息）。请核对当前内容后再次保存。"
                )
            ],
        )
    if current.version != expected_version:
        raise EditConflict(current, changes_since(current, expected_version))
