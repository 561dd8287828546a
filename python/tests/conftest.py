"""Shared fixtures of the corsair-cors tests."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_configure(config: pytest.Config) -> None:
    """Django, for the tests of corsair_cors.django: the test project's settings
    (tests/django_project), without CORS settings of their own."""
    try:
        import django
    except ImportError:
        return
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_project.settings")
    django.setup()
