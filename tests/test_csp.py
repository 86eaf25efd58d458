"""The Content-Security-Policy (django-csp, rectify/settings.py): every page carries it, and a
page with charts runs under it only because its scripts are files and its data is in
json_script islands. tests/browser/test_csp.py checks that the browser reports no violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

EXPECTED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'", "'unsafe-inline'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def policy(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


@pytest.fixture
def dashboard(client, alice, finding_a):
    client.force_login(alice)
    response = client.get(f"/counties/{alice.county.code}/")
    assert response.status_code == 200
    return response


def test_the_county_dashboard_has_the_policy(dashboard):
    directives = policy(dashboard)
    for name, sources in EXPECTED.items():
        assert directives[name] == sources, name
    assert "'unsafe-eval'" not in dashboard["Content-Security-Policy"]


def test_the_dashboard_draws_charts_from_files_and_data_islands(dashboard):
    html = dashboard.content.decode()
    assert 'data-chart="burndown"' in html
    assert re.search(r'<script[^>]+src="/static/js/charts\.js"', html)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_the_login_page_has_it_too(client, db):
    assert policy(client.get("/accounts/login/"))["script-src"] == {"'self'"}


def test_no_template_has_inline_script_or_event_handler():
    """script-src 'self' would refuse them in the browser: behaviour belongs in static/js/."""
    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{path.name}: {tag}")
        for handler in re.findall(r"""\son[a-z]+\s*=\s*["']""", text):
            offenders.append(f"{path.name}: {handler.strip()}")
        if "javascript:" in text:
            offenders.append(f"{path.name}: javascript: URL")
    assert offenders == []
