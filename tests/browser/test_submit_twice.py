"""Every creating form, sent twice the ways people do it, makes one object.

For each form: submit, go back and submit the same form again (the server recognises its
one-time token and answers with the first result), then on a fresh form double-click the
submit button (the page sends one request; its buttons wait, "提交中…", until the answer).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issues import services
from issues.models import Evidence, Finding, ImportBatch, NoticeItem, Progress, Project, Unit
from reports.models import Indicator, IndicatorReading, Report
from tests.browser.test_closeout_journey import small_pdf
from tests.browser.test_finding_journey import DESCRIPTION, MEASURES, log_in
from tests.issues.test_import_pages import TEXT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGAIN = "该表单已经提交过，没有重复保存。"
BUSY = "提交中…"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def path_of(url: str) -> re.Pattern:
    return re.compile(re.escape(url) + "$")


def submit_twice(
    page,
    *,
    form_url: str,
    fill: Callable,
    button: Callable,
    done: str,
    count: Callable[[], int],
    again: Callable | None = None,
) -> None:
    """Submit; back and submit again; then double-click on a fresh form. One object each.

    `again`: what a user must redo on the page come back to before sending it again (the
    browser keeps what was typed, not a chosen file).

    Each page is left only once it has loaded: a script still loading (the dashboard's charts)
    when the form is sent is reported as a failed request."""
    page.goto(form_url, wait_until="load")
    fill(page)
    button(page).click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page).to_have_url(path_of(done))
    assert count() == 1

    # Back to the form as it was left, buttons usable again, and the same form once more.
    page.go_back(wait_until="load")
    expect(page).to_have_url(path_of(form_url))
    expect(page.locator(".alert-success")).to_have_count(0)
    expect(button(page)).to_be_enabled()
    if again:
        again(page)
    button(page).click()
    expect(page.locator(".alert-info")).to_have_text(AGAIN)
    expect(page).to_have_url(path_of(done))
    assert count() == 1

    # A double click on a new form: one request.
    page.goto(form_url, wait_until="load")
    fill(page)
    posts = []

    def record(request):
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", record)
    button(page).dblclick()
    expect(page.locator(".alert-success")).to_be_visible()
    page.remove_listener("request", record)
    assert len(posts) == 1, posts
    assert count() == 2


def test_progress_note(new_page, screenshot, alice, finding_a, media_root):
    page = new_page()
    url = finding_a.get_absolute_url()
    log_in(page, "alice", url)
    form = "form[action$='/progress/']"

    def fill(page):
        page.locator(f"{form} [name=note]").fill("服务中心已完成装修。")
        page.locator(f"{form} [name=files]").set_input_files(
            [{"name": "验收报告.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}]
        )

    submit_twice(
        page,
        form_url=url,
        fill=fill,
        button=lambda page: page.locator(form).get_by_role("button", name="记录进展"),
        done=f"{url}#progress",
        count=lambda: Progress.objects.filter(finding=finding_a).count(),
    )
    assert Evidence.objects.count() == 2  # one file with each of the two notes
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 2


def test_the_buttons_wait_while_the_form_is_sent(new_page, screenshot, alice, finding_a):
    """Sent, the form's button waits ("提交中…", a spinner, disabled); coming back to the page
    from the back/forward cache frees it again with its own label."""
    page = new_page()
    url = finding_a.get_absolute_url()
    log_in(page, "alice", url)
    for width in (1280, 768, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        form = page.locator("form[action$='/progress/']")
        button = form.get_by_role("button", name="记录进展")
        form.locator("[name=note]").fill(f"宽 {width} 时记录的进展。")
        # Keep the page where it is, to look at it: a listener after the site's script
        # cancels the submission the script has just seen.
        page.evaluate("window.addEventListener('submit', (event) => event.preventDefault())")
        button.click()
        busy = form.locator("button[type=submit]")
        expect(busy).to_be_disabled()
        expect(busy).to_have_text(BUSY)
        expect(busy.locator(".spinner-border")).to_be_visible()
        expect(form).to_have_attribute("aria-busy", "true")
        screenshot(page, f"waiting-{width}")
        # A second click while it waits sends nothing (the button is disabled).
        busy.click(force=True)
        expect(busy).to_be_disabled()

        page.evaluate(
            "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
        )
        expect(button).to_be_enabled()
        expect(button).to_have_text("记录进展")
        expect(form).not_to_have_attribute("aria-busy", "true")
    assert not Progress.objects.exists()  # nothing was sent


def test_a_form_whose_confirm_is_declined_stays_usable(new_page, alice, finding_a):
    """A form that asks first (a confirm in a submit listener of the form's own, as a page's
    script may add; an inline onsubmit would not run under the Content-Security-Policy): "no"
    sends nothing and leaves the button as it was."""
    page = new_page()
    url = finding_a.get_absolute_url()
    log_in(page, "alice", url)
    form = "form[action$='/progress/']"
    page.evaluate(
        """selector => document.querySelector(selector).addEventListener("submit", event => {
            if (!confirm("确定提交？")) event.preventDefault();
        })""",
        form,
    )
    page.locator(f"{form} [name=note]").fill("已完成选址。")
    page.once("dialog", lambda dialog: dialog.dismiss())
    submit = page.locator(f"{form} button[type=submit]")
    submit.click()
    expect(submit).to_be_enabled()
    expect(page.locator(form)).not_to_have_attribute("aria-busy", "true")
    assert not finding_a.progress_notes.exists()


def test_evidence(new_page, alice, finding_a, media_root):
    page = new_page()
    url = finding_a.get_absolute_url()
    log_in(page, "alice", url)
    form = "form[action$='/evidence/']"

    def choose_file(page):
        page.locator(f"{form} [name=file]").set_input_files(
            {"name": "验收报告.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
        )

    def fill(page):
        choose_file(page)
        page.locator(f"{form} [name=title]").fill("验收报告")

    submit_twice(
        page,
        form_url=url,
        fill=fill,
        button=lambda page: page.locator(form).get_by_role("button", name="上传佐证材料"),
        done=f"{url}#evidence",
        count=lambda: Evidence.objects.filter(finding=finding_a).count(),
        again=choose_file,
    )
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 2


def test_unit(new_page, alice, county_a):
    page = new_page()
    log_in(page, "alice", "/units/new/")
    names = iter(["区农业农村局", "区林业局"])  # the second for the double click

    def fill(page):
        page.get_by_label("单位名称").fill(next(names))

    submit_twice(
        page,
        form_url="/units/new/",
        fill=fill,
        button=lambda page: page.get_by_role("button", name="保存"),
        done="/units/",
        count=lambda: Unit.objects.filter(county=county_a).count(),
    )


def test_notice_item(new_page, rita, province, county_a, county_b):
    notice = services.notice_create(
        user=rita,
        province=province,
        data={
            "team": "省督查组",
            "title": "关于示范县工作督查情况的通报",
            "start_date": dt.date(2019, 7, 11),
            "issued_on": dt.date(2019, 8, 14),
        },
    )
    page = new_page()
    url = f"/notices/{notice.pk}/"
    log_in(page, "rita", url)

    def fill(page):
        page.get_by_label("问题类别").fill("项目推进较慢")
        page.get_by_label("问题描述").fill("村级站点建设标准过低。")
        page.get_by_label(county_a.name).check()

    submit_twice(
        page,
        form_url=url,
        fill=fill,
        button=lambda page: page.get_by_role("button", name="添加并分发到所选区县"),
        done=url,
        count=lambda: NoticeItem.objects.count(),
    )
    assert Finding.objects.filter(notice_item__isnull=False).count() == 2  # one copy per item


def test_report(new_page, alice, review_a):
    page = new_page()
    log_in(page, "alice", "/reports/new/")

    def fill(page):
        page.get_by_label("标题", exact=True).fill("关于整改情况的报告")

    def done_url():
        return Report.objects.latest("pk").get_absolute_url()

    page.goto("/reports/new/")
    fill(page)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_be_visible()
    first = done_url()
    expect(page).to_have_url(path_of(first))
    page.go_back()
    expect(page).to_have_url(path_of("/reports/new/"))
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-info")).to_have_text(AGAIN)
    expect(page).to_have_url(path_of(first))
    assert Report.objects.count() == 1

    page.goto("/reports/new/")
    fill(page)
    page.get_by_role("button", name="保存").dblclick()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Report.objects.count() == 2


def test_indicator_reading(new_page, alice, county_a):
    project = Project.objects.create(county=county_a, name="示范项目", year=2019, batch=1)
    indicator = Indicator.objects.create(
        project=project, key=Indicator.Key.TRAINING, name="电商培训", unit="人次", plan=1000
    )
    page = new_page()
    url = f"/counties/{county_a.code}/"
    log_in(page, "alice", url)
    form = f"form[action='/indicators/{indicator.pk}/readings/']"

    def fill(page):
        page.locator(f"{form} [name=value]").fill("600")

    submit_twice(
        page,
        form_url=url,
        fill=fill,
        button=lambda page: page.locator(form).get_by_role("button", name="录入"),
        done=f"{url}#indicators",
        count=lambda: IndicatorReading.objects.count(),
    )


def test_import_confirm(new_page, screenshot, alice, review_a, unit_a):
    page = new_page()
    log_in(page, "alice", "/imports/")

    # The same paste sent twice (back, 读取并预览 again): one batch.
    page.get_by_label("或粘贴文字").fill(TEXT)
    page.get_by_role("button", name="读取并预览").first.click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    preview = page.url
    page.go_back()
    page.get_by_role("button", name="读取并预览").first.click()
    expect(page.locator(".alert-info")).to_have_text(AGAIN)
    expect(page).to_have_url(preview)
    assert ImportBatch.objects.count() == 1

    page.get_by_role("button", name="未识别的单位全部新建").click()
    expect(page.locator(".alert-info")).to_contain_text("预览已更新")
    # The preview open in a second tab as well: confirmed in the first, then in the second.
    other = page.context.new_page()
    other.goto(preview)
    page.get_by_role("button", name=re.compile("确认导入")).click()
    expect(page.locator(".alert-success")).to_contain_text("导入完成：新增 1 个问题")
    assert Finding.objects.count() == 1
    other.get_by_role("button", name=re.compile("确认导入")).click()
    expect(other.locator(".alert-info")).to_have_text(AGAIN)
    expect(other).to_have_url(preview)
    expect(other.locator(".alert-success")).to_contain_text("新增 1 个问题")  # the first's result
    screenshot(other, "confirmed-again")
    other.close()
    assert Finding.objects.count() == 1
    assert Unit.objects.filter(name="区交通运输局").count() == 1

    # Back to the preview: loaded again, it shows the import done, nothing left to confirm.
    page.go_back()
    expect(page).to_have_url(preview)
    expect(page.locator(".alert-success")).to_contain_text("新增 1 个问题")
    expect(page.get_by_role("button", name=re.compile("确认导入"))).to_have_count(0)

    # A new paste of a changed text, its 确认导入 double-clicked: one request, one import.
    page.goto("/imports/")
    page.get_by_label("或粘贴文字").fill(TEXT.replace("月报填报不完整。", "月报填报仍不完整。"))
    page.get_by_role("button", name="读取并预览").first.click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_role("button", name=re.compile("确认导入")).dblclick()
    expect(page.locator(".alert-success")).to_contain_text("导入完成")
    assert len(posts) == 1, posts
    applied = ImportBatch.objects.filter(status=ImportBatch.Status.APPLIED)
    assert applied.count() == 2
    assert sum(b.summary["changed"] for b in applied) == 1


def test_finding_create(new_page, alice, county_a, review_a, unit_a, finding_a):
    category = finding_a.category
    deadline = timezone.localdate() + dt.timedelta(days=90)
    page = new_page()
    log_in(page, "alice", "/findings/new/")

    def fill(page):
        page.get_by_label("检查", exact=True).select_option(label=review_a.team)
        page.get_by_label("问题类别", exact=True).select_option(
            label=f"{category.order}. {category.name}"
        )
        page.get_by_label("问题描述").fill(DESCRIPTION)
        page.locator("fieldset[data-prefix=measures] textarea").nth(0).fill(MEASURES[0])
        units = page.locator("fieldset[data-prefix=units]")
        units.locator("select[name$='-unit']").nth(0).select_option(label=unit_a.name)
        page.get_by_label("完成时限").fill(deadline.isoformat())

    page.goto("/findings/new/")
    fill(page)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_be_visible()
    first = page.url
    page.go_back()
    expect(page).to_have_url(path_of("/findings/new/"))
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-info")).to_have_text(AGAIN)
    expect(page).to_have_url(first)
    assert Finding.objects.filter(description=DESCRIPTION).count() == 1

    page.goto("/findings/new/")
    fill(page)
    page.get_by_role("button", name="保存").dblclick()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Finding.objects.filter(description=DESCRIPTION).count() == 2
