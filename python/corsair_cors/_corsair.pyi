"""Type stubs of the native module, ``corsair_cors._corsair`` (PyO3): the translation
between Python values and corsair's Rust API. Use it through :mod:`corsair_cors`."""

from typing import Any, Iterable, List, Mapping, Optional, Protocol, Tuple, Union

_Text = Union[str, bytes]
_Headers = Union[Mapping[Any, Any], Iterable[Tuple[_Text, _Text]]]

class _MutableHeaders(Protocol):
    """What ``Decision.apply_to`` needs of response headers: ``items()``, item
    assignment and deletion (a ``dict``, Django's ``ResponseHeaders``, werkzeug's
    ``Headers``, Starlette's ``MutableHeaders``)."""

    def items(self) -> Iterable[Tuple[Any, Any]]: ...
    def __setitem__(self, key: str, value: str, /) -> None: ...
    def __delitem__(self, key: str, /) -> None: ...

CORSAIR_VERSION: str

class Diagnostic:
    """One problem found in a policy, as ``corsair lint`` reports it."""

    @property
    def code(self) -> str:
        """The stable code: ``wildcard-origin-with-credentials``, ``unknown-field``, ..."""
    @property
    def severity(self) -> str:
        """``"error"`` or ``"warning"``."""
    @property
    def field(self) -> str:
        """The field it concerns: ``cors.allow_origins[0]``, ``routes[1].path``, ..."""
    @property
    def message(self) -> str:
        """What is wrong."""
    @property
    def help(self) -> Optional[str]:
        """How to fix it, if corsair knows."""
    @property
    def text(self) -> str:
        """The whole diagnostic in one line, as ``corsair lint`` prints it."""
    def as_error(self) -> "Diagnostic":
        """The same diagnostic with the severity ``"error"``: for a drop-in that refuses
        what corsair only warns about."""

class Decision:
    """corsair's answer to one request."""

    @property
    def kind(self) -> str:
        """``"preflight"``, ``"actual"`` or ``"non-cors"``."""
    @property
    def allowed(self) -> bool:
        """Whether corsair allows the request (always true for a non-CORS request)."""
    @property
    def reason(self) -> str:
        """The stable reason code: ``allowed``, ``non-cors``, ``cors-disabled``,
        ``malformed-origin``, ``origin-not-allowed``, ``malformed-method``,
        ``method-not-allowed``, ``malformed-request-headers``,
        ``request-headers-too-long`` or ``header-not-allowed``."""
    @property
    def message(self) -> str:
        """The reason in words."""
    @property
    def subject(self) -> Optional[str]:
        """The method or header name the reason is about, if any."""
    @property
    def status(self) -> Optional[int]:
        """The status of the answer corsair gives itself (a preflight: 204, or 403 when
        it is refused), else ``None``: the request goes to the application."""
    @property
    def origin(self) -> Optional[str]:
        """The request's ``Origin`` header, if any."""
    @property
    def headers(self) -> List[Tuple[str, str]]:
        """The CORS headers to send, in order, lowercase names."""
    def apply(self, headers: _Headers) -> List[Any]:
        """A response's header lines with the decision applied (corsair's
        ``CorsHeaders::apply_to``): each CORS header set, the application's own
        ``Access-Control-*`` headers removed where corsair decides them (a rejected
        origin gets none at all), ``Vary`` merged token by token. Lines corsair writes
        are ``(str, str)``; the others are returned as given."""
    def apply_raw(self, headers: _Headers) -> List[Any]:
        """:meth:`apply`, with corsair's lines as ``(bytes, bytes)`` (ASGI's form)."""
    def apply_to(self, headers: _MutableHeaders) -> None:
        """:meth:`apply`, in place, on a mutable mapping of response headers (Django's
        ``response.headers``, werkzeug's ``Headers``, Starlette's ``MutableHeaders``, a
        ``dict``): the entries corsair replaces or removes are deleted, then corsair's
        are set."""

class Policy:
    """A validated corsair policy."""

    @property
    def warnings(self) -> List[Diagnostic]:
        """The warnings found while building the policy."""
    def decide(self, method: _Text, path: _Text, headers: _Headers) -> Decision:
        """Decides what to do with a request."""

def compile_options(options: Mapping[str, Any]) -> Tuple[Optional[Policy], List[Diagnostic]]:
    """Builds a policy from corsair's option names (and ``routes``)."""

def compile_toml(text: str) -> Tuple[Optional[Policy], List[Diagnostic]]:
    """Builds a policy from the text of a ``corsair.toml`` file."""

def compile_file(path: str) -> Tuple[Optional[Policy], List[Diagnostic]]:
    """Builds a policy from a ``corsair.toml`` file."""
