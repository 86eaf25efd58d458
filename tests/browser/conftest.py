"""Browser tests: Playwright's sync API driving Debian's Chromium against `live_server`.

Never downloads a browser. Without /usr/bin/chromium the tests skip, except under CI=true,
where they fail: CI installs Chromium, so a missing one means CI is broken.

Screenshots go to test-artifacts/screenshots/ (one file per step, plus one for each failure).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

# Playwright's sync API runs an asyncio event loop in the test thread; Django would then
# refuse ORM calls from the test (and fixtures) with SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(reason: str):
    if on_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: apt-get install chromium fonts-noto-cjk")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc}): make install")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _ensure_role_groups() -> None:
    from django.contrib.auth.models import Group

    from issues.models import Role

    for name in Role.labels:
        Group.objects.get_or_create(name=name)


@pytest.fixture(autouse=True)
def _role_groups(request):
    """The role groups, which the flush after each live_server (transactional) test deletes.

    They come from a data migration, which runs once. Django's serialized_rollback would
    restore them, but not here: Playwright's sync API runs the test in a greenlet with its
    own context, Django's connections are context-local, and so the test's connection is not
    the one the test database was serialized on.
    """
    if "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        _ensure_role_groups()


@pytest.fixture(scope="module", autouse=True)
def _role_groups_for_later_tests(django_db_setup, django_db_blocker):
    """Put the role groups back after the module's last flush, for the tests that follow."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        _ensure_role_groups()
        for connection in connections.all(initialized_only=True):
            connection.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class PageProblems:
    """What went wrong in the page besides the assertions: HTTP errors and script errors.

    One entry per problem: "HTTP <status> <url>", "script error: …", "console error: …" or
    "request failed: <url>". A test that provokes an error response on purpose checks and
    clears `page.problems`.
    """

    # The site has no favicon; browsers ask for one anyway.
    IGNORED = re.compile(r"/favicon\.ico$")

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, msg):
        if msg.type != "error" or self.IGNORED.search(msg.location.get("url", "")):
            return
        # Chromium's echo of an HTTP error response, which _response already records.
        if msg.text.startswith("Failed to load resource: the server responded with a status"):
            return
        self.problems.append(f"console error: {msg.text}")

    def _failed(self, request):
        # A request the page itself abandoned (the test clicked on to the next page before a
        # script finished loading) is not a fault of the page; any other failure is.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400 and not self.IGNORED.search(response.url):
            self.problems.append(f"HTTP {response.status} {response.url}")


@pytest.fixture
def new_page(browser, live_server, request) -> Iterator[Callable]:
    """new_page(**context_options) -> a page on live_server in Chinese, 1280 px wide.

    Each page records HTTP errors and script errors; the test fails if any occurred. When
    the test fails, a screenshot of each page is saved as *-FAILED.png.
    """
    opened = []

    def make(**options):
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.problems = PageProblems(page).problems
        opened.append((context, page))
        return page

    yield make

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    problems = []
    for i, (context, page) in enumerate(opened):
        if failed and not page.is_closed():
            full_page_screenshot(page, _shot_path(request.node.name, f"{i}-FAILED"))
        problems += page.problems
        context.close()
    if problems and not failed:
        pytest.fail("the pages reported problems:\n" + "\n".join(problems), pytrace=False)


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0 or less: it fits). After a resize
    the charts redraw at the new width a moment later (ECharts' resize runs after the
    layout): until then a chart drawn for the old width may stick out, so wait a little for
    the page to fit before reading it."""
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(fits, timeout=3_000)
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def full_page_screenshot(page, path: Path) -> None:
    """The whole page as a window that tall would show it.

    Playwright's full_page option pastes the page together beyond the viewport, so sticky
    and fixed elements (the form's sticky save bar) land in the middle of the picture.
    Instead make the viewport as tall as the page for the moment of the screenshot.
    """
    viewport = page.viewport_size
    cdp = page.context.new_cdp_session(page)
    try:
        height = cdp.send("Page.getLayoutMetrics")["cssContentSize"]["height"]
    finally:
        cdp.detach()
    page.set_viewport_size({"width": viewport["width"], "height": max(int(height), 1)})
    try:
        # Generous: a screenshot waits for fonts and paint, slow on a busy CI machine.
        page.screenshot(path=path, full_page=True, timeout=60_000)
    finally:
        page.set_viewport_size(viewport)


def _shot_path(test_name: str, step: str) -> Path:
    name = re.sub(r"[^\w.-]+", "_", f"{test_name}-{step}")
    return SCREENSHOTS / f"{name}.png"


@pytest.fixture
def screenshot(request) -> Callable:
    """screenshot(page, "step") saves a full-page PNG, numbered in the order taken."""
    count = 0
    # This test's screenshots from an earlier run would mix with this run's.
    prefix = _shot_path(request.node.name, "").stem
    for old in SCREENSHOTS.glob(f"{glob.escape(prefix)}*.png"):
        old.unlink(missing_ok=True)

    def take(page, step: str) -> Path:
        nonlocal count
        count += 1
        path = _shot_path(request.node.name, f"{count:02d}-{step}")
        full_page_screenshot(page, path)
        return path

    return take
