import sys

from issues.importing import readers
from issues.importing.command import ImportCommand
from issues.importing.document import parse_document
from issues.models import ImportBatch, Review


class Command(ImportCommand):
    help = (
        "Import a feedback list, 整改方案 or 整改情况报告 (.docx or .txt) into a county's ledger, "
        "printing the same summary as the preview page."
    )
    kind = ImportBatch.Kind.DOCUMENT

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--review-kind",
            default=Review.Kind.MOFCOM_REVIEW,
            choices=Review.Kind.values,
            help="The review the findings belong to when the document does not name its team.",
        )

    def read(self, path, options):
        if path == "-":
            text = readers.text_tables(sys.stdin.read())
        else:
            with self.open(path) as f:
                text = readers.read_document(f)
        document = parse_document(text, default_kind=options["review_kind"])
        return text, document, document.to_dict()
