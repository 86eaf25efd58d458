"""Eight people writing to one SQLite file at the same moment (tests/test_sqlite_concurrency.py).

Run as `python -m tests.sqlite_writers` with DATABASE_URL pointing at a migrated SQLite file:
sets up a county, then releases 8 threads at once through a barrier, each posting through the
whole Django stack (sessions, middleware, services): 8 leaders' approvals of 8 close-out
requests, then 8 progress notes on one finding. Prints a JSON summary."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading

import django

WRITERS = 8


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    # Served as in development (static files from the finders), answering the test client.
    os.environ.update(DEBUG="1", ALLOWED_HOSTS="testserver")
    django.setup()
    from django.contrib.auth.models import Group
    from django.db import connection, connections
    from django.test import Client
    from django.utils import timezone

    from issues import services
    from issues.models import County, Finding, Progress, Province, Review, Role, Unit, User

    assert connection.vendor == "sqlite", connection.vendor
    province = Province.objects.create(code="510000", name="四川省")
    county = County.objects.create(province=province, code="510811", name="广元市昭化区")
    staff = User.objects.create_user("staff", password="x", county=county)
    staff.groups.add(Group.objects.get_or_create(name=Role.COUNTY_STAFF)[0])
    leaders = []
    for i in range(WRITERS):
        leader = User.objects.create_user(f"leader{i}", password="x", county=county)
        leader.groups.add(Group.objects.get_or_create(name=Role.COUNTY_LEADER)[0])
        leaders.append(leader)
    review = Review.objects.create(kind="mofcom_review", team="商务部复核组")
    review.counties.add(county)
    unit = Unit.objects.create(county=county, name="区商务和经济合作局")
    findings = []
    for i in range(WRITERS):
        finding = services.finding_create(
            user=staff,
            county=county,
            data=services.FindingData(
                review=review,
                new_category_name="项目管理问题",
                description=f"问题{i}",
                deadline=dt.date(2030, 1, 1),
                measures=["措施"],
                units=[services.UnitEntry(unit)],
            ),
        )
        services.finding_start(user=staff, finding=finding)
        services.finding_submit_closeout(
            user=staff, finding=finding, result="已完成。", evidence_waiver="现场查验。"
        )
        findings.append(finding)
    connections.close_all()

    def run(jobs):
        barrier = threading.Barrier(len(jobs))
        statuses: list = [None] * len(jobs)

        def worker(i, user, path, data):
            client = Client()
            client.force_login(user)
            barrier.wait()
            try:
                statuses[i] = client.post(path, data).status_code
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                statuses[i] = f"{type(exc).__name__}: {exc}"
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i, *job)) for i, job in enumerate(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return statuses

    approvals = run(
        [
            (leaders[i], f"/findings/{findings[i].pk}/close/", {"comment": "同意"})
            for i in range(WRITERS)
        ]
    )
    target = findings[0]
    today = timezone.localdate().isoformat()
    notes = run(
        [
            (staff, f"/findings/{target.pk}/progress/", {"note": f"进展{i}", "date": today})
            for i in range(WRITERS)
        ]
    )
    summary = {
        "approvals": approvals,
        "closed": Finding.objects.filter(status="closed").count(),
        "notes": notes,
        "stored_notes": sorted(
            Progress.objects.filter(finding=target).values_list("note", flat=True)
        ),
        "journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
    }
    json.dump(summary, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
