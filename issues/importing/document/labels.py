"""The labels of a finding's fields in a document's text: those the parser recognises, the one
written for each field when a table is turned into text, and the names used in its notes.

(The Excel 台账's column headers are in `importing/ledger.py`.)"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

# 整改措施:… → the field it labels.
FIELD_LABELS = {
    "问题描述": "description",
    "存在问题": "description",
    "整改措施": "measures",
    "整改举措": "measures",
    "整改时限": "deadline",
    "完成时限": "deadline",
    "完成时间": "deadline",
    "时限要求": "deadline",
    "整改期限": "deadline",
    "责任单位": "units",
    "牵头单位": "lead",
    "配合单位": "cooperating",
    "协同单位": "cooperating",
    "整改结果": "result",
    "整改情况": "result",
    "整改成效": "result",
    "完成情况": "result",
    "整改进展": "progress",
    "进展情况": "progress",
    "销号情况": "closeout",
    "是否销号": "closeout",
}

# What a table of findings in a .docx is written as, for the parser to read back
# (readers.table_lines): one label per field, each one of FIELD_LABELS.
TABLE_LABELS = {
    "measures": "整改措施",
    "units": "责任单位",
    "cooperating": "配合单位",
    "deadline": "完成时限",
    "progress": "整改进展",
    "result": "整改结果",
    "closeout": "销号情况",
}

# A field's name in a note on where a report and its plan disagree.
FIELD_NAMES = {
    "description": gettext_lazy("问题描述"),
    "measures": gettext_lazy("整改措施"),
    "units": gettext_lazy("责任单位"),
    "cooperating": gettext_lazy("配合单位"),
    "deadline": gettext_lazy("完成时限"),
}
