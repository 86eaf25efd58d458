"""Who sees and changes what, for every view: own county 200, another county's object 404,
read-only roles 403 on writes, anonymous to the login page, wrong method 405."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from issues.models import Finding, Progress, Unit

from .html_forms import form_data

TODAY = dt.date(2019, 9, 10)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def urls(finding_a, unit_a) -> dict[str, str]:
    return {
        "home": "/",
        "list": "/findings/",
        "detail": f"/findings/{finding_a.pk}/",
        "edit": f"/findings/{finding_a.pk}/edit/",
        "new": "/findings/new/",
        "progress": f"/findings/{finding_a.pk}/progress/",
        "units": "/units/",
        "unit_new": "/units/new/",
        "unit_edit": f"/units/{unit_a.pk}/edit/",
    }


def _as(client, user):
    client.force_login(user)
    return client


# --- anonymous ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("home", "get"),
        ("list", "get"),
        ("detail", "get"),
        ("edit", "get"),
        ("edit", "post"),
        ("new", "get"),
        ("new", "post"),
        ("progress", "post"),
        ("units", "get"),
        ("unit_new", "get"),
        ("unit_new", "post"),
        ("unit_edit", "get"),
        ("unit_edit", "post"),
    ],
)
def test_anonymous_is_sent_to_the_login_page(client, urls, name, method):
    url = urls[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


def test_anonymous_post_changes_nothing(client, urls, finding_a):
    client.post(urls["progress"], {"date": "2019-09-01", "note": "匿名"})
    client.post(urls["edit"], {"description": "匿名"})
    assert not Progress.objects.exists()
    assert Finding.objects.get(pk=finding_a.pk).description == "县级公共服务中心未开始建设。"


# --- own county: success -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["home", "list", "detail", "edit", "new", "units", "unit_new", "unit_edit"]
)
def test_county_staff_opens_every_page(client, alice, urls, name):
    # "home" is the landing page: it sends county users on to their county's dashboard.
    assert _as(client, alice).get(urls[name], follow=True).status_code == 200


@pytest.mark.parametrize("name", ["home", "list", "detail", "units"])
@pytest.mark.parametrize("who", ["lee", "rita", "nina"])
def test_readers_open_the_read_pages(request, client, urls, name, who):
    user = request.getfixturevalue(who)
    assert _as(client, user).get(urls[name], follow=True).status_code == 200


def test_staff_adds_progress(client, alice, urls, finding_a):
    response = _as(client, alice).post(urls["progress"], {"date": "2019-09-01", "note": "已选址"})
    assert response.status_code == 302
    assert response.url == f"/findings/{finding_a.pk}/#progress"
    progress = Progress.objects.get()
    assert (progress.finding, progress.note, progress.author) == (finding_a, "已选址", alice)
    assert progress.date == dt.date(2019, 9, 1)
    assert Finding.objects.get(pk=finding_a.pk).status == Finding.Status.IN_PROGRESS
    page = client.get(finding_a.get_absolute_url()).content.decode()
    assert "整改进展已记录。" in page
    assert "已选址" in page
    assert "2019年9月1日" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"date": "2019-09-11", "note": "明天"}, "进展日期不能晚于今天。"),
        ({"date": "2019-09-01", "note": ""}, "这个字段是必填项。"),
        ({"date": "", "note": "进展"}, "这个字段是必填项。"),
    ],
)
def test_invalid_progress_shows_the_detail_page_with_the_error(
    client, alice, urls, finding_a, data, error
):
    response = _as(client, alice).post(urls["progress"], data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert "进展未保存，请按提示修改。" in html
    assert "县级公共服务中心未开始建设。" in html
    shown = form_data(html, "mb-4")
    assert (shown["date"], shown["note"]) == (data["date"], data["note"])
    assert not Progress.objects.exists()
    assert Finding.objects.get(pk=finding_a.pk).status == Finding.Status.OPEN


def test_staff_creates_a_unit(client, alice, urls, county_a):
    response = _as(client, alice).post(
        urls["unit_new"], {"name": "区邮政分局", "kind": "company", "contact": "王芳"}
    )
    assert response.status_code == 302
    assert response.url == "/units/"
    unit = Unit.objects.get(name="区邮政分局")
    assert (unit.county, unit.kind, unit.contact, unit.created_by) == (
        county_a,
        "company",
        "王芳",
        alice,
    )


def test_staff_edits_a_unit(client, alice, urls, unit_a):
    response = _as(client, alice).post(
        urls["unit_edit"], {"name": "区商务和经济合作局", "kind": "department", "phone": "0839-1"}
    )
    assert response.status_code == 302
    unit_a.refresh_from_db()
    assert (unit_a.phone, unit_a.updated_by.username) == ("0839-1", "alice")


def test_duplicate_unit_name_is_refused_on_the_form(client, alice, urls, unit_a):
    response = _as(client, alice).post(urls["unit_new"], {"name": unit_a.name, "kind": "other"})
    assert response.status_code == 200
    assert "保存失败，请按提示修改。" in response.content.decode()
    assert Unit.objects.filter(name=unit_a.name).count() == 1


def test_bob_creates_findings_for_his_own_county(client, bob, county_b):
    response = _as(client, bob).get("/findings/new/")
    assert response.status_code == 200
    assert response.context["county"] == county_b


# --- another county's object: 404 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("detail", "get"),
        ("edit", "get"),
        ("edit", "post"),
        ("progress", "post"),
        ("unit_edit", "get"),
        ("unit_edit", "post"),
    ],
)
@pytest.mark.parametrize("who", ["bob", "quinn"])
def test_another_countys_object_does_not_exist(request, client, urls, name, method, who):
    user = request.getfixturevalue(who)
    response = getattr(_as(client, user), method)(
        urls[name], {"date": "2019-09-01", "note": "进展", "name": "改名", "kind": "other"}
    )
    assert response.status_code == 404


def test_outsider_writes_change_nothing(client, bob, urls, finding_a, unit_a):
    _as(client, bob)
    client.post(urls["progress"], {"date": "2019-09-01", "note": "进展"})
    client.post(urls["unit_edit"], {"name": "改名", "kind": "other"})
    assert not Progress.objects.exists()
    assert Unit.objects.get(pk=unit_a.pk).name == "区商务和经济合作局"


def test_unknown_finding_is_404(client, alice):
    assert _as(client, alice).get("/findings/999999/").status_code == 404


# --- read-only roles: 403 on writes -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("edit", "get"),
        ("edit", "post"),
        ("new", "get"),
        ("new", "post"),
        ("progress", "post"),
        ("unit_new", "get"),
        ("unit_new", "post"),
        ("unit_edit", "get"),
        ("unit_edit", "post"),
    ],
)
@pytest.mark.parametrize("who", ["lee", "rita", "nina"])
def test_read_only_roles_may_not_write(request, client, urls, name, method, who):
    user = request.getfixturevalue(who)
    response = getattr(_as(client, user), method)(
        urls[name], {"date": "2019-09-01", "note": "进展", "name": "区邮政分局", "kind": "other"}
    )
    assert response.status_code == 403


def test_read_only_writes_change_nothing(client, lee, urls, finding_a):
    _as(client, lee)
    client.post(urls["progress"], {"date": "2019-09-01", "note": "进展"})
    client.post(urls["unit_new"], {"name": "区邮政分局", "kind": "other"})
    assert not Progress.objects.exists()
    assert not Unit.objects.filter(name="区邮政分局").exists()


def test_staff_without_the_role_is_read_only(client, county_a, urls, factory):
    clerk = factory.user("clerk", county=county_a)
    _as(client, clerk)
    assert client.get(urls["detail"]).status_code == 200
    assert client.get(urls["edit"]).status_code == 403
    assert client.get(urls["new"]).status_code == 403


def test_detail_page_offers_writes_only_to_staff(client, alice, lee, urls, finding_a):
    staff_page = _as(client, alice).get(urls["detail"]).content.decode()
    assert urls["edit"] in staff_page
    assert f'action="{urls["progress"]}"' in staff_page
    leader_page = _as(client, lee).get(urls["detail"]).content.decode()
    assert urls["edit"] not in leader_page
    assert urls["progress"] not in leader_page
    assert "县级公共服务中心未开始建设。" in leader_page


def test_navigation_offers_new_finding_only_to_staff(client, alice, lee):
    assert "/findings/new/" in _as(client, alice).get("/findings/").content.decode()
    assert "/findings/new/" not in _as(client, lee).get("/findings/").content.decode()


# --- wrong method: 405 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("progress", "get"),
        ("progress", "put"),
        ("edit", "put"),
        ("edit", "delete"),
        ("new", "put"),
        ("new", "delete"),
        ("unit_new", "put"),
        ("unit_edit", "delete"),
    ],
)
def test_wrong_method(client, alice, urls, name, method):
    response = getattr(_as(client, alice), method)(urls[name])
    assert response.status_code == 405


# --- lists never show another county's rows ---------------------------------------------


@pytest.fixture
def both_counties(finding_a, finding_b, county_a, county_b, unit_a, unit_a2):
    return finding_a, finding_b


def _finding_ids(response) -> set[int]:
    return {f.pk for f in response.context["page"]}


def test_county_ledger_shows_only_its_county(client, alice, bob, both_counties):
    finding_a, finding_b = both_counties
    response = _as(client, alice).get("/findings/")
    assert _finding_ids(response) == {finding_a.pk}
    html = response.content.decode()
    assert "县级公共服务中心未开始建设。" in html
    assert "朝天区的问题。" not in html
    # Not in the filter choices either.
    assert "区商务局<" not in html
    assert str(response.context["tally"].total) == "1"

    response = _as(client, bob).get("/findings/")
    assert _finding_ids(response) == {finding_b.pk}
    assert "县级公共服务中心未开始建设。" not in response.content.decode()


def test_county_ledger_ignores_another_countys_filter(client, alice, county_b, both_counties):
    response = _as(client, alice).get("/findings/", {"county": county_b.pk})
    # A county user has no county filter: the parameter is ignored.
    assert _finding_ids(response) == {both_counties[0].pk}


def test_county_ledger_refuses_another_countys_unit_and_review(
    client, alice, both_counties, review_b
):
    finding_a, finding_b = both_counties
    unit_b = finding_b.unit_links.get().unit
    for params in ({"unit": unit_b.pk}, {"review": review_b.pk}):
        response = _as(client, alice).get("/findings/", params)
        assert finding_b.pk not in _finding_ids(response)
        assert "朝天区的问题。" not in response.content.decode()


def test_province_reviewer_sees_both_counties(client, rita, both_counties):
    finding_a, finding_b = both_counties
    response = _as(client, rita).get("/findings/")
    assert _finding_ids(response) == {finding_a.pk, finding_b.pk}
    html = response.content.decode()
    assert "广元市昭化区" in html or "昭化区" in html
    assert "朝天区的问题。" in html
    assert response.context["show_county"] is True


def test_province_reviewer_of_another_province_sees_nothing(client, quinn, both_counties):
    response = _as(client, quinn).get("/findings/")
    assert _finding_ids(response) == set()
    assert "没有符合条件的问题。" in response.content.decode()


def test_national_user_sees_everything(client, nina, both_counties, other_province, factory):
    county_q = factory.county(other_province, "360926", "宜春市铜鼓县")
    staff_q = factory.user("qiu", "county_staff", county=county_q)
    finding_q = factory.finding(
        staff_q, county_q, factory.review(county_q), description="铜鼓县的问题。"
    )
    response = _as(client, nina).get("/findings/")
    assert _finding_ids(response) == {both_counties[0].pk, both_counties[1].pk, finding_q.pk}


def test_unit_list_is_scoped(client, alice, rita, quinn, nina, both_counties):
    def names(user):
        return {u.name for u in _as(client, user).get("/units/").context["units"]}

    assert names(alice) == {"区商务和经济合作局", "区财政局"}
    assert names(rita) == {"区商务和经济合作局", "区财政局", "区商务局"}
    assert names(quinn) == set()
    assert names(nina) == {"区商务和经济合作局", "区财政局", "区商务局"}
    html = _as(client, alice).get("/units/").content.decode()
    assert "区商务局" not in html


def test_unit_list_offers_edit_only_to_staff(client, alice, lee, unit_a):
    assert f"/units/{unit_a.pk}/edit/" in _as(client, alice).get("/units/").content.decode()
    assert f"/units/{unit_a.pk}/edit/" not in _as(client, lee).get("/units/").content.decode()


def test_home_shows_only_the_users_county(client, alice, bob, both_counties):
    html = _as(client, alice).get("/", follow=True).content.decode()
    assert "广元市昭化区" in html
    assert "朝天区" not in html


def test_detail_hides_related_findings_of_other_counties(client, alice, finding_a, finding_b):
    # Written behind the service's back, as a bad import might.
    finding_a.related.add(finding_b)
    html = _as(client, alice).get(f"/findings/{finding_a.pk}/").content.decode()
    assert "朝天区的问题。" not in html
