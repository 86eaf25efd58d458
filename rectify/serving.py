"""What a server checks before it serves Rectify (rectify/wsgi.py, rectify/asgi.py)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Django's own deploy check (security.W009) asks for 50 characters and 5 different ones.
MIN_SECRET_KEY_LENGTH = 50


def check_secret_key() -> None:
    """With DEBUG off, refuse to serve with the development key or a short one."""
    if settings.DEBUG:
        return
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment before serving Rectify.")
    if len(settings.SECRET_KEY) < MIN_SECRET_KEY_LENGTH or len(set(settings.SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too short ({len(settings.SECRET_KEY)} characters): set a random "
            f"one of at least {MIN_SECRET_KEY_LENGTH}, e.g. "
            '`python3 -c "import secrets; print(secrets.token_urlsafe(50))"`.'
        )
