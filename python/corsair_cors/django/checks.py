"""Django system checks for the CORS settings: every corsair diagnostic, and every
problem with the settings themselves, as ``manage.py check`` messages."""

from __future__ import annotations

from typing import Any, List

from django.core.checks import CheckMessage, Error, Warning

from ._settings import settings_problems


def check_cors_settings(app_configs: Any = None, **kwargs: Any) -> List[CheckMessage]:
    """One message per problem: corsair's errors as :class:`~django.core.checks.Error`
    and its warnings as :class:`~django.core.checks.Warning`, with the id
    ``corsair.<code>`` (``corsair.wildcard-origin-with-credentials``, the codes of
    ``corsair lint``), the setting it concerns as ``obj`` and corsair's help as
    ``hint``."""
    messages: List[CheckMessage] = []
    for problem in settings_problems():
        kind = Error if problem.severity == "error" else Warning
        messages.append(kind(problem.message, hint=problem.help, obj=problem.setting, id=problem.check_id))
    return messages
