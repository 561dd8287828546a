"""corsair_cors.django: the seed's Django example (tests/django_project/seed_settings.py)
through Django's test client (sync and async views, WSGI and ASGI handlers) and over
real HTTP (``manage.py runserver``, and uvicorn serving Django's ASGI application), plus
the middleware's own behaviour: CORSAIR_CONFIG, CORS_URLS_REGEX, settings errors."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from django.core.management import base, call_command
from django.test import AsyncClient, Client
from django.test.utils import override_settings

from corsair_cors import ConfigError
from corsair_cors.django import CorsMiddleware, SettingsError, settings_problems
from corsair_cors.django.checks import check_cors_settings
from servers import request, uvicorn_server

TESTS = Path(__file__).resolve().parent
SEED = {
    "CORS_ALLOW_ALL_ORIGINS": False,
    "CORS_ALLOW_CREDENTIALS": True,
    "CORS_ALLOWED_ORIGINS": ["https://yourdomain.com"],
}
ORIGIN = "https://yourdomain.com"
EVIL = "https://evil.example"
PREFLIGHT_AUTH = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization, content-type",
}
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def test_seed_settings_file_is_the_seed() -> None:
    from django_project import seed_settings

    assert {k: getattr(seed_settings, k) for k in SEED} == SEED


@pytest.fixture
def seed() -> Iterator[None]:
    with override_settings(**SEED):
        yield


def cors(headers: Any) -> Dict[str, str]:
    """The Access-Control-* headers of a response, lowercase names."""
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith("access-control-")}


# --- Django's test client: WSGI handler (sync) and ASGI handler (async) ---------------


@pytest.mark.parametrize("path", ["/api/items", "/api/async-items"])
def test_seed_allowed_and_refused_origins(seed: None, path: str) -> None:
    client = Client()
    resp = client.get(path, headers={"origin": ORIGIN})
    assert resp.status_code == 200
    assert resp.json()[0]["method"] == "GET"
    assert cors(resp.headers) == {"access-control-allow-origin": ORIGIN, "access-control-allow-credentials": "true"}
    assert resp["Vary"] == "Origin"

    resp = client.get(path, headers={"origin": EVIL})
    assert resp.status_code == 200
    assert cors(resp.headers) == {}
    assert resp["Vary"] == "Origin"

    resp = client.get(path)
    assert cors(resp.headers) == {}


def test_seed_preflight_with_authorization(seed: None) -> None:
    # django-cors-headers' default CORS_ALLOW_HEADERS lists `authorization`, and the
    # default CORS_ALLOW_METHODS `PUT`: the seed allows this preflight; corsair answers it
    # 204, naming what was asked, with the default max age (7200 s, Chromium's cap).
    resp = Client().options("/api/items", headers=PREFLIGHT_AUTH)
    assert resp.status_code == 204
    assert resp.content == b""
    assert cors(resp.headers) == {
        "access-control-allow-origin": ORIGIN,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "PUT",
        "access-control-allow-headers": "authorization,content-type",
        "access-control-max-age": "7200",
    }
    assert resp["Vary"] == PREFLIGHT_VARY
    assert "Content-Type" not in resp


def test_seed_refused_preflights(seed: None) -> None:
    client = Client()
    for headers, reason in [
        ({**PREFLIGHT_AUTH, "Origin": EVIL}, "origin-not-allowed"),
        ({**PREFLIGHT_AUTH, "Access-Control-Request-Method": "CONNECT"}, "method-not-allowed"),
        ({**PREFLIGHT_AUTH, "Access-Control-Request-Headers": "x-secret"}, "header-not-allowed"),
    ]:
        resp = client.options("/api/items", headers=headers)
        assert resp.status_code == 403, reason
        assert resp.content == b""
        assert cors(resp.headers) == {}
        assert resp["Content-Length"] == "0"
        assert resp.wsgi_request.cors_decision.reason == reason


def test_plain_options_reaches_the_view(seed: None) -> None:
    resp = Client().options("/api/items", headers={"origin": ORIGIN})
    assert resp.status_code == 200
    assert resp.content == b"plain options"
    assert resp["Allow"] == "GET, PUT, OPTIONS"
    assert resp["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize("path", ["/api/boom", "/api/async-boom"])
def test_a_500_keeps_the_cors_headers(seed: None, path: str, caplog: pytest.LogCaptureFixture) -> None:
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.CRITICAL, logger="django.request"):
        resp = client.get(path, headers={"origin": ORIGIN})
        assert resp.status_code == 500
        assert cors(resp.headers) == {"access-control-allow-origin": ORIGIN, "access-control-allow-credentials": "true"}
        resp = client.get(path, headers={"origin": EVIL})
        assert resp.status_code == 500
        assert cors(resp.headers) == {}


def test_the_views_own_cors_headers_are_replaced(seed: None) -> None:
    resp = Client().get("/api/legacy", headers={"origin": EVIL})
    assert cors(resp.headers) == {}
    assert resp["Vary"] == "Accept-Encoding, Origin"
    resp = Client().get("/api/legacy", headers={"origin": ORIGIN})
    assert resp["Access-Control-Allow-Origin"] == ORIGIN


async def _async_requests() -> List[Any]:
    client = AsyncClient(raise_request_exception=False)
    return [
        await client.get("/api/async-items", headers={"origin": ORIGIN}),
        await client.get("/api/items", headers={"origin": ORIGIN}),
        await client.options("/api/async-items", headers=PREFLIGHT_AUTH),
        await client.options("/api/async-items", headers={**PREFLIGHT_AUTH, "Origin": EVIL}),
        await client.get("/api/async-boom", headers={"origin": ORIGIN}),
        await client.get("/api/async-items", headers={"origin": EVIL}),
    ]


def test_asgi_handler_async_path(seed: None, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    with caplog.at_level(logging.CRITICAL, logger="django.request"):
        ok, sync_view, preflight, refused, boom, evil = asyncio.run(_async_requests())
    assert ok.status_code == 200 and ok.json()[0]["id"] == 2
    assert ok["Access-Control-Allow-Origin"] == ORIGIN
    assert sync_view["Access-Control-Allow-Origin"] == ORIGIN
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Headers"] == "authorization,content-type"
    assert refused.status_code == 403 and cors(refused.headers) == {}
    assert boom.status_code == 500 and boom["Access-Control-Allow-Origin"] == ORIGIN
    assert cors(evil.headers) == {}


def test_the_middleware_is_async_under_asgi(seed: None) -> None:
    from asgiref.sync import iscoroutinefunction

    async def view(request: Any) -> Any:
        raise AssertionError("not called")

    def sync_view(request: Any) -> Any:
        raise AssertionError("not called")

    assert iscoroutinefunction(CorsMiddleware(view))
    assert not iscoroutinefunction(CorsMiddleware(sync_view))
    assert CorsMiddleware.sync_capable and CorsMiddleware.async_capable


# --- Real HTTP -----------------------------------------------------------------------


def _runserver(port: int) -> "subprocess.Popen[bytes]":
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "django_project.seed_settings", "PYTHONPATH": str(TESTS)}
    process = subprocess.Popen(
        [sys.executable, str(TESTS / "manage_django.py"), "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            request(port, "GET", "/api/items")
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("manage.py runserver did not start")
            time.sleep(0.1)


def _real_http_checks(port: int) -> None:
    answer = request(port, "GET", "/api/items", {"Origin": ORIGIN})
    assert answer.status == 200
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["vary"] == "Origin"

    answer = request(port, "GET", "/api/async-items", {"Origin": EVIL})
    assert answer.status == 200
    assert cors(answer.headers) == {}

    answer = request(port, "OPTIONS", "/api/items", PREFLIGHT_AUTH)
    assert answer.status == 204
    assert answer.body == b""
    assert answer.headers["access-control-allow-headers"] == "authorization,content-type"
    assert answer.headers["access-control-allow-methods"] == "PUT"
    assert answer.headers["access-control-allow-origin"] == ORIGIN

    answer = request(port, "OPTIONS", "/api/items", {**PREFLIGHT_AUTH, "Origin": EVIL})
    assert answer.status == 403
    assert answer.body == b""
    assert cors(answer.headers) == {}

    answer = request(port, "GET", "/api/boom", {"Origin": ORIGIN})
    assert answer.status == 500
    assert answer.headers["access-control-allow-origin"] == ORIGIN


def test_seed_over_real_http_runserver(free_port: int) -> None:
    process = _runserver(free_port)
    try:
        _real_http_checks(free_port)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_seed_over_real_http_uvicorn_asgi(seed: None, free_port: int, caplog: pytest.LogCaptureFixture) -> None:
    from django.core.asgi import get_asgi_application

    with caplog.at_level(logging.CRITICAL, logger="django.request"):
        with uvicorn_server(get_asgi_application(), free_port, lifespan="off"):
            _real_http_checks(free_port)
            answer = request(free_port, "GET", "/api/async-boom", {"Origin": ORIGIN})
            assert answer.status == 500
            assert answer.headers["access-control-allow-origin"] == ORIGIN


# --- Settings, CORSAIR_CONFIG, CORS_URLS_REGEX, checks ---------------------------------


def test_seed_passes_manage_py_check(seed: None) -> None:
    call_command("check")
    assert settings_problems() == []


def test_seed_check_warns_without_csrf_middleware(seed: None) -> None:
    with override_settings(MIDDLEWARE=["corsair_cors.django.CorsMiddleware"]):
        problems = settings_problems()
    assert [(p.code, p.severity, p.setting) for p in problems] == [
        ("unprotected-writes", "warning", "CORS_ALLOW_CREDENTIALS")
    ]
    assert "CsrfViewMiddleware" in (problems[0].help or "")


def test_manage_py_check_fails_on_allow_all_with_credentials() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "django_project.seed_settings", "PYTHONPATH": str(TESTS)}
    code = (
        "import sys, django; from django.conf import settings; django.setup();"
        "settings.CORS_ALLOW_ALL_ORIGINS = True; settings.CORS_ALLOWED_ORIGINS = [];"
        "from django.core.management import call_command; call_command('check')"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "CORS_ALLOW_ALL_ORIGINS: (corsair.wildcard-origin-with-credentials)" in result.stderr
    result = subprocess.run(
        [sys.executable, str(TESTS / "manage_django.py"), "check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_every_mistake_at_once() -> None:
    with override_settings(
        CORS_ALLOW_ALL_ORIGINS=True,
        CORS_ALLOW_CREDENTIALS=True,
        CORS_ALLOWED_ORIGINS=["https://a.example", "example.com"],
        CORS_ALLOW_METHODS="GET",
        CORS_ALOW_HEADERS=["x"],
    ):
        with pytest.raises(SettingsError) as raised:
            CorsMiddleware(lambda request: None)
    error = raised.value
    assert sorted(error.codes) == sorted(
        [
            "unknown-setting",
            "invalid-setting",
            "wildcard-origin-mixed",
            "wildcard-origin-with-credentials",
            "invalid-origin",
        ]
    )
    assert "did you mean CORS_ALLOW_HEADERS?" in str(error)
    assert "CORS_ALLOWED_ORIGINS[1]" in str(error)
    from django.core.exceptions import ImproperlyConfigured

    assert isinstance(error, ImproperlyConfigured)


def test_settings_error_is_a_config_error_with_corsair_diagnostics() -> None:
    with override_settings(
        CORS_ALLOW_ALL_ORIGINS=True,
        CORS_ALLOW_CREDENTIALS=True,
        CORS_ALLOWED_ORIGINS=["https://a.example", "example.com"],
        CORS_ALLOW_METHODS="GET",
    ):
        with pytest.raises(ConfigError) as raised:
            CorsMiddleware(lambda request: None)
    error = raised.value
    assert isinstance(error, SettingsError)
    assert isinstance(error, ValueError)
    # The engine's problems, as corsair reports them (its fields, message and help)...
    assert [(d.code, d.severity, d.field) for d in error.diagnostics] == [
        ("wildcard-origin-mixed", "error", "cors.allow_origins[0]"),
        ("wildcard-origin-with-credentials", "error", "cors.allow_origins[0]"),
        ("invalid-origin", "error", "cors.allow_origins[2]"),
    ]
    assert all(d.message and d.help for d in error.diagnostics)
    assert [d.code for d in error.errors] == [d.code for d in error.diagnostics]
    # ...and every problem by its setting, the settings' own (a wrong type) included.
    assert [(p.code, p.setting) for p in error.problems] == [
        ("invalid-setting", "CORS_ALLOW_METHODS"),
        ("wildcard-origin-mixed", "CORS_ALLOW_ALL_ORIGINS"),
        ("wildcard-origin-with-credentials", "CORS_ALLOW_ALL_ORIGINS"),
        ("invalid-origin", "CORS_ALLOWED_ORIGINS[1]"),
    ]
    assert [p.diagnostic for p in error.problems[1:]] == error.diagnostics
    assert error.problems[0].diagnostic is None
    assert error.codes == [p.code for p in error.problems]
    assert str(error).startswith("invalid CORS settings (4 errors):")


def test_settings_error_of_the_settings_alone_has_no_diagnostics() -> None:
    with override_settings(CORS_ALLOWED_ORIGINS=["https://a.example"], CORS_ALLOW_CREDENTIALS="yes"):
        with pytest.raises(ConfigError) as raised:
            CorsMiddleware(lambda request: None)
    assert raised.value.codes == ["invalid-setting"]
    assert raised.value.diagnostics == []


def test_check_warns_about_a_regex_that_admits_other_sites() -> None:
    # Matched from the start only by django-cors-headers; corsair anchors both ends, but
    # `.*example\.com` still admits `https://evilexample.com`.
    with override_settings(
        CORS_ALLOWED_ORIGIN_REGEXES=[r"https://[a-z]+\.example\.com", r"https://.*example\.com"],
        MIDDLEWARE=["corsair_cors.django.CorsMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
    ):
        problems = settings_problems()
        assert [(p.code, p.severity, p.setting) for p in problems] == [
            ("broad-origin-regex", "warning", "CORS_ALLOWED_ORIGIN_REGEXES[1]")
        ]
        assert "https://evilexample.com" in problems[0].message
        from django.core.checks import Warning as CheckWarning

        messages = check_cors_settings()
        assert [(type(m), m.id, m.obj) for m in messages] == [
            (CheckWarning, "corsair.broad-origin-regex", "CORS_ALLOWED_ORIGIN_REGEXES[1]")
        ]
        assert messages[0].hint == problems[0].help
        # A warning, not an error: the middleware is built, and allows what the regex
        # admits, as django-cors-headers would.
        response = Client().get("/api/items", headers={"origin": "https://evilexample.com"})
        assert response["Access-Control-Allow-Origin"] == "https://evilexample.com"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "corsair.toml"
    path.write_text(text)
    return str(path)


def test_corsair_config_file(tmp_path: Path) -> None:
    config = _write(
        tmp_path,
        '[cors]\nallow_origins = ["https://yourdomain.com"]\nallow_credentials = true\n'
        'allow_methods = ["PUT"]\nallow_headers = ["authorization"]\nmax_age = 600\n\n'
        '[[routes]]\npath = "/api/async-items"\nenabled = false\n',
    )
    with override_settings(CORSAIR_CONFIG=config):
        client = Client()
        resp = client.options("/api/items", headers={**PREFLIGHT_AUTH, "Access-Control-Request-Headers": "authorization"})
        assert resp.status_code == 204
        assert resp["Access-Control-Max-Age"] == "600"
        resp = client.get("/api/async-items", headers={"origin": ORIGIN})
        assert cors(resp.headers) == {}
        assert settings_problems() == []


def test_corsair_config_beside_cors_settings_is_refused(tmp_path: Path) -> None:
    config = _write(tmp_path, '[cors]\nallow_origins = ["https://yourdomain.com"]\n')
    with override_settings(CORSAIR_CONFIG=config, **SEED):
        with pytest.raises(SettingsError) as raised:
            Client().get("/api/items")
    assert raised.value.codes == ["settings-mixed"]
    assert "CORS_ALLOWED_ORIGINS" in str(raised.value)


def test_corsair_config_problems_name_the_file(tmp_path: Path) -> None:
    config = _write(tmp_path, '[cors]\nallow_origins = ["*"]\nallow_credentials = true\n')
    with override_settings(CORSAIR_CONFIG=config):
        problems = settings_problems()
        with pytest.raises(base.SystemCheckError):
            call_command("check")
    assert [p.code for p in problems] == ["wildcard-origin-with-credentials"]
    assert problems[0].setting == f"CORSAIR_CONFIG ({config}): cors.allow_origins[0]"
    with override_settings(CORSAIR_CONFIG=str(tmp_path / "missing.toml")):
        assert [p.code for p in settings_problems()] == ["unreadable-file"]


def test_cors_urls_regex(seed: None) -> None:
    with override_settings(CORS_URLS_REGEX=r"^/api/async"):
        client = Client()
        resp = client.get("/api/items", headers={"origin": ORIGIN})
        assert cors(resp.headers) == {} and "Vary" not in resp
        # outside it, a preflight reaches the view (which answers plain OPTIONS)
        resp = client.options("/api/items", headers=PREFLIGHT_AUTH)
        assert resp.status_code == 200 and resp.content == b"plain options"
        resp = client.get("/api/async-items", headers={"origin": ORIGIN})
        assert resp["Access-Control-Allow-Origin"] == ORIGIN


def test_check_reports_missing_and_peer_middleware(seed: None) -> None:
    with override_settings(MIDDLEWARE=["corsheaders.middleware.CorsMiddleware", "django.middleware.csrf.CsrfViewMiddleware"]):
        problems = settings_problems()
    assert [(p.code, p.severity) for p in problems] == [("middleware-missing", "warning"), ("peer-middleware", "error")]


def test_max_age_default_and_zero(seed: None) -> None:
    with override_settings(CORS_PREFLIGHT_MAX_AGE=0):
        resp = Client().options("/api/items", headers=PREFLIGHT_AUTH)
        assert resp.status_code == 204 and "Access-Control-Max-Age" not in resp
    with override_settings(CORS_PREFLIGHT_MAX_AGE=86400):
        problems = settings_problems()
        assert [(p.code, p.setting) for p in problems] == [("max-age-above-browser-cap", "CORS_PREFLIGHT_MAX_AGE")]
        resp = Client().options("/api/items", headers=PREFLIGHT_AUTH)
        assert resp["Access-Control-Max-Age"] == "86400"


def test_no_crash_on_odd_requests(seed: None) -> None:
    client = Client()
    for headers in [
        {"origin": "\x00"},
        {"origin": ORIGIN + ", " + ORIGIN},
        {"origin": "https://yourdomain.com:99999"},
        {"origin": ORIGIN, "access-control-request-method": "G E T"},
        {"origin": ORIGIN, "access-control-request-method": "PUT", "access-control-request-headers": ",,,\x7f"},
        {"origin": "é"},
    ]:
        resp = client.options("/api/items", headers=headers)
        assert resp.status_code in (200, 403)
        assert "Access-Control-Allow-Origin" not in resp


def test_decisions_are_logged(seed: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="corsair_cors"):
        Client().options("/api/items", headers={**PREFLIGHT_AUTH, "Origin": EVIL})
    records = [r for r in caplog.records if r.name == "corsair_cors" and getattr(r, "cors_kind", None)]
    assert [(r.cors_kind, r.cors_reason, r.cors_path) for r in records] == [  # type: ignore[attr-defined]
        ("preflight", "origin-not-allowed", "/api/items")
    ]


def test_corsair_config_of_the_wrong_type() -> None:
    with override_settings(CORSAIR_CONFIG=42):
        problems = settings_problems()
    assert [(p.code, p.setting) for p in problems] == [("invalid-setting", "CORSAIR_CONFIG")]


def test_policy_argument_replaces_the_settings() -> None:
    from django.http import HttpResponse

    from corsair_cors import Policy

    middleware = CorsMiddleware(lambda request: HttpResponse("ok"), policy=Policy(allow_origins=["https://a.example"]))
    from django.test import RequestFactory

    response = middleware(RequestFactory().get("/x", HTTP_ORIGIN="https://a.example"))
    assert response["Access-Control-Allow-Origin"] == "https://a.example"
    response = middleware(RequestFactory().options("/x", HTTP_ORIGIN="https://b.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"))
    assert response.status_code == 403 and response.content == b""


def test_odd_settings_are_reported_not_crashed_on() -> None:
    with override_settings(CORS_ALLOWED_ORIGINS=["https://a.example"], CORS_PREFLIGHT_MAX_AGE=2**70, CORS_ALLOW_METHODS=[b"GET"]):
        problems = settings_problems()
        with pytest.raises(SettingsError):
            CorsMiddleware(lambda request: None)
    assert [(p.code, p.setting) for p in problems] == [
        ("invalid-setting", "CORS_ALLOW_METHODS"),
        ("invalid-setting", "CORS_PREFLIGHT_MAX_AGE"),
    ]
    with override_settings(CORS_ALLOWED_ORIGINS=["https://a.example"], CORS_PREFLIGHT_MAX_AGE=86401):
        assert [p.code for p in settings_problems()] == ["max-age-too-large"]
