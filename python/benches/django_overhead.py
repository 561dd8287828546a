"""Per-request overhead of corsair_cors.django.CorsMiddleware and of django-cors-headers'
CorsMiddleware, over the same Django view, each middleware called directly with the same
settings (no server, no network, no other middleware): an allowed actual request, an
allowed preflight and a rejected preflight. The requests are made once, by Django's
RequestFactory; both middlewares are sync, as under WSGI.

Build the package in release mode first (`maturin develop --release`, or
`pip install ./python`), then: python python/benches/django_overhead.py [ROUNDS]
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Dict, List

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="bench",
    ALLOWED_HOSTS=["*"],
    INSTALLED_APPS=[],
    MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],  # quiets unprotected-writes
    CORS_ALLOWED_ORIGINS=["https://app.example.com"],
    CORS_ALLOW_METHODS=["GET", "PUT"],
    CORS_ALLOW_HEADERS=["content-type", "authorization"],
    CORS_ALLOW_CREDENTIALS=True,
    CORS_PREFLIGHT_MAX_AGE=600,
)
django.setup()

from corsheaders.middleware import CorsMiddleware as PeerCors  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from corsair_cors.django import CorsMiddleware as CorsairCors  # noqa: E402

BASE = {"HTTP_USER_AGENT": "bench", "HTTP_ACCEPT": "*/*", "HTTP_ACCEPT_ENCODING": "gzip"}
factory = RequestFactory()
CASES: Dict[str, HttpRequest] = {
    "allowed actual request": factory.get("/items", **BASE, HTTP_ORIGIN="https://app.example.com"),
    "allowed preflight": factory.options(
        "/items",
        **BASE,
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,authorization",
    ),
    "rejected preflight": factory.options(
        "/items", **BASE, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT"
    ),
}


def view(request: HttpRequest) -> HttpResponse:
    """The application: a new response each time, as a real view makes."""
    return HttpResponse(b"ok", content_type="text/plain")


def per_request(handler: Callable[[HttpRequest], Any], request: HttpRequest, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        handler(request)
    return (time.perf_counter() - start) / n * 1e6


def main(rounds: int) -> None:
    n = 20_000
    print(f"{'case':24} {'view alone':>10} {'django-cors-headers':>20} {'corsair':>10} {'ratio':>6}")
    for name, request in CASES.items():
        results: List[float] = []
        for handler in (view, PeerCors(view), CorsairCors(view)):
            results.append(min(per_request(handler, request, n) for _ in range(rounds)))
        alone, peer, corsair = results
        ratio = (corsair - alone) / (peer - alone)
        print(f"{name:24} {alone:8.2f}us {peer - alone:+18.2f}us {corsair - alone:+8.2f}us {ratio:6.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
