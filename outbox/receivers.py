"""The outbox hears of a 催办 (issues.events.finding_urged) and sends it once the urge is
committed: a rolled-back urge sends nothing, and a slow robot does not hold the transaction."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from issues import events

from . import services


@receiver(events.finding_urged, dispatch_uid="outbox.urge")
def on_finding_urged(sender, *, urge, user, **kwargs) -> None:
    # robust: an error here is logged, never turned into an error page after the urge is saved
    # (a failed send is a failed Delivery anyway, retried by send_outbox).
    transaction.on_commit(lambda: services.urge_deliver(urge=urge, user=user), robust=True)
