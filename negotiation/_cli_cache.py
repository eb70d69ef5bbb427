"""``negotiation cache info|clear``: where decoded logs are cached, and removing them (see ``events/_cache.py``)."""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
from pathlib import Path
from typing import Any

import events

from ._safe import say

__all__ = ["Kept", "add_cache_command", "answer_slot", "cache_command"]

ANSWERED = ("replay", "timeline", "diff", "explain")
"""The commands whose printed answer is kept for an unchanged log: it depends only on the log, the arguments and
the library's code (no clock, no environment, no terminal)."""


def add_cache_command(commands: Any) -> None:
    """Add ``cache`` to an argparse subparsers object."""
    cache = commands.add_parser(
        "cache", help="show or clear the cache of decoded logs",
        description="Logs that read cleanly are kept decoded in a cache folder (NEGOTIATION_CACHE_DIR, else "
                    "$XDG_CACHE_HOME/negotiation-state, else ~/.cache/negotiation-state), keyed by a hash of the "
                    "log's bytes and of the library, so reading an unchanged log again is fast. 'info' shows "
                    "the folder and what it holds; 'clear' removes every entry. NEGOTIATION_CACHE=off, or "
                    "--no-cache on a command, reads without it.")
    cache.add_argument("action", choices=("info", "clear"))


def cache_command(args: argparse.Namespace) -> int:
    """Run ``cache info`` or ``cache clear``; return the exit code (0)."""
    if args.action == "clear":
        removed = events.clear_cache()
        say(err=False, text=f"log cache: {removed} entries removed from {events.cache_folder() or '(off)'}")
        return 0
    say(err=False, text=events.cache_info())
    return 0


@functools.cache
def _code_fingerprint() -> str:
    """A hash of the answering code: every module of ``negotiation``, and the schema fingerprint of ``events``."""
    digest = hashlib.blake2b(events.schema_fingerprint().encode(), digest_size=32)
    for module in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()


def answer_slot(args: argparse.Namespace) -> events.AnswerSlot | None:
    """Where the printed answer of this command on this log (as its bytes are now) is kept, or ``None``.

    ``None`` for a command whose answer is not kept, with ``--no-cache``, or
    when the cache is off or unusable. The question names the command, every
    argument, the log's full name and the code's fingerprint.
    """
    if args.command not in ANSWERED or getattr(args, "no_cache", True) or events.cache_folder() is None:
        return None
    arguments = sorted((name, repr(value)) for name, value in vars(args).items() if name != "no_cache")
    where = os.path.abspath(args.log)  # no answer names its log today; one that did would name the right one
    return events.answer_slot(args.log, f"{_code_fingerprint()} {where!r} {arguments!r}", keep_unknown=args.keep_unknown)


class Kept:
    """What a command printed, to keep as its answer: ``None`` once it is too long or was cut short."""

    _LIMIT = 64 << 20

    def __init__(self) -> None:
        self.pieces: list[str] | None = []
        self._size = 0

    def add(self, piece: str) -> None:
        if self.pieces is None:
            return
        self._size += len(piece)
        if self._size > self._LIMIT:
            self.pieces = None
        else:
            self.pieces.append(piece)

    def drop(self) -> None:
        self.pieces = None
