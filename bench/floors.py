"""Floors: the same data each case shows, read by the least SQL through the cursor and, for
the exports, written by openpyxl (write-only) or python-docx with no styling. A case's time
over its floor is what Django, the templates and the styled exporters add.

The SQL is plain enough to run on SQLite and PostgreSQL alike (COUNT(*) FILTER needs
SQLite 3.30)."""

from __future__ import annotations

import io
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from django.db import connection
from docx import Document
from openpyxl import Workbook

LEAD_UNIT = """(SELECT u.name FROM issues_findingunit fu JOIN issues_unit u ON u.id = fu.unit_id
    WHERE fu.finding_id = f.id AND fu.role = 'responsible' ORDER BY fu."order", fu.id LIMIT 1)"""

LEDGER_COLUMNS = f"""f.id, f.description, f.deadline, f.status, f.is_ongoing, f.closed_on,
    c.code, c.name, r.team, r.start_date, cat.name, cat."order", f."order", {LEAD_UNIT}"""

LEDGER_FROM = """issues_finding f JOIN issues_county c ON c.id = f.county_id
    JOIN issues_review r ON r.id = f.review_id JOIN issues_category cat ON cat.id = f.category_id"""

LEDGER_ORDER = """c.code, r.start_date, f.review_id, cat."order", f."order", f.id"""


# Total, closed, submitted, in progress, overdue, due soon; params: today, today, soon.
TALLY = """COUNT(*),
    COUNT(*) FILTER (WHERE f.status = 'closed'),
    COUNT(*) FILTER (WHERE f.status = 'submitted'),
    COUNT(*) FILTER (WHERE f.status = 'in_progress'),
    COUNT(*) FILTER (WHERE f.status <> 'closed' AND f.deadline < %s),
    COUNT(*) FILTER (WHERE f.status <> 'closed' AND f.deadline >= %s AND f.deadline <= %s)"""


def _tally(where: str) -> str:
    return f"SELECT {TALLY} FROM issues_finding f WHERE {where}"


def _fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def ledger(ctx, *, county: bool = True, filtered: bool = False) -> int:
    """One page of 50 rows and the counts above it: two SELECTs."""
    where, params = "f.archived_at IS NULL", []
    if county:
        where += " AND f.county_id = %s"
        params.append(ctx.county.pk)
    if filtered:
        like = f"%{ctx.search}%"
        where += """ AND f.status = %s
            AND EXISTS (SELECT 1 FROM issues_findingunit x WHERE x.finding_id = f.id
                        AND x.unit_id = %s)
            AND (f.description LIKE %s OR f.result LIKE %s OR EXISTS (
                 SELECT 1 FROM issues_measure m WHERE m.finding_id = f.id AND m.text LIKE %s))"""
        params += ["in_progress", ctx.unit.pk, like, like, like]
    rows = _fetch(
        f"SELECT {LEDGER_COLUMNS} FROM {LEDGER_FROM} WHERE {where} "
        f"ORDER BY {LEDGER_ORDER} LIMIT 50",
        params,
    )
    _fetch(_tally(where), [ctx.today, ctx.today, ctx.soon, *params])
    return len(rows)


def detail(ctx) -> int:
    """The finding, its measures, units, notes, workflow, evidence and history rows."""
    pk = ctx.finding.pk
    queries = [
        """SELECT f.*, c.name, p.name, r.team, cat.name FROM issues_finding f
           JOIN issues_county c ON c.id = f.county_id
           JOIN issues_province p ON p.id = c.province_id
           JOIN issues_review r ON r.id = f.review_id
           JOIN issues_category cat ON cat.id = f.category_id WHERE f.id = %s""",
        """SELECT "order", text FROM issues_measure WHERE finding_id = %s ORDER BY "order", id""",
        """SELECT fu.role, fu."order", u.name FROM issues_findingunit fu
           JOIN issues_unit u ON u.id = fu.unit_id WHERE fu.finding_id = %s
           ORDER BY fu."order", fu.id""",
        """SELECT p.date, p.note, u.username, u.first_name FROM issues_progress p
           JOIN issues_user u ON u.id = p.author_id WHERE p.finding_id = %s
           ORDER BY p.date DESC, p.id DESC""",
        """SELECT s.from_status, s.to_status, s.at, s.comment, u.username
           FROM issues_statuschange s JOIN issues_user u ON u.id = s.actor_id
           WHERE s.finding_id = %s ORDER BY s.at, s.id""",
        """SELECT id, title, date, removed_at FROM issues_evidence WHERE finding_id = %s""",
        """SELECT * FROM issues_historicalfinding WHERE id = %s ORDER BY history_date""",
        """SELECT * FROM issues_historicalmeasure WHERE finding_id = %s ORDER BY history_date""",
        """SELECT * FROM issues_historicalfindingunit WHERE finding_id = %s
           ORDER BY history_date""",
        """SELECT * FROM issues_historicalprogress WHERE finding_id = %s ORDER BY history_date""",
    ]
    return sum(len(_fetch(sql, [pk])) for sql in queries)


def county_dashboard(ctx) -> int:
    c = ctx.county.pk
    params = [ctx.today, ctx.today, ctx.soon]
    where = "f.county_id = %s AND f.archived_at IS NULL"
    queries = [
        (
            f"""SELECT r.id, r.team, r.start_date, {TALLY} FROM issues_finding f
            JOIN issues_review r ON r.id = f.review_id WHERE {where}
            GROUP BY r.id, r.team, r.start_date""",
            [*params, c],
        ),
        (
            f"""SELECT cat.id, cat.name, cat."order", {TALLY} FROM issues_finding f
            JOIN issues_category cat ON cat.id = f.category_id WHERE {where}
            GROUP BY cat.id, cat.name, cat."order"
            """,
            [*params, c],
        ),
        (
            f"""SELECT lead, {TALLY} FROM (SELECT f.*, {LEAD_UNIT} AS lead
            FROM issues_finding f WHERE {where}) f GROUP BY lead""",
            [*params, c],
        ),
        (
            f"""SELECT f.id, f.description, f.deadline, r.team, cat.name, {LEAD_UNIT}
            FROM issues_finding f JOIN issues_review r ON r.id = f.review_id
            JOIN issues_category cat ON cat.id = f.category_id
            WHERE {where} AND f.status <> 'closed' AND f.deadline IS NOT NULL
            ORDER BY f.deadline, f.id LIMIT 8""",
            [c],
        ),
        (
            """SELECT p.date, p.note, f.id, f.description, u.username FROM issues_progress p
            JOIN issues_finding f ON f.id = p.finding_id JOIN issues_user u ON u.id = p.author_id
            WHERE f.county_id = %s AND f.archived_at IS NULL
            ORDER BY p.date DESC, p.id DESC LIMIT 6""",
            [c],
        ),
        (
            """SELECT s.at, f.id, f.description, u.username FROM issues_statuschange s
            JOIN issues_finding f ON f.id = s.finding_id JOIN issues_user u ON u.id = s.actor_id
            WHERE f.county_id = %s AND f.archived_at IS NULL AND s.to_status = 'closed'
            ORDER BY s.at DESC LIMIT 6""",
            [c],
        ),
        (
            f"""SELECT r.start_date, f.created_at, f.closed_on FROM issues_finding f
            JOIN issues_review r ON r.id = f.review_id WHERE {where}""",
            [c],
        ),
        (
            """SELECT i.id, i.key, i.name, i.plan, rd.date, rd.value FROM reports_indicator i
            JOIN issues_project pr ON pr.id = i.project_id
            LEFT JOIN reports_indicatorreading rd ON rd.indicator_id = i.id
            WHERE pr.county_id = %s ORDER BY pr.year DESC, i."order", rd.date""",
            [c],
        ),
    ]
    return sum(len(_fetch(sql, params)) for sql, params in queries)


def province_dashboard(ctx) -> int:
    p = ctx.province.pk
    tallies = _fetch(
        f"""SELECT f.county_id, {TALLY} FROM issues_finding f
        JOIN issues_county c ON c.id = f.county_id
        WHERE c.province_id = %s AND f.archived_at IS NULL GROUP BY f.county_id""",
        [ctx.today, ctx.today, ctx.soon, p],
    )
    counties = _fetch(
        """SELECT c.id, c.code, c.name, pr.batch, i.key, i.plan, rd.date, rd.value
        FROM issues_county c LEFT JOIN issues_project pr ON pr.county_id = c.id
        LEFT JOIN reports_indicator i ON i.project_id = pr.id
        LEFT JOIN reports_indicatorreading rd ON rd.indicator_id = i.id
        WHERE c.province_id = %s ORDER BY c.code, pr.year, rd.date""",
        [p],
    )
    return len(tallies) + len(counties)


def nation(ctx) -> int:
    """Every county's tally and project figures (the page adds them up by province)."""
    tallies = _fetch(
        f"""SELECT f.county_id, {TALLY} FROM issues_finding f
        WHERE f.archived_at IS NULL GROUP BY f.county_id""",
        [ctx.today, ctx.today, ctx.soon],
    )
    counties = _fetch(
        """SELECT c.id, c.code, c.name, c.province_id, pr.batch, i.key, i.plan, rd.date,
        rd.value FROM issues_county c LEFT JOIN issues_project pr ON pr.county_id = c.id
        LEFT JOIN reports_indicator i ON i.project_id = pr.id
        LEFT JOIN reports_indicatorreading rd ON rd.indicator_id = i.id
        ORDER BY c.code, pr.year, rd.date"""
    )
    provinces = _fetch("SELECT id, code, name FROM issues_province ORDER BY code")
    return len(tallies) + len(counties) + len(provinces)


# ---------------------------------------------------------------------------------------
# Exports


def _ledger_data(where: str, params: list):
    """The ledger's rows with their latest note, then measures and unit names: three SELECTs."""
    latest = """(SELECT {col} FROM issues_progress p WHERE p.finding_id = f.id
        ORDER BY p.date DESC, p.id DESC LIMIT 1)"""
    rows = _fetch(
        f"""SELECT f.id, c.name, r.team, cat.name, f.description, f.deadline, f.is_ongoing,
        {latest.format(col="p.date")}, {latest.format(col="p.note")}, f.result, f.status,
        f.closed_on FROM {LEDGER_FROM} WHERE {where} ORDER BY {LEDGER_ORDER}""",
        params,
    )
    measures, units = defaultdict(list), defaultdict(list)
    for finding_id, text in _fetch(
        f"""SELECT m.finding_id, m.text FROM issues_measure m WHERE m.finding_id IN
        (SELECT f.id FROM issues_finding f JOIN issues_county c ON c.id = f.county_id
         WHERE {where}) ORDER BY m.finding_id, m."order", m.id""",
        params,
    ):
        measures[finding_id].append(text)
    for finding_id, role, name in _fetch(
        f"""SELECT fu.finding_id, fu.role, u.name FROM issues_findingunit fu
        JOIN issues_unit u ON u.id = fu.unit_id WHERE fu.finding_id IN
        (SELECT f.id FROM issues_finding f JOIN issues_county c ON c.id = f.county_id
         WHERE {where}) ORDER BY fu.finding_id, fu."order", fu.id""",
        params,
    ):
        units[finding_id].append((role, name))
    return rows, measures, units


def _cells(seq, row, measures, units, today) -> list:
    (pk, _county, team, category, description, deadline, ongoing, note_date, note, result,
     status, closed_on) = row  # fmt: skip
    links = units[pk]
    return [
        seq,
        team,
        category,
        description,
        ";".join(measures[pk]),
        "、".join(n for r, n in links if r == "responsible"),
        "、".join(n for r, n in links if r == "cooperating"),
        str(deadline) + ("并长期坚持" if ongoing else ""),
        f"{note_date}:{note}" if note else "",
        result,
        "已销号" if status == "closed" else "未销号",
        closed_on,
        "是" if status != "closed" and deadline and str(deadline) < str(today) else "否",
    ]


def _xlsx(where: str, params: list, today, *, sheet_per_county: bool) -> int:
    rows, measures, units = _ledger_data(where, params)
    wb = Workbook(write_only=True)
    ws, current, seq = None, None, 0
    if not sheet_per_county:
        ws = wb.create_sheet("整改台账")
    else:
        overview = wb.create_sheet("总览")
        for row in _fetch(
            f"SELECT c.name, COUNT(*) FROM {LEDGER_FROM} WHERE {where} GROUP BY c.name", params
        ):
            overview.append(list(row))
    for row in rows:
        if sheet_per_county and row[1] != current:
            current, seq = row[1], 0
            ws = wb.create_sheet(current[:31])
        seq += 1
        ws.append(_cells(seq, row, measures, units, today))
    out = io.BytesIO()
    wb.save(out)
    return len(out.getvalue())


def province_xlsx(ctx) -> int:
    return _xlsx(
        "f.archived_at IS NULL AND c.province_id = %s",
        [ctx.province.pk],
        ctx.today,
        sheet_per_county=True,
    )


def nation_xlsx(ctx) -> int:
    return _xlsx("f.archived_at IS NULL", [], ctx.today, sheet_per_county=False)


# Where the bench's prepared workbooks go (RECTIFY_PREPARED_WORKBOOKS' MEDIA_ROOT).
PREPARED_MEDIA = Path(tempfile.gettempdir()) / "rectify-bench-media"


def prepared_file(ctx) -> int:
    """The prepared national workbook read from its file: the least serving it can cost."""
    newest = max((PREPARED_MEDIA / "workbooks").glob("nation-all-*.xlsx"), key=os.path.getmtime)
    with open(newest, "rb") as f:
        return sum(len(chunk) for chunk in iter(lambda: f.read(65536), b""))


def ledger_xlsx_10k(ctx) -> int:
    return _xlsx(
        "f.archived_at IS NULL AND f.id <= %s", [ctx.last_of_10k], ctx.today, sheet_per_county=False
    )


def county_docx(ctx) -> int:
    """The report's and the plan's paragraphs, unstyled."""
    rows, measures, units = _ledger_data(
        "f.archived_at IS NULL AND f.county_id = %s", [ctx.county.pk]
    )
    doc = Document()
    for part in ("整改情况报告", "整改方案"):
        doc.add_paragraph(f"{ctx.county.name}{part}")
        for _ in range(6):
            doc.add_paragraph("根据省商务厅、省财政厅关于开展绩效评价工作的通知要求,现报告如下。")
        team = category = None
        for row in rows:
            (pk, _c, r_team, cat, description, deadline, ongoing, _nd, _n, result, status,
             _closed) = row  # fmt: skip
            if r_team != team:
                team = r_team
                doc.add_paragraph(f"({team})发现问题及整改情况")
            if cat != category:
                category = cat
                doc.add_paragraph(category)
            doc.add_paragraph(description)
            doc.add_paragraph("整改措施:" + ";".join(measures[pk]))
            doc.add_paragraph("责任单位:" + "、".join(n for _r, n in units[pk]))
            doc.add_paragraph(f"完成时限:{deadline}{'并长期坚持' if ongoing else ''}")
            if part == "整改情况报告":
                doc.add_paragraph(f"整改结果:{result}")
                doc.add_paragraph("销号情况:" + ("已销号" if status == "closed" else "未销号"))
    out = io.BytesIO()
    doc.save(out)
    return len(out.getvalue())
