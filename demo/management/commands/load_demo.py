import os

from django.core.management.base import BaseCommand, CommandError

from demo.loader import account_lines, load_all


class Command(BaseCommand):
    help = "Load the demo counties (广元市昭化区 from seed 000, 铜鼓县 from seed 001) and users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.getenv("DEMO_PASSWORD"),
            help="Password of every demo user (default: $DEMO_PASSWORD).",
        )

    def handle(self, *args, password, **options):
        if not password:
            raise CommandError("Set DEMO_PASSWORD or pass --password.")
        for result in load_all(password):
            county = result["county"]
            self.stdout.write(
                f"{county.code} {county.name}: {result['created']} findings created "
                f"({county.findings.count()} in all)"
            )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            "Demo accounts (one password for all; what each may do, from the ability table):"
        )
        for line in account_lines():
            self.stdout.write(f"  {line}")
