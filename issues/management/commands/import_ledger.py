from issues.importing import ledger, readers
from issues.importing.command import ImportCommand
from issues.models import ImportBatch


class Command(ImportCommand):
    help = (
        "Import an Excel 台账 (.xlsx) into a county's ledger, columns recognised by their "
        "headers; prints the same summary as the preview page."
    )
    kind = ImportBatch.Kind.LEDGER

    def read(self, path, options):
        with self.open(path) as f:
            rows = readers.read_workbook(f)
        return "", ledger.parse_rows(rows), {"rows": rows}
