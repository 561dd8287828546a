"""Starlette's ``CORSMiddleware`` options, translated to a corsair :class:`Policy`.

Shared by the ASGI and the WSGI drop-ins. Only the option names and Starlette's
conventions are translated here; corsair validates the policy and decides every request.
"""

from __future__ import annotations

import os
from typing import Any, Collection, Dict, Generic, Iterable, Optional, TypeVar, Union

from ._policy import Policy

# Starlette allows these request headers whatever `allow_headers` says (its
# SAFELISTED_HEADERS); the drop-in keeps that, so that a JSON API keeps working.
STARLETTE_ALWAYS_ALLOWED_HEADERS = ("accept", "accept-language", "content-language", "content-type")

DEFAULTS = {
    "allow_origins": (),
    "allow_methods": ("GET",),
    "allow_headers": (),
    "allow_credentials": False,
    "allow_origin_regex": None,
    "allow_private_network": False,
    "expose_headers": (),
    "max_age": 600,
}


REFUSED_WARNINGS = ("broad-origin-regex",)
"""corsair's warnings that the drop-ins refuse as errors. ``broad-origin-regex``: an
``allow_origin_regex`` that admits other sites' origins (``https://.*example\\.com``
admits ``https://evilexample.com``, ``https://example\\.com.*`` admits
``https://example.com.evil.net``). corsair accepts it without credentials, since the
answer is public, but in ``allow_origin_regex`` it is the mistake to catch: the pattern
meant one's own subdomains (``https://.*\\.example\\.com``). A regex that admits any
origin (``https://.*``, the warning ``any-origin-regex``) stays allowed without credentials: it
is Starlette's ``allow_origins=["*"]``, which is safe without credentials."""


AppT = TypeVar("AppT")


class StarletteOptions(Generic[AppT]):
    """Starlette's ``CORSMiddleware`` signature and defaults, plus ``config=`` (a
    ``corsair.toml`` file, routes included) or ``policy=`` (a :class:`Policy`) instead
    of the options: the constructor of the ASGI and the WSGI drop-ins, which wrap
    ``app``.

    The policy is validated here, once: every problem is raised at once as
    :class:`~corsair_cors.ConfigError` (``*`` with credentials, an unsafe
    ``allow_origin_regex``, ...). An ``allow_origin_regex`` that admits other sites'
    origins (``https://.*example\\.com``, ``https://example\\.com.*``) is refused even
    without credentials, as the error ``broad-origin-regex`` (a warning for corsair's
    own :class:`~corsair_cors.Policy`): it is the unanchored-regex mistake, whatever the
    policy says about credentials. ``allow_origin_regex="https://.*"`` without credentials
    is allowed, as ``allow_origins=["*"]`` is.
    """

    def __init__(
        self,
        app: AppT,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: Optional[str] = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
        *,
        config: Union[str, "os.PathLike[str]", None] = None,
        policy: Optional[Policy] = None,
    ) -> None:
        self.app: AppT = app
        options = {
            "allow_origins": allow_origins,
            "allow_methods": allow_methods,
            "allow_headers": allow_headers,
            "allow_credentials": allow_credentials,
            "allow_origin_regex": allow_origin_regex,
            "allow_private_network": allow_private_network,
            "expose_headers": expose_headers,
            "max_age": max_age,
        }
        self.policy: Policy = _policy_for(options, config, policy)
        self._decide = self.policy._native.decide


def _policy_for(
    options: Dict[str, Any],
    config: Union[str, "os.PathLike[str]", None],
    policy: Optional[Policy],
) -> Policy:
    """The corsair policy for Starlette's ``options`` (or for a ``config`` file, or a
    ``policy`` built beforehand, when the options are left at their defaults)."""
    if config is not None or policy is not None:
        mixed = sorted(k for k, v in options.items() if _differs(v, DEFAULTS[k]))
        if config is not None and policy is not None:
            raise TypeError("pass config= or policy=, not both")
        if mixed:
            which = "config=" if config is not None else "policy="
            raise TypeError(f"{which} replaces the other CORS options; remove {', '.join(mixed)}")
        return policy if policy is not None else Policy.from_file(config)  # type: ignore[arg-type]

    allow_origins = options["allow_origins"]
    allow_methods = options["allow_methods"]
    allow_headers = options["allow_headers"]
    if isinstance(allow_origins, str) or isinstance(allow_methods, str) or isinstance(allow_headers, str):
        raise TypeError("allow_origins, allow_methods and allow_headers are lists of strings, not strings")

    headers = list(allow_headers)
    if "*" in headers:
        # Starlette echoes every requested header, `Authorization` included. In corsair,
        # `*` covers every header but `Authorization` (as in the Fetch Standard), unless
        # it is listed too: both keep Starlette's answer.
        headers = ["*", "authorization"]
    else:
        listed = {h.lower() for h in headers}
        headers += [h for h in STARLETTE_ALWAYS_ALLOWED_HEADERS if h not in listed]

    methods = list(allow_methods)
    if "*" in methods:
        methods = ["*"]

    regex = options["allow_origin_regex"]
    return Policy._refusing(
        REFUSED_WARNINGS,
        allow_origins=list(allow_origins) or None,
        allow_origin_regexes=[regex] if regex is not None else None,
        allow_methods=methods,
        allow_headers=headers,
        expose_headers=list(options["expose_headers"]),
        allow_credentials=options["allow_credentials"],
        max_age=options["max_age"],
        allow_private_network=options["allow_private_network"],
    )


def _differs(value: object, default: object) -> bool:
    if isinstance(default, tuple) and isinstance(value, Iterable) and not isinstance(value, str):
        return tuple(value) != default
    return value != default
