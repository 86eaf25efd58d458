"""A finding's columns, each written once: what the ledger (.xlsx), the Word report and plan
and the web pages call it, the headers and labels the importers recognise for it, how its
value is read from a row and laid out in the .xlsx, how an import compares it, and which of
the finding's model fields the history tells for it.

Every place that lists a finding's fields reads COLUMNS: the .xlsx writer, the documents'
labels, the Excel and document importers' header and label maps, the import's comparison,
the history's sentences and the ledger page's headers. tests/test_columns.py exports a
finding with every importable column set and imports it into another county, column by
column, so a column one of them forgets fails a test.

Headers and labels are the Chinese words of official documents, written as they are
whatever the user's language (gettext_noop marks them for the pages, which translate them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from operator import attrgetter

from django.utils.translation import gettext_lazy, gettext_noop

from rectify.lib.text import chinese_date, deadline_text, measures_text

from .models import Finding, deadline_extended, is_closed_by

# How a closed finding met its deadline (models.Timing), and whether it is closed out, in the
# words of the ledger.
TIMINGS = {"on_time": "按期销号", "extended": "延期后销号", "late": "逾期销号"}
CLOSED, NOT_CLOSED = "已销号", "未销号"
YES, NO = "是", "否"


@dataclasses.dataclass
class FindingRow:
    """One finding as the ledger (.xlsx) and the documents show it, in plain values
    (reports.selectors.ledger_rows reads them)."""

    pk: int
    county: str
    county_code: str
    province: str
    review_id: int
    review: str  # named as the county's ledger names it among its reviews
    category_id: int
    category: str
    category_order: int
    order: int
    description: str
    measures: list[str]
    units: list[str]
    cooperating: list[str]
    deadline: dt.date | None
    is_ongoing: bool
    original_deadline: dt.date | None  # 原定完成时限, shown when an extension moved it
    latest_progress_date: dt.date | None
    latest_progress: str
    result: str
    status: str
    # The other text columns' values (责任领导, …), by key: see OWN_TEXTS.
    texts: dict[str, str]
    closed_on: dt.date | None
    timing: str  # Timing of a closed finding (按期 / 延期后 / 逾期销号), else ""
    overdue: bool
    # A report tells a finding as closed only if it was closed by the report's date.
    as_of: dt.date | None = None
    number: int = 0  # its number within its category, as the documents number findings

    @property
    def is_closed(self) -> bool:
        if self.as_of is None:
            return self.status == Finding.Status.CLOSED
        return is_closed_by(status=self.status, closed_on=self.closed_on, day=self.as_of)

    @property
    def is_extended(self) -> bool:
        return deadline_extended(self.deadline, self.original_deadline)


# The text columns FindingRow, services.FindingData and importing's ParsedFinding carry as
# attributes of their own, as much code reads them by name; any other text column's value is in
# their `texts`, so that a new text column adds no attribute to them (Column.text_of).
OWN_TEXTS = ("description", "result")


# How a column's cell is laid out in the .xlsx.
TEXT = "text"  # wrapped, on the left
SHORT = "short"  # centred
DATE = "date"  # a date, formatted 2019年9月30日
FLAG = "flag"  # 是 (in red) / 否
NUMBER = "number"  # the sheet's running number

# How an import compares the column's value in the document with the ledger's (issues/
# importing/plan.py: one function for each).
SAME_TEXT = "same_text"  # a text: different unless the same but for spacing and punctuation
LIST = "list"  # items in order (measures), compared only when the document has some
UNITS = "units"  # unit names, compared as the units they stand for
DEADLINE = "deadline"  # filled in when the ledger has none; a different date takes a 延期
CATEGORY = "category"
PROGRESS = "progress"  # a note the ledger does not have yet is added
CLOSEOUT = "closeout"  # never applied: closing out is the workflow's


@dataclasses.dataclass(frozen=True)
class Column:
    key: str  # its name in FindingRow's values and in what the importers read
    header: str  # its header in the .xlsx, and its label in the Word documents
    value: Callable[[FindingRow], object] | None = None  # None: the sheet's running number
    width: int = 10  # in the .xlsx, in characters
    cell: str = TEXT
    # The .xlsx cell's value when it is not `value`: the deadline is a date cell there (sorted
    # and filtered by date) and the documents' text (2019年9月30日前，并长期坚持) elsewhere.
    cell_value: Callable[[FindingRow], object] | None = None
    page_label: str = ""  # its name on the pages, when not the header
    # The Excel importer recognises the header and these; the document importer these labels
    # (整改措施:…) and the labels the documents write.
    headers: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    # Its value goes into the finding on import (the round trip); False for the columns
    # the ledger derives (the original deadline, the close-out's date and timing, …), and
    # for 长期坚持, which the Excel importer reads into the deadline (their one comparison).
    imported: bool = True
    compare: str = ""  # how an import compares it (above); "" if it never changes a finding
    nation: bool = False  # only on the nation's sheets, whose rows span counties
    report: bool = False  # written under each finding of the Word report
    plan: int = 0  # its place under each finding of the plan (0: not there)
    plan_header: str = ""  # the plan's own name for it
    # The finding's model fields the history tells for this column, in order.
    history: tuple[str, ...] = ()
    # A text column: the finding's model field it copies as it is (问题描述, 整改结果, …). Its
    # value is read into the row, saved through the services, compared on import (SAME_TEXT)
    # and told by the history alike, so that such a column is this entry and its model field.
    field: str = ""

    def __post_init__(self):
        if self.field:
            object.__setattr__(self, "value", self.value or self.text_of)
            object.__setattr__(self, "compare", self.compare or SAME_TEXT)
            object.__setattr__(self, "history", self.history or (self.field,))

    @property
    def label(self):
        """Its name on the pages, translated (lazily: tables of them are built at import)."""
        return gettext_lazy(self.page_label or self.header)

    def text(self, row: FindingRow) -> str:
        """The value as the documents write it."""
        value = self.value(row) if self.value else row.number
        if isinstance(value, dt.date):
            return chinese_date(value)
        if isinstance(value, bool):
            return YES if value else NO
        return "" if value is None else str(value)

    def text_of(self, obj, default: str | None = "") -> str | None:
        """A text column's value in a FindingRow, services.FindingData or ParsedFinding
        (`default` when it has none)."""
        if self.key in OWN_TEXTS:
            return getattr(obj, self.key)
        return obj.texts.get(self.key, default)

    def set_text(self, obj, text: str) -> None:
        if self.key in OWN_TEXTS:
            setattr(obj, self.key, text)
        else:
            obj.texts[self.key] = text

    @property
    def sheet_headers(self) -> list[str]:
        """The headers the Excel importer reads the column under ([] if it does not read it)."""
        return [self.header, *self.headers] if self.imported or self.headers else []

    def document_label(self, *, plan: bool) -> str:
        """Its label under a finding of the Word report, or of the plan."""
        return (self.plan_header or self.header) if plan else self.header

    @property
    def document_labels(self) -> list[str]:
        """The labels of the column in a document, the one the documents write first."""
        written = [self.header] if self.report or self.plan else []
        written += [self.plan_header] if self.plan_header else []
        return list(dict.fromkeys([*written, *self.labels]))


def _progress(row: FindingRow) -> str:
    if row.latest_progress and row.latest_progress_date:
        return f"{chinese_date(row.latest_progress_date)}:{row.latest_progress}"
    return row.latest_progress


COLUMNS: list[Column] = [
    Column("number", gettext_noop("序号"), None, 6, NUMBER, headers=("编号",), imported=False),
    Column("county", gettext_noop("区县"), attrgetter("county"), 16, imported=False, nation=True),
    Column(
        "review",
        gettext_noop("问题来源"),
        attrgetter("review"),
        14,
        headers=("来源", "检查", "反馈来源"),
        history=("review",),
    ),
    Column(
        "category",
        gettext_noop("问题类别"),
        attrgetter("category"),
        16,
        headers=("类别", "问题类型", "问题分类"),
        compare=CATEGORY,
        history=("category", "order"),  # and its place in the category
    ),
    Column(
        "description",
        gettext_noop("问题描述"),
        attrgetter("description"),
        40,
        headers=(
            "问题",
            "反馈问题",
            "存在问题",
            "存在的问题",
            "问题内容",
            "问题清单",
            "主要问题",
            "具体问题",
            "问题表现",
        ),
        labels=("问题描述", "存在问题"),
        field="description",
    ),
    Column(
        "measures",
        gettext_noop("整改措施"),
        lambda r: measures_text(r.measures),
        50,
        headers=("整改举措", "具体措施", "措施"),
        labels=("整改举措",),
        compare=LIST,
        report=True,
        plan=1,
    ),
    Column(
        "units",
        gettext_noop("责任单位"),
        lambda r: "、".join(r.units),
        20,
        headers=("牵头单位", "责任部门", "牵头部门", "责任主体"),
        compare=UNITS,
        report=True,
        plan=3,
    ),
    Column(
        "cooperating",
        gettext_noop("配合单位"),
        lambda r: "、".join(r.cooperating),
        16,
        headers=("协同单位", "配合部门", "协同部门"),
        labels=("协同单位",),
        compare=UNITS,
        report=True,
        plan=4,
    ),
    Column(
        "deadline",
        gettext_noop("完成时限"),
        lambda r: deadline_text(r.deadline, r.is_ongoing),
        16,
        DATE,
        cell_value=attrgetter("deadline"),
        headers=("整改时限", "时限", "完成时间", "整改期限", "完成期限", "时限要求"),
        labels=("完成时间", "时限要求", "整改期限"),
        compare=DEADLINE,
        report=True,
        plan=2,
        plan_header="整改时限",
        history=("deadline", "is_ongoing"),
    ),
    # In the .xlsx 并长期坚持 has a column of its own, beside the date cell: it can be filtered
    # on, and it prints (a cell note would do neither).
    Column(
        "ongoing",
        gettext_noop("长期坚持"),
        lambda r: YES if r.is_ongoing else "",
        8,
        SHORT,
        headers=("并长期坚持", "是否长期坚持"),
        imported=False,
    ),
    Column(
        "original_deadline",
        gettext_noop("原定完成时限"),
        lambda r: r.original_deadline if r.is_extended else None,  # when an extension moved it
        14,
        DATE,
        imported=False,  # an extension is a request, not an import
    ),
    Column(
        "progress",
        gettext_noop("最新进展"),
        _progress,
        36,
        page_label=gettext_noop("整改进展"),
        headers=("整改进展", "进展情况"),
        labels=("整改进展", "进展情况"),
        compare=PROGRESS,
    ),
    Column(
        "result",
        gettext_noop("整改结果"),
        attrgetter("result"),
        40,
        headers=("整改情况", "完成情况"),
        labels=("整改情况", "整改成效", "完成情况"),
        report=True,
        field="result",
    ),
    Column(
        "closeout",
        gettext_noop("销号情况"),
        lambda r: CLOSED if r.is_closed else NOT_CLOSED,
        10,
        SHORT,
        headers=("是否销号",),
        labels=("是否销号",),
        compare=CLOSEOUT,
        report=True,
        # Status changes are told by the workflow's own records.
    ),
    Column(
        "closed_on",
        gettext_noop("销号日期"),
        attrgetter("closed_on"),
        14,
        DATE,
        imported=False,  # the document's date
        history=("closed_on",),
    ),
    Column(
        "timing",
        gettext_noop("是否按期销号"),
        lambda r: TIMINGS.get(r.timing, ""),
        11,
        SHORT,
        imported=False,  # counted against the original deadline
    ),
    Column("overdue", gettext_noop("是否逾期"), attrgetter("overdue"), 9, FLAG, imported=False),
]
COLUMN = {c.key: c for c in COLUMNS}


def ledger_columns(*, nation: bool = False) -> list[Column]:
    """The .xlsx ledger's columns, in order; the nation's sheets add each row's county."""
    return [c for c in COLUMNS if nation or not c.nation]


def report_columns() -> list[Column]:
    """What the Word report writes under each finding, in the ledger's order."""
    return [c for c in COLUMNS if c.report]


def plan_columns() -> list[Column]:
    """What the plan writes under each finding: what will be done, by when, by whom."""
    return sorted((c for c in COLUMNS if c.plan), key=lambda c: c.plan)


def text_columns() -> list[Column]:
    """The finding's own texts (问题描述, 整改结果, …), each its model field copied as it is:
    read, saved, compared and told alike (Column.field)."""
    return [c for c in COLUMNS if c.field]


def text_values(texts: dict[str, str]) -> dict:
    """Text columns' values by key as the row types take them: 问题描述 and 整改结果 as their
    own attributes, the others in `texts` (OWN_TEXTS)."""
    own = {key: text for key, text in texts.items() if key in OWN_TEXTS}
    return {**own, "texts": {key: text for key, text in texts.items() if key not in OWN_TEXTS}}


def history_fields() -> list[str]:
    """The finding's model fields whose changes the history tells, in the columns' order."""
    return [name for c in COLUMNS for name in c.history]
