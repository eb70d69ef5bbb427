"""The benchmark: this library against FLOOR, a decode floor, eventsourcing, pandas and DuckDB, in one run.

Usage (from the repository folder)::

    python3 -m venv .venv && .venv/bin/pip install -q '.[bench]' && .venv/bin/python benchmarks/run.py

For each size (default 100,000 and 1,000,000 events, plus 10,000 for the
growth from small to large) it generates a synthetic log
(``benchmarks/synthetic.py``) and measures, each figure the median of at
least three samples with its spread:

* our path from the file: decode, fold, memory held, every pair's tariff
  total on one date, one pair's daily series for a year (one timeline),
  FLOOR with and without its sort (``children.ours_sample``, each sample in
  a fresh process);
* the decode floor: ``orjson`` + plain cattrs into validator-free copies of
  our classes (``decode_floor.py``);
* storage to state at equal size: our SQLite store and JSON Lines file
  against eventsourcing's SQLite store, and both folds in memory
  (``children.stores``, on at most ``--store-events`` events);
* the same tariff questions answered by DuckDB and pandas, checked equal to
  ours first (``tariff_peers.py``);
* the command line in new processes: ``timeline`` and ``diff`` scaling,
  memory over a long range, a second ``replay`` of an unchanged log, and
  start-up import time (``cli_runs.py``).

Then it judges each target of the issue as a ratio taken in this run
(``report.py``) and writes ``benchmarks/results.json`` and
``benchmarks/RESULTS.md`` (keeping the hand-written causes in it).
``--quick`` runs the whole harness on tiny logs in a few seconds (the
test suite does) and writes nothing unless told where.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cli_runs  # noqa: E402 - the benchmark's modules sit next to this script
import report  # noqa: E402

__all__ = ["DEFAULT_SIZES", "main", "measure_size"]

DEFAULT_SIZES = (100_000, 1_000_000)
"""The sizes the targets are judged at."""
GROWTH_SIZE = 10_000
"""The small size that growth per event is measured from."""
COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q '.[bench]' && .venv/bin/python benchmarks/run.py"
"""The README's benchmark command."""
SEED_LOG = HERE.parent / "seeds" / "us-china.jsonl"
SEED_AS_OF = date(2025, 6, 9)
CLI_FIRST = date(2025, 3, 1)
"""The first day of the command-line scaling runs."""
SMALL_LONG = 240
"""The long range of the smaller log's command-line scaling runs, days (to 2025-10-27, inside the logs' year)."""


def _child(name: str, inline: bool, **arguments: Any) -> dict[str, Any]:
    """Run ``children.CHILDREN[name](**arguments)`` in a fresh Python process (in this one if ``inline``); its answer.

    The answer goes through JSON either way.
    """
    if inline:
        import children

        return json.loads(json.dumps(children.CHILDREN[name](**json.loads(json.dumps(arguments)))))  # type: ignore[no-any-return]
    # Cold figures, from the file: no persisted cache, should the library ever read through one.
    env = {**cli_runs.without_cache_settings(os.environ), "NEGOTIATION_CACHE": "off"}
    done = subprocess.run([sys.executable, __file__, "--child", name, json.dumps(arguments)], check=False,
                          stdout=subprocess.PIPE, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"the measurement {name} failed (exit {done.returncode}); its error is above")
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def _pooled(work: Sequence[tuple[str, dict[str, Any]]], *, jobs: int, inline: bool) -> list[dict[str, Any]]:
    """Each ``(name, arguments)`` of ``work`` run by :func:`_child`, ``jobs`` processes at a time, in order given.

    With two at a time each sample shares the machine with one other
    (mostly a sample of the same kind), so the figures compared in a ratio
    (ours and the floor, one size and another) are taken alike.
    """
    if jobs <= 1:
        return [_child(name, inline, **arguments) for name, arguments in work]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda item: _child(item[0], inline, **item[1]), work))


@contextlib.contextmanager
def _bytecode_kept(folder: Path) -> Iterator[None]:
    """Let every process this run starts keep compiled bytecode, in ``folder`` (``PYTHONPYCACHEPREFIX``).

    As an installed library's is: a machine that sets ``PYTHONDONTWRITEBYTECODE``
    (this one does) would otherwise compile every module again in every
    command, and the start-up and second-run figures would measure that.
    """
    saved = {name: os.environ.get(name) for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _say(started: float, text: str) -> None:
    print(f"[{time.perf_counter() - started:6.0f} s] {text}", flush=True)


def measure_size(count: int, folder: Path, *, seed: int, samples: int, store_events: int, pandas_events: int,
                 started: float, jobs: int = 1, stores_of: dict[str, Any] | None = None,
                 inline: bool = False) -> dict[str, Any]:
    """Every in-process figure of one size, each sample in its own process; the log stays in ``folder``.

    Args:
        jobs: How many samples of our path and the floor run at once (see :func:`_pooled`).
        stores_of: The store figures of the log of exactly ``store_events``
            events, if measured already: a larger log reuses them.
        inline: Run every step in this process instead (a check of the
            harness: the memory figures then mean nothing).
    """
    path = folder / f"log-{count}.jsonl"
    _say(started, f"N = {count:,}: generating and writing the log")
    written = _child("write_log", inline, path=str(path), count=count, seed=seed)
    answers = folder / f"answers-{count}.json"
    _say(started, f"N = {count:,}: our path from the file and the decode floor, {samples} samples each, "
                  f"{jobs} at a time")
    jobs_run = _pooled([
        *(("ours_sample", {"path": str(path), "pair": written["pair"], "answers": str(answers) if index == 0 else None})
          for index in range(samples)),
        *(("decode_floor_sample", {"path": str(path), "check": index == 0}) for index in range(samples)),
    ], jobs=1 if inline else jobs, inline=inline)
    ours, floor = jobs_run[:samples], jobs_run[samples:]
    if stores_of is not None and count > store_events:
        stores = {**stores_of, "measured_on_log": store_events}
    else:
        _say(started, f"N = {count:,}: our SQLite store and eventsourcing on {min(count, store_events):,} events, "
                      f"{min(jobs, 2)} at a time")
        store_folder = folder / f"stores-{count}"
        store_folder.mkdir()
        prefix = store_folder / "prefix.jsonl"  # set-up: the first events of the log (a chained log too)
        with open(path, "rb") as source, open(prefix, "wb") as target:
            target.writelines(itertools.islice(source, store_events))
        ours_store, peer_store = _pooled([
            (name, {"prefix": str(prefix), "folder": str(store_folder), "samples": samples})
            for name in ("stores_ours", "stores_peer")], jobs=1 if inline else jobs, inline=inline)
        stores = {**ours_store, **peer_store}
        shutil.rmtree(store_folder)
    _say(started, f"N = {count:,}: DuckDB{' and pandas' if count <= pandas_events else ''}")
    peers = _child("tariff_peers", inline, path=str(path), answers=str(answers), samples=samples,
                   with_pandas=count <= pandas_events)
    size = {"events": count, "log": str(path), "setup": {"generate_s": written["generate_s"], "write_s": written["write_s"]},
            "stats": written["stats"], "pair": written["pair"], "ours": ours, "decode_floor": floor,
            "stores": stores, "tariff_peers": peers}
    size["derived"] = report.derived(size)
    return size


def measure_cli(sizes: dict[int, dict[str, Any]], folder: Path, *, samples: int, cli_events: int,
                days: dict[str, tuple[int, int]], range_years: int, started: float,
                small_long: int | None = SMALL_LONG) -> dict[str, Any]:
    """The command-line figures, on the logs of at most ``cli_events`` events (the scaling needs two)."""
    # Each run works its whole answer out (a kept answer would make every sample after the first a cache read);
    # the decoded events are kept (NEGOTIATION_CACHE=events), so a run's fixed cost, which the scaling subtracts,
    # is small next to the days' work.
    env = {**cli_runs.without_cache_settings(os.environ), "NEGOTIATION_CACHE": "events",
           "NEGOTIATION_CACHE_DIR": str(folder / "cli-cache")}
    logs = sorted((count, size) for count, size in sizes.items() if count <= cli_events)
    cli: dict[str, Any] = {}
    if len(logs) >= 2:
        pick = [(Path(size["log"]), size["stats"]) for _, size in (logs[0], logs[-1])]
        for command, span in days.items():
            _say(started, f"command line: {command} over every pair, {span[0]} and {span[1]} days")
            cli[command] = cli_runs.scaling(command, pick, first=CLI_FIRST, days=span, samples=samples, env=env,
                                            small_long=small_long)
    if logs:
        small_count, small = logs[0]
        start = date(2025, 1, 1)
        ends = (date(2025, 12, 31), date(2025 + range_years, 1, 1) - timedelta(days=1))
        _say(started, f"command line: memory of a one-pair timeline to {ends[1]}")
        cli["range_memory"] = {"events": small_count, "pair": small["pair"],
                               **cli_runs.range_memory(Path(small["log"]), small["pair"], ends=ends, start=start,
                                                       samples=samples, env=env)}
        large_count, large = logs[-1]
        _say(started, f"command line: a second replay of {large_count:,} events")
        cli["second_run"] = {"events": large_count, **cli_runs.second_run(Path(large["log"]), as_of=date(2025, 12, 31),
                                                                           other_day=date(2025, 6, 30),
                                                                           samples=samples, folder=folder)}
    _say(started, "command line: start-up")
    cold = {**cli_runs.without_cache_settings(os.environ), "NEGOTIATION_CACHE": "off"}  # the whole command's imports
    cli["import_time"] = cli_runs.import_time(SEED_LOG, as_of=SEED_AS_OF, samples=samples, env=cold)
    return cli


def _commit() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                              check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=HERE,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip() + (" with uncommitted changes" if dirty else "")


def _kept_causes(path: Path) -> str | None:
    """The hand-written causes in an earlier ``RESULTS.md`` at ``path``, if it has the markers."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if report.CAUSES_START not in text or report.CAUSES_END not in text:
        return None
    return text.split(report.CAUSES_START, 1)[1].split(report.CAUSES_END, 1)[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), metavar="N",
                        help="log sizes the targets are judged at (default: 100000 1000000)")
    parser.add_argument("--growth-size", type=int, default=GROWTH_SIZE, metavar="N",
                        help="the small size growth per event is measured from (default 10000; 0: none)")
    parser.add_argument("--samples", type=int, default=3, metavar="K", help="samples per figure (default 3)")
    parser.add_argument("--jobs", type=int, default=2, metavar="J",
                        help="samples of our path and of the decode floor run J at a time, each in its own process "
                             "(default 2, one per core of the machine the budget is set on; 1: one at a time)")
    parser.add_argument("--store-events", type=int, default=100_000, metavar="N",
                        help="the most events the SQLite stores and eventsourcing are measured on (default 100000)")
    parser.add_argument("--pandas-events", type=int, default=100_000, metavar="N",
                        help="the largest log pandas is measured on (default 100000)")
    parser.add_argument("--cli-events", type=int, default=100_000, metavar="N",
                        help="the largest log the command line is measured on (default 100000)")
    parser.add_argument("--timeline-days", type=int, nargs=2, default=[15, 60], metavar=("SHORT", "LONG"),
                        help="the two ranges of the every-pair timeline scaling runs, days (default 15 60)")
    parser.add_argument("--diff-days", type=int, nargs=2, default=[15, 60], metavar=("SHORT", "LONG"),
                        help="the two ranges of the diff scaling runs, days (default 15 60)")
    parser.add_argument("--range-years", type=int, default=100, metavar="Y",
                        help="the long range of the memory run, years from 2025 (default 100)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--quick", action="store_true",
                        help="tiny logs (500 and 1,000 events), one sample, every step but the command line's in this "
                             "process: checks the harness and the peers' answers, not the speed")
    parser.add_argument("--json", type=Path, help="where to write the figures (default benchmarks/results.json; "
                                                  "with --quick, nowhere)")
    parser.add_argument("--markdown", type=Path, help="where to write the report (default benchmarks/RESULTS.md; "
                                                      "with --quick, nowhere)")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "JSON"), help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the targets and write the JSON file and report. Returns the exit code."""
    args = _parser().parse_args(argv)
    if args.child is not None:
        import children

        answer = children.CHILDREN[args.child[0]](**json.loads(args.child[1]))
        print(json.dumps(answer), flush=True)
        os._exit(0)  # skip freeing millions of objects one by one at exit
    if args.quick:
        args.sizes, args.growth_size, args.range_years, args.samples = [1_000], 500, 3, 1
        args.timeline_days, args.diff_days = [2, 4], [2, 4]
    elif args.json is None and args.markdown is None:
        args.json, args.markdown = HERE / "results.json", HERE / "RESULTS.md"
    days = {"timeline": (args.timeline_days[0], args.timeline_days[1]), "diff": (args.diff_days[0], args.diff_days[1])}
    if args.samples < 1 or args.jobs < 1 or min(args.sizes) < 1 or any(
            not 0 < short < long for short, long in days.values()):
        raise SystemExit("run.py: --samples, --jobs and --sizes must be positive, and the days 0 < SHORT < LONG")
    counts = sorted(set(args.sizes) | ({args.growth_size} if args.growth_size > 0 else set()))
    started = time.perf_counter()
    sizes: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="negotiation-bench-") as temp, _bytecode_kept(Path(temp) / "pycache"):
        folder = Path(temp)
        for count in counts:
            exact = sizes.get(args.store_events)
            sizes[count] = measure_size(count, folder, seed=args.seed, samples=args.samples,
                                        store_events=args.store_events, pandas_events=args.pandas_events,
                                        started=started, jobs=args.jobs, stores_of=exact and exact["stores"],
                                        inline=args.quick)
            if count > args.cli_events:
                Path(sizes[count]["log"]).unlink()
        cli = measure_cli(sizes, folder, samples=args.samples, cli_events=args.cli_events,
                          days=days, range_years=args.range_years, started=started,
                          small_long=None if args.quick else SMALL_LONG)
    total = time.perf_counter() - started
    results: dict[str, Any] = {
        "command": " ".join([COMMAND, *(sys.argv[1:] if argv is None else argv)]),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "date": datetime.now(UTC).date().isoformat(), "commit": _commit()},
        "settings": {"sizes": args.sizes, "growth_size": args.growth_size, "samples": args.samples, "jobs": args.jobs,
                     "store_events": args.store_events, "pandas_events": args.pandas_events,
                     "cli_events": args.cli_events, "cli_days": days, "range_years": args.range_years,
                     "seed": args.seed},
        "total_s": total,
        "sizes": {str(count): size for count, size in sizes.items()},
        "cli": cli,
    }
    found = report.targets(results)
    results["targets"] = found
    print()
    print("\n".join(report.target_table(found)))
    print(f"\nwhole run {total:.0f} s ({total / 60:.1f} min)")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
        print(f"figures in {args.json}")
    if args.markdown is not None:
        args.markdown.write_text(report.markdown(results, found, _kept_causes(args.markdown)), encoding="utf-8")
        print(f"report in {args.markdown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
