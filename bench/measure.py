"""Timing, query counting and memory of the cases, and the table they make."""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import statistics
import time
import tracemalloc

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from .cases import Case, Context, NotAvailable


@dataclasses.dataclass
class Result:
    name: str
    label: str
    target: str = ""
    median_ms: float | None = None
    p95_ms: float | None = None
    runs: int = 0
    queries: int | None = None
    floor_ms: float | None = None
    floor_queries: int | None = None
    ratio: float | None = None
    ok: bool | None = None
    peak_mb: float | None = None
    floor_peak_mb: float | None = None
    rss_mb: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.median_ms is None:
            return "n/a"
        if self.ok is None:
            return "—"
        return "ok" if self.ok else "missed"


def p95(samples: list[float]) -> float:
    """Nearest rank: with ten samples, the slowest."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class _Rollback(Exception):
    pass


def _call(fn, ctx: Context, writes: bool):
    if not writes:
        return fn(ctx)
    try:
        with transaction.atomic():
            fn(ctx)
            raise _Rollback
    except _Rollback:
        pass


def timed(fn, ctx: Context, *, warmup: int, repeat: int, writes: bool = False):
    """(median ms, p95 ms, queries): the queries of the first warm-up run, then the times of
    `repeat` runs made without the query log."""
    with CaptureQueriesContext(connection) as captured:
        _call(fn, ctx, writes)
    # Now: the captured list is a view of the connection's log, which each request resets.
    queries = len(captured.captured_queries)
    for _ in range(max(0, warmup - 1)):
        _call(fn, ctx, writes)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        _call(fn, ctx, writes)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), p95(samples), queries


def peak_mb(fn, ctx: Context) -> float:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn(ctx)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run_case(case: Case, ctx: Context, *, warmup: int, repeat: int, memory: bool) -> Result:
    result = Result(case.name, case.label, str(case.target or ""))
    try:
        if case.setup is not None:
            case.setup(ctx)
        result.median_ms, result.p95_ms, result.queries = timed(
            case.run, ctx, warmup=warmup, repeat=repeat, writes=case.writes
        )
    except NotAvailable as exc:
        result.note = str(exc)
        return result
    result.runs = repeat
    if case.floor is not None:
        result.floor_ms, _, result.floor_queries = timed(
            case.floor, ctx, warmup=warmup, repeat=repeat
        )
        result.ratio = result.median_ms / result.floor_ms if result.floor_ms else None
    if memory and case.memory:
        result.peak_mb = peak_mb(case.run, ctx)
        if case.floor is not None:
            result.floor_peak_mb = peak_mb(case.floor, ctx)
    if case.target is not None:
        result.ok = case.target.holds(result.median_ms, result.queries, result.ratio)
    return result


def _num(value, fmt: str = "{:.1f}") -> str:
    return "—" if value is None else fmt.format(value)


HEADERS = ["case", "median ms", "p95 ms", "queries", "floor ms", "ratio", "target", "ok"]


def table(results: list[Result]) -> str:
    rows = [
        [
            r.name,
            _num(r.median_ms),
            _num(r.p95_ms),
            _num(r.queries, "{}"),
            _num(r.floor_ms),
            _num(r.ratio, "{:.2f}×"),
            r.target or "—",
            r.verdict,
        ]
        for r in results
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(HEADERS, *rows, strict=True)]
    lines = [
        " | ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)),
        "-+-".join("-" * w for w in widths),
    ]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [str(c).rjust(w) for c, w in zip(row[1:6], widths[1:6], strict=True)]
        cells += [str(c).ljust(w) for c, w in zip(row[6:], widths[6:], strict=True)]
        lines.append(" | ".join(cells))
    notes = []
    for r in results:
        extra = []
        if r.peak_mb is not None:
            extra.append(f"peak {r.peak_mb:.1f} MB (floor {_num(r.floor_peak_mb)} MB, tracemalloc)")
        if r.rss_mb is not None:
            extra.append(f"max RSS {r.rss_mb:.0f} MB (own process)")
        if r.note:
            extra.append(r.note)
        if extra:
            notes.append(f"  {r.name}: " + "; ".join(extra))
    return "\n".join(lines + ([""] + notes if notes else []))


def machine() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if "model name" in line), "")
    except OSError:
        pass
    memory_gb = None
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "database": connection.vendor,
        "database_version": _db_version(),
    }


def _db_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            return ""
        return cursor.fetchone()[0]
