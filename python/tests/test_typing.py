"""The package's type hints hold: mypy --strict over corsair_cors, with the native
module's stub (_corsair.pyi), for the oldest Python the package supports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "corsair_cors"


def test_the_package_type_checks_strictly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.9", "--no-incremental", str(PACKAGE)],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_ships_its_types() -> None:
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "_corsair.pyi").is_file()
