"""Properties of the fold and the codec, over logs drawn by ``events.strategies``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

import events
import negotiation
from events import strategies

AS_OF = st.dates(min_value=date(2024, 12, 1), max_value=date(2027, 3, 1))


@given(log=strategies.logs(), data=st.data(), as_of=AS_OF)
def test_input_order_never_changes_state(log, data, as_of):
    """Any permutation of a log folds to the same state and the same digest."""
    shuffled = data.draw(st.permutations(log))
    first = negotiation.replay(log, as_of=as_of)
    second = negotiation.replay(shuffled, as_of=as_of)
    assert (first, first.digest) == (second, second.digest)


@given(log=strategies.logs())
def test_jsonl_round_trip_is_exact(log):
    """Events survive JSON Lines exactly: equal values, exact decimals, same instants."""
    back = events.loads_jsonl(events.dumps_jsonl(log))
    assert list(log) == list(back)
    assert [str(e.rate) for e in log if isinstance(e, events.TariffChanged)] == [
        str(e.rate) for e in back if isinstance(e, events.TariffChanged)
    ]


_DEFINING = (events.AccordReached, events.TalksScheduled, events.ExportControlChanged)


@given(log=strategies.logs(), as_of=AS_OF, data=st.data())
def test_apply_one_by_one_equals_replay(log, as_of, data):
    """apply, event by event in any order that defines before it refers, equals replay."""
    defining = [e for e in log if isinstance(e, _DEFINING) and getattr(e, "action", None) in (None, events.ControlAction.IMPOSED)]
    rest = [e for e in log if e not in defining]
    order = data.draw(st.permutations(defining)) + data.draw(st.permutations(rest))
    state = negotiation.NegotiationState.empty(as_of)
    for event in order:
        state = negotiation.apply(state, event)
    assert negotiation.replay(log, as_of=as_of) == state


@given(log=strategies.logs(), as_of=AS_OF)
def test_rates_finite_and_non_negative(log, as_of):
    """Every applied rate and every total is a finite Decimal >= 0."""
    state = negotiation.replay(log, as_of=as_of)
    rates = [layer.applied_rate for layer in state.layers.values()]
    rates += [state.tariff_rate(i, t) for i in strategies.DEFAULT_PARTIES for t in strategies.DEFAULT_PARTIES]
    assert all(rate.is_finite() and rate >= 0 for rate in rates)


def test_digest_same_in_fresh_interpreter(london):
    """The digest does not depend on the process or its hash seed."""
    code = (
        "import datetime, events, negotiation, sys;"
        "log = events.read_jsonl(sys.argv[1]);"
        "print(negotiation.replay(log, as_of=datetime.date(2025, 6, 9)).digest)"
    )
    from pathlib import Path

    seed = Path(__file__).resolve().parent.parent / "seeds" / "london-talks-2025.jsonl"
    digests = {
        subprocess.run(
            [sys.executable, "-c", code, str(seed)], env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    here = negotiation.replay(london, as_of=date(2025, 6, 9)).digest
    assert {here} == digests


@given(log=strategies.logs(), as_of=AS_OF)
def test_known_at_none_equals_known_at_after_everything(log, as_of):
    """known_at=None gives the same state as a known_at after every recorded time."""
    late = datetime(2100, 1, 1, tzinfo=timezone.utc)
    assert negotiation.replay(log, as_of=as_of) == negotiation.replay(log, as_of=as_of, known_at=late)
