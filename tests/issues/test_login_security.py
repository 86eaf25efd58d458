"""Login security (issue 13, 等保 2.0 level 3): lockout after repeated failures by account and
by address with a Chinese message, unlock, password rules, password expiry, the session
timeouts, and the password change in the user menu."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from rectify import settings as project_settings
from rectify.accounts import client_ip
from tests.conftest import PASSWORD

LOGIN = reverse("login")
HOME = reverse("finding_list")  # a page, not a redirect
CHANGE = reverse("password_change")
LOCKED = "登录失败次数过多"
TIMED_OUT = "登录已超时，请重新登录。"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.RECTIFY_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5


def log_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def is_logged_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


class TestLockout:
    def test_a_wrong_password_is_an_ordinary_error_below_the_limit(self, axes_on, alice, client):
        response = log_in(client, "alice", "wrong-password")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
        assert log_in(client, "alice", PASSWORD).status_code == 302

    def test_account_is_locked_after_the_limit_from_any_address(self, axes_on, alice, client):
        for n in range(4):
            assert log_in(client, "alice", "wrong-password", ip=f"10.0.1.{n}").status_code == 200
        response = log_in(client, "alice", "wrong-password", ip="10.0.1.9")
        assert response.status_code == 429
        assert "该账户或本机地址已被锁定 30 分钟" in response.content.decode()
        # The right password, from a fresh address, is refused while locked.
        response = log_in(client, "alice", PASSWORD, ip="10.0.2.1")
        assert response.status_code == 429
        assert LOCKED in response.content.decode()
        assert not is_logged_in(client)

    def test_address_is_locked_after_the_limit_whatever_the_username(
        self, axes_on, alice, bob, client
    ):
        for n in range(5):
            log_in(client, f"guess{n}", "wrong-password", ip="10.0.3.3")
        response = log_in(client, "alice", PASSWORD, ip="10.0.3.3")
        assert response.status_code == 429
        assert LOCKED in response.content.decode()
        # bob, from another address, is not affected.
        assert log_in(Client(), "bob", PASSWORD, ip="10.0.3.4").status_code == 302

    def test_an_administrator_unlocks_the_account(self, axes_on, alice, client):
        for n in range(5):
            log_in(client, "alice", "wrong-password", ip=f"10.0.4.{n}")
        assert log_in(client, "alice", PASSWORD, ip="10.0.4.9").status_code == 429
        call_command("axes_reset_username", "alice")
        assert log_in(client, "alice", PASSWORD, ip="10.0.4.9").status_code == 302
        assert is_logged_in(client)

    def test_an_administrator_unlocks_in_the_admin(self, axes_on, alice, client, factory):
        for n in range(5):
            log_in(client, "alice", "wrong-password", ip=f"10.0.5.{n}")
        admin = factory.user("root")
        admin.is_staff = admin.is_superuser = True
        admin.save()
        staff = Client()
        staff.force_login(admin)
        changelist = reverse("admin:axes_accessattempt_changelist")
        assert "alice" in staff.get(changelist).content.decode()
        ids = list(AccessAttempt.objects.filter(username="alice").values_list("pk", flat=True))
        staff.post(
            changelist,
            {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        )
        assert not AccessAttempt.objects.filter(username="alice").exists()
        assert log_in(client, "alice", PASSWORD, ip="10.0.5.9").status_code == 302

    def test_the_lock_ends_after_the_cool_off(self, axes_on, alice, client):
        with time_machine.travel(START, tick=False) as clock:
            for n in range(5):
                log_in(client, "alice", "wrong-password", ip=f"10.0.6.{n}")
            clock.shift(dt.timedelta(minutes=29))
            assert log_in(client, "alice", PASSWORD, ip="10.0.6.9").status_code == 429
            clock.shift(dt.timedelta(minutes=2))
            assert log_in(client, "alice", PASSWORD, ip="10.0.6.9").status_code == 302

    def test_success_clears_the_count(self, axes_on, alice, client):
        for n in range(4):
            log_in(client, "alice", "wrong-password", ip=f"10.0.7.{n}")
        assert log_in(client, "alice", PASSWORD, ip="10.0.7.9").status_code == 302
        assert log_in(Client(), "alice", "wrong-password", ip="10.0.7.8").status_code == 200


class TestClientAddress:
    def test_remote_addr_without_a_proxy(self, settings):
        request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
        assert client_ip(request) == "10.1.1.1"

    def test_behind_nginx_the_address_nginx_appended(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        request = RequestFactory().get(
            "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
        )
        assert client_ip(request) == "203.0.113.7"


class TestPasswordRules:
    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("Sh0rt-pw", "密码太短，至少需要 10 个字符。"),
            ("2019113020191130", "密码只包含数字。"),
            ("password1234", "这个密码太常见了。"),
            ("Wonderland7", "太相似了"),
        ],
    )
    def test_each_rule_refuses_with_a_chinese_message(self, as_client, alice, password, message):
        alice.last_name = "Wonderland"
        alice.save()
        client = as_client(alice)
        response = client.post(
            CHANGE,
            {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
        )
        assert response.status_code == 200
        errors = " ".join(response.context["form"].errors["new_password2"])
        assert message in errors

    def test_a_good_password_is_accepted(self, as_client, alice):
        client = as_client(alice)
        new = "Qingshan-river-77"
        response = client.post(
            CHANGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        )
        assert response.status_code == 302


@pytest.fixture
def as_client():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


class TestPasswordChange:
    NEW = "Qingshan-river-77"

    def test_the_user_menu_links_to_it(self, as_client, alice):
        response = as_client(alice).get(HOME)
        assert f'href="{CHANGE}"' in response.content.decode()
        assert "修改密码" in response.content.decode()

    def test_change_keeps_this_session_and_ends_the_others(self, as_client, alice):
        here, elsewhere = as_client(alice), as_client(alice)
        response = here.post(
            CHANGE,
            {"old_password": PASSWORD, "new_password1": self.NEW, "new_password2": self.NEW},
            follow=True,
        )
        assert "密码已修改。" in response.content.decode()
        assert is_logged_in(here)
        assert elsewhere.get(HOME).status_code == 302
        assert log_in(Client(), "alice", self.NEW).status_code == 302

    def test_wrong_old_password_is_refused(self, as_client, alice):
        response = as_client(alice).post(
            CHANGE, {"old_password": "nope", "new_password1": self.NEW, "new_password2": self.NEW}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]

    def test_anonymous_is_sent_to_login(self, client):
        assert client.get(CHANGE)["Location"].startswith(LOGIN)


class TestPasswordExpiry:
    def test_off_when_zero(self, as_client, alice, settings):
        settings.RECTIFY_PASSWORD_MAX_AGE_DAYS = 0
        alice.password_changed_at = START - dt.timedelta(days=3650)
        alice.save()
        assert as_client(alice).get(HOME).status_code == 200

    def test_an_expired_password_must_be_changed(self, as_client, alice, settings):
        settings.RECTIFY_PASSWORD_MAX_AGE_DAYS = 90
        with time_machine.travel(START, tick=False):
            alice.password_changed_at = START - dt.timedelta(days=91)
            alice.save()
            client = as_client(alice)
            response = client.get(HOME)
            assert response.status_code == 302
            assert response["Location"] == CHANGE
            assert client.get(reverse("home")).status_code == 302
            response = client.get(CHANGE)
            assert "密码已过期，请设置新密码。" in response.content.decode()
            new = "Qingshan-river-77"
            client.post(
                CHANGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
            )
            assert client.get(HOME).status_code == 200

    def test_a_recent_password_is_not_expired(self, as_client, alice, settings):
        settings.RECTIFY_PASSWORD_MAX_AGE_DAYS = 90
        with time_machine.travel(START, tick=False):
            alice.password_changed_at = START - dt.timedelta(days=89)
            alice.save()
            assert as_client(alice).get(HOME).status_code == 200

    def test_set_password_records_the_date(self, alice):
        with time_machine.travel(START, tick=False):
            alice.set_password("Qingshan-river-77")
        assert alice.password_changed_at == START


@pytest.fixture
def timeouts_on(settings):
    settings.RECTIFY_SESSION_IDLE_MINUTES = project_settings.RECTIFY_SESSION_IDLE_MINUTES
    settings.RECTIFY_SESSION_MAX_HOURS = project_settings.RECTIFY_SESSION_MAX_HOURS


class TestSessionTimeouts:
    def test_defaults(self):
        assert project_settings.RECTIFY_SESSION_IDLE_MINUTES == 30
        assert project_settings.RECTIFY_SESSION_MAX_HOURS == 12
        assert project_settings.RECTIFY_LOGIN_FAILURE_LIMIT == 5
        assert project_settings.RECTIFY_LOGIN_COOLOFF_MINUTES == 30
        assert project_settings.RECTIFY_PASSWORD_MAX_AGE_DAYS == 0

    def test_idle_timeout(self, timeouts_on, as_client, alice):
        with time_machine.travel(START, tick=False) as clock:
            client = as_client(alice)
            clock.shift(dt.timedelta(minutes=29))
            assert is_logged_in(client)
            clock.shift(dt.timedelta(minutes=31))
            response = client.get(HOME)
            assert response.status_code == 302
            assert response["Location"].startswith(LOGIN)
            response = client.get(response["Location"])
            assert TIMED_OUT in response.content.decode()
            assert not is_logged_in(client)

    def test_activity_keeps_the_session(self, timeouts_on, as_client, alice):
        with time_machine.travel(START, tick=False) as clock:
            client = as_client(alice)
            for _ in range(6):
                clock.shift(dt.timedelta(minutes=25))
                assert is_logged_in(client)

    def test_absolute_lifetime(self, timeouts_on, as_client, alice):
        with time_machine.travel(START, tick=False) as clock:
            client = as_client(alice)
            for _ in range(11 * 3):  # busy all day: a request every 20 minutes for 11 hours
                clock.shift(dt.timedelta(minutes=20))
                assert is_logged_in(client)
            clock.shift(dt.timedelta(hours=1, minutes=1))
            response = client.get(HOME)
            assert response["Location"].startswith(LOGIN)
            assert TIMED_OUT in client.get(response["Location"]).content.decode()

    def test_login_through_the_form_starts_the_clocks(self, timeouts_on, alice, client):
        with time_machine.travel(START, tick=False) as clock:
            assert log_in(client, "alice", PASSWORD).status_code == 302
            clock.shift(dt.timedelta(minutes=31))
            assert client.get(HOME).status_code == 302
