"""What the two import commands share: finding the county and the user, printing the same
summary as the preview, and refusing (exit status 1) instead of guessing."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from issues.models import County, Role, User
from issues.permissions import holders

from .document import ParsedDocument
from .plan import build_plan
from .services import ImportRefused, import_apply, import_start


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import ('-' reads text from stdin).")
        parser.add_argument("--county", required=True, help="The county's 6-digit code.")
        parser.add_argument(
            "--user", help="A staff user of the county (default: its first staff user)."
        )
        parser.add_argument(
            "--create-units",
            action="store_true",
            help="Create the units the county does not have yet (otherwise: refuse).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be done; save nothing."
        )

    def read(self, path: str, options) -> tuple[str, ParsedDocument, dict]:
        raise NotImplementedError

    def open(self, path: str) -> File:
        p = Path(path)
        if not p.is_file():
            raise CommandError(f"No such file: {path}")
        return File(p.open("rb"), name=p.name)

    def handle(self, *args, file, county, user, create_units, dry_run, **options):
        try:
            county_obj = County.objects.get(code=county)
        except County.DoesNotExist as e:
            raise CommandError(f"No county with code {county}.") from e
        user_obj = self.user(county_obj, user)
        try:
            source_text, document, data = self.read(file, options)
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from e
        plan = build_plan(county_obj, document)
        if create_units and plan.undecided_units:
            plan = build_plan(
                county_obj,
                document,
                unit_decisions={u.name: u.default_decision for u in plan.undecided_units},
            )
        for line in plan.summary_lines():
            self.stdout.write(line)
        if document.errors or plan.undecided_units or not plan.findings:
            hint = " (--create-units creates the missing units)" if plan.undecided_units else ""
            raise CommandError(f"Not imported: see the messages above{hint}.")
        if dry_run:
            self.stdout.write("Dry run: nothing saved.")
            return
        try:
            batch = import_start(
                user=user_obj,
                county=county_obj,
                kind=self.kind,
                source_name=Path(file).name,
                source_text=source_text,
                data=data,
            )
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from e
        try:
            summary = import_apply(
                user=user_obj,
                county=county_obj,
                plan=plan,
                batch=batch,
                ocr_checked=options.get("ocr_checked", False),
            )
        except ImportRefused as e:
            raise CommandError("; ".join(e.messages)) from e
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {summary['new']} new, {summary['changed']} changed, "
                f"{summary['unchanged']} unchanged findings."
            )
        )

    def user(self, county: County, username: str | None) -> User:
        staff = User.objects.filter(holders(Role.COUNTY_STAFF), county=county)
        user = staff.filter(username=username).first() if username else staff.first()
        if user is None:
            raise CommandError(
                f"No active staff user {username or ''} of county {county.code} to import as."
            )
        return user
