"""One object per submitted form, however often it is sent.

Every creating form carries a one-time token (`{% once_field %}` in its template). The view
creates through `once()`: the token is recorded in the same transaction as the object, so the
same form sent again (the back button, a double click, a retried request) finds the first
object instead of making a second one. A submission that failed validation created nothing,
so its token stays free for the corrected one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from rectify.lib.files import removed_on_failure

from .models import Submission

FIELD = "once"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")

T = TypeVar("T", bound=models.Model)


class AlreadySubmitted(Exception):
    """This form was sent before and created `target` (None if that is gone)."""

    def __init__(self, target):
        super().__init__("already submitted")
        self.target = target


def new_token() -> str:
    return uuid.uuid4().hex


def token_from(data) -> str | None:
    """The token a form sent, if it is one of ours."""
    token = (data.get(FIELD) or "").strip()
    return token if _TOKEN.match(token) else None


def _claim(token: str, user) -> Submission:
    try:
        with transaction.atomic():
            return Submission.objects.create(token=token, user=user)
    except IntegrityError:
        previous = Submission.objects.filter(token=token).first()
        if previous is None:  # the first one rolled back meanwhile: try once more
            return Submission.objects.create(token=token, user=user)
        if previous.user_id != getattr(user, "pk", None):
            raise ValidationError(_("表单已失效，请刷新页面后重新填写。")) from None
        raise AlreadySubmitted(previous.target) from None


@removed_on_failure()
@transaction.atomic
def once(token: str | None, user, create: Callable[[], T]) -> T:
    """Run `create` unless this token already created something; then raise AlreadySubmitted.
    Without a token (a client that does not send one) it simply creates. A file `create`
    stored is removed if the whole fails after it (the token's own save included)."""
    if token is None:
        return create()
    submission = _claim(token, user)
    obj = create()
    if isinstance(obj, models.Model) and obj.pk is not None:
        submission.content_type = ContentType.objects.get_for_model(obj)
        submission.object_id = obj.pk
        submission.save(update_fields=["content_type", "object_id"])
    return obj


def resubmitted(request: HttpRequest, to, *args, **kwargs) -> HttpResponse:
    """The answer to a form sent again: the page the first sending led to (`to`, as for
    `redirect`), saying why nothing new was saved."""
    messages.info(request, _("该表单已经提交过，没有重复保存。"))
    return redirect(to, *args, **kwargs)
