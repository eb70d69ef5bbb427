"""The ``negotiation`` command line.

Exit codes: 0 success, 1 invalid input (a bad log, an unreadable file),
2 usage (bad arguments). Errors go to standard error, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from importlib import metadata

import events

from ._canonical import canonical_json
from ._errors import ConflictingEventError, NegotiationError
from ._fold import find_problems, replay
from ._render import render_text

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _date(text: str) -> date:
    try:
        return events.parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _instant(text: str) -> datetime:
    try:
        return events.parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _version() -> str:
    try:
        return metadata.version("negotiation-state")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="negotiation",
        description="Replay a negotiation event log (JSON Lines) to a date.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "replay",
        help="print the state on a date",
        description="Print the state on --as-of (valid time), as known at --known-at "
        "(transaction time; default: everything in the log).",
    )
    run.add_argument("log", metavar="LOG", help="a JSON Lines event log")
    run.add_argument("--as-of", required=True, type=_date, metavar="YYYY-MM-DD")
    run.add_argument("--known-at", type=_instant, metavar="TIMESTAMP",
                     help="only events recorded at or before this instant, e.g. 2025-05-13T12:00Z")
    run.add_argument("--format", choices=("text", "json"), default="text")

    check = commands.add_parser(
        "validate",
        help="check a log and report every problem",
        description="Check every line of a log; report each problem with its line number.",
    )
    check.add_argument("log", metavar="LOG", help="a JSON Lines event log")
    return parser


def _located(problem: NegotiationError, path: str, found: events.JsonlCheck) -> str:
    """The problem prefixed with the file and the line of the event at fault.

    For a conflict, that is the line of the second, different event; else
    the first line with the event id the problem names.
    """
    pairs = list(zip(found.events, found.lines, strict=True))
    if isinstance(problem, ConflictingEventError):
        lines = [line for event, line in pairs if event is problem.second]
    else:
        event_id = getattr(problem, "event_id", None)
        lines = [line for event, line in pairs if event.event_id == event_id]
    return f"{path}, line {lines[0]}, {problem}" if lines else f"{path}: {problem}"


def _replay(args: argparse.Namespace) -> int:
    found = events.check_jsonl(args.log)
    if found.errors:
        raise found.errors[0]
    try:
        state = replay(found.events, as_of=args.as_of, known_at=args.known_at)
    except NegotiationError as exc:
        print(f"negotiation: error: {_located(exc, args.log, found)}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "json":
        sys.stdout.write(canonical_json({**state.to_dict(), "digest": state.digest}) + "\n")
    else:
        sys.stdout.write(render_text(state))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    found = events.check_jsonl(args.log)
    problems = [str(error) for error in found.errors]
    problems += [_located(problem, args.log, found) for problem in find_problems(found.events)]
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(found.events) + len(found.errors)
    if problems:
        print(f"{args.log}: {len(problems)} problem(s) in {count} event line(s)", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.log}: {count} events, valid")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    handler = {"replay": _replay, "validate": _validate}[args.command]
    try:
        return handler(args)
    except (events.EventsError, NegotiationError) as exc:
        print(f"negotiation: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"negotiation: error: cannot read {args.log}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
