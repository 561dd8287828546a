"""django-cors-headers' settings (or ``CORSAIR_CONFIG``), translated to a corsair policy.

Only the setting names and django-cors-headers' conventions are translated here: the
types of the settings are checked (so that every mistake is reported at once, in the
settings' own names), then corsair validates the policy and decides every request.
"""

from __future__ import annotations

import difflib
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .. import _corsair
from .._corsair import Diagnostic
from .._policy import ConfigError, Policy, logger

# django-cors-headers' defaults (corsheaders/defaults.py and conf.py, 4.9).
DEFAULT_ALLOW_HEADERS: Tuple[str, ...] = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
)
DEFAULT_ALLOW_METHODS: Tuple[str, ...] = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
DEFAULT_MAX_AGE = 7200
"""``CORS_PREFLIGHT_MAX_AGE`` when it is not set: Chromium's cap (django-cors-headers'
default, 86400, is above it, and corsair warns about it)."""
DEFAULT_URLS_REGEX = r"^.*$"

# The settings, with the old names django-cors-headers still honours (the new name wins).
ALIASES: Dict[str, str] = {
    "CORS_ALLOWED_ORIGINS": "CORS_ORIGIN_WHITELIST",
    "CORS_ALLOWED_ORIGIN_REGEXES": "CORS_ORIGIN_REGEX_WHITELIST",
    "CORS_ALLOW_ALL_ORIGINS": "CORS_ORIGIN_ALLOW_ALL",
}
POLICY_SETTINGS: Tuple[str, ...] = (
    "CORS_ALLOWED_ORIGINS",
    "CORS_ALLOWED_ORIGIN_REGEXES",
    "CORS_ALLOW_ALL_ORIGINS",
    "CORS_ALLOW_METHODS",
    "CORS_ALLOW_HEADERS",
    "CORS_EXPOSE_HEADERS",
    "CORS_PREFLIGHT_MAX_AGE",
    "CORS_ALLOW_CREDENTIALS",
    "CORS_ALLOW_PRIVATE_NETWORK",
)
REMOVED_SETTINGS: Dict[str, str] = {
    "CORS_MODEL": "django-cors-headers removed it in 3.0; corsair has no per-request model either: list the origins, or use CORSAIR_CONFIG (routes)",
    "CORS_REPLACE_HTTPS_REFERER": "django-cors-headers removed it in 3.0; set CSRF_TRUSTED_ORIGINS instead",
}
KNOWN_SETTINGS = frozenset(
    POLICY_SETTINGS + tuple(ALIASES.values()) + ("CORS_URLS_REGEX", "CORSAIR_CONFIG") + tuple(REMOVED_SETTINGS)
)
CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
CORSAIR_MIDDLEWARE = "corsair_cors.django.CorsMiddleware"
PEER_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"

# corsair's fields, as the settings that set them.
_FIELDS = {
    "allow_origin_regexes": "CORS_ALLOWED_ORIGIN_REGEXES",
    "allow_methods": "CORS_ALLOW_METHODS",
    "allow_headers": "CORS_ALLOW_HEADERS",
    "expose_headers": "CORS_EXPOSE_HEADERS",
    "max_age": "CORS_PREFLIGHT_MAX_AGE",
    "allow_credentials": "CORS_ALLOW_CREDENTIALS",
    "allow_private_network": "CORS_ALLOW_PRIVATE_NETWORK",
}
_FIELD = re.compile(r"^cors\.([a-z_]+)(?:\[(\d+)\])?(.*)$")


class Problem:
    """One problem with the CORS settings: one of corsair's diagnostics, with the
    setting it concerns, or a problem with a setting itself (its type, a removed or
    misspelled name, ...)."""

    __slots__ = ("code", "severity", "setting", "message", "help", "diagnostic")

    def __init__(
        self,
        code: str,
        severity: str,
        setting: str,
        message: str,
        help: Optional[str] = None,
        diagnostic: Optional[Diagnostic] = None,
    ) -> None:
        self.code = code
        """corsair's code (``wildcard-origin-with-credentials``, ...), or one of this
        module's: ``invalid-setting``, ``removed-setting``, ``unknown-setting``,
        ``settings-mixed``, ``shadowed-setting``, ``middleware-missing``,
        ``peer-middleware``, ``unprotected-writes``."""
        self.severity = severity
        """``"error"`` or ``"warning"``."""
        self.setting = setting
        """The setting it concerns, as written in ``settings.py`` (``CORS_ALLOWED_ORIGINS[1]``),
        or the file and field for ``CORSAIR_CONFIG``."""
        self.message = message
        """What is wrong."""
        self.help = help
        """How to fix it, if known."""
        self.diagnostic = diagnostic
        """corsair's diagnostic, for a problem found by the engine (its ``field`` is
        corsair's: ``cors.allow_origins[1]``); None for a problem with the settings
        themselves."""

    @property
    def check_id(self) -> str:
        """The id of the Django system check message: ``corsair.<code>``."""
        return f"corsair.{self.code}"

    def __str__(self) -> str:
        text = f"{self.severity}[{self.code}] {self.setting}: {self.message}"
        return f"{text} (help: {self.help})" if self.help else text

    def __repr__(self) -> str:
        return f"<corsair_cors.django.Problem {self}>"


class SettingsError(ConfigError, ImproperlyConfigured):
    """CORS settings that cannot make a policy: a :class:`~corsair_cors.ConfigError`
    (hence a ``ValueError``) and Django's ``ImproperlyConfigured``.

    :attr:`problems` lists every problem, named by its setting (``CORS_ALLOWED_ORIGINS[1]``),
    the settings' own (a wrong type, a removed or misspelled name, ...) included;
    :attr:`diagnostics` (and ``errors``, ``warnings``) the corsair diagnostics of the
    problems found by the engine, with corsair's fields (``cors.allow_origins[1]``), as
    for every other drop-in; :attr:`codes` the codes of every problem."""

    problems: List[Problem]
    """Every problem, errors and warnings, each with the setting it concerns."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__([p.diagnostic for p in self.problems if p.diagnostic is not None])

    def _text(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"invalid CORS settings ({len(errors)} error{'s' if len(errors) != 1 else ''}):"]
        lines.extend(f"  {p}" for p in self.problems)
        return "\n".join(lines)

    @property
    def codes(self) -> List[str]:
        """The codes of every problem, in order (the settings' own included)."""
        return [p.code for p in self.problems]


def _is_strings(value: Any, types: Tuple[type, ...] = (str,)) -> bool:
    return (
        isinstance(value, (list, tuple))
        and all(isinstance(item, types) for item in value)
    )


def _read(name: str, problems: List[Problem]) -> Tuple[str, Any]:
    """The value of a setting, by its name or its old alias (the name it was read from
    comes back with it)."""
    alias = ALIASES.get(name)
    if hasattr(settings, name):
        if alias is not None and hasattr(settings, alias):
            problems.append(
                Problem("shadowed-setting", "warning", alias, f"{alias} is ignored: {name} is set too", f"remove {alias}")
            )
        return name, getattr(settings, name)
    if alias is not None and hasattr(settings, alias):
        return alias, getattr(settings, alias)
    return name, None


def _regex(value: Any) -> Optional[str]:
    """A regex setting entry (a string or a compiled pattern) as corsair's syntax, or
    None when it cannot be translated."""
    if isinstance(value, str):
        return value
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        flags = value.flags & ~(re.UNICODE)
        if flags == 0:
            return value.pattern
        if flags == re.IGNORECASE:
            return "(?i)" + value.pattern
    return None


class _Translation:
    """The corsair options for the settings, the problems found in the settings
    themselves, and where each corsair field came from."""

    def __init__(self) -> None:
        self.options: Dict[str, Any] = {}
        self.problems: List[Problem] = []
        self.origin_sources: List[str] = []
        self.names: Dict[str, str] = {}
        self.invalid: set[str] = set()
        self.config: Optional[str] = None


def _translate() -> _Translation:
    t = _Translation()
    problems = t.problems

    for name, why in REMOVED_SETTINGS.items():
        if hasattr(settings, name):
            problems.append(Problem("removed-setting", "error", name, f"the {name} setting has been removed", why))
    for name in sorted(n for n in dir(settings) if n.startswith(("CORS_", "CORSAIR_")) and n not in KNOWN_SETTINGS):
        near = difflib.get_close_matches(name, sorted(KNOWN_SETTINGS), n=1)
        problems.append(
            Problem(
                "unknown-setting",
                "warning",
                name,
                f"{name} is not a setting corsair (or django-cors-headers) reads",
                f"did you mean {near[0]}?" if near else None,
            )
        )

    config = getattr(settings, "CORSAIR_CONFIG", None)
    if config is not None:
        given = sorted(
            n for n in POLICY_SETTINGS + tuple(ALIASES.values()) + ("CORS_URLS_REGEX",) if hasattr(settings, n)
        )
        if not isinstance(config, (str, os.PathLike)):
            problems.append(
                Problem("invalid-setting", "error", "CORSAIR_CONFIG", "CORSAIR_CONFIG should be the path of a corsair.toml file")
            )
            t.invalid.add("allow_origins")  # no policy to build: nothing else to report
        else:
            t.config = os.fspath(config)
        if given:
            problems.append(
                Problem(
                    "settings-mixed",
                    "error",
                    "CORSAIR_CONFIG",
                    f"CORSAIR_CONFIG replaces the CORS_* settings, but {', '.join(given)} {'is' if len(given) == 1 else 'are'} set too",
                    "remove them, or put what they say in the file ([cors], and [[routes]] for paths)",
                )
            )
        return t

    def bad(name: str, what: str) -> None:
        problems.append(Problem("invalid-setting", "error", name, f"{name} should be {what}"))

    # Origins: CORS_ALLOW_ALL_ORIGINS is `*`, beside the listed origins (corsair refuses
    # the mix, where django-cors-headers ignores the list).
    all_name, allow_all = _read("CORS_ALLOW_ALL_ORIGINS", problems)
    origins_name, origins = _read("CORS_ALLOWED_ORIGINS", problems)
    t.names["allow_origins"] = origins_name
    allow_origins: List[str] = []
    if allow_all is not None and not isinstance(allow_all, bool):
        bad(all_name, "a bool")
        t.invalid.add("allow_origins")
    elif allow_all:
        allow_origins.append("*")
        t.origin_sources.append(all_name)
    if origins is not None:
        if not _is_strings(origins):
            bad(origins_name, "a list of strings")
            t.invalid.add("allow_origins")
        else:
            allow_origins.extend(origins)
            t.origin_sources.extend(f"{origins_name}[{i}]" for i in range(len(origins)))
    t.options["allow_origins"] = allow_origins

    regexes_name, regexes = _read("CORS_ALLOWED_ORIGIN_REGEXES", problems)
    t.names["allow_origin_regexes"] = regexes_name
    if regexes is not None:
        translated = [_regex(r) for r in regexes] if isinstance(regexes, (list, tuple)) else [None]
        if any(r is None for r in translated):
            bad(regexes_name, "a list of strings and/or compiled regexes (no flag but re.IGNORECASE)")
            t.invalid.add("allow_origin_regexes")
        elif translated:
            t.options["allow_origin_regexes"] = translated
            # django-cors-headers allows nothing without an origin; a regex is one.
        if regexes and "allow_origin_regexes" not in t.invalid and not allow_origins:
            t.options["allow_origins"] = None

    for field, name, default in (
        ("allow_methods", "CORS_ALLOW_METHODS", DEFAULT_ALLOW_METHODS),
        ("allow_headers", "CORS_ALLOW_HEADERS", DEFAULT_ALLOW_HEADERS),
        ("expose_headers", "CORS_EXPOSE_HEADERS", ()),
    ):
        value = getattr(settings, name, default)
        if not _is_strings(value):
            bad(name, "a list of strings")
            t.invalid.add(field)
        else:
            t.options[field] = list(value)

    max_age = getattr(settings, "CORS_PREFLIGHT_MAX_AGE", DEFAULT_MAX_AGE)
    if isinstance(max_age, bool) or not isinstance(max_age, int) or not 0 <= max_age < 2**63:
        bad("CORS_PREFLIGHT_MAX_AGE", "an integer greater than or equal to zero (at most 86400)")
        t.invalid.add("max_age")
    elif max_age > 0:
        # 0: no Access-Control-Max-Age header, as django-cors-headers.
        t.options["max_age"] = max_age

    for field, name in (("allow_credentials", "CORS_ALLOW_CREDENTIALS"), ("allow_private_network", "CORS_ALLOW_PRIVATE_NETWORK")):
        value = getattr(settings, name, False)
        if not isinstance(value, bool):
            bad(name, "a bool")
            t.invalid.add(field)
        else:
            t.options[field] = value

    urls = getattr(settings, "CORS_URLS_REGEX", DEFAULT_URLS_REGEX)
    if not isinstance(urls, (str, re.Pattern)):
        bad("CORS_URLS_REGEX", "a string or a compiled regex")
    elif isinstance(urls, str):
        try:
            re.compile(urls)
        except re.error as error:
            problems.append(Problem("invalid-setting", "error", "CORS_URLS_REGEX", f"CORS_URLS_REGEX is not a regex: {error}"))
    return t


def _setting_of(t: _Translation, field: str) -> str:
    """The setting a corsair diagnostic's field (``cors.allow_origins[1]``) is about."""
    if t.config is not None:
        return f"CORSAIR_CONFIG ({t.config}): {field}" if field else f"CORSAIR_CONFIG ({t.config})"
    match = _FIELD.match(field)
    if match is None:
        return field or "CORS settings"
    name, index, rest = match.group(1), match.group(2), match.group(3)
    if name == "allow_origins":
        if index is not None and int(index) < len(t.origin_sources):
            return t.origin_sources[int(index)] + rest
        return t.names.get("allow_origins", "CORS_ALLOWED_ORIGINS")
    setting = t.names.get(name) or _FIELDS.get(name)
    if setting is None:
        return field
    return f"{setting}[{index}]{rest}" if index is not None else setting + rest


def _compile(t: _Translation) -> Tuple[Optional[_corsair.Policy], List[Diagnostic]]:
    if t.config is not None:
        return _corsair.compile_file(t.config)
    options = {k: v for k, v in t.options.items() if k not in t.invalid}
    return _corsair.compile_options(options)


def _problems(t: _Translation, diagnostics: Sequence[Diagnostic]) -> List[Problem]:
    problems = list(t.problems)
    for d in diagnostics:
        field = d.field.split("[", 1)[0].removeprefix("cors.") if d.field.startswith("cors.") else ""
        if d.code == "no-origins" and t.invalid & {"allow_origins", "allow_origin_regexes"}:
            continue  # the origins are there, of the wrong type: reported already
        if field in t.invalid:
            continue
        if d.code == "unprotected-writes" and CSRF_MIDDLEWARE in _middleware():
            # Django's CSRF middleware refuses other sites' writes (it checks Origin).
            continue
        message, help = d.message, d.help
        if d.code == "unprotected-writes":
            help = f"add {CSRF_MIDDLEWARE} to MIDDLEWARE (Django's protection against cross-site writes)"
        elif d.code == "no-origins" and t.config is None:
            help = 'list the origins of your front ends: CORS_ALLOWED_ORIGINS = ["https://app.example.com"]'
        problems.append(Problem(d.code, d.severity, _setting_of(t, d.field), message, help, d))
    return problems


def _middleware() -> List[str]:
    value = getattr(settings, "MIDDLEWARE", None)
    return [m for m in value if isinstance(m, str)] if isinstance(value, (list, tuple)) else []


def settings_problems() -> List[Problem]:
    """Every problem with the CORS settings, errors and warnings, as ``manage.py check``
    reports them: the settings' own (types, removed or misspelled names, CORSAIR_CONFIG
    beside CORS_* settings) and each of corsair's diagnostics, with the setting it is
    about. Never raises."""
    t = _translate()
    try:
        _, diagnostics = _compile(t)
    except Exception as error:  # a value the engine cannot read at all
        return t.problems + [Problem("invalid-setting", "error", "CORS settings", str(error))]
    problems = _problems(t, diagnostics)
    middleware = _middleware()
    if CORSAIR_MIDDLEWARE not in middleware:
        problems.append(
            Problem(
                "middleware-missing",
                "warning",
                "MIDDLEWARE",
                f"{CORSAIR_MIDDLEWARE} is not in MIDDLEWARE: no response gets CORS headers",
                "add it, above CommonMiddleware and every middleware that may answer by itself",
            )
        )
    if PEER_MIDDLEWARE in middleware:
        problems.append(
            Problem(
                "peer-middleware",
                "error",
                "MIDDLEWARE",
                f"{PEER_MIDDLEWARE} (django-cors-headers) is in MIDDLEWARE too: both would write CORS headers",
                f"remove it; {CORSAIR_MIDDLEWARE} reads the same settings",
            )
        )
    return problems


def urls_regex() -> "re.Pattern[str]":
    """``CORS_URLS_REGEX``, compiled: the paths (``request.path_info``, matched from
    the start as django-cors-headers does) where the middleware acts."""
    value = getattr(settings, "CORS_URLS_REGEX", DEFAULT_URLS_REGEX)
    if isinstance(value, re.Pattern):
        return value
    return re.compile(value)


def policy_from_settings() -> Policy:
    """The corsair policy of the CORS settings (django-cors-headers' names, or
    ``CORSAIR_CONFIG``). Raises :class:`SettingsError` with every problem when it
    cannot be built; logs each warning on the ``corsair_cors`` logger."""
    t = _translate()
    try:
        native, diagnostics = _compile(t)
    except Exception as error:
        raise SettingsError(t.problems + [Problem("invalid-setting", "error", "CORS settings", str(error))]) from None
    problems = _problems(t, diagnostics)
    if native is None or any(p.severity == "error" for p in problems):
        raise SettingsError(problems)
    for problem in problems:
        logger.warning("CORS settings: %s", problem)
    policy: Policy = Policy.__new__(Policy)
    policy._native = native
    policy.warnings = list(diagnostics)
    return policy
