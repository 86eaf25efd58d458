from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from issues.importing.services import purge_import_data


class Command(BaseCommand):
    help = (
        "Drop the parsed data and text of import batches older than RECTIFY_IMPORT_KEEP_DAYS "
        "days (their summary and decisions stay; old pending previews are cancelled). "
        "Run daily (cron); safe to run twice."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        purged = purge_import_data(today=today)
        self.stdout.write(
            f"{today}: {purged} import batches older than "
            f"{settings.RECTIFY_IMPORT_KEEP_DAYS} days purged"
        )
