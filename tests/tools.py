"""Tests that need an optional engine (LibreOffice, poppler, Tesseract): skipped when it is
missing locally, failed on CI (CI=true), where a missing engine must not hide the test."""

from __future__ import annotations

import os
import shutil

import pytest


def missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def require_tool(*names: str) -> str:
    """The path of the first of `names` on PATH."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    missing(f"{' / '.join(names)} not installed (Debian: libreoffice-writer, poppler-utils)")
