"""The measurements taken in fresh processes, one function each; ``run.py`` starts them and gathers their JSON.

Each function takes JSON-ready arguments and returns a JSON-ready dict. A
process runs one function: the decode is then its first large allocation
(so resident memory measures what the log and state hold), and no figure
is helped or hurt by what an earlier step left in the heap.
"""

from __future__ import annotations

import functools
import gc
import itertools
import json
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from floor import FOLD_ORDER, floor, sorted_floor
from synthetic import END, START, generate
from tariff_peers import our_series, our_totals, series_pair
from timing import collector_paused, peak_resident, repeated, resident, summary, timed

import events
import negotiation

__all__ = ["CHILDREN", "decode_floor_sample", "ours_sample", "stores_ours", "stores_peer", "tariff_peers",
           "write_log"]

TOTALS_DAY = END
"""The date of the "every pair's total on one date" question: the last day of the synthetic year."""
CHECKED_LINES = 20_000
"""The decode floor's content is checked against ours on at most this many first lines."""


def _stats(log: list[events.AnyEvent]) -> dict[str, Any]:
    """Counts the CLI's scaling is judged against: layers, pairs, and layer changes per effective day."""
    tariffs = [item for item in log if isinstance(item, events.TariffChanged)]
    layers = {(t.imposer, t.target, t.measure, t.scope) for t in tariffs}
    changed = {(t.effective, t.imposer, t.target, t.measure, t.scope) for t in tariffs}
    days = (END - START).days + 1
    return {"events": len(log), "tariff_changes": len(tariffs), "layers": len(layers),
            "pairs": len({key[:2] for key in layers}), "layers_changed_per_day": len(changed) / days}


def write_log(path: str, count: int, seed: int) -> dict[str, Any]:
    """Set-up, not measured: generate ``count`` events from ``seed``, write them to ``path`` (JSON Lines).

    The generator builds events with attrs validators switched off (they
    are the same events; the decode of the file checks every line).

    Returns:
        ``{"generate_s", "write_s", "pair", "stats"}``: set-up seconds, the
        pair of the daily series question, and the log's counts.
    """
    with collector_paused():
        started = time.perf_counter()
        with attrs.validators.disabled():
            log = generate(count, seed=seed)
        generate_s = time.perf_counter() - started
        started = time.perf_counter()
        events.write_jsonl(path, log)
        write_s = time.perf_counter() - started
        return {"generate_s": generate_s, "write_s": write_s, "pair": list(series_pair(log)), "stats": _stats(log)}


def ours_sample(path: str, pair: list[str], answers: str | None) -> dict[str, Any]:
    """One sample of our path from the file to each answer, in a fresh process.

    In order: ``events.read_jsonl`` (decode), ``negotiation.replay`` to
    :data:`TOTALS_DAY` (fold), the resident memory the decoded log and the
    state hold, every pair's total on that day (:func:`our_totals`), the
    pair's daily series over the year (one timeline; the time the timeline
    itself takes is the series' time less the per-day questions), and
    FLOOR with and without its sort (each repeated for at least 0.2 s).

    Args:
        answers: Where to write our answers as JSON (one sample does), or ``None``.
    """
    gc.collect()
    baseline = resident()
    decode_s, log = timed(lambda: events.read_jsonl(path))
    decoded = resident()
    fold_s, state = timed(lambda: negotiation.replay(log, as_of=TOTALS_DAY))
    gc.collect()
    held, peak = resident(), peak_resident()
    totals_s, totals = timed(functools.partial(our_totals, state))
    del state
    subject = (pair[0], pair[1])
    series_s, (series, asking_s) = timed(lambda: our_series(log, START, END, subject, time.perf_counter))
    in_order = sorted(log, key=FOLD_ORDER)
    floor_s, floor_runs = repeated(functools.partial(floor, in_order))
    del in_order
    sorted_floor_s, sorted_floor_runs = repeated(lambda: sorted_floor(log))
    if answers is not None:
        Path(answers).write_text(json.dumps({
            "day": TOTALS_DAY.isoformat(), "pair": pair,
            "totals": [[imposer, target, str(total)] for (imposer, target), total in totals.items()],
            "series": [str(total) for total in series],
        }), encoding="utf-8")
    count = len(log)

    def per_event(value: int | None, start: int | None) -> float | None:
        return None if value is None or start is None else (value - start) / count

    return {
        "events": count, "decode_s": decode_s, "fold_s": fold_s, "totals_s": totals_s,
        "series_s": series_s, "timeline_s": series_s - asking_s, "floor_s": floor_s, "floor_runs": floor_runs,
        "sorted_floor_s": sorted_floor_s, "sorted_floor_runs": sorted_floor_runs,
        "held_bytes_per_event": per_event(held, baseline),
        "log_bytes_per_event": per_event(decoded, baseline),
        "peak_bytes_per_event": per_event(peak, baseline),
        "pairs": len(totals), "series_days": len(series),
    }


def decode_floor_sample(path: str, check: bool) -> dict[str, Any]:
    """One sample of the decode floor (``decode_floor.decode``) of the whole file, in a fresh process.

    Args:
        check: Also check the floor's events equal ours, field by field, on
            the first :data:`CHECKED_LINES` lines (after the timing).

    Raises:
        AssertionError: the floor decodes other content than ours.
    """
    import decode_floor

    decode_s, plain = timed(lambda: decode_floor.decode(Path(path)))
    checked = 0
    if check:
        with open(path, encoding="utf-8") as file:
            head = "".join(itertools.islice(file, CHECKED_LINES))
        ours = events.loads_jsonl(head, path=path)
        if not decode_floor.same_content(plain[:len(ours)], ours):
            raise AssertionError("the decode floor's events differ from events.read_jsonl's")
        checked = len(ours)
    return {"events": len(plain), "decode_floor_s": decode_s, "checked_lines": checked}


def stores_ours(prefix: str, folder: str, samples: int) -> dict[str, Any]:
    """Storage to state by our SQLite store, on the events of the log ``prefix``.

    Appends them to an ``events.SqliteStore`` in ``folder`` (set-up, timed
    for information), then takes ``samples`` samples of its read + fold,
    each checked to give the digest of the fold of the same events read
    from the file.
    """
    log = events.read_jsonl(prefix)
    expected = negotiation.replay(log, as_of=END).digest
    store = events.SqliteStore(Path(folder) / "log.sqlite")
    try:
        with collector_paused():
            store_s, _ = timed(lambda: store.append(log))

        def from_sqlite() -> str:
            return negotiation.replay(tuple(store.read()), as_of=END).digest

        return {"events": len(log), "sqlite_store_s": store_s,
                "sqlite_read_fold": _checked_samples(from_sqlite, expected, samples, "SQLite")}
    finally:
        store.close()


def stores_peer(prefix: str, folder: str, samples: int) -> dict[str, Any]:
    """PEER on the events of the log ``prefix``: its SQLite store to its aggregate, and its fold in memory.

    Records the events on one aggregate and saves it to eventsourcing's
    SQLite store in ``folder`` (set-up, timed for information), then takes
    ``samples`` samples each of ``repository.get`` and of the projection of
    its decoded events in memory, each checked against the aggregate
    stored. PEER's figures are ``None`` without eventsourcing.
    """
    log = events.read_jsonl(prefix)
    return {"events": len(log), **_peer(list(log), Path(folder), samples)}


def _checked_samples(action: Callable[[], Any], expected: Any, samples: int, name: str) -> dict[str, Any]:
    """``samples`` timed runs of ``action``, each checked to return ``expected``."""
    seconds = []
    for _ in range(samples):
        elapsed, answer = timed(action)
        if answer != expected:
            raise AssertionError(f"{name} gives another answer than expected")
        seconds.append(elapsed)
    return summary(seconds)


def _peer(log: list[events.AnyEvent], folder: Path, samples: int) -> dict[str, Any]:
    try:
        from peer import check_peer, project_peer, replay_peer, store_peer, stored_events
    except ImportError:  # eventsourcing (the bench extra) is not installed
        return {"peer_store_s": None, "peer_replay": None, "peer_in_memory": None}
    with collector_paused():
        store_s, (app, aggregate) = timed(lambda: store_peer(list(log), folder))
    try:
        replays, projections = [], []
        for _ in range(samples):
            elapsed, rebuilt = timed(lambda: replay_peer(app, aggregate))
            check_peer(rebuilt, aggregate)
            replays.append(elapsed)
        domain_events = stored_events(app, aggregate)
        for _ in range(samples):
            elapsed, rebuilt = timed(lambda: project_peer(domain_events))
            check_peer(rebuilt, aggregate)
            projections.append(elapsed)
    finally:
        app.close()
    return {"peer_store_s": store_s, "peer_replay": summary(replays), "peer_in_memory": summary(projections)}


def _expected(answers: str) -> tuple[date, tuple[str, str], dict[tuple[str, str], Decimal], list[Decimal]]:
    data = json.loads(Path(answers).read_text(encoding="utf-8"))
    totals = {(imposer, target): Decimal(total) for imposer, target, total in data["totals"]}
    return date.fromisoformat(data["day"]), tuple(data["pair"]), totals, [Decimal(x) for x in data["series"]]  # type: ignore[return-value]


def tariff_peers(path: str, answers: str, samples: int, with_pandas: bool) -> dict[str, Any]:
    """DuckDB's and pandas' answers to the two tariff questions, checked equal to ours, then timed.

    Each sample loads the file afresh (DuckDB: ``read_json`` into a table;
    pandas: ``orjson.loads`` of each line into a data frame), then asks
    both questions of what it loaded. Figures are ``None`` for a peer that
    is not installed, and for pandas when ``with_pandas`` is false.

    Raises:
        AssertionError: a peer's answer differs from ours (before any timing).
    """
    import tariff_peers as peers

    day, pair, totals, series = _expected(answers)
    ways: dict[str, tuple[Callable[[Path], Any], Callable[[Any], Any], Callable[[Any], Any]]] = {
        "duckdb": (peers.duckdb_load, lambda db: peers.duckdb_totals(db, day),
                   lambda db: peers.duckdb_series(db, pair, START, END)),
        "pandas": (peers.pandas_load, lambda frame: peers.pandas_totals(frame, day),
                   lambda frame: peers.pandas_series(frame, pair, START, END)),
    }
    figures: dict[str, Any] = {}
    for name, (load, ask_totals, ask_series) in ways.items():
        figures[name] = None
        if name == "pandas" and not with_pandas:
            continue
        try:
            loaded = load(Path(path))
        except ImportError:  # the bench extra is not installed
            continue
        if ask_totals(loaded) != totals:
            raise AssertionError(f"{name}'s totals on {day} differ from ours")
        if ask_series(loaded) != series:
            raise AssertionError(f"{name}'s daily series of {pair} differs from ours")
        del loaded
        loads, totals_s, series_s = [], [], []
        for _ in range(samples):
            elapsed, loaded = timed(functools.partial(load, Path(path)))
            loads.append(elapsed)
            totals_s.append(timed(functools.partial(ask_totals, loaded))[0])
            series_s.append(timed(functools.partial(ask_series, loaded))[0])
            del loaded
        figures[name] = {"load_s": loads, "totals_s": totals_s, "series_s": series_s}
    return figures


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "write_log": write_log,
    "ours_sample": ours_sample,
    "decode_floor_sample": decode_floor_sample,
    "stores_ours": stores_ours,
    "stores_peer": stores_peer,
    "tariff_peers": tariff_peers,
}
"""The functions ``run.py --child NAME`` may run, by name."""
