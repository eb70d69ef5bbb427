"""Measurements of the ``negotiation`` command itself, each run in a new process (``python -m negotiation``).

* scaling: ``timeline`` and ``diff`` over every pair, at two ranges on logs
  of two sizes: the cost of one more day, and how it grows with the log
  against how a day's necessary work grows;
* memory over a long range: the peak resident memory of a one-pair
  ``timeline`` over one year and over a century;
* a second run: ``replay`` twice on a fresh copy of a log, the first with
  nothing persisted, the second with whatever the first left;
* start-up: ``python -X importtime`` of ``replay`` on a seed log.

Every command's standard output goes to ``/dev/null`` (it is still written
in full) and its exit status must be 0. The peak resident memory is the
child's own (``os.wait4``). Runs other than the second-run pairs get one
cache folder for the whole benchmark (``XDG_CACHE_HOME``, with the user's
own ``NEGOTIATION_CACHE`` settings dropped), which is deleted with the
benchmark's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from timing import summary

__all__ = ["import_time", "range_memory", "run_command", "scaling", "second_run", "without_cache_settings"]

_CACHE_SETTINGS = ("NEGOTIATION_CACHE", "NEGOTIATION_CACHE_DIR")
"""The user's own cache settings: dropped, so that every run uses the benchmark's own cache folder."""


def without_cache_settings(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the user's cache settings (:data:`_CACHE_SETTINGS`)."""
    return {name: value for name, value in env.items() if name not in _CACHE_SETTINGS}


def run_command(arguments: Sequence[str], env: Mapping[str, str], *, python: Sequence[str] = ()) -> dict[str, Any]:
    """Run ``python [python...] -m negotiation arguments``; its wall seconds, peak resident bytes and standard error.

    Raises:
        RuntimeError: the command exits with another status than 0 (its standard error is in the message).
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, *python, "-m", "negotiation", *arguments],
                                 stdout=subprocess.DEVNULL, stderr=errors, stdin=subprocess.DEVNULL, env=dict(env))
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if child.returncode != 0:
        raise RuntimeError(f"negotiation {' '.join(arguments)} exited {child.returncode}: {stderr[-2000:]}")
    return {"seconds": seconds, "peak_bytes": usage.ru_maxrss * 1024, "stderr": stderr}


def scaling(command: str, logs: Sequence[tuple[Path, Mapping[str, Any]]], *, first: date, days: tuple[int, int],
            samples: int, env: Mapping[str, str], small_long: int | None = None) -> dict[str, Any]:
    """How ``timeline`` (every pair) or ``diff`` grows with the days asked and the size of the log.

    For each log, the command over ``days[0]`` and ``days[1]`` days from
    ``first``; the cost of one more day is the difference of the medians
    over the difference of the days (the reading and the fold before the
    first day cancel out; a first run, not timed, lets ``env``'s cache keep
    the decoded events). Between the smallest and the largest log that
    cost should grow like a day's necessary work: the layers changed that
    day, plus, for ``timeline``, one cell per pair in its row. A path that
    asks every pair of every layer each day grows like pairs × layers
    instead.

    Args:
        logs: ``(path, stats)`` of at least two logs, smallest first;
            ``stats`` as ``children.write_log`` gives them.
        small_long: The long range of every log but the largest, days (a
            smaller log costs less a day: a longer range keeps its cost a
            day above the noise of a whole command); ``None``: ``days[1]``.
    """
    spans = [days if small_long is None or index == len(logs) - 1 else (days[0], small_long)
             for index in range(len(logs))]

    def arguments(path: Path, count: int) -> list[str]:
        last = first + timedelta(days=count - 1)
        if command == "timeline":
            return ["timeline", str(path), "--from", first.isoformat(), "--to", last.isoformat()]
        return ["diff", str(path), (first - timedelta(days=1)).isoformat(), last.isoformat()]

    for path, _stats in logs:  # not timed: fills the cache with the decoded events, if ``env`` keeps them
        run_command(arguments(path, days[0]), env)
    # Interleaved, a round of every log and range per sample, so that a change in the machine's load
    # between rounds touches every figure alike rather than one size.
    seconds: dict[tuple[int, int], list[float]] = {
        (index, count): [] for index in range(len(logs)) for count in spans[index]}
    for _ in range(samples):
        for index, (path, _stats) in enumerate(logs):
            for count in spans[index]:
                seconds[(index, count)].append(run_command(arguments(path, count), env)["seconds"])
    rows = []
    for index, (_path, stats) in enumerate(logs):
        span = spans[index]
        runs = [summary(seconds[(index, count)]) for count in span]
        per_day = (runs[1]["median"] - runs[0]["median"]) / (span[1] - span[0])
        work = stats["layers_changed_per_day"] + (stats["pairs"] if command == "timeline" else 0)
        rows.append({"events": stats["events"], "days": list(span), "short": runs[0], "long": runs[1],
                     "per_day_s": per_day,
                     "layers_changed_per_day": stats["layers_changed_per_day"], "pairs": stats["pairs"],
                     "layers": stats["layers"], "work_per_day": work})
    small, large = rows[0], rows[-1]
    measurable = small["per_day_s"] > 0 and large["per_day_s"] > 0  # else a day costs less than the noise
    return {
        "command": command, "first": first.isoformat(), "days": list(days), "logs": rows,
        "growth": large["per_day_s"] / small["per_day_s"] if measurable else None,
        "growth_if_linear": large["work_per_day"] / small["work_per_day"],
        "growth_if_pairs_x_layers": (large["pairs"] * large["layers"]) / (small["pairs"] * small["layers"]),
    }


def range_memory(path: Path, pair: Sequence[str], *, ends: tuple[date, date], start: date, samples: int,
                 env: Mapping[str, str]) -> dict[str, Any]:
    """Peak resident memory of a one-pair ``timeline`` from ``start`` to each of ``ends``: does it grow with the range?"""
    runs: dict[str, list[dict[str, Any]]] = {"short": [], "long": []}
    for _ in range(samples):  # interleaved, like the scaling runs
        for name, end in zip(("short", "long"), ends, strict=True):
            runs[name].append(run_command(["timeline", str(path), "--from", start.isoformat(), "--to", end.isoformat(),
                                           "--imposer", pair[0], "--target", pair[1], "--format", "csv"], env))
    figures: dict[str, Any] = {}
    for name, end in zip(("short", "long"), ends, strict=True):
        figures[name] = {"to": end.isoformat(), "rows": (end - start).days + 1,
                         "seconds": summary([run["seconds"] for run in runs[name]]),
                         "peak_bytes": summary([run["peak_bytes"] for run in runs[name]])}
    figures["growth"] = figures["long"]["peak_bytes"]["median"] / figures["short"]["peak_bytes"]["median"]
    return figures


def second_run(path: Path, *, as_of: date, other_day: date, samples: int, folder: Path) -> dict[str, Any]:
    """``replay`` of a fresh copy of the log in new processes: the first with nothing persisted, then again.

    Each sample copies the log into a new folder and gives its runs a new
    home and cache folder of their own (``HOME``, ``XDG_CACHE_HOME``), so
    the first run cannot use what an earlier sample left. After the first
    run, the same ``replay`` again (its answer is kept) and a ``replay`` to
    ``other_day`` (a question not asked before: the log's decoded events
    are kept).
    """
    firsts, seconds, others = [], [], []
    for index in range(samples):
        place = folder / f"second-run-{index}"
        place.mkdir()
        copy = place / path.name
        shutil.copyfile(path, copy)
        env = {**without_cache_settings(os.environ), "HOME": str(place / "home"), "XDG_CACHE_HOME": str(place / "cache")}
        arguments = ["replay", str(copy), "--as-of", as_of.isoformat()]
        firsts.append(run_command(arguments, env)["seconds"])
        seconds.append(run_command(arguments, env)["seconds"])
        others.append(run_command(["replay", str(copy), "--as-of", other_day.isoformat()], env)["seconds"])
        shutil.rmtree(place)
    first, second, other = summary(firsts), summary(seconds), summary(others)
    return {"first": first, "second": second, "other_day": other, "other_as_of": other_day.isoformat(),
            "speedup": first["median"] / second["median"], "other_speedup": first["median"] / other["median"]}


def _imports(stderr: str) -> tuple[int, int]:
    """From ``-X importtime`` output: microseconds of every top-level import, and of ours (``negotiation``, ``events``)."""
    total = ours = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if name.startswith("  "):  # nested under another import: counted in its cumulative time
            continue
        micro = int(cumulative)
        total += micro
        if name.strip().partition(".")[0] in ("negotiation", "events"):
            ours += micro
    return total, ours


def import_time(log: Path, *, as_of: date, samples: int, env: Mapping[str, str]) -> dict[str, Any]:
    """Start-up of ``negotiation replay`` on ``log``: the whole command's seconds and its top-level import time.

    The import figures come from ``python -X importtime`` runs (which add a
    little overhead of their own): ``imports_s`` every top-level import
    (the interpreter's own included), ``ours_s`` those of ``negotiation``
    and ``events`` with everything they import.
    """
    arguments = ["replay", str(log), "--as-of", as_of.isoformat()]
    run_command(arguments, env)  # not timed: the modules' bytecode is written, as an installed library has it
    wall = [run_command(arguments, env)["seconds"] for _ in range(samples)]
    parsed = [_imports(run_command(arguments, env, python=["-X", "importtime"])["stderr"]) for _ in range(samples)]
    imports, ours = summary([total / 1e6 for total, _ in parsed]), summary([mine / 1e6 for _, mine in parsed])
    return {"command": f"negotiation {' '.join(arguments)}", "seconds": summary(wall), "imports_s": imports,
            "ours_s": ours, "share": statistics.median(mine / 1e6 for _, mine in parsed) / statistics.median(wall)}
