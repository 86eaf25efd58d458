#!/usr/bin/env python3
"""A bounded load test of a running Rectify: simulated users log in and browse the ledger
(plain, filtered, searched), findings' pages and their dashboards for a fixed time, back to
back (closed loop: a user sends the next request when the last one has answered). Prints, for
each number of concurrent users, requests/s, median and p95 latency and failures, overall and
per kind of page. Standard library only.

    make serve &                       # or any running server
    .venv/bin/python scripts/loadtest.py --users 10,50 --duration 30

The accounts are the demo users (password from --password, $DEMO_PASSWORD or .demo-password);
give others with --accounts. Each account logs in once and its session is shared by the users
simulated with it. Only GET requests after the login: nothing is changed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path

DEMO_ACCOUNTS = [
    "staff-510811",
    "leader-510811",
    "reviewer-510000",
    "staff-360926",
    "leader-360926",
    "reviewer-360000",
    "admin",
]
# What a user looks at, and how often (weights).
MIX = [
    ("ledger", 30),
    ("ledger filtered", 15),
    ("ledger search", 10),
    ("detail", 30),
    ("dashboard", 15),
]
SEARCH_WORDS = ["公共服务中心", "培训", "站点", "资金", "物流"]


class Session:
    """One HTTP connection (kept alive where the server allows) with its cookies."""

    def __init__(self, base: str, cookies: dict[str, str] | None = None, timeout: float = 120):
        url = urllib.parse.urlsplit(base)
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        headers = {
            "Host": f"{self.host}:{self.port}",
            "Accept-Language": "zh-hans",
            **(headers or {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed a kept-alive connection: reconnect once (GETs only).
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt == 2 or method != "GET":
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response, content

    def login(self, username: str, password: str) -> str:
        """Logs in through the login form; returns the landing page's path."""
        status, _, content = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if status != 200 or not token:
            raise RuntimeError(f"login page: HTTP {status}")
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1).decode(),
            }
        )
        status, response, _ = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not log in (HTTP {status})")
        # Follow "/" to the user's own landing page (county, province or nation).
        path = urllib.parse.urlsplit(response.getheader("Location", "/")).path
        for _ in range(3):
            status, response, _ = self.request("GET", path)
            if status not in (301, 302):
                break
            path = urllib.parse.urlsplit(response.getheader("Location")).path
        return path


def discover(session: Session) -> list[int]:
    """The findings this user can see on the first ledger page."""
    status, _, content = session.request("GET", "/findings/")
    if status != 200:
        raise RuntimeError(f"/findings/: HTTP {status}")
    return sorted({int(n) for n in re.findall(rb'href="/findings/(\d+)/"', content)})


def page(kind: str, rng: random.Random, landing: str, findings: list[int]) -> str:
    if kind == "ledger":
        return "/findings/"
    if kind == "ledger filtered":
        return rng.choice(
            [
                "/findings/?status=open",
                "/findings/?not_closed=on&overdue=on",
                "/findings/?o=deadline",
            ]
        )
    if kind == "ledger search":
        return "/findings/?" + urllib.parse.urlencode({"q": rng.choice(SEARCH_WORDS)})
    if kind == "detail" and findings:
        return f"/findings/{rng.choice(findings)}/"
    return landing


def scope(landing: str) -> str:
    """county, province or nation: whose data the user's pages show."""
    return {"counties": "county", "provinces": "province", "nation": "nation"}.get(
        landing.strip("/").split("/")[0], "other"
    )


def browse(base, account, deadline, rng, samples, think):
    session = Session(base, account["cookies"])
    kinds, weights = zip(*MIX, strict=True)
    who = scope(account["landing"])
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        path = page(kind, rng, account["landing"], account["findings"])
        start = time.perf_counter()
        try:
            status, _, content = session.request("GET", path)
            ok = status == 200 and len(content) > 0
        except (OSError, http.client.HTTPException):
            ok = False
        samples.append((f"{who} {kind}", time.perf_counter() - start, ok))
        if think:
            time.sleep(rng.uniform(0, 2 * think))


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summary(samples: list, seconds: float) -> dict:
    latencies = [s[1] * 1000 for s in samples]
    return {
        "requests": len(samples),
        "per_second": round(len(samples) / seconds, 1),
        "median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "failures": sum(not s[2] for s in samples),
    }


def run(base: str, accounts: list[dict], users: int, seconds: float, think: float, seed: int):
    samples: list = []  # list.append is atomic: the threads share it without a lock
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=browse,
            args=(base, accounts[i % len(accounts)], deadline, random.Random(seed + i), samples),
            kwargs={"think": think},
            daemon=True,
        )
        for i in range(users)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    by_kind = defaultdict(list)
    for s in samples:
        by_kind[s[0]].append(s)
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        **summary(samples, elapsed),
        "pages": {kind: summary(rows, elapsed) for kind, rows in sorted(by_kind.items())},
    }


def default_password() -> str | None:
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    stored = Path(__file__).resolve().parent.parent / ".demo-password"
    return stored.read_text().strip() if stored.exists() else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the server's URL")
    parser.add_argument("--users", default="10,50", help="concurrent users, comma-separated")
    parser.add_argument("--duration", type=float, default=30, help="seconds per run")
    parser.add_argument("--think", type=float, default=0, help="mean pause between requests (s)")
    parser.add_argument("--accounts", help="comma-separated usernames (default: the demo users)")
    parser.add_argument("--password", default=default_password())
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("no password: give --password, set DEMO_PASSWORD or run `make run` once")

    accounts = []
    for username in args.accounts.split(",") if args.accounts else DEMO_ACCOUNTS:
        session = Session(args.base)
        landing = session.login(username, args.password)
        accounts.append(
            {
                "username": username,
                "cookies": session.cookies,
                "landing": landing,
                "findings": discover(session),
            }
        )
        print(f"logged in {username:<20} lands on {landing}", file=sys.stderr)

    results = []
    for users in (int(n) for n in args.users.split(",")):
        result = run(args.base, accounts, users, args.duration, args.think, args.seed)
        results.append(result)
        print(
            f"\n{users} users, {result['seconds']} s: {result['requests']} requests, "
            f"{result['per_second']} req/s, median {result['median_ms']} ms, "
            f"p95 {result['p95_ms']} ms, {result['failures']} failed"
        )
        print(
            f"  {'user: page':<25} {'requests':>8} {'req/s':>7} "
            f"{'median ms':>10} {'p95 ms':>8} fail"
        )
        for kind, s in result["pages"].items():
            print(
                f"  {kind:<25} {s['requests']:>8} {s['per_second']:>7} "
                f"{s['median_ms']:>10} {s['p95_ms']:>8} {s['failures']:>4}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if any(r["failures"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
