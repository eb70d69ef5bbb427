"""A progress bar on standard error for long command-line runs, only when a person watches."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

__all__ = ["LONG_DAYS", "LONG_LOG", "progress_bar"]

LONG_LOG = 100_000
"""Logs of at least this many events get a bar (when standard error is a terminal)."""
LONG_DAYS = 60
"""Date ranges of at least this many days get a bar (when standard error is a terminal)."""

_WIDTH = 30


def progress_bar(
    label: str, *, events: int, days: int = 0, stream: TextIO | None = None
) -> Callable[[int, int], None] | None:
    """A ``progress(done, total)`` callback that draws a bar on ``stream`` (standard error), or ``None``.

    ``None`` (no bar) unless the stream is a terminal and the work is long:
    at least :data:`LONG_LOG` events or :data:`LONG_DAYS` days. So nothing
    is written when standard error is piped or redirected. The bar is
    redrawn in place and erased when ``done`` reaches ``total``.

    Args:
        label: What is running, e.g. ``"replay"``.
        events: The number of events in the log.
        days: The number of days the command covers (0 for one date).
        stream: Where to draw; standard error by default.
    """
    out = sys.stderr if stream is None else stream
    if not out.isatty() or (events < LONG_LOG and days < LONG_DAYS):
        return None

    def draw(done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = round(share * _WIDTH)
        line = f"{label} [{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%} ({done:,}/{total:,})"
        out.write("\r" + line)
        if done >= total:
            out.write("\r" + " " * len(line) + "\r")
        out.flush()

    return draw
