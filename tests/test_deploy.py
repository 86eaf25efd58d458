"""Production settings come from the environment: with the documented variables,
`manage.py check --deploy` is clean (run in a fresh process, as the settings are read at
import); without them it is not. And the health check the load balancer calls."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "rectify.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://rectify.example.cn",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "BEHIND_HTTPS_PROXY": "1",
    "RECTIFY_ADMIN_OTP_REQUIRED": "1",
}


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright (in this
    # process, so the child would inherit it); a server never has it.
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_environment():
    result = check_deploy(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing,warning",
    [
        ("SECRET_KEY", "security.W009"),
        ("SECURE_COOKIES", "security.W012"),
        ("SECURE_SSL_REDIRECT", "security.W008"),
        ("SECURE_HSTS_SECONDS", "security.W004"),
    ],
)
def test_each_setting_matters(missing, warning):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = check_deploy(env)
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_health_check_needs_no_login(client, db):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert response["Content-Type"] == "text/plain"


def test_the_wsgi_application_refuses_the_development_key():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    result = subprocess.run(
        [sys.executable, "-c", "import rectify.wsgi"],
        cwd=BASE_DIR,
        env={**env, "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "short-but-not-empty-key",
        "a" * 60,
        "Kq3v-9zR_mT2wX7pL4nB8cY1dF6hJ0sG5aE2uI9oP3kM7rW1x"[:49],
    ],
)
def test_the_wsgi_application_refuses_a_short_or_plain_key(key):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    result = subprocess.run(
        [sys.executable, "-c", "import rectify.wsgi"],
        cwd=BASE_DIR,
        env={**env, "DEBUG": "0", "SECRET_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is too short" in result.stderr


def test_the_wsgi_application_serves_with_a_long_random_key():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    result = subprocess.run(
        [sys.executable, "-c", "import rectify.wsgi"],
        cwd=BASE_DIR,
        env={**env, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_make_serve_refuses_a_short_key():
    result = subprocess.run(
        ["make", "--no-print-directory", "serve"],
        cwd=BASE_DIR,
        env={**os.environ, "SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is too short (1 characters)" in result.stderr


def test_production_serves_the_content_security_policy():
    """The policy is not a development nicety: with the production environment the
    middleware is installed and scripts run only from the site's own files; administrators
    need their second factor."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.MIDDLEWARE, settings.CONTENT_SECURITY_POLICY,"
        " settings.RECTIFY_ADMIN_OTP_REQUIRED]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**env, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "rectify.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    middleware, policy, otp_required = json.loads(result.stdout)
    assert otp_required is True
    assert "csp.middleware.CSPMiddleware" in middleware
    directives = policy["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
