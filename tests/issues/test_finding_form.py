"""The create and edit pages of a finding, through the test client, with and without JavaScript."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages

from issues.models import Category, Finding, FindingUnit, Measure

from .html_forms import form_data, form_fields

TODAY = dt.date(2019, 9, 10)
NEW_URL = "/findings/new/"

DESCRIPTION = "县级公共服务中心因实施单位变更,重新选址新建工作还未招标。"
MEASURE_1 = "加快公共服务中心选址,本月内完成可研批复"
MEASURE_2 = "10月底前完成招标并开工建设"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def category_a(review_a) -> Category:
    return Category.objects.create(review=review_a, name="项目建设进度滞后问题", order=1)


@pytest.fixture
def staff_client(client, alice):
    client.force_login(alice)
    return client


def _post_data(review, category, units, /, **overrides) -> dict:
    """A complete, valid create form: two measures, the given units (responsible)."""
    data = {
        "review": str(review.pk),
        "category": str(category.pk) if category else "",
        "new_category": "",
        "order": "",
        "description": DESCRIPTION,
        "deadline": "2019-10-30",
        "result": "",
        "measures-TOTAL_FORMS": "2",
        "measures-INITIAL_FORMS": "0",
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "30",
        "measures-0-text": MEASURE_1,
        "measures-0-ORDER": "",
        "measures-1-text": MEASURE_2,
        "measures-1-ORDER": "",
        "units-TOTAL_FORMS": str(len(units)),
        "units-INITIAL_FORMS": "0",
        "units-MIN_NUM_FORMS": "0",
        "units-MAX_NUM_FORMS": "30",
        "save": "1",
    }
    for i, (unit, role) in enumerate(units):
        data[f"units-{i}-unit"] = str(unit.pk)
        data[f"units-{i}-role"] = role
        data[f"units-{i}-ORDER"] = ""
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _measures(finding) -> list[str]:
    return list(finding.measures.order_by("order").values_list("text", flat=True))


def _units(finding) -> list[tuple[str, str]]:
    return list(finding.unit_links.order_by("order").values_list("unit__name", "role"))


R = FindingUnit.Role.RESPONSIBLE
C = FindingUnit.Role.COOPERATING


class TestCreatePage:
    def test_get_shows_an_empty_form_of_the_users_county(
        self, staff_client, county_a, review_a, review_b, category_a, unit_a, finding_b
    ):
        response = staff_client.get(NEW_URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert "登记问题" in html
        assert "广元市昭化区" in html
        form = response.context["form"]
        assert list(form.fields["review"].queryset) == [review_a]
        assert list(form.fields["category"].queryset) == [category_a]
        assert list(response.context["units"].forms[0].fields["unit"].queryset) == [unit_a]
        # One empty row each, and the empty-row templates for JavaScript.
        fields = dict(form_fields(html, "finding-form"))
        assert fields["measures-TOTAL_FORMS"] == "1"
        assert fields["units-TOTAL_FORMS"] == "1"
        assert 'name="measures-__prefix__-text"' in html

    def test_review_can_be_preselected(self, staff_client, review_a):
        response = staff_client.get(NEW_URL, {"review": review_a.pk})
        assert form_data(response.content, "finding-form")["review"] == str(review_a.pk)

    def test_valid_post_creates_the_finding(
        self, staff_client, alice, county_a, review_a, category_a, unit_a, unit_a2
    ):
        data = _post_data(review_a, category_a, [(unit_a, R), (unit_a2, R)], is_ongoing="on")
        response = staff_client.post(NEW_URL, data)

        finding = Finding.objects.get()
        assert response.status_code == 302
        assert response.url == f"/findings/{finding.pk}/"
        assert _messages(response) == ["问题已登记。"]
        assert finding.county == county_a
        assert finding.category == category_a
        assert finding.order == 1
        assert finding.description == DESCRIPTION
        assert finding.deadline == dt.date(2019, 10, 30)
        assert finding.is_ongoing is True
        assert finding.status == Finding.Status.OPEN
        assert finding.created_by == alice
        assert _measures(finding) == [MEASURE_1, MEASURE_2]
        assert _units(finding) == [("区商务和经济合作局", R), ("区财政局", R)]
        assert finding.history.get().history_user == alice

    def test_detail_page_after_the_redirect_shows_the_message(
        self, staff_client, review_a, category_a, unit_a, unit_a2
    ):
        data = _post_data(review_a, category_a, [(unit_a, R), (unit_a2, C)])
        response = staff_client.post(NEW_URL, data, follow=True)
        html = response.content.decode()
        assert response.redirect_chain[-1][0] == Finding.objects.get().get_absolute_url()
        assert "问题已登记。" in html
        assert f"一是</span>{MEASURE_1}" in html
        assert f"二是</span>{MEASURE_2}" in html
        assert "配合单位" in html

    def test_cooperating_unit_is_saved_after_the_responsible_ones(
        self, staff_client, county_a, review_a, category_a, unit_a, unit_a2, factory
    ):
        unit_a3 = factory.unit(county_a, "区农业农村局")
        data = _post_data(review_a, category_a, [(unit_a3, C), (unit_a2, R), (unit_a, R)])
        assert staff_client.post(NEW_URL, data).status_code == 302
        assert _units(Finding.objects.get()) == [
            ("区财政局", R),
            ("区商务和经济合作局", R),
            ("区农业农村局", C),
        ]

    def test_new_category_is_created(self, staff_client, review_a, category_a, unit_a):
        data = _post_data(review_a, None, [(unit_a, R)], new_category="资金管理问题")
        assert staff_client.post(NEW_URL, data).status_code == 302
        category = Finding.objects.get().category
        assert (category.name, category.order, category.review) == ("资金管理问题", 2, review_a)

    def test_new_finding_starts_open_whatever_is_posted(
        self, staff_client, review_a, category_a, unit_a
    ):
        # The status moves through the close-out workflow, never through this form.
        data = _post_data(
            review_a, category_a, [(unit_a, R)], status="closed", closed_on="2019-09-01"
        )
        assert staff_client.post(NEW_URL, data).status_code == 302
        finding = Finding.objects.get()
        assert (finding.status, finding.closed_on) == (Finding.Status.OPEN, None)

    def test_form_has_no_status_field(self, staff_client):
        fields = dict(form_fields(staff_client.get(NEW_URL).content, "finding-form"))
        assert "status" not in fields
        assert "closed_on" not in fields

    def test_blank_extra_rows_are_ignored(self, staff_client, review_a, category_a, unit_a):
        data = _post_data(
            review_a,
            category_a,
            [(unit_a, R)],
            **{"measures-TOTAL_FORMS": "3", "measures-2-text": "", "measures-2-ORDER": ""},
        )
        data.update({"units-TOTAL_FORMS": "2", "units-1-unit": "", "units-1-role": R})
        assert staff_client.post(NEW_URL, data).status_code == 302
        finding = Finding.objects.get()
        assert _measures(finding) == [MEASURE_1, MEASURE_2]
        assert _units(finding) == [("区商务和经济合作局", R)]


class TestCreateErrors:
    """Bad input shows the form again with a Chinese message and everything typed kept."""

    @pytest.fixture
    def other_category(self, county_a, factory) -> Category:
        other = factory.review(county_a, kind="province_evaluation", team="省绩效评价组")
        return Category.objects.create(review=other, name="项目完成方面问题", order=1)

    def _cases(self, review_a, category_a, other_category, unit_a, unit_a2):
        one = [(unit_a, R)]
        return {
            "no description": (
                _post_data(review_a, category_a, one, description=""),
                "这个字段是必填项。",
            ),
            "no category": (
                _post_data(review_a, None, one),
                "请选择问题类别，或填写新类别名称。",
            ),
            "category of another review": (
                _post_data(review_a, other_category, one),
                "问题类别不属于所选检查。",
            ),
            "same unit twice": (
                _post_data(review_a, category_a, [(unit_a, R), (unit_a, C)]),
                "单位“区商务和经济合作局”填写了两次。",
            ),
            "cooperating without responsible": (
                _post_data(review_a, category_a, [(unit_a, C), (unit_a2, C)]),
                "请至少填写一个责任单位（第一个为牵头单位）。",
            ),
            "no review": (
                _post_data(review_a, category_a, one, review=""),
                "这个字段是必填项。",
            ),
            "bad deadline": (
                _post_data(review_a, category_a, one, deadline="2019-02-30"),
                "输入一个有效的日期。",
            ),
        }

    @pytest.mark.parametrize(
        "case",
        [
            "no description",
            "no category",
            "category of another review",
            "same unit twice",
            "cooperating without responsible",
            "no review",
            "bad deadline",
        ],
    )
    def test_is_shown_again_with_the_error_and_the_typed_values(
        self, staff_client, case, review_a, category_a, other_category, unit_a, unit_a2
    ):
        data, error = self._cases(review_a, category_a, other_category, unit_a, unit_a2)[case]
        response = staff_client.post(NEW_URL, data)

        assert response.status_code == 200
        assert not Finding.objects.exists()
        assert not Measure.objects.exists()
        html = response.content.decode()
        assert error in html
        assert "保存失败，请按提示修改后重新提交。您填写的内容都已保留。" in html
        # What was typed is still there, in the fields it was typed into.
        if data["description"]:
            assert data["description"] in html
        assert MEASURE_1 in html
        assert MEASURE_2 in html
        shown = form_data(html, "finding-form")
        for name in ("description", "deadline", "measures-0-text", "measures-1-text"):
            assert shown[name] == data[name], name
        for name in ("units-0-unit", "units-0-role", "units-1-unit", "units-1-role"):
            if name in data:
                assert shown[name] == data[name], name

    def test_typed_result_and_new_category_are_kept(self, staff_client, review_a, unit_a):
        data = _post_data(
            review_a,
            None,
            [(unit_a, R)],
            description="",
            new_category="资金管理问题",
            result="已完成部分整改",
            is_ongoing="on",
        )
        response = staff_client.post(NEW_URL, data)
        shown = form_data(response.content, "finding-form")
        assert shown["new_category"] == "资金管理问题"
        assert shown["result"] == "已完成部分整改"
        assert shown["is_ongoing"] == "on"
        assert not Category.objects.filter(name="资金管理问题").exists()

    def test_unit_of_another_county_is_not_a_choice(
        self, staff_client, review_a, category_a, unit_a, finding_b
    ):
        foreign = finding_b.unit_links.get().unit
        data = _post_data(review_a, category_a, [(unit_a, R), (foreign, R)])
        response = staff_client.post(NEW_URL, data)
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
        assert not Finding.objects.filter(county=unit_a.county).exists()
        assert foreign.name not in response.content.decode()

    def test_related_finding_of_another_county_is_not_a_choice(
        self, staff_client, review_a, category_a, unit_a, finding_b
    ):
        data = _post_data(review_a, category_a, [(unit_a, R)], related=[str(finding_b.pk)])
        response = staff_client.post(NEW_URL, data)
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
        assert not Finding.objects.filter(county=unit_a.county).exists()


class TestAddRowWithoutJavaScript:
    def test_add_measure_row(self, staff_client, review_a, category_a, unit_a):
        data = _post_data(review_a, None, [(unit_a, R)], description="", add_measures="1")
        del data["save"]
        response = staff_client.post(NEW_URL, data)

        assert response.status_code == 200
        assert not Finding.objects.exists()
        shown = form_data(response.content, "finding-form")
        assert shown["measures-TOTAL_FORMS"] == "3"
        assert [shown[f"measures-{i}-text"] for i in range(3)] == [MEASURE_1, MEASURE_2, ""]
        assert shown["units-TOTAL_FORMS"] == "1"
        assert shown["units-0-unit"] == str(unit_a.pk)
        html = response.content.decode()
        # Adding a row is not a failed save: no errors, no error message.
        assert "保存失败" not in html
        assert "这个字段是必填项。" not in html
        assert "请选择问题类别" not in html
        assert _messages(response) == []

    def test_add_unit_row(self, staff_client, review_a, category_a, unit_a):
        data = _post_data(review_a, category_a, [(unit_a, C)], add_units="1")
        del data["save"]
        response = staff_client.post(NEW_URL, data)

        assert response.status_code == 200
        assert not Finding.objects.exists()
        shown = form_data(response.content, "finding-form")
        assert shown["units-TOTAL_FORMS"] == "2"
        assert (shown["units-0-unit"], shown["units-0-role"]) == (str(unit_a.pk), C)
        assert shown["units-1-unit"] == ""
        assert shown["measures-TOTAL_FORMS"] == "2"
        assert "请至少填写一个责任单位" not in response.content.decode()

    def test_rows_added_then_saved(self, staff_client, review_a, category_a, unit_a, unit_a2):
        """The whole no-JavaScript journey: add a row, fill it in, save."""
        data = _post_data(review_a, category_a, [(unit_a, R)], add_units="1")
        del data["save"]
        response = staff_client.post(NEW_URL, data)
        data = form_data(response.content, "finding-form")
        data["units-1-unit"] = str(unit_a2.pk)
        data["units-1-role"] = C
        data["save"] = "1"
        response = staff_client.post(NEW_URL, data)
        assert response.status_code == 302
        assert _units(Finding.objects.get()) == [("区商务和经济合作局", R), ("区财政局", C)]

    def test_add_row_on_the_edit_page_changes_nothing(self, staff_client, finding_a):
        url = f"/findings/{finding_a.pk}/edit/"
        data = form_data(staff_client.get(url).content, "finding-form")
        data["description"] = "改了但没保存"
        data["add_measures"] = "1"
        response = staff_client.post(url, data)
        assert response.status_code == 200
        shown = form_data(response.content, "finding-form")
        assert shown["measures-TOTAL_FORMS"] == str(int(data["measures-TOTAL_FORMS"]) + 1)
        assert shown["description"] == "改了但没保存"
        finding_a.refresh_from_db()
        assert finding_a.description == "县级公共服务中心未开始建设。"
        assert finding_a.history.count() == 1


class TestEditPage:
    @pytest.fixture
    def url(self, finding_a) -> str:
        return f"/findings/{finding_a.pk}/edit/"

    def test_get_shows_the_finding(self, staff_client, url, finding_a, unit_a, unit_a2):
        response = staff_client.get(url)
        assert response.status_code == 200
        shown = form_data(response.content, "finding-form")
        assert shown["description"] == "县级公共服务中心未开始建设。"
        assert shown["deadline"] == "2019-10-30"
        assert shown["category"] == str(finding_a.category_id)
        assert shown["order"] == "1"
        assert shown["measures-INITIAL_FORMS"] == "2"
        assert shown["measures-TOTAL_FORMS"] == "3"
        assert [shown[f"measures-{i}-text"] for i in range(3)] == ["第一条措施", "第二条措施", ""]
        assert [shown[f"measures-{i}-ORDER"] for i in range(3)] == ["1", "2", ""]
        assert [shown[f"units-{i}-unit"] for i in range(3)] == [
            str(unit_a.pk),
            str(unit_a2.pk),
            "",
        ]

    def test_resubmitting_unchanged_saves_and_redirects(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data["save"] = "1"
        response = staff_client.post(url, data)
        assert response.status_code == 302
        assert response.url == f"/findings/{finding_a.pk}/"
        assert _messages(response) == ["修改已保存。"]
        assert _measures(finding_a) == ["第一条措施", "第二条措施"]
        assert _units(finding_a) == [("区商务和经济合作局", R), ("区财政局", R)]
        assert Measure.history.filter(history_type="~").count() == 0

    def test_changes_are_saved(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update(
            {
                "description": "公共服务中心已选址,尚未招标。",
                "measures-1-text": "10月底前完成招标",
                "measures-2-text": "年底前建成投用",
                "save": "1",
            }
        )
        assert staff_client.post(url, data).status_code == 302
        finding_a.refresh_from_db()
        assert finding_a.description == "公共服务中心已选址,尚未招标。"
        assert finding_a.version == 2
        assert _measures(finding_a) == ["第一条措施", "10月底前完成招标", "年底前建成投用"]

    def test_reorder_measures_through_order_fields(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"measures-0-ORDER": "2", "measures-1-ORDER": "1", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        assert _measures(finding_a) == ["第二条措施", "第一条措施"]

    def test_new_row_goes_where_its_order_says(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"measures-2-text": "先开会部署", "measures-2-ORDER": "0", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        assert _measures(finding_a) == ["先开会部署", "第一条措施", "第二条措施"]

    def test_new_row_without_order_goes_last(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"measures-2-text": "长期坚持", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        assert _measures(finding_a) == ["第一条措施", "第二条措施", "长期坚持"]

    def test_reorder_units_changes_the_lead(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"units-0-ORDER": "2", "units-1-ORDER": "1", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        assert _units(finding_a) == [("区财政局", R), ("区商务和经济合作局", R)]
        lead = Finding.objects.with_lead_unit().get(pk=finding_a.pk).lead_unit_name
        assert lead == "区财政局"

    def test_delete_a_measure(self, staff_client, url, finding_a):
        first = finding_a.measures.get(order=1)
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"measures-0-DELETE": "on", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        assert _measures(finding_a) == ["第二条措施"]
        # Rows are updated in place: the first row now holds the second text.
        assert finding_a.measures.get().pk == first.pk

    def test_delete_a_blank_row_is_no_error(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"measures-1-text": "", "measures-1-DELETE": "on", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        assert _measures(finding_a) == ["第一条措施"]

    def test_blank_existing_row_without_delete_is_an_error(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"measures-1-text": "", "save": "1"})
        response = staff_client.post(url, data)
        assert response.status_code == 200
        assert "请填写措施内容，或删除此行。" in response.content.decode()
        assert _measures(finding_a) == ["第一条措施", "第二条措施"]

    def test_delete_a_unit(self, staff_client, url, finding_a, unit_a2):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"units-0-DELETE": "on", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        assert _units(finding_a) == [("区财政局", R)]

    def test_deleted_rows_stay_ticked_when_the_form_fails(self, staff_client, url, finding_a):
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"measures-0-DELETE": "on", "description": "", "save": "1"})
        response = staff_client.post(url, data)
        assert response.status_code == 200
        shown = form_data(response.content, "finding-form")
        assert shown["measures-0-DELETE"] == "on"
        assert "measures-1-DELETE" not in shown
        assert _measures(finding_a) == ["第一条措施", "第二条措施"]

    def test_service_error_is_shown_on_the_form(self, staff_client, url, finding_a, monkeypatch):
        """What only the service can check (e.g. a unit moved to another county meanwhile)
        comes back as an error on the form, not as a server error."""
        from django.core.exceptions import ValidationError

        from issues import services

        def refuse(**kwargs):
            raise ValidationError({"units": "责任单位必须是本区县的单位。"})

        monkeypatch.setattr(services, "finding_update", refuse)
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"description": "改过的描述", "save": "1"})
        response = staff_client.post(url, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "责任单位必须是本区县的单位。" in html
        assert "保存失败" in html
        assert form_data(html, "finding-form")["description"] == "改过的描述"


class TestWhatTheUserSeesIsWhatIsSaved:
    """Issue 11: the edit form saves what the page shows, with and without JavaScript."""

    @pytest.fixture
    def url(self, finding_a) -> str:
        return f"/findings/{finding_a.pk}/edit/"

    def test_blank_extra_rows_numbered_by_the_script_are_ignored(
        self, staff_client, url, finding_a
    ):
        # formset.js numbers every row, the blank extra ones included.
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"measures-2-ORDER": "3", "units-2-ORDER": "3", "save": "1"})
        response = staff_client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert _messages(response) == ["修改已保存。"]
        assert _measures(finding_a) == ["第一条措施", "第二条措施"]
        assert _units(finding_a) == [("区商务和经济合作局", R), ("区财政局", R)]

    def test_a_set_deadline_is_shown_but_cannot_be_changed_here(self, staff_client, url, finding_a):
        html = staff_client.get(url).content.decode()
        assert "完成时限已确定，不能在此修改" in html
        assert f"/findings/{finding_a.pk}/#requests" in html
        data = form_data(html, "finding-form")
        data.update({"deadline": "2026-12-31", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        finding_a.refresh_from_db()
        assert finding_a.deadline == finding_a.original_deadline == dt.date(2019, 10, 30)

    def test_a_finding_without_deadline_gets_one_and_it_is_the_original(
        self, staff_client, alice, county_a, review_a, unit_a
    ):
        from tests.conftest import Factory

        finding = Factory.finding(alice, county_a, review_a, units=[unit_a])
        url = f"/findings/{finding.pk}/edit/"
        data = form_data(staff_client.get(url).content, "finding-form")
        data.update({"deadline": "2019-12-31", "save": "1"})
        assert staff_client.post(url, data).status_code == 302
        finding.refresh_from_db()
        assert finding.deadline == finding.original_deadline == dt.date(2019, 12, 31)

    def test_a_deadline_before_today_is_confirmed_first(
        self, staff_client, review_a, category_a, unit_a
    ):
        data = _post_data(review_a, category_a, [(unit_a, R)], deadline="2019-09-01")
        response = staff_client.post(NEW_URL, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "完成时限早于今天，确定吗？" in html
        assert 'name="confirm_past_deadline"' in html
        assert form_data(html, "finding-form")["description"] == DESCRIPTION
        assert not Finding.objects.exists()
        response = staff_client.post(NEW_URL, {**data, "confirm_past_deadline": "on"})
        assert response.status_code == 302
        assert Finding.objects.get().deadline == dt.date(2019, 9, 1)

    def test_today_or_later_needs_no_confirmation(self, staff_client, review_a, category_a, unit_a):
        data = _post_data(review_a, category_a, [(unit_a, R)], deadline="2019-09-10")
        assert staff_client.post(NEW_URL, data).status_code == 302

    def test_pasted_word_table_whitespace_is_normalised(
        self, staff_client, review_a, category_a, unit_a
    ):
        data = _post_data(
            review_a,
            category_a,
            [(unit_a, R)],
            description="村级站点\t标识不统一\r\n\r\n\r\n\t部分站点未挂牌\u00a0\u200b ",
            **{"measures-0-text": "统一制作\t\t标识标牌\n\n\n"},
        )
        assert staff_client.post(NEW_URL, data).status_code == 302
        finding = Finding.objects.get()
        assert finding.description == "村级站点 标识不统一\n部分站点未挂牌"
        assert _measures(finding)[0] == "统一制作 标识标牌"

    def test_too_long_a_description_is_refused_with_the_input_kept(
        self, staff_client, review_a, category_a, unit_a
    ):
        long = "问" * 2001
        data = _post_data(review_a, category_a, [(unit_a, R)], description=long)
        response = staff_client.post(NEW_URL, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "2000" in html and "2001" in html  # Django's message: at most 2000, it has 2001
        assert form_data(html, "finding-form")["description"] == long
        assert not Finding.objects.exists()

    def test_measures_together_must_fit_one_spreadsheet_cell(
        self, staff_client, review_a, category_a, unit_a
    ):
        rows = {f"measures-{i}-text": "措" * 2000 for i in range(6)}
        rows.update({f"measures-{i}-ORDER": "" for i in range(6)})
        data = _post_data(review_a, category_a, [(unit_a, R)], **rows)
        data["measures-TOTAL_FORMS"] = "6"
        response = staff_client.post(NEW_URL, data)
        assert response.status_code == 200
        assert "整改措施合计不能超过10000字（现为12000字）。" in response.content.decode()
        assert not Finding.objects.exists()
