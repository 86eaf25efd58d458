"""Accounts in the browser, by scope (issue 13 item 1): who administers which accounts, what
they may grant, the temporary password and the forced change, reset, deactivation, roles,
lockouts, and the security log's events for each."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import Event
from issues.models import Role, User
from tests.conftest import PASSWORD, Factory
from users import services

LOGIN = reverse("login")
LIST = reverse("account_list")
CREATE = reverse("account_create")
CHANGE = reverse("password_change")
LEDGER = reverse("finding_list")
NEW_PASSWORD = "Qingchuan-river-2026"


def detail(account) -> str:
    return reverse("account_detail", args=[account.pk])


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client: Client, **query) -> set[str]:
    response = client.get(LIST, query)
    assert response.status_code == 200
    return {account.username for account, _roles in response.context["rows"]}


def log_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


# Logins, logouts and refusals are recorded too (tests/audit); these tests read the rest.
SESSION_KINDS = [Event.Kind.LOGIN, Event.Kind.LOGOUT, Event.Kind.DENIED]


def kinds() -> list[str]:
    """The account events written, in order."""
    events = Event.objects.exclude(kind__in=SESSION_KINDS).order_by("pk")
    return list(events.values_list("kind", flat=True))


def create_form(place: str, role: str = Role.COUNTY_STAFF, **fields) -> dict:
    return {
        "username": "carol",
        "full_name": "卡罗尔",
        "email": "",
        "place": place,
        "role": role,
        **fields,
    }


class TestScope:
    """Each administrator sees and opens exactly the accounts it manages; others are 404."""

    def test_county_administrator(self, ada, sid, otto, alice, lee, bob, rita):
        client = as_user(ada)
        assert listed(client) == {"alice", "lee"}
        assert client.get(detail(alice)).status_code == 200
        for other in (bob, rita, sid, otto, ada):
            assert client.get(detail(other)).status_code == 404, other

    def test_province_administrator(self, pam, ada, sid, otto, alice, rita, quinn, bob):
        client = as_user(pam)
        assert listed(client) == {"ada", "sid", "otto", "rita"}
        for other in (alice, bob, quinn, pam):
            assert client.get(detail(other)).status_code == 404, other

    def test_national_administrator(self, nate, pam, ada, rita, nina, other_province):
        p2 = Factory.user("pat", Role.SECURITY_ADMIN, province=other_province)
        client = as_user(nate)
        assert listed(client) == {"pam", "pat"}
        assert client.get(detail(p2)).status_code == 200
        for other in (ada, rita, nina):
            assert client.get(detail(other)).status_code == 404

    def test_security_administrator_sees_the_same_accounts(self, sid, alice, lee, bob, ada):
        client = as_user(sid)
        assert listed(client) == {"alice", "lee"}
        page = client.get(detail(alice))
        assert page.status_code == 200
        assert "account.manage" not in page.context["can"]
        assert "account.roles" in page.context["can"]
        assert client.get(detail(bob)).status_code == 404

    def test_a_working_user_has_no_accounts_pages(self, alice, lee):
        client = as_user(alice)
        assert client.get(LIST).status_code == 403
        assert client.get(CREATE).status_code == 403
        assert client.get(detail(lee)).status_code == 404
        assert client.post(reverse("account_password_reset", args=[lee.pk])).status_code == 404
        assert client.get(reverse("lockout_list")).status_code == 403

    def test_search_and_filters(self, ada, alice, lee):
        alice.first_name = "李爱丽"
        alice.save()
        client = as_user(ada)
        assert listed(client, q="爱丽") == {"alice"}
        assert listed(client, q="LE") == {"lee"}
        assert listed(client, role=Role.COUNTY_LEADER) == {"lee"}
        services.account_deactivate(admin=ada, account=lee)
        assert listed(client, active="0") == {"lee"}
        assert listed(client, active="1") == {"alice"}

    def test_the_list_runs_a_fixed_number_of_queries(
        self, ada, county_a, django_assert_max_num_queries
    ):
        for n in range(30):
            Factory.user(
                f"user{n:02}", Role.COUNTY_STAFF if n % 2 else Role.COUNTY_LEADER, county=county_a
            )
        client = as_user(ada)
        client.get(LIST)  # warm the session
        # session, user, its groups (the menu), count, page of accounts, their groups.
        with django_assert_max_num_queries(8):
            response = client.get(LIST)
        assert len(response.context["rows"]) == 25
        assert all(roles for _account, roles in response.context["rows"])


class TestAdministratorsReadNoLedger:
    def test_county_pages_are_closed_to_them(self, ada, sid, otto, finding_a, county_a):
        for admin in (ada, sid, otto):
            client = as_user(admin)
            assert client.get(reverse("finding_detail", args=[finding_a.pk])).status_code == 404
            dashboard = reverse("county_dashboard", kwargs={"code": county_a.code})
            assert client.get(dashboard).status_code == 404
            assert client.get(LEDGER).context["tally"].total == 0
            page = as_user(admin).get(reverse("lockout_list") if admin == sid else LIST)
            html = page.content.decode()
            assert "问题台账" not in html and "我的待办" not in html
            # The units page is not offered (the account form names the unit contact's role).
            assert 'href="/units/"' not in html

    def test_landing_pages(self, ada, sid, otto, alice):
        assert as_user(ada).get("/").url == LIST
        assert as_user(sid).get("/").url == LIST
        assert as_user(otto).get("/").url == reverse("audit_log")
        assert as_user(alice).get("/").status_code == 302

    def test_the_menu_offers_what_each_may_do(self, ada, sid, alice):
        assert "账户管理" in as_user(ada).get(LIST).content.decode()
        assert "登录锁定" not in as_user(ada).get(LIST).content.decode()
        assert "登录锁定" in as_user(sid).get(LIST).content.decode()
        assert "账户管理" not in as_user(alice).get(LEDGER).content.decode()


class TestNeverAboveOwn:
    def test_the_form_offers_only_grantable_roles_and_places(self, ada, pam, county_a, county_b):
        form = as_user(ada).get(CREATE).context["form"]
        assert [v for v, _ in form.fields["role"].choices] == [
            Role.COUNTY_STAFF,
            Role.COUNTY_LEADER,
            Role.UNIT_STAFF,
        ]
        assert [v for v, _ in form.fields["place"].choices] == [f"county:{county_a.pk}"]
        assert "unit" in form.fields  # the unit of a unit's contact
        form = as_user(pam).get(CREATE).context["form"]
        assert len(form.fields["place"].choices) == 3  # P, A, B
        assert Role.COUNTY_STAFF not in dict(form.fields["role"].choices)
        assert "unit" not in form.fields

    def test_a_role_posted_by_hand_is_refused(self, ada, county_a):
        response = as_user(ada).post(
            CREATE, create_form(f"county:{county_a.pk}", Role.ACCOUNT_ADMIN)
        )
        assert response.status_code == 200
        assert response.context["form"].errors["role"]
        assert not User.objects.filter(username="carol").exists()

    def test_a_role_of_another_level_is_refused_in_the_service(self, pam, ada, county_a):
        # The province administrator grants reviewers, but at the province, not in a county.
        response = as_user(pam).post(
            CREATE, create_form(f"county:{county_a.pk}", Role.PROVINCE_REVIEWER)
        )
        assert response.status_code == 200
        assert "您不能授予“省级审核人员”角色" in response.content.decode()
        assert not User.objects.filter(username="carol").exists()
        with pytest.raises(ValidationError):
            services.account_create(
                admin=ada, username="x", full_name="x", place=county_a, role=Role.AUDITOR
            )

    def test_a_place_outside_the_reach_is_refused(self, ada, county_b, other_province):
        with pytest.raises(PermissionDenied):
            services.account_create(
                admin=ada, username="x", full_name="x", place=county_b, role=Role.COUNTY_STAFF
            )
        response = as_user(ada).post(CREATE, create_form(f"county:{county_b.pk}"))
        assert response.context["form"].errors["place"]

    def test_roles_change_within_the_grantable(self, sid, alice):
        client = as_user(sid)
        roles = reverse("account_roles", args=[alice.pk])
        response = client.post(roles, {"role": Role.ACCOUNT_ADMIN})
        assert response.status_code == 200 and response.context["form"].errors["role"]
        with pytest.raises(ValidationError) as exc:
            services.roles_change(admin=sid, account=alice, role=Role.SECURITY_ADMIN)
        assert "您不能授予“安全管理员”角色" in str(exc.value)
        assert client.post(roles, {"role": Role.COUNTY_LEADER}).status_code == 302
        alice = User.objects.get(pk=alice.pk)
        assert alice.role_names == {Role.COUNTY_LEADER}
        event = Event.objects.get(kind=Event.Kind.ROLES_CHANGED)
        assert event.detail == {"before": [Role.COUNTY_STAFF], "after": [Role.COUNTY_LEADER]}
        assert event.username == "sid" and event.county_id == alice.county_id

    def test_the_account_administrator_does_not_change_roles(self, ada, alice):
        assert as_user(ada).get(reverse("account_roles", args=[alice.pk])).status_code == 403
        with pytest.raises(PermissionDenied):
            services.roles_change(admin=ada, account=alice, role=Role.COUNTY_LEADER)


class TestCreate:
    def test_create_then_the_new_user_must_set_a_password(self, ada, county_a):
        admin = as_user(ada)
        response = admin.post(CREATE, create_form(f"county:{county_a.pk}", once="a" * 32))
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("max-age=0")
        password = response.context["password"]
        assert password in response.content.decode()
        carol = User.objects.get(username="carol")
        assert carol.county == county_a and carol.role_names == {Role.COUNTY_STAFF}
        assert carol.must_change_password and not carol.check_password("")
        assert password not in str(Event.objects.get(kind=Event.Kind.ACCOUNT_CREATED).detail)

        user = Client()
        assert log_in(user, "carol", password).status_code == 302
        forced = user.get(LEDGER)
        assert forced.status_code == 302 and forced.url == CHANGE
        bad = user.post(
            CHANGE,
            {
                "old_password": password,
                "new_password1": "2019113020191130",
                "new_password2": "2019113020191130",
            },
        )
        assert bad.status_code == 200 and "密码只包含数字。" in bad.content.decode()
        good = user.post(
            CHANGE,
            {
                "old_password": password,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert good.status_code == 302
        assert user.get(LEDGER).status_code == 200
        assert kinds() == [Event.Kind.ACCOUNT_CREATED, Event.Kind.PASSWORD_CHANGED]
        assert Event.objects.get(kind=Event.Kind.PASSWORD_CHANGED).username == "carol"

    def test_a_repeated_submit_creates_one_account(self, ada, county_a):
        admin = as_user(ada)
        form = create_form(f"county:{county_a.pk}", once="b" * 32)
        assert admin.post(CREATE, form).status_code == 200
        again = admin.post(CREATE, form)
        carol = User.objects.get(username="carol")
        assert again.status_code == 302 and again.url == detail(carol)
        assert User.objects.filter(username="carol").count() == 1
        assert kinds() == [Event.Kind.ACCOUNT_CREATED]

    def test_an_error_keeps_what_was_typed(self, ada, alice, county_a):
        response = as_user(ada).post(
            CREATE, create_form(f"county:{county_a.pk}", username="alice", full_name="重名者")
        )
        assert response.status_code == 200
        assert response.context["form"].errors["username"]
        html = response.content.decode()
        assert 'value="重名者"' in html and 'value="alice"' in html

    def test_the_province_creates_a_county_administrator(self, pam, county_b):
        response = as_user(pam).post(
            CREATE, create_form(f"county:{county_b.pk}", Role.ACCOUNT_ADMIN, username="admin-b")
        )
        assert response.status_code == 200
        account = User.objects.get(username="admin-b")
        assert account.county == county_b and account.role_names == {Role.ACCOUNT_ADMIN}


class TestChanges:
    def test_edit_name_and_contact(self, ada, alice):
        response = as_user(ada).post(detail(alice), {"full_name": "王爱丽", "email": "a@b.cn"})
        assert response.status_code == 302
        alice.refresh_from_db()
        assert (alice.first_name, alice.email) == ("王爱丽", "a@b.cn")
        event = Event.objects.get(kind=Event.Kind.ACCOUNT_CHANGED)
        assert event.detail == {"fields": ["first_name", "email"]}

    def test_the_security_administrator_cannot_edit(self, sid, alice):
        assert as_user(sid).post(detail(alice), {"full_name": "x"}).status_code == 403

    def test_reset_forces_a_change_and_ends_sessions(self, ada, alice):
        user = Client()
        assert log_in(user, "alice", PASSWORD).status_code == 302
        assert user.get(LEDGER).status_code == 200
        response = as_user(ada).post(reverse("account_password_reset", args=[alice.pk]))
        assert response.status_code == 200
        password = response.context["password"]
        assert user.get(LEDGER).url.startswith(LOGIN)  # logged out
        assert log_in(user, "alice", PASSWORD).status_code == 200  # the old one is gone
        assert log_in(user, "alice", password).status_code == 302
        assert user.get(LEDGER).url == CHANGE
        event = Event.objects.get(kind=Event.Kind.PASSWORD_RESET)
        assert event.detail == {"sessions_ended": 1} and event.username == "ada"

    def test_a_reset_sent_again_does_not_reset_again(self, ada, alice):
        """The back button or a second click: the password shown the first time stays the
        one that works."""
        admin = as_user(ada)
        url = reverse("account_password_reset", args=[alice.pk])
        first = admin.post(url, {"once": "c" * 32})
        password = first.context["password"]
        again = admin.post(url, {"once": "c" * 32})
        assert again.status_code == 302 and again.url == detail(alice)
        assert log_in(Client(), "alice", password).status_code == 302
        assert Event.objects.filter(kind=Event.Kind.PASSWORD_RESET).count() == 1

    def test_deactivate_blocks_login_and_keeps_the_row(self, ada, alice, finding_a):
        user = Client()
        assert log_in(user, "alice", PASSWORD).status_code == 302
        admin = as_user(ada)
        assert admin.get(reverse("account_deactivate", args=[alice.pk])).status_code == 405
        assert admin.post(reverse("account_deactivate", args=[alice.pk])).status_code == 302
        assert user.get(LEDGER).url.startswith(LOGIN)
        assert log_in(Client(), "alice", PASSWORD).status_code == 200
        alice.refresh_from_db()
        assert not alice.is_active and finding_a.created_by_id == alice.pk
        assert admin.post(reverse("account_reactivate", args=[alice.pk])).status_code == 302
        assert log_in(Client(), "alice", PASSWORD).status_code == 302
        # The deactivated account's attempt to log in is a failed login.
        assert kinds() == [
            Event.Kind.ACCOUNT_DEACTIVATED,
            Event.Kind.LOGIN_FAILED,
            Event.Kind.ACCOUNT_REACTIVATED,
        ]

    def test_another_countys_account_is_not_found(self, ada, bob):
        admin = as_user(ada)
        for name in ("account_deactivate", "account_password_reset", "account_reactivate"):
            assert admin.post(reverse(name, args=[bob.pk])).status_code == 404
        bob.refresh_from_db()
        assert bob.is_active and not bob.must_change_password
        assert kinds() == []
        assert Event.objects.filter(kind=Event.Kind.DENIED, username="ada").count() == 3


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.RECTIFY_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5


class TestLockouts:
    def lock(self, username: str, ip: str = "10.0.9.1"):
        for _ in range(5):
            log_in(Client(), username, "wrong-password", ip=ip)

    def test_the_security_administrator_unlocks(self, axes_on, sid, alice, bob):
        self.lock("alice", ip="10.0.9.1")
        self.lock("bob", ip="10.0.9.2")
        assert log_in(Client(), "alice", PASSWORD, ip="10.0.9.3").status_code == 429
        client = as_user(sid)
        page = client.get(reverse("lockout_list"))
        assert [lock.username for lock in page.context["lockouts"]] == ["alice"]
        assert not page.context["addresses"]  # a county's: no address lockouts
        response = client.post(reverse("lockout_unlock"), {"username": "alice"})
        assert response.status_code == 302
        assert log_in(Client(), "alice", PASSWORD, ip="10.0.9.3").status_code == 302
        # Not a lockout outside its reach, nor an address.
        assert client.post(reverse("lockout_unlock"), {"username": "bob"}).status_code == 403
        assert client.post(reverse("lockout_unlock"), {"ip": "10.0.9.2"}).status_code == 403
        assert AccessAttempt.objects.filter(username="bob").exists()
        event = Event.objects.get(kind=Event.Kind.UNLOCK)
        assert event.detail["username"] == "alice" and event.username == "sid"

    def test_the_account_administrator_does_not_unlock(self, axes_on, ada, alice):
        self.lock("alice")
        client = as_user(ada)
        assert client.get(reverse("lockout_list")).status_code == 403
        assert client.post(reverse("lockout_unlock"), {"username": "alice"}).status_code == 403

    def test_a_province_security_administrator_unlocks_an_address(self, axes_on, province):
        security = Factory.user("sec-p", Role.SECURITY_ADMIN, province=province)
        for n in range(5):
            log_in(Client(), f"guess{n}", "wrong-password", ip="10.0.9.9")
        client = as_user(security)
        lockouts = client.get(reverse("lockout_list")).context["lockouts"]
        assert [(lock.username, lock.ip) for lock in lockouts] == [("", "10.0.9.9")]
        assert client.post(reverse("lockout_unlock"), {"ip": "10.0.9.9"}).status_code == 302
        assert not AccessAttempt.objects.filter(ip_address="10.0.9.9").exists()


def test_own_password_change_is_recorded(alice):
    client = as_user(alice)
    response = client.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    event = Event.objects.get(kind=Event.Kind.PASSWORD_CHANGED)
    assert (event.kind, event.username, event.county_id) == (
        Event.Kind.PASSWORD_CHANGED,
        "alice",
        alice.county_id,
    )
