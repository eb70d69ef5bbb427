"""Smoke test of the benchmark (benchmarks/run.py) at a tiny size, so that its code cannot rot.

No timing is asserted: only that every figure is produced and consistent.
PEER is skipped when eventsourcing (the ``bench`` extra) is not installed.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest

import events
import negotiation

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """benchmarks/run.py as a module (it imports benchmarks/synthetic.py next to it)."""
    spec = importlib.util.spec_from_file_location("negotiation_benchmark_run", BENCHMARKS / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_synthetic_log_is_sound_deterministic_and_varied(bench):
    generate = sys.modules["synthetic"].generate
    log = generate(2_000, seed=7)
    assert log == generate(2_000, seed=7)
    assert log != generate(2_000, seed=8)
    assert len({event.event_id for event in log}) == 2_000
    assert negotiation.find_problems(log) == ()
    kinds = {type(event).__name__ for event in log}
    assert {"TariffChanged", "AccordReached", "EventCorrected", "ExportControlChanged", "TalksScheduled"} <= kinds
    assert [e.recorded for e in log] == sorted(e.recorded for e in log)
    state = negotiation.replay(log, as_of=date(2025, 12, 31))
    assert any(layer.suspension is not None for layer in state.layers.values())
    assert state.revisions


def test_measure_produces_every_figure(bench, tmp_path):
    path = tmp_path / "log.jsonl"
    written = bench.write_log(path, 2_000, seed=3)
    assert set(written) == {"generate_s", "write_jsonl_s"}
    assert len(events.read_jsonl(path)) == 2_000
    lines = []
    figures = bench.measure(path, peer_events=2_000, report=lines.append)
    assert figures["events"] == 2_000 and figures["timeline_days"] == 365
    for name in ("decode_events_per_s", "fold_events_per_s", "floor_events_per_s", "timeline_vs_fold",
                 "fold_vs_floor", "fold_traced_peak_bytes_per_event"):
        assert figures[name] > 0, name
    assert figures["sqlite_read_fold_events_per_s"] is None or figures["sqlite_read_fold_events_per_s"] > 0
    assert figures["sqlite_events"] in (None, 2_000)
    if importlib.util.find_spec("eventsourcing") is None:
        assert figures["peer_events"] is None
    else:
        assert figures["peer_events"] == 2_000 and figures["fold_vs_peer"] > 0
    assert any(line.strip().startswith("fold") for line in lines)
    table = bench.table([figures, figures])
    assert table.count("\n") >= 18 and "N = 2,000" in table
    assert "fold: time per event" in bench.growth([figures, figures])


def test_floor_counts_the_facts_it_holds(bench):
    log = sys.modules["synthetic"].generate(500, seed=1)
    in_order = sorted(log, key=lambda event: event.sort_key)
    assert 0 < bench.floor(in_order) <= 500
