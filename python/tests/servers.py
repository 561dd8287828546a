"""Real HTTP servers for the tests: uvicorn (ASGI) and wsgiref (WSGI), each in a thread
on 127.0.0.1, and a plain HTTP client."""

from __future__ import annotations

import http.client
import threading
import time
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional, Tuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class Answer:
    """A response as received: status, headers (lowercase names, repeated ones joined)
    and body."""

    def __init__(self, status: int, headers: Dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def request(port: int, method: str, path: str, headers: Optional[Dict[str, str]] = None) -> Answer:
    """One HTTP/1.1 request to 127.0.0.1:port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        lines: Dict[str, str] = {}
        for name, value in response.getheaders():
            name = name.lower()
            lines[name] = f"{lines[name]}, {value}" if name in lines else value
        return Answer(response.status, lines, body)
    finally:
        connection.close()


@contextmanager
def uvicorn_server(app: Any, port: int, lifespan: str = "on") -> Iterator[int]:
    """Serves an ASGI app with uvicorn until the block ends (``lifespan="off"`` for an
    application without lifespan support, such as Django's)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(WSGIServer):
    errors: list

    def handle_error(self, request: Any, client_address: Tuple[str, int]) -> None:
        pass


@contextmanager
def wsgiref_server(app: Any, port: int) -> Iterator[int]:
    """Serves a WSGI app with the standard library's wsgiref until the block ends."""
    server = make_server("127.0.0.1", port, app, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
