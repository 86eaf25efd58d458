"""The review from the document itself and its furniture (issue 16 items 3 and 4): the team,
kind, visits, 文号 and issuer read by document.heading.review_identity; the title, opening,
closing instruction, signature and date never glued to a finding; the closing instruction's
date offered as the default deadline; the preview's editable identity; an existing review
matched instead of a second one."""

from __future__ import annotations

import datetime as dt

import pytest

from issues.importing.document import parse_document
from issues.importing.document.heading import date_periods, reference_number, review_identity
from issues.models import Finding, ImportBatch, Review
from tests.issues.html_forms import form_data
from tests.seeds import SEED_001

D = dt.date

# The issue's example: a list pasted from a provincial team's feedback.
PASTED = """四川省商务厅督查组关于昭化区电子商务进农村综合示范督查反馈问题清单

广元市昭化区人民政府：
2026年11月18日至20日，省商务厅督查组对昭化区电子商务进农村综合示范工作进行了督查，现将发现的问题反馈如下：
一、项目建设方面
1.村级站点标识不统一，部分站点未挂牌。
2.冷链设施建成后闲置，未发挥作用。
二、资金管理方面
1.资金拨付进度慢，拨付率不足50%。
2.部分项目未按要求公示。
请于2026年12月31日前将整改情况书面报送省商务厅。

四川省商务厅
2026年11月25日
"""


def test_the_pasted_list_names_its_team_dates_and_issuer():
    identity = review_identity(PASTED)
    assert identity.team == "省商务厅督查组"
    assert identity.kind == Review.Kind.PROVINCE_SUPERVISION
    assert (identity.start_date, identity.end_date) == (D(2026, 11, 18), D(2026, 11, 20))
    assert identity.issuer == "四川省商务厅"
    assert identity.issued_on == D(2026, 11, 25)
    assert identity.report_deadline == D(2026, 12, 31)
    assert identity.title.startswith("四川省商务厅督查组关于")


def test_the_closing_instruction_and_signature_are_not_the_last_finding():
    document = parse_document(PASTED, default_kind=Review.Kind.PROVINCE_SUPERVISION)
    texts = [f.description for f in document.findings]
    assert len(texts) == 4
    assert texts[-1] == "部分项目未按要求公示。"
    assert not any("报送" in t or "四川省商务厅" in t or "2026年11月25日" in t for t in texts)
    assert document.closing_deadline == "2026-12-31"


@pytest.mark.parametrize(
    "text,year,expected",
    [
        ("2026年11月18日至20日，省商务厅督查组…", None, [(D(2026, 11, 18), D(2026, 11, 20))]),
        ("2019年4月25日—27日，商务部复核组…", None, [(D(2019, 4, 25), D(2019, 4, 27))]),
        ("2019年4月25日-5月3日，…", None, [(D(2019, 4, 25), D(2019, 5, 3))]),
        ("2019年4月25日至2019年5月3日，…", None, [(D(2019, 4, 25), D(2019, 5, 3))]),
        ("5月24—27日，省绩效评价组…", 2019, [(D(2019, 5, 24), D(2019, 5, 27))]),
        ("2017年7月11日至22日，省商务厅、省财政厅…", None, [(D(2017, 7, 11), D(2017, 7, 22))]),
        ("请于2026年12月31日前报送。", None, []),  # a deadline, not a visit
    ],
)
def test_date_ranges(text, year, expected):
    assert date_periods(text, year=year) == expected


@pytest.mark.parametrize(
    "line,expected",
    [
        ("赣商务建设字〔2017〕193号", "赣商务建设字〔2017〕193号"),
        ("赣商务建设字[2017]193号", "赣商务建设字〔2017〕193号"),
        ("赣商务建设字【2017】193号", "赣商务建设字〔2017〕193号"),
        ("川商建函(2026)第12号", "川商建函〔2026〕12号"),
        ("根据赣商务建设字〔2017〕193号文件要求", ""),  # cited inside a sentence
    ],
)
def test_reference_numbers(line, expected):
    assert reference_number(line) == expected


SEED = SEED_001


def test_seed_001_s_identity():
    identity = review_identity(SEED.read_text())
    assert identity.reference_number == "赣商务建设字〔2017〕193号"
    assert (identity.start_date, identity.end_date) == (D(2017, 7, 11), D(2017, 7, 22))
    assert identity.issuer == "江西省商务厅"
    assert identity.team == "省督查组"


def _start(client, text=PASTED) -> ImportBatch:
    response = client.post(
        "/imports/",
        {
            "kind": "document",
            "doc-text": text,
            "doc-default_kind": Review.Kind.PROVINCE_SUPERVISION,
            "once": "h" * 32,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.latest("id")


def test_the_preview_s_identity_is_editable_and_used(client, alice, county_a):
    client.force_login(alice)
    batch = _start(client)
    html = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "省商务厅督查组" in html and "2026-12-31" in html
    data = form_data(html)
    team_field = next(k for k, v in data.items() if v == "省商务厅督查组")
    data[team_field] = "四川省商务厅督查组"
    data["action"] = "apply"
    response = client.post(f"/imports/{batch.pk}/", data)
    assert response.status_code == 302
    review = Review.objects.get(team="四川省商务厅督查组")
    assert (review.start_date, review.end_date) == (D(2026, 11, 18), D(2026, 11, 20))
    findings = Finding.objects.filter(review=review)
    assert findings.count() == 4
    assert set(findings.values_list("deadline", flat=True)) == {D(2026, 12, 31)}


def test_an_existing_review_is_matched_not_made_again(client, alice, county_a):
    existing = Review.objects.create(
        kind=Review.Kind.PROVINCE_SUPERVISION,
        team="省商务厅督查组",
        start_date=D(2026, 11, 18),
    )
    existing.counties.add(county_a)
    client.force_login(alice)
    batch = _start(client)
    data = form_data(client.get(f"/imports/{batch.pk}/").content.decode())
    data["action"] = "apply"
    client.post(f"/imports/{batch.pk}/", data)
    assert Review.objects.filter(counties=county_a).count() == 1
    assert Finding.objects.filter(review=existing).count() == 4


@pytest.mark.parametrize(
    ("text", "team"),
    [
        ("昭化区关于商务部复核组反馈问题的整改方案", "商务部复核组"),
        ("四川省商务厅督查组关于昭化区督查反馈问题清单", "四川省商务厅督查组"),
        (
            "商务部电子商务进农村综合示范绩效评价复核组",
            "商务部电子商务进农村综合示范绩效评价复核组",
        ),
        ("省商务厅、省财政厅联合组成督查组", "督查组"),
    ],
)
def test_a_team_starts_after_its_lead_in(text, team):
    from issues.importing.document.values import review_team

    assert review_team(text) == team
