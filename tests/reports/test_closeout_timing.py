"""On-time and late close-outs are counted against the ORIGINAL deadline, in one way
everywhere: a finding closed by its original deadline is 按期销号, one closed after it but
within an approved extension is 延期后销号, one closed after both is 逾期销号. The dashboards,
the ledger page and its filters, the .xlsx 台账 and the Word report all say the same."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine

from issues import services
from issues.models import Finding, Timing
from reports import documents, selectors
from tests.approvals import extend

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORIGINAL = dt.date(2019, 10, 30)
TODAY = dt.date(2019, 12, 1)


def on(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI), tick=False)


def close_on(finding: Finding, day: dt.date, alice, lee) -> Finding:
    with on(day):
        services.finding_start(user=alice, finding=finding)
        services.finding_submit_closeout(
            user=alice, finding=finding, result="已整改。", evidence_waiver="现场查验。"
        )
        services.finding_close(user=lee, finding=finding)
    return Finding.objects.get(pk=finding.pk)


@pytest.fixture
def timed(alice, lee, county_a, review_a, unit_a, factory) -> dict[str, Finding]:
    """Five findings due 2019-10-30: closed on time, within an extension, after an
    extension, late without one, and one still open (extended, with a pending request)."""
    with on(dt.date(2019, 9, 1)):

        def make(name):
            return factory.finding(
                alice, county_a, review_a, description=name, units=[unit_a], deadline=ORIGINAL
            )

        f = {
            key: make(name)
            for key, name in [
                ("on_time", "按期完成的问题。"),
                ("extended", "延期后完成的问题。"),
                ("late_after_extension", "延期后仍逾期的问题。"),
                ("late", "未申请延期而逾期的问题。"),
                ("open", "仍在整改的问题。"),
            ]
        }
    with on(dt.date(2019, 10, 25)):
        extend(f["extended"], dt.date(2019, 12, 31), staff=alice, leader=lee)
        extend(f["late_after_extension"], dt.date(2019, 11, 10), staff=alice, leader=lee)
        extend(f["open"], dt.date(2019, 12, 31), staff=alice, leader=lee)
    close_on(f["on_time"], dt.date(2019, 10, 20), alice, lee)
    close_on(f["extended"], dt.date(2019, 11, 15), alice, lee)
    close_on(f["late_after_extension"], dt.date(2019, 11, 20), alice, lee)
    close_on(f["late"], dt.date(2019, 11, 5), alice, lee)
    with on(dt.date(2019, 11, 25)):
        services.extension_request(
            user=alice, finding=f["open"], new_deadline=dt.date(2020, 3, 31), reason="再延。"
        )
        services.archive_request(user=alice, finding=f["open"], reason="拟与其他问题合并。")
    return {key: Finding.objects.get(pk=finding.pk) for key, finding in f.items()}


EXPECTED = {
    "on_time": Timing.ON_TIME,
    "extended": Timing.EXTENDED,
    "late_after_extension": Timing.LATE,
    "late": Timing.LATE,
    "open": None,
}


@pytest.fixture(autouse=True)
def today():
    with on(TODAY):
        yield


def test_one_rule_for_a_row_and_for_a_query(timed):
    assert {key: f.closeout_timing() for key, f in timed.items()} == EXPECTED
    for timing in Timing:
        expected = {key for key, t in EXPECTED.items() if t == timing}
        found = {
            key
            for key, f in timed.items()
            if Finding.objects.closed_timing(timing).filter(pk=f.pk).exists()
        }
        assert found == expected, timing
    assert {f.original_deadline for f in timed.values()} == {ORIGINAL}


def test_a_close_out_recorded_from_a_document_is_not_counted_late(
    alice, county_a, review_a, factory
):
    """An import dates a close-out by its document: closed by then, not necessarily late."""
    imported = factory.finding(
        alice,
        county_a,
        review_a,
        deadline=dt.date(2019, 5, 30),
        status=Finding.Status.CLOSED,
        closed_on=dt.date(2019, 9, 10),
    )
    assert imported.closed_by is None
    assert imported.closeout_timing() == Timing.ON_TIME
    assert Finding.objects.closed_timing(Timing.ON_TIME).filter(pk=imported.pk).exists()


def test_the_tally(timed, county_a):
    total = selectors.tally(Finding.objects.filter(county=county_a), TODAY)
    assert (total.closed, total.closed_on_time, total.closed_extended, total.closed_late) == (
        4,
        1,
        1,
        2,
    )


def test_the_county_dashboard(client, lee, timed, county_a):
    data = selectors.county_dashboard(county_a, TODAY)
    (row,) = data["rows"]
    assert (row.tally.closed_on_time, row.tally.closed_extended, row.tally.closed_late) == (1, 1, 2)
    client.force_login(lee)
    html = client.get(f"/counties/{county_a.code}/").content.decode()
    for key, n in (("closed_on_time", 1), ("closed_extended", 1), ("closed_late", 2)):
        assert re.search(rf'data-count="{key}">{n}<', html), key
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "按期1 · 延期1 · 逾期2" in text


def test_the_province_dashboard(client, rita, timed, county_a):
    client.force_login(rita)
    html = client.get("/provinces/510000/").content.decode()
    row = re.search(rf'data-county="{county_a.code}">(.*?)</tr>', html, re.S).group(1)
    assert 'data-late="2"' in row
    assert "延期后销号1" in row
    tfoot = re.search(r"<tfoot[^>]*>(.*?)</tfoot>", html, re.S).group(1)
    assert 'data-late="2"' in tfoot


def ledger_rows(html: str) -> dict[int, str]:
    return {
        int(pk): row
        for pk, row in re.findall(r'<tr class="[^"]*" data-finding="(\d+)">(.*?)</tr>', html, re.S)
    }


def test_the_ledger_page_shows_timing_and_the_original_deadline(client, alice, timed):
    client.force_login(alice)
    rows = ledger_rows(client.get("/findings/").content.decode())
    labels = {"on_time": "按期销号", "extended": "延期后销号", "late": "逾期销号"}
    for key, f in timed.items():
        timing = EXPECTED[key]
        if timing:
            assert f'data-timing="{timing}">{labels[timing]}<' in rows[f.pk], key
        else:
            assert "data-timing" not in rows[f.pk]
        assert ("原定2019年10月30日" in rows[f.pk]) == f.is_extended, key


@pytest.mark.parametrize(
    "query, keys",
    [
        ({"timing": "on_time"}, {"on_time"}),
        ({"timing": "extended"}, {"extended"}),
        ({"timing": "late"}, {"late", "late_after_extension"}),
        ({"extension": "extended"}, {"extended", "late_after_extension", "open"}),
        ({"extension": "pending"}, {"open"}),
        ({"archive_pending": "on"}, {"open"}),
        ({"timing": "late", "extension": "extended"}, {"late_after_extension"}),
    ],
)
def test_the_ledger_filters(client, alice, timed, query, keys):
    client.force_login(alice)
    response = client.get("/findings/", query)
    found = {f.pk for f in response.context["page"]}
    assert found == {timed[k].pk for k in keys}
    assert response.context["tally"].total == len(keys)


def test_the_filter_form_offers_them(client, alice, timed):
    client.force_login(alice)
    html = client.get("/findings/", {"timing": "late"}).content.decode()
    assert '<option value="late" selected>逾期销号</option>' in html
    assert '<option value="pending">延期申请待审批</option>' in html
    assert 'name="archive_pending"' in html


def test_the_xlsx(client, alice, timed):
    client.force_login(alice)
    wb = openpyxl.load_workbook(io.BytesIO(client.get("/findings/export.xlsx").getvalue()))
    ws = wb["整改台账"]
    header = [c.value for c in ws[3]]
    col = {name: i for i, name in enumerate(header)}
    rows = {
        r[col["问题描述"]]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None
    }
    expected = {
        "按期完成的问题。": ("按期销号", None),
        "延期后完成的问题。": ("延期后销号", dt.datetime(2019, 10, 30)),
        "延期后仍逾期的问题。": ("逾期销号", dt.datetime(2019, 10, 30)),
        "未申请延期而逾期的问题。": ("逾期销号", None),
        "仍在整改的问题。": (None, dt.datetime(2019, 10, 30)),
    }
    assert {
        text: (row[col["是否按期销号"]], row[col["原定完成时限"]]) for text, row in rows.items()
    } == expected
    assert rows["延期后完成的问题。"][col["完成时限"]] == dt.datetime(2019, 12, 31)  # a date cell
    total = [r for r in wb["统计"].iter_rows(min_row=4, values_only=True) if r[0] == "合计"][0]
    assert total[-3:] == (1, 1, 2)


def test_the_word_report(alice, timed, county_a):
    report = documents.default_report(county_a, date=TODAY)
    doc = documents.report_document(report)
    assert doc.summary == (
        "截至目前，商务部复核组发现问题5个，已销号问题4个"
        "（其中按期销号1个、延期后销号1个、逾期销号2个），1个问题正在加紧整改。"
    )


def test_the_word_report_counts_as_of_its_date(alice, timed, county_a):
    """A report dated 2019-11-16 knows the close-outs until then: on time and extended."""
    doc = documents.report_document(documents.default_report(county_a, date=dt.date(2019, 11, 16)))
    assert "已销号问题3个（其中按期销号1个、延期后销号1个、逾期销号1个）" in doc.summary


def test_the_word_report_says_nothing_when_all_were_on_time(
    alice, lee, county_a, review_a, factory
):
    with on(dt.date(2019, 9, 1)):
        finding = factory.finding(alice, county_a, review_a, deadline=ORIGINAL)
    close_on(finding, dt.date(2019, 10, 1), alice, lee)
    doc = documents.report_document(documents.default_report(county_a, date=TODAY))
    assert doc.summary == "截至目前，商务部复核组发现问题1个，已全部销号。"


def test_the_word_report_when_all_are_closed_but_some_late(alice, lee, county_a, review_a, factory):
    with on(dt.date(2019, 9, 1)):
        finding = factory.finding(alice, county_a, review_a, deadline=ORIGINAL)
    close_on(finding, dt.date(2019, 11, 1), alice, lee)
    doc = documents.report_document(documents.default_report(county_a, date=TODAY))
    assert doc.summary == (
        "截至目前，商务部复核组发现问题1个，已全部销号"
        "（其中按期销号0个、延期后销号0个、逾期销号1个）。"
    )
