from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from outbox import services
from outbox.models import Channel


class Command(BaseCommand):
    help = (
        "Send today's notifications beyond the browser: the reminder mails, each county's "
        "digest to its 企业微信/钉钉 robots, overdue SMS to lead units' contacts, and retries "
        "of what failed before. Run daily (cron), after the in-app notifications; safe to "
        "run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--channels",
            help="Comma-separated subset of " + ",".join(Channel.values) + " (default: all on)",
        )

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        today = timezone.localdate()
        requested = options["channels"]
        channels = [c.strip() for c in requested.split(",")] if requested else None
        unknown = set(channels or []) - set(Channel.values)
        if unknown:
            raise CommandError(f"unknown channels: {', '.join(sorted(unknown))}")
        outcome = services.daily(today, channels)
        self.stdout.write(
            f"{today}: {outcome.sent} sent, {outcome.skipped} already sent or in hand, "
            f"{outcome.failed} failed"
        )
