"""Writes through issues/services.py: finding_create, finding_update, progress_add."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from issues import services
from issues.models import Category, Finding, FindingUnit, Measure, Progress, StatusChange, Unit
from issues.services import FindingData, UnitEntry
from rectify.lib.records import EditConflict

TODAY = dt.date(2019, 9, 10)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def category_a(review_a) -> Category:
    return Category.objects.create(review=review_a, name="项目建设进度滞后问题", order=1)


@pytest.fixture
def unit_a3(county_a, factory) -> Unit:
    return factory.unit(county_a, "区农业农村局")


def _data(review, category, **fields) -> FindingData:
    return FindingData(
        review=review,
        category=category,
        description=fields.pop("description", "县级公共服务中心未开始建设。"),
        **fields,
    )


def _measures(finding) -> list[str]:
    return list(finding.measures.order_by("order").values_list("text", flat=True))


def _units(finding) -> list[tuple[str, str, int]]:
    return list(finding.unit_links.order_by("order").values_list("unit__name", "role", "order"))


def _lead(finding) -> str | None:
    return Finding.objects.with_lead_unit().get(pk=finding.pk).lead_unit_name


class TestFindingCreate:
    def test_creates_the_finding_with_its_parts(
        self, alice, county_a, review_a, category_a, unit_a, unit_a2
    ):
        data = _data(
            review_a,
            category_a,
            description="  县级公共服务中心未开始建设。 ",
            deadline=dt.date(2019, 10, 30),
            is_ongoing=True,
            measures=["加快选址", "  ", "尽快招标"],
            units=[UnitEntry(unit_a), UnitEntry(unit_a2)],
        )
        finding = services.finding_create(user=alice, county=county_a, data=data)

        finding = Finding.objects.get(pk=finding.pk)
        assert finding.county == county_a
        assert finding.review == review_a
        assert finding.category == category_a
        assert finding.order == 1
        assert finding.description == "县级公共服务中心未开始建设。"
        assert finding.deadline == dt.date(2019, 10, 30)
        assert finding.is_ongoing is True
        assert finding.status == Finding.Status.OPEN
        assert finding.closed_on is None
        assert finding.created_by == alice
        assert finding.updated_by == alice
        assert _measures(finding) == ["加快选址", "尽快招标"]
        assert list(finding.measures.values_list("order", flat=True)) == [1, 2]
        assert _units(finding) == [
            ("区商务和经济合作局", "responsible", 1),
            ("区财政局", "responsible", 2),
        ]
        assert _lead(finding) == "区商务和经济合作局"

    def test_next_order_within_the_category(self, alice, county_a, review_a, category_a):
        first = services.finding_create(
            user=alice, county=county_a, data=_data(review_a, category_a)
        )
        second = services.finding_create(
            user=alice, county=county_a, data=_data(review_a, category_a)
        )
        assert (first.order, second.order) == (1, 2)

    def test_explicit_order_is_kept(self, alice, county_a, review_a, category_a):
        finding = services.finding_create(
            user=alice, county=county_a, data=_data(review_a, category_a, order=5)
        )
        assert Finding.objects.get(pk=finding.pk).order == 5

    def test_order_counts_per_county(
        self, alice, bob, county_a, county_b, review_a, category_a, factory
    ):
        review_a.counties.add(county_b)
        services.finding_create(user=alice, county=county_a, data=_data(review_a, category_a))
        services.finding_create(user=alice, county=county_a, data=_data(review_a, category_a))
        in_b = services.finding_create(user=bob, county=county_b, data=_data(review_a, category_a))
        assert in_b.order == 1

    def test_units_responsible_first_and_first_responsible_leads(
        self, alice, county_a, review_a, category_a, unit_a, unit_a2, unit_a3
    ):
        data = _data(
            review_a,
            category_a,
            units=[
                UnitEntry(unit_a3, FindingUnit.Role.COOPERATING),
                UnitEntry(unit_a2),
                UnitEntry(unit_a),
            ],
        )
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert _units(finding) == [
            ("区财政局", "responsible", 1),
            ("区商务和经济合作局", "responsible", 2),
            ("区农业农村局", "cooperating", 3),
        ]
        assert _lead(finding) == "区财政局"

    def test_same_unit_twice_is_kept_once(self, alice, county_a, review_a, category_a, unit_a):
        data = _data(
            review_a,
            category_a,
            units=[UnitEntry(unit_a), UnitEntry(unit_a, FindingUnit.Role.COOPERATING)],
        )
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert _units(finding) == [("区商务和经济合作局", "responsible", 1)]

    def test_unit_of_another_county_is_refused(
        self, alice, county_a, county_b, review_a, category_a, unit_a, factory
    ):
        foreign = factory.unit(county_b, "区商务局")
        data = _data(review_a, category_a, units=[UnitEntry(unit_a), UnitEntry(foreign)])
        with pytest.raises(ValidationError) as exc:
            services.finding_create(user=alice, county=county_a, data=data)
        assert exc.value.message_dict["units"] == ["责任单位必须是本区县的单位。"]
        assert not Finding.objects.exists()
        assert not Measure.objects.exists()

    def test_cooperating_unit_of_another_county_is_refused(
        self, alice, county_a, county_b, review_a, category_a, unit_a, factory
    ):
        foreign = factory.unit(county_b, "区商务局")
        data = _data(
            review_a,
            category_a,
            units=[UnitEntry(unit_a), UnitEntry(foreign, FindingUnit.Role.COOPERATING)],
        )
        with pytest.raises(ValidationError):
            services.finding_create(user=alice, county=county_a, data=data)
        assert not Finding.objects.exists()

    def test_new_category_gets_the_next_order(self, alice, county_a, review_a, category_a):
        data = _data(review_a, None, new_category_name="  资金管理问题 ")
        finding = services.finding_create(user=alice, county=county_a, data=data)
        category = finding.category
        assert category.name == "资金管理问题"
        assert category.review == review_a
        assert category.order == 2
        assert category.created_by == alice
        assert finding.order == 1

    def test_new_category_with_an_existing_name_reuses_it(
        self, alice, county_a, review_a, category_a
    ):
        data = _data(review_a, None, new_category_name="项目建设进度滞后问题")
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert finding.category == category_a
        assert Category.objects.count() == 1

    def test_new_category_name_wins_over_the_selected_one(
        self, alice, county_a, review_a, category_a
    ):
        data = _data(review_a, category_a, new_category_name="精准扶贫方面问题")
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert finding.category.name == "精准扶贫方面问题"

    def test_category_is_required(self, alice, county_a, review_a):
        with pytest.raises(ValidationError) as exc:
            services.finding_create(user=alice, county=county_a, data=_data(review_a, None))
        assert "category" in exc.value.message_dict

    def test_category_of_another_review_is_refused(
        self, alice, county_a, review_a, category_a, factory
    ):
        other = factory.review(county_a, kind="province_evaluation", team="省绩效评价组")
        with pytest.raises(ValidationError) as exc:
            services.finding_create(user=alice, county=county_a, data=_data(other, category_a))
        assert exc.value.message_dict["category"] == ["问题类别不属于所选检查。"]

    def test_review_not_involving_the_county_is_refused(
        self, alice, county_a, county_b, category_a, factory
    ):
        review_b = factory.review(county_b)
        cat = Category.objects.create(review=review_b, name="其他", order=1)
        with pytest.raises(ValidationError) as exc:
            services.finding_create(user=alice, county=county_a, data=_data(review_b, cat))
        assert exc.value.message_dict["review"] == ["该检查不涉及本区县。"]

    def test_related_finding_of_another_county_is_refused(
        self, alice, county_a, review_a, category_a, finding_b
    ):
        data = _data(review_a, category_a, related=[finding_b])
        with pytest.raises(ValidationError) as exc:
            services.finding_create(user=alice, county=county_a, data=data)
        assert "related" in exc.value.message_dict
        assert not Finding.objects.filter(county=county_a).exists()

    def test_related_is_symmetrical(self, alice, county_a, review_a, category_a, finding_a):
        data = _data(review_a, category_a, related=[finding_a])
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert list(finding_a.related.all()) == [finding]

    def test_closed_sets_closed_on_to_today(self, alice, county_a, review_a, category_a):
        data = _data(review_a, category_a, status=Finding.Status.CLOSED, result="已建成")
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert Finding.objects.get(pk=finding.pk).closed_on == TODAY

    def test_closed_keeps_the_given_date(self, alice, county_a, review_a, category_a):
        data = _data(
            review_a,
            category_a,
            status=Finding.Status.CLOSED,
            result="已建成",
            closed_on=dt.date(2019, 6, 30),
        )
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert Finding.objects.get(pk=finding.pk).closed_on == dt.date(2019, 6, 30)

    def test_not_closed_has_no_closed_on(self, alice, county_a, review_a, category_a):
        data = _data(
            review_a,
            category_a,
            status=Finding.Status.SUBMITTED,
            closed_on=dt.date(2019, 6, 30),
        )
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert Finding.objects.get(pk=finding.pk).closed_on is None

    @pytest.mark.parametrize("who", ["lee", "bob", "rita", "quinn", "nina"])
    def test_only_the_county_staff_may_create(self, request, who, county_a, review_a, category_a):
        user = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            services.finding_create(user=user, county=county_a, data=_data(review_a, category_a))
        assert not Finding.objects.exists()

    def test_inactive_staff_may_not_create(self, alice, county_a, review_a, category_a):
        alice.is_active = False
        with pytest.raises(PermissionDenied):
            services.finding_create(user=alice, county=county_a, data=_data(review_a, category_a))


@pytest.fixture
def finding(alice, county_a, review_a, category_a, unit_a, unit_a2):
    data = _data(
        review_a,
        category_a,
        measures=["加快选址", "尽快招标", "按期建成"],
        units=[UnitEntry(unit_a), UnitEntry(unit_a2)],
        deadline=dt.date(2019, 10, 30),
    )
    return services.finding_create(user=alice, county=county_a, data=data)


def _same(finding, **changes) -> FindingData:
    """The finding's current data with some changes, as the edit form would hand it over."""
    fields = {
        "review": finding.review,
        "category": finding.category,
        "description": finding.description,
        "deadline": finding.deadline,
        "is_ongoing": finding.is_ongoing,
        "status": finding.status,
        "result": finding.result,
        "closed_on": finding.closed_on,
        "measures": _measures(finding),
        "units": [UnitEntry(link.unit, link.role) for link in finding.unit_links.all()],
    }
    return FindingData(**{**fields, **changes})


class TestFindingUpdate:
    def test_measures_are_updated_in_place(self, alice, finding):
        ids = list(finding.measures.values_list("pk", flat=True))
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, measures=["加快选址", "本月底前完成招标", "按期建成"]),
            expected_version=finding.version,
        )
        assert _measures(finding) == ["加快选址", "本月底前完成招标", "按期建成"]
        assert list(finding.measures.values_list("pk", flat=True)) == ids

    def test_changing_one_measure_leaves_history_only_for_that_one(self, alice, finding):
        first, second, third = finding.measures.all()
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, measures=["加快选址", "本月底前完成招标", "按期建成"]),
            expected_version=finding.version,
        )
        assert first.history.count() == 1
        assert third.history.count() == 1
        assert second.history.count() == 2
        latest = second.history.first()
        assert latest.history_type == "~"
        assert latest.text == "本月底前完成招标"
        assert latest.history_user == alice
        assert second.history.last().text == "尽快招标"

    def test_reordering_measures_rewrites_rows_in_order(self, alice, finding):
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, measures=["按期建成", "加快选址", "尽快招标"]),
            expected_version=finding.version,
        )
        assert _measures(finding) == ["按期建成", "加快选址", "尽快招标"]
        assert list(finding.measures.values_list("order", flat=True)) == [1, 2, 3]

    def test_fewer_measures_delete_the_tail_with_history(self, alice, finding):
        third = finding.measures.get(order=3)
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, measures=["加快选址", "尽快招标"]),
            expected_version=finding.version,
        )
        assert _measures(finding) == ["加快选址", "尽快招标"]
        deleted = Measure.history.filter(id=third.pk, history_type="-").get()
        assert deleted.history_user == alice

    def test_more_measures_add_rows(self, alice, finding):
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, measures=["加快选址", "尽快招标", "按期建成", "长期坚持"]),
            expected_version=finding.version,
        )
        assert _measures(finding) == ["加快选址", "尽快招标", "按期建成", "长期坚持"]
        added = finding.measures.get(order=4)
        assert added.created_by == alice
        assert added.history.get().history_type == "+"

    def test_unchanged_measures_leave_no_history(self, alice, finding):
        before = Measure.history.count()
        services.finding_update(
            user=alice, finding=finding, data=_same(finding), expected_version=finding.version
        )
        assert Measure.history.count() == before

    def test_units_reordered_change_the_lead(self, alice, finding, unit_a, unit_a2):
        link_ids = dict(finding.unit_links.values_list("unit_id", "pk"))
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, units=[UnitEntry(unit_a2), UnitEntry(unit_a)]),
            expected_version=finding.version,
        )
        assert _units(finding) == [
            ("区财政局", "responsible", 1),
            ("区商务和经济合作局", "responsible", 2),
        ]
        assert _lead(finding) == "区财政局"
        # The links are kept, only their order changes.
        assert dict(finding.unit_links.values_list("unit_id", "pk")) == link_ids

    def test_unit_becomes_cooperating(self, alice, finding, unit_a, unit_a2, unit_a3):
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(
                finding,
                units=[
                    UnitEntry(unit_a2, FindingUnit.Role.COOPERATING),
                    UnitEntry(unit_a3, FindingUnit.Role.COOPERATING),
                    UnitEntry(unit_a),
                ],
            ),
            expected_version=finding.version,
        )
        assert _units(finding) == [
            ("区商务和经济合作局", "responsible", 1),
            ("区财政局", "cooperating", 2),
            ("区农业农村局", "cooperating", 3),
        ]

    def test_removed_unit_is_unlinked_with_history(self, alice, finding, unit_a, unit_a2):
        link = finding.unit_links.get(unit=unit_a2)
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, units=[UnitEntry(unit_a)]),
            expected_version=finding.version,
        )
        assert _units(finding) == [("区商务和经济合作局", "responsible", 1)]
        assert FindingUnit.history.get(id=link.pk, history_type="-").history_user == alice
        assert Unit.objects.filter(pk=unit_a2.pk).exists()

    def test_unit_of_another_county_is_refused_and_nothing_changes(
        self, alice, finding, county_b, unit_a, factory
    ):
        foreign = factory.unit(county_b, "区商务局")
        with pytest.raises(ValidationError):
            services.finding_update(
                user=alice,
                finding=finding,
                data=_same(
                    finding,
                    description="改过的描述",
                    measures=["只有一条"],
                    units=[UnitEntry(unit_a), UnitEntry(foreign)],
                ),
                expected_version=finding.version,
            )
        fresh = Finding.objects.get(pk=finding.pk)
        assert fresh.description == "县级公共服务中心未开始建设。"
        assert _measures(fresh) == ["加快选址", "尽快招标", "按期建成"]
        assert len(_units(fresh)) == 2

    def test_moving_to_another_category_takes_its_next_order(
        self, alice, county_a, review_a, finding, factory
    ):
        factory.finding(alice, county_a, review_a, category="资金管理问题")
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, category=None, new_category_name="资金管理问题"),
            expected_version=finding.version,
        )
        finding.refresh_from_db()
        assert finding.category.name == "资金管理问题"
        assert finding.order == 2

    def test_staying_in_the_category_keeps_the_order(
        self, alice, county_a, review_a, category_a, finding
    ):
        services.finding_create(user=alice, county=county_a, data=_data(review_a, category_a))
        services.finding_update(
            user=alice, finding=finding, data=_same(finding), expected_version=finding.version
        )
        finding.refresh_from_db()
        assert finding.order == 1

    @pytest.mark.parametrize(
        "status", [Finding.Status.IN_PROGRESS, Finding.Status.SUBMITTED, Finding.Status.CLOSED]
    )
    def test_status_moves_only_through_the_workflow(self, alice, finding, status):
        with pytest.raises(services.TransitionError) as exc:
            services.finding_update(
                user=alice,
                finding=finding,
                data=_same(finding, status=status, result="已完成招标", description="改过"),
                expected_version=finding.version,
            )
        assert exc.value.messages == ["整改状态须通过“申请销号”等操作变更。"]
        fresh = Finding.objects.get(pk=finding.pk)
        assert (fresh.status, fresh.closed_on, fresh.description) == (
            Finding.Status.OPEN,
            None,
            "县级公共服务中心未开始建设。",
        )

    def test_editing_a_closed_finding_is_refused(self, alice, county_a, review_a, category_a):
        # Closed means closed: a change needs 重新打开 first (tests/issues/test_closed_findings.py).
        data = _data(
            review_a,
            category_a,
            status=Finding.Status.CLOSED,
            result="已完成",
            closed_on=dt.date(2019, 8, 1),
        )
        finding = services.finding_create(user=alice, county=county_a, data=data)
        with pytest.raises(services.TransitionError):
            services.finding_update(
                user=alice,
                finding=finding,
                data=_same(finding, status=None, closed_on=None, result="已完成。"),
                expected_version=finding.version,
            )
        finding.refresh_from_db()
        assert (finding.status, finding.closed_on) == (Finding.Status.CLOSED, dt.date(2019, 8, 1))
        assert finding.result == "已完成"

    def test_each_save_is_a_new_version(self, alice, finding):
        assert Finding.objects.get(pk=finding.pk).version == 1
        services.finding_update(
            user=alice, finding=finding, data=_same(finding), expected_version=finding.version
        )
        assert Finding.objects.get(pk=finding.pk).version == 2

    def test_stale_version_is_refused(self, alice, finding):
        services.finding_update(
            user=alice,
            finding=finding,
            data=_same(finding, description="第一次修改"),
            expected_version=finding.version,
        )
        with pytest.raises(EditConflict):
            services.finding_update(
                user=alice,
                finding=finding,
                data=_same(finding, description="第二次修改"),
                expected_version=1,
            )
        assert Finding.objects.get(pk=finding.pk).description == "第一次修改"

    @pytest.mark.parametrize("who", ["lee", "bob", "rita", "quinn", "nina"])
    def test_only_the_county_staff_may_update(self, request, who, finding):
        user = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            services.finding_update(
                user=user,
                finding=finding,
                data=_same(finding, description="改过"),
                expected_version=finding.version,
            )
        assert Finding.objects.get(pk=finding.pk).description == "县级公共服务中心未开始建设。"

    def test_staff_of_another_county_may_not_update(self, bob, finding_a):
        with pytest.raises(PermissionDenied):
            services.finding_update(
                user=bob,
                finding=finding_a,
                data=_same(finding_a),
                expected_version=finding_a.version,
            )


class TestHistory:
    def test_create_records_history_with_the_user(self, alice, finding):
        record = finding.history.get()
        assert record.history_type == "+"
        assert record.history_user == alice
        for measure in finding.measures.all():
            assert measure.history.get().history_user == alice
        for link in finding.unit_links.all():
            assert link.history.get().history_user == alice

    def test_update_records_who_changed_what(self, alice, finding):
        # A second member of county A's staff edits.
        colleague = type(alice).objects.create_user(username="carol", county=alice.county)
        colleague.groups.set(alice.groups.all())
        services.finding_update(
            user=colleague,
            finding=finding,
            data=_same(finding, description="已重新选址。"),
            expected_version=finding.version,
        )
        latest = finding.history.first()
        assert latest.history_type == "~"
        assert latest.history_user == colleague
        assert latest.description == "已重新选址。"
        # prev_record compares history dates, which time-machine has frozen: go by id.
        first = finding.history.order_by("history_id").first()
        assert (first.history_type, first.history_user) == ("+", alice)
        assert first.description == "县级公共服务中心未开始建设。"
        assert Finding.objects.get(pk=finding.pk).updated_by == colleague
        assert Finding.objects.get(pk=finding.pk).created_by == alice

    def test_new_category_records_history(self, alice, county_a, review_a):
        data = _data(review_a, None, new_category_name="资金管理问题")
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert finding.category.history.get().history_user == alice

    def test_progress_records_history(self, alice, finding):
        progress = services.progress_add(user=alice, finding=finding, note="已完成选址。")
        assert progress.history.get().history_user == alice


class TestProgressAdd:
    def test_first_note_starts_the_rectification(self, alice, finding):
        assert finding.status == Finding.Status.OPEN
        progress = services.progress_add(
            user=alice, finding=finding, note="  已完成选址。 ", date=dt.date(2019, 9, 1)
        )
        progress.refresh_from_db()
        assert progress.note == "已完成选址。"
        assert progress.date == dt.date(2019, 9, 1)
        assert progress.author == alice
        assert progress.created_by == alice
        fresh = Finding.objects.get(pk=finding.pk)
        assert fresh.status == Finding.Status.IN_PROGRESS
        assert fresh.updated_by == alice
        assert fresh.history.first().history_type == "~"
        assert fresh.history.first().status == Finding.Status.IN_PROGRESS
        change = StatusChange.objects.get(finding=finding)
        assert (change.from_status, change.to_status, change.actor) == (
            "open",
            "in_progress",
            alice,
        )

    def test_later_notes_with_the_same_copy_are_recorded(self, alice, finding):
        """The caller's copy still says "open" after the first note: the service must go by
        the current row, not refuse the second note."""
        services.progress_add(user=alice, finding=finding, note="已完成选址。")
        services.progress_add(user=alice, finding=finding, note="已发布招标公告。")
        assert list(finding.progress_notes.order_by("id").values_list("note", flat=True)) == [
            "已完成选址。",
            "已发布招标公告。",
        ]
        assert Finding.objects.get(pk=finding.pk).status == Finding.Status.IN_PROGRESS
        assert StatusChange.objects.filter(finding=finding).count() == 1

    def test_two_people_add_the_first_note(self, alice, finding):
        mine = Finding.objects.get(pk=finding.pk)
        theirs = Finding.objects.get(pk=finding.pk)
        services.progress_add(user=alice, finding=theirs, note="他人先填报。")
        services.progress_add(user=alice, finding=mine, note="我后填报。")
        assert Progress.objects.filter(finding=finding).count() == 2

    def test_date_defaults_to_today(self, alice, finding):
        progress = services.progress_add(user=alice, finding=finding, note="已完成选址。")
        assert progress.date == TODAY

    def test_today_is_allowed(self, alice, finding):
        progress = services.progress_add(user=alice, finding=finding, note="进展", date=TODAY)
        assert progress.date == TODAY

    def test_future_date_is_refused(self, alice, finding):
        with pytest.raises(ValidationError) as exc:
            services.progress_add(
                user=alice, finding=finding, note="明天的进展", date=TODAY + dt.timedelta(1)
            )
        assert exc.value.message_dict["date"] == ["进展日期不能晚于今天。"]
        assert not Progress.objects.exists()
        assert Finding.objects.get(pk=finding.pk).status == Finding.Status.OPEN

    @pytest.mark.parametrize(
        "status", [Finding.Status.IN_PROGRESS, Finding.Status.SUBMITTED, Finding.Status.CLOSED]
    )
    def test_later_statuses_are_left_alone(self, alice, finding, status):
        Finding.objects.filter(pk=finding.pk).update(status=status, closed_on=TODAY)
        finding.refresh_from_db()
        services.progress_add(user=alice, finding=finding, note="长期坚持,定期检查。")
        assert Finding.objects.get(pk=finding.pk).status == status

    def test_blank_note_is_refused(self, alice, finding):
        with pytest.raises(ValidationError):
            services.progress_add(user=alice, finding=finding, note="   ")
        assert not Progress.objects.exists()
        assert Finding.objects.get(pk=finding.pk).status == Finding.Status.OPEN

    @pytest.mark.parametrize("who", ["lee", "bob", "rita"])
    def test_only_the_county_staff_may_add(self, request, who, finding):
        user = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            services.progress_add(user=user, finding=finding, note="进展")
        assert not Progress.objects.exists()


class TestUnitSave:
    def test_staff_saves_a_unit_of_their_county(self, alice, county_a):
        unit = services.unit_save(user=alice, unit=Unit(county=county_a, name="区邮政分局"))
        assert unit.created_by == alice
        assert unit.history.get().history_user == alice

    @pytest.mark.parametrize("who", ["lee", "bob", "rita"])
    def test_others_may_not(self, request, who, county_a):
        user = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            services.unit_save(user=user, unit=Unit(county=county_a, name="区邮政分局"))
        assert not Unit.objects.filter(name="区邮政分局").exists()

    def test_duplicate_name_in_the_county_is_refused(self, alice, county_a, unit_a):
        with pytest.raises(ValidationError):
            services.unit_save(user=alice, unit=Unit(county=county_a, name=unit_a.name))
