"""The ``negotiation`` subcommands that look after log files (verify, upgrade, convert, repair) and ``schema``.

Each log command takes a JSON Lines (``.jsonl``) or SQLite (``.sqlite``,
``.sqlite3``, ``.db``) log, by its file name, or a PostgreSQL URL (the store
registry in ``events`` tells them apart); ``schema`` takes no log. Each
returns an exit code: 0 success, 1 a bad or broken log (nothing changed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

import events

from ._cli_edit import EDIT_COMMANDS, add_edit_commands
from ._safe import say

__all__ = ["LOG_COMMANDS", "add_log_commands"]

_EXIT_OK = 0
_EXIT_INVALID = 1


def add_log_commands(commands: Any) -> None:
    """Add verify, upgrade, convert, repair, schema, correct and retract to an argparse subparsers object."""
    verify = commands.add_parser(
        "verify", help="check a log's hash chain (tamper evidence)",
        description="Check the hash chain of a log: report the first edited, removed, inserted or moved "
                    "record by its line (or record number), or that the log is unchained. Exit 0 only "
                    "when the chain is intact.")
    verify.add_argument("log", metavar="LOG", help="a .jsonl or .sqlite event log, or a postgresql:// URL")
    _stream(verify, "the stream to check")
    verify.add_argument("--head", metavar="HASH", type=_head, help="a head hash kept from earlier; the chain must contain it")

    upgrade = commands.add_parser(
        "upgrade", help="rewrite a log at current event versions, with a hash chain",
        description="Rewrite LOG with every event at its current version and a hash chain, after "
                    "keeping a copy (x.bak.jsonl for x.jsonl, or the first free x.bak-N.jsonl; never "
                    "written through a link). Reading never rewrites a log; only this does.")
    upgrade.add_argument("log", metavar="LOG", help="a .jsonl or .sqlite event log")
    _keep_unknown(upgrade)
    _follow_symlinks(upgrade)

    convert = commands.add_parser(
        "convert", help="copy a log into a new file of another format, or a new PostgreSQL stream",
        description="Copy every record of SOURCE into TARGET, a new file or PostgreSQL stream; each format "
                    "follows its location (.jsonl, .sqlite/.sqlite3/.db, or postgresql://...#stream). TARGET is "
                    "never overwritten, also if it appears while SOURCE is read, and never followed if it is a "
                    "symbolic link; a PostgreSQL stream (#NAME, else SOURCE's) must hold nothing.")
    convert.add_argument("log", metavar="SOURCE", help="the log to read (a file, or a postgresql:// URL)")
    convert.add_argument("target", metavar="TARGET", help="the new log to write: a file, or a postgresql:// URL "
                         "whose stream (#NAME, else SOURCE's) holds nothing")
    _stream(convert, "the stream of SOURCE to copy")
    _keep_unknown(convert)
    _follow_symlinks(convert)

    append = commands.add_parser(
        "append", help="add the events of another file (or standard input) to a log, keeping its chain",
        description="Append the events of NEW (a .jsonl file, a store, or - for standard input, one JSON "
                    "event per line, piped or redirected, not typed) to LOG, which is created if missing. "
                    "An append is all or nothing, also if it is killed midway. Each event is checked first; "
                    "an id already in LOG with the same content is skipped, with different content "
                    "refused. The way to add facts to a chained log: an edited file breaks the chain.")
    append.add_argument("log", metavar="LOG", help="the .jsonl or .sqlite log, or postgresql:// URL, to add to")
    _stream(append, "the stream of LOG to add to")
    append.add_argument("source", metavar="NEW", help="the events to add: a log file, or - for standard input")
    append.add_argument("--expected-version", type=int, metavar="N",
                        help="refuse (writing nothing) unless LOG holds exactly N records")
    _keep_unknown(append)

    repair = commands.add_parser(
        "repair", help="remove a torn last line left by an interrupted write",
        description="If the last line of a JSON Lines event log has no line end and stops midway (a write "
                    "was interrupted), or an append was killed before it finished, cut it off after keeping "
                    "a copy (x.bak.jsonl). Nothing else is changed; a file whose other lines are not event "
                    "records is refused.")
    repair.add_argument("log", metavar="LOG", help="a .jsonl event log")
    _follow_symlinks(repair)

    commands.add_parser(
        "schema", help="print the JSON Schema of a log line",
        description="Print the JSON Schema (draft 2020-12) of one log line at current event versions, "
                    "for tools in other languages that write logs. The library checks more than the "
                    "schema (rules across fields).")
    add_edit_commands(commands)


def _stream(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--stream", metavar="NAME",
                        help=f"{what} (default: the location's: a file's one stream, or #NAME in a PostgreSQL URL)")


def _keep_unknown(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep-unknown", action="store_true",
                        help="keep records of unknown types or future versions as they are, instead of refusing")


def _follow_symlinks(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--follow-symlinks", action="store_true",
                        help="if the log is a symbolic link, work on the file it names (else a link is refused)")


def _head(text: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise argparse.ArgumentTypeError(f"expected a hash of 64 hex digits (as verify prints it), got {text!r}")
    return text.lower()


def _verify(args: argparse.Namespace) -> int:
    found = events.verify_log(args.log, head=args.head, stream=args.stream)
    if found.intact:
        say(err=False, text=found)
        return _EXIT_OK
    say(f"negotiation: {'error' if found.first_bad is not None else 'warning'}: {found}")
    return _EXIT_INVALID


def _upgrade(args: argparse.Namespace) -> int:
    backup = events.upgrade(args.log, keep_unknown=args.keep_unknown, follow_symlinks=args.follow_symlinks)
    if backup is None:
        say(err=False, text=f"{events.redact_location(args.log)}: already at current versions with a hash chain; left as it was")
    else:
        say(err=False, text=f"{events.redact_location(args.log)}: rewritten at current versions with a hash chain; the old log is kept as {backup}")
    return _EXIT_OK


def _append(args: argparse.Namespace) -> int:
    if args.source == "-":
        if sys.stdin.isatty():
            say("negotiation: error: standard input is a terminal: pipe or redirect the events "
                "(negotiation append LOG - < new.jsonl)")
            return _EXIT_INVALID
        # Read as a stream, a line at a time, like any log: readers take a pipe or a redirected file.
        new = events.read_log("/dev/stdin", keep_unknown=args.keep_unknown)
    else:
        new = events.read_log(args.source, keep_unknown=args.keep_unknown)
    with events.open_store(args.log, keep_unknown=args.keep_unknown) as store:
        held = store.version if args.stream is None else store.streams().get(args.stream, 0)
        before = held if args.expected_version is None else args.expected_version
        after = store.append(new, expected_version=args.expected_version, stream=args.stream)
        shown = store.location if args.stream is None else f"{store.location} (stream {args.stream})"
    skipped = len(new) - (after - before)
    note = f" ({skipped} already stored, skipped)" if skipped else ""
    say(err=False, text=f"{shown}: {after - before} record(s) appended{note}; it holds {after}")
    return _EXIT_OK


def _convert(args: argparse.Namespace) -> int:
    count = events.convert(args.log, args.target, keep_unknown=args.keep_unknown,
                           follow_symlinks=args.follow_symlinks, stream=args.stream)
    say(err=False, text=f"{events.redact_location(args.target)}: {count} records copied from "
                        f"{events.redact_location(args.log)}")
    return _EXIT_OK


def _repair(args: argparse.Namespace) -> int:
    done = events.repair(args.log, follow_symlinks=args.follow_symlinks)
    if done is None:
        say(err=False, text=f"{args.log}: no torn last line and no unfinished append; nothing to repair")
    else:
        say(err=False, text=f"{args.log}: removed the torn or unfinished line(s) from line {done.line} ({done.removed} bytes); "
              f"the log as it was is kept as {done.backup}")
    return _EXIT_OK


def _schema(_args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(events.json_schema(), indent=2, sort_keys=True) + "\n")
    return _EXIT_OK


LOG_COMMANDS = {"append": _append, "verify": _verify, "upgrade": _upgrade, "convert": _convert, "repair": _repair,
                "schema": _schema, **EDIT_COMMANDS}
"""Each subcommand handled here (the log commands, schema, correct and retract): parsed arguments to exit code."""
