"""Per-request overhead of corsair_cors.starlette.CORSMiddleware and of Starlette's own
CORSMiddleware, over the same bare ASGI app, called directly (no server, no network):
an allowed actual request, an allowed preflight and a rejected preflight.

Build the package in release mode first (`maturin develop --release`, or
`pip install ./python`), then: python python/benches/asgi_overhead.py [ROUNDS]
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any, Dict, List

from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from corsair_cors.starlette import CORSMiddleware as CorsairCORS

OPTIONS: Dict[str, Any] = {
    "allow_origins": ["https://app.example.com"],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["content-type", "authorization"],
    "allow_credentials": True,
}
BASE = [(b"host", b"api.example.com"), (b"user-agent", b"bench"), (b"accept", b"*/*"), (b"accept-encoding", b"gzip")]
CASES: Dict[str, Dict[str, Any]] = {
    "allowed actual request": {
        "type": "http",
        "method": "GET",
        "path": "/items",
        "headers": BASE + [(b"origin", b"https://app.example.com")],
    },
    "allowed preflight": {
        "type": "http",
        "method": "OPTIONS",
        "path": "/items",
        "headers": BASE
        + [
            (b"origin", b"https://app.example.com"),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", b"content-type,authorization"),
        ],
    },
    "rejected preflight": {
        "type": "http",
        "method": "OPTIONS",
        "path": "/items",
        "headers": BASE + [(b"origin", b"https://evil.example"), (b"access-control-request-method", b"PUT")],
    },
}


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def receive() -> Any:
    return {"type": "http.request", "body": b""}


async def send(message: Any) -> None:
    pass


async def per_request(handler: Any, scope: Dict[str, Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await handler(scope, receive, send)
    return (time.perf_counter() - start) / n * 1e6


async def main(rounds: int) -> None:
    n = 20_000
    print(f"{'case':24} {'app alone':>10} {'Starlette':>10} {'corsair':>10} {'ratio':>6}")
    for name, scope in CASES.items():
        results: List[float] = []
        for handler in (app, StarletteCORS(app, **OPTIONS), CorsairCORS(app, **OPTIONS)):
            results.append(min([await per_request(handler, scope, n) for _ in range(rounds)]))
        alone, starlette, corsair = results
        ratio = (corsair - alone) / (starlette - alone)
        print(f"{name:24} {alone:8.2f}us {starlette - alone:+8.2f}us {corsair - alone:+8.2f}us {ratio:6.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
