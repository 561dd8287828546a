"""corsair_cors.starlette.CORSMiddleware beyond Starlette's own tests: the options'
translation, errors in the application, other ASGI scopes, config files."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, List

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from corsair_cors import ConfigError, Policy
from corsair_cors.starlette import CORSMiddleware

ORIGIN = "https://app.example.com"


def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Homepage")


def app_with(routes: List[Any] = None, **options: Any) -> Starlette:
    return Starlette(
        routes=routes or [Route("/", endpoint=homepage, methods=["GET", "POST", "OPTIONS"])],
        middleware=[Middleware(CORSMiddleware, **options)],
    )


def test_signature_matches_starlette() -> None:
    import inspect

    from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

    ours = inspect.signature(CORSMiddleware.__init__).parameters
    theirs = inspect.signature(StarletteCORSMiddleware.__init__).parameters
    # Starlette's parameters, in order, with the same defaults; then ours, keyword-only.
    assert list(ours)[: len(theirs)] == list(theirs)
    for name, parameter in theirs.items():
        assert ours[name].default == parameter.default, name
        assert ours[name].kind == parameter.kind, name
    assert [p for p in ours if p not in theirs] == ["config", "policy"]
    assert all(ours[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("config", "policy"))


def test_star_headers_allow_authorization_with_credentials() -> None:
    client = TestClient(app_with(allow_origins=[ORIGIN], allow_headers=["*"], allow_credentials=True, allow_methods=["PUT"]))
    response = client.options(
        "/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,x-anything",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-headers"] == "authorization,x-anything"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-allow-methods"] == "PUT"


def test_starlette_always_allowed_headers_are_kept() -> None:
    client = TestClient(app_with(allow_origins=[ORIGIN], allow_methods=["POST"]))
    response = client.options(
        "/",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-headers"] == "content-type"
    response = client.options(
        "/",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "options, code",
    [
        ({"allow_origins": ["*"], "allow_credentials": True}, "wildcard-origin-with-credentials"),
        ({"allow_origin_regex": r"https://.*example\.com", "allow_credentials": True}, "unsafe-origin-regex"),
        ({"allow_origin_regex": r".*", "allow_credentials": True}, "unsafe-origin-regex"),
        ({"allow_origin_regex": r"https://.*example\.com"}, "broad-origin-regex"),
        ({"allow_origin_regex": r"https://\w+\.example\.com.*"}, "broad-origin-regex"),
        ({"allow_origin_regex": r"https://[a-z]+\.com"}, "broad-origin-regex"),
        ({"allow_origin_regex": r"https://app\.example.com"}, "broad-origin-regex"),
        ({"allow_origin_regex": r"https://(?=x)x\.example\.com"}, "invalid-regex"),
        ({"allow_origins": ["https://example.com/"]}, "origin-with-path"),
        ({"allow_origins": ["http://example.com"], "allow_credentials": True}, "insecure-origin"),
        ({"allow_origins": ["null"]}, "null-origin"),
        ({}, "no-origins"),
        ({"allow_origins": ["https://a.example"], "max_age": 10**6}, "max-age-too-large"),
    ],
)
def test_unsafe_options_are_refused_at_construction(options: dict, code: str) -> None:
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(homepage, **options)
    assert code in raised.value.codes


def test_a_regex_that_admits_other_sites_is_refused_without_credentials() -> None:
    # corsair only warns (`broad-origin-regex`): the answer is public. The drop-in
    # refuses it: in Starlette's allow_origin_regex, it is the unanchored-regex mistake.
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(homepage, allow_origins=["https://a.example.net"], allow_origin_regex=r"https://.*example\.com", max_age=10**5)
    error = raised.value
    assert [(d.code, d.severity, d.field) for d in error.diagnostics] == [
        ("max-age-too-large", "error", "cors.max_age"),
        ("broad-origin-regex", "error", "cors.allow_origin_regexes[0]"),
    ]
    broad = error.diagnostics[1]
    assert "(it admits `https://evilexample.com`)" in broad.message
    assert broad.help is not None and "your own registrable domain" in broad.help
    assert str(broad).startswith("error[broad-origin-regex] cors.allow_origin_regexes[0]: ")
    assert str(error).startswith("invalid CORS policy (2 errors):")
    assert error.errors == error.diagnostics
    # Alone, too.
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(homepage, allow_origin_regex=r"https://\w+\.example\.com.*")
    assert raised.value.codes == ["broad-origin-regex"]
    assert "go on after the name it spells out" in raised.value.diagnostics[0].message


def test_regexes_starlette_allows_safely_are_kept() -> None:
    # Your own subdomains, anchored or not (corsair anchors at both ends).
    for regex in [r"https://.*\.example\.com", r"^https://[a-z0-9-]+\.example\.com$", r"https://(app|admin)\.example\.com"]:
        middleware = CORSMiddleware(homepage, allow_origin_regex=regex)
        assert middleware.policy.warnings == [], regex
    # Any origin without credentials is Starlette's allow_origins=["*"], safe without
    # credentials: allowed, with corsair's warning.
    middleware = CORSMiddleware(homepage, allow_origin_regex="https://.*")
    assert [w.code for w in middleware.policy.warnings] == ["any-origin-regex"]
    client = TestClient(app_with(allow_origin_regex="https://.*"))
    response = client.get("/", headers={"Origin": "https://evil.example"})
    assert response.headers["access-control-allow-origin"] == "https://evil.example"


def test_a_policy_or_config_file_keeps_corsairs_warning(tmp_path: Path) -> None:
    # corsair's own policy (policy=, config=) keeps corsair's rules: a warning.
    policy = Policy(allow_origin_regexes=[r"https://.*example\.com"])
    assert [(w.code, w.severity) for w in policy.warnings] == [("broad-origin-regex", "warning")]
    assert CORSMiddleware(homepage, policy=policy).policy is policy
    path = tmp_path / "corsair.toml"
    path.write_text('[cors]\nallow_origin_regexes = [\'https://.*example\\.com\']\n')
    middleware = CORSMiddleware(homepage, config=path)
    assert [w.code for w in middleware.policy.warnings] == ["broad-origin-regex"]


def test_several_mistakes_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(
            homepage,
            allow_origins=["*"],
            allow_credentials=True,
            allow_methods=["TRACE"],
            allow_headers=["x-ok", "bad header"],
            expose_headers=["*"],
        )
    codes = raised.value.codes
    for code in ["wildcard-origin-with-credentials", "forbidden-method", "invalid-header-name", "wildcard-expose-with-credentials"]:
        assert code in codes


def test_an_exception_still_gets_cors_headers_then_is_reraised() -> None:
    def boom(request: Request) -> Response:
        raise RuntimeError("boom")

    app = app_with(routes=[Route("/boom", endpoint=boom)], allow_origins=[ORIGIN], allow_credentials=True)
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"

    # A refused origin gets the 500 without any Access-Control-* header.
    response = client.get("/boom", headers={"Origin": "https://evil.example"})
    assert response.status_code == 500
    assert "access-control-allow-origin" not in response.headers

    # The exception goes on to the server.
    with pytest.raises(RuntimeError, match="boom"):
        TestClient(app).get("/boom", headers={"Origin": ORIGIN})


def test_an_exception_after_the_response_started_is_only_reraised() -> None:
    sent: List[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        raise RuntimeError("late")

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    middleware = CORSMiddleware(app, allow_origins=[ORIGIN])
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"origin", ORIGIN.encode())]}
    with pytest.raises(RuntimeError, match="late"):
        asyncio.run(middleware(scope, receive, send))
    assert len(sent) == 1
    assert (b"access-control-allow-origin", ORIGIN.encode()) in sent[0]["headers"]


def test_plain_options_reaches_the_application() -> None:
    def options(request: Request) -> Response:
        return PlainTextResponse("app options", headers={"Allow": "GET, OPTIONS"})

    client = TestClient(app_with(routes=[Route("/", endpoint=options, methods=["OPTIONS"])], allow_origins=[ORIGIN]))
    response = client.options("/", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.text == "app options"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    response = client.options("/")
    assert response.text == "app options"


def test_application_access_control_headers_are_replaced() -> None:
    def legacy(request: Request) -> Response:
        return JSONResponse([], headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true"})

    client = TestClient(app_with(routes=[Route("/", endpoint=legacy)], allow_origins=[ORIGIN]))
    response = client.get("/", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers
    response = client.get("/", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-credentials" not in response.headers


def test_websocket_scope_passes_through() -> None:
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    client = TestClient(app_with(routes=[WebSocketRoute("/ws", ws)], allow_origins=[ORIGIN]))
    with client.websocket_connect("/ws", headers={"Origin": "https://evil.example"}) as session:
        assert session.receive_text() == "hello"


def test_lifespan_passes_through() -> None:
    events: List[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            events.append(message["type"])
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    with TestClient(CORSMiddleware(app, allow_origins=[ORIGIN])):
        pass
    assert events == ["lifespan.startup", "lifespan.shutdown"]


def test_config_file_and_policy(tmp_path: Path) -> None:
    path = tmp_path / "corsair.toml"
    path.write_text(
        '[cors]\nallow_origins = ["https://app.example.com"]\nallow_methods = ["PUT"]\n'
        '[[routes]]\npath = "/public"\nallow_origins = ["*"]\n'
    )
    client = TestClient(
        Starlette(
            routes=[Route("/", endpoint=homepage), Route("/public", endpoint=homepage)],
            middleware=[Middleware(CORSMiddleware, config=path)],
        )
    )
    response = client.options("/", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-methods"] == "PUT"
    response = client.get("/public", headers={"Origin": "https://else.example"})
    assert response.headers["access-control-allow-origin"] == "*"

    policy = Policy(allow_origins=[ORIGIN])
    assert CORSMiddleware(homepage, policy=policy).policy is policy
    with pytest.raises(TypeError, match="allow_origins"):
        CORSMiddleware(homepage, allow_origins=[ORIGIN], config=path)
    with pytest.raises(TypeError):
        CORSMiddleware(homepage, config=path, policy=policy)
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(homepage, config=tmp_path / "missing.toml")
    assert raised.value.codes == ["unreadable-file"]


def test_refused_preflight_with_custom_preflight_status_has_content_length(tmp_path: Path) -> None:
    policy = Policy(allow_origins=[ORIGIN], preflight_status=200)
    client = TestClient(Starlette(routes=[Route("/", endpoint=homepage)], middleware=[Middleware(CORSMiddleware, policy=policy)]))
    response = client.options("/", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert response.headers["content-length"] == "0"
    response = client.options("/", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert response.status_code == 403
    assert response.headers["content-length"] == "0"


def test_a_custom_500_handler_is_called_but_corsairs_500_is_sent() -> None:
    # Documented in python/README.md: Starlette runs handlers for Exception/500 in
    # ServerErrorMiddleware, outside every user middleware; the 500 with the CORS
    # headers is sent first, so the handler's own response is not.
    called: List[Exception] = []

    async def handler(request: Request, exc: Exception) -> Response:
        called.append(exc)
        return JSONResponse({"error": "custom"}, status_code=500)

    def boom(request: Request) -> Response:
        raise RuntimeError("boom")

    app = Starlette(
        routes=[Route("/boom", endpoint=boom)],
        middleware=[Middleware(CORSMiddleware, allow_origins=[ORIGIN])],
        exception_handlers={Exception: handler},
    )
    response = TestClient(app, raise_server_exceptions=False).get("/boom", headers={"Origin": ORIGIN})
    assert len(called) == 1
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_every_decision_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(app_with(allow_origins=[ORIGIN]))
    with caplog.at_level(logging.DEBUG, logger="corsair_cors"):
        client.options("/", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"})
        client.get("/", headers={"Origin": ORIGIN})
    records = [r for r in caplog.records if r.name == "corsair_cors"]
    assert [(r.cors_kind, r.cors_allowed, r.cors_reason, r.cors_method, r.cors_path) for r in records] == [
        ("preflight", False, "origin-not-allowed", "OPTIONS", "/"),
        ("actual", True, "allowed", "GET", "/"),
    ]
    assert records[0].cors_origin == "https://evil.example"
