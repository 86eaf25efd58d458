"""The daily run (cron, once a day): due-soon and overdue notifications, once per finding,
recipient and day; running it again the same day writes nothing new."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from notify.services import daily


class Command(BaseCommand):
    help = "写入当天的即将到期和逾期站内通知（同一天重复运行不会重复写入）。"

    def handle(self, *args, **options):
        written = daily(timezone.localdate())
        self.stdout.write(f"{len(written)} notifications written")
