"""The ``negotiation`` command line.

Exit codes: 0 success, 1 invalid input (a bad log, an unreadable file),
2 usage (bad arguments). Errors go to standard error, without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import events

from ._cli_cache import Kept, add_cache_command, answer_slot, cache_command
from ._cli_logs import LOG_COMMANDS, add_log_commands
from ._cli_stores import STORE_COMMANDS, add_store_commands
from ._cli_types import option_base, option_date, option_instant, option_party, option_product
from ._errors import ConflictingEventError, NegotiationError, OpaqueRecordWarning, QueryError
from ._progress import progress_bar
from ._safe import for_terminal, say

# Each command imports what only it uses (the fold, the renderers, the timeline) when it runs: start-up is import time.

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2




def _rate_terms(parser: argparse.ArgumentParser) -> None:
    """--base and --quota: what the tariff rules may need for a product (see README, How tariffs combine)."""
    parser.add_argument("--base", type=option_base, metavar="PERCENT",
                        help="the base (MFN) rate of the product, e.g. 2.5 (default: the one the log records)")
    parser.add_argument("--quota", choices=("in", "out"),
                        help="inside or outside a tariff-rate quota, where a layer has one")


def _version() -> str:
    from importlib import metadata  # only for --version: it costs more to import than a replay of a seed log

    try:
        return metadata.version("negotiation-state")
    except metadata.PackageNotFoundError:
        return "(not installed)"


class _VersionAction(argparse.Action):
    """``--version``, looking the version up only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        sys.stdout.write(f"{parser.prog} {_version()}\n")
        parser.exit()


def _command(commands: Any, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=summary, description=description)
    parser.add_argument("log", metavar="LOG", help="an event log: .jsonl, .sqlite/.sqlite3/.db, or a "
                        "postgresql:// URL (postgresql://user@host/db#stream)")
    _stream(parser)
    parser.add_argument("--keep-unknown", action="store_true",
                        help="skip records of unknown types or future versions, with a warning, instead of refusing")
    parser.add_argument("--strict", action="store_true",
                        help="refuse a log whose hash chain is broken (default: a warning on standard error)")
    parser.add_argument("--no-cache", action="store_true",
                        help="decode the log without the cache of decoded logs (see `negotiation cache info`)")
    return parser


def _stream(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stream", metavar="NAME",
                        help="the stream (negotiation) of the store to read, e.g. us-china (default: the "
                             "location's: a file's one stream, or #NAME in a PostgreSQL URL)")


def _known_at(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--known-at", type=option_instant, metavar="TIMESTAMP",
                        help="only events recorded at or before this instant, e.g. 2025-05-13T12:00Z")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="negotiation", description="Replay a negotiation event log (JSON Lines, SQLite or PostgreSQL) to a date."
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show program's version number and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = _command(commands, "replay", "print the state on a date",
                   "Print the state on --as-of (valid time), as known at --known-at "
                   "(transaction time; default: everything in the log).")
    run.add_argument("--as-of", required=True, type=option_date, metavar="YYYY-MM-DD")
    _known_at(run)
    run.add_argument("--format", choices=("text", "json"), default="text")

    _command(commands, "validate", "check a log and report every problem",
             "Check every line of a log; report each problem with its line number.")

    series = _command(commands, "timeline", "print the tariff on each day of a range",
                      "One row per day from --from to --to (both inclusive): with --imposer and "
                      "--target, that pair's total and each layer (percent); without, every pair's "
                      "all-goods total.")
    series.add_argument("--from", dest="start", required=True, type=option_date, metavar="YYYY-MM-DD")
    series.add_argument("--to", dest="end", required=True, type=option_date, metavar="YYYY-MM-DD")
    series.add_argument("--imposer", type=option_party, metavar="ISO3")
    series.add_argument("--target", type=option_party, metavar="ISO3")
    series.add_argument("--product", type=option_product, metavar="HS", help="an HS code, e.g. 120190 or 1201.90 (needs a pair)")
    _rate_terms(series)
    _known_at(series)
    series.add_argument("--format", choices=("csv", "json", "text"), default="text")

    diff = _command(commands, "diff", "list what changed after one date up to another",
                    "Every change of a tariff total, layer, accord or export control after D1 up to "
                    "and including D2, each with the events (or the clock rule) that caused it.")
    diff.add_argument("first", metavar="D1", type=option_date)
    diff.add_argument("second", metavar="D2", type=option_date)
    _known_at(diff)
    diff.add_argument("--format", choices=("text", "json"), default="text")

    why = _command(commands, "explain", "say which events make up a tariff or an accord's status",
                   "Explain the tariff of --imposer on --target (optionally --product), or --accord, "
                   "on --as-of, with each event and its source.")
    why.add_argument("--as-of", required=True, type=option_date, metavar="YYYY-MM-DD")
    why.add_argument("--imposer", type=option_party, metavar="ISO3")
    why.add_argument("--target", type=option_party, metavar="ISO3")
    why.add_argument("--product", type=option_product, metavar="HS")
    why.add_argument("--accord", metavar="ID")
    _rate_terms(why)
    _known_at(why)
    why.add_argument("--format", choices=("text", "json"), default="text")
    chart = _command(commands, "plot", "draw the tariff of a pair over a range as an image",
                     "Draw the tariff of --imposer on --target (optionally --product) on each day from "
                     "--from to --to: layers stacked, accord windows shaded, talks marked. Needs the "
                     "'plot' extra (matplotlib).")
    chart.add_argument("--from", dest="start", required=True, type=option_date, metavar="YYYY-MM-DD")
    chart.add_argument("--to", dest="end", required=True, type=option_date, metavar="YYYY-MM-DD")
    chart.add_argument("--imposer", required=True, type=option_party, metavar="ISO3")
    chart.add_argument("--target", required=True, type=option_party, metavar="ISO3")
    chart.add_argument("--product", type=option_product, metavar="HS", help="an HS code, e.g. 120190")
    _rate_terms(chart)
    _known_at(chart)
    chart.add_argument("-o", "--output", required=True, metavar="FILE", help="the image to write: .png, .svg or .pdf")
    page = _command(commands, "report", "write a self-contained interactive HTML report of a pair over a range",
                    "Write one HTML file that opens offline: the daily duty of --imposer on --target stacked by "
                    "layer, accord windows, talks, leaders' contacts, rulings, instruments, the projected days, "
                    "every event shown with its source, and what the figures cover. Without --from and --to: "
                    "from the log's first effective day to its last (or its horizon, if later). Needs the "
                    "'report' extra (altair, vl-convert-python).")
    page.add_argument("--from", dest="start", type=option_date, metavar="YYYY-MM-DD")
    page.add_argument("--to", dest="end", type=option_date, metavar="YYYY-MM-DD")
    page.add_argument("--imposer", type=option_party, default="USA", metavar="ISO3", help="default: USA")
    page.add_argument("--target", type=option_party, default="CHN", metavar="ISO3", help="default: CHN")
    page.add_argument("--product", type=option_product, metavar="HS", help="an HS code, e.g. 120190")
    _rate_terms(page)
    _known_at(page)
    page.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML file to write")
    add_log_commands(commands)
    add_store_commands(commands)
    add_cache_command(commands)
    return parser


def _located(problem: NegotiationError, path: str, found: events.LogCheck) -> str:
    """The problem prefixed with the file and the line of the event at fault.

    For a conflict, that is the line of the second, different event; else
    the first line with the event id the problem names.
    """
    pairs = list(zip(found.events, found.lines, strict=True))
    event_id = getattr(problem, "event_id", None)
    if isinstance(problem, ConflictingEventError):
        lines = [line for event, line in pairs if event is problem.second]
    else:
        lines = [line for event, line in pairs if event.event_id == event_id]
    corrections = [
        line for event, line in pairs if isinstance(event, events.EventCorrected) and event.corrects == event_id
    ]
    unit = events.store_kind(path).unit
    where = f"{path}, {unit} {lines[0]}" if lines else path
    if corrections and not isinstance(problem, ConflictingEventError):
        where += f" (its content as corrected on {unit} {corrections[-1]})"
    return f"{where}, {problem}" if lines else f"{where}: {problem}"


def _json(data: Any) -> str:
    from ._canonical import canonical_json

    return for_terminal(canonical_json(events.converter.unstructure(data)), json=True) + "\n"


def _replay(args: argparse.Namespace, log: Sequence[events.Record]) -> str:
    from ._canonical import canonical_json
    from ._fold import replay
    from ._render import render_text

    state = replay(log, as_of=args.as_of, known_at=args.known_at, progress=progress_bar("replay", events=len(log)))
    if args.format == "json":
        return for_terminal(canonical_json({**state.to_dict(), "digest": state.digest}), json=True) + "\n"
    return render_text(state)


def _timeline(args: argparse.Namespace, log: Sequence[events.Record]) -> Iterator[str]:
    if (args.imposer is None) != (args.target is None) or (
        (args.product or args.base is not None or args.quota) and args.imposer is None
    ):
        raise _Usage("give both --imposer and --target (and --product, --base, --quota only with them)")
    if args.end < args.start:
        raise _Usage(f"--to ({args.end}) is before --from ({args.start})")
    bar = progress_bar("timeline", events=len(log), days=(args.end - args.start).days + 1)
    from ._cli_series import timeline_output

    return timeline_output(log, args.start, args.end, imposer=args.imposer, target=args.target, product=args.product,
                           base=args.base, quota=args.quota, known_at=args.known_at, fmt=args.format, progress=bar)


_HELD_CHANGES = 20_000
"""The most changes ``diff`` holds from its checking fold; a longer diff is folded again to write its changes."""


def _diff(args: argparse.Namespace, log: Sequence[events.Record]) -> Iterator[str]:
    """The changes, written as they are made: every day is worked out (and any error raised) before this returns.

    The checking fold keeps up to :data:`_HELD_CHANGES` changes; past that
    it keeps none, and a second fold makes them again as they are written,
    so memory does not grow with the number of changes.
    """
    if args.second <= args.first:
        hint = (f" (for the changes on {args.second}, give D1 {args.second - timedelta(days=1)})"
                if args.second == args.first > events.EARLIEST else "")
        raise _Usage(f"D2 ({args.second}) must be after D1 ({args.first}): diff lists the changes after D1 up to and "
                     f"including D2{hint}")
    from ._render import change_pieces
    from ._timeline import iter_changes

    first = args.first + timedelta(days=1)
    bar = progress_bar("diff", events=len(log), days=(args.second - args.first).days)
    held: list[Any] | None = []
    for change in iter_changes(log, first, args.second, known_at=args.known_at, progress=bar):
        if held is not None:
            held.append(change)
            if len(held) > _HELD_CHANGES:
                held = None
    found = held if held is not None else iter_changes(log, first, args.second, known_at=args.known_at)
    if args.format == "json":
        return _json_array(change.to_dict() for change in found)
    return change_pieces(found)


def _json_array(items: Iterable[Any]) -> Iterator[str]:
    """:func:`_json` of a list of ``items``, an item at a time."""
    from ._canonical import canonical_json

    yield "["
    for index, item in enumerate(items):
        yield ("," if index else "") + for_terminal(canonical_json(events.converter.unstructure(item)), json=True)
    yield "]\n"


def _explain(args: argparse.Namespace, log: Sequence[events.Record]) -> str:
    if (args.accord is None) == (args.imposer is None and args.target is None) or (
        args.accord is None and (args.imposer is None or args.target is None)
    ) or (args.accord is not None and (args.product is not None or args.base is not None or args.quota)):
        raise _Usage("give either --imposer and --target (and optionally --product, --base, --quota), or --accord")
    from ._explain import explain
    from ._fold import replay
    from ._render import render_explanation

    state = replay(log, as_of=args.as_of, known_at=args.known_at, progress=progress_bar("explain", events=len(log)))
    explanation = explain(state, imposer=args.imposer, target=args.target, product=args.product, accord_id=args.accord,
                          base=args.base, quota=args.quota)
    return _json(explanation) if args.format == "json" else render_explanation(explanation)


def _plot(args: argparse.Namespace, log: Sequence[events.Record]) -> str:
    if args.end < args.start:
        raise _Usage(f"--to ({args.end}) is before --from ({args.start})")
    try:
        from . import plots
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] != "matplotlib":
            raise
        say("negotiation: error: install the 'plot' extra: pip install 'negotiation-state[plot]'")
        raise SystemExit(EXIT_INVALID) from None
    figure = plots.tariff_figure(log, args.start, args.end, imposer=args.imposer, target=args.target,
                                 product=args.product, known_at=args.known_at, base=args.base, quota=args.quota)
    if os.path.splitext(args.output)[1].lstrip(".").lower() not in figure.canvas.get_supported_filetypes():
        raise _Usage(f"-o must name a .png, .svg or .pdf file, got {args.output!r}")
    try:
        figure.savefig(args.output)
    except OSError as exc:
        say(f"negotiation: error: cannot write {args.output}: {exc.strerror or exc}")
        raise SystemExit(EXIT_INVALID) from None
    return f"{args.output}: {args.imposer} on {args.target}, {args.start} to {args.end}\n"


def _report(args: argparse.Namespace, log: Sequence[events.Record]) -> str:
    known = [event for event in log if not isinstance(event, events.OpaqueRecord)]
    if not known and (args.start is None or args.end is None):
        raise _Usage("the log has no event to take a range from: give --from and --to")
    start = args.start or min(event.effective for event in known)
    end = args.end or max(max(event.effective, event.recorded.date()) for event in known)  # the horizon or later
    if end < start:
        raise _Usage(f"--to ({end}) is before --from ({start})")
    try:
        from ._report import report
        report(log, start=start, end=end, imposer=args.imposer, target=args.target, product=args.product,
               base=args.base, quota=args.quota, known_at=args.known_at, path=args.output)
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("altair", "vl_convert"):
            raise
        say(f"negotiation: error: {exc}")
        raise SystemExit(EXIT_INVALID) from None
    except OSError as exc:
        say(f"negotiation: error: cannot write {args.output}: {exc.strerror or exc}")
        raise SystemExit(EXIT_INVALID) from None
    return f"{args.output}: {args.imposer} on {args.target}, {start} to {end}\n"


def _as_options(exc: QueryError) -> str:
    """A query error in the command line's words: a missing base or quota choice names the option to give."""
    if exc.argument == "base" and exc.value is None:
        return f"{exc}".replace("pass base= (percent)", "give --base PERCENT, the product's MFN rate")
    if exc.argument == "quota" and exc.value is None:
        return f"{exc}".replace("pass quota='in' or quota='out'", "give --quota in or --quota out")
    return str(exc)


class _Usage(Exception):
    """A combination of arguments that argparse cannot check by itself."""


def _validate(args: argparse.Namespace, found: events.LogCheck) -> int:
    from ._fold import find_problems

    shown = events.redact_location(args.log)
    problems = [str(error) for error in found.errors]
    problems += [_located(problem, shown, found) for problem in find_problems(found.events)]
    problems += _opaque_conflicts(shown, found)
    try:
        chain = events.verify_log(args.log, stream=args.stream)
    except (OSError, events.EventsError) as exc:
        problems.append(f"{shown}: the hash chain cannot be checked: {exc}")
    else:
        if chain.first_bad is not None:
            problems.append(f"{chain} (the hash chain; see `negotiation verify`)")
    for problem in problems:
        say(problem)
    count = len(found.events) + len(found.errors)
    if problems:
        say(f"{shown}: {len(problems)} problem(s) in {count} event line(s)")
        return EXIT_INVALID
    say(f"{shown}: {count} events, valid", err=False)
    return EXIT_OK


def _opaque_conflicts(path: str, found: events.LogCheck) -> list[str]:
    """Each kept opaque record that shares an id with another record of different content.

    (Two events with one id are :func:`find_problems`' to report; stores
    refuse any two records with one id and different contents.)
    """
    unit = events.store_kind(path).unit
    first: dict[str, tuple[int, events.Record]] = {}
    problems = []
    for item, line in zip(found.events, found.lines, strict=True):
        if item.event_id is None:
            continue
        seen_line, seen = first.setdefault(item.event_id, (line, item))
        opaque = isinstance(item, events.OpaqueRecord) or isinstance(seen, events.OpaqueRecord)
        if seen is not item and opaque and events.to_record(seen) != events.to_record(item):
            problems.append(f"{path}, {unit} {line}, event {item.event_id!r}: the id of {unit} {seen_line}, "
                            "with different content")
    return problems


_COMMANDS = {"replay": _replay, "timeline": _timeline, "diff": _diff, "explain": _explain, "plot": _plot,
             "report": _report}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    slot = answer_slot(args)  # the answer printed last time for this log's bytes, these arguments and this code
    held = None if slot is None else slot.get()
    if held is not None:
        return _print(held)
    kept = Kept()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OpaqueRecordWarning)
        warnings.simplefilter("error" if getattr(args, "strict", False) else "always", events.ChainWarning)
        code = _run(parser, args, kept)
    if slot is not None and code == EXIT_OK and not caught and kept.pieces is not None:
        slot.put("".join(kept.pieces))
    for warning in caught:
        if args.command == "validate" and issubclass(warning.category, events.ChainWarning):
            continue  # validate reports the broken chain as a problem of its own
        say(f"negotiation: warning: {warning.message}")
    return code


def _print(text: str) -> int:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, kept: Kept) -> int:
    try:
        if args.command in LOG_COMMANDS:
            return LOG_COMMANDS[args.command](args)
        if args.command in STORE_COMMANDS:
            return STORE_COMMANDS[args.command](args)
        if args.command == "cache":
            return cache_command(args)
        read = events.check_log if args.no_cache else events.check_log_cached  # the one place query commands read
        found = read(args.log, keep_unknown=args.keep_unknown, stream=args.stream)
    except OSError as exc:
        say(f"negotiation: error: cannot use {exc.filename or events.redact_location(args.log)}: {exc.strerror or exc}")
        return EXIT_INVALID
    except (events.EventsError, events.ChainWarning) as exc:
        say(f"negotiation: error: {exc}")
        return EXIT_INVALID
    if args.command == "validate":
        return _validate(args, found)
    if found.errors:
        say(f"negotiation: error: {found.errors[0]}")
        return EXIT_INVALID
    try:
        output = _COMMANDS[args.command](args, found.events)
        for piece in [output] if isinstance(output, str) else output:  # a str, or pieces written as they are made
            safe = for_terminal(piece)
            sys.stdout.write(safe)
            kept.add(safe)
        sys.stdout.flush()
    except BrokenPipeError:
        kept.drop()
        # The reader (e.g. `head`) closed the pipe: stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except QueryError as exc:
        parser.error(for_terminal(_as_options(exc)))
    except _Usage as exc:
        parser.error(for_terminal(str(exc)))
    except NegotiationError as exc:
        say(f"negotiation: error: {_located(exc, events.redact_location(args.log), found)}")
        return EXIT_INVALID
    return EXIT_OK
