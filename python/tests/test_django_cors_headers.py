"""django-cors-headers' own tests, ported to corsair_cors.django.

Every test of django-cors-headers' tests/test_middleware.py and tests/test_checks.py
(version 4.9, adamchainz/django-cors-headers), with the same settings, views and
requests, against corsair_cors.django.CorsMiddleware and its system checks. Where
corsair answers differently, the test asserts corsair's answer and says DIFFERENCE; each
difference is listed, with the rule behind it, in python/README.md ("Stricter than
django-cors-headers").

django-cors-headers' tests run without any origin configured (its default allows
nothing); corsair refuses such settings (no-origins, see test_defaults_are_refused), so
the tests that relied on the defaults list one origin, https://example.com.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, List

import pytest
from django.core.checks import CheckMessage, Error, Warning
from django.core.management import base, call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client, SimpleTestCase
from django.test.utils import modify_settings, override_settings
from django.utils.deprecation import MiddlewareMixin

from corsair_cors.django import SettingsError
from corsair_cors.django.checks import check_cors_settings

ACCESS_CONTROL_ALLOW_ORIGIN = "access-control-allow-origin"
ACCESS_CONTROL_EXPOSE_HEADERS = "access-control-expose-headers"
ACCESS_CONTROL_ALLOW_CREDENTIALS = "access-control-allow-credentials"
ACCESS_CONTROL_ALLOW_HEADERS = "access-control-allow-headers"
ACCESS_CONTROL_ALLOW_METHODS = "access-control-allow-methods"
ACCESS_CONTROL_MAX_AGE = "access-control-max-age"
ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK = "access-control-allow-private-network"

ONE_ORIGIN = {"CORS_ALLOWED_ORIGINS": ["https://example.com"]}


class ShortCircuitMiddleware(MiddlewareMixin):
    def process_request(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("short-circuit-middleware-response")


def prepend_middleware(path: str) -> modify_settings:
    return modify_settings(MIDDLEWARE={"prepend": path})


def cors_headers(resp: Any) -> List[str]:
    return [name.lower() for name in resp.headers if name.lower().startswith("access-control-")]


class CorsMiddlewareTests(SimpleTestCase):
    @override_settings(**ONE_ORIGIN)
    def test_get_no_origin(self) -> None:
        resp = self.client.get("/")
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp

    @override_settings(**ONE_ORIGIN)
    def test_get_origin_vary_by_default(self) -> None:
        resp = self.client.get("/")
        # DIFFERENCE: `Origin` as the Fetch Standard spells it (django-cors-headers: `origin`).
        assert resp["vary"] == "Origin"

    def test_defaults_are_refused(self) -> None:
        # DIFFERENCE: django-cors-headers' defaults (no origin) allow nothing, silently;
        # corsair refuses them when the middleware is loaded (no-origins).
        with pytest.raises(SettingsError) as raised:
            self.client.get("/")
        assert raised.value.codes == ["no-origins"]

    @override_settings(**ONE_ORIGIN)
    def test_get_invalid_origin(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.com]"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
        assert resp.wsgi_request.cors_decision.reason == "malformed-origin"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"])
    def test_get_not_in_allowed_origins(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.org"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp

    @override_settings(CORS_ALLOWED_ORIGINS=["http://example.org"])
    def test_get_not_in_allowed_origins_due_to_wrong_scheme(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.org"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com", "https://example.org"])
    def test_get_in_allowed_origins(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.org"})
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://example.org"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.org"])
    async def test_async_get_in_allowed_origins(self) -> None:
        resp = await self.async_client.get("/async/", origin="https://example.org")
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://example.org"
        assert resp.content == b"Asynchronous"

    def test_null_in_allowed_origins(self) -> None:
        # DIFFERENCE: `null` is refused (null-origin): sandboxed iframes and data: pages
        # of any website send it.
        with override_settings(CORS_ALLOWED_ORIGINS=["https://example.com", "null"]):
            with pytest.raises(SettingsError) as raised:
                Client().get("/", headers={"origin": "null"})
        assert raised.value.codes == ["null-origin"]
        assert raised.value.problems[0].setting == "CORS_ALLOWED_ORIGINS[1]"

    def test_file_in_allowed_origins(self) -> None:
        # DIFFERENCE: `file://` is refused (invalid-origin): browsers send file: origins
        # as `null`.
        with override_settings(CORS_ALLOWED_ORIGINS=["https://example.com", "file://"]):
            with pytest.raises(SettingsError) as raised:
                Client().get("/", headers={"origin": "file://"})
        assert raised.value.codes == ["invalid-origin"]

    @override_settings(CORS_ALLOW_ALL_ORIGINS=True, CORS_EXPOSE_HEADERS=["accept", "content-type"])
    def test_get_expose_headers(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.com"})
        # DIFFERENCE: `content-type` is a safelisted response header (scripts always read
        # it): corsair warns (redundant-entry) and does not send it.
        assert resp[ACCESS_CONTROL_EXPOSE_HEADERS] == "accept"

    @override_settings(CORS_ALLOW_ALL_ORIGINS=True)
    def test_get_dont_expose_headers(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.com"})
        assert ACCESS_CONTROL_EXPOSE_HEADERS not in resp
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "*"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"], CORS_ALLOW_CREDENTIALS=True)
    def test_get_allow_credentials(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.com"})
        assert resp[ACCESS_CONTROL_ALLOW_CREDENTIALS] == "true"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"], CORS_ALLOW_CREDENTIALS=True)
    def test_get_allow_credentials_bad_origin(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.org"})
        assert ACCESS_CONTROL_ALLOW_CREDENTIALS not in resp

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"])
    def test_get_allow_credentials_disabled(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.com"})
        assert ACCESS_CONTROL_ALLOW_CREDENTIALS not in resp

    @override_settings(CORS_ALLOW_PRIVATE_NETWORK=True, CORS_ALLOW_ALL_ORIGINS=True)
    def test_allow_private_network_added_if_enabled_and_requested(self) -> None:
        resp = self.client.get(
            "/",
            headers={"access-control-request-private-network": "true", "origin": "http://example.com"},
        )
        # DIFFERENCE: Access-Control-Allow-Private-Network answers a preflight only (it
        # means nothing on an actual response); the preflight gets it:
        assert ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK not in resp
        resp = self.client.options(
            "/",
            headers={
                "access-control-request-private-network": "true",
                "access-control-request-method": "GET",
                "origin": "http://example.com",
            },
        )
        assert resp[ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK] == "true"

    @override_settings(CORS_ALLOW_PRIVATE_NETWORK=True, CORS_ALLOW_ALL_ORIGINS=True)
    def test_allow_private_network_not_added_if_enabled_and_not_requested(self) -> None:
        resp = self.client.get("/", headers={"origin": "http://example.com"})
        assert ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK not in resp

    @override_settings(CORS_ALLOW_PRIVATE_NETWORK=True, CORS_ALLOWED_ORIGINS=["http://example.com"])
    def test_allow_private_network_not_added_if_enabled_and_no_cors_origin(self) -> None:
        resp = self.client.get(
            "/",
            headers={"access-control-request-private-network": "true", "origin": "http://example.org"},
        )
        assert ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK not in resp

    @override_settings(CORS_ALLOW_PRIVATE_NETWORK=False, CORS_ALLOW_ALL_ORIGINS=True)
    def test_allow_private_network_not_added_if_disabled_and_requested(self) -> None:
        resp = self.client.options(
            "/",
            headers={
                "access-control-request-private-network": "true",
                "access-control-request-method": "GET",
                "origin": "http://example.com",
            },
        )
        assert resp.status_code == HTTPStatus.NO_CONTENT
        assert ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK not in resp

    @override_settings(
        CORS_ALLOW_HEADERS=["content-type"],
        CORS_ALLOW_METHODS=["GET", "OPTIONS"],
        CORS_PREFLIGHT_MAX_AGE=1002,
        CORS_ALLOW_ALL_ORIGINS=True,
    )
    def test_options_allowed_origin(self) -> None:
        resp = self.client.options(
            "/",
            headers={"origin": "https://example.com", "access-control-request-method": "GET"},
        )
        # DIFFERENCE: 204 with an empty body (django-cors-headers: 200); the requested
        # method is named, not the whole list; no Allow-Headers when none was requested.
        assert resp.status_code == HTTPStatus.NO_CONTENT
        assert resp.content == b""
        assert ACCESS_CONTROL_ALLOW_HEADERS not in resp
        assert resp[ACCESS_CONTROL_ALLOW_METHODS] == "GET"
        assert resp[ACCESS_CONTROL_MAX_AGE] == "1002"
        resp = self.client.options(
            "/",
            headers={
                "origin": "https://example.com",
                "access-control-request-method": "GET",
                "access-control-request-headers": "content-type",
            },
        )
        assert resp[ACCESS_CONTROL_ALLOW_HEADERS] == "content-type"

    @override_settings(
        CORS_ALLOW_HEADERS=["content-type"],
        CORS_ALLOW_METHODS=["GET", "OPTIONS"],
        CORS_PREFLIGHT_MAX_AGE=1002,
        CORS_ALLOW_ALL_ORIGINS=True,
    )
    async def test_async_options_allowed_origin(self) -> None:
        resp = await self.async_client.options(
            "/async/",
            origin="https://example.com",
            access_control_request_method="GET",
            access_control_request_headers="content-type",
        )
        # DIFFERENCE: as test_options_allowed_origin.
        assert resp.status_code == HTTPStatus.NO_CONTENT
        assert resp[ACCESS_CONTROL_ALLOW_HEADERS] == "content-type"
        assert resp[ACCESS_CONTROL_ALLOW_METHODS] == "GET"
        assert resp[ACCESS_CONTROL_MAX_AGE] == "1002"

    @override_settings(
        CORS_ALLOW_HEADERS=["content-type"],
        CORS_ALLOW_METHODS=["GET", "OPTIONS"],
        CORS_PREFLIGHT_MAX_AGE=0,
        CORS_ALLOW_ALL_ORIGINS=True,
    )
    def test_options_no_max_age(self) -> None:
        resp = self.client.options(
            "/",
            headers={
                "origin": "https://example.com",
                "access-control-request-method": "GET",
                "access-control-request-headers": "content-type",
            },
        )
        assert resp[ACCESS_CONTROL_ALLOW_HEADERS] == "content-type"
        assert resp[ACCESS_CONTROL_ALLOW_METHODS] == "GET"  # DIFFERENCE: the requested method
        assert ACCESS_CONTROL_MAX_AGE not in resp

    @override_settings(CORS_ALLOWED_ORIGINS=["https://localhost:9000"])
    def test_options_allowed_origins_with_port(self) -> None:
        resp = self.client.options(
            "/",
            headers={"origin": "https://localhost:9000", "access-control-request-method": "GET"},
        )
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://localhost:9000"

    @override_settings(CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://\w+\.example\.com$"])
    def test_options_adds_origin_when_domain_found_in_allowed_regexes(self) -> None:
        resp = self.client.options(
            "/",
            headers={"origin": "https://foo.example.com", "access-control-request-method": "GET"},
        )
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://foo.example.com"

    @override_settings(CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://\w+\.example\.org$", r"^https://\w+\.example\.com$"])
    def test_options_adds_origin_when_domain_found_in_allowed_regexes_second(self) -> None:
        resp = self.client.options(
            "/",
            headers={"origin": "https://foo.example.com", "access-control-request-method": "GET"},
        )
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://foo.example.com"

    @override_settings(CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://\w+\.example\.org$"])
    def test_options_doesnt_add_origin_when_domain_not_found_in_allowed_regexes(self) -> None:
        resp = self.client.options(
            "/",
            headers={"origin": "https://foo.example.com", "access-control-request-method": "GET"},
        )
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
        # DIFFERENCE: a refused preflight is 403 (django-cors-headers: 200).
        assert resp.status_code == HTTPStatus.FORBIDDEN
        assert cors_headers(resp) == []

    @override_settings(CORS_ALLOWED_ORIGIN_REGEXES=[r"https://\w+\.example\.com"])
    def test_regexes_are_anchored_at_both_ends(self) -> None:
        # DIFFERENCE: django-cors-headers uses re.match (anchored at the start only), so
        # this regex admits https://foo.example.com.evil.net; corsair anchors both ends.
        resp = self.client.get("/", headers={"origin": "https://foo.example.com.evil.net"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
        resp = self.client.get("/", headers={"origin": "https://foo.example.com"})
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://foo.example.com"

    @override_settings(**ONE_ORIGIN)
    def test_options_empty_request_method(self) -> None:
        resp = self.client.options(
            "/",
            headers={"origin": "https://example.com", "access-control-request-method": ""},
        )
        # DIFFERENCE: an empty Access-Control-Request-Method is not a method: a refused
        # preflight, 403 (django-cors-headers: 200).
        assert resp.status_code == HTTPStatus.FORBIDDEN
        assert resp.wsgi_request.cors_decision.reason == "malformed-method"

    @override_settings(**ONE_ORIGIN)
    def test_options_no_headers(self) -> None:
        resp = self.client.options("/")
        assert resp.status_code == HTTPStatus.METHOD_NOT_ALLOWED

    def test_allow_all_origins_get(self) -> None:
        # DIFFERENCE: any origin with credentials is refused (wildcard-origin-with-
        # credentials); django-cors-headers reflects every origin with credentials.
        with override_settings(CORS_ALLOW_CREDENTIALS=True, CORS_ALLOW_ALL_ORIGINS=True):
            with pytest.raises(SettingsError) as raised:
                Client().get("/", headers={"origin": "https://example.com"})
        assert raised.value.codes == ["wildcard-origin-with-credentials"]
        assert raised.value.problems[0].setting == "CORS_ALLOW_ALL_ORIGINS"

    @override_settings(CORS_ALLOW_ALL_ORIGINS=True)
    def test_allow_all_origins_without_origin(self) -> None:
        # DIFFERENCE: with any origin, every response gets `*`, requests without Origin
        # included (django-cors-headers: none), so that caches may share it; no Vary.
        resp = self.client.get("/")
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "*"
        assert "Vary" not in resp

    @override_settings(CORS_ALLOW_CREDENTIALS=True, CORS_ALLOWED_ORIGINS=["https://example.com"])
    def test_allow_all_origins_options(self) -> None:
        # (with the origin listed: any origin with credentials is refused, see above)
        resp = self.client.options(
            "/",
            headers={"origin": "https://example.com", "access-control-request-method": "GET"},
        )
        assert resp.status_code == HTTPStatus.NO_CONTENT  # DIFFERENCE: 204
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://example.com"
        assert resp[ACCESS_CONTROL_ALLOW_CREDENTIALS] == "true"
        # DIFFERENCE: a preflight varies on the request headers it answers too.
        assert resp["vary"] == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

    @override_settings(CORS_ALLOW_CREDENTIALS=True, CORS_ALLOWED_ORIGINS=["https://example.com"])
    def test_non_200_headers_still_set(self) -> None:
        resp = self.client.get("/unauthorized/", headers={"origin": "https://example.com"})
        assert resp.status_code == HTTPStatus.UNAUTHORIZED
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://example.com"

    @override_settings(CORS_ALLOW_CREDENTIALS=True, CORS_ALLOWED_ORIGINS=["https://example.com"])
    def test_auth_view_options(self) -> None:
        resp = self.client.options(
            "/test-401/",
            headers={"origin": "https://example.com", "access-control-request-method": "GET"},
        )
        # DIFFERENCE: 204, and no Content-Length (a 204 has no body to measure).
        assert resp.status_code == HTTPStatus.NO_CONTENT
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://example.com"
        assert "Content-Length" not in resp
        assert resp.content == b""

    # DIFFERENCE: django-cors-headers' check_request_enabled signal (Python code that
    # allows CORS per request, whatever the origin) has no counterpart: the policy
    # decides alone. Per-path policies are corsair routes (CORSAIR_CONFIG); the signal
    # tests' scenarios are ported as such.
    @override_settings(**ONE_ORIGIN)
    def test_signal_handler_that_returns_false(self) -> None:
        resp = self.client.options(
            "/", headers={"origin": "https://example.org", "access-control-request-method": "GET"}
        )
        assert resp.status_code == HTTPStatus.FORBIDDEN  # DIFFERENCE: 403
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp

    @override_settings(**ONE_ORIGIN)
    def test_signal_handler_that_returns_true(self) -> None:
        # DIFFERENCE: a handler left connected to django-cors-headers' signal allows
        # nothing: the origin is refused, and the handler is never called.
        from corsheaders.signals import check_request_enabled

        calls = 0

        def handler(*args: Any, **kwargs: Any) -> bool:
            nonlocal calls
            calls += 1
            return True

        check_request_enabled.connect(handler)
        try:
            resp = self.client.options(
                "/", headers={"origin": "https://example.org", "access-control-request-method": "GET"}
            )
            assert resp.status_code == HTTPStatus.FORBIDDEN
            assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
            # test_signal_called_once_during_normal_flow: never called.
            self.client.get("/", headers={"origin": "https://example.org"})
            assert calls == 0
        finally:
            check_request_enabled.disconnect(handler)

    def test_signal_handler_allow_some_urls_to_everyone(self) -> None:
        config = self._config(
            '[cors]\nallow_origins = ["https://example.com"]\n\n'
            '[[routes]]\npath = "/api"\nallow_origins = ["*"]\n'
        )
        with override_settings(CORSAIR_CONFIG=config):
            client = Client()
            resp = client.options("/", headers={"origin": "https://example.org", "access-control-request-method": "GET"})
            assert resp.status_code == HTTPStatus.FORBIDDEN  # DIFFERENCE: 403
            assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
            resp = client.options(
                "/api/something/", headers={"origin": "https://example.org", "access-control-request-method": "GET"}
            )
            assert resp.status_code == HTTPStatus.NO_CONTENT  # DIFFERENCE: 204
            assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "*"

    def _config(self, text: str) -> str:
        import tempfile

        handle = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
        with handle:
            handle.write(text)
        self.addCleanup(__import__("os").unlink, handle.name)
        return handle.name

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"])
    @prepend_middleware(f"{__name__}.ShortCircuitMiddleware")
    def test_get_short_circuit(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.com"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
        assert resp.content == b"short-circuit-middleware-response"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"], CORS_URLS_REGEX=r"^/foo/$")
    @prepend_middleware(f"{__name__}.ShortCircuitMiddleware")
    def test_get_short_circuit_should_be_ignored(self) -> None:
        resp = self.client.get("/", headers={"origin": "https://example.com"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"], CORS_URLS_REGEX=r"^/foo/$")
    def test_get_regex_matches(self) -> None:
        resp = self.client.get("/foo/", headers={"origin": "https://example.com"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN in resp

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"], CORS_URLS_REGEX=r"^/not-foo/$")
    def test_get_regex_doesnt_match(self) -> None:
        resp = self.client.get("/foo/", headers={"origin": "https://example.com"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
        # Outside CORS_URLS_REGEX the middleware does nothing at all (no Vary either).
        assert "Vary" not in resp

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"], CORS_URLS_REGEX=r"^/foo/$")
    def test_get_regex_matches_path_info(self) -> None:
        resp = self.client.get("/foo/", headers={"origin": "https://example.com"}, SCRIPT_NAME="/prefix/")
        assert ACCESS_CONTROL_ALLOW_ORIGIN in resp

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"])
    def test_cors_enabled_is_attached_and_bool(self) -> None:
        # DIFFERENCE: the private request._cors_enabled is not reproduced; corsair's
        # decision is on the request as request.cors_decision.
        resp = self.client.get("/", headers={"origin": "https://example.com"})
        decision = resp.wsgi_request.cors_decision
        assert decision.allowed is True
        assert decision.kind == "actual"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"])
    def test_works_if_view_deletes_cors_enabled(self) -> None:
        resp = self.client.get("/delete-enabled/", headers={"origin": "https://example.com"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN in resp


class ChecksTests(SimpleTestCase):
    """tests/test_checks.py. corsair's ids are ``corsair.<code>``: django-cors-headers'
    type checks (corsheaders.E001 to E009, E015) are ``corsair.invalid-setting``, its
    origin checks (E013, E014) corsair's own origin diagnostics, its removed settings
    (E012, E013) ``corsair.removed-setting``."""

    def check_error_codes(self, expected: List[str]) -> List[CheckMessage]:
        errors = [m for m in check_cors_settings() if m.id != "corsair.middleware-missing"]
        assert [e.id for e in errors] == expected
        assert all(isinstance(e, Error) for e in errors)
        return errors

    @override_settings(**ONE_ORIGIN)
    def test_defaults_pass(self) -> None:
        # (with one origin: the defaults have none, see test_defaults_fail)
        self.check_error_codes([])

    def test_defaults_fail(self) -> None:
        # DIFFERENCE: no origin at all is an error (no-origins).
        self.check_error_codes(["corsair.no-origins"])

    @override_settings(**ONE_ORIGIN)
    def test_defaults_pass_check(self) -> None:
        call_command("check")

    @override_settings(CORS_ALLOW_ALL_ORIGINS=object)
    def test_checks_are_bound(self) -> None:
        with pytest.raises(base.SystemCheckError):
            call_command("check")

    @override_settings(CORS_ALLOW_CREDENTIALS=True, CORS_ALLOW_ALL_ORIGINS=True)
    def test_allow_all_origins_with_credentials_fails_check(self) -> None:
        # DIFFERENCE: django-cors-headers' checks accept it.
        with pytest.raises(base.SystemCheckError, match=r"corsair\.wildcard-origin-with-credentials"):
            call_command("check")

    @override_settings(CORS_ALLOW_HEADERS=object, **ONE_ORIGIN)
    def test_cors_allow_headers_non_sequence(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_ALLOW_HEADERS=[object], **ONE_ORIGIN)
    def test_cors_allow_headers_non_string(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_ALLOW_HEADERS="accept", **ONE_ORIGIN)
    def test_cors_allow_headers_string(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].obj == "CORS_ALLOW_HEADERS"

    @override_settings(CORS_ALLOW_METHODS=object, **ONE_ORIGIN)
    def test_cors_allow_methods_non_sequence(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_ALLOW_METHODS=[object], **ONE_ORIGIN)
    def test_cors_allow_methods_non_string(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_ALLOW_METHODS="GET", **ONE_ORIGIN)
    def test_cors_allow_methods_string_sequence(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].obj == "CORS_ALLOW_METHODS"

    @override_settings(CORS_ALLOW_CREDENTIALS=object, **ONE_ORIGIN)
    def test_cors_allow_credentials_non_bool(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].obj == "CORS_ALLOW_CREDENTIALS"

    @override_settings(CORS_ALLOW_PRIVATE_NETWORK=object, **ONE_ORIGIN)
    def test_cors_allow_network_access_non_bool(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].obj == "CORS_ALLOW_PRIVATE_NETWORK"

    @override_settings(CORS_PREFLIGHT_MAX_AGE="10", **ONE_ORIGIN)
    def test_cors_preflight_max_age_non_integer(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_PREFLIGHT_MAX_AGE=-1, **ONE_ORIGIN)
    def test_cors_preflight_max_age_negative(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].obj == "CORS_PREFLIGHT_MAX_AGE"

    @override_settings(CORS_ALLOW_ALL_ORIGINS=object)
    def test_cors_allow_all_origins_non_bool(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].msg.startswith("CORS_ALLOW_ALL_ORIGINS should be")

    @override_settings(CORS_ORIGIN_ALLOW_ALL=object)
    def test_cors_allow_all_origins_old_name(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].msg.startswith("CORS_ORIGIN_ALLOW_ALL should be")

    @override_settings(CORS_ALLOWED_ORIGINS=object)
    def test_cors_allowed_origins_non_sequence(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_ALLOWED_ORIGINS=[object])
    def test_cors_allowed_origins_non_string(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_ALLOWED_ORIGINS="https://example.com")
    def test_cors_allowed_origins_string(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_ORIGIN_WHITELIST=object)
    def test_cors_allowed_origins_old_name(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].msg.startswith("CORS_ORIGIN_WHITELIST should be")

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com", "file://", "null"])
    def test_cors_allowed_origins_allowed(self) -> None:
        # DIFFERENCE: `file://` and `null` are refused (see test_null_in_allowed_origins).
        errors = self.check_error_codes(["corsair.invalid-origin", "corsair.null-origin"])
        assert [e.obj for e in errors] == ["CORS_ALLOWED_ORIGINS[1]", "CORS_ALLOWED_ORIGINS[2]"]

    @override_settings(CORS_ALLOWED_ORIGINS=["example.com"])
    def test_cors_allowed_origins_no_scheme(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-origin"])
        assert errors[0].obj == "CORS_ALLOWED_ORIGINS[0]"
        assert errors[0].hint == "did you mean `https://example.com`?"

    @override_settings(CORS_ORIGIN_WHITELIST=["example.com"])
    def test_cors_allowed_origins_no_scheme_old_name(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-origin"])
        assert errors[0].obj == "CORS_ORIGIN_WHITELIST[0]"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://"])
    def test_cors_allowed_origins_no_netloc(self) -> None:
        self.check_error_codes(["corsair.invalid-origin"])

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com/foobar"])
    def test_cors_allowed_origins_path(self) -> None:
        errors = self.check_error_codes(["corsair.origin-with-path"])
        assert errors[0].obj == "CORS_ALLOWED_ORIGINS[0]"

    @override_settings(CORS_ORIGIN_WHITELIST=["https://example.com/foobar"])
    def test_cors_allowed_origins_path_old_name(self) -> None:
        errors = self.check_error_codes(["corsair.origin-with-path"])
        assert errors[0].obj == "CORS_ORIGIN_WHITELIST[0]"

    @override_settings(CORS_ALLOWED_ORIGIN_REGEXES=object)
    def test_cors_allowed_origin_regexes_non_sequence(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_ORIGIN_REGEX_WHITELIST=object)
    def test_cors_allowed_origin_regexes_old_name(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].msg.startswith("CORS_ORIGIN_REGEX_WHITELIST should be")

    @override_settings(CORS_ALLOWED_ORIGIN_REGEXES=[re.compile(r"a")])
    def test_cors_allowed_origin_regexes_regex(self) -> None:
        # DIFFERENCE: `Origin: a` is refused although the regex matches it (and
        # django-cors-headers, with re.match, allows it): a request Origin that is not a
        # serialized origin is never allowed, whatever a regex matches.
        messages = [m for m in check_cors_settings() if m.id != "corsair.middleware-missing"]
        assert not [m for m in messages if isinstance(m, Error)]
        resp = Client().get("/", headers={"origin": "a"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
        assert resp.wsgi_request.cors_decision.reason == "malformed-origin"

    @override_settings(CORS_ALLOWED_ORIGIN_REGEXES=[re.compile(r"https://[A-Z]+\.EXAMPLE\.com", re.IGNORECASE)])
    def test_cors_allowed_origin_regexes_ignorecase(self) -> None:
        # A compiled regex's re.IGNORECASE is kept, as `(?i)`.
        self.check_error_codes([])
        resp = Client().get("/", headers={"origin": "https://foo.example.com"})
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://foo.example.com"

    @override_settings(CORS_ALLOWED_ORIGIN_REGEXES=[re.compile(r"https://[a-z]+\.example\.com", re.MULTILINE)])
    def test_cors_allowed_origin_regexes_other_flags_refused(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].obj == "CORS_ALLOWED_ORIGIN_REGEXES"

    @override_settings(CORS_EXPOSE_HEADERS=object, **ONE_ORIGIN)
    def test_cors_expose_headers_non_sequence(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_EXPOSE_HEADERS=[object], **ONE_ORIGIN)
    def test_cors_expose_headers_non_string(self) -> None:
        self.check_error_codes(["corsair.invalid-setting"])

    @override_settings(CORS_URLS_REGEX=object, **ONE_ORIGIN)
    def test_cors_urls_regex_non_string(self) -> None:
        errors = self.check_error_codes(["corsair.invalid-setting"])
        assert errors[0].obj == "CORS_URLS_REGEX"

    @override_settings(CORS_MODEL="something", **ONE_ORIGIN)
    def test_cors_model_failure(self) -> None:
        self.check_error_codes(["corsair.removed-setting"])

    @override_settings(CORS_REPLACE_HTTPS_REFERER="something", **ONE_ORIGIN)
    def test_cors_replace_https_referer_failure(self) -> None:
        self.check_error_codes(["corsair.removed-setting"])


class ConfTests(SimpleTestCase):
    """tests/test_conf.py: the old names are honoured, the new ones win."""

    @override_settings(CORS_ORIGIN_ALLOW_ALL=True)
    def test_cors_allow_all_origins_old_alias(self) -> None:
        resp = Client().get("/", headers={"origin": "https://example.org"})
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "*"

    @override_settings(CORS_ALLOW_ALL_ORIGINS=False, CORS_ORIGIN_ALLOW_ALL=True, **ONE_ORIGIN)
    def test_cors_allow_all_origins_new_setting_takes_precedence(self) -> None:
        resp = Client().get("/", headers={"origin": "https://example.org"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
        warnings = [m for m in check_cors_settings() if isinstance(m, Warning) and m.id == "corsair.shadowed-setting"]
        assert [w.obj for w in warnings] == ["CORS_ORIGIN_ALLOW_ALL"]

    @override_settings(CORS_ORIGIN_WHITELIST=["https://example.com"])
    def test_cors_allowed_origins_old_alias(self) -> None:
        resp = Client().get("/", headers={"origin": "https://example.com"})
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://example.com"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://example.com"], CORS_ORIGIN_WHITELIST=["https://example.org"])
    def test_cors_allowed_origins_new_setting_takes_precedence(self) -> None:
        resp = Client().get("/", headers={"origin": "https://example.org"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp

    @override_settings(CORS_ORIGIN_REGEX_WHITELIST=[r"https://[a-z]+\.example\.com"])
    def test_cors_allowed_origin_regexes_old_alias(self) -> None:
        resp = Client().get("/", headers={"origin": "https://foo.example.com"})
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://foo.example.com"

    @override_settings(
        CORS_ALLOWED_ORIGIN_REGEXES=[r"https://a+\.example\.com"],
        CORS_ORIGIN_REGEX_WHITELIST=[r"https://[a-z]+\.example\.com"],
    )
    def test_cors_allowed_origin_regexes_new_setting_takes_precedence(self) -> None:
        resp = Client().get("/", headers={"origin": "https://foo.example.com"})
        assert ACCESS_CONTROL_ALLOW_ORIGIN not in resp
        resp = Client().get("/", headers={"origin": "https://aa.example.com"})
        assert resp[ACCESS_CONTROL_ALLOW_ORIGIN] == "https://aa.example.com"
