"""How the benchmark takes a figure: timed samples, their median and spread, and the process's memory.

Every figure is the median of at least three samples; its spread is the
lowest and highest sample. A step shorter than a fraction of a second is
repeated within a sample until the sample lasts at least
:data:`MIN_SAMPLE_S`, and the sample's figure is its time divided by the
repeats.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "MIN_SAMPLE_S",
    "collector_paused",
    "peak_resident",
    "ratio",
    "repeated",
    "resident",
    "summary",
    "timed",
]

MIN_SAMPLE_S = 0.2
"""The shortest sample of a repeated step, seconds."""


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``action`` once; ``(seconds, its result)``.

    No collection first: with millions of objects alive a full collection
    takes seconds, and a user's code would not make one either.
    """
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def repeated(action: Callable[[], Any], *, at_least: float = MIN_SAMPLE_S) -> tuple[float, int]:
    """One sample of a short step: run ``action`` 1, 2, 4, ... times until a run lasts ``at_least`` seconds.

    Returns:
        ``(seconds per run, runs in the sample)``.
    """
    runs = 1
    while True:
        started = time.perf_counter()
        for _ in range(runs):
            action()
        elapsed = time.perf_counter() - started
        if elapsed >= at_least:
            return elapsed / runs, runs
        per_run = elapsed / runs
        runs = max(2 * runs, math.ceil(1.1 * at_least / per_run)) if per_run > 0 else 10 * runs


def summary(samples: Sequence[float]) -> dict[str, Any]:
    """``{"median", "low", "high", "spread", "samples"}`` of ``samples``; ``spread`` is (high - low) ÷ median."""
    if not samples:
        raise ValueError("a figure needs at least one sample")
    median = statistics.median(samples)
    low, high = min(samples), max(samples)
    return {"median": median, "low": low, "high": high,
            "spread": (high - low) / median if median else 0.0, "samples": list(samples)}


def ratio(numerator: dict[str, Any] | None, denominator: dict[str, Any] | None,
          *, scale: float = 1.0) -> dict[str, Any] | None:
    """The ratio of two figures' medians (times ``scale``), with its range from their extreme samples.

    ``None`` when either figure is missing.
    """
    if not numerator or not denominator or not denominator["median"] or not denominator["low"]:
        return None
    return {"median": scale * numerator["median"] / denominator["median"],
            "low": scale * numerator["low"] / denominator["high"],
            "high": scale * numerator["high"] / denominator["low"]}


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for set-up work that is not measured.

    With millions of objects alive its full collections make building logs
    and stores several times slower; measured steps run with it on, as a
    user's code would.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def resident() -> int | None:
    """The process's resident memory now, bytes (Linux ``/proc``), or ``None`` elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def peak_resident() -> int | None:
    """The process's peak resident memory so far, bytes (Linux ``/proc``), or ``None``."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    found = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(found[0]) * 1024 if found else None
