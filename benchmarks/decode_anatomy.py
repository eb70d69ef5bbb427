"""Where the decode's time goes, step by step, against the decode floor: the figures behind RESULTS.md's causes.

Usage (from the repository folder, after ``run.py`` or on any log)::

    .venv/bin/python benchmarks/decode_anatomy.py LOG [--samples K]

Each step adds one piece of what ``events.read_jsonl`` does to the one
before, on the lines of ``LOG`` held in memory (so reading the file is
left out, except in the last two rows), and each is timed in this process
(CPU time, the median of ``K`` samples, interleaved):

1. ``orjson.loads`` of every line;
2. plus the fast decoder's checked structure of each record into our
   event (``FastDecoder._record``: every field's value checked, once per
   distinct value; upcasting; the checks across fields);
3. plus the rest of ``FastDecoder.record``: the chain field's form, the
   record written back with sorted keys (the body the hash chain needs) and
   the proof that no key is repeated;
4. plus the hash chain itself (SHA-256 of each body after the previous hash);
5. ``events.read_jsonl`` of the file: all of it, with line numbers, the
   torn-tail and NUL checks and the error plumbing;
6. the decode floor (``decode_floor.decode``: ``orjson.loads`` + cattrs into
   validator-free copies of our classes), from the file.

Prints microseconds per event for each row.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import decode_floor  # noqa: E402 - the benchmark's modules sit next to this script

import events  # noqa: E402
from events import _codec  # noqa: E402

__all__ = ["main", "steps"]


def steps(path: Path) -> dict[str, Callable[[], Any]]:
    """The steps, by name, each a function of no argument over the lines of ``path``."""
    lines = path.read_bytes().splitlines()
    fast = _codec._fast()
    sha256 = hashlib.sha256

    def loads() -> Any:
        return [orjson.loads(line) for line in lines]

    def structure() -> Any:
        fast.clear()
        out = []
        for line in lines:
            data = orjson.loads(line)
            data.pop("hash", None)
            out.append(fast._record(data))
        return out

    def record() -> Any:
        fast.clear()
        out = []
        for line in lines:  # each record's event kept, its parsed JSON and body let go, as in the steps around it
            found = fast.record(line)
            out.append(None if found is None else found[1])
        return out

    def chained() -> Any:
        fast.clear()
        previous, out = events.GENESIS, []
        for line in lines:
            found = fast.record(line)
            if found is None:
                raise SystemExit(f"{path}: a line the fast path does not prove; the anatomy needs a clean log")
            data, event, body = found
            previous = sha256(previous.encode("ascii") + body).hexdigest()
            if previous != data["hash"]:
                raise SystemExit(f"{path}: the hash chain breaks; the anatomy needs a clean, chained log")
            out.append(event)
        return out

    return {
        "1. orjson.loads": loads,
        "2. + checked structure into our events": structure,
        "3. + chain field, sorted body, no repeated key": record,
        "4. + the hash chain (SHA-256)": chained,
        "5. events.read_jsonl (from the file)": lambda: events.read_jsonl(path),
        "6. decode floor: orjson + plain cattrs (from the file)": lambda: decode_floor.decode(path),
    }


def main(argv: list[str] | None = None) -> int:
    """Time each step; print microseconds per event. Returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--samples", type=int, default=3)
    args = parser.parse_args(argv)
    found = steps(args.log)
    count = len(events.read_jsonl(args.log))
    seconds: dict[str, list[float]] = {name: [] for name in found}
    for _ in range(args.samples):
        for name, step in found.items():
            started = time.process_time()
            result = step()
            seconds[name].append(time.process_time() - started)
            del result
    for name, taken in seconds.items():
        print(f"{name:58s} {statistics.median(taken) * 1e6 / count:7.2f} µs per event "
              f"({min(taken) * 1e6 / count:.2f}–{max(taken) * 1e6 / count:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
