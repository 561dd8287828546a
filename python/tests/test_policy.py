"""The Python API: corsair_cors.Policy, ConfigError, Decision and logging."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import corsair_cors
from corsair_cors import ConfigError, Decision, Diagnostic, Policy

PREFLIGHT = [
    (b"origin", b"https://app.example.com"),
    (b"access-control-request-method", b"PUT"),
    (b"access-control-request-headers", b"content-type, authorization"),
]


@pytest.fixture
def policy() -> Policy:
    return Policy(
        allow_origins=["https://app.example.com", "https://*.example.com"],
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["content-type", "authorization"],
        expose_headers=["x-request-id"],
        allow_credentials=True,
        max_age=600,
    )


def test_config_error_reports_every_mistake_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        Policy(
            allow_origins=["*", "https://App.example.com/"],
            allow_credentials=True,
            allow_methods=["GET", "CONNECT"],
            max_age=100_000,
            allow_hedaers=["x-foo"],
        )
    error = raised.value
    assert isinstance(error, ValueError)
    codes = error.codes
    assert "wildcard-origin-with-credentials" in codes
    assert "forbidden-method" in codes
    assert "max-age-too-large" in codes
    assert "unknown-field" in codes
    assert len(error.errors) >= 5
    unknown = next(d for d in error.diagnostics if d.code == "unknown-field")
    assert unknown.field == "cors.allow_hedaers"
    assert unknown.help == "did you mean `allow_headers`?"
    assert unknown.severity == "error"
    assert "allow_hedaers" in unknown.message
    # The message of the exception lists them all, one a line.
    assert str(error).count("\n") == len(error.diagnostics)
    assert "error[forbidden-method]" in str(error)


def test_diagnostic_objects() -> None:
    with pytest.raises(ConfigError) as raised:
        Policy(allow_origins=["https://a.example/"])
    (d,) = raised.value.diagnostics
    assert isinstance(d, Diagnostic)
    assert (d.code, d.severity, d.field) == ("origin-with-path", "error", "cors.allow_origins[0]")
    assert d.help is not None and "https://a.example" in d.help
    assert d.text == str(d)
    assert "origin-with-path" in repr(d)


def test_wrong_types_are_diagnostics_or_type_errors() -> None:
    with pytest.raises(ConfigError) as raised:
        Policy(allow_origins="https://a.example", max_age="600")
    assert raised.value.codes == ["invalid-file", "invalid-file"]
    with pytest.raises(TypeError):
        Policy(allow_origins=[object()])


def test_warnings_are_kept_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="corsair_cors"):
        policy = Policy(allow_origins=["https://a.example", "https://a.example"], max_age=10_000)
    codes = sorted(w.code for w in policy.warnings)
    assert codes == ["duplicate-entry", "max-age-above-browser-cap"]
    assert all(w.severity == "warning" for w in policy.warnings)
    logged = [r.getMessage() for r in caplog.records if r.name == "corsair_cors"]
    assert len(logged) == 2
    assert any("max-age-above-browser-cap" in m for m in logged)


def test_from_toml_with_routes() -> None:
    policy = Policy.from_toml(
        """
        [cors]
        allow_origins = ["https://app.example.com"]
        allow_credentials = true

        [[routes]]
        path = "/public"
        allow_origins = ["*"]
        allow_credentials = false

        [[routes]]
        path = "/internal"
        enabled = false
        """
    )
    origin = {"origin": "https://elsewhere.example"}
    assert policy.decide("GET", "/api", origin).reason == "origin-not-allowed"
    public = policy.decide("GET", "/public/x", origin)
    assert public.allowed and public.headers[0] == ("access-control-allow-origin", "*")
    internal = policy.decide("GET", "/internal/x", origin)
    assert (internal.reason, internal.allowed, internal.headers) == ("cors-disabled", False, [])


def test_from_toml_errors_and_from_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        Policy.from_toml("[cors]\nallow_origins = ['https://a.example/']\nallow_metods = []\nmax_age = 'ten'")
    assert raised.value.codes == ["invalid-file", "unknown-field", "origin-with-path"]

    with pytest.raises(ConfigError) as raised:
        Policy.from_toml("[cors\n")
    assert raised.value.codes == ["invalid-file"]

    path = tmp_path / "corsair.toml"
    path.write_text('[cors]\nallow_origins = ["https://a.example"]\n')
    assert Policy.from_file(path).decide("GET", "/", {"Origin": "https://a.example"}).allowed
    assert Policy.from_file(str(path)).warnings == []

    with pytest.raises(ConfigError) as raised:
        Policy.from_file(tmp_path / "missing.toml")
    assert raised.value.codes == ["unreadable-file"]
    assert "missing.toml" in raised.value.diagnostics[0].message


def test_routes_option() -> None:
    policy = Policy(
        allow_origins=["https://app.example.com"],
        routes=[{"path": "/public", "allow_origins": ["*"]}],
    )
    assert policy.decide("GET", "/public", {"origin": "https://x.example"}).allowed
    assert not policy.decide("GET", "/private", {"origin": "https://x.example"}).allowed
    with pytest.raises(ConfigError) as raised:
        Policy(allow_origins=["https://a.example"], routes=[{"path": "nope"}])
    assert raised.value.codes == ["invalid-route-path"]


def test_decide_preflight(policy: Policy) -> None:
    d = policy.decide("OPTIONS", "/items/7", PREFLIGHT)
    assert isinstance(d, Decision)
    assert (d.kind, d.allowed, d.reason, d.status, d.origin) == (
        "preflight",
        True,
        "allowed",
        204,
        "https://app.example.com",
    )
    assert d.headers == [
        ("access-control-allow-origin", "https://app.example.com"),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "PUT"),
        ("access-control-allow-headers", "content-type,authorization"),
        ("access-control-max-age", "600"),
        ("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    ]


@pytest.mark.parametrize(
    "headers, reason, subject",
    [
        ({"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}, "origin-not-allowed", None),
        ({"Origin": "https://app.example.com", "Access-Control-Request-Method": "PATCH"}, "method-not-allowed", "PATCH"),
        (
            {
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "x-secret",
            },
            "header-not-allowed",
            "x-secret",
        ),
        ({"Origin": "https://app.example.com/path", "Access-Control-Request-Method": "PUT"}, "malformed-origin", None),
    ],
)
def test_decide_refused_preflights(policy: Policy, headers: dict, reason: str, subject: str) -> None:
    d = policy.decide("OPTIONS", "/", headers)
    assert (d.kind, d.allowed, d.reason, d.status, d.subject) == ("preflight", False, reason, 403, subject)
    # A refused preflight gets no Access-Control-* header, only Vary.
    assert [name for name, _ in d.headers] == ["vary"]
    assert d.message


def test_decide_actual_and_non_cors(policy: Policy) -> None:
    d = policy.decide("GET", "/", [("Origin", "https://admin.example.com")])
    assert (d.kind, d.allowed, d.reason, d.status) == ("actual", True, "allowed", None)
    assert ("access-control-expose-headers", "x-request-id") in d.headers

    d = policy.decide(b"GET", b"/", [])
    assert (d.kind, d.allowed, d.reason, d.status, d.origin) == ("non-cors", True, "non-cors", None, None)
    assert d.headers == [("vary", "Origin")]

    # OPTIONS without Access-Control-Request-Method is an actual request.
    d = policy.decide("OPTIONS", "/", {"origin": "https://app.example.com"})
    assert (d.kind, d.status) == ("actual", None)


def test_headers_in_every_form(policy: Policy) -> None:
    origin = "https://app.example.com"
    forms = [
        {"Origin": origin},
        {b"origin": origin.encode()},
        [("ORIGIN", origin)],
        [[b"origin", origin.encode()]],
        (("x-other", "1"), ("origin", origin)),
        iter([("origin", origin)]),
    ]
    for form in forms:
        d = policy.decide("GET", "/", form)
        assert d.allowed and d.kind == "actual", form


def test_bad_headers_are_decisions_or_type_errors(policy: Policy) -> None:
    # Repeated Origin headers: malformed, as the Fetch Standard says.
    d = policy.decide("GET", "/", [("origin", "https://app.example.com"), ("origin", "https://app.example.com")])
    assert d.reason == "malformed-origin"
    # Bytes that are not valid in HTTP, non-latin-1 text, huge values: decisions.
    for value in [b"https://app.example.com\r\nx: y", b"\xff\xfe", "https://ex\u00e4mple.com", "https://\u4e2d.example", "x" * 100_000]:
        d = policy.decide("GET", "/", [("origin", value)])
        assert not d.allowed and d.reason in ("malformed-origin", "origin-not-allowed")
    d = policy.decide("OPTIONS", "/", {"origin": "https://app.example.com", "access-control-request-method": "PUT", "access-control-request-headers": "a" * 70_000})
    assert not d.allowed
    # A surrogate in a str cannot crash the engine either.
    d = policy.decide("GET", "/\ud800", [("origin", "https://app.example.com\ud800")])
    assert not d.allowed
    with pytest.raises(TypeError):
        policy.decide("GET", "/", [("origin", 1)])
    with pytest.raises(TypeError):
        policy.decide("GET", "/", ["origin"])
    with pytest.raises(TypeError):
        policy.decide(1, "/", [])


def test_apply_sets_removes_and_merges_vary(policy: Policy) -> None:
    allowed = policy.decide("GET", "/", {"origin": "https://app.example.com"})
    response = [
        ("Content-Type", "application/json"),
        ("Access-Control-Allow-Origin", "*"),
        ("Vary", "Accept-Encoding"),
        ("Access-Control-Allow-Credentials", "false"),
    ]
    applied = allowed.apply(response)
    assert applied[0] == ("Content-Type", "application/json")  # untouched lines kept as given
    names = [n.lower() for n, _ in applied]
    assert names.count("access-control-allow-origin") == 1
    assert dict((n.lower(), v) for n, v in applied) == {
        "content-type": "application/json",
        "access-control-allow-origin": "https://app.example.com",
        "vary": "Accept-Encoding, Origin",
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "x-request-id",
    }
    assert response[1] == ("Access-Control-Allow-Origin", "*")  # the input is not changed

    rejected = policy.decide("GET", "/", {"origin": "https://evil.example"})
    applied = rejected.apply(response)
    # A rejected origin gets no Access-Control-* header at all, the application's too.
    assert applied == [("Content-Type", "application/json"), ("vary", "Accept-Encoding, Origin")]

    raw = allowed.apply_raw([(b"content-length", b"2"), (b"vary", b"origin")])
    assert raw[0] == (b"content-length", b"2")
    assert (b"access-control-allow-origin", b"https://app.example.com") in raw
    assert (b"vary", b"origin") in raw  # Origin already there: merged, not repeated
    # Mappings work too.
    assert ("access-control-allow-origin", "https://app.example.com") in allowed.apply({"x": "y"})


def test_every_decision_is_logged_at_debug(policy: Policy, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="corsair_cors"):
        policy.decide("OPTIONS", "/items", {"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"})
    (record,) = [r for r in caplog.records if r.name == "corsair_cors"]
    assert record.levelno == logging.DEBUG
    message = record.getMessage()
    for part in ["preflight", "rejected", "origin-not-allowed", "https://evil.example", "OPTIONS", "/items"]:
        assert part in message
    assert record.cors_reason == "origin-not-allowed"
    assert record.cors_allowed is False
    assert record.cors_path == "/items"

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="corsair_cors"):
        policy.decide("GET", "/", {"Origin": "https://evil.example"})
    assert [r for r in caplog.records if r.name == "corsair_cors"] == []


def test_package_metadata() -> None:
    assert corsair_cors.__version__
    assert set(corsair_cors.__all__) >= {"Policy", "ConfigError", "Decision", "Diagnostic"}
    assert "Policy" in repr(Policy(allow_origins=["*"]))
    assert repr(Policy(allow_origins=["*"]).decide("GET", "/", {})) == (
        'Decision(kind="non-cors", allowed=True, reason="non-cors", status=None)'
    )


def test_apply_to_mutable_mappings(policy: Policy) -> None:
    from starlette.datastructures import MutableHeaders
    from werkzeug.datastructures import Headers as WerkzeugHeaders

    allowed = policy.decide("GET", "/", {"origin": "https://app.example.com"})
    rejected = policy.decide("GET", "/", {"origin": "https://evil.example"})

    plain = {"Content-Type": "text/plain", "Vary": "Accept-Encoding", "Access-Control-Allow-Origin": "*"}
    allowed.apply_to(plain)
    assert plain == {
        "Content-Type": "text/plain",
        "vary": "Accept-Encoding, Origin",
        "access-control-allow-origin": "https://app.example.com",
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "x-request-id",
    }

    werkzeug = WerkzeugHeaders([("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "*"), ("Vary", "Cookie")])
    rejected.apply_to(werkzeug)
    assert list(werkzeug.items()) == [("Content-Type", "text/plain"), ("vary", "Cookie, Origin")]

    starlette = MutableHeaders(raw=[(b"vary", b"origin"), (b"access-control-max-age", b"5")])
    allowed.apply_to(starlette)
    assert starlette["vary"] == "origin"  # already there: merged, not repeated
    assert "access-control-max-age" in starlette  # preflight-only: browsers ignore it here
    assert starlette["access-control-allow-origin"] == "https://app.example.com"


def test_cross_origin_protection_reads_sec_fetch_site_and_host() -> None:
    protected = Policy(allow_origins=["https://app.example.com"], cross_origin_protection=True)
    other_site = protected.decide(
        "POST",
        "/api",
        [(b"origin", b"https://evil.example"), (b"sec-fetch-site", b"cross-site"), (b"host", b"api.example.com")],
    )
    assert (other_site.allowed, other_site.reason, other_site.status) == (False, "cross-origin-write-refused", 403)
    # Same origin: Sec-Fetch-Site says so; without it, Origin is the Host.
    same = protected.decide(
        "POST", "/api", {"Origin": "https://api.example.com", "Sec-Fetch-Site": "same-origin"}
    )
    assert same.status is None
    old_browser = protected.decide("POST", "/api", {"Origin": "https://api.example.com", "Host": "api.example.com"})
    assert old_browser.status is None
    allowed = protected.decide(
        "POST", "/api", {"Origin": "https://app.example.com", "Sec-Fetch-Site": "cross-site"}
    )
    assert (allowed.allowed, allowed.status) == (True, None)
