"""Values derived from a finding's own row, the FindingQuerySet reads, the closed-needs-date
constraint and the Chinese writing helpers in rectify/lib/text.py."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from issues.models import Finding, FindingUnit, Measure
from rectify.lib import text

TODAY = dt.date(2019, 9, 10)


def _finding(**fields) -> Finding:
    """An unsaved finding: the derived values need no database."""
    return Finding(**{"description": "问题", **fields})


# --- derived values of one row ------------------------------------------------------------


class TestDaysLeft:
    def test_counts_days_until_the_deadline(self):
        assert _finding(deadline=dt.date(2019, 9, 30)).days_left(TODAY) == 20

    def test_is_zero_on_the_deadline(self):
        assert _finding(deadline=TODAY).days_left(TODAY) == 0

    def test_is_negative_once_passed(self):
        assert _finding(deadline=dt.date(2019, 5, 30)).days_left(TODAY) == -103

    def test_is_none_without_a_deadline(self):
        assert _finding(deadline=None).days_left(TODAY) is None

    def test_defaults_to_the_local_date_in_shanghai(self):
        # 2019-09-29 17:00 UTC is already 2019-09-30 01:00 in Asia/Shanghai.
        with time_machine.travel(dt.datetime(2019, 9, 29, 17, 0, tzinfo=dt.UTC), tick=False):
            assert _finding(deadline=dt.date(2019, 9, 30)).days_left() == 0


class TestIsOverdue:
    def test_open_finding_past_its_deadline(self):
        assert _finding(deadline=dt.date(2019, 9, 9)).is_overdue(TODAY) is True

    def test_not_on_the_deadline_itself(self):
        assert _finding(deadline=TODAY).is_overdue(TODAY) is False

    @pytest.mark.parametrize(
        "status", [Finding.Status.OPEN, Finding.Status.IN_PROGRESS, Finding.Status.SUBMITTED]
    )
    def test_every_status_short_of_closed_can_be_overdue(self, status):
        assert _finding(deadline=dt.date(2019, 1, 1), status=status).is_overdue(TODAY) is True

    def test_closed_finding_is_never_overdue(self):
        finding = _finding(
            deadline=dt.date(2019, 1, 1), status=Finding.Status.CLOSED, closed_on=TODAY
        )
        assert finding.is_overdue(TODAY) is False

    def test_without_deadline_is_not_overdue(self):
        assert _finding(deadline=None).is_overdue(TODAY) is False


class TestIsDueSoon:
    def test_within_the_configured_days(self, settings):
        settings.RECTIFY_WARNING_DAYS = 14
        assert _finding(deadline=TODAY + dt.timedelta(14)).is_due_soon(TODAY) is True
        assert _finding(deadline=TODAY + dt.timedelta(15)).is_due_soon(TODAY) is False

    def test_follows_the_setting(self, settings):
        settings.RECTIFY_WARNING_DAYS = 30
        assert _finding(deadline=TODAY + dt.timedelta(20)).is_due_soon(TODAY) is True
        settings.RECTIFY_WARNING_DAYS = 7
        assert _finding(deadline=TODAY + dt.timedelta(20)).is_due_soon(TODAY) is False

    def test_explicit_window_overrides_the_setting(self, settings):
        settings.RECTIFY_WARNING_DAYS = 14
        finding = _finding(deadline=TODAY + dt.timedelta(20))
        assert finding.is_due_soon(TODAY, within=20) is True
        assert finding.is_due_soon(TODAY, within=19) is False

    def test_today_is_due_soon(self):
        assert _finding(deadline=TODAY).is_due_soon(TODAY) is True

    def test_passed_deadline_is_not_due_soon(self):
        assert _finding(deadline=TODAY - dt.timedelta(1)).is_due_soon(TODAY) is False

    def test_closed_finding_is_not_due_soon(self):
        finding = _finding(deadline=TODAY, status=Finding.Status.CLOSED, closed_on=TODAY)
        assert finding.is_due_soon(TODAY) is False

    def test_without_deadline_is_not_due_soon(self):
        assert _finding(deadline=None).is_due_soon(TODAY) is False


class TestDeadlineState:
    @pytest.mark.parametrize(
        ("deadline", "status", "ongoing", "state"),
        [
            (dt.date(2019, 9, 9), Finding.Status.IN_PROGRESS, False, "overdue"),
            (dt.date(2019, 9, 10), Finding.Status.OPEN, False, "due_soon"),
            (dt.date(2019, 9, 17), Finding.Status.SUBMITTED, False, "due_soon"),
            (dt.date(2019, 9, 18), Finding.Status.OPEN, False, "upcoming"),
            (dt.date(2019, 9, 24), Finding.Status.OPEN, False, "upcoming"),
            (dt.date(2019, 9, 25), Finding.Status.OPEN, False, "ok"),
            (None, Finding.Status.OPEN, False, "none"),
            (dt.date(2019, 9, 9), Finding.Status.CLOSED, False, "closed"),
            (dt.date(2019, 9, 30), Finding.Status.CLOSED, True, "closed"),
            (dt.date(2019, 9, 9), Finding.Status.CLOSED, True, "ongoing"),
            (None, Finding.Status.CLOSED, True, "closed"),
        ],
    )
    def test_state(self, settings, deadline, status, ongoing, state):
        settings.RECTIFY_WARNING_DAYS = 7
        settings.RECTIFY_UPCOMING_DAYS = 14
        closed_on = TODAY if status == Finding.Status.CLOSED else None
        finding = _finding(
            deadline=deadline, status=status, closed_on=closed_on, is_ongoing=ongoing
        )
        assert finding.deadline_state(TODAY) == state


class TestIsOngoing:
    def test_defaults_to_false(self):
        assert _finding().is_ongoing is False

    def test_ongoing_finding_is_still_overdue_after_its_date(self):
        # "并长期坚持" keeps the item under watch; it does not excuse a missed date.
        finding = _finding(deadline=dt.date(2019, 9, 9), is_ongoing=True)
        assert finding.is_overdue(TODAY) is True
        assert finding.deadline_state(TODAY) == "overdue"

    def test_is_stored(self, finding_a):
        Finding.objects.filter(pk=finding_a.pk).update(is_ongoing=True)
        finding_a.refresh_from_db()
        assert finding_a.is_ongoing is True


class TestShortDescription:
    def test_short_text_is_kept(self):
        assert (
            _finding(description=" 站点标识不规范统一。 ").short_description
            == "站点标识不规范统一。"
        )

    def test_long_text_is_cut_at_forty_characters(self):
        finding = _finding(description="甲" * 41)
        assert finding.short_description == "甲" * 40 + "…"
        assert str(finding) == "甲" * 40 + "…"


# --- FindingQuerySet ------------------------------------------------------------------------


@pytest.fixture
def ledger(alice, county_a, review_a, unit_a, unit_a2, factory):
    """Findings of county A in every state, keyed by what makes them interesting."""
    make = factory.finding
    return {
        "overdue": make(
            alice,
            county_a,
            review_a,
            description="村级站点运营效果欠佳。",
            deadline=dt.date(2019, 9, 9),
            status=Finding.Status.IN_PROGRESS,
            units=[unit_a],
        ),
        "today": make(alice, county_a, review_a, description="培训完成率低。", deadline=TODAY),
        "soon": make(
            alice,
            county_a,
            review_a,
            description="物流资源未整合。",
            deadline=dt.date(2019, 9, 30),
            status=Finding.Status.SUBMITTED,
            measures=["整合快递物流资源,实现共同配送"],
        ),
        "later": make(
            alice,
            county_a,
            review_a,
            description="公共服务中心未建设。",
            deadline=dt.date(2019, 10, 30),
            units=[unit_a2, unit_a],
        ),
        "no_deadline": make(alice, county_a, review_a, description="信息公开不足。"),
        "closed_late": make(
            alice,
            county_a,
            review_a,
            description="资金支付统计不全。",
            deadline=dt.date(2019, 5, 30),
            status=Finding.Status.CLOSED,
            result="已建立资金支付台账",
            closed_on=dt.date(2019, 6, 1),
        ),
    }


def _keys(ledger, qs) -> set[str]:
    by_pk = {f.pk: key for key, f in ledger.items()}
    return {by_pk[pk] for pk in qs.values_list("pk", flat=True)}


class TestFindingQuerySet:
    def test_open_excludes_only_closed(self, ledger):
        assert _keys(ledger, Finding.objects.open()) == set(ledger) - {"closed_late"}

    def test_closed(self, ledger):
        assert _keys(ledger, Finding.objects.closed()) == {"closed_late"}

    def test_overdue_is_open_and_past_the_deadline(self, ledger):
        assert _keys(ledger, Finding.objects.overdue(TODAY)) == {"overdue"}

    def test_overdue_moves_with_today(self, ledger):
        later = dt.date(2019, 10, 1)
        assert _keys(ledger, Finding.objects.overdue(later)) == {"overdue", "today", "soon"}

    def test_due_within_includes_today_and_the_last_day(self, ledger):
        assert _keys(ledger, Finding.objects.due_within(20, TODAY)) == {"today", "soon"}
        assert _keys(ledger, Finding.objects.due_within(19, TODAY)) == {"today"}
        assert _keys(ledger, Finding.objects.due_within(0, TODAY)) == {"today"}

    def test_due_within_leaves_out_closed_findings(self, ledger):
        assert _keys(ledger, Finding.objects.due_within(365, dt.date(2019, 5, 1))) == {
            "overdue",
            "today",
            "soon",
            "later",
        }

    @pytest.mark.parametrize(
        ("query", "keys"),
        [
            ("站点运营", {"overdue"}),  # description
            ("共同配送", {"soon"}),  # a measure
            ("资金支付台账", {"closed_late"}),  # result
            ("第一条措施", {"overdue", "today", "later", "no_deadline", "closed_late"}),
            ("  培训完成率  ", {"today"}),  # stripped
            ("不存在的文字", set()),
        ],
    )
    def test_search(self, ledger, query, keys):
        assert _keys(ledger, Finding.objects.search(query)) == keys

    def test_search_returns_each_finding_once_when_several_measures_match(self, ledger):
        # Every fixture finding but one has "第一条措施" and "第二条措施".
        qs = Finding.objects.search("条措施")
        assert qs.count() == 5
        assert len(list(qs)) == 5

    def test_blank_search_keeps_everything(self, ledger):
        assert Finding.objects.search("   ").count() == len(ledger)

    def test_involving_unit_in_any_role(self, ledger, unit_a, unit_a2, county_a):
        assert _keys(ledger, Finding.objects.involving_unit(unit_a)) == {"overdue", "later"}
        assert _keys(ledger, Finding.objects.involving_unit(unit_a2)) == {"later"}
        later = ledger["later"]
        FindingUnit.objects.filter(finding=later, unit=unit_a).update(role="cooperating")
        assert _keys(ledger, Finding.objects.involving_unit(unit_a)) == {"overdue", "later"}

    def test_with_lead_unit_is_the_first_responsible_unit(self, ledger):
        names = dict(Finding.objects.with_lead_unit().values_list("pk", "lead_unit_name"))
        assert names[ledger["overdue"].pk] == "区商务和经济合作局"
        assert names[ledger["later"].pk] == "区财政局"
        assert names[ledger["no_deadline"].pk] is None

    def test_a_cooperating_unit_never_leads(self, ledger, unit_a, unit_a2):
        finding = ledger["today"]
        # Even written first, a cooperating unit is not the lead.
        FindingUnit.objects.create(finding=finding, unit=unit_a2, role="cooperating", order=1)
        FindingUnit.objects.create(finding=finding, unit=unit_a, role="responsible", order=2)
        lead = Finding.objects.with_lead_unit().get(pk=finding.pk).lead_unit_name
        assert lead == "区商务和经济合作局"

    def test_lead_follows_order_not_insertion(self, ledger, unit_a, unit_a2):
        finding = ledger["today"]
        FindingUnit.objects.create(finding=finding, unit=unit_a, role="responsible", order=2)
        FindingUnit.objects.create(finding=finding, unit=unit_a2, role="responsible", order=1)
        lead = Finding.objects.with_lead_unit().get(pk=finding.pk).lead_unit_name
        assert lead == "区财政局"

    def test_only_cooperating_units_means_no_lead(self, ledger, unit_a):
        finding = ledger["today"]
        FindingUnit.objects.create(finding=finding, unit=unit_a, role="cooperating", order=1)
        assert Finding.objects.with_lead_unit().get(pk=finding.pk).lead_unit_name is None

    def test_for_user_keeps_own_county(self, ledger, finding_b, alice, bob, rita, quinn, nina):
        a_pks = {f.pk for f in ledger.values()}
        assert set(Finding.objects.for_user(alice).values_list("pk", flat=True)) == a_pks
        assert list(Finding.objects.for_user(bob).values_list("pk", flat=True)) == [finding_b.pk]
        assert set(Finding.objects.for_user(rita).values_list("pk", flat=True)) == a_pks | {
            finding_b.pk
        }
        assert not Finding.objects.for_user(quinn).exists()
        assert Finding.objects.for_user(nina).count() == len(ledger) + 1

    def test_active_and_archived(self, ledger, alice, lee):
        from tests import approvals

        approvals.archive(ledger["today"], staff=alice, leader=lee)
        assert _keys(ledger, Finding.objects.archived()) == {"today"}
        assert _keys(ledger, Finding.objects.active()) == set(ledger) - {"today"}

    def test_for_user_of_an_inactive_user_is_empty(self, ledger, alice):
        alice.is_active = False
        assert not Finding.objects.for_user(alice).exists()

    def test_in_ledger_order(self, alice, county_a, review_a, factory):
        second = factory.finding(alice, county_a, review_a, category="第二类")
        first = factory.finding(alice, county_a, review_a, category="第一类")
        first_2 = factory.finding(alice, county_a, review_a, category="第一类")
        # 第二类 was created first, so it is category 1 of the review.
        assert list(Finding.objects.in_ledger_order()) == [second, first, first_2]


# --- constraints -------------------------------------------------------------------------


class TestClosedNeedsDate:
    def test_database_refuses_closed_without_date(self, finding_a):
        with pytest.raises(IntegrityError), transaction.atomic():
            Finding.objects.filter(pk=finding_a.pk).update(status=Finding.Status.CLOSED)

    def test_full_clean_explains_in_chinese(self, finding_a):
        finding_a.status = Finding.Status.CLOSED
        finding_a.closed_on = None
        with pytest.raises(ValidationError) as exc:
            finding_a.full_clean()
        assert "已销号的问题必须有销号日期。" in exc.value.messages

    def test_closed_with_date_is_fine(self, finding_a):
        Finding.objects.filter(pk=finding_a.pk).update(
            status=Finding.Status.CLOSED, closed_on=TODAY
        )
        assert Finding.objects.closed().get() == finding_a

    def test_open_without_date_is_fine(self, finding_a):
        finding_a.full_clean()
        assert finding_a.closed_on is None


class TestMeasureOrdering:
    def test_measures_come_in_order(self, finding_a):
        Measure.objects.filter(finding=finding_a, order=1).update(order=3)
        assert [m.text for m in finding_a.measures.all()] == ["第二条措施", "第一条措施"]


# --- rectify/lib/text.py ----------------------------------------------------------------------


class TestChineseNumeral:
    @pytest.mark.parametrize(
        ("n", "expected"),
        [
            (0, "零"),
            (1, "一"),
            (2, "二"),
            (9, "九"),
            (10, "十"),
            (11, "十一"),
            (12, "十二"),
            (19, "十九"),
            (20, "二十"),
            (21, "二十一"),
            (99, "九十九"),
            (100, "100"),
        ],
    )
    def test_numeral(self, n, expected):
        assert text.chinese_numeral(n) == expected

    def test_negative_is_refused(self):
        with pytest.raises(ValueError):
            text.chinese_numeral(-1)


class TestMeasuresText:
    def test_items_are_numbered_and_joined(self):
        assert text.measures_text(["加快选址", "尽快招标", "按期建成"]) == (
            "一是加快选址；二是尽快招标；三是按期建成。"
        )

    def test_trailing_punctuation_of_items_is_dropped(self):
        assert text.measures_text(["加快选址;", "尽快招标。", "按期建成;"]) == (
            "一是加快选址；二是尽快招标；三是按期建成。"
        )

    def test_blank_items_are_skipped_and_do_not_count(self):
        assert text.measures_text(["  ", "加快选址", "", " 尽快招标 "]) == (
            "一是加快选址；二是尽快招标。"
        )

    def test_one_item_is_written_as_it_is(self):
        assert text.measures_text(["完善培训资料。"]) == "完善培训资料。"

    def test_no_items(self):
        assert text.measures_text([]) == ""
        assert text.measures_text(["  "]) == ""

    def test_eleven_items(self):
        out = text.measures_text([f"措施{i}" for i in range(1, 12)])
        assert out.startswith("一是措施1；")
        assert out.endswith("；十是措施10；十一是措施11。")


class TestDeadlineText:
    def test_plain_deadline(self):
        assert text.deadline_text(dt.date(2019, 10, 30), False) == "2019年10月30日前"

    def test_ongoing(self):
        assert text.deadline_text(dt.date(2019, 9, 30), True) == "2019年9月30日前，并长期坚持"

    def test_no_leading_zeros(self):
        assert text.deadline_text(dt.date(2019, 5, 1), False) == "2019年5月1日前"

    def test_without_deadline(self):
        assert text.deadline_text(None, True) == "长期坚持"
        assert text.deadline_text(None, False) == ""

    def test_chinese_date(self):
        assert text.chinese_date(dt.date(2019, 9, 30)) == "2019年9月30日"
