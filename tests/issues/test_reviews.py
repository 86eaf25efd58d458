"""Reviews (检查) and their categories in the browser: county staff list, create and edit their
county's reviews and categories (add, rename, reorder, remove only when empty); leaders and
reviewers read; a provincial notice is its province's; a review shared by counties is no one
county's. Two reviews of the same team are told apart wherever reviews are named (ledger,
filters, finding page and form, dashboard, report, .xlsx and its import, 我的待办). Without
JavaScript the finding form offers the chosen review's categories on request. The import
preview names a review the document does not name."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues import services
from issues.importing import ledger
from issues.importing.document.heading import review_identity
from issues.importing.plan import build_plan
from issues.importing.readers import read_workbook
from issues.importing.services import import_apply
from issues.models import Category, Finding, ImportBatch, Review
from issues.reviews import county_review_labels, review_labels
from reports import selectors
from reports.documents import default_report, report_document
from reports.exports.xlsx import as_bytes, write_ledger
from reports.ledgers import county_ledger
from tests import approvals
from tests.conftest import Factory
from tests.issues.html_forms import form_data

TODAY = dt.date(2026, 11, 30)
OLD, NEW = "省督查组（2017年7月）", "省督查组（2026年3月）"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def categories_a(alice, review_a) -> list[Category]:
    return [
        services.category_create(user=alice, review=review_a, name=name)
        for name in ("项目建设进度滞后问题", "资金管理问题", "培训工作问题")
    ]


@pytest.fixture
def inspections(alice, county_a, unit_a) -> tuple[Review, Review]:
    """Two visits of the same 省督查组 to county A, in 2017 and 2026, a finding each."""
    old = Factory.review(
        county_a, Review.Kind.PROVINCE_SUPERVISION, "省督查组", dt.date(2017, 7, 11)
    )
    new = Factory.review(
        county_a, Review.Kind.PROVINCE_SUPERVISION, "省督查组", dt.date(2026, 3, 2)
    )
    Factory.finding(alice, county_a, old, description="2017年督查发现的问题。", units=[unit_a])
    Factory.finding(alice, county_a, new, description="2026年督查发现的问题。", units=[unit_a])
    return old, new


@pytest.fixture
def shared(county_a, county_b) -> Review:
    """A review of two counties that is not a provincial notice."""
    review = Factory.review(county_a, team="商务部复核组", start=dt.date(2019, 4, 25))
    review.counties.add(county_b)
    return review


@pytest.fixture
def notice(rita, province, county_a) -> Review:
    notice = services.notice_create(
        user=rita,
        province=province,
        data={"team": "省督查组", "title": "关于督查情况的通报", "issued_on": dt.date(2019, 8, 14)},
    )
    notice.counties.add(county_a)
    return notice


# --- naming reviews ------------------------------------------------------------------------


class TestLabels:
    def review(self, pk, team, start=None, issued=None, ref=""):
        return Review(pk=pk, team=team, start_date=start, issued_on=issued, reference_number=ref)

    def test_a_team_alone_reads_as_the_team(self):
        reviews = [
            self.review(1, "商务部复核组", dt.date(2019, 4, 25)),
            self.review(2, "省绩效评价组"),
        ]
        assert review_labels(reviews) == {1: "商务部复核组", 2: "省绩效评价组"}

    def test_the_same_team_is_told_apart_by_month(self):
        reviews = [
            self.review(1, "省督查组", dt.date(2017, 7, 11)),
            self.review(2, "省督查组", None, issued=dt.date(2026, 3, 20)),
        ]
        assert review_labels(reviews) == {1: OLD, 2: NEW}

    def test_then_by_day_then_by_reference_then_by_number(self):
        day = dt.date(2019, 5, 24)
        reviews = [
            self.review(1, "评价组", day),
            self.review(2, "评价组", dt.date(2019, 5, 27)),
            self.review(3, "评价组", None, ref="川商函〔2019〕7号"),
            self.review(4, "评价组"),
            self.review(5, "评价组", day, ref="A号"),
            self.review(6, "评价组", day, ref="A号"),
        ]
        assert review_labels(reviews) == {
            1: "评价组（2019年5月24日，编号1）",
            2: "评价组（2019年5月27日）",
            3: "评价组（川商函〔2019〕7号）",
            4: "评价组（编号4）",
            5: "评价组（2019年5月24日，A号，编号5）",
            6: "评价组（2019年5月24日，A号，编号6）",
        }

    def test_labels_are_always_distinct(self):
        reviews = [self.review(i, "组", dt.date(2019, 1, 1)) for i in range(1, 6)]
        labels = review_labels(reviews)
        assert len(set(labels.values())) == 5

    def test_a_review_alone_names_its_month_or_reference(self):
        assert self.review(1, "省督查组", dt.date(2017, 7, 11)).label == OLD
        assert self.review(1, "省督查组", ref="赣商务建设字〔2017〕193号").label == (
            "省督查组（赣商务建设字〔2017〕193号）"
        )
        assert self.review(1, "省督查组").label == "省督查组"

    def test_a_county_s_reviews_in_one_query(
        self, inspections, review_a, django_assert_num_queries
    ):
        old, new = inspections
        county = old.counties.get()
        with django_assert_num_queries(1):
            labels = county_review_labels(county.pk)
        assert labels == {review_a.pk: "商务部复核组", old.pk: OLD, new.pk: NEW}


class TestLabelsWhereReviewsAreNamed:
    def test_ledger_column_and_filter_choices(self, client, alice, inspections):
        client.force_login(alice)
        html = client.get(reverse("finding_list")).content.decode()
        rows = re.findall(r'<tr class="[^"]*" data-finding="\d+">(.*?)</tr>', html, re.S)
        assert len(rows) == 2 and all(OLD in r or NEW in r for r in rows)
        review_select = re.search(r'<select name="review".*?</select>', html, re.S).group(0)
        assert f">{OLD}</option>" in review_select and f">{NEW}</option>" in review_select
        category_select = re.search(r'<select name="category".*?</select>', html, re.S).group(0)
        assert f"{OLD} · 项目管理问题" in category_select

    def test_ledger_of_one_team_per_county_keeps_the_team(self, client, alice, finding_a):
        client.force_login(alice)
        html = client.get(reverse("finding_list")).content.decode()
        assert re.search(r'<td class="text-nowrap review"[^>]*>商务部复核组</td>', html)

    def test_the_same_team_in_two_counties_is_told_apart_by_the_county(
        self, client, rita, finding_a, finding_b, inspections
    ):
        """The province's ledger: county A's and county B's 商务部复核组 read as they are;
        county A's two 省督查组 visits are told apart."""
        client.force_login(rita)
        response = client.get(reverse("finding_list"))
        labels = {f.description: f.review_label for f in response.context["page"]}
        assert labels == {
            "县级公共服务中心未开始建设。": "商务部复核组",
            "朝天区的问题。": "商务部复核组",
            "2017年督查发现的问题。": OLD,
            "2026年督查发现的问题。": NEW,
        }
        findings = Finding.objects.all().in_ledger_order()
        assert {r.description: r.review for r in selectors.ledger_rows(findings, TODAY)} == labels

    def test_finding_page_names_the_review_among_the_county_s(self, client, alice, inspections):
        old, _ = inspections
        client.force_login(alice)
        finding = Finding.objects.get(review=old)
        html = client.get(finding.get_absolute_url()).content.decode()
        assert f'?review={old.pk}">{OLD}</a>' in html

    def test_finding_form_review_select(self, client, alice, inspections):
        old, new = inspections
        client.force_login(alice)
        html = client.get(reverse("finding_create")).content.decode()
        assert f'<option value="{old.pk}">{OLD}</option>' in html
        assert f'<option value="{new.pk}">{NEW}</option>' in html
        # Categories grouped by review, each group saying which review it is.
        assert f'<optgroup label="{OLD}" data-review="{old.pk}">' in html

    def test_my_work(self, client, alice, inspections):
        client.force_login(alice)
        html = client.get(reverse("my_work")).content.decode()
        assert OLD in html and NEW in html

    def test_my_work_names_a_review_among_all_the_county_s(self, client, alice, inspections):
        old, new = inspections
        Finding.objects.filter(review=old).delete()
        client.force_login(alice)
        html = client.get(reverse("my_work")).content.decode()
        assert NEW in html

    def test_county_dashboard(self, client, alice, inspections):
        client.force_login(alice)
        response = client.get(reverse("county_dashboard", args=["510811"]))
        assert [row.label for row in response.context["rows"]] == [OLD, NEW]
        html = response.content.decode()
        assert f"{OLD}发现问题1个" in html and f"{NEW}发现问题1个" in html
        assert [c["review_label"] for c in response.context["by_category"]] == [OLD, NEW]
        assert response.context["charts"]["reviews"]["yAxis"]["data"] == [OLD, NEW]

    def test_dashboard_names_a_review_among_all_the_county_s(self, client, alice, county_a):
        """As the ledger does: the 2017 visit has no findings, yet the 2026 one reads dated."""
        Factory.review(county_a, Review.Kind.PROVINCE_SUPERVISION, "省督查组", dt.date(2017, 7, 11))
        new = Factory.review(
            county_a, Review.Kind.PROVINCE_SUPERVISION, "省督查组", dt.date(2026, 3, 2)
        )
        Factory.finding(alice, county_a, new)
        client.force_login(alice)
        response = client.get(reverse("county_dashboard", args=["510811"]))
        assert [row.label for row in response.context["rows"]] == [NEW]

    def test_report_summary_sentence_and_headings(self, county_a, inspections):
        doc = report_document(default_report(county_a, TODAY))
        assert doc.summary == (
            f"截至目前，{OLD}发现问题1个，已销号问题0个，1个问题正在加紧整改；"
            f"{NEW}发现问题1个，已销号问题0个，1个问题正在加紧整改。"
        )
        assert [r.report_heading for r in doc.reviews] == [
            f"（一）{OLD}发现问题及整改情况",
            f"（二）{NEW}发现问题及整改情况",
        ]

    def test_xlsx_names_both_and_imports_back_to_each(self, alice, county_a, inspections):
        old, new = inspections
        findings = Finding.objects.filter(county=county_a).in_ledger_order()
        rows = list(selectors.ledger_rows(findings, TODAY))
        assert [r.review for r in rows] == [OLD, NEW]
        data = as_bytes(write_ledger, county_ledger(findings, scope="昭化区", today=TODAY))
        doc = ledger.parse_rows(read_workbook(SimpleUploadedFile("台账.xlsx", data)))
        plan = build_plan(county_a, doc)
        assert [rp.review for rp in plan.reviews] == [old, new]
        assert plan.counts == {"new": 0, "changed": 0, "unchanged": 2}
        summary = import_apply(user=alice, county=county_a, plan=plan, today=TODAY)
        assert summary["unchanged"] == 2
        assert Review.objects.filter(counties=county_a).count() == 2

    def test_xlsx_of_one_review_still_finds_it_among_two(self, alice, county_a, inspections):
        """Filtered to the 2026 visit, the file still names it apart from the 2017 one."""
        old, new = inspections
        findings = Finding.objects.filter(county=county_a, review=new).in_ledger_order()
        data = as_bytes(write_ledger, county_ledger(findings, scope="昭化区", today=TODAY))
        doc = ledger.parse_rows(read_workbook(SimpleUploadedFile("台账.xlsx", data)))
        assert [r.heading for r in doc.reviews] == [NEW]
        plan = build_plan(county_a, doc)
        assert [rp.review for rp in plan.reviews] == [new]


# --- the review pages ----------------------------------------------------------------------


class TestReviewList:
    url = reverse("review_list")

    def test_staff_see_their_county_s_reviews(self, client, alice, review_a, review_b, finding_a):
        client.force_login(alice)
        response = client.get(self.url)
        assert response.status_code == 200
        assert [r.pk for r in response.context["reviews"]] == [review_a.pk]
        assert response.context["reviews"][0].n_findings == 1
        html = response.content.decode()
        assert reverse("review_create") in html
        assert reverse("review_detail", args=[review_a.pk]) in html

    def test_two_visits_of_a_team_are_told_apart(self, client, alice, inspections):
        client.force_login(alice)
        html = client.get(self.url).content.decode()
        assert OLD in html and NEW in html

    @pytest.mark.parametrize("who", ["lee", "rita", "nina"])
    def test_leaders_and_reviewers_read(self, client, request, who, review_a):
        client.force_login(request.getfixturevalue(who))
        response = client.get(self.url)
        assert response.status_code == 200
        assert review_a in response.context["reviews"]
        assert reverse("review_create") not in response.content.decode()

    def test_outsiders_see_nothing_of_county_a(self, client, quinn, bob, review_a):
        for user in (quinn, bob):
            client.force_login(user)
            assert review_a not in client.get(self.url).context["reviews"]

    def test_the_province_reviewer_sees_a_notice_without_counties(self, client, rita, province):
        lone = services.notice_create(user=rita, province=province, data={"team": "省督查组"})
        client.force_login(rita)
        assert lone in client.get(self.url).context["reviews"]

    def test_anonymous_and_wrong_method(self, client, alice):
        assert client.get(self.url).status_code == 302
        client.force_login(alice)
        assert client.post(self.url).status_code == 405


class TestReviewCreate:
    url = reverse("review_create")
    data = {
        "team": "省督查组",
        "kind": "province_supervision",
        "issuer": "四川省商务厅",
        "title": "关于督查情况的反馈",
        "reference_number": "川商建〔2026〕3号",
        "start_date": "2026-03-02",
        "end_date": "2026-03-04",
        "issued_on": "2026-03-20",
    }

    def test_staff_create_a_review_of_their_county(self, client, alice, county_a):
        client.force_login(alice)
        form = client.get(self.url)
        assert form.status_code == 200
        token = form_data(form.content, "review-form")["once"]
        response = client.post(self.url, {**self.data, "once": token})
        review = Review.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("review_detail", args=[review.pk])
        assert list(review.counties.all()) == [county_a]
        assert (review.issuer, review.reference_number) == ("四川省商务厅", "川商建〔2026〕3号")
        assert review.start_date == dt.date(2026, 3, 2) and review.province is None
        assert review.created_by == alice
        assert review.history.get().history_user == alice

    def test_sent_twice_creates_one(self, client, alice):
        client.force_login(alice)
        token = form_data(client.get(self.url).content, "review-form")["once"]
        client.post(self.url, {**self.data, "once": token})
        again = client.post(self.url, {**self.data, "once": token})
        review = Review.objects.get()
        assert again.status_code == 302
        assert again["Location"] == reverse("review_detail", args=[review.pk])
        assert "该表单已经提交过，没有重复保存。" in messages_of(again)

    @pytest.mark.parametrize("who", ["lee", "rita", "nina"])
    def test_only_county_staff(self, client, request, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(self.url).status_code == 403
        assert client.post(self.url, self.data).status_code == 403
        assert not Review.objects.exists()

    def test_invalid_keeps_the_input(self, client, alice):
        client.force_login(alice)
        response = client.post(
            self.url,
            {**self.data, "team": "", "start_date": "2026-03-05", "end_date": "2026-03-01"},
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "关于督查情况的反馈" in html and "川商建〔2026〕3号" in html
        assert "结束日期不能早于开始日期。" in html
        assert "这个字段是必填项。" in html
        assert not Review.objects.exists()

    def test_wrong_method(self, client, alice):
        client.force_login(alice)
        assert client.put(self.url).status_code == 405


class TestReviewDetail:
    def url(self, review):
        return reverse("review_detail", args=[review.pk])

    def test_staff_manage_the_categories(self, client, alice, review_a, categories_a, finding_a):
        client.force_login(alice)
        response = client.get(self.url(review_a))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="categories-form"' in html and "添加类别" in html
        assert reverse("review_edit", args=[review_a.pk]) in html
        counts = {c.name: c.n_findings for c in response.context["categories"]}
        assert counts["项目管理问题"] == 1 and counts["资金管理问题"] == 0

    @pytest.mark.parametrize("who", ["lee", "rita", "nina"])
    def test_leaders_and_reviewers_read_only(self, client, request, who, review_a, categories_a):
        client.force_login(request.getfixturevalue(who))
        response = client.get(self.url(review_a))
        assert response.status_code == 200
        html = response.content.decode()
        assert "资金管理问题" in html
        assert "categories-form" not in html and "添加类别" not in html
        assert reverse("review_edit", args=[review_a.pk]) not in html

    @pytest.mark.parametrize("who", ["bob", "quinn"])
    def test_outsiders_get_404(self, client, request, who, review_a):
        client.force_login(request.getfixturevalue(who))
        assert client.get(self.url(review_a)).status_code == 404

    def test_staff_told_why_they_may_not_edit_a_shared_review(self, client, alice, shared):
        client.force_login(alice)
        response = client.get(self.url(shared))
        assert response.status_code == 200
        assert "还涉及其他区县" in response.content.decode()
        assert not response.context["can_edit"]

    def test_wrong_method(self, client, alice, review_a):
        client.force_login(alice)
        assert client.post(self.url(review_a)).status_code == 405


class TestReviewEdit:
    def url(self, review):
        return reverse("review_edit", args=[review.pk])

    def test_staff_edit(self, client, alice, review_a):
        client.force_login(alice)
        data = form_data(client.get(self.url(review_a)).content, "review-form")
        assert data["team"] == "商务部复核组"
        data |= {"team": "商务部绩效评价复核组", "reference_number": "商建函〔2019〕1号"}
        response = client.post(self.url(review_a), data)
        assert response.status_code == 302
        review_a.refresh_from_db()
        assert (review_a.team, review_a.reference_number) == (
            "商务部绩效评价复核组",
            "商建函〔2019〕1号",
        )
        assert review_a.start_date == dt.date(2019, 4, 25)  # untouched fields stay
        assert review_a.updated_by == alice
        assert review_a.history.first().history_user == alice

    def test_an_imported_review_gets_its_name(self, client, alice, county_a):
        unnamed = Factory.review(county_a, Review.Kind.OTHER, "未注明检查组", None)
        client.force_login(alice)
        data = form_data(client.get(self.url(unnamed)).content, "review-form")
        data |= {"team": "省督查组", "kind": "province_supervision", "start_date": "2017-07-11"}
        assert client.post(self.url(unnamed), data).status_code == 302
        unnamed.refresh_from_db()
        assert unnamed.label == OLD

    @pytest.mark.parametrize("who", ["lee", "rita"])
    def test_leader_and_reviewer_may_not(self, client, request, who, review_a):
        client.force_login(request.getfixturevalue(who))
        assert client.get(self.url(review_a)).status_code == 403
        assert client.post(self.url(review_a), {"team": "改"}).status_code == 403
        review_a.refresh_from_db()
        assert review_a.team == "商务部复核组"

    def test_another_county_s_review_is_not_found(self, client, bob, review_a):
        client.force_login(bob)
        assert client.get(self.url(review_a)).status_code == 404

    def test_a_county_may_not_edit_a_provincial_notice(self, client, alice, notice):
        client.force_login(alice)
        response = client.get(self.url(notice))
        assert response.status_code == 403
        assert "省级通报" in response.content.decode()

    def test_the_province_reviewer_is_sent_to_the_notice_form(self, client, rita, notice):
        client.force_login(rita)
        response = client.get(self.url(notice))
        assert response.status_code == 302
        assert response["Location"] == reverse("notice_edit", args=[notice.pk])

    def test_a_review_shared_by_counties_is_refused_with_the_reason(self, client, alice, shared):
        client.force_login(alice)
        response = client.post(self.url(shared), {"team": "改名", "kind": "mofcom_review"})
        assert response.status_code == 403
        assert "该检查还涉及其他区县" in response.content.decode()
        shared.refresh_from_db()
        assert shared.team == "商务部复核组"

    def test_invalid_keeps_the_input(self, client, alice, review_a):
        client.force_login(alice)
        data = form_data(client.get(self.url(review_a)).content, "review-form")
        data |= {"title": "我的标题", "end_date": "2019-01-01"}
        response = client.post(self.url(review_a), data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "我的标题" in html and "结束日期不能早于开始日期。" in html
        review_a.refresh_from_db()
        assert review_a.title == ""

    def test_wrong_method(self, client, alice, review_a):
        client.force_login(alice)
        assert client.delete(self.url(review_a)).status_code == 405


class TestCategories:
    def save_url(self, review):
        return reverse("categories_save", args=[review.pk])

    def add_url(self, review):
        return reverse("category_add", args=[review.pk])

    def remove_url(self, category):
        return reverse("category_remove", args=[category.review_id, category.pk])

    def posted(self, categories, **changes):
        data = {}
        for c in categories:
            data[f"name_{c.pk}"] = c.name
            data[f"order_{c.pk}"] = str(c.order)
        return data | changes

    def names(self, review):
        return list(review.categories.order_by("order").values_list("name", flat=True))

    def test_rename_and_move_the_third_to_the_top(self, client, alice, review_a, categories_a):
        first, second, third = categories_a
        client.force_login(alice)
        page = client.get(reverse("review_detail", args=[review_a.pk])).content
        data = form_data(page, "categories-form")
        assert data[f"order_{third.pk}"] == "3"
        data |= {f"order_{third.pk}": "1", f"name_{second.pk}": "资金管理和使用问题"}
        response = client.post(self.save_url(review_a), data)
        assert response.status_code == 302
        assert self.names(review_a) == [
            "培训工作问题",
            "项目建设进度滞后问题",
            "资金管理和使用问题",
        ]
        assert list(review_a.categories.order_by("order").values_list("order", flat=True)) == [
            1,
            2,
            3,
        ]
        second.refresh_from_db()
        assert second.history.first().history_user == alice

    def test_names_may_be_swapped(self, client, alice, review_a, categories_a):
        first, second, _ = categories_a
        client.force_login(alice)
        data = self.posted(
            categories_a, **{f"name_{first.pk}": second.name, f"name_{second.pk}": first.name}
        )
        assert client.post(self.save_url(review_a), data).status_code == 302
        assert self.names(review_a)[:2] == ["资金管理问题", "项目建设进度滞后问题"]

    def test_duplicate_or_empty_names_keep_the_input(self, client, alice, review_a, categories_a):
        first, second, third = categories_a
        client.force_login(alice)
        data = self.posted(
            categories_a,
            **{f"name_{second.pk}": first.name, f"name_{third.pk}": "", f"order_{first.pk}": "0"},
        )
        response = client.post(self.save_url(review_a), data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "与前面的类别重名。" in html and "这个字段是必填项。" in html
        assert "问题类别未保存，请按提示修改。" in messages_of(response)
        assert data[f"name_{second.pk}"] == form_data(html, "categories-form")[f"name_{second.pk}"]
        assert self.names(review_a) == ["项目建设进度滞后问题", "资金管理问题", "培训工作问题"]

    def test_add_last_or_at_a_place(self, client, alice, review_a, categories_a):
        client.force_login(alice)
        page = client.get(reverse("review_detail", args=[review_a.pk])).content
        token = form_data(page, "add-category")["once"]
        response = client.post(self.add_url(review_a), {"name": "站点运营问题", "once": token})
        assert response.status_code == 302
        again = client.post(self.add_url(review_a), {"name": "站点运营问题", "once": token})
        assert again.status_code == 302
        assert "该表单已经提交过，没有重复保存。" in messages_of(again)
        client.post(self.add_url(review_a), {"name": "扶贫问题", "order": "2"})
        assert self.names(review_a) == [
            "项目建设进度滞后问题",
            "扶贫问题",
            "资金管理问题",
            "培训工作问题",
            "站点运营问题",
        ]

    def test_add_refuses_a_duplicate_or_blank(self, client, alice, review_a, categories_a):
        client.force_login(alice)
        response = client.post(self.add_url(review_a), {"name": "资金管理问题", "order": "2"})
        assert response.status_code == 400
        assert "该检查中已有类别“资金管理问题”。" in response.content.decode()
        response = client.post(self.add_url(review_a), {"name": "  "})
        assert response.status_code == 400
        assert review_a.categories.count() == 3

    def test_an_empty_category_is_removed(self, client, alice, review_a, categories_a):
        client.force_login(alice)
        response = client.post(self.remove_url(categories_a[1]))
        assert response.status_code == 302
        assert self.names(review_a) == ["项目建设进度滞后问题", "培训工作问题"]
        assert list(review_a.categories.values_list("order", flat=True)) == [1, 2]

    def test_a_category_with_findings_stays(self, client, alice, lee, finding_a):
        category = finding_a.category
        approvals.archive(finding_a, staff=alice, leader=lee)  # even an archived one counts
        client.force_login(alice)
        response = client.post(self.remove_url(category))
        assert response.status_code == 302
        assert Category.objects.filter(pk=category.pk).exists()
        assert messages_of(response) == [
            "类别“项目管理问题”下有 1 个问题（含已归档的），不能删除；"
            "可以改名，或先把这些问题改到其他类别。"
        ]

    def test_leader_may_not(self, client, lee, review_a, categories_a):
        client.force_login(lee)
        assert client.post(self.save_url(review_a), self.posted(categories_a)).status_code == 403
        assert client.post(self.add_url(review_a), {"name": "新类别"}).status_code == 403
        assert client.post(self.remove_url(categories_a[0])).status_code == 403
        assert review_a.categories.count() == 3

    def test_outsider_gets_404(self, client, bob, review_a, categories_a):
        client.force_login(bob)
        assert client.post(self.save_url(review_a), self.posted(categories_a)).status_code == 404
        assert client.post(self.add_url(review_a), {"name": "新类别"}).status_code == 404
        assert client.post(self.remove_url(categories_a[0])).status_code == 404

    def test_a_category_of_another_review_is_not_found(self, client, alice, review_a, county_a):
        other = Factory.review(county_a, team="省绩效评价组")
        category = services.category_create(user=alice, review=other, name="资金问题")
        client.force_login(alice)
        url = reverse("category_remove", args=[review_a.pk, category.pk])
        assert client.post(url).status_code == 404

    def test_wrong_method(self, client, alice, review_a, categories_a):
        client.force_login(alice)
        assert client.get(self.save_url(review_a)).status_code == 405
        assert client.get(self.add_url(review_a)).status_code == 405
        assert client.get(self.remove_url(categories_a[0])).status_code == 405

    def test_the_province_reviewer_keeps_a_notice_s_categories(self, client, rita, alice, notice):
        category = services.category_create(user=rita, review=notice, name="项目推进较慢")
        client.force_login(rita)
        data = {f"name_{category.pk}": "项目推进较慢问题", f"order_{category.pk}": "1"}
        assert client.post(self.save_url(notice), data).status_code == 302
        client.force_login(alice)
        assert client.post(self.save_url(notice), data).status_code == 403
        assert client.post(self.add_url(notice), {"name": "县里的类别"}).status_code == 403
        category.refresh_from_db()
        assert category.name == "项目推进较慢问题"


class TestNoticeEdit:
    def url(self, notice):
        return reverse("notice_edit", args=[notice.pk])

    def test_the_province_reviewer_edits_the_notice(self, client, rita, notice):
        client.force_login(rita)
        data = form_data(client.get(self.url(notice)).content)
        data |= {"reference_number": "川商务建设字〔2019〕12号", "issuer": "四川省商务厅"}
        response = client.post(self.url(notice), data)
        assert response.status_code == 302
        assert response["Location"] == reverse("notice_detail", args=[notice.pk])
        notice.refresh_from_db()
        assert (notice.reference_number, notice.issuer) == (
            "川商务建设字〔2019〕12号",
            "四川省商务厅",
        )
        assert notice.province_id is not None and notice.kind == Review.Kind.PROVINCE_SUPERVISION
        assert (
            reverse("notice_edit", args=[notice.pk])
            in client.get(reverse("notice_detail", args=[notice.pk])).content.decode()
        )

    def test_a_county_may_not(self, client, alice, lee, notice):
        for user in (alice, lee):
            client.force_login(user)
            assert client.get(self.url(notice)).status_code == 403
            assert client.post(self.url(notice), {"team": "改"}).status_code == 403
        notice.refresh_from_db()
        assert notice.team == "省督查组"

    def test_another_province_gets_404(self, client, quinn, notice):
        client.force_login(quinn)
        assert client.get(self.url(notice)).status_code == 404

    def test_invalid_keeps_the_input(self, client, rita, notice):
        client.force_login(rita)
        data = form_data(client.get(self.url(notice)).content)
        data |= {"team": "", "title": "新标题"}
        response = client.post(self.url(notice), data)
        assert response.status_code == 400
        assert "新标题" in response.content.decode()
        notice.refresh_from_db()
        assert notice.title == "关于督查情况的通报"

    def test_wrong_method(self, client, rita, notice):
        client.force_login(rita)
        assert client.put(self.url(notice)).status_code == 405


# --- services ------------------------------------------------------------------------------


class TestServices:
    def test_review_create_by_staff_only(self, lee, rita, county_a):
        for user in (lee, rita):
            with pytest.raises(PermissionDenied):
                services.review_create(
                    user=user, county=county_a, data={"team": "组", "kind": "other"}
                )
        assert not Review.objects.exists()

    def test_review_update_sets_review_fields_only(self, alice, review_a):
        with pytest.raises(ValueError):
            services.review_update(user=alice, review=review_a, data={"province_id": 1})
        review = services.review_update(user=alice, review=review_a, data={"issuer": " 商务部 "})
        assert review.issuer == "商务部"

    def test_review_update_refusals(self, alice, bob, rita, shared, notice, review_a):
        with pytest.raises(PermissionDenied, match="还涉及其他区县"):
            services.review_update(user=alice, review=shared, data={"team": "改"})
        with pytest.raises(PermissionDenied, match="省级通报"):
            services.review_update(user=alice, review=notice, data={"team": "改"})
        with pytest.raises(PermissionDenied):
            services.review_update(user=bob, review=review_a, data={"team": "改"})
        with pytest.raises(PermissionDenied):
            services.review_update(user=rita, review=review_a, data={"team": "改"})
        assert services.review_update(user=rita, review=notice, data={"team": "省督导组"}).team == (
            "省督导组"
        )

    def test_ties_go_to_the_category_given_a_new_number(self, alice, review_a, categories_a):
        first, second, third = categories_a
        services.categories_update(
            user=alice,
            review=review_a,
            entries=[
                services.CategoryEntry(first, first.name, 1),
                services.CategoryEntry(second, second.name, 2),
                services.CategoryEntry(third, third.name, 2),
            ],
        )
        assert list(review_a.categories.order_by("order").values_list("pk", flat=True)) == [
            first.pk,
            third.pk,
            second.pk,
        ]

    def test_categories_of_another_review_are_refused(self, alice, review_a, county_a):
        other = Factory.review(county_a, team="省绩效评价组")
        stray = services.category_create(user=alice, review=other, name="别的")
        with pytest.raises(ValidationError):
            services.categories_update(
                user=alice, review=review_a, entries=[services.CategoryEntry(stray, "改", 1)]
            )

    def test_a_category_of_a_notice_item_stays(self, rita, notice, county_a):
        item = services.notice_item_add(
            user=rita,
            notice=notice,
            category_name="项目推进较慢",
            description="站点建设标准过低。",
            measures=[],
            counties=[county_a],
        )
        item.findings.all().delete()
        with pytest.raises(ValidationError, match="通报问题"):
            services.category_remove(user=rita, category=item.category)


# --- the category select without JavaScript ------------------------------------------------


class TestCategoriesOfTheChosenReview:
    def test_refresh_offers_only_the_chosen_review_s_categories(
        self, client, alice, inspections, review_a, categories_a
    ):
        old, new = inspections
        client.force_login(alice)
        url = reverse("finding_create")
        data = form_data(client.get(url).content, "finding-form")
        data |= {
            "review": str(new.pk),
            "description": "我填写的问题描述。",
            "refresh_categories": "1",
        }
        response = client.post(url, data)
        assert response.status_code == 200
        html = response.content.decode()
        select = re.search(r'<select name="category".*?</select>', html, re.S).group(0)
        assert f'data-review="{new.pk}"' in select
        assert f'data-review="{old.pk}"' not in select and "资金管理问题" not in select
        assert "我填写的问题描述。" in html
        assert "is-invalid" not in html and "invalid-feedback" not in html
        assert not messages_of(response)
        assert Finding.objects.count() == 2  # nothing saved

    def test_then_saving_works(self, client, alice, inspections, unit_a):
        old, new = inspections
        client.force_login(alice)
        url = reverse("finding_create")
        data = form_data(client.get(url).content, "finding-form")
        data |= {
            "review": str(new.pk),
            "description": "2026年的又一个问题。",
            "refresh_categories": "1",
        }
        page = client.post(url, data).content
        data = form_data(page, "finding-form")
        data.pop("refresh_categories", None)
        category = Category.objects.get(review=new)
        data |= {"category": str(category.pk), "units-0-unit": str(unit_a.pk)}
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert Finding.objects.get(description="2026年的又一个问题。").review == new

    def test_the_button_is_there_for_pages_without_javascript(self, client, alice, review_a):
        client.force_login(alice)
        html = client.get(reverse("finding_create")).content.decode()
        assert re.search(
            r'<noscript><button type="submit" name="refresh_categories"[^>]*>按所选检查更新类别',
            html,
        )
        assert 'data-review-select="id_review"' in html
        assert "js/finding-form.js" in html


# --- naming a review in the import preview ------------------------------------------------

NOTICE_TEXT = """关于对第三批电子商务进农村综合示范县工作督查情况的通报
赣商务建设字〔2017〕193号
各县人民政府:
2017年7月11日至22日,省商务厅联合组成督查组,对示范县工作进行了督查。现将问题通报如下:
1.项目管理问题
(1)部分示范县站点建设标准过低。
(2)部分示范县培训人次未达计划。
"""


class TestImportNamesTheReview:
    @pytest.fixture
    def batch(self, client, alice):
        client.force_login(alice)
        client.post(
            reverse("import_start"),
            {
                "kind": "document",
                "doc-text": NOTICE_TEXT,
                "doc-default_kind": "province_supervision",
            },
        )
        return ImportBatch.objects.get()

    def test_the_opening_gives_the_date_and_reference(self):
        identity = review_identity(NOTICE_TEXT)
        assert (identity.start_date, identity.end_date, identity.reference_number) == (
            dt.date(2017, 7, 11),
            dt.date(2017, 7, 22),
            "赣商务建设字〔2017〕193号",
        )

    def test_prefilled_from_the_document(self, client, batch):
        response = client.get(batch.get_absolute_url())
        draft = response.context["plan"].reviews[0].draft
        assert (draft.team, draft.kind, draft.start_date, draft.reference_number) == (
            "省督查组",
            "province_supervision",
            dt.date(2017, 7, 11),
            "赣商务建设字〔2017〕193号",
        )
        html = response.content.decode()
        assert 'name="review_0_team" id="review_0_team" value="省督查组"' in html
        assert 'value="2017-07-11"' in html
        # The team is the opening's (省商务厅联合组成督查组), not the kind chosen on upload.
        assert "文件中没有写明检查组" not in html and "按文件的标题和开头填写" in html

    def test_the_user_s_name_is_the_one_saved(self, client, alice, batch):
        data = form_data(client.get(batch.get_absolute_url()).content)
        data |= {
            "review_0_team": "省联合督查组",
            "review_0_start_date": "2017-07-12",
            "action": "apply",
        }
        response = client.post(batch.get_absolute_url(), data)
        assert response.status_code == 302
        review = Review.objects.get()
        assert (review.team, review.start_date, review.reference_number) == (
            "省联合督查组",
            dt.date(2017, 7, 12),
            "赣商务建设字〔2017〕193号",
        )
        assert review.kind == Review.Kind.PROVINCE_SUPERVISION
        assert list(review.counties.all()) == [alice.county]
        assert Finding.objects.filter(review=review).count() == 2

    def test_an_unreadable_date_is_refused(self, client, batch):
        data = form_data(client.get(batch.get_absolute_url()).content)
        data |= {"review_0_start_date": "七月中旬", "action": "apply"}
        response = client.post(batch.get_absolute_url(), data)
        assert response.status_code == 400
        assert "开始日期「七月中旬」无法识别" in response.content.decode()
        assert not Review.objects.exists()

    def test_left_blank_it_is_unnamed_and_can_be_renamed_later(self, client, batch):
        data = form_data(client.get(batch.get_absolute_url()).content)
        data |= {"review_0_team": "", "action": "apply"}
        assert client.post(batch.get_absolute_url(), data).status_code == 302
        assert Review.objects.get().team == "未注明检查组"
