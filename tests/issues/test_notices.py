"""Provincial notices (督查通报): the province reviewer writes each problem once and assigns it to
counties; each county gets its own copy to rectify and close; the province sees, per problem,
each county's status. Services and views: success, outsider 404, no-permission 403, invalid
form, wrong method; and the demo's notice of seed 001."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from issues import services
from issues.models import County, Finding, NoticeItem, Review, User
from issues.selectors import notice_matrix
from tests.conftest import Factory

DEADLINE = dt.date(2019, 10, 30)
PROBLEM = "部分示范县村级电商服务站点建设标准过低,电商服务站点覆盖贫困村比率较低。"
MEASURES = ["制定村级站点建设标准", "优先在贫困村布设站点"]


@pytest.fixture
def notice(rita, province) -> Review:
    return services.notice_create(
        user=rita,
        province=province,
        data={
            "team": "省督查组",
            "title": "关于示范县工作督查情况的通报",
            "reference_number": "川商务建设字〔2019〕12号",
            "start_date": dt.date(2019, 7, 11),
            "end_date": dt.date(2019, 7, 22),
            "issued_on": dt.date(2019, 8, 14),
            "report_deadline": DEADLINE,
        },
    )


def add_item(notice: Review, user: User, counties: list[County], **fields) -> NoticeItem:
    data = {
        "category_name": "项目推进较慢,建设标准较低",
        "description": PROBLEM,
        "measures": MEASURES,
    } | fields
    return services.notice_item_add(user=user, notice=notice, counties=counties, **data)


@pytest.fixture
def item(notice, rita, county_a, county_b) -> NoticeItem:
    return add_item(notice, rita, [county_a, county_b])


def copy_of(item: NoticeItem, county: County) -> Finding:
    return Finding.objects.get(notice_item=item, county=county)


def close_out(finding: Finding, staff: User, leader: User) -> Finding:
    finding = services.finding_start(user=staff, finding=finding)
    finding = services.finding_submit_closeout(
        user=staff, finding=finding, result="已制定标准。", evidence_waiver="标准文件已上报。"
    )
    return services.finding_close(user=leader, finding=finding)


class TestNoticeCreate:
    def test_by_the_province_reviewer(self, notice, rita, province):
        assert notice.kind == Review.Kind.PROVINCE_SUPERVISION
        assert notice.province == province
        assert (notice.reference_number, notice.report_deadline) == (
            "川商务建设字〔2019〕12号",
            DEADLINE,
        )
        assert notice.created_by == rita
        assert not notice.counties.exists()
        assert notice.history.get().history_user == rita

    @pytest.mark.parametrize("who", ["alice", "lee", "quinn"])
    def test_refused_to_others(self, request, who, province):
        user = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            services.notice_create(user=user, province=province, data={"team": "省督查组"})
        assert not Review.objects.filter(province=province).exists()

    def test_invalid_dates(self, rita, province):
        with pytest.raises(ValidationError):
            services.notice_create(
                user=rita,
                province=province,
                data={
                    "team": "省督查组",
                    "start_date": dt.date(2019, 7, 22),
                    "end_date": dt.date(2019, 7, 11),
                },
            )


class TestNoticeCreateView:
    URL = "/notices/new/"
    FORM = {
        "team": "省督查组",
        "title": "关于示范县工作督查情况的通报",
        "reference_number": "川商务建设字〔2019〕12号",
        "start_date": "2019-07-11",
        "end_date": "2019-07-22",
        "issued_on": "2019-08-14",
        "report_deadline": "2019-10-30",
    }

    def test_form(self, client, rita):
        client.force_login(rita)
        response = client.get(self.URL)
        assert response.status_code == 200
        assert response.context["form"]["team"].value() == "省督查组"

    def test_create(self, client, rita, province):
        client.force_login(rita)
        response = client.post(self.URL, self.FORM)
        notice = Review.objects.get(province=province)
        assert (response.status_code, response.url) == (302, f"/notices/{notice.pk}/")
        assert (notice.title, notice.report_deadline) == (self.FORM["title"], DEADLINE)
        assert notice.kind == Review.Kind.PROVINCE_SUPERVISION

    def test_invalid_form_keeps_the_input(self, client, rita, province):
        client.force_login(rita)
        response = client.post(self.URL, self.FORM | {"end_date": "2019-07-01"})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert response.context["form"]["title"].value() == self.FORM["title"]
        assert not Review.objects.filter(province=province).exists()

    @pytest.mark.parametrize("who", ["alice", "lee"])
    def test_county_users_get_403(self, client, request, who, province):
        client.force_login(request.getfixturevalue(who))
        assert client.get(self.URL).status_code == 403
        assert client.post(self.URL, self.FORM).status_code == 403
        assert not Review.objects.filter(province__isnull=False).exists()

    def test_another_provinces_reviewer_writes_for_her_own(self, client, quinn, other_province):
        client.force_login(quinn)
        client.post(self.URL, self.FORM)
        assert Review.objects.get(province__isnull=False).province == other_province

    def test_anonymous_to_login(self, client):
        response = client.get(self.URL)
        assert (response.status_code, response.url) == (302, f"/accounts/login/?next={self.URL}")

    def test_wrong_method(self, client, rita):
        client.force_login(rita)
        assert client.put(self.URL).status_code == 405


class TestNoticeItemAdd:
    def test_one_copy_per_chosen_county(self, notice, item, rita, county_a, county_b):
        assert (item.category.name, item.order, item.deadline) == (
            "项目推进较慢,建设标准较低",
            1,
            DEADLINE,
        )
        assert item.measures.splitlines() == MEASURES
        copies = Finding.objects.filter(notice_item=item).order_by("county__code")
        assert [c.county for c in copies] == [county_a, county_b]
        for copy in copies:
            assert copy.review == notice
            assert copy.category == item.category
            assert copy.description == PROBLEM
            assert copy.deadline == DEADLINE  # the notice's, as no other was given
            assert copy.status == Finding.Status.OPEN
            assert [m.text for m in copy.measures.all()] == MEASURES
            assert copy.created_by == rita
        assert set(notice.counties.all()) == {county_a, county_b}

    def test_only_the_chosen_counties(self, notice, rita, county_a, county_b):
        item = add_item(notice, rita, [county_a], description="铜鼓县未建立物流数据共享平台。")
        assert list(Finding.objects.filter(notice_item=item).values_list("county", flat=True)) == [
            county_a.pk
        ]
        assert list(notice.counties.all()) == [county_a]
        assert not Finding.objects.filter(county=county_b).exists()

    def test_own_deadline(self, notice, rita, county_a):
        item = add_item(notice, rita, [county_a], deadline=dt.date(2019, 12, 31))
        assert copy_of(item, county_a).deadline == dt.date(2019, 12, 31)

    def test_numbered_within_the_category(self, notice, item, rita, county_a):
        second = add_item(notice, rita, [county_a], description="培训计划缺少量化细分。")
        other = add_item(notice, rita, [county_a], category_name="资金管理不规范")
        assert (second.category, second.order) == (item.category, 2)
        assert (other.category.order, other.order) == (2, 1)

    def test_a_county_that_recorded_it_keeps_its_own(
        self, notice, rita, alice, county_a, county_b, unit_a
    ):
        notice.counties.add(county_a)
        # The notice's categories are the province's (TestNoticeCategories).
        services.category_create(user=rita, review=notice, name="建设标准")
        own = Factory.finding(
            alice,
            county_a,
            notice,
            category="建设标准",
            description=PROBLEM,
            measures=["本县自己的措施"],
            units=[unit_a],
        )
        item = add_item(notice, rita, [county_a, county_b])
        own.refresh_from_db()
        assert own.notice_item == item
        assert Finding.objects.filter(county=county_a, review=notice).count() == 1
        assert [m.text for m in own.measures.all()] == ["本县自己的措施"]
        assert own.category.name == "建设标准"
        assert copy_of(item, county_b).created_by == rita
        assert Finding.objects.filter(notice_item=item).count() == 2

    def test_fanning_out_again_adds_nothing(self, item, rita, county_a, county_b):
        assert services.notice_fan_out(user=rita, item=item, counties=[county_a, county_b]) == []
        assert Finding.objects.filter(notice_item=item).count() == 2

    def test_fanning_out_to_one_more_county(self, notice, item, rita, county_a, province):
        county_c = Factory.county(province, "510821", "广元市旺苍县")
        [copy] = services.notice_fan_out(user=rita, item=item, counties=[county_a, county_c])
        assert copy.county == county_c
        assert Finding.objects.filter(notice_item=item).count() == 3
        assert county_c in notice.counties.all()

    def test_counties_of_another_province_refused(self, notice, rita, county_a, other_province):
        tonggu = Factory.county(other_province, "360926", "宜春市铜鼓县")
        with pytest.raises(ValidationError) as exc:
            add_item(notice, rita, [county_a, tonggu])
        assert "counties" in exc.value.message_dict
        assert not NoticeItem.objects.exists()
        assert not Finding.objects.exists()
        assert not notice.counties.exists()

    def test_no_county_refused(self, notice, rita):
        with pytest.raises(ValidationError):
            add_item(notice, rita, [])
        assert not NoticeItem.objects.exists()

    @pytest.mark.parametrize("who", ["alice", "lee", "quinn"])
    def test_refused_to_others(self, request, notice, county_a, who):
        with pytest.raises(PermissionDenied):
            add_item(notice, request.getfixturevalue(who), [county_a])
        assert not Finding.objects.exists()


class TestNoticeItemAddView:
    def url(self, notice: Review) -> str:
        return f"/notices/{notice.pk}/items/"

    def form(self, *counties: County, **fields) -> dict:
        return {
            "category": "项目推进较慢,建设标准较低",
            "description": PROBLEM,
            "measures": "\n".join(MEASURES),
            "deadline": "",
            "counties": [c.pk for c in counties],
        } | fields

    def test_add(self, client, rita, notice, county_a, county_b):
        client.force_login(rita)
        response = client.post(self.url(notice), self.form(county_a, county_b), follow=True)
        assert response.redirect_chain == [(f"/notices/{notice.pk}/", 302)]
        assert "通报问题已添加，2 个区县各得一份。" in response.content.decode()
        item = NoticeItem.objects.get()
        assert item.deadline == DEADLINE
        assert set(item.findings.values_list("county", flat=True)) == {county_a.pk, county_b.pk}

    def test_county_of_another_province_refused(
        self, client, rita, notice, county_a, other_province
    ):
        tonggu = Factory.county(other_province, "360926", "宜春市铜鼓县")
        client.force_login(rita)
        response = client.post(self.url(notice), self.form(county_a, tonggu))
        assert response.status_code == 400
        assert "counties" in response.context["form"].errors
        assert not Finding.objects.exists()

    def test_without_counties(self, client, rita, notice):
        client.force_login(rita)
        response = client.post(self.url(notice), self.form())
        assert response.status_code == 400
        assert response.context["form"]["description"].value() == PROBLEM
        assert not NoticeItem.objects.exists()

    @pytest.mark.parametrize("who", ["alice", "lee", "bob"])
    def test_county_users_get_403(self, client, request, who, notice, county_a):
        client.force_login(request.getfixturevalue(who))
        assert client.post(self.url(notice), self.form(county_a)).status_code == 403
        assert not Finding.objects.exists()

    def test_another_provinces_reviewer_gets_404(self, client, quinn, notice, county_a):
        client.force_login(quinn)
        assert client.post(self.url(notice), self.form(county_a)).status_code == 404
        assert not Finding.objects.exists()

    def test_a_national_user_without_a_role_writes_nothing(self, client, nina, notice, county_a):
        # The national account reads every province; it is nobody's reviewer, so it adds no
        # notice item (which would give counties findings) and edits no notice.
        client.force_login(nina)
        assert client.post(self.url(notice), self.form(county_a)).status_code == 403
        assert not Finding.objects.exists()
        assert client.get(f"/notices/{notice.pk}/edit/").status_code == 403
        assert client.get(f"/notices/{notice.pk}/").status_code == 200  # reading stays

    def test_a_provincial_user_who_is_no_reviewer_gets_403(
        self, client, notice, province, county_a
    ):
        client.force_login(Factory.user("pat", province=province))
        assert client.post(self.url(notice), self.form(county_a)).status_code == 403

    def test_wrong_method(self, client, rita, notice):
        client.force_login(rita)
        assert client.get(self.url(notice)).status_code == 405


class TestMatrix:
    def test_each_countys_status(self, notice, item, rita, county_a, county_b):
        other = add_item(notice, rita, [county_b], description="朝天区未建立物流数据共享平台。")
        matrix = notice_matrix(notice)
        assert matrix["counties"] == [county_a, county_b]
        assert [(i, [f and f.status for f in cells]) for i, cells in matrix["rows"]] == [
            (item, [Finding.Status.OPEN, Finding.Status.OPEN]),
            (other, [None, Finding.Status.OPEN]),
        ]
        assert (matrix["closed"], matrix["assigned"]) == ([0, 0], [1, 2])

    def test_follows_a_county_closing_its_copy(self, notice, item, alice, lee, county_a, county_b):
        close_out(copy_of(item, county_a), alice, lee)
        matrix = notice_matrix(notice)
        [(_, cells)] = matrix["rows"]
        assert [f.status for f in cells] == [Finding.Status.CLOSED, Finding.Status.OPEN]
        assert matrix["closed"] == [1, 0]
        # The other county's copy is its own: untouched.
        assert copy_of(item, county_b).status == Finding.Status.OPEN

    def test_page(self, client, rita, notice, item, alice, lee, county_a, county_b):
        close_out(copy_of(item, county_a), alice, lee)
        client.force_login(rita)
        response = client.get(f"/notices/{notice.pk}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "各县于 2019年10月30日前报送整改情况" in html
        row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", html, re.S).group(1)
        county_cells = re.findall(r'<td class="text-center">(.*?)</td>', row, re.S)
        assert len(county_cells) == 2
        assert "已销号" in county_cells[0]
        assert f'href="/findings/{copy_of(item, county_a).pk}/"' in county_cells[0]
        assert "未整改" in county_cells[1]
        tfoot = re.search(r"<tfoot[^>]*>(.*?)</tfoot>", html, re.S).group(1)
        assert re.sub(r"\s+|<[^>]+>", "", tfoot) == "已销号/涉及问题1/10/1"
        assert "添加通报问题" in html

    def test_page_for_a_national_user(self, client, nina, notice, item):
        client.force_login(nina)
        assert client.get(f"/notices/{notice.pk}/").status_code == 200

    @pytest.mark.parametrize("who", ["alice", "lee", "bob"])
    def test_county_users_get_403(self, client, request, who, notice, item):
        client.force_login(request.getfixturevalue(who))
        assert client.get(f"/notices/{notice.pk}/").status_code == 403

    def test_another_provinces_reviewer_gets_404(self, client, quinn, notice, item):
        client.force_login(quinn)
        assert client.get(f"/notices/{notice.pk}/").status_code == 404

    def test_an_ordinary_review_is_no_notice(self, client, rita, review_a):
        client.force_login(rita)
        assert client.get(f"/notices/{review_a.pk}/").status_code == 404

    def test_anonymous_to_login(self, client, notice):
        url = f"/notices/{notice.pk}/"
        response = client.get(url)
        assert (response.status_code, response.url) == (302, f"/accounts/login/?next={url}")


class TestCountyCopies:
    def test_the_county_sees_its_own_copy_only(self, client, alice, bob, notice, item, county_a):
        client.force_login(alice)
        response = client.get("/findings/", {"review": notice.pk})
        assert list(response.context["page"]) == [copy_of(item, county_a)]
        assert client.get(copy_of(item, county_a).get_absolute_url()).status_code == 200
        assert client.get(f"/findings/{copy_of(item, bob.county).pk}/").status_code == 404

    def test_the_county_works_on_its_copy(self, alice, lee, item, county_a):
        finding = close_out(copy_of(item, county_a), alice, lee)
        assert (finding.status, finding.closed_by) == (Finding.Status.CLOSED, lee)

    def test_another_county_cannot_touch_it(self, bob, item, county_a):
        with pytest.raises(PermissionDenied):
            services.finding_start(user=bob, finding=copy_of(item, county_a))


class TestDemoNotice:
    @pytest.fixture
    def demo(self, db):
        call_command("load_demo", password="demo-password", stdout=io.StringIO())
        return Review.objects.get(province__code="360000")

    def test_seed_001(self, client, demo):
        notice = demo
        assert notice.reference_number == "赣商务建设字〔2017〕193号"
        assert notice.report_deadline == dt.date(2017, 10, 30)
        assert notice.notice_items.count() == 10
        assert sorted(notice.counties.values_list("code", flat=True)) == [
            "360483",
            "360821",
            "360926",
            "361022",
            "361030",
            "361121",
            "361127",
        ]
        matrix = notice_matrix(notice)
        assert matrix["assigned"] == [9, 9, 10, 9, 9, 9, 9]  # 铜鼓县 (third) has one more
        for item, cells in matrix["rows"]:
            if item.description.startswith("铜鼓县"):
                assert [f is not None for f in cells] == [False, False, True] + [False] * 4
            else:
                assert all(f is not None for f in cells), item
        client.force_login(User.objects.get(username="reviewer-360000"))
        html = client.get(f"/notices/{notice.pk}/").content.decode()
        assert "各县于 2017年10月30日前报送整改情况" in html
        assert html.count('<th class="text-center text-nowrap">') == 7

    def test_tonggu_keeps_the_six_it_recorded(self, demo):
        tonggu = County.objects.get(code="360926")
        findings = Finding.objects.filter(county=tonggu, review=demo)
        # Its six own findings, linked to the notice items they record; copies of the other four.
        assert findings.count() == 10
        assert not findings.filter(notice_item__isnull=True).exists()
        assert findings.filter(created_by__username="staff-360926").count() == 6
        assert findings.filter(created_by__username="reviewer-360000").count() == 4
        assert findings.values("notice_item").distinct().count() == 10


class TestNoticeCategories:
    """A notice's categories are its province's: every county of the notice shares them, so a
    county registering a finding under the notice picks one, and cannot add its own."""

    def _data(self, notice, name: str) -> services.FindingData:
        return services.FindingData(
            review=notice, description="县级自建问题。", new_category_name=name
        )

    def test_a_county_cannot_add_one(self, alice, notice, county_a):
        notice.counties.add(county_a)
        with pytest.raises(ValidationError) as exc:
            services.finding_create(
                user=alice, county=county_a, data=self._data(notice, "自建类别")
            )
        assert exc.value.message_dict["category"] == [
            "省级通报的问题类别由发文省份的审核人员维护，请从已有类别中选择。"
        ]
        assert not notice.categories.filter(name="自建类别").exists()
        assert not Finding.objects.exists()

    def test_a_county_uses_the_provinces_by_name(self, alice, rita, notice, county_a):
        notice.counties.add(county_a)
        services.category_create(user=rita, review=notice, name="资金拨付问题")
        finding = services.finding_create(
            user=alice, county=county_a, data=self._data(notice, "资金拨付问题")
        )
        assert finding.category.name == "资金拨付问题"
        assert notice.categories.count() == 1

    def test_the_form_keeps_what_was_typed(self, client, alice, notice, county_a):
        notice.counties.add(county_a)
        client.force_login(alice)
        response = client.post(
            "/findings/new/",
            {
                "review": notice.pk,
                "new_category": "自建类别",
                "description": "县级自建问题。",
                "measures-TOTAL_FORMS": "0",
                "measures-INITIAL_FORMS": "0",
                "units-TOTAL_FORMS": "0",
                "units-INITIAL_FORMS": "0",
                "save": "1",
            },
        )
        html = response.content.decode()
        assert response.status_code in (200, 400)
        assert "省级通报的问题类别由发文省份的审核人员维护，请从已有类别中选择。" in html
        assert "县级自建问题。" in html
        assert not Finding.objects.exists()

    def test_a_countys_own_review_still_takes_new_ones(self, alice, review_a, county_a):
        data = services.FindingData(
            review=review_a, description="本县问题。", new_category_name="本县新类别"
        )
        finding = services.finding_create(user=alice, county=county_a, data=data)
        assert finding.category.name == "本县新类别"
