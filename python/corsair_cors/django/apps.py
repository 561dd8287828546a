"""The ``corsair_cors.django`` application: add it to ``INSTALLED_APPS`` for the system
checks (``manage.py check``)."""

from __future__ import annotations

from django.apps import AppConfig
from django.core.checks import Tags, register

from .checks import check_cors_settings


class CorsairConfig(AppConfig):
    """Registers :func:`~corsair_cors.django.checks.check_cors_settings` with Django's
    system checks (tag ``security``)."""

    name = "corsair_cors.django"
    label = "corsair_cors"
    verbose_name = "corsair CORS"

    def ready(self) -> None:
        register(check_cors_settings, Tags.security)
