"""Properties of the fold and the codec, over logs drawn by ``events.strategies``.

Each test states one invariant that a broken fold or codec would fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import events
import negotiation
from events import strategies

AS_OF = st.dates(min_value=date(2024, 12, 1), max_value=date(2027, 3, 1))
PARTIES = strategies.DEFAULT_PARTIES


@st.composite
def log_and_day(draw, revisions: bool = True) -> tuple[list[events.AnyEvent], date]:
    """A log and a date: half the time a day on or next to a date the log names (boundaries)."""
    log = draw(strategies.logs(revisions=revisions))
    named = [day for e in log for day in (e.effective, getattr(e, "until", None), getattr(e, "deadline", None)) if day]
    named += [e.window_closes for e in log if isinstance(e, events.AccordReached) and e.window_closes]
    named += [e.suspension.until for e in log if isinstance(e, events.TariffChanged) and e.suspension]
    if named and draw(st.booleans()):
        return log, draw(st.sampled_from(named)) + timedelta(days=draw(st.integers(-1, 1)))
    return log, draw(AS_OF)


def in_force(state: negotiation.NegotiationState) -> negotiation.NegotiationState:
    """The state without its scheduled (announced, not yet effective) events."""
    return attrs.evolve(state, scheduled={})


# --- determinism and order ----------------------------------------------------


@given(case=log_and_day())
def test_replay_is_deterministic(case):
    """Two replays of one log give equal states and equal digests."""
    log, as_of = case
    first, second = negotiation.replay(log, as_of=as_of), negotiation.replay(log, as_of=as_of)
    assert (first, first.digest) == (second, second.digest)


@settings(max_examples=3)
@given(log=strategies.logs(max_events=20), as_of=AS_OF)
def test_digest_same_in_fresh_interpreters(tmp_path_factory, log, as_of):
    """The digest is the same in fresh interpreters with other PYTHONHASHSEEDs."""
    path = tmp_path_factory.mktemp("digest") / "log.jsonl"
    events.write_jsonl(path, log)
    code = (
        "import datetime, sys, events, negotiation;"
        "log = events.read_jsonl(sys.argv[1]);"
        "print(negotiation.replay(log, as_of=datetime.date.fromisoformat(sys.argv[2])).digest)"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code, str(path), as_of.isoformat()],
            env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True,
        ).stdout.strip()
        for seed in ("0", "12345")
    }
    assert {negotiation.replay(log, as_of=as_of).digest} == digests


@given(case=log_and_day(), data=st.data())
def test_input_order_never_changes_state(case, data):
    """Any permutation of a log folds to the same state and the same digest."""
    log, as_of = case
    shuffled = data.draw(st.permutations(log))
    first = negotiation.replay(log, as_of=as_of)
    second = negotiation.replay(shuffled, as_of=as_of)
    assert (first, first.digest) == (second, second.digest)


@given(case=log_and_day(), data=st.data())
def test_incremental_equals_batch(case, data):
    """Folding a prefix of the log as it was appended, then applying the rest, equals folding everything."""
    log, as_of = case
    appended = sorted(log, key=lambda e: (e.recorded, e.event_id))
    cut = data.draw(st.integers(0, len(log)))
    state = negotiation.replay(appended[:cut], as_of=as_of)
    for event in appended[cut:]:
        state = negotiation.apply(state, event)
    whole = negotiation.replay(log, as_of=as_of)
    assert (whole, whole.digest) == (state, state.digest)


_DEFINING = (events.AccordReached, events.TalksScheduled, events.QuotaSet)
_DEFINING_ACTIONS = (events.InstrumentAction.ANNOUNCED, events.InstrumentAction.ADOPTED)


@given(case=log_and_day(), data=st.data())
def test_apply_in_any_order_equals_replay(case, data):
    """apply, in any order that defines before it refers and revises last, equals replay."""
    log, as_of = case
    imposed = events.ControlAction.IMPOSED
    defining = [
        e for e in log
        if isinstance(e, _DEFINING) or (isinstance(e, events.ExportControlChanged) and e.action is imposed)
        or (isinstance(e, events.InstrumentChanged) and e.action in _DEFINING_ACTIONS)
    ]
    revising = [e for e in log if isinstance(e, (events.EventCorrected, events.EventRetracted))]
    revising.sort(key=lambda e: (e.recorded, e.event_id))
    rest = [e for e in log if e not in defining and e not in revising]
    state = negotiation.NegotiationState.empty(as_of)
    for event in data.draw(st.permutations(defining)) + data.draw(st.permutations(rest)) + revising:
        state = negotiation.apply(state, event)
    assert negotiation.replay(log, as_of=as_of) == state


# --- the two clocks -------------------------------------------------------------


@given(case=log_and_day(revisions=False))
def test_as_of_consistency(case):
    """What is in force on D equals replaying only the events effective on or before D."""
    log, as_of = case
    earlier = [e for e in log if e.effective <= as_of]
    assert in_force(negotiation.replay(log, as_of=as_of)) == in_force(negotiation.replay(earlier, as_of=as_of))


@given(log=strategies.logs(revisions=False), first=AS_OF, second=AS_OF)
def test_moving_as_of_forward_never_loses_an_event(log, first, second):
    """Without corrections or retractions, a later as-of rests on a superset of events."""
    early, late = sorted((first, second))
    before = set(negotiation.replay(log, as_of=early).events)
    after = set(negotiation.replay(log, as_of=late).events)
    assert before <= after


@given(case=log_and_day())
def test_known_at_none_equals_known_at_after_everything(case):
    """known_at=None gives the same state as a known_at after every recorded time."""
    log, as_of = case
    late = datetime(2100, 1, 1, tzinfo=UTC)
    assert negotiation.replay(log, as_of=as_of) == negotiation.replay(log, as_of=as_of, known_at=late)


@given(case=log_and_day())
def test_known_at_before_everything_is_empty(case):
    """A known_at before every recorded time gives the empty state for that date."""
    log, as_of = case
    assume(log)
    first = min(e.recorded for e in log) - timedelta(microseconds=1)
    assert negotiation.NegotiationState.empty(as_of) == negotiation.replay(log, as_of=as_of, known_at=first)


@given(case=log_and_day(), data=st.data())
def test_known_at_uses_only_what_was_recorded(case, data):
    """replay(known_at=K) equals replaying only the events recorded at or before K."""
    log, as_of = case
    assume(log)
    known_at = data.draw(st.sampled_from([e.recorded for e in log]))
    visible = [e for e in log if e.recorded <= known_at]
    assert negotiation.replay(visible, as_of=as_of) == negotiation.replay(log, as_of=as_of, known_at=known_at)


# --- round trips ------------------------------------------------------------------


@given(log=strategies.logs())
def test_jsonl_round_trip_is_exact(log):
    """Events survive JSON Lines exactly (same digits, same instants) and the text is canonical."""
    text = events.dumps_jsonl(log)
    back = events.loads_jsonl(text)
    assert [repr(e) for e in log] == [repr(e) for e in back]
    assert text == events.dumps_jsonl(back)


@given(case=log_and_day())
def test_digest_survives_serialization(case):
    """A log written and read back replays to a state with the same digest."""
    log, as_of = case
    back = events.loads_jsonl(events.dumps_jsonl(log))
    before, after = negotiation.replay(log, as_of=as_of), negotiation.replay(back, as_of=as_of)
    assert (before, before.digest) == (after, after.digest)


# --- domain invariants ------------------------------------------------------------


@given(case=log_and_day())
def test_rates_finite_and_non_negative(case):
    """Every layer's rates and every total are finite Decimals >= 0, on the date and while suspended."""
    log, as_of = case
    suspended_days = [e.effective for e in log if isinstance(e, events.TariffChanged) and e.suspension]
    for day in (as_of, *suspended_days):
        state = negotiation.replay(log, as_of=day)
        rates = [r for layer in state.layers.values() for r in (layer.applied_rate, layer.rate)]
        rates += [state.tariff_rate(i, t) for i in PARTIES for t in PARTIES if i != t]
        assert all(isinstance(r, Decimal) and r.is_finite() and r >= 0 for r in rates)


@given(case=log_and_day(), product=st.sampled_from([None, "030212", "120190", "870323", "27"]))
def test_tariff_rate_is_sum_of_reported_layers(case, product):
    """tariff_rate is the sum (Combination.ADD) of the applied rates of the layers it reports."""
    log, as_of = case
    state = negotiation.replay(log, as_of=as_of)
    for imposer in PARTIES:
        for target in PARTIES:
            if imposer == target:
                continue
            layers = state.tariff_layers(imposer, target, product)
            if product is None:
                layers = tuple(layer for layer in layers if layer.scope.all_goods)
            assert sum((layer.applied_rate for layer in layers), Decimal(0)) == state.tariff_rate(
                imposer, target, product
            )


@given(case=log_and_day())
def test_accord_deadlines_and_days_remaining(case):
    """Days remaining are never negative; a deadline is never before the accord was reached."""
    log, as_of = case
    state = negotiation.replay(log, as_of=as_of)
    for accord_id, accord in state.accords.items():
        remaining = state.days_remaining(accord_id)
        assert remaining is None or remaining >= 0
        assert accord.deadline is None or accord.deadline > accord.reached
        lapsed = accord.deadline is not None and as_of >= accord.deadline
        assert lapsed == (accord.status is negotiation.AccordStatus.LAPSED)


@given(log=strategies.logs(revisions=False), extra=st.lists(strategies.licenses_approved(), min_size=2, max_size=4))
def test_licence_counts_never_decrease(log, extra):
    """Without corrections or retractions, the known licence count never falls as time moves on."""
    log = [*log, *(attrs.evolve(event, event_id=f"licence-{index}") for index, event in enumerate(extra))]
    days = sorted({e.effective for e in log if isinstance(e, events.ExportLicencesApproved)})

    def total(day):
        approvals = negotiation.replay(log, as_of=day).licence_approvals
        return sum(a.count for a in approvals if a.count is not None)

    totals = [total(day) for day in days]
    assert sorted(totals) == totals


@given(case=log_and_day(revisions=False))
def test_suspended_layer_reverts_on_its_end_date(case):
    """A suspended layer applies its lower rate before its end date and its full rate from then on."""
    log, as_of = case
    state = negotiation.replay(log, as_of=as_of)
    known = [e for e in log if e.effective <= as_of]
    for layer in state.layers.values():
        if layer.suspension is None:
            continue
        until = layer.suspension.until
        expected = layer.suspension.rate if as_of < until else layer.rate
        at_end = negotiation.replay(known, as_of=max(until, as_of)).layers[layer.key]
        assert (expected, layer.rate) == (layer.applied_rate, at_end.applied_rate)


# --- duplicates and rejection -----------------------------------------------------------


@given(case=log_and_day(), data=st.data())
def test_identical_duplicates_change_nothing(case, data):
    """Adding equal copies (new objects) of events already in the log changes nothing."""
    log, as_of = case
    assume(log)
    copies = events.loads_jsonl(events.dumps_jsonl(data.draw(st.lists(st.sampled_from(log), min_size=1, max_size=5))))
    assert negotiation.replay(log, as_of=as_of) == negotiation.replay([*log, *copies], as_of=as_of)


@given(case=log_and_day(), data=st.data())
def test_conflicting_duplicate_raises(case, data):
    """A different event with an id already in the log is refused, naming the id."""
    log, as_of = case
    assume(log)
    original = data.draw(st.sampled_from(log))
    clash = attrs.evolve(original, note=original.note + " (changed)")
    with pytest.raises(negotiation.ConflictingEventError) as info:
        negotiation.replay([*log, clash], as_of=as_of)
    assert original.event_id == info.value.event_id


_BAD_VALUES = {
    "rate": ["NaN", "Infinity", "-1", "sNaN", 5],
    "imposer": ["us", "USAA", "", 840],
    "target": ["chn", None],
    "recorded": ["2025-05-12T07:00:00", "2025-05-12", "yesterday"],
    "effective": ["2025-02-30", "2025-05-12T00:00:00Z", 20250512],
    "event_id": ["", "has space", None],
}


@given(log=strategies.logs(), data=st.data())
def test_invalid_values_refused_on_decode(log, data):
    """Every invalid value (NaN, negative rate, naive time, bad party...) is refused, naming its field."""
    tariffs = [e for e in log if isinstance(e, events.TariffChanged)]
    assume(tariffs)
    line = events.to_dict(data.draw(st.sampled_from(tariffs)))
    field = data.draw(st.sampled_from(sorted(_BAD_VALUES)))
    line[field] = data.draw(st.sampled_from(_BAD_VALUES[field]))
    with pytest.raises(events.DecodeError) as info:
        events.from_dict(line)
    assert field == info.value.field


@given(log=strategies.logs(), data=st.data())
def test_invalid_values_refused_on_construction(log, data):
    """attrs.evolve with an invalid value raises EventValidationError naming the field."""
    tariffs = [e for e in log if isinstance(e, events.TariffChanged)]
    assume(tariffs)
    field, value = data.draw(st.sampled_from([
        ("rate", Decimal("NaN")), ("rate", Decimal("-0.01")), ("rate", 1.5),
        ("imposer", "us"), ("recorded", datetime(2025, 1, 1)), ("event_id", "a b"),
    ]))
    with pytest.raises(events.EventValidationError) as info:
        attrs.evolve(data.draw(st.sampled_from(tariffs)), **{field: value})
    assert field == info.value.field


@given(case=log_and_day(), span=st.integers(0, 40), known=st.booleans())
def test_timeline_equals_replay(case, span, known):
    """Every state of a timeline equals a replay to its day (same known-at)."""
    log, start = case
    known_at = max((e.recorded for e in log), default=None) if known else None
    if known_at is not None:
        known_at -= timedelta(days=span)
    for day, state in negotiation.timeline(log, start, start + timedelta(days=span), known_at=known_at):
        assert negotiation.replay(log, as_of=day, known_at=known_at) == state
