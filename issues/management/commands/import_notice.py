import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from issues.importing import limits, readers
from issues.importing.notice import (
    notice_import_apply,
    notice_import_start,
    notice_plan,
    parse_notice,
)
from issues.importing.services import ImportRefused
from issues.models import Province, Role, User
from issues.permissions import holders


class Command(BaseCommand):
    help = (
        "Import a province's 督查通报 (.docx, .txt, or what readers.read_document reads) as a "
        "notice fanned out to the counties it names, printing the same summary as the preview."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The notice to import ('-' reads text from stdin).")
        parser.add_argument("--province", required=True, help="The province's 6-digit code.")
        parser.add_argument(
            "--user", help="A reviewer of the province (default: its first reviewer)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be done; save nothing."
        )
        parser.add_argument(
            "--ocr-checked",
            action="store_true",
            help="The text recognised by OCR (a scan) was checked line by line: without it "
            "such a notice is refused.",
        )

    def handle(self, *args, file, province, user, dry_run, ocr_checked, **options):
        try:
            province_obj = Province.objects.get(code=province)
        except Province.DoesNotExist as e:
            raise CommandError(f"No province with code {province}.") from e
        user_obj = self.reviewer(province_obj, user)
        try:
            source = self.read(file)
            text = source.text
            plan = notice_plan(province_obj, parse_notice(text))
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from e
        for line in plan.summary_lines():
            self.stdout.write(line)
        if plan.errors:
            raise CommandError("Not imported: see the messages above.")
        if dry_run:
            self.stdout.write("Dry run: nothing saved.")
            return
        try:
            batch = notice_import_start(
                user=user_obj,
                province=province_obj,
                source_name=Path(file).name,
                source_text=text,
                ocr_lines=source.ocr_lines,
            )
            notice = notice_import_apply(user=user_obj, batch=batch, ocr_checked=ocr_checked)
        except ImportRefused as e:
            raise CommandError("; ".join(e.messages)) from e
        except (ValidationError, PermissionDenied) as e:
            raise CommandError(" ".join(getattr(e, "messages", [str(e)]))) from e
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported notice {notice.pk}: {notice.notice_items.count()} items, "
                f"{notice.counties.count()} counties."
            )
        )

    def read(self, path: str) -> readers.DocumentText:
        if path == "-":
            return readers.DocumentText(limits.check_text("stdin", sys.stdin.read()))
        p = Path(path)
        if not p.is_file():
            raise CommandError(f"No such file: {path}")
        with File(p.open("rb"), name=p.name) as f:
            return readers.read_source(f)

    def reviewer(self, province: Province, username: str | None) -> User:
        reviewers = User.objects.filter(holders(Role.PROVINCE_REVIEWER), province=province)
        found = reviewers.filter(username=username).first() if username else reviewers.first()
        if found is None:
            raise CommandError(
                f"No active reviewer {username or ''} of province {province.code} to import as."
            )
        return found
