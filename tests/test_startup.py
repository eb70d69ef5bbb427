"""Start-up: the command line prints a kept answer without importing the vocabulary, the codec or the fold.

A second ``replay``, ``timeline``, ``diff`` or ``explain`` of an unchanged log
is answered from the cache (negotiation/_cli_cache.py), and its time is mostly
import time; so ``events`` imports its parts on first use, and the command
line imports a command's own modules only when it runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import SEEDS

HEAVY = frozenset({
    "attr", "attrs", "cattrs", "orjson", "pickle",
    "events._codec", "events._fast", "events._revisions", "events._store", "events._values", "events._vocabulary",
    "negotiation._explain", "negotiation._fold", "negotiation._render", "negotiation._state", "negotiation._tariffs",
    "negotiation._timeline", "negotiation._cli_series",
})
"""Modules a kept answer must not need: attrs class creation and the codec are most of a cold start-up."""

DECODING = frozenset({"attr", "cattrs", "events._codec", "events._vocabulary", "negotiation._fold"})
"""What every answer worked out afresh imports (so the probe below sees a heavy import when there is one)."""

_PROBE = (
    "import sys\n"
    "from negotiation._cli import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stdout.flush()\n"
    "print(code, *sorted(set(sys.modules) & {heavy!r}), file=sys.stderr)\n"
)


def _run(args: list[str], cache: str) -> tuple[str, list[str]]:
    """The command's standard output, and its exit code followed by the heavy modules it imported."""
    env = {**os.environ, "NEGOTIATION_CACHE": "on", "NEGOTIATION_CACHE_DIR": cache}
    done = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=set(HEAVY)), *args], env=env,
                          capture_output=True, text=True, check=True, timeout=300)
    return done.stdout, done.stderr.split()


@pytest.mark.parametrize("command", [
    ["replay", "--as-of", "2025-06-09", "--format", "json"],
    ["timeline", "--from", "2025-04-01", "--to", "2025-05-20", "--imposer", "USA", "--target", "CHN"],
    ["diff", "2025-04-01", "2025-06-30"],
    ["explain", "--as-of", "2025-05-20", "--imposer", "USA", "--target", "CHN"],
], ids=lambda command: command[0])
def test_a_kept_answer_imports_no_vocabulary_codec_or_fold(tmp_path, command):
    log = tmp_path / "us-china.jsonl"
    shutil.copyfile(SEEDS / "us-china.jsonl", log)
    args = [command[0], str(log), *command[1:]]
    cache = str(tmp_path / "cache")
    first, worked = _run(args, cache)
    assert worked[0] == "0" and DECODING <= set(worked[1:])  # worked out: decoded and folded
    assert len(list((tmp_path / "cache").glob("*.answer-cache"))) == 1
    again, kept = _run(args, cache)
    assert (again, kept) == (first, ["0"])  # the same bytes, and none of HEAVY imported
    log.write_bytes(log.read_bytes() + b"\n")  # other bytes: worked out again, in full
    assert _run(args, cache)[1][1:] == worked[1:]


def test_events_imports_its_parts_on_first_use():
    """``import events`` is the errors only; every public name is listed by ``dir`` and loads when used."""
    code = ("import sys, events\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('events.'))\n"
            "listed = set(events.__all__) <= set(dir(events))\n"
            "print(loaded, listed, events.UnknownRecordError.__module__, events.TalksHeld.__module__,\n"
            "      'events._vocabulary' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["['events._errors']", "True", "events", "events._vocabulary", "True"]
