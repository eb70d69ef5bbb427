"""``negotiation cache info|clear``: where decoded logs are cached, and removing them (see ``events/_cache.py``)."""

from __future__ import annotations

import argparse
from typing import Any

import events

from ._safe import say

__all__ = ["add_cache_command", "cache_command"]


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
        say(err=False, text=f"log cache: {removed} decoded log(s) removed from {events.cache_folder() or '(off)'}")
        return 0
    say(err=False, text=events.cache_info())
    return 0
