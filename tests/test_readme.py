"""The README's promises: CI runs its test command, and its Python example holds."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    """The last line of .ci/run is the README's test command, character for character."""
    command = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert "pytest" in command
    assert f"   {command}\n" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_python_examples(monkeypatch):
    """Every ``>>>`` example in the README gives the output it shows."""
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert (0, True) == (result.failed, result.attempted > 5)
