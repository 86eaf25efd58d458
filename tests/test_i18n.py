"""Chinese by default, dates written the Chinese way, English one click away."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings
from django.utils import timezone


def test_settings():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.USE_I18N is True
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_today_is_the_date_in_shanghai():
    # 16:30 UTC on 30 September is already 1 October in Beijing time.
    with time_machine.travel(dt.datetime(2019, 9, 30, 16, 30, tzinfo=dt.UTC), tick=False):
        assert timezone.localdate() == dt.date(2019, 10, 1)


def test_detail_page_is_chinese_with_chinese_dates(client, alice, finding_a):
    client.force_login(alice)
    html = client.get(finding_a.get_absolute_url()).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "2019年10月30日前" in html  # the deadline
    assert "2019年4月25日" in html  # the review's start
    assert "整改措施" in html


def test_deadline_of_30_september(client, alice, finding_a):
    finding_a.__class__.objects.filter(pk=finding_a.pk).update(
        deadline=dt.date(2019, 9, 30), is_ongoing=True
    )
    client.force_login(alice)
    html = client.get(finding_a.get_absolute_url()).content.decode()
    assert "2019年9月30日前，并长期坚持" in html


def test_switching_to_english(client, alice, finding_a):
    client.force_login(alice)
    url = finding_a.get_absolute_url()
    page = client.get(url).content.decode()
    # The switch on every page posts to /i18n/setlang/ and comes back to the page.
    assert 'action="/i18n/setlang/"' in page
    assert f'name="next" type="hidden" value="{url}"' in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert response.status_code == 302
    assert response.url == url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    # Each language is named in itself in the switch, whatever the page's language.
    assert '<option value="en" lang="en" selected>English</option>' in html
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in html
    # Dates follow the language.
    assert "Oct. 30, 2019" in html
    assert "2019年10月30日" not in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
    html = client.get(url).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "2019年10月30日" in html


def test_browser_language_is_ignored(client, alice, finding_a):
    # County offices often run English browsers; the ledger stays Chinese until switched.
    client.force_login(alice)
    response = client.get(finding_a.get_absolute_url(), headers={"accept-language": "en"})
    assert b'<html lang="zh-hans">' in response.content
    assert "2019年10月30日".encode() in response.content


def test_unknown_language_falls_back_to_chinese(client, alice, finding_a):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get(finding_a.get_absolute_url(), headers={"accept-language": "fr"}).content
    assert b'<html lang="zh-hans">' in html


def test_login_page_can_switch_language(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'action="/i18n/setlang/"' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()
