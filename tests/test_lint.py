"""Lint and strict typing: `ruff check` and `mypy --strict` (configured in pyproject.toml) report nothing.

CI runs them through this test, so a new finding fails the build.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("command", [
    ["ruff", "check", "events", "negotiation", "tests", "benchmarks", "examples"],
    ["mypy"],  # strict, on events and negotiation: see [tool.mypy]
], ids=["ruff", "mypy"])
def test_no_findings(command):
    """The tool exits 0: no lint finding, no type error."""
    run = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False,
                         timeout=600)
    assert 0 == run.returncode, run.stdout + run.stderr
