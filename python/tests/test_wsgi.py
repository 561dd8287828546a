"""corsair_cors.wsgi.CORSMiddleware: a Flask app through Flask's test client and over
real HTTP (wsgiref), and a bare WSGI app."""

from __future__ import annotations

import inspect
import socket
from typing import Any, Iterator, List

import pytest
from flask import Flask, jsonify

from corsair_cors import ConfigError
from corsair_cors.starlette import CORSMiddleware as ASGIMiddleware
from corsair_cors.wsgi import CORSMiddleware
from servers import request, wsgiref_server

ORIGIN = "https://yourdomain.com"
EVIL = "https://evil.example"


def flask_app() -> Flask:
    app = Flask(__name__)

    @app.get("/items")
    def items() -> Any:
        return jsonify([{"id": 1}])

    @app.put("/items/<int:item_id>")
    def put_item(item_id: int) -> Any:
        return jsonify({"id": item_id})

    @app.get("/boom")
    def boom() -> Any:
        raise RuntimeError("the view failed")

    @app.get("/legacy")
    def legacy() -> Any:
        response = jsonify([])
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Vary"] = "Accept-Encoding"
        return response

    app.wsgi_app = CORSMiddleware(
        app.wsgi_app,
        allow_origins=[ORIGIN],
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["*"],
    )
    return app


@pytest.fixture
def client() -> Any:
    return flask_app().test_client()


def test_same_signature_as_the_asgi_middleware() -> None:
    assert list(inspect.signature(CORSMiddleware.__init__).parameters) == list(
        inspect.signature(ASGIMiddleware.__init__).parameters
    )


def test_flask_allowed_and_refused_origins(client: Any) -> None:
    response = client.get("/items", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.json == [{"id": 1}]
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Vary"] == "Origin"

    response = client.get("/items", headers={"Origin": EVIL})
    assert response.status_code == 200
    assert not [k for k in response.headers.keys() if k.lower().startswith("access-control-")]
    assert response.headers["Vary"] == "Origin"

    response = client.get("/items")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_flask_preflights(client: Any) -> None:
    response = client.options(
        "/items/7",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"},
    )
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Headers"] == "authorization"
    assert response.headers["Access-Control-Allow-Methods"] == "PUT"
    assert response.headers["Access-Control-Max-Age"] == "600"

    response = client.options("/items/7", headers={"Origin": EVIL, "Access-Control-Request-Method": "PUT"})
    assert response.status_code == 403
    assert response.headers["Content-Length"] == "0"
    assert "Access-Control-Allow-Origin" not in response.headers

    # Plain OPTIONS: Flask answers it (its automatic OPTIONS, with Allow).
    response = client.options("/items/7", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "PUT" in response.headers["Allow"]
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_flask_500_keeps_cors_headers(client: Any) -> None:
    response = client.get("/boom", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_flask_app_headers_replaced_and_vary_merged(client: Any) -> None:
    response = client.get("/legacy", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding, Origin"


def test_construction_errors() -> None:
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(lambda e, s: [], allow_origins=["*"], allow_credentials=True)
    assert raised.value.codes == ["wildcard-origin-with-credentials"]
    # A regex that admits other sites is refused, with credentials or without.
    for credentials, code in [(True, "unsafe-origin-regex"), (False, "broad-origin-regex")]:
        with pytest.raises(ConfigError) as raised:
            CORSMiddleware(lambda e, s: [], allow_origin_regex=r"https://.*example\.com", allow_credentials=credentials)
        assert raised.value.codes == [code]
        assert raised.value.diagnostics[0].severity == "error"
    # Your own subdomains are not; any origin without credentials is not either (it is
    # allow_origins=["*"]).
    assert CORSMiddleware(lambda e, s: [], allow_origin_regex=r"https://.*\.example\.com").policy.warnings == []
    assert [w.code for w in CORSMiddleware(lambda e, s: [], allow_origin_regex="https://.*").policy.warnings] == ["any-origin-regex"]


@pytest.fixture
def port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_flask_over_real_http(port: int) -> None:
    with wsgiref_server(flask_app(), port):
        answer = request(port, "GET", "/items", {"Origin": ORIGIN})
        assert answer.status == 200
        assert answer.headers["access-control-allow-origin"] == ORIGIN
        answer = request(
            port,
            "OPTIONS",
            "/items/7",
            {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"},
        )
        assert answer.status == 204
        assert answer.headers["access-control-allow-headers"] == "authorization"
        answer = request(port, "OPTIONS", "/items/7", {"Origin": EVIL, "Access-Control-Request-Method": "PUT"})
        assert answer.status == 403
        assert "access-control-allow-origin" not in answer.headers
        answer = request(port, "GET", "/boom", {"Origin": ORIGIN})
        assert answer.status == 500
        assert answer.headers["access-control-allow-origin"] == ORIGIN


def bare_app(environ: Any, start_response: Any) -> Iterator[bytes]:
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("bare failure")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return iter([b"ok"])


def test_bare_wsgi_exception_gets_a_500_with_cors_headers_then_is_reraised(port: int) -> None:
    middleware = CORSMiddleware(bare_app, allow_origins=[ORIGIN])
    # Called directly: the 500 is started with the CORS headers, and the body's
    # iteration re-raises the application's exception.
    started: List[Any] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/boom", "HTTP_ORIGIN": ORIGIN}
    body = middleware(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    assert started[0][0] == "500 Internal Server Error"
    assert ("access-control-allow-origin", ORIGIN) in started[0][1]
    chunks = iter(body)
    assert next(chunks) == b"Internal Server Error"
    with pytest.raises(RuntimeError, match="bare failure"):
        next(chunks)

    # Over HTTP: the client gets the whole 500, with the headers.
    with wsgiref_server(middleware, port):
        answer = request(port, "GET", "/boom", {"Origin": ORIGIN})
        assert answer.status == 500
        assert answer.body == b"Internal Server Error"
        assert answer.headers["access-control-allow-origin"] == ORIGIN
        answer = request(port, "GET", "/ok", {"Origin": ORIGIN})
        assert (answer.status, answer.body) == (200, b"ok")
        assert answer.headers["access-control-allow-origin"] == ORIGIN


def test_wsgi_paths_and_routes() -> None:
    from corsair_cors import Policy

    seen: List[Any] = []
    policy = Policy(allow_origins=[ORIGIN], routes=[{"path": "/api/public", "allow_origins": ["*"]}])
    middleware = CORSMiddleware(bare_app, policy=policy)
    environ = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "/api", "PATH_INFO": "/public/x", "HTTP_ORIGIN": EVIL}
    middleware(environ, lambda status, headers, exc_info=None: seen.append(headers))
    assert ("access-control-allow-origin", "*") in seen[0]
