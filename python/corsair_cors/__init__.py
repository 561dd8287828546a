"""corsair-cors: CORS done right for Python, on corsair's Rust engine.

A policy is declared once and validated when it is built: every mistake is raised at
once as :class:`ConfigError`, with the same diagnostic codes as ``corsair lint``. Each
request is then decided by corsair's engine, exactly as the Fetch Standard says.

- :class:`Policy`: the policy, built from keyword options, a TOML text or a file;
  :meth:`Policy.decide` for any framework.
- :mod:`corsair_cors.starlette`: ``CORSMiddleware`` for Starlette, FastAPI and any ASGI
  application, with Starlette's signature.
- :mod:`corsair_cors.wsgi`: ``CORSMiddleware`` for Flask and any WSGI application.
- :mod:`corsair_cors.django`: ``CorsMiddleware`` and system checks for Django, on
  django-cors-headers' settings (imports Django; the others import no framework).

Every decision is logged at DEBUG level on the ``corsair_cors`` logger.
"""

from ._corsair import CORSAIR_VERSION as _CORSAIR_VERSION
from ._corsair import Decision, Diagnostic
from ._policy import ConfigError, Headers, Policy, logger

__version__: str = _CORSAIR_VERSION
"""The version of the package (and of the corsair engine it was built with)."""

__all__ = ["ConfigError", "Decision", "Diagnostic", "Headers", "Policy", "logger", "__version__"]
