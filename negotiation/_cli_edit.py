"""The ``negotiation correct`` and ``negotiation retract`` subcommands: a correction or a retraction, appended.

Each reads the log (without writing), builds the new event from the fact
it names (``negotiation/_edits.py``), checks that the log with it has no
new problem, and appends it through the store at the version it read (the
hash chain kept; a writer that appended meanwhile makes it refuse, writing
nothing). Exit codes: 0 appended, 1 the log refuses it (an unknown id, a
retracted fact, a broken chain, a concurrent append), 2 usage (a bad
option, an unknown field, a value its field refuses); on 1 and 2 the log is
left as it was, byte for byte.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import events

from ._cli_types import option_date, option_instant
from ._errors import NegotiationError, QueryError
from ._safe import say

__all__ = ["EDIT_COMMANDS", "add_edit_commands"]

_EXIT_OK = 0
_EXIT_INVALID = 1
_EXIT_USAGE = 2


def add_edit_commands(commands: Any) -> None:
    """Add correct and retract to an argparse subparsers object."""
    correct = commands.add_parser(
        "correct", help="append a correction of a fact: its content with some fields set",
        description="Append to LOG a correction of the fact EVENT_ID: its content in force (the fact, or its "
                    "latest correction) with each --set FIELD=VALUE applied, each VALUE read as its field's type "
                    "(rate=10, until=2025-11-10, scope=8703,8704 or all, suspension.rate=10, target=null; JSON "
                    "for records). It is in force from --recorded (default: now) on, in transaction time: a "
                    "known-at replay before then shows the fact as it was. The correction cites the --source-* "
                    "given, and so does the corrected fact; without one, both keep the fact's own citation "
                    "(the source already says what the correction says).")
    correct.add_argument("log", metavar="LOG", help="the .jsonl or .sqlite log")
    correct.add_argument("event_id", metavar="EVENT_ID", help="the fact to correct")
    correct.add_argument("--set", dest="assignments", action="append", required=True, type=_assignment,
                         metavar="FIELD=VALUE", help="a field of the fact and its corrected value (repeatable)")
    _common(correct, "correction")

    retract = commands.add_parser(
        "retract", help="append a retraction of a fact or of one correction",
        description="Append to LOG a retraction of EVENT_ID: a fact (withdrawn with all its corrections) or "
                    "one correction (the version before it applies again), from --recorded (default: now) on. "
                    "A retraction is final. Say why: --note, or the --source-* that withdraws it (one is "
                    "required).")
    retract.add_argument("log", metavar="LOG", help="the .jsonl or .sqlite log")
    retract.add_argument("event_id", metavar="EVENT_ID", help="the fact or correction to withdraw")
    _common(retract, "retraction")


def _common(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--recorded", type=option_instant, metavar="TIMESTAMP",
                        help=f"when the {what} became known, e.g. 2026-12-02T09:30Z (default: now); no later than "
                             "now, and no earlier than what it names")
    parser.add_argument("--note", default="", help=f"why: what the {what} rests on")
    parser.add_argument("--source-publisher", metavar="WHO", help="who published the source, e.g. 'Federal Register'")
    parser.add_argument("--source-title", metavar="TITLE", help="the source's title")
    parser.add_argument("--source-url", metavar="URL", help="where the source can be read")
    parser.add_argument("--source-published", type=option_date, metavar="YYYY-MM-DD", help="the source's date")
    parser.add_argument("--id", metavar="ID",
                        help=f"the {what}'s event id (default: EVENT_ID-{'corrected' if what == 'correction' else 'retracted'}"
                             "-<recorded as YYYYMMDDTHHMMSSZ>)")
    parser.add_argument("--expected-version", type=int, metavar="N",
                        help="refuse (writing nothing) unless LOG holds exactly N records")
    parser.add_argument("--keep-unknown", action="store_true",
                        help="keep records of unknown types or future versions as they are, instead of refusing")


def _assignment(text: str) -> tuple[str, str]:
    name, sign, value = text.partition("=")
    if not sign or not name.strip():
        raise argparse.ArgumentTypeError(f"expected FIELD=VALUE, such as rate=10, got {text!r}")
    return name.strip(), value


def _source(args: argparse.Namespace) -> events.Source | None:
    """The source the options name, or ``None`` if none is given.

    Raises:
        QueryError: a URL or date without the publisher and title, or a field the citation refuses.
    """
    given = (args.source_publisher, args.source_title, args.source_url, args.source_published)
    if all(value is None for value in given):
        return None
    if args.source_publisher is None or args.source_title is None:
        option, value = next((name, value) for name, value in zip(
            ("--source-publisher", "--source-title", "--source-url", "--source-published"), given, strict=True)
            if value is not None)
        raise QueryError(option, value, "with both --source-publisher and --source-title (a citation names who "
                         "published what)")
    try:
        return events.Source(publisher=args.source_publisher, title=args.source_title, url=args.source_url,
                             published=args.source_published)
    except events.EventValidationError as exc:
        raise QueryError(f"--source-{exc.field}", exc.value, exc.expected) from None


def _read(location: str, keep_unknown: bool) -> tuple[int, tuple[events.Record, ...]]:
    """The store's version and records, read without writing (a missing log is refused, never created)."""
    with events.open_store(location, keep_unknown=keep_unknown, create=False) as store:
        return store.version, tuple(store.read())


if TYPE_CHECKING:  # events.Record and events.Source would import the codec when the parser is built
    _Build = Callable[[Sequence[events.Record], datetime, events.Source | None], Any]


def _append(args: argparse.Namespace, build: _Build) -> int:
    """Read the log, build the new event, check the log with it, and append it at the version read."""
    from ._fold import find_problems  # here, not at the top: the parser of every command imports this module
    from ._words import field_changes, headline, instant

    command = f"negotiation {args.command}"
    try:
        source = _source(args)
        if args.command == "retract" and source is None and not args.note.strip():
            raise QueryError("--note", args.note, "a reason: --note TEXT, or the --source-publisher and --source-title "
                             "of the document that withdraws it")
    except QueryError as exc:
        say(f"{command}: error: {exc}")
        return _EXIT_USAGE
    version, records = _read(args.log, args.keep_unknown)  # first: the store refuses a pipe or a device unread
    chain = events.verify_log(args.log)
    if chain.first_bad is not None:
        say(f"{command}: error: {chain}; nothing was written (see `negotiation verify`)")
        return _EXIT_INVALID
    if args.expected_version is not None and args.expected_version != version:
        say(f"{command}: error: {events.ConcurrencyError(path=args.log, expected=args.expected_version, actual=version)}")
        return _EXIT_INVALID
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        new = build(records, now, source)
    except QueryError as exc:
        say(f"{command}: error: {exc}")
        return _EXIT_USAGE
    except NegotiationError as exc:
        say(f"{command}: error: {args.log}: {exc}")
        return _EXIT_INVALID
    known = {str(problem) for problem in find_problems(records)}
    added = [problem for problem in find_problems([*records, new]) if str(problem) not in known]
    for problem in added:
        say(f"{command}: error: {args.log}, with {new.event_id}: {problem}")
    if added:
        say(f"{command}: error: nothing was written")
        return _EXIT_INVALID
    with events.open_store(args.log, keep_unknown=args.keep_unknown) as store:
        count = store.append([new], expected_version=version)
    named = next(r for r in records if r.event_id == args.event_id and not isinstance(r, events.OpaqueRecord))
    assert not isinstance(named, events.OpaqueRecord)  # refused by correction() and retraction()
    if isinstance(new, events.EventCorrected):
        what = f"{args.event_id} now says {field_changes(named, new.replacement)[1]}"
    else:
        what = f"withdraws {headline(named)}"
    say(err=False, text=f"{args.log}: {new.event_id} appended (recorded {instant(new.recorded)}): {what}; "
                        f"the log holds {count} records")
    return _EXIT_OK


def _correct(args: argparse.Namespace) -> int:
    from ._edits import correction

    return _append(args, lambda records, now, source: correction(
        records, args.event_id, args.assignments, path=args.log, recorded=args.recorded or now, now=now,
        source=source, note=args.note, correction_id=args.id))


def _retract(args: argparse.Namespace) -> int:
    from ._edits import retraction

    return _append(args, lambda records, now, source: retraction(
        records, args.event_id, path=args.log, recorded=args.recorded or now, now=now, source=source,
        note=args.note, retraction_id=args.id))


EDIT_COMMANDS = {"correct": _correct, "retract": _retract}
"""Each subcommand handled here: parsed arguments to exit code."""
