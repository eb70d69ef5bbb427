"""Every script in ``examples/`` runs from another working directory and prints its answer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    """The example exits 0 and prints something, run from an unrelated folder."""
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (0, "") == (done.returncode, done.stderr)
    assert done.stdout.strip()


def test_london_example_answers(tmp_path):
    """The London example gives the article's 30 %, 10 % and the 64 days left."""
    script = next(p for p in EXAMPLES if p.name == "london_talks_morning.py")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    for expected in ("USA tariff on goods of CHN: 30 %", "CHN tariff on goods of USA: 10 %", "64 days left"):
        assert expected in out
