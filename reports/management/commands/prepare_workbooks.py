import time

from django.core.management.base import BaseCommand
from django.utils import translation

from reports.workbooks import prepare_pending


class Command(BaseCommand):
    help = (
        "Build the nation's and provinces' .xlsx 台账 that users asked for (queued by the "
        "ledger's download), so that the next download is served at once. Run it every "
        "minute from cron, or once with --loop; safe to run on several hosts at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="keep running, looking for work every --sleep s"
        )
        parser.add_argument("--sleep", type=float, default=2.0, help="seconds between looks")

    def handle(self, *args, loop: bool = False, sleep: float = 2.0, **options):
        translation.activate("zh-hans")
        while True:
            for job in prepare_pending():
                scope = job.code or "全国"
                self.stdout.write(f"{scope} {job.version}: {job.state} ({job.rows_done} rows)")
            if not loop:
                return
            time.sleep(sleep)
