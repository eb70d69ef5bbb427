"""The structures that keep long folds linear: the ledger of facts, the clock heap, layers built once.

Checked on a synthetic log of the benchmark's mix (many layers, suspensions,
accords with extensions, controls, corrections), richer than the seeds.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

import negotiation
from negotiation._state import Ledger

SYNTHETIC = Path(__file__).resolve().parent.parent / "benchmarks" / "synthetic.py"


@pytest.fixture(scope="module")
def log():
    spec = importlib.util.spec_from_file_location("negotiation_benchmark_synthetic", SYNTHETIC)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        return module.generate(3_000, seed=11)
    finally:
        del sys.modules[spec.name]


def test_every_kept_timeline_state_equals_its_replay(log):
    """States kept after later days were folded still show their own day (views do not grow)."""
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(0, 365, 9)]
    kept = list(negotiation.timeline(log, days[0], days[-1], dates=days))
    for day, state in kept:
        replayed = negotiation.replay(log, as_of=day)
        assert state == replayed, day
        assert state.digest == replayed.digest
        assert set(state.events) == set(replayed.events)
        assert all(event_id in state.events for event_id in replayed.events)
        assert not any(event_id in state.events for event_id in kept[-1][1].events.keys() - replayed.events.keys())


def test_clock_rules_fire_between_sparse_dates(log):
    """Suspensions end and windows close on days no date of the timeline falls on."""
    start, end = date(2025, 3, 1), date(2025, 11, 30)
    (_, _first), (_, last) = negotiation.timeline(log, start, end, dates=[start, end])
    assert last == negotiation.replay(log, as_of=end)
    assert {a.status for a in last.accords.values()} >= {negotiation.AccordStatus.LAPSED}
    assert any(layer.suspension is not None and not layer.suspended for layer in last.layers.values())


def test_apply_to_a_timeline_state_leaves_it_unchanged(log):
    *_, (day, state) = negotiation.timeline(log, date(2025, 6, 1), date(2025, 6, 3))
    later = negotiation.replay(log[:-1], as_of=day)
    grown = negotiation.apply(later, log[-1])
    assert grown == negotiation.replay(log, as_of=day) == state
    assert len(later.events) <= len(grown.events)


def test_ledger_views_are_fixed_prefixes():
    ledger = Ledger({"a": 1})
    first = ledger.view()
    ledger.append("b", 2)
    second = ledger.view()
    ledger.append("c", 3)
    assert dict(first) == {"a": 1} and dict(second) == {"a": 1, "b": 2} and len(ledger.view()) == 3
    assert "b" not in first and "b" in second and "c" not in second
    with pytest.raises(KeyError):
        first["b"]
    assert list(second.values()) == [1, 2] and list(second.items()) == [("a", 1), ("b", 2)]
    assert second.added_since(first) == [2] and first.added_since(second) is None
    assert second == {"a": 1, "b": 2} and second.copy() == {"a": 1, "b": 2}
