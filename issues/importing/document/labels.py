"""The labels of a finding's fields in a document's text: those the parser recognises, and the
one written for each field when a table is turned into text; both from issues.columns, as
the Excel 台账's headers are in `importing/ledger.py`."""

from __future__ import annotations

from issues.columns import COLUMNS

# A 牵头单位: line names the leading units: they come first among the responsible units.
LEAD = "牵头单位"

# 整改措施:… → the field it labels: the labels the Word report and plan write, and others.
FIELD_LABELS = {label: c.key for c in COLUMNS for label in c.document_labels} | {LEAD: "lead"}

# What a table of findings in a .docx is written as, for the parser to read back
# (readers.table_lines): one label per field, each one of FIELD_LABELS. The description is
# the numbered item itself.
TABLE_LABELS = {
    c.key: c.document_labels[0] for c in COLUMNS if c.document_labels and c.key != "description"
}
