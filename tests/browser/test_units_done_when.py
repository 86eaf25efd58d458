"""Issue 14's "done when", in a real browser on the demo (`load_demo`, 广元市昭化区 of seed 000):

the office (staff-510811) assigns a finding to 各乡镇人民政府 with the edit form; its contact
(unit-510811-xz) sees the notification on the bell and in the list, 签收s and reports progress
with a photo; the office accepts it; the county leader urges 区农业农村局 on another finding and
its contact (unit-510811-nyj) sees the urge on the bell; the county's 企业微信 robot (a local
stand-in server) receives the 催办 at once and, from `send_outbox`, the day's digest.

The demo names 区农业农村局 on no open finding (seed 000: all of its findings are closed), so the
office first assigns it one, with the same form. The clock is fixed in the demo's year, so
that the digest has findings overdue and due within the warning days."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from issues.models import County, Finding, FindingUnit, Progress, Unit, Urge, User
from notify.models import Notification
from outbox import services as outbox_services
from outbox.models import Delivery, RobotHook
from tests.browser.test_finding_journey import log_in
from tests.browser.test_progress_withdraw import shots
from tests.browser.test_requests_journey import log_out
from tests.conftest import PASSWORD
from tests.endpoints import serving
from tests.issues.test_evidence import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Two days before the findings due 2019-10-30, four weeks after those due 2019-09-30.
NOW = dt.datetime(2019, 10, 28, 9, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
SITE = "https://rectify.example.cn"
COUNTY = "510811"
STAFF, LEADER = f"staff-{COUNTY}", f"leader-{COUNTY}"
XZ, NYJ = f"unit-{COUNTY}-xz", f"unit-{COUNTY}-nyj"
TOWNS, FARMING = "各乡镇人民政府", "区农业农村局"
NOTE = "各乡镇已完成站点选址，现场照片附后。"
URGE = "请于本周内报送农村物流站点整改进展。"
REPLY_BY = dt.date(2019, 10, 31)
HOOK_PATH = "/cgi-bin/webhook/send"


@pytest.fixture
def clock():
    # tick: time goes on from NOW, so the sessions and the browser's waits behave.
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def demo(clock, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = SITE
    settings.RECTIFY_WARNING_DAYS = 3
    settings.RECTIFY_OUTBOX_CHANNELS = ["wecom"]
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
    return County.objects.get(code=COUNTY)


@pytest.fixture
def robot(demo, settings):
    """The county office's 企业微信 group robot, posting to a local stand-in."""
    with serving(settings) as endpoint:
        hook = RobotHook(
            county=demo, name="整改工作群", kind=RobotHook.Kind.WECOM, url=endpoint.url(HOOK_PATH)
        )
        outbox_services.hook_save(user=User.objects.get(username=STAFF), hook=hook)
        yield endpoint


def open_findings_without(county: County, unit_name: str) -> list[Finding]:
    """The county's open findings that do not name `unit_name`, in ledger order."""
    return list(
        Finding.objects.filter(county=county, archived_at__isnull=True)
        .exclude(status=Finding.Status.CLOSED)
        .exclude(unit_links__unit__name=unit_name)
        .in_ledger_order()
    )


def assign(page, finding: Finding, unit_name: str) -> None:
    """The office adds `unit_name` as a responsible unit with the edit form (JavaScript on)."""
    page.goto(f"/findings/{finding.pk}/")
    page.get_by_role("link", name="修改").click()
    expect(page).to_have_url(re.compile(rf"/findings/{finding.pk}/edit/$"))
    units = page.locator("fieldset[data-prefix=units]")
    expect(page.locator("fieldset[data-prefix=units].js-enabled")).to_have_count(1)
    before = units.locator("[data-row]:visible").count()
    units.get_by_role("button", name="添加一个单位").click()
    rows = units.locator("[data-row]:visible")
    expect(rows).to_have_count(before + 1)
    rows.last.locator("select[name$=-unit]").select_option(label=unit_name)
    expect(rows.last.locator("select[name$=-role]")).to_have_value("responsible")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/findings/{finding.pk}/$"))
    expect(page.locator(".alert-success")).to_contain_text("修改已保存。")
    task = page.locator("#tasks .unit-task", has_text=unit_name)
    expect(task).to_contain_text("未签收")
    link = FindingUnit.objects.get(finding=finding, unit__name=unit_name)
    assert link.role == FindingUnit.Role.RESPONSIBLE and link.acknowledged_at is None


def expect_bell(page, user: User) -> None:
    """The bell shows the user's unread count, which is what the database holds."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    assert unread > 0
    expect(page.locator(".notification-bell [data-unread]")).to_have_attribute(
        "data-unread", str(unread)
    )
    expect(page.locator(".notification-bell [data-unread]")).to_have_text(re.compile(rf"^{unread}"))


def link_to(finding: Finding) -> str:
    return f"{SITE}/findings/{finding.pk}/"


def cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def digest_line(finding: Finding) -> str:
    days = (finding.deadline - TODAY).days
    mark = f'<font color="warning">逾期{-days}天</font>' if days < 0 else f"剩{days}天"
    return (
        f"- {mark} {finding.review.team} {finding.category.order}.({finding.order}) "
        f"[{finding.short_description}]({link_to(finding)})（时限：{cn(finding.deadline)}）"
    )


def expected_digest(county: County) -> tuple[str, dict[str, list[Finding]]]:
    """The county's digest as the 企业微信 robot should get it, read from the database by
    the deadline rules themselves (not by the outbox's selectors), and its sections."""
    active = (
        Finding.objects.filter(county=county, archived_at__isnull=True)
        .exclude(status=Finding.Status.CLOSED)
        .select_related("review", "category")
        .in_ledger_order()
    )
    sections = {
        "已逾期": list(active.filter(deadline__lt=TODAY)),
        "3天内到期": list(
            active.filter(deadline__gte=TODAY, deadline__lte=TODAY + dt.timedelta(days=3))
        ),
        "销号申请待审批": list(active.filter(status=Finding.Status.SUBMITTED)),
        "被催办未回复": list(
            active.filter(urges__isnull=False, urges__answered_at__isnull=True).distinct()
        ),
    }
    lines = [f"### {county.display_short_name}整改提醒（{cn(TODAY)}）"]
    for title, findings in sections.items():
        if findings:
            lines += ["", f"**{title}：{len(findings)}个**"]
            lines += [digest_line(f) for f in findings[:10]]
    lines += ["", f"[打开整改台账]({SITE}/)"]
    return "\n".join(lines), sections


def test_units_take_part_on_the_demo(new_page, screenshot, tmp_path, demo, robot):
    county = demo
    towns = Unit.objects.get(county=county, name=TOWNS)
    farming = Unit.objects.get(county=county, name=FARMING)
    xz, nyj = User.objects.get(username=XZ), User.objects.get(username=NYJ)
    assert (xz.unit, nyj.unit) == (towns, farming)
    assert not Notification.objects.filter(recipient__in=[xz, nyj]).exists()
    task = open_findings_without(county, TOWNS)[0]
    urged = next(f for f in open_findings_without(county, FARMING) if f != task)
    photo = tmp_path / "站点照片.png"
    photo.write_bytes(png_bytes())

    # --- The office assigns the findings ----------------------------------------------------
    page = new_page()
    log_in(page, STAFF, "/")
    assign(page, task, TOWNS)
    assign(page, urged, FARMING)  # for the leader's 催办 below
    log_out(page)

    # --- 各乡镇人民政府's contact: the bell, the list, 签收, progress with a photo ----------------
    log_in(page, XZ, "/my/")
    expect_bell(page, xz)
    page.locator(".notification-bell").click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    item = page.locator(".notification-unread", has_text="新任务")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"贵单位为责任单位，请及时签收：{task.short_description[:20]}")
    shots(page, screenshot, "xz-notifications")
    item.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/findings/{task.pk}/$"))
    expect(page.locator(".notification-bell [data-unread]")).to_have_count(0)  # read now
    mine = page.locator("#tasks .unit-task", has_text=TOWNS)
    expect(mine).to_contain_text("未签收")
    # On a phone the tasks card is far below: the alert at the top leads to it.
    page.set_viewport_size({"width": 390, "height": 900})
    alert = page.locator(".acknowledge-alert")
    expect(alert).to_contain_text("贵单位尚未签收该问题。")
    alert.get_by_role("link", name="去签收").click()
    acknowledge = page.locator("#tasks").get_by_role("button", name="签收")
    expect(acknowledge).to_be_in_viewport()
    acknowledge.click()
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator(".alert-success")).to_contain_text(f"已签收：{TOWNS}。")
    expect(mine).to_contain_text("已签收")
    expect(page.locator(".acknowledge-alert")).to_have_count(0)
    shots(page, screenshot, "xz-acknowledged")
    link = FindingUnit.objects.get(finding=task, unit=towns)
    assert link.acknowledged_by == xz and link.acknowledged_at.date() == TODAY

    form = page.locator("#progress form")
    form.locator("textarea[name=note]").fill(NOTE)
    form.locator("input[name=files]").set_input_files(str(photo))
    form.get_by_role("button", name="记录进展").click()
    expect(page.locator(".alert-success")).to_contain_text("整改进展已报送，等待区县采纳。")
    note = page.locator("#progress ul.timeline > li", has_text=NOTE)
    expect(note).to_contain_text(f"{TOWNS} 报送")
    expect(note).to_contain_text("待采纳")
    expect(note.get_by_role("link", name=photo.name)).to_have_count(1)
    log_out(page)

    # --- The office accepts the note --------------------------------------------------------
    log_in(page, STAFF, "/my/")
    waiting = page.locator(".card", has_text="单位报送待采纳")
    expect(waiting.locator(".note-row", has_text=task.short_description[:20])).to_have_count(1)
    waiting.locator(".note-row", has_text=task.short_description[:20]).get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/findings/{task.pk}/"))
    note = page.locator("#progress ul.timeline > li", has_text=NOTE)
    expect(note).to_contain_text("待采纳")
    note.get_by_role("button", name="采纳").click()
    expect(page.locator(".alert-success")).to_contain_text("已采纳该单位报送的进展。")
    expect(note).to_contain_text("已采纳")
    expect(note).to_contain_text(f"{TOWNS} 报送")
    progress = Progress.objects.get(finding=task, unit=towns)
    assert progress.review_status == Progress.ReviewStatus.ACCEPTED
    assert progress.evidence.get().original_name == photo.name
    log_out(page)

    # --- The leader urges 区农业农村局 ---------------------------------------------------------
    log_in(page, LEADER, f"/findings/{urged.pk}/")
    card = page.locator("#urges")
    card.locator("summary", has_text="催办责任单位").click()
    form = card.locator("#urge-form")
    form.get_by_label("催办单位").select_option(label=FARMING)
    form.get_by_label("催办内容").fill(URGE)
    form.get_by_label("请于此前回复").fill(REPLY_BY.isoformat())
    form.get_by_role("button", name="发出催办").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已催办{FARMING}。")
    expect(page.locator(".urge-alert")).to_contain_text(URGE)
    urge = Urge.objects.get()
    assert (urge.finding, urge.unit, urge.reply_by) == (urged, farming, REPLY_BY)
    log_out(page)

    # The unit has no robot of its own: the 催办 went to the office's, at once.
    leader = User.objects.get(username=LEADER)
    [message] = robot.posted(HOOK_PATH)
    assert message.json == {
        "msgtype": "markdown",
        "markdown": {
            "content": (
                f"### 催办：{FARMING}\n"
                f"**{urged.review.team} {urged.short_description}**\n"
                f"> {URGE}\n"
                "\n"
                f"催办人：{leader.get_full_name()}\n"
                f"请于{cn(REPLY_BY)}前答复\n"
                f"[查看问题]({link_to(urged)})"
            )
        },
    }

    # --- 区农业农村局's contact sees the urge on the bell ----------------------------------------
    log_in(page, NYJ, "/my/")
    expect_bell(page, nyj)
    assert set(
        Notification.objects.filter(recipient=nyj, read_at__isnull=True).values_list(
            "kind", flat=True
        )
    ) == {Notification.Kind.ASSIGNED, Notification.Kind.URGED}
    page.locator(".notification-bell").click()
    item = page.locator(".notification-unread", has_text=URGE)
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"{leader.get_full_name()}催办")
    expect(item).to_contain_text("催办")
    item.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/findings/{urged.pk}/#urges$"))
    expect(page.locator(".urge-alert")).to_contain_text(URGE)
    expect(page.locator("#urges")).to_contain_text("待回复")
    expect(page.locator("#urge-form")).to_have_count(0)
    expect(page.locator(".acknowledge-alert")).to_contain_text("贵单位尚未签收该问题。")
    shots(page, screenshot, "nyj-urged")
    log_out(page)

    # --- The day's delivery: the county's digest to its robot ------------------------------
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert out.getvalue().strip() == f"{TODAY}: 1 sent, 0 already sent or in hand, 0 failed"
    content, sections = expected_digest(county)
    # The demo on that day: the findings due 2019-09-30 overdue, those due 2019-10-30 due
    # soon, nothing waiting for the leader, the one just urged.
    assert {f.deadline for f in sections["已逾期"]} == {dt.date(2019, 9, 30)}
    assert {f.deadline for f in sections["3天内到期"]} == {dt.date(2019, 10, 30)}
    assert sections["销号申请待审批"] == [] and sections["被催办未回复"] == [urged]
    assert task in sections["3天内到期"] + sections["已逾期"]
    digest = robot.posted(HOOK_PATH)[1]
    assert digest.headers["Content-Type"] == "application/json; charset=utf-8"
    assert digest.json == {"msgtype": "markdown", "markdown": {"content": content}}
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).order_by("pk")
    assert [(d.kind, d.channel) for d in sent] == [
        (Delivery.Kind.URGE, "wecom"),
        (Delivery.Kind.DIGEST, "wecom"),
    ]
    # Run again: nothing is sent twice.
    call_command("send_outbox", stdout=io.StringIO())
    assert len(robot.posted(HOOK_PATH)) == 2
