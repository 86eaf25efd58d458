"""The stand-in for the robots and the SMS gateway (tests/endpoints.py) as a fixture."""

from __future__ import annotations

import pytest

from tests.endpoints import serving


@pytest.fixture
def endpoint(settings):
    with serving(settings) as server:
        yield server
