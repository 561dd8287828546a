"""Django drop-in: ``corsair_cors.django.CorsMiddleware``, configured with
django-cors-headers' settings (or a ``corsair.toml`` file), and system checks.

In ``settings.py``::

    INSTALLED_APPS = [..., "corsair_cors.django"]          # the system checks
    MIDDLEWARE = ["corsair_cors.django.CorsMiddleware", ...]  # as high as possible

    CORS_ALLOWED_ORIGINS = ["https://yourdomain.com"]
    CORS_ALLOW_CREDENTIALS = True

or ``CORSAIR_CONFIG = "path/to/corsair.toml"`` instead of the ``CORS_*`` settings. The
policy is built once, by corsair's engine, when Django loads the middleware; every
mistake is raised at once (:class:`SettingsError`) and reported by ``manage.py check``.
"""

from ._middleware import CorsMiddleware
from ._settings import Problem, SettingsError, policy_from_settings, settings_problems

__all__ = ["CorsMiddleware", "Problem", "SettingsError", "policy_from_settings", "settings_problems"]
