"""The ``negotiation`` subcommands about a store's streams: ``streams`` lists them, ``follow`` prints what is appended.

Each takes a store location: a log file (one stream) or a PostgreSQL URL
(``postgresql://user@host/db``, optionally ``#stream``). Each returns an
exit code: 0 success, 1 a store that cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import events

from ._cli_types import option_date
from ._errors import NegotiationError
from ._safe import for_terminal, say

if TYPE_CHECKING:
    from ._state import NegotiationState

__all__ = ["STORE_COMMANDS", "add_store_commands"]

_EXIT_OK = 0


def add_store_commands(commands: Any) -> None:
    """Add ``streams`` and ``follow`` to an argparse subparsers object."""
    streams = commands.add_parser(
        "streams", help="list the streams (negotiations) of a store and how many records each holds",
        description="Print each stream of LOCATION with its version (how many records it holds), by name. A log "
                    "file holds one stream, named by the file without its extension; a PostgreSQL store, any number.")
    streams.add_argument("log", metavar="LOCATION", help="a .jsonl or .sqlite log, or a postgresql:// URL")

    follow = commands.add_parser(
        "follow", help="print each record appended to a store, and the changes it makes, as it is committed",
        description="Wait for records appended to LOCATION (by any process) and print each as it is committed, "
                    "with the changes it makes to the state on --as-of (tariff totals and layers, accords, export "
                    "controls). A PostgreSQL store rings followers on each commit; a log file is looked at five "
                    "times a second. Stops on Ctrl-C, or after --idle seconds with nothing new.")
    follow.add_argument("log", metavar="LOCATION", help="a .jsonl or .sqlite log, or a postgresql:// URL")
    follow.add_argument("--stream", metavar="NAME",
                        help="the stream to follow (default: the location's; a PostgreSQL URL without #NAME: every stream)")
    follow.add_argument("--after", type=_count, metavar="N",
                        help="print the records after the first N (the global sequence number when following every "
                             "stream of a PostgreSQL store; default: only records appended from now on)")
    follow.add_argument("--as-of", type=option_date, metavar="YYYY-MM-DD",
                        help="the date whose state the changes are of (default: today, UTC)")
    follow.add_argument("--idle", type=float, metavar="SECONDS",
                        help="stop after this many seconds with nothing new (default: never)")
    follow.add_argument("--keep-unknown", action="store_true",
                        help="print records of unknown types or future versions instead of refusing them")


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a record count from 0, got {text!r}")
    return int(text)


def _streams(args: argparse.Namespace) -> int:
    with events.open_store(args.log, create=False) as store:
        held = store.streams()
    width = max((len(name) for name in held), default=0)
    for name, version in held.items():
        say(err=False, text=f"{name.ljust(width)}  {version} record{'' if version == 1 else 's'}")
    if not held:
        say(f"{events.redact_location(args.log)}: no streams (nothing is stored)")
    return _EXIT_OK


def _follow(args: argparse.Namespace) -> int:
    from ._fold import replay  # here, not at the top: the parser of every command imports this module
    from ._render import render_changes
    from ._timeline import _diff

    day = args.as_of or datetime.now(UTC).date()
    with events.open_store(args.log, keep_unknown=args.keep_unknown, create=False) as store:
        every = store.stream is None and args.stream is None  # positions are then the global sequence
        if args.after is not None:
            start = args.after
        else:
            start = store.version if args.stream is None else store.streams().get(args.stream, 0)
        followed = args.stream or store.stream or "every stream"
        say(f"{store.location}: following {followed} after {start} (changes on {day}); Ctrl-C stops")
        states: dict[str, NegotiationState] = {}
        try:
            for committed in store.follow(stream=args.stream, idle=args.idle):
                held = states.get(committed.stream)
                before = replay((), as_of=day) if held is None else held
                after, problem = _folded(before, committed.record)
                states[committed.stream] = after
                if (committed.position if every else committed.version) <= start:
                    continue  # the state before the first record printed
                lines = _record_line(committed) + "\n"
                lines += problem if problem is not None else render_changes(_diff(before, after)).replace(
                    "no changes\n", f"  no change on {day}\n")
                sys.stdout.write(for_terminal(_indented(lines)))
                sys.stdout.flush()
        except KeyboardInterrupt:
            return _EXIT_OK
    return _EXIT_OK


def _folded(state: NegotiationState, record: events.Record) -> tuple[NegotiationState, str | None]:
    """The state with the record folded in, or the state as it was and why the record could not be."""
    from ._fold import apply

    if isinstance(record, events.OpaqueRecord):
        return state, f"  not folded: a record of unknown type or version ({record.reason})\n"
    try:
        return apply(state, record), None
    except NegotiationError as exc:
        return state, f"  not folded: {exc}\n"


def _record_line(committed: events.Committed) -> str:
    """``us-china #12 (seq 340)  2025-05-12  TariffChanged  us-cn-0512``: where the record went and what it is."""
    record = events.to_record(committed.record)
    where = f"{committed.stream} #{committed.version}"
    if committed.position != committed.version:
        where += f" (seq {committed.position})"
    return "  ".join(str(part) for part in (where, record.get("effective"), record.get("type"),
                                             record.get("event_id")) if part is not None)


def _indented(text: str) -> str:
    """The change lines under their record, indented by two spaces."""
    first, _, rest = text.partition("\n")
    return first + "\n" + "".join(line if line.startswith("  ") else f"  {line}"
                                  for line in rest.splitlines(keepends=True))


STORE_COMMANDS = {"streams": _streams, "follow": _follow}
"""Each subcommand handled here: parsed arguments to exit code."""
