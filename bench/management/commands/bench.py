"""python manage.py bench: national-scale synthetic data, then the pages and exports timed
against their floors. See docs/performance.md."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from bench import generate
from bench.cases import CASES, Context
from bench.measure import machine, run_case, table


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Generate synthetic national-scale data (bench data only: refuses a database holding "
        "anything else unless --force) and time the ledger, detail, dashboards and exports "
        "against their SQL/writer floors."
    )

    def add_arguments(self, parser):
        scale = generate.Scale()
        parser.add_argument("--counties", type=_positive, default=scale.counties)
        parser.add_argument(
            "--findings-per-county", type=_positive, default=scale.findings_per_county
        )
        parser.add_argument(
            "--progress-per-finding", type=_positive, default=scale.progress_per_finding
        )
        parser.add_argument("--seed", type=int, default=scale.seed)
        parser.add_argument("--repeat", type=_positive, default=10, help="timed runs per case")
        parser.add_argument("--warmup", type=_positive, default=1, help="untimed runs first")
        parser.add_argument(
            "--heavy-repeat",
            type=_positive,
            default=3,
            help="timed runs of the large exports (at most --repeat)",
        )
        parser.add_argument("--regenerate", action="store_true", help="wipe bench data first")
        parser.add_argument(
            "--force", action="store_true", help="run on a database that holds other data too"
        )
        parser.add_argument("--json", dest="json_path", help="also write the results here")
        parser.add_argument("--only", help="comma-separated case names")
        parser.add_argument("--generate-only", action="store_true")
        parser.add_argument(
            "--no-memory", action="store_true", help="skip the tracemalloc runs of the exports"
        )
        parser.add_argument(
            "--no-rss",
            action="store_true",
            help="skip measuring the nation export's max RSS in a child process",
        )
        # Internal: run one case in this process and print its max RSS.
        parser.add_argument("--probe", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        scale = generate.Scale(
            counties=options["counties"],
            findings_per_county=options["findings_per_county"],
            progress_per_finding=options["progress_per_finding"],
            seed=options["seed"],
        )
        # Measure what production runs: DEBUG off; the test client's host allowed.
        overrides = {"DEBUG": False, "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"] and not manifest.exists():
            # No collectstatic run: plain static URLs (a dict lookup less per {% static %}).
            overrides["STORAGES"] = {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
        with override_settings(**overrides):
            if options["probe"]:
                return self._probe(options["probe"])
            self._prepare(scale, options)
            if options["generate_only"]:
                return
            self._bench(scale, options)

    def _prepare(self, scale: generate.Scale, options) -> None:
        foreign = generate.foreign_data()
        if foreign and not options["force"]:
            kinds = ", ".join(f"{n} {kind}" for kind, n in foreign.items())
            raise CommandError(
                f"This database holds data the benchmark did not make ({kinds}). Run the "
                "benchmark on its own database (e.g. DATABASE_URL=sqlite:////tmp/bench.sqlite3) "
                "or pass --force to add bench data beside it."
            )
        marker = generate.existing_marker()
        if marker == scale.marker and not options["regenerate"]:
            self.stdout.write(f"Reusing bench data ({marker}).")
            return
        if generate.has_data():
            reason = "--regenerate" if marker == scale.marker else f"had: {marker or 'incomplete'}"
            self.stdout.write(f"Wiping bench data ({reason})…")
            generate.wipe()
        self.stdout.write(f"Generating {scale.marker} on {connection.vendor}…")
        start = time.perf_counter()
        generate.generate(scale, log=self.stdout.write)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # what autovacuum would soon do on its own
        self.stdout.write(f"Generated in {time.perf_counter() - start:.0f} s.")

    def _cases(self, options):
        if not options["only"]:
            return CASES
        names = set(options["only"].split(","))
        unknown = names - {c.name for c in CASES}
        if unknown:
            raise CommandError(f"Unknown cases: {', '.join(sorted(unknown))}")
        return [c for c in CASES if c.name in names]

    def _bench(self, scale: generate.Scale, options) -> None:
        ctx = Context.load()
        info = machine()
        self.stdout.write(
            f"{info['database']} {info['database_version']} · {info['cpus']} CPU "
            f"{info['cpu']} · {info['memory_gb']} GB · scale {scale.marker} · "
            f"county {ctx.county.code}, province {ctx.province.code}"
        )
        results = []
        for case in self._cases(options):
            repeat = min(options["repeat"], options["heavy_repeat"]) if case.heavy else None
            self.stdout.write(f"  {case.name}…", ending="")
            self.stdout.flush()
            result = run_case(
                case,
                ctx,
                warmup=options["warmup"],
                repeat=repeat or options["repeat"],
                memory=not options["no_memory"],
            )
            if case.name == "nation_xlsx" and result.median_ms is not None:
                if not options["no_rss"]:
                    result.rss_mb = self._child_rss(case.name)
            self.stdout.write(f" {result.verdict}")
            results.append(result)
        self.stdout.write("")
        self.stdout.write(table(results))
        if options["json_path"]:
            data = {
                "machine": info,
                "scale": {**dataclasses.asdict(scale), "provinces": scale.provinces},
                "repeat": options["repeat"],
                "heavy_repeat": options["heavy_repeat"],
                "warmup": options["warmup"],
                "today": ctx.today.isoformat(),
                "cases": [dataclasses.asdict(r) | {"verdict": r.verdict} for r in results],
            }
            Path(options["json_path"]).write_text(
                json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(f"Wrote {options['json_path']}.")

    def _child_rss(self, name: str) -> float | None:
        """Max RSS of a fresh process that runs the case once (Django loaded, data set up)."""
        proc = subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--probe", name],
            capture_output=True,
            text=True,
            env=os.environ,
            check=False,
        )
        try:
            return json.loads(proc.stdout.strip().splitlines()[-1])["rss_mb"]
        except (IndexError, ValueError, KeyError):
            self.stderr.write(f"RSS probe failed: {proc.stderr[-500:]}")
            return None

    def _probe(self, name: str) -> None:
        case = next(c for c in CASES if c.name == name)
        ctx = Context.load()
        before = _peak_rss_mb()
        case.run(ctx)
        after = _peak_rss_mb()
        self.stdout.write(json.dumps({"rss_mb": after, "rss_before_mb": before}))


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec; ru_maxrss of a
    child started by fork and exec keeps the parent's peak on Linux, which made the probe
    report the bench process's own memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
