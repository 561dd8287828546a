"""``CorsMiddleware`` for Django: sync and async, the policy built once."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, List, Tuple, Union

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from .._corsair import Decision
from .._policy import Policy, log_decision, logger
from ._settings import policy_from_settings, urls_regex

GetResponse = Union[
    Callable[[HttpRequest], HttpResponseBase],
    Callable[[HttpRequest], Awaitable[HttpResponseBase]],
]

# The request headers the engine reads, as Django's META names them.
_CORS_META = (
    ("HTTP_ORIGIN", "origin"),
    ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "access-control-request-method"),
    ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "access-control-request-headers"),
    ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", "access-control-request-private-network"),
    ("HTTP_SEC_FETCH_SITE", "sec-fetch-site"),
    ("HTTP_HOST", "host"),
)
_DEBUG = 10


class CorsMiddleware:
    """corsair's CORS for a Django project: add ``"corsair_cors.django.CorsMiddleware"``
    to ``MIDDLEWARE``, as high as possible (above ``CommonMiddleware``).

    The policy comes from django-cors-headers' settings (``CORS_ALLOWED_ORIGINS``,
    ``CORS_ALLOW_CREDENTIALS``, ...) or from ``CORSAIR_CONFIG = "corsair.toml"``, and is
    built once, when Django loads the middleware: settings that cannot make a policy
    raise :class:`~corsair_cors.django.SettingsError` with every problem.

    - A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is
      answered by the middleware: 204 when allowed, 403 when refused, empty body. Every
      other request, plain ``OPTIONS`` included, reaches the view.
    - corsair's headers are applied to every other response, those of Django's exception
      handling (a view that raises: 500) and of the middlewares below this one included.
    - Outside ``CORS_URLS_REGEX`` (matched on ``request.path_info``), the middleware
      does nothing.
    - The decision is on the request, as ``request.cors_decision``.

    Both sync and async: under ASGI, with async views, it runs without a thread.

    ``policy=`` (a :class:`~corsair_cors.Policy`) replaces the settings, for code that
    builds the middleware itself.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse, policy: Union[Policy, None] = None) -> None:
        self.get_response = get_response
        self.policy: Policy = policy if policy is not None else policy_from_settings()
        self._decide = self.policy._native.decide
        self._urls = urls_regex()
        self._all_urls = self._urls.pattern in (r"^.*$", r".*", "")
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        decision = self._decision(request)
        if decision is None:
            return self.get_response(request)
        status = decision.status
        if status is not None:
            return _answer(decision, status)
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)
        decision.apply_to(response.headers)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        """The async request path (Django under ASGI, with async middleware below)."""
        decision = self._decision(request)
        if decision is None:
            return await self.get_response(request)  # type: ignore[misc,no-any-return]
        status = decision.status
        if status is not None:
            return _answer(decision, status)
        response = await self.get_response(request)  # type: ignore[misc]
        assert isinstance(response, HttpResponseBase)
        decision.apply_to(response.headers)
        return response

    def _decision(self, request: HttpRequest) -> Union[Decision, None]:
        """corsair's decision for the request, or None outside CORS_URLS_REGEX."""
        if not self._all_urls and self._urls.match(request.path_info) is None:
            return None
        meta = request.META
        headers: List[Tuple[str, Any]] = [(name, meta[key]) for key, name in _CORS_META if key in meta]
        method = request.method or "GET"
        path = request.path
        decision = self._decide(method, path, headers)
        if logger.isEnabledFor(_DEBUG):
            log_decision(decision, method, path)
        request.cors_decision = decision  # type: ignore[attr-defined]
        return decision


def _answer(decision: Decision, status: int) -> HttpResponse:
    """corsair's own answer to a preflight: empty, with its headers (no Content-Type;
    a 204 has no Content-Length either)."""
    response = HttpResponse(status=status)
    del response.headers["Content-Type"]
    if status != 204:
        response.headers["Content-Length"] = "0"
    decision.apply_to(response.headers)
    return response
