"""The seed's FastAPI example (tests/seed_fastapi_app.py, verbatim but for the import)
over real HTTP, served by uvicorn."""

from __future__ import annotations

import json
import logging
from typing import Iterator

import pytest

from servers import request, uvicorn_server

ORIGIN = "https://yourdomain.com"
EVIL = "https://evil.example"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    import socket

    from seed_fastapi_app import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    with uvicorn_server(app, free) as port:
        yield port


def test_allowed_origin(port: int) -> None:
    answer = request(port, "GET", "/items", {"Origin": ORIGIN, "Cookie": "session=1"})
    assert answer.status == 200
    assert json.loads(answer.body) == [{"id": 1}]
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["vary"] == "Origin"


def test_refused_origin(port: int) -> None:
    answer = request(port, "GET", "/items", {"Origin": EVIL})
    assert answer.status == 200  # CORS hides the answer from the script; the browser enforces it
    assert not [k for k in answer.headers if k.startswith("access-control-")]
    assert answer.headers["vary"] == "Origin"


def test_preflight_with_authorization(port: int) -> None:
    answer = request(
        port,
        "OPTIONS",
        "/items/7",
        {
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert answer.status == 204
    assert answer.body == b""
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["access-control-allow-methods"] == "PUT"
    assert answer.headers["access-control-allow-headers"] == "authorization,content-type"
    assert answer.headers["access-control-max-age"] == "600"
    assert answer.headers["vary"] == PREFLIGHT_VARY


def test_refused_preflights(port: int) -> None:
    for headers in [
        {"Origin": EVIL, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"},
        {"Origin": ORIGIN, "Access-Control-Request-Method": "PATCH"},
    ]:
        answer = request(port, "OPTIONS", "/items/7", headers)
        assert answer.status == 403
        assert answer.body == b""
        assert not [k for k in answer.headers if k.startswith("access-control-")]
        assert answer.headers["vary"] == PREFLIGHT_VARY


def test_plain_options_reaches_fastapi(port: int) -> None:
    answer = request(port, "OPTIONS", "/items", {"Origin": ORIGIN})
    assert answer.status == 200
    assert json.loads(answer.body) == {"options": "answered by the application"}
    assert answer.headers["access-control-allow-origin"] == ORIGIN


def test_an_endpoint_raising_gets_a_500_with_cors_headers(port: int, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        answer = request(port, "GET", "/boom", {"Origin": ORIGIN})
    assert answer.status == 500
    assert answer.body == b"Internal Server Error"
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"

    answer = request(port, "GET", "/boom", {"Origin": EVIL})
    assert answer.status == 500
    assert "access-control-allow-origin" not in answer.headers
