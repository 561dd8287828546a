"""The seed examples (FastAPI over uvicorn, Django over ``manage.py runserver``) in real
Chromium, through the real-browser suite's tools (``tests/browser``: Debian's
Chromium, Node.js and playwright-core): from a page of the allowed origin,
``https://yourdomain.com``, a credentialed ``GET``, a ``PUT`` with ``Authorization``
(after its preflight) and a request that fails with a 500 are all readable; from
another origin, none is.

Skipped when a tool is missing, failed under CI (``CI=true``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

from servers import uvicorn_server

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "browser"
CHROMIUM = os.environ.get("CORSAIR_CHROMIUM", "/usr/bin/chromium")
ALLOWED = "https://yourdomain.com"
OTHER = "https://evil.example"


def _missing() -> List[str]:
    missing = []
    if not Path(CHROMIUM).is_file():
        missing.append(f"Chromium is not at {CHROMIUM} (apt-get install -y chromium)")
    if shutil.which("node") is None:
        missing.append("Node.js is not installed")
    if not (SUITE / "node_modules" / "playwright-core" / "package.json").is_file():
        missing.append(f"playwright-core is not installed (npm ci --prefix {SUITE})")
    return missing


@pytest.fixture
def chromium() -> str:
    missing = _missing()
    if missing:
        if os.environ.get("CI", "") not in ("", "0", "false"):
            pytest.fail("cannot run under CI: " + "; ".join(missing))
        pytest.skip("; ".join(missing))
    return CHROMIUM


def _run(chromium: str, tmp_path: Path, calls: List[Dict[str, Any]]) -> Dict[str, List[Dict[str, Any]]]:
    document = {"chromium": chromium, "origins": [ALLOWED, OTHER], "calls": calls}
    path = tmp_path / "input.json"
    path.write_text(json.dumps(document))
    done = subprocess.run(
        ["node", str(SUITE / "python_apps.mjs"), str(path)],
        cwd=SUITE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results: Dict[str, List[Dict[str, Any]]] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def _calls(base: str, items: str, put: str, boom: str) -> List[Dict[str, Any]]:
    """A credentialed GET, a PUT with Authorization (preflighted), and a 500."""
    credentials = {"credentials": "include"}
    return [
        {"url": f"{base}{items}", "init": credentials},
        {
            "url": f"{base}{put}",
            "init": {
                **credentials,
                "method": "PUT",
                "headers": {"Authorization": "Bearer token", "Content-Type": "application/json"},
                "body": "{}",
            },
        },
        {"url": f"{base}{boom}", "init": credentials},
    ]


def _assert_seen(results: Dict[str, List[Dict[str, Any]]]) -> None:
    get, put, boom = results[ALLOWED]
    assert get["status"] == 200, results
    assert put["status"] == 200, results
    assert boom["status"] == 500, results
    # The other origin reads nothing: every call is a network error to its script.
    assert all("blocked" in seen for seen in results[OTHER]), results


def test_the_fastapi_seed_in_chromium(chromium: str, tmp_path: Path, free_port: int) -> None:
    from seed_fastapi_app import app

    with uvicorn_server(app, free_port):
        results = _run(chromium, tmp_path, _calls(f"http://127.0.0.1:{free_port}", "/items", "/items/1", "/boom"))
    _assert_seen(results)
    assert json.loads(results[ALLOWED][1]["body"]) == {"id": 1}


def test_the_django_seed_in_chromium(chromium: str, tmp_path: Path, free_port: int) -> None:
    from test_django import _runserver

    process = _runserver(free_port)
    try:
        results = _run(chromium, tmp_path, _calls(f"http://127.0.0.1:{free_port}", "/api/items", "/api/items", "/api/boom"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    _assert_seen(results)
    assert json.loads(results[ALLOWED][1]["body"]) == [{"id": 1, "method": "PUT"}]
