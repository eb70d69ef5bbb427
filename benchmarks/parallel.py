"""Many streams replayed on Dask: time per stream with 1 and 2 workers, and the speed-up.

    .venv/bin/pip install -e '.[dask,bench]'
    .venv/bin/python benchmarks/parallel.py                       # 200 streams of 5,000 events
    .venv/bin/python benchmarks/parallel.py --streams 20 --events 2000 --scheduler tcp://host:8786

Generates the streams once into a temporary folder (``benchmarks/synthetic.py``,
one seed per stream), checks that the parallel states equal local replays
(by digest, on a sample), then times :func:`negotiation.parallel.replay` of
every stream on a ``LocalCluster`` of 1 and of 2 single-threaded worker
processes (the cluster started before the clock runs), median of 3 samples
each, and the same streams replayed one after another in this process as the
baseline. Writes ``benchmarks/parallel-results.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import distributed

import events
import negotiation
from negotiation import parallel

sys.path.insert(0, str(Path(__file__).parent))
import synthetic  # the generator lives beside this script

AS_OF = date(2025, 12, 31)


def _write_streams(folder: Path, streams: int, count: int) -> dict[str, Path]:
    paths = {}
    for number in range(streams):
        path = folder / f"stream-{number:03d}.jsonl"
        events.write_jsonl(path, synthetic.generate(count, seed=number))
        paths[path.stem] = path
    return paths


def _median(samples: list[float]) -> dict[str, float]:
    return {"median_s": statistics.median(samples), "min_s": min(samples), "max_s": max(samples)}


def _timed(run: object, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--events", type=int, default=5_000, help="events per stream")
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--scheduler", help="a running scheduler's address instead of local clusters")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "parallel-results.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="negotiation-parallel-") as folder:
        started = time.perf_counter()
        paths = _write_streams(Path(folder), args.streams, args.events)
        print(f"generated {args.streams} streams of {args.events} events in {time.perf_counter() - started:.1f} s")

        def local() -> None:
            for path in paths.values():
                negotiation.replay(events.read_log(path), as_of=AS_OF)

        results: dict[str, object] = {
            "streams": args.streams, "events_per_stream": args.events, "samples": args.samples,
            "local": _median(_timed(local, args.samples)),
        }
        clusters: list[tuple[str, int | str]] = (
            [("scheduler", args.scheduler)] if args.scheduler else [("1 worker", 1), ("2 workers", 2)]
        )
        for label, how in clusters:
            with contextlib.ExitStack() as stack:
                if isinstance(how, int):
                    how = stack.enter_context(distributed.LocalCluster(
                        n_workers=how, threads_per_worker=1, processes=True, dashboard_address=None))
                client = stack.enter_context(distributed.Client(how))
                sample = dict(list(paths.items())[:5])
                got = parallel.replay(sample, as_of=AS_OF, client=client)
                for name, path in sample.items():
                    assert got[name].digest == negotiation.replay(events.read_log(path), as_of=AS_OF).digest, name
                results[label] = _median(_timed(lambda client=client: parallel.replay(paths, as_of=AS_OF, client=client),
                                                args.samples))

    base = results["local"]["median_s"]  # type: ignore[index]
    for label, figures in results.items():
        if isinstance(figures, dict):
            per = figures["median_s"] / args.streams * 1000
            print(f"{label:10} {figures['median_s']:7.2f} s  {per:6.1f} ms per stream  speed-up over local {base / figures['median_s']:.2f}x"
                  f"  (spread {figures['min_s']:.2f}-{figures['max_s']:.2f} s)")
    if "1 worker" in results and "2 workers" in results:
        one, two = results["1 worker"]["median_s"], results["2 workers"]["median_s"]  # type: ignore[index]
        results["speed_up_2_over_1"] = one / two
        print(f"2 workers over 1: {one / two:.2f}x")
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
