import sys

from issues.importing import readers
from issues.importing.command import ImportCommand
from issues.importing.document import parse_document
from issues.models import ImportBatch, Review


class Command(ImportCommand):
    help = (
        "Import a feedback list, 整改方案 or 整改情况报告 (.docx, .doc, .wps, .rtf, .odt, .pdf, "
        ".png, .jpg or .txt) into a county's ledger, printing the same summary as the preview "
        "page."
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
        parser.add_argument(
            "--ocr-checked",
            action="store_true",
            help="The text recognised by OCR (a scan, a photograph) was checked line by line: "
            "without it such a file is refused.",
        )

    def read(self, path, options):
        if path == "-":
            source = readers.DocumentText(readers.text_tables(sys.stdin.read()))
        else:
            with self.open(path) as f:
                source = readers.read_source(f)
        document = parse_document(source.text, default_kind=options["review_kind"])
        document.ocr_lines = source.ocr_lines
        return source.text, document, document.to_dict()
