"""ASGI drop-in: ``CORSMiddleware`` for Starlette, FastAPI and any ASGI application.

Change the import, keep the options::

    from corsair_cors.starlette import CORSMiddleware

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://yourdomain.com"],
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["*"],
    )

A pure ASGI middleware: it does not import Starlette. Preflights (``OPTIONS`` with
``Origin`` and ``Access-Control-Request-Method``) are answered by corsair and never
reach the application; every other request does, and corsair's headers are applied to
its response. An unhandled exception in the application still gets a 500 that carries
the CORS headers of an allowed origin; the exception is then re-raised, for the server
(and Starlette's ``ServerErrorMiddleware``) to log. ``websocket`` and ``lifespan``
scopes pass through untouched, as with Starlette's middleware.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

from ._policy import log_decision, logger
from ._starlette_options import StarletteOptions

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ERROR_BODY = b"Internal Server Error"
_ERROR_HEADERS = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_ERROR_BODY)).encode("ascii")),
]
_EMPTY_BODY = [(b"content-length", b"0")]
_DEBUG = 10


class CORSMiddleware(StarletteOptions[ASGIApp]):
    """corsair's CORS for an ASGI application, with Starlette's ``CORSMiddleware``
    signature and defaults, plus ``config=`` (a ``corsair.toml`` file, routes
    included) or ``policy=`` (a :class:`~corsair_cors.Policy`) instead of the options.

    The policy is validated here, once: every mistake is raised at once as
    :class:`~corsair_cors.ConfigError` (``allow_origins=["*"]`` with
    ``allow_credentials=True``, an ``allow_origin_regex`` that admits more than your own
    domains, an origin with a path, ...).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        method = scope["method"]
        path = scope["path"]
        decision = self._decide(method, path, scope["headers"])
        if logger.isEnabledFor(_DEBUG):
            log_decision(decision, method, path)

        status = decision.status
        if status is not None:
            # A preflight: corsair answers it, with an empty body.
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": decision.apply_raw([] if status == 204 else _EMPTY_BODY),
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        started = False

        async def send_with_cors(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = dict(message)
                message["headers"] = decision.apply_raw(message.get("headers", ()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:
            if not started:
                # The application failed before answering: answer 500 with the CORS
                # headers, so that the browser shows the script the error rather than a
                # CORS failure; then let the exception go on, for the server to log.
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": decision.apply_raw(_ERROR_HEADERS),
                    }
                )
                await send({"type": "http.response.body", "body": _ERROR_BODY})
            raise


__all__ = ["CORSMiddleware"]
