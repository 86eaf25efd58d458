"""An Excel 台账 read into the same structure as a document: the header row is found among the
first rows, columns are recognised by their usual headers (the user maps the rest), and each
row becomes a finding under its review (问题来源) and category (问题类别)."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from issues.columns import COLUMNS, YES, text_columns

from .cells import text_rows
from .cleaning import drop_repeats, structural
from .deadlines import ONGOING, DeadlineError, parse_deadline, year_in
from .document.parsed import Note, ParsedCategory, ParsedDocument, ParsedFinding, ParsedReview
from .document.values import category_name, review_kind, review_team, split_measures, split_units

# The columns the mapping step offers, and the headers each is recognised by (issues.columns:
# our own export's headers among them, so that it imports back).
FIELDS = {c.key: c.label for c in COLUMNS if c.sheet_headers} | {"": gettext_lazy("（不导入）")}
HEADERS = {header: c.key for c in COLUMNS for header in c.sheet_headers}
# Columns an import leaves alone: those our own export derives (the original deadline and the
# close-out's date and timing are the ledger's own record; an extension is a request, not an
# import), and a few others ledgers have.
IGNORED = {c.header for c in COLUMNS if not c.sheet_headers} | {"备注", "逾期", "状态"}
PROGRESS_DATE = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日)\s*[::]\s*")


def _header_key(text: str) -> str:
    """A header as it is recognised: 责任单位（牵头） and 完成时限 (截止日期) as their word."""
    return re.sub(r"\([^)]*\)|[\s*※]", "", structural(text))


def detect(cell: str) -> str | None:
    key = _header_key(cell)
    if key in HEADERS:
        return HEADERS[key]
    return None


def with_ongoing(deadline: str, ongoing: str) -> str:
    """The deadline as one text, 并长期坚持 from a column of its own added (our export writes
    the date as a date cell and 长期坚持 beside it: 是)."""
    flagged = ongoing.strip() in (YES, "√", "✓", "✔") or ONGOING.search(ongoing)
    if not flagged or ONGOING.search(deadline):
        return deadline
    return f"{deadline}，并长期坚持" if deadline else "长期坚持"


def find_header(rows: list[list[str]], search: int = 10) -> int | None:
    """The index of the row that reads most like a header (at least a 问题描述 column)."""
    rows = text_rows(rows[:search])
    best, best_score = None, 0
    for i, row in enumerate(rows):
        fields = [detect(c) for c in row if c]
        score = len([f for f in fields if f])
        if "description" in fields and score > best_score:
            best, best_score = i, score
    return best


def columns(rows: list[list[str]]) -> list[dict]:
    """The header row's columns with what each was recognised as (for the mapping step)."""
    rows = text_rows(rows)
    header = find_header(rows)
    if header is None:
        header = next((i for i, r in enumerate(rows[:10]) if sum(1 for c in r if c) >= 2), 0)
    cells = rows[header] if rows else []
    out = []
    for i, cell in enumerate(cells):
        if not cell:
            continue
        field = detect(cell)
        out.append(
            {
                "index": i,
                "header": cell,
                "field": field or "",
                "known": field is not None or _header_key(cell) in IGNORED,
                "sample": next((r[i] for r in rows[header + 1 :] if i < len(r) and r[i]), ""),
            }
        )
    return out


def default_mapping(rows: list[list[str]]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns(rows):
        field = col["field"]
        if field and field not in taken:
            mapping[str(col["index"])] = field
            taken.add(field)
    return mapping


def parse_rows(rows: list[list[str]], mapping: dict[str, str] | None = None) -> ParsedDocument:
    doc = ParsedDocument(kind="ledger")
    rows = text_rows(rows)
    header = find_header(rows)
    if mapping is None:
        if header is None:
            doc.errors.append(
                Note(
                    None,
                    "",
                    _("前10行中没有找到表头（至少要有“问题描述”一列），请在下方指定各列。"),
                )
            )
            return doc
        mapping = default_mapping(rows)
    if header is None:
        header = next((i for i, r in enumerate(rows[:10]) if sum(1 for c in r if c) >= 2), 0)
    cols = {field: int(i) for i, field in mapping.items() if field}
    if "description" not in cols:
        doc.errors.append(Note(header + 1, "", _("请指定“问题描述”所在的列。")))
        return doc
    title = " ".join(c for r in rows[:header] for c in r if c)
    doc.title = title[:200]
    year = year_in(title)

    reviews: dict[str, ParsedReview] = {}
    categories: dict[tuple[str, str], ParsedCategory] = {}
    last_description = None
    section = ""  # the category a heading row spanning the table names
    for r, row in enumerate(rows[header + 1 :], start=header + 2):
        get = getter(row, cols)
        description = get("description")
        heading = section_heading(row)
        if heading:
            section = heading
            continue
        if not description:
            if any(c for c in row):
                if not re.match(r"^(合计|小计|总计|说明|注)", "".join(c for c in row if c)):
                    doc.unplaced.append(
                        Note(r, " | ".join(c for c in row if c)[:200], _("没有问题描述的行"))
                    )
            continue
        if description == last_description and get("number") == "":
            continue  # a merged description spanning rows
        last_description = description
        source = get("review")
        review = reviews.get(source)
        if review is None:
            review = ParsedReview(
                heading=source,
                team=review_team(source) or source[:100],
                kind=review_kind(source),
                line=r,
            )
            reviews[source] = review
            doc.reviews.append(review)
        cat_name = category_name(get("category") or section) or _("未分类问题")
        category = categories.get((source, cat_name))
        if category is None:
            category = ParsedCategory(cat_name, r)
            categories[(source, cat_name)] = category
            review.categories.append(category)
        category.findings.append(row_finding(get, line=r, year=year, errors=doc.errors))
    return doc


def getter(row: list[str], cols: dict[str, int]) -> Callable[[str], str]:
    """The cell of a row that a field is mapped to (cols: field → column index)."""

    def get(field: str) -> str:
        i = cols.get(field)
        return row[i].strip() if i is not None and i < len(row) and row[i] else ""

    return get


def row_finding(get: Callable[[str], str], *, line: int, year: int | None, errors: list[Note]):
    """A row's finding: its texts, the measures split (一是…二是…, 1.… 2.…), the units split
    (the first one leading), the deadline read as everywhere else; a deadline that cannot be
    read is added to `errors`."""
    f = ParsedFinding(line=line)
    for column in text_columns():  # 问题描述, 整改结果, …
        column.set_text(f, drop_repeats(get(column.key)))
    f.measures = split_measures(get("measures"))
    f.units = split_units(get("units"))
    f.cooperating = [u for u in split_units(get("cooperating")) if u not in f.units]
    progress = get("progress")
    m = PROGRESS_DATE.match(progress)
    if m:
        progress = progress[m.end() :]
    f.progress = progress.strip()
    f.closeout = structural(get("closeout")).strip()
    f.deadline_text = with_ongoing(get("deadline"), get("ongoing"))
    if f.deadline_text:
        try:
            deadline = parse_deadline(f.deadline_text, year=year_in(f.deadline_text) or year)
        except DeadlineError:
            errors.append(
                Note(
                    line,
                    f.deadline_text,
                    _("第%(row)d行：无法识别的完成时限「%(text)s」")
                    % {"row": line, "text": f.deadline_text},
                )
            )
        else:
            f.deadline = deadline.date.isoformat() if deadline.date else None
            f.is_ongoing = deadline.is_ongoing
    return f


HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+[类部分]*)"
)


def section_heading(row: list[str]) -> str:
    """The category a row names when it is one cell spanning a table of three or more
    columns (一、产业发展方面, 基础设施方面), else ""."""
    values = {c.strip() for c in row if c and c.strip()}
    if len(row) < 3 or len(values) != 1:
        return ""
    text = structural(values.pop())
    if len(text) > 40 or not (HEADING.match(text) or re.search(r"(方面|方面问题|类问题)$", text)):
        return ""
    return category_name(HEADING.sub("", text).strip())
