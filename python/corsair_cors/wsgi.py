"""WSGI drop-in: ``CORSMiddleware`` for Flask, Falcon, Bottle and any WSGI application.

The same options as :mod:`corsair_cors.starlette` (Starlette's names and defaults, or
``config=`` / ``policy=``)::

    from corsair_cors.wsgi import CORSMiddleware

    app.wsgi_app = CORSMiddleware(app.wsgi_app, allow_origins=["https://yourdomain.com"])

Preflights are answered by corsair; every other request reaches the application and
corsair's headers are applied to its response. When the application raises before it
starts its response, the middleware answers 500 with the CORS headers of an allowed
origin, then re-raises the exception once that answer is written (as the response body's
iteration fails), so that the server logs it as usual. (Flask catches its handlers'
exceptions itself and answers 500 through the middleware, which adds the headers.)
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, Iterator, List, Tuple

from ._policy import log_decision, logger
from ._starlette_options import StarletteOptions

Environ = Dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

# The request headers the engine reads, as WSGI names them.
_CORS_ENVIRON = (
    ("HTTP_ORIGIN", "origin"),
    ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "access-control-request-method"),
    ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "access-control-request-headers"),
    ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", "access-control-request-private-network"),
    ("HTTP_SEC_FETCH_SITE", "sec-fetch-site"),
    ("HTTP_HOST", "host"),
)
_ERROR_BODY = b"Internal Server Error"
_ERROR_HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(_ERROR_BODY)))]
_DEBUG = 10


class CORSMiddleware(StarletteOptions[WSGIApp]):
    """corsair's CORS for a WSGI application; the options are Starlette's (see
    :class:`corsair_cors.starlette.CORSMiddleware`)."""

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        headers = [(name, environ[key]) for key, name in _CORS_ENVIRON if key in environ]
        method = environ.get("REQUEST_METHOD", "GET")
        path = _request_path(environ)
        decision = self._decide(method, path, headers)
        if logger.isEnabledFor(_DEBUG):
            log_decision(decision, method, path)

        status = decision.status
        if status is not None:
            # A preflight: corsair answers it, with an empty body.
            lines = decision.apply([] if status == 204 else [("Content-Length", "0")])
            start_response(_status_line(status), lines)
            return []

        started = False

        def start_response_with_cors(status: str, lines: List[Tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal started
            started = True
            if exc_info is not None:
                return start_response(status, decision.apply(lines), exc_info)
            return start_response(status, decision.apply(lines))

        try:
            return self.app(environ, start_response_with_cors)
        except Exception as error:
            if started:
                # The application chose its status and headers (with corsair's) already.
                raise
            start_response(_status_line(500), decision.apply(_ERROR_HEADERS))
            return _error_then_raise(error)


def _error_then_raise(error: Exception) -> Iterator[bytes]:
    """The 500's body; then the application's exception, for the server to log once
    the answer (with its CORS headers) is written."""
    yield _ERROR_BODY
    raise error


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _request_path(environ: Environ) -> str:
    """The URL path as the browser sent it: SCRIPT_NAME and PATH_INFO, which WSGI
    decodes as latin-1, read back as UTF-8."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if not path.isascii():
        try:
            path = path.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
    return path or "/"


__all__ = ["CORSMiddleware"]
