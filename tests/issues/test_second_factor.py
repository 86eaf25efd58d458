"""The second factor for administrators (rectify/second_factor.py): with
RECTIFY_ADMIN_OTP_REQUIRED on, an administrator pairs an authenticator app at its first login
and enters a code at each later one, before any other page; ledger users are never asked;
every try is an audit event."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Event
from issues.models import Role
from tests.conftest import PASSWORD, Factory

PAGE = "/accounts/password/"  # any page behind the login
SETUP = "/accounts/second-factor/setup/"
VERIFY = "/accounts/second-factor/"


@pytest.fixture
def required(settings):
    settings.RECTIFY_ADMIN_OTP_REQUIRED = True


@pytest.fixture
def admin_a(county_a):
    return Factory.user("admin-a", Role.ACCOUNT_ADMIN, county=county_a)


def code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:06d}"


def log_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def events(result: str) -> int:
    return Event.objects.filter(kind=Event.Kind.SECOND_FACTOR, detail__result=result).count()


def test_off_no_prompt(client, admin_a):
    log_in(client, admin_a)
    assert client.get(PAGE).status_code == 200
    # The pages themselves send a user who owes nothing on.
    assert client.get(f"{SETUP}?next={PAGE}").url == PAGE


def test_on_an_administrator_is_sent_to_set_up(client, required, admin_a):
    log_in(client, admin_a)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url == f"{SETUP}?next=%2Faccounts%2Fpassword%2F"
    page = client.get(response.url)
    assert page.status_code == 200
    assert "绑定验证器" in page.content.decode()
    device = TOTPDevice.objects.get(user=admin_a)
    assert not device.confirmed
    assert "<svg" in page.content.decode()  # the otpauth:// address as a QR code
    assert page.context["secret"].replace(" ", "")  # and as text
    # Reloading keeps the same secret: the app scanned it already.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=admin_a).count() == 1


@pytest.mark.parametrize("url", ["/", "/findings/", "/admin/", "/nation/"])
def test_every_other_page_waits(client, required, admin_a, url):
    log_in(client, admin_a)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(SETUP)


def test_the_open_pages_stay_open(client, required, admin_a):
    log_in(client, admin_a)
    assert client.get(SETUP).status_code == 200
    assert client.get("/healthz").status_code == 200
    response = client.post("/i18n/setlang/", {"language": "en", "next": SETUP})
    assert response.status_code == 302 and response.url == SETUP
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get(PAGE).url.startswith("/accounts/login/")


def test_a_wrong_code_is_refused_and_recorded(client, required, admin_a):
    log_in(client, admin_a)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=admin_a)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"token": wrong, "next": PAGE})
    assert response.status_code == 200
    assert "验证码不正确，请重新输入。" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1
    assert events("failed") == 1
    assert client.get(PAGE).status_code == 302


def test_the_right_code_lets_them_through(client, required, admin_a):
    log_in(client, admin_a)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=admin_a)
    response = client.post(SETUP, {"token": code(device), "next": PAGE})
    assert response.status_code == 302 and response.url == PAGE
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(PAGE).status_code == 200
    assert events("set_up") == 1
    event = Event.objects.get(kind=Event.Kind.SECOND_FACTOR)
    assert event.actor == admin_a and event.ip == "127.0.0.1"


def test_the_device_persists_next_login_asks_for_a_code(client, required, admin_a):
    device = TOTPDevice.objects.create(user=admin_a, name="TOTP", confirmed=True)
    log_in(client, admin_a)
    response = client.get(PAGE)
    assert response.url.startswith(VERIFY)
    assert client.get(f"{SETUP}?next={PAGE}").url.startswith(VERIFY)  # no second pairing
    assert "输入验证码" in client.get(VERIFY).content.decode()

    response = client.post(VERIFY, {"token": "000000" if code(device) != "000000" else "111111"})
    assert "验证码不正确，请重新输入。" in response.content.decode()
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # the throttle's wait, over
    device.save()

    response = client.post(VERIFY, {"token": code(device), "next": PAGE})
    assert response.status_code == 302 and response.url == PAGE
    assert client.get(PAGE).status_code == 200
    assert (events("failed"), events("verified")) == (1, 1)
    assert TOTPDevice.objects.filter(user=admin_a).count() == 1

    # A new session starts unverified again.
    client.post("/accounts/logout/")
    log_in(client, admin_a)
    assert client.get(PAGE).url.startswith(VERIFY)


def test_repeated_wrong_codes_are_throttled(client, required, admin_a):
    device = TOTPDevice.objects.create(user=admin_a, name="TOTP", confirmed=True)
    log_in(client, admin_a)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    client.post(VERIFY, {"token": wrong})
    # Within the throttle's wait even the right code is refused.
    response = client.post(VERIFY, {"token": code(device), "next": PAGE})
    assert response.status_code == 200
    assert "验证码错误次数过多，请稍后再试。" in response.content.decode()
    assert events("throttled") == 1
    assert client.get(PAGE).status_code == 302


def test_a_code_is_not_taken_twice(client, required, admin_a):
    device = TOTPDevice.objects.create(user=admin_a, name="TOTP", confirmed=True)
    # Within one 30-second step: django-otp remembers the last step used.
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC), tick=False):
        token = code(device)
        log_in(client, admin_a)
        assert client.post(VERIFY, {"token": token}).status_code == 302
        client.post("/accounts/logout/")
        log_in(client, admin_a)
        response = client.post(VERIFY, {"token": token})
    assert "验证码不正确，请重新输入。" in response.content.decode()


def test_a_ledger_user_is_never_asked(client, required, alice, lee):
    for user in (alice, lee):
        log_in(client, user)
        assert client.get(PAGE).status_code == 200
        assert client.get("/findings/").status_code == 200
        client.post("/accounts/logout/")
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDITOR])
def test_each_administrator_duty_is_asked(client, required, county_a, role):
    user = Factory.user(f"duty-{role}", role, county=county_a)
    log_in(client, user)
    assert client.get(PAGE).url.startswith(SETUP)
