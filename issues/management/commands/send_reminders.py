from django.core.management.base import BaseCommand
from django.utils import timezone, translation

from issues.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Mail today's reminders: overdue and due-soon findings to lead units and county "
        "offices, a summary to county leaders. Run daily (cron); safe to run twice."
    )

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        today = timezone.localdate()
        outcome = send_reminders(today)
        self.stdout.write(
            f"{today}: {outcome.sent} sent, {outcome.skipped} already sent today, "
            f"{outcome.failed} failed"
        )
