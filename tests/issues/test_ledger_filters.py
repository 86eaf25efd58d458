"""The ledger page /findings/: filters, ordering, pagination, counts, row marks, query counts."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import urljoin

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from issues import services
from issues.models import Finding, Review, Role, Unit
from tests import approvals
from tests.conftest import Factory

TODAY = dt.date(2019, 9, 10)
URL = "/findings/"
# A 1×1 PNG, for evidence.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def frozen_today(settings):
    settings.RECTIFY_WARNING_DAYS = 14
    settings.RECTIFY_UPCOMING_DAYS = 14
    settings.RECTIFY_PAGE_SIZE = 50
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def unit_a3(county_a, factory) -> Unit:
    return factory.unit(county_a, "区农业农村局")


@pytest.fixture
def province_review(county_a, factory) -> Review:
    return factory.review(
        county_a,
        kind=Review.Kind.PROVINCE_EVALUATION,
        team="省绩效评价组",
        start=dt.date(2019, 5, 24),
    )


@pytest.fixture
def ledger(alice, county_a, review_a, province_review, unit_a, unit_a2, unit_a3, factory):
    """County A's ledger on 2019-09-10, one finding of each kind."""
    make = factory.finding
    return {
        "overdue": make(
            alice,
            county_a,
            review_a,
            category="项目建设进度滞后问题",
            description="县级公共服务中心重新选址新建工作还未招标。",
            measures=["加快选址", "尽快招标"],
            deadline=dt.date(2019, 9, 9),
            status=Finding.Status.IN_PROGRESS,
            units=[unit_a],
        ),
        "soon": make(
            alice,
            county_a,
            review_a,
            category="资金管理问题",
            description="对项目承办单位资金使用情况缺少检查。",
            measures=["开展专项资金检查", "聘请第三方审计"],
            deadline=dt.date(2019, 9, 20),
            units=[unit_a2],
        ),
        "later": make(
            alice,
            county_a,
            province_review,
            category="项目完成方面问题",
            description="标准化建设与推广力度较小。",
            measures=["推广农产品标准化生产"],
            deadline=dt.date(2019, 10, 30),
            status=Finding.Status.SUBMITTED,
            units=[unit_a3],
        ),
        "closed": make(
            alice,
            county_a,
            province_review,
            category="资金管理及项目管理方面问题",
            description="财务制度执行欠规范。",
            measures=["完善财务制度"],
            deadline=dt.date(2019, 5, 30),
            status=Finding.Status.CLOSED,
            result="已建立资金支付台账,按月统计。",
            closed_on=dt.date(2019, 6, 1),
            units=[unit_a],
        ),
        "undated": make(
            alice,
            county_a,
            review_a,
            category="项目建设进度滞后问题",
            description="信息公开不足。",
            measures=["在政府网站公开整改方案"],
        ),
    }


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def as_rita(client, rita):
    client.force_login(rita)
    return client


def _keys(ledger, response) -> list[str]:
    """The ledger rows shown, in order, by fixture key."""
    by_pk = {f.pk: key for key, f in ledger.items()}
    return [by_pk.get(f.pk, f"other:{f.pk}") for f in response.context["page"]]


def _rows(html: str) -> dict[int, str]:
    """The <tr> of every finding on the page, by pk."""
    rows = re.findall(r'(<tr class="[^"]*" data-finding="(\d+)">.*?</tr>)', html, re.S)
    return {int(pk): row for row, pk in rows}


def _link(html: str, text: str) -> str:
    """The href of the first link whose text starts with `text`, unescaped."""
    match = re.search(r'<a [^>]*href="([^"]*)"[^>]*>\s*' + re.escape(text), html)
    assert match, text
    return unescape(match.group(1))


def _counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', html)}


class TestFilters:
    def test_no_filter_shows_the_whole_ledger_in_ledger_order(self, as_alice, ledger):
        response = as_alice.get(URL)
        assert response.status_code == 200
        # MOFCOM review (2019-04-25) first, then the province's (2019-05-24); by category order.
        assert _keys(ledger, response) == ["overdue", "undated", "soon", "later", "closed"]

    def test_review(self, as_alice, ledger, province_review):
        response = as_alice.get(URL, {"review": province_review.pk})
        assert _keys(ledger, response) == ["later", "closed"]

    @pytest.mark.parametrize(
        ("kind", "keys"),
        [
            ("mofcom_review", ["overdue", "undated", "soon"]),
            ("province_evaluation", ["later", "closed"]),
            ("province_supervision", []),
        ],
    )
    def test_kind(self, as_alice, ledger, kind, keys):
        assert _keys(ledger, as_alice.get(URL, {"kind": kind})) == keys

    def test_category(self, as_alice, ledger):
        category = ledger["overdue"].category
        response = as_alice.get(URL, {"category": category.pk})
        assert _keys(ledger, response) == ["overdue", "undated"]

    @pytest.mark.parametrize(
        ("status", "keys"),
        [
            ("open", ["undated", "soon"]),
            ("in_progress", ["overdue"]),
            ("submitted", ["later"]),
            ("closed", ["closed"]),
        ],
    )
    def test_status(self, as_alice, ledger, status, keys):
        assert _keys(ledger, as_alice.get(URL, {"status": status})) == keys

    def test_unit_in_any_role(self, as_alice, alice, ledger, unit_a, unit_a2):
        assert _keys(ledger, as_alice.get(URL, {"unit": unit_a.pk})) == ["overdue", "closed"]
        # Make 区商务和经济合作局 a cooperating unit of "soon": it is involved there too.
        soon = ledger["soon"]
        services.finding_update(
            user=alice,
            finding=soon,
            data=services.FindingData(
                review=soon.review,
                category=soon.category,
                description=soon.description,
                deadline=soon.deadline,
                units=[services.UnitEntry(unit_a2), services.UnitEntry(unit_a, "cooperating")],
            ),
            expected_version=soon.version,
        )
        response = as_alice.get(URL, {"unit": unit_a.pk})
        assert _keys(ledger, response) == ["overdue", "soon", "closed"]

    def test_overdue(self, as_alice, ledger):
        assert _keys(ledger, as_alice.get(URL, {"overdue": "on"})) == ["overdue"]

    def test_overdue_unticked_filters_nothing(self, as_alice, ledger):
        assert len(_keys(ledger, as_alice.get(URL, {"overdue": ""}))) == 5

    @pytest.mark.parametrize(
        ("days", "keys"),
        [("0", []), ("10", ["soon"]), ("14", ["soon"]), ("60", ["soon", "later"])],
    )
    def test_due_within(self, as_alice, ledger, days, keys):
        assert _keys(ledger, as_alice.get(URL, {"due_within": days})) == keys

    def test_due_within_counts_from_today(self, as_alice, alice, ledger):
        with time_machine.travel(dt.datetime(2019, 10, 20, 10, tzinfo=dt.UTC), tick=False):
            as_alice.force_login(alice)  # the session of 2019-09-10 has expired by now
            response = as_alice.get(URL, {"due_within": "10"})
        assert _keys(ledger, response) == ["later"]

    def test_due_within_rejects_negative_days(self, as_alice, ledger):
        response = as_alice.get(URL, {"due_within": "-1"})
        assert response.status_code == 200
        assert response.context["filter"].form.errors["due_within"]

    @pytest.mark.parametrize(
        ("params", "keys"),
        [
            (
                {"deadline_after": "2019-09-01", "deadline_before": "2019-09-30"},
                ["overdue", "soon"],
            ),
            ({"deadline_after": "2019-09-20"}, ["soon", "later"]),
            ({"deadline_before": "2019-09-09"}, ["overdue", "closed"]),
            ({"deadline_after": "2019-11-01"}, []),
        ],
    )
    def test_deadline_range_includes_both_ends(self, as_alice, ledger, params, keys):
        assert _keys(ledger, as_alice.get(URL, params)) == keys

    @pytest.mark.parametrize(
        ("q", "keys"),
        [
            ("重新选址", ["overdue"]),  # description
            ("第三方审计", ["soon"]),  # a measure
            ("资金支付台账", ["closed"]),  # result
            ("资金", ["soon", "closed"]),  # description of one, result of the other
            ("  标准化  ", ["later"]),
            ("没有这样的字", []),
        ],
    )
    def test_text_search(self, as_alice, ledger, q, keys):
        response = as_alice.get(URL, {"q": q})
        assert _keys(ledger, response) == keys

    def test_filters_combine(self, as_alice, ledger, review_a):
        response = as_alice.get(URL, {"review": review_a.pk, "status": "open", "q": "资金"})
        assert _keys(ledger, response) == ["soon"]

    def test_filter_form_keeps_the_values(self, as_alice, ledger, review_a):
        response = as_alice.get(URL, {"review": review_a.pk, "q": "资金", "due_within": "14"})
        html = response.content.decode()
        assert f'<option value="{review_a.pk}" selected>' in html
        assert 'value="资金"' in html
        assert 'name="due_within" value="14"' in html

    def test_archived_findings_only_when_asked(self, as_alice, alice, lee, ledger):
        approvals.archive(ledger["soon"], staff=alice, leader=lee)
        assert "soon" not in _keys(ledger, as_alice.get(URL))
        assert _counts(as_alice.get(URL).content.decode())["total"] == 4
        assert _keys(ledger, as_alice.get(URL, {"archived": "on"})) == ["soon"]

    def test_empty_result_says_so(self, as_alice, ledger):
        response = as_alice.get(URL, {"q": "没有这样的字"})
        assert "没有符合条件的问题。" in response.content.decode()


class TestCountyFilter:
    def test_province_reviewer_filters_by_county(self, as_rita, ledger, finding_b, county_b):
        response = as_rita.get(URL, {"county": county_b.pk})
        assert _keys(ledger, response) == [f"other:{finding_b.pk}"]

    def test_province_reviewer_sees_both_counties_without_it(
        self, as_rita, ledger, finding_b, county_a
    ):
        keys = _keys(ledger, as_rita.get(URL))
        assert set(keys) == set(ledger) | {f"other:{finding_b.pk}"}
        response = as_rita.get(URL, {"county": county_a.pk})
        assert set(_keys(ledger, response)) == set(ledger)

    def test_province_reviewer_has_a_county_column_and_choices(self, as_rita, ledger, finding_b):
        response = as_rita.get(URL)
        html = response.content.decode()
        county_choices = list(response.context["filter"].form.fields["county"].queryset)
        assert [c.code for c in county_choices] == ["510811", "510812"]
        assert "全部区县" in html
        row_b = _rows(html)[finding_b.pk]
        assert "广元市朝天区" in row_b

    def test_county_of_another_province_is_not_a_choice(
        self, as_rita, ledger, other_province, factory
    ):
        county_q = factory.county(other_province, "360926", "宜春市铜鼓县")
        response = as_rita.get(URL, {"county": county_q.pk})
        assert "county" in response.context["filter"].form.errors

    def test_county_user_has_no_county_filter(self, as_alice, ledger):
        response = as_alice.get(URL)
        assert "county" not in response.context["filter"].form.fields
        assert "全部区县" not in response.content.decode()


class TestOrdering:
    def test_by_deadline(self, as_alice, ledger):
        keys = _keys(ledger, as_alice.get(URL, {"o": "deadline"}))
        # Where a missing deadline sorts depends on the database; the dated ones are in order.
        assert [k for k in keys if k != "undated"] == ["closed", "overdue", "soon", "later"]

    def test_by_deadline_descending(self, as_alice, ledger):
        keys = _keys(ledger, as_alice.get(URL, {"o": "-deadline"}))
        assert [k for k in keys if k != "undated"] == ["later", "soon", "overdue", "closed"]

    def test_by_lead_unit(self, as_alice, ledger, county_a):
        keys = _keys(ledger, as_alice.get(URL, {"o": "unit"}))
        names = {k: ledger[k].unit_links.get().unit.name for k in ledger if k != "undated"}
        # Collation of Chinese differs between databases: ask the database for the order.
        in_db_order = list(
            Unit.objects.filter(county=county_a, name__in=set(names.values()))
            .order_by("name")
            .values_list("name", flat=True)
        )
        shown = [names[k] for k in keys if k != "undated"]
        assert shown == sorted(shown, key=in_db_order.index)
        assert len(shown) == 4

    def test_by_lead_unit_descending_reverses(self, as_alice, ledger):
        up = [k for k in _keys(ledger, as_alice.get(URL, {"o": "unit"})) if k != "undated"]
        down = [k for k in _keys(ledger, as_alice.get(URL, {"o": "-unit"})) if k != "undated"]
        up_names = [ledger[k].unit_links.get().unit.name for k in up]
        down_names = [ledger[k].unit_links.get().unit.name for k in down]
        assert down_names == list(reversed(up_names))

    def test_by_status(self, as_alice, ledger):
        keys = _keys(ledger, as_alice.get(URL, {"o": "status"}))
        statuses = [ledger[k].status for k in keys]
        assert statuses == sorted(statuses)

    def test_sort_header_link_sorts(self, as_alice, ledger):
        html = as_alice.get(URL).content.decode()
        ascending = urljoin(URL, _link(html, "完成时限"))
        response = as_alice.get(ascending)
        keys = [k for k in _keys(ledger, response) if k != "undated"]
        assert keys == ["closed", "overdue", "soon", "later"]
        descending = urljoin(URL, _link(response.content.decode(), "完成时限"))
        keys = [k for k in _keys(ledger, as_alice.get(descending)) if k != "undated"]
        assert keys == ["later", "soon", "overdue", "closed"]

    def test_sort_header_links_carry_the_filter(self, as_alice, ledger):
        html = as_alice.get(URL, {"o": "deadline", "status": "open"}).content.decode()
        href = _link(html, "完成时限")
        assert "o=-deadline" in href
        assert "status=open" in href

    def test_unknown_ordering_is_an_error_not_a_crash(self, as_alice, ledger):
        response = as_alice.get(URL, {"o": "password"})
        assert response.status_code == 200
        assert "o" in response.context["filter"].form.errors


class TestPagination:
    @pytest.fixture(autouse=True)
    def small_pages(self, settings):
        settings.RECTIFY_PAGE_SIZE = 2

    def test_pages(self, as_alice, ledger):
        pages = [_keys(ledger, as_alice.get(URL, {"page": n})) for n in (1, 2, 3)]
        assert pages == [["overdue", "undated"], ["soon", "later"], ["closed"]]

    def test_position(self, as_alice, ledger):
        html = as_alice.get(URL, {"page": 2, "status": ""}).content.decode()
        assert "第 2 / 3 页，共 5 条" in html
        assert "上一页" in html
        assert "下一页" in html

    def test_next_and_previous_links(self, as_alice, ledger):
        html = as_alice.get(URL, {"page": 2}).content.decode()
        assert _keys(ledger, as_alice.get(urljoin(URL, _link(html, "下一页")))) == ["closed"]
        assert _keys(ledger, as_alice.get(urljoin(URL, _link(html, "上一页")))) == [
            "overdue",
            "undated",
        ]

    def test_out_of_range_page_shows_the_last(self, as_alice, ledger):
        assert _keys(ledger, as_alice.get(URL, {"page": 99})) == ["closed"]

    def test_bad_page_shows_the_first(self, as_alice, ledger):
        assert _keys(ledger, as_alice.get(URL, {"page": "abc"})) == ["overdue", "undated"]

    def test_pages_follow_the_filter(self, as_alice, ledger):
        response = as_alice.get(URL, {"kind": "province_evaluation"})
        assert _keys(ledger, response) == ["later", "closed"]
        assert "页，共" not in response.content.decode()

    def test_counts_cover_all_pages(self, as_alice, ledger):
        html = as_alice.get(URL, {"page": 3}).content.decode()
        assert _counts(html)["total"] == 5

    def test_one_page_has_no_pager(self, as_alice, ledger, settings):
        settings.RECTIFY_PAGE_SIZE = 50
        assert "页，共" not in as_alice.get(URL).content.decode()


class TestCounts:
    def test_counts_of_the_whole_ledger(self, as_alice, ledger):
        html = as_alice.get(URL).content.decode()
        assert _counts(html) == {"total": 5, "closed": 1, "open": 4, "overdue": 1, "due_soon": 1}
        assert "14天内到期" in html

    def test_counts_follow_the_filter(self, as_alice, ledger, review_a):
        html = as_alice.get(URL, {"review": review_a.pk}).content.decode()
        assert _counts(html) == {"total": 3, "closed": 0, "open": 3, "overdue": 1, "due_soon": 1}

    def test_counts_follow_today(self, as_alice, alice, ledger):
        with time_machine.travel(dt.datetime(2019, 10, 25, 10, tzinfo=dt.UTC), tick=False):
            as_alice.force_login(alice)  # the session of 2019-09-10 has expired by now
            html = as_alice.get(URL).content.decode()
        assert _counts(html) == {"total": 5, "closed": 1, "open": 4, "overdue": 2, "due_soon": 1}

    def test_due_soon_window_follows_the_setting(self, as_alice, ledger, settings):
        settings.RECTIFY_WARNING_DAYS = 60
        html = as_alice.get(URL).content.decode()
        assert _counts(html)["due_soon"] == 2
        assert "60天内到期" in html


class TestRowMarks:
    def test_overdue_row(self, as_alice, ledger):
        row = _rows(as_alice.get(URL).content.decode())[ledger["overdue"].pk]
        assert 'class="row-overdue"' in row
        assert "逾期 1 天" in row
        assert "2019年9月9日" in row
        assert "区商务和经济合作局" in row  # the lead unit
        assert "1.(1)" in row

    def test_overdue_days_count_up(self, as_alice, ledger):
        with time_machine.travel(dt.datetime(2019, 9, 19, 10, tzinfo=dt.UTC), tick=False):
            row = _rows(as_alice.get(URL).content.decode())[ledger["overdue"].pk]
        assert "逾期 10 天" in row

    def test_due_soon_row(self, as_alice, ledger):
        row = _rows(as_alice.get(URL).content.decode())[ledger["soon"].pk]
        assert 'class="row-due-soon"' in row
        assert "剩 10 天" in row
        assert "逾期" not in row

    def test_due_today_row(self, as_alice, ledger):
        with time_machine.travel(dt.datetime(2019, 9, 20, 10, tzinfo=dt.UTC), tick=False):
            row = _rows(as_alice.get(URL).content.decode())[ledger["soon"].pk]
        assert 'class="row-due-soon"' in row
        assert "今天到期" in row

    @pytest.mark.parametrize("key", ["later", "closed", "undated"])
    def test_other_rows_are_not_marked(self, as_alice, ledger, key):
        row = _rows(as_alice.get(URL).content.decode())[ledger[key].pk]
        assert row.startswith('<tr class="" ')
        assert "逾期" not in row
        assert "剩 " not in row

    def test_upcoming_row(self, as_alice, ledger, settings):
        settings.RECTIFY_UPCOMING_DAYS = 60
        row = _rows(as_alice.get(URL).content.decode())[ledger["later"].pk]
        assert 'class="row-upcoming"' in row
        assert "剩 50 天" in row

    def test_closed_row_shows_status(self, as_alice, ledger):
        row = _rows(as_alice.get(URL).content.decode())[ledger["closed"].pk]
        assert "已销号" in row

    def test_ongoing_is_marked(self, as_alice, ledger):
        Finding.objects.filter(pk=ledger["later"].pk).update(is_ongoing=True)
        row = _rows(as_alice.get(URL).content.decode())[ledger["later"].pk]
        assert "长期坚持" in row


# --- query counts ---------------------------------------------------------------------------


def _fill(n, user, county, reviews, units, factory) -> list[Finding]:
    """n findings spread over reviews, categories, statuses, deadlines and units, each with
    measures, units (one cooperating), a progress note and a related finding."""
    statuses = ["open", "in_progress", "submitted", "closed"]
    made: list[Finding] = []
    for i in range(n):
        status = statuses[i % 4]
        finding = factory.finding(
            user,
            county,
            reviews[i % len(reviews)],
            category=f"类别{i % 3}",
            deadline=dt.date(2019, 8, 25) + dt.timedelta(days=3 * i),
            status=status,
            result="已整改" if status == "closed" else "",
            units=[units[i % len(units)]],
            related=made[-1:],
        )
        link_unit = units[(i + 1) % len(units)]
        finding.unit_links.create(unit=link_unit, role="cooperating", order=2)
        services.progress_add(user=user, finding=finding, note=f"进展{i}", date=TODAY)
        made.append(finding)
    return made


@pytest.fixture
def fill(alice, county_a, review_a, province_review, unit_a, unit_a2, unit_a3, factory):
    def fill(n):
        return _fill(
            n, alice, county_a, [review_a, province_review], [unit_a, unit_a2, unit_a3], factory
        )

    return fill


# The ledger page for a county user: session, user, groups (role names), the user's county
# (scope label in the navigation), review / category / unit choices of the filter form, the
# tally (one aggregate, also the paginator's count), the page of findings (county, review,
# category joined; lead unit as a subquery).
LEDGER_QUERIES_COUNTY = 9
# A unit's contact (una): the same less the unit choices (Unit.objects.for_user gives her none,
# without a query): session, user, groups, the tally, the page of her findings, the review and
# category choices, the user's county.
LEDGER_QUERIES_UNIT = 8
# A province user: the same plus the county choices, minus the category and unit choices,
# which wait until a county is chosen (see TestChoicesForManyCounties).
LEDGER_QUERIES_PROVINCE = 8
# The county dashboard: session, user, the county (with its province), groups; every tally
# (in total, per review, per category, per lead unit) from one GROUP BY; the reviews,
# upcoming deadlines, recent notes, the burn-down's dates, recent close-outs, the project and
# its indicators; the urges of its findings (one aggregate: 被催办, 待回复); the unit ranking
# (the units' figures in one GROUP BY, their urges in another: reports.selectors.unit_ranking).
# The menu's county is the page's.
HOME_QUERIES_COUNTY = 14
# The province dashboard: session, user, the province, the counties with their project and
# indicator figures (one query of subqueries), tallies per county, groups, notices, the
# user's county check, and the urges per county (one aggregate).
HOME_QUERIES_PROVINCE = 9
# A finding's page, for every role of the cast: session, user, groups, the finding (county,
# province, review, category joined), its unit links (units joined; the unit contact's
# abilities read them), its evidence (each note's too), its progress notes (authors, units,
# reviewers joined), and one query for the rest (rectify.lib.together): the timeline's
# history (the finding's records, the related findings each saw, unit links, measures,
# notes, evidence, requests, urges, the workflow's steps), the measures, the requests and
# urges cards, the related findings, the county's reviews, and the people the finding and
# its units' tasks name (who updated, closed and archived it, who acknowledged or handed
# back a task). The user's county, province or unit in the menu and forms is the finding's.
DETAIL_QUERIES = 8


class TestQueryCounts:
    """Pinned: the number of queries does not grow with the number of rows."""

    @pytest.mark.parametrize("n", [3, 30])
    def test_ledger_for_county_staff(self, as_alice, fill, n, django_assert_num_queries):
        fill(n)
        with django_assert_num_queries(LEDGER_QUERIES_COUNTY):
            response = as_alice.get(URL)
        assert len(response.context["page"]) == n

    @pytest.mark.parametrize("n", [3, 30])
    def test_ledger_with_every_filter(self, as_alice, fill, n, django_assert_num_queries):
        fill(n)
        params = {
            "q": "措施",
            "kind": "province_evaluation",
            "status": "in_progress",
            "overdue": "on",
            "deadline_after": "2019-01-01",
            "o": "unit",
        }
        with django_assert_num_queries(LEDGER_QUERIES_COUNTY):
            response = as_alice.get(URL, params)
        assert len(response.context["page"]) > 0

    @pytest.mark.parametrize("n", [3, 30])
    def test_ledger_for_province_reviewer(
        self, as_rita, fill, finding_b, n, django_assert_num_queries
    ):
        fill(n)
        with django_assert_num_queries(LEDGER_QUERIES_PROVINCE):
            response = as_rita.get(URL)
        assert len(response.context["page"]) == n + 1

    @pytest.mark.parametrize("n", [3, 30])
    def test_ledger_for_a_unit_contact(self, client, una, fill, n, django_assert_num_queries):
        made = fill(n)
        client.force_login(una)
        with django_assert_num_queries(LEDGER_QUERIES_UNIT):
            response = client.get(URL)
        # Hers: the findings her unit leads or cooperates on (two in three of them).
        own = [f for f in made if f.unit_links.filter(unit=una.unit).exists()]
        assert 0 < len(own) < n
        assert {row.pk for row in response.context["page"]} == {f.pk for f in own}

    @pytest.mark.parametrize("n", [3, 30])
    def test_ledger_paginated(self, as_alice, fill, n, settings, django_assert_num_queries):
        settings.RECTIFY_PAGE_SIZE = 2
        fill(n)
        with django_assert_num_queries(LEDGER_QUERIES_COUNTY):
            response = as_alice.get(URL, {"page": 2})
        assert len(response.context["page"]) == (2 if n > 3 else 1)

    @pytest.mark.parametrize("n", [3, 30])
    def test_landing_page_for_county_staff(self, as_alice, fill, n, django_assert_num_queries):
        fill(n)
        with django_assert_num_queries(HOME_QUERIES_COUNTY):
            response = as_alice.get("/counties/510811/")
        assert response.context["total"].total == n
        assert len(response.context["recent"]) == min(n, 6)

    @pytest.mark.parametrize("n", [3, 30])
    def test_landing_page_for_province_reviewer(
        self, as_rita, fill, finding_b, n, django_assert_num_queries
    ):
        fill(n)
        with django_assert_num_queries(HOME_QUERIES_PROVINCE):
            response = as_rita.get("/provinces/510000/")
        assert response.context["total"].total == n + 1

    @pytest.mark.parametrize("n", [3, 30])
    @pytest.mark.parametrize("who", ["alice", "lee", "una", "rita", "nina"])
    def test_finding_page(
        self,
        request,
        client,
        alice,
        lee,
        county_a,
        review_a,
        unit_a,
        fill,
        factory,
        settings,
        tmp_path,
        n,
        who,
        django_assert_num_queries,
    ):
        settings.MEDIA_ROOT = tmp_path
        others = fill(n)
        # una's unit among them, so that she sees the finding.
        units = [
            unit_a,
            *(factory.unit(county_a, f"乡镇{i}", kind="township") for i in range(1, n)),
        ]
        finding = factory.finding(
            alice,
            county_a,
            review_a,
            measures=[f"措施{i}" for i in range(n)],
            units=units,
            related=others,
        )
        for i in range(n):
            # n edits, notes, pieces of evidence and workflow steps: all in the timeline.
            finding.refresh_from_db()  # the version the editor would have loaded
            services.finding_update(
                user=alice,
                finding=finding,
                data=services.FindingData(
                    review=review_a,
                    category=finding.category,
                    description=f"问题描述,第{i}次修改",
                    deadline=TODAY,  # set once; it moves only by an approved extension
                    measures=[f"措施{j}" for j in range(i, n + i)],
                    units=[services.UnitEntry(u) for u in units[i:] + units[:i]],
                    related=others,
                ),
                expected_version=finding.version,
            )
            services.progress_add(user=alice, finding=finding, note=f"进展{i}", date=TODAY)
            services.evidence_add(
                user=alice, finding=finding, upload=SimpleUploadedFile(f"照片{i}.png", PNG)
            )
            asked = services.extension_request(
                user=alice,
                finding=finding,
                new_deadline=TODAY + dt.timedelta(days=30 + i),
                reason=f"理由{i}",
            )
            services.request_decide(user=lee, request=asked, approve=False, comment=f"意见{i}")
            if i % 2 == 0:
                services.finding_submit_closeout(user=alice, finding=finding, result=f"结果{i}")
                services.finding_return(user=lee, finding=finding, reason=f"材料不全{i}")
        user = request.getfixturevalue(who)
        client.force_login(user)
        # Warm the connection: SQLite's JSON support is probed once per connection.
        client.get(finding.get_absolute_url())
        with django_assert_num_queries(DETAIL_QUERIES):
            response = client.get(finding.get_absolute_url())
        assert len(response.context["measures"]) == n
        assert len(response.context["responsible"]) == n
        # A unit's contact sees the related findings of her unit only.
        assert len(response.context["related"]) == finding.related.for_user(user).count()
        assert len(response.context["related"]) == (
            n
            if who != "una"
            else len([o for o in others if o.unit_links.filter(unit=unit_a).exists()])
        )
        assert len(response.context["notes"]) == n
        assert len(response.context["evidence"]) == n
        assert len(response.context["finding_requests"]) == n
        assert len(response.context["timeline"]) > 3 * n

    def test_finding_page_names_its_people(
        self,
        client,
        alice,
        lee,
        una,
        county_a,
        review_a,
        unit_a,
        factory,
        django_assert_num_queries,
    ):
        """Who updated, closed and archived a finding, and who acknowledged or handed back its
        units' tasks, are named on its page within the same queries."""
        for user, name in ((alice, "王丽"), (lee, "李明"), (una, "赵云")):
            user.first_name = name
            user.save()
        township = factory.unit(county_a, "元坝镇", kind="township")
        una2 = Factory.user("una2", Role.UNIT_STAFF, county=county_a, unit=township)
        una2.first_name = "钱多多"
        una2.save()
        closed = factory.finding(alice, county_a, review_a, units=[unit_a])
        client.force_login(una)
        services.finding_acknowledge(user=una, finding=closed)
        approvals.closeout_requested(closed, staff=alice)
        services.finding_close(user=lee, finding=closed)
        handed = factory.finding(alice, county_a, review_a, units=[township])
        services.finding_hand_back(user=una2, finding=handed, reason="不属于本单位职责。")
        handed = approvals.archive(handed, staff=alice, leader=lee)
        client.force_login(alice)
        for finding, names in (
            (closed, ["赵云于", "李明审批", "· 李明"]),
            (handed, ["由 李明 归档", "钱多多于"]),
        ):
            client.get(finding.get_absolute_url())
            with django_assert_num_queries(DETAIL_QUERIES):
                html = client.get(finding.get_absolute_url()).content.decode()
            for name in names:
                assert name in html


class TestChoicesForManyCounties:
    """A user who sees many counties picks a county before units and categories are listed;
    a value given in the address still filters and stays selected."""

    @pytest.fixture
    def rita_notice(self, province, county_a):
        from issues.models import Review

        notice = Review.objects.create(
            kind="province_supervision", team="省督查组", province=province
        )
        notice.counties.add(county_a)
        return notice

    def test_without_a_county_no_units_or_categories_are_listed(
        self, client, rita, finding_a, finding_b, unit_a
    ):
        client.force_login(rita)
        form = client.get(URL).context["filter"].form
        assert list(form.fields["unit"].queryset) == []
        assert list(form.fields["category"].queryset) == []
        assert "选择区县后可按此筛选" in form.fields["unit"].empty_label

    def test_reviews_without_a_county_are_the_provincial_notices(
        self, client, rita, rita_notice, finding_a
    ):
        client.force_login(rita)
        form = client.get(URL).context["filter"].form
        assert list(form.fields["review"].queryset) == [rita_notice]

    def test_with_a_county_its_choices(self, client, rita, finding_a, finding_b, unit_a, unit_a2):
        client.force_login(rita)
        form = client.get(URL, {"county": finding_a.county_id}).context["filter"].form
        assert set(form.fields["unit"].queryset) == {unit_a, unit_a2}
        assert list(form.fields["category"].queryset) == [finding_a.category]
        assert list(form.fields["review"].queryset) == [finding_a.review]

    def test_a_unit_from_a_link_still_filters(self, client, rita, finding_a, finding_b, unit_a):
        client.force_login(rita)
        response = client.get(URL, {"unit": unit_a.pk})
        assert [f.pk for f in response.context["page"]] == [finding_a.pk]
        assert list(response.context["filter"].form.fields["unit"].queryset) == [unit_a]
        assert f'<option value="{unit_a.pk}" selected>' in response.content.decode()


class TestProvinceFirstForANationalUser:
    """A national user chooses a province before its counties are listed (1,500 counties
    would make one long list); province and county users get no province filter."""

    @pytest.fixture
    def far(self, db, other_province):
        county = Factory.county(other_province, "360926", "铜鼓县")
        fay = Factory.user("fay", Role.COUNTY_STAFF, county=county)
        return Factory.finding(fay, county, Factory.review(county), description="铜鼓县的问题。")

    def test_without_a_province_no_counties_are_listed(self, client, nina, finding_a, far):
        client.force_login(nina)
        response = client.get(URL)
        form = response.context["filter"].form
        assert list(form.fields["county"].queryset) == []
        assert "选择省份后可按此筛选" in form.fields["county"].empty_label
        assert [p.code for p in form.fields["province"].queryset] == ["360000", "510000"]
        assert {f.pk for f in response.context["page"]} == {finding_a.pk, far.pk}

    def test_a_province_filters_and_lists_its_counties(
        self, client, nina, finding_a, finding_b, far, province
    ):
        client.force_login(nina)
        response = client.get(URL, {"province": province.pk})
        form = response.context["filter"].form
        assert set(form.fields["county"].queryset) == {finding_a.county, finding_b.county}
        assert {f.pk for f in response.context["page"]} == {finding_a.pk, finding_b.pk}
        assert f'<option value="{province.pk}" selected>四川省</option>' in (
            response.content.decode()
        )

    def test_a_county_from_a_link_still_filters_and_stays_selected(
        self, client, nina, finding_a, far
    ):
        client.force_login(nina)
        response = client.get(URL, {"county": far.county_id})
        assert [f.pk for f in response.context["page"]] == [far.pk]
        assert list(response.context["filter"].form.fields["county"].queryset) == [far.county]
        assert f'<option value="{far.county_id}" selected>' in response.content.decode()

    @pytest.mark.parametrize("who", ["rita", "alice"])
    def test_others_have_no_province_filter(self, client, who, request, finding_a):
        client.force_login(request.getfixturevalue(who))
        assert "province" not in client.get(URL).context["filter"].form.fields
