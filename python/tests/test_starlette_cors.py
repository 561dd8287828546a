"""Starlette's own CORS tests (tests/middleware/test_cors.py, Kludex/starlette, formerly
encode/starlette, at 5174d4c8, 2026-07-04; the file last changed in 02b6ed7b,
2026-02-14), ported to corsair_cors.starlette.CORSMiddleware: every test, with the same
apps, options and requests.

Where corsair answers differently on purpose, the test asserts corsair's answer and the
difference is listed, with its rule, in python/README.md ("Stricter than Starlette");
each such place is marked `DIFFERENCE`.
"""

from __future__ import annotations

from typing import Callable

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from corsair_cors import ConfigError
from corsair_cors.starlette import CORSMiddleware

TestClientFactory = Callable[[Starlette], TestClient]


@pytest.fixture
def test_client_factory() -> TestClientFactory:
    return TestClient


def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Homepage", status_code=200)


def test_cors_allow_all(test_client_factory: TestClientFactory) -> None:
    # DIFFERENCE: any origin with credentials is refused when the middleware is built
    # (Starlette reflects every origin with credentials).
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_headers=["*"],
                allow_methods=["*"],
                expose_headers=["X-Status"],
                allow_credentials=True,
            )
        ],
    )
    client = test_client_factory(app)
    with pytest.raises(ConfigError) as error:
        client.get("/", headers={"Origin": "https://example.org"})
    assert error.value.codes == ["wildcard-origin-with-credentials"]
    assert error.value.diagnostics[0].field == "cors.allow_origins[0]"
    assert isinstance(error.value, ValueError)


def test_cors_allow_all_except_credentials(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_headers=["*"],
                allow_methods=["*"],
                expose_headers=["X-Status"],
            )
        ],
    )
    client = test_client_factory(app)

    # Test pre-flight response
    headers = {
        "Origin": "https://example.org",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Example",
    }
    response = client.options("/", headers=headers)
    # DIFFERENCE: 204 with no body (Starlette: 200 "OK").
    assert response.status_code == 204
    assert response.text == ""
    assert response.headers["access-control-allow-origin"] == "*"
    # DIFFERENCE: the wildcard itself (Starlette echoes the list); `authorization` is
    # named because `*` does not cover it in browsers (Starlette allows it too).
    assert response.headers["access-control-allow-headers"] == "*,authorization"
    assert "access-control-allow-credentials" not in response.headers

    # Test standard response
    headers = {"Origin": "https://example.org"}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "*"
    # DIFFERENCE: header names in lowercase (they are case-insensitive).
    assert response.headers["access-control-expose-headers"] == "x-status"
    assert "access-control-allow-credentials" not in response.headers

    # Test non-CORS response
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "Homepage"
    # DIFFERENCE: a static `*` is sent on every response, so that a cache may serve a
    # non-CORS response to a CORS request (Fetch, "CORS protocol and HTTP caches").
    assert response.headers["access-control-allow-origin"] == "*"


def test_cors_allow_specific_origin(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["https://example.org"],
                allow_headers=["X-Example", "Content-Type"],
            )
        ],
    )
    client = test_client_factory(app)

    # Test pre-flight response
    headers = {
        "Origin": "https://example.org",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Example, Content-Type",
    }
    response = client.options("/", headers=headers)
    assert response.status_code == 204
    assert response.text == ""
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    # DIFFERENCE: the requested headers, normalized (Starlette sends its whole list).
    assert response.headers["access-control-allow-headers"] == "x-example,content-type"
    assert "access-control-allow-credentials" not in response.headers

    # Test standard response
    headers = {"Origin": "https://example.org"}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert "access-control-allow-credentials" not in response.headers

    # Test non-CORS response
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_cors_disallowed_preflight(test_client_factory: TestClientFactory) -> None:
    reached = []

    def homepage(request: Request) -> None:
        reached.append(request)  # pragma: no cover

    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["https://example.org"],
                allow_headers=["X-Example"],
            )
        ],
    )
    client = test_client_factory(app)

    # Test pre-flight response
    headers = {
        "Origin": "https://another.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-Nope",
    }
    response = client.options("/", headers=headers)
    # DIFFERENCE: 403 with an empty body and no CORS header but Vary (Starlette: 400,
    # "Disallowed CORS origin, method, headers", and its whole policy in the headers).
    assert response.status_code == 403
    assert response.text == ""
    assert "access-control-allow-origin" not in response.headers
    assert [k for k in response.headers if k.startswith("access-control-")] == []
    assert response.headers["vary"] == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

    # Test preflight response text with multiple disallowed headers
    headers = {
        "Origin": "https://example.org",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Nope-1, X-Nope-2",
    }
    response = client.options("/", headers=headers)
    assert response.status_code == 403
    assert response.text == ""
    assert "access-control-allow-origin" not in response.headers
    assert reached == []  # a refused preflight never reaches the application


def test_preflight_allows_request_origin_if_origins_wildcard_and_credentials_allowed() -> None:
    # DIFFERENCE: refused at construction (see test_cors_allow_all).
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(homepage, allow_origins=["*"], allow_methods=["POST"], allow_credentials=True)
    assert error.value.codes == ["wildcard-origin-with-credentials"]


def test_cors_preflight_allow_all_methods(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"])],
    )
    client = test_client_factory(app)

    for method in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"):
        headers = {"Origin": "https://example.org", "Access-Control-Request-Method": method}
        response = client.options("/", headers=headers)
        assert response.status_code == 204
        # DIFFERENCE: the requested method is named (Starlette lists them all).
        assert method in response.headers["access-control-allow-methods"]


def test_cors_allow_all_methods(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[
            Route(
                "/",
                endpoint=homepage,
                methods=["delete", "get", "head", "options", "patch", "post", "put"],
            )
        ],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"])],
    )
    client = test_client_factory(app)
    headers = {"Origin": "https://example.org"}

    for method in ("patch", "post", "put"):
        response = getattr(client, method)("/", headers=headers, json={})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
    for method in ("delete", "get", "head", "options"):
        # OPTIONS without Access-Control-Request-Method is not a preflight: the app answers.
        response = getattr(client, method)("/", headers=headers)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        if method != "head":
            assert response.text == "Homepage"


def test_cors_allow_origin_regex(test_client_factory: TestClientFactory) -> None:
    # DIFFERENCE: with credentials, `https://.*` (any https origin) is refused.
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(
            homepage,
            allow_headers=["X-Example", "Content-Type"],
            allow_origin_regex="https://.*",
            allow_credentials=True,
        )
    assert "unsafe-origin-regex" in error.value.codes
    assert error.value.diagnostics[0].field == "cors.allow_origin_regexes[0]"

    # The rest of Starlette's test, without credentials.
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_headers=["X-Example", "Content-Type"],
                allow_origin_regex="https://.*",
            )
        ],
    )
    client = test_client_factory(app)

    # Test standard response
    headers = {"Origin": "https://example.org"}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert "access-control-allow-credentials" not in response.headers

    # Test disallowed standard response
    headers = {"Origin": "http://example.org"}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert "access-control-allow-origin" not in response.headers

    # Test pre-flight response
    headers = {
        "Origin": "https://another.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Example, content-type",
    }
    response = client.options("/", headers=headers)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://another.com"
    assert response.headers["access-control-allow-headers"] == "x-example,content-type"

    # Test disallowed pre-flight response
    headers = {
        "Origin": "http://another.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Example",
    }
    response = client.options("/", headers=headers)
    assert response.status_code == 403
    assert response.text == ""
    assert "access-control-allow-origin" not in response.headers


def test_cors_allow_origin_regex_fullmatch(test_client_factory: TestClientFactory) -> None:
    # DIFFERENCE: the unescaped dot of `example.org` admits hosts that are not under
    # example.org (`https://a.exampleaorg`): a regex that admits other sites' origins
    # is refused when the middleware is built, even without credentials.
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(
            homepage,
            allow_headers=["X-Example", "Content-Type"],
            allow_origin_regex=r"https://.*\.example.org",
        )
    assert error.value.codes == ["broad-origin-regex", "unescaped-dot-in-regex"]
    assert "(it admits `https://a.exampleaorg`)" in error.value.diagnostics[0].message

    # The rest of Starlette's test, with the dot escaped.
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_headers=["X-Example", "Content-Type"],
                allow_origin_regex=r"https://.*\.example\.org",
            )
        ],
    )
    client = test_client_factory(app)

    # Test standard response
    headers = {"Origin": "https://subdomain.example.org"}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "https://subdomain.example.org"
    assert "access-control-allow-credentials" not in response.headers

    # Test disallowed standard response
    headers = {"Origin": "https://subdomain.example.org.hacker.com"}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert "access-control-allow-origin" not in response.headers


def test_cors_vary_header_defaults_to_origin(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["https://example.org"])],
    )
    client = test_client_factory(app)
    response = client.get("/", headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["vary"] == "Origin"


def vary_homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Homepage", status_code=200, headers={"Vary": "Accept-Encoding"})


def test_cors_vary_header_is_not_set_for_non_credentialed_request(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=vary_homepage)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"])],
    )
    client = test_client_factory(app)
    response = client.get("/", headers={"Origin": "https://someplace.org"})
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept-Encoding"


def test_cors_vary_header_is_properly_set_for_credentialed_request(test_client_factory: TestClientFactory) -> None:
    # DIFFERENCE: any origin with credentials is refused when the middleware is built
    # (see test_cors_allow_all).
    app = Starlette(
        routes=[Route("/", endpoint=vary_homepage)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)],
    )
    client = test_client_factory(app)
    with pytest.raises(ConfigError) as error:
        client.get("/", headers={"Origin": "https://someplace.org"})
    assert error.value.codes == ["wildcard-origin-with-credentials"]

    # The point of the test, with the origin listed: a credentialed answer varies on Origin.
    app = Starlette(
        routes=[Route("/", endpoint=vary_homepage)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["https://someplace.org"], allow_credentials=True)],
    )
    client = test_client_factory(app)
    response = client.get("/", headers={"Origin": "https://someplace.org"})
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept-Encoding, Origin"


def test_cors_vary_header_is_properly_set_when_allow_origins_is_not_wildcard(
    test_client_factory: TestClientFactory,
) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=vary_homepage)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["https://example.org"])],
    )
    client = test_client_factory(app)
    response = client.get("/", headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept-Encoding, Origin"


def test_cors_allowed_origin_does_not_leak_between_requests(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["https://example.org"])],
    )
    client = test_client_factory(app)

    response = client.get("/", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"

    response = client.get("/", headers={"Origin": "https://other.org"})
    assert "access-control-allow-origin" not in response.headers

    response = client.get("/", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_cors_private_network_access_allowed(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["*"],
                allow_private_network=True,
            )
        ],
    )
    client = test_client_factory(app)

    headers_without_pna = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    headers_with_pna = {**headers_without_pna, "Access-Control-Request-Private-Network": "true"}

    # Test preflight with Private Network Access request
    response = client.options("/", headers=headers_with_pna)
    # DIFFERENCE: 204 with no body (Starlette: 200 "OK").
    assert response.status_code == 204
    assert response.text == ""
    assert response.headers["access-control-allow-private-network"] == "true"

    # Test preflight without Private Network Access request
    response = client.options("/", headers=headers_without_pna)
    # DIFFERENCE: 204 with no body (Starlette: 200 "OK").
    assert response.status_code == 204
    assert response.text == ""
    assert "access-control-allow-private-network" not in response.headers

    # The access-control-allow-private-network header is not set for non-preflight requests
    response = client.get("/", headers=headers_with_pna)
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert "access-control-allow-private-network" not in response.headers
    assert "access-control-allow-origin" in response.headers

    # corsair builds this policy, with a warning: every website may reach the private
    # network service from its visitors' browsers.
    middleware = CORSMiddleware(homepage, allow_origins=["*"], allow_methods=["*"], allow_private_network=True)
    assert [w.code for w in middleware.policy.warnings] == ["wildcard-private-network"]


def test_cors_private_network_access_disallowed(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", endpoint=homepage)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["*"],
                allow_private_network=False,
            )
        ],
    )
    client = test_client_factory(app)

    # Test preflight with Private Network Access request when not allowed
    headers_without_pna = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    headers_with_pna = {**headers_without_pna, "Access-Control-Request-Private-Network": "true"}

    response = client.options("/", headers=headers_without_pna)
    # DIFFERENCE: 204 with no body (Starlette: 200 "OK").
    assert response.status_code == 204
    assert response.text == ""
    assert "access-control-allow-private-network" not in response.headers

    # If the request includes a Private Network Access header, but the middleware is configured to disallow it, the
    # request should be denied with a 400 response.
    response = client.options("/", headers=headers_with_pna)
    # DIFFERENCE: the preflight is answered without Access-Control-Allow-Private-Network,
    # which is what makes Chromium refuse it (Starlette: 400 "Disallowed CORS
    # private-network"); the other CORS headers stay correct.
    assert response.status_code == 204
    assert response.text == ""
    assert "access-control-allow-private-network" not in response.headers
    assert response.headers["access-control-allow-origin"] == "*"
