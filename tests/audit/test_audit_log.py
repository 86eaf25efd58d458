"""The security audit log (issue 13 item 4): each event written with user and address, the
auditors' scope, the search, the export, append-only, and the page's query count."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.exports import write_events
from audit.middleware import filename_of
from audit.models import AppendOnly, Event
from audit.services import record
from issues import services
from issues.models import Role
from tests.conftest import PASSWORD, Factory

LOGIN = reverse("login")
LOG = reverse("audit_log")
EXPORT = reverse("audit_export")
SHANGHAI = ZoneInfo("Asia/Shanghai")
K = Event.Kind


def log_in(client: Client, username: str, password: str, ip: str = "10.0.0.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def kinds(**filters) -> list[str]:
    return list(Event.objects.filter(**filters).order_by("pk").values_list("kind", flat=True))


def last(kind: str) -> Event:
    return Event.objects.filter(kind=kind).select_related("county", "province").latest("pk")


def as_client(user, ip: str = "10.9.9.9") -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.force_login(user)
    return client


@pytest.fixture
def auditor_a(county_a):
    return Factory.user("aud-a", Role.AUDITOR, county=county_a)


@pytest.fixture
def auditor_b(county_b):
    return Factory.user("aud-b", Role.AUDITOR, county=county_b)


@pytest.fixture
def auditor_p(province):
    return Factory.user("aud-p", Role.AUDITOR, province=province)


@pytest.fixture
def auditor_q(other_province):
    return Factory.user("aud-q", Role.AUDITOR, province=other_province)


@pytest.fixture
def auditor_n(db):
    return Factory.user("aud-n", Role.AUDITOR, is_national=True)


@pytest.fixture
def county_c(other_province):
    return Factory.county(other_province, "360926", "铜鼓县")


@pytest.fixture
def carl(county_c):
    return Factory.user("carl", Role.COUNTY_STAFF, county=county_c)


class TestLoginEvents:
    def test_a_login_with_user_address_and_place(self, alice, county_a, client):
        assert log_in(client, "alice", PASSWORD, ip="10.0.0.7").status_code == 302
        event = last(K.LOGIN)
        assert event.actor == alice and event.username == "alice"
        assert str(event.ip) == "10.0.0.7"
        assert (event.county, event.province) == (county_a, county_a.province)
        assert event.method == "POST" and event.path == LOGIN

    def test_a_logout(self, alice):
        client = as_client(alice, ip="10.0.0.8")
        client.post(reverse("logout"))
        event = last(K.LOGOUT)
        assert event.actor == alice and str(event.ip) == "10.0.0.8"
        assert not Event.objects.filter(kind=K.SESSION_EXPIRED).exists()

    def test_a_failed_login_with_an_unknown_username(self, client, alice):
        log_in(client, "mallory", "guess-1234", ip="10.0.0.9")
        event = last(K.LOGIN_FAILED)
        assert event.username == "mallory" and event.actor is None
        assert event.county is None and event.province is None
        assert str(event.ip) == "10.0.0.9"
        assert "guess-1234" not in str(event.detail) + event.target + event.path

    def test_a_failed_login_with_a_known_username_belongs_to_its_county(
        self, client, alice, county_a
    ):
        log_in(client, "alice", "wrong-password-1")
        event = last(K.LOGIN_FAILED)
        assert event.username == "alice" and event.actor is None
        assert (event.county, event.province) == (county_a, county_a.province)
        # Never the password, anywhere in the row.
        row = Event.objects.filter(pk=event.pk).values().get()
        assert "wrong-password-1" not in str(row)

    def test_a_lockout_through_axes(self, settings, client, alice, county_a):
        settings.AXES_ENABLED = True
        settings.RECTIFY_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
        for n in range(4):
            log_in(client, "alice", "wrong-password", ip=f"10.0.1.{n}")
        assert not Event.objects.filter(kind=K.LOCKOUT).exists()
        assert log_in(client, "alice", "wrong-password", ip="10.0.1.9").status_code == 429
        event = last(K.LOCKOUT)
        assert event.username == "alice" and str(event.ip) == "10.0.1.9"
        assert (event.county, event.province) == (county_a, county_a.province)
        assert Event.objects.filter(kind=K.LOGIN_FAILED, username="alice").count() == 5
        # The right password while locked: refused, and audited again.
        assert log_in(client, "alice", PASSWORD, ip="10.0.1.10").status_code == 429
        assert Event.objects.filter(kind=K.LOCKOUT).count() == 2
        assert not Event.objects.filter(kind=K.LOGIN).exists()

    def test_a_session_timeout(self, settings, alice, county_a):
        settings.RECTIFY_SESSION_IDLE_MINUTES = 30
        start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
        with time_machine.travel(start, tick=False) as clock:
            client = Client(REMOTE_ADDR="10.0.2.2")
            assert log_in(client, "alice", PASSWORD, ip="10.0.2.2").status_code == 302
            clock.shift(dt.timedelta(minutes=31))
            response = client.get(reverse("finding_list"), REMOTE_ADDR="10.0.2.2")
        assert response.status_code == 302
        event = last(K.SESSION_EXPIRED)
        assert event.actor == alice and event.detail == {"reason": "idle"}
        assert str(event.ip) == "10.0.2.2" and event.county == county_a
        # One event for the timeout, not a logout as well.
        assert not Event.objects.filter(kind=K.LOGOUT).exists()

    def test_the_address_behind_the_proxy(self, settings, client, alice):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        log_in(
            client,
            "alice",
            "wrong-password",
            ip="127.0.0.1",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
        )
        assert str(last(K.LOGIN_FAILED).ip) == "203.0.113.7"


class TestDenialsAndDownloads:
    def test_a_403(self, alice, auditor_a):
        # County staff asking for the audit log: refused, and the refusal is audited.
        assert as_client(alice, ip="10.0.3.3").get(LOG + "?kind=login").status_code == 403
        event = last(K.DENIED)
        assert event.actor == alice and event.detail == {"status": 403}
        assert event.method == "GET" and event.path == LOG + "?kind=login"
        assert str(event.ip) == "10.0.3.3"

    def test_a_404_on_another_countys_finding(self, bob, county_b, finding_a):
        url = finding_a.get_absolute_url()
        assert as_client(bob).get(url).status_code == 404
        event = last(K.DENIED)
        assert event.actor == bob and event.path == url and event.detail == {"status": 404}
        assert (event.county, event.province) == (county_b, county_b.province)

    def test_no_event_for_anonymous_or_ordinary_pages_or_assets(self, client, alice, finding_a):
        client.get("/nowhere/")
        signed_in = as_client(alice)
        assert signed_in.get(reverse("finding_list")).status_code == 200
        signed_in.get("/static/nowhere.css")
        signed_in.get("/favicon.ico")
        assert not Event.objects.exclude(kind=K.LOGIN).exists()

    def test_a_ledger_xlsx_download(self, alice, county_a, finding_a):
        response = as_client(alice, ip="10.0.4.4").get(reverse("ledger_xlsx"))
        assert response.status_code == 200
        b"".join(response.streaming_content)
        event = last(K.DOWNLOAD)
        assert event.actor == alice and event.target.endswith(".xlsx")
        assert event.target == filename_of(response["Content-Disposition"])
        assert "台账" in event.target
        assert event.path == reverse("ledger_xlsx") and str(event.ip) == "10.0.4.4"
        assert (event.county, event.province) == (county_a, county_a.province)

    def test_an_evidence_download(self, settings, tmp_path, alice, rita, finding_a, province):
        settings.MEDIA_ROOT = tmp_path / "media"
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        evidence = services.evidence_add(
            user=alice,
            finding=finding_a,
            upload=SimpleUploadedFile("验收报告.pdf", pdf),
            title="验收报告",
        )
        response = as_client(rita).get(f"/evidence/{evidence.pk}/")
        assert b"".join(response.streaming_content) == pdf
        event = last(K.DOWNLOAD)
        assert event.actor == rita and event.target == "验收报告.pdf"
        assert (event.county, event.province) == (None, province)
        # Viewed in the browser (inline) is a download too.
        as_client(alice).get(f"/evidence/{evidence.pk}/?inline=1")
        assert last(K.DOWNLOAD).actor == alice

    @pytest.mark.parametrize(
        ("header", "name"),
        [
            ("attachment; filename*=utf-8''%E5%8F%B0%E8%B4%A6.xlsx", "台账.xlsx"),
            ('attachment; filename="minutes.pdf"', "minutes.pdf"),
            ("inline; filename=plain.txt", "plain.txt"),
            ("attachment", ""),
        ],
    )
    def test_filename_of(self, header, name):
        assert filename_of(header) == name


class TestRecord:
    def test_one_insert_even_when_the_county_was_not_read(self, alice, county_a):
        fresh = type(alice).objects.get(pk=alice.pk)
        with CaptureQueriesContext(connection) as queries:
            event = record(K.LOGIN, actor=fresh)
        assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
        assert event.province_id == county_a.province_id  # read again when asked

    def test_the_request_gives_user_address_method_and_path(self, alice):
        request = RequestFactory().get("/x/?a=1", REMOTE_ADDR="10.5.5.5")
        request.user = alice
        event = record(K.DENIED, request=request, detail={"status": 403})
        assert (event.actor, str(event.ip), event.method, event.path) == (
            alice,
            "10.5.5.5",
            "GET",
            "/x/?a=1",
        )


class TestAppendOnly:
    def test_no_change_no_delete(self, alice):
        event = record(K.LOGIN, actor=alice)
        event.target = "changed"
        with pytest.raises(AppendOnly):
            event.save()
        with pytest.raises(AppendOnly):
            event.delete()
        with pytest.raises(AppendOnly):
            Event.objects.filter(pk=event.pk).update(target="x")
        with pytest.raises(AppendOnly):
            Event.objects.all().delete()
        assert Event.objects.get(pk=event.pk).target == ""

    def test_the_admin_only_reads(self, alice, factory):
        root = factory.user("root")
        root.is_staff = root.is_superuser = True
        root.save()
        event = record(K.LOGIN, actor=alice)
        model_admin = site._registry[Event]
        request = RequestFactory().get("/")
        request.user = root
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, event)
        assert not model_admin.has_delete_permission(request, event)
        assert model_admin.get_actions(request) == {}
        client = as_client(root)
        assert client.get(reverse("admin:audit_event_changelist")).status_code == 200
        assert client.get(reverse("admin:audit_event_change", args=[event.pk])).status_code == 200
        assert client.get(reverse("admin:audit_event_add")).status_code == 403
        assert client.get(reverse("admin:audit_event_delete", args=[event.pk])).status_code == 403


@pytest.fixture
def events(alice, bob, rita, quinn, nina, carl, county_a, county_b, county_c):
    """One failed login for each account, from its own address, in Shanghai's 2 March."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        for n, user in enumerate([alice, bob, rita, quinn, nina, carl], start=1):
            log_in(Client(), user.username, "wrong-password", ip=f"10.1.0.{n}")
    return Event.objects.filter(kind=K.LOGIN_FAILED)


def shown(client: Client, query: str = "") -> set[str]:
    response = client.get(LOG + query)
    assert response.status_code == 200
    return {event.username for event in response.context["page"]}


class TestAuditorScope:
    def test_a_county_auditor_sees_its_county(self, events, auditor_a):
        assert shown(as_client(auditor_a), "?kind=login_failed") == {"alice"}

    def test_a_province_auditor_sees_its_province_and_counties(self, events, auditor_p):
        assert shown(as_client(auditor_p), "?kind=login_failed") == {"alice", "bob", "rita"}

    def test_another_province_auditor(self, events, auditor_q):
        assert shown(as_client(auditor_q), "?kind=login_failed") == {"quinn", "carl"}

    def test_a_national_auditor_sees_all(self, events, auditor_n):
        assert shown(as_client(auditor_n), "?kind=login_failed") == {
            "alice",
            "bob",
            "rita",
            "quinn",
            "nina",
            "carl",
        }

    @pytest.mark.parametrize("who", ["alice", "lee", "rita", "nina"])
    def test_no_auditor_no_page(self, request, who):
        client = as_client(request.getfixturevalue(who))
        assert client.get(LOG).status_code == 403
        assert client.get(EXPORT).status_code == 403

    @pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.SECURITY_ADMIN])
    def test_the_other_administrator_duties_no_page(self, county_a, role):
        admin = Factory.user("adm", role, county=county_a)
        assert as_client(admin).get(LOG).status_code == 403

    def test_anonymous_goes_to_log_in(self, client):
        assert client.get(LOG)["Location"].startswith(LOGIN)

    def test_the_menu(self, auditor_a, alice):
        assert f'href="{LOG}"' in as_client(auditor_a).get(LOG).content.decode()
        assert f'href="{LOG}"' not in as_client(alice).get(reverse("finding_list")).content.decode()


class TestSearch:
    def test_by_kind_username_address_text_and_dates(self, events, auditor_n, alice):
        with time_machine.travel(dt.datetime(2026, 3, 4, 23, 30, tzinfo=SHANGHAI), tick=False):
            as_client(alice, ip="10.2.0.1").get(reverse("ledger_xlsx"))
        client = as_client(auditor_n)
        assert shown(client, "?kind=download") == {"alice"}
        assert shown(client, "?kind=login_failed&username=ALI") == {"alice"}
        assert shown(client, "?ip=10.1.0.2") == {"bob"}
        assert shown(client, "?q=xlsx") == {"alice"}
        assert shown(client, "?kind=login_failed&q=accounts/login") == {e.username for e in events}
        # Dates are Shanghai's: 23:30 on 4 March is 15:30 UTC, still the 4th.
        assert shown(client, "?since=2026-03-04&kind=download") == {"alice"}
        assert shown(client, "?until=2026-03-03&kind=download") == set()
        assert shown(client, "?since=2026-03-02&until=2026-03-02&kind=login_failed") == {
            e.username for e in events
        }

    def test_rows_show_time_kind_user_place_and_address(self, events, auditor_p):
        page = as_client(auditor_p).get(LOG + "?username=bob").content.decode()
        assert "2026年3月2日" in page and "09:00:00" in page
        assert "登录失败" in page and "朝天区" in page and "10.1.0.2" in page

    def test_newest_first_and_fifty_a_page(self, settings, auditor_n, alice):
        for n in range(55):
            record(K.DOWNLOAD, actor=alice, target=f"file-{n:02}.xlsx")
        client = as_client(auditor_n)
        first = client.get(LOG + "?kind=download").context["page"]
        assert len(first) == 50 and first[0].target == "file-54.xlsx"
        second = client.get(LOG + "?kind=download&page=2").context["page"]
        assert [e.target for e in second] == [f"file-{n:02}.xlsx" for n in range(4, -1, -1)]

    def test_a_bad_date_is_said(self, auditor_n):
        response = as_client(auditor_n).get(LOG + "?since=2026-13-01")
        assert response.status_code == 200
        assert "起始日期" in response.content.decode()

    def test_the_query_count_is_pinned(self, django_assert_num_queries, auditor_n, alice):
        for n in range(60):
            record(K.DOWNLOAD, actor=alice, target=f"file-{n}.xlsx")
        client = as_client(auditor_n)
        # session, user, groups (the roles), count, page of events with county and province
        with django_assert_num_queries(5):
            response = client.get(LOG)
        assert len(response.context["page"]) == 50


class TestExport:
    def test_the_filtered_events_as_xlsx(self, events, auditor_p):
        client = as_client(auditor_p, ip="10.3.0.3")
        response = client.get(EXPORT + "?kind=login_failed")
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"
        )
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        rows = list(book.active.iter_rows(values_only=True))
        assert rows[0][:3] == ("时间", "事件", "用户名")
        assert sorted(row[2] for row in rows[1:]) == ["alice", "bob", "rita"]
        alice_row = next(row for row in rows[1:] if row[2] == "alice")
        assert alice_row[0] == dt.datetime(2026, 3, 2, 9, 0)  # Shanghai's time
        assert alice_row[1:6] == ("登录失败", "alice", "广元市昭化区", "四川省", "10.1.0.1")
        event = last(K.AUDIT_EXPORT)
        assert event.actor == auditor_p and event.target.endswith(".xlsx")
        assert event.detail == {"rows": 3, "filters": {"kind": "login_failed"}}
        assert str(event.ip) == "10.3.0.3"
        # Recorded as the export, not as a download as well.
        assert not Event.objects.filter(kind=K.DOWNLOAD).exists()

    def test_over_the_limit_is_refused_with_a_message(self, settings, events, auditor_n):
        settings.RECTIFY_AUDIT_EXPORT_MAX_ROWS = 5
        response = as_client(auditor_n).get(EXPORT + "?kind=login_failed", follow=True)
        assert response.redirect_chain[-1][0] == LOG + "?kind=login_failed"
        assert "超过一次导出的上限 5 条" in response.content.decode()
        assert not Event.objects.filter(kind=K.AUDIT_EXPORT).exists()

    def test_write_events_runs_no_query(self, events, django_assert_num_queries):
        rows = list(Event.objects.select_related("county", "province"))
        out = io.BytesIO()
        with django_assert_num_queries(0):
            assert write_events(rows, out) == len(rows)
        assert openpyxl.load_workbook(out).active.max_row == len(rows) + 1


def test_on_postgresql_the_database_refuses_update_and_delete(alice):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (audit migration 0002); SQLite relies on audit.models")
    from django.db import DatabaseError, transaction

    event = record(K.LOGIN, actor=alice)
    for sql in (
        "UPDATE audit_event SET target = 'x' WHERE id = %s",
        "DELETE FROM audit_event WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert Event.objects.filter(pk=event.pk, target="").exists()


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("rita", reverse("province_ledger_xlsx", args=["510000"])),
        ("nina", reverse("nation_ledger_xlsx")),
    ],
)
def test_the_province_and_nation_workbooks(request, who, url, finding_a):
    user = request.getfixturevalue(who)
    response = as_client(user).get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = last(K.DOWNLOAD)
    assert event.actor == user and event.path == url and event.target.endswith(".xlsx")


def test_a_file_in_a_plain_response_is_a_download_too(alice):
    """Word documents come as an HttpResponse with the header (reports.views._download)."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    from audit.middleware import AuditMiddleware

    def view(request):
        response = HttpResponse(b"PK..", content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, "整改报告.docx")
        return response

    request = RequestFactory().get("/reports/1/report.docx", REMOTE_ADDR="10.6.6.6")
    request.user = alice
    AuditMiddleware(view)(request)
    event = last(K.DOWNLOAD)
    assert (event.target, str(event.ip), event.actor) == ("整改报告.docx", "10.6.6.6", alice)
