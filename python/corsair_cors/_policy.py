"""The policy and its errors: the Python face of corsair's ``Policy``."""

from __future__ import annotations

import logging
import os
from typing import Any, Collection, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _corsair
from ._corsair import Decision, Diagnostic

logger = logging.getLogger("corsair_cors")
"""The ``corsair_cors`` logger: every decision at DEBUG, every policy warning at WARNING."""

_DEBUG = logging.DEBUG

HeaderText = Union[str, bytes]
Headers = Union[Mapping[Any, Any], Iterable[Tuple[HeaderText, HeaderText]]]
"""Request or response headers: a mapping, or an iterable of ``(name, value)`` pairs
(``str`` or ``bytes``; names in any case; repeated names allowed)."""


class ConfigError(ValueError):
    """A policy that cannot be built. :attr:`diagnostics` lists every problem at once
    (errors and warnings), each with the stable ``code`` that ``corsair lint`` uses, its
    ``severity``, the ``field`` it concerns, a ``message`` and a ``help``."""

    diagnostics: List[Diagnostic]
    """Every problem found: errors first as corsair reports them, warnings too."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__(self._text())

    def _text(self) -> str:
        """The message: a summary line, then every diagnostic, one a line."""
        errors = self.errors
        lines = [f"invalid CORS policy ({len(errors)} error{'s' if len(errors) != 1 else ''}):"]
        lines.extend(f"  {d}" for d in self.diagnostics)
        return "\n".join(lines)

    @property
    def errors(self) -> List[Diagnostic]:
        """The diagnostics of severity ``"error"``."""
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> List[Diagnostic]:
        """The diagnostics of severity ``"warning"``."""
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def codes(self) -> List[str]:
        """The codes of every diagnostic, in order (handy in tests)."""
        return [d.code for d in self.diagnostics]


class Policy:
    """A validated CORS policy, ready to decide.

    Build it with corsair's option names (the fields of ``corsair.toml``'s ``[cors]``
    table), or with :meth:`from_toml` / :meth:`from_file`::

        policy = Policy(
            allow_origins=["https://app.example.com", "https://*.example.com"],
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["content-type", "authorization"],
            allow_credentials=True,
            max_age=600,
        )

    Options left as ``None`` take corsair's defaults. ``routes`` is a list of mappings,
    each with ``path`` and the fields that route overrides, as ``[[routes]]`` in a file.
    Every mistake is raised at once as :class:`ConfigError`; the warnings of a policy
    that builds are in :attr:`warnings`, and logged on the ``corsair_cors`` logger.
    """

    __slots__ = ("_native", "warnings")

    warnings: List[Diagnostic]
    """The non-fatal diagnostics found while building (duplicates, a ``max_age`` above
    Chromium's cap, ...)."""

    def __init__(
        self,
        *,
        allow_origins: Optional[Iterable[str]] = None,
        allow_origin_regexes: Optional[Iterable[str]] = None,
        allow_methods: Optional[Iterable[str]] = None,
        allow_headers: Optional[Iterable[str]] = None,
        expose_headers: Optional[Iterable[str]] = None,
        allow_credentials: Optional[bool] = None,
        max_age: Optional[int] = None,
        allow_private_network: Optional[bool] = None,
        preflight_status: Optional[int] = None,
        debug: Optional[bool] = None,
        dangerously_allow_null_origin: Optional[bool] = None,
        dangerously_allow_insecure_origins: Optional[bool] = None,
        dangerously_allow_public_suffix_wildcards: Optional[bool] = None,
        dangerously_allow_unsafe_origin_regexes: Optional[bool] = None,
        enabled: Optional[bool] = None,
        routes: Optional[Iterable[Mapping[str, Any]]] = None,
        **unknown: Any,
    ) -> None:
        options = {
            "allow_origins": allow_origins,
            "allow_origin_regexes": allow_origin_regexes,
            "allow_methods": allow_methods,
            "allow_headers": allow_headers,
            "expose_headers": expose_headers,
            "allow_credentials": allow_credentials,
            "max_age": max_age,
            "allow_private_network": allow_private_network,
            "preflight_status": preflight_status,
            "debug": debug,
            "dangerously_allow_null_origin": dangerously_allow_null_origin,
            "dangerously_allow_insecure_origins": dangerously_allow_insecure_origins,
            "dangerously_allow_public_suffix_wildcards": dangerously_allow_public_suffix_wildcards,
            "dangerously_allow_unsafe_origin_regexes": dangerously_allow_unsafe_origin_regexes,
            "enabled": enabled,
            "routes": routes,
        }
        # A misspelled option is reported by corsair with the others, as an
        # `unknown-field` diagnostic that names the nearest option.
        options.update(unknown)
        self._init(*_corsair.compile_options(options))

    @classmethod
    def from_toml(cls, text: str) -> "Policy":
        """A policy from the text of a ``corsair.toml`` file (``[cors]`` and
        ``[[routes]]``), the same format as the Rust library and the ``corsair`` command."""
        policy = cls.__new__(cls)
        policy._init(*_corsair.compile_toml(text))
        return policy

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Policy":
        """A policy from a ``corsair.toml`` file. A file that cannot be read is a
        :class:`ConfigError` too (code ``unreadable-file``)."""
        policy = cls.__new__(cls)
        policy._init(*_corsair.compile_file(os.fspath(path)))
        return policy

    @classmethod
    def _refusing(cls, refused: Collection[str], **options: Any) -> "Policy":
        """A policy from corsair's keyword options, as the constructor builds it, that
        also refuses the warnings whose codes are in ``refused``: for a drop-in stricter
        than corsair (they are raised as errors, with the other problems)."""
        policy = cls.__new__(cls)
        policy._init(*_corsair.compile_options(options), refused=refused)
        return policy

    def _init(
        self,
        native: Optional[_corsair.Policy],
        diagnostics: List[Diagnostic],
        refused: Collection[str] = (),
    ) -> None:
        escalated = [d.as_error() for d in diagnostics if d.severity == "warning" and d.code in refused]
        if escalated:
            # Errors first, as corsair reports them, then the refused warnings, then the others.
            errors = [d for d in diagnostics if d.severity == "error"]
            others = [d for d in diagnostics if d.severity != "error" and d.code not in refused]
            raise ConfigError(errors + escalated + others)
        if native is None:
            raise ConfigError(diagnostics)
        self._native = native
        self.warnings = diagnostics
        for warning in diagnostics:
            logger.warning("CORS policy: %s", warning)

    def decide(self, method: HeaderText, path: HeaderText, headers: Headers) -> Decision:
        """Decides what to do with a request: its ``method`` as sent, its URL ``path``
        (routes are matched on it) and its headers. Only the CORS request headers are
        read. A header that is not valid HTTP is decided about (a malformed ``Origin``
        is rejected), never a crash. The decision is logged at DEBUG level."""
        decision = self._native.decide(method, path, headers)
        if logger.isEnabledFor(_DEBUG):
            log_decision(decision, method, path)
        return decision

    def __repr__(self) -> str:
        return f"<corsair_cors.Policy {self._native!r}>"


def log_decision(decision: Decision, method: HeaderText, path: HeaderText) -> None:
    """Logs a decision at DEBUG level on the ``corsair_cors`` logger, with its kind,
    verdict, reason, origin, method and path (also as ``extra`` record attributes
    ``cors_kind``, ``cors_allowed``, ``cors_reason``, ``cors_origin``, ``cors_method``
    and ``cors_path``)."""
    method = method.decode("latin-1") if isinstance(method, bytes) else method
    path = path.decode("latin-1") if isinstance(path, bytes) else path
    logger.debug(
        "CORS %s %s: %s (%s) origin=%r method=%s path=%s",
        decision.kind,
        "allowed" if decision.allowed else "rejected",
        decision.reason,
        decision.message,
        decision.origin,
        method,
        path,
        extra={
            "cors_kind": decision.kind,
            "cors_allowed": decision.allowed,
            "cors_reason": decision.reason,
            "cors_origin": decision.origin,
            "cors_method": method,
            "cors_path": path,
        },
    )
