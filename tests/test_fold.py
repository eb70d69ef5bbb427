"""The fold: duplicates, conflicts, references, apply versus replay, the two clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

import events
import negotiation
from negotiation import ConflictingEventError, QueryError, UnknownReferenceError

D = date.fromisoformat
UTC = UTC


def by_id(log, event_id):
    return next(e for e in log if e.event_id == event_id)


def test_identical_duplicate_is_idempotent(us_china):
    """A log with every event twice folds to the same state as the log."""
    day = D("2025-06-09")
    assert negotiation.replay(us_china, as_of=day) == negotiation.replay([*us_china, *us_china], as_of=day)


def test_conflicting_duplicate_raises(us_china):
    """Two different events with one id are an error naming the id."""
    original = by_id(us_china, "us-ieepa-fentanyl-20")
    changed = attrs.evolve(original, rate=Decimal(25))
    with pytest.raises(ConflictingEventError, match="us-ieepa-fentanyl-20") as info:
        negotiation.replay([*us_china, changed], as_of=D("2025-06-09"))
    assert (original, changed) == (info.value.first, info.value.second)


def test_extending_unknown_accord_raises(us_china):
    """Extending an accord the log never reached names the event and the accord."""
    extension = by_id(us_china, "geneva-accord-extended-2025-08")
    log = [e for e in us_china if e.event_id != "geneva-accord"]
    log = [e for e in log if not (isinstance(e, events.TariffChanged) and e.accord_id == "geneva-2025")]
    with pytest.raises(UnknownReferenceError) as info:
        negotiation.replay(log, as_of=D("2025-12-31"))
    assert (extension.event_id, "accord_id", "geneva-2025") == (
        info.value.event_id, info.value.field, info.value.value
    )


def test_find_problems_reports_all(us_china):
    """find_problems lists every dangling reference and conflict, not only the first."""
    log = [e for e in us_china if e.event_id not in ("geneva-accord", "london-talks-scheduled")]
    clash = attrs.evolve(by_id(us_china, "hassett-2025-06-08"), summary="other words")
    problems = negotiation.find_problems([*log, clash])
    kinds = sorted({type(p).__name__ for p in problems})
    referring = {p.event_id for p in problems if isinstance(p, UnknownReferenceError)}
    assert ["ConflictingEventError", "UnknownReferenceError"] == kinds
    assert {"london-talks-usa-delegation", "london-talks-chn-delegation", "geneva-accord-extended-2025-08",
            "us-ieepa-reciprocal-geneva"} <= referring


def test_find_problems_empty_for_seeds(us_china, london):
    """The seed logs are sound."""
    assert ((), ()) == (negotiation.find_problems(us_china), negotiation.find_problems(london))


def test_apply_equals_replay_in_order(us_china):
    """Folding with apply from the empty state equals replay, for the same date."""
    day = D("2025-08-12")
    state = negotiation.NegotiationState.empty(day)
    for event in sorted(us_china, key=lambda e: e.sort_key):
        state = negotiation.apply(state, event)
    assert negotiation.replay(us_china, as_of=day) == state


def test_apply_out_of_order_equals_replay(us_china):
    """apply of an event that sorts before the last applied one still equals replay."""
    day = D("2025-06-09")
    early = by_id(us_china, "us-ieepa-fentanyl-10")
    rest = [e for e in us_china if e is not early]
    state = negotiation.apply(negotiation.replay(rest, as_of=day), early)
    assert negotiation.replay(us_china, as_of=day) == state


def test_apply_leaves_input_unchanged(london):
    """apply returns a new state; the old one still has what it had."""
    day = D("2025-06-09")
    before = negotiation.replay(london[:-1], as_of=day)
    digest = before.digest
    after = negotiation.apply(before, london[-1])
    assert (digest, False) == (before.digest, before == after)


def test_apply_shares_untouched_sections(london):
    """apply copies only what the event touches: other sections are the same objects."""
    day = D("2025-06-09")
    before = negotiation.replay(london[:-1], as_of=day)
    after = negotiation.apply(before, london[-1])  # trade data release
    assert (True, True) == (after.layers is before.layers, after.accords is before.accords)


def test_state_is_read_only(london):
    """The state's mappings cannot be changed in place."""
    state = negotiation.replay(london, as_of=D("2025-06-09"))
    with pytest.raises(TypeError):
        state.accords["x"] = None  # type: ignore[index]


def test_known_at_compares_instants(us_china):
    """known_at in +08:00 and the same instant in UTC give the same state."""
    day = D("2025-05-13")
    utc = datetime(2025, 5, 12, 7, tzinfo=UTC)
    beijing = utc.astimezone(timezone(timedelta(hours=8)))
    assert negotiation.replay(us_china, as_of=day, known_at=utc) == negotiation.replay(
        us_china, as_of=day, known_at=beijing
    )


def test_known_at_bound_is_inclusive(us_china):
    """An event recorded exactly at known_at is known; a microsecond earlier it is not."""
    recorded = by_id(us_china, "geneva-accord").recorded
    at = negotiation.replay(us_china, as_of=D("2025-05-13"), known_at=recorded)
    before = negotiation.replay(us_china, as_of=D("2025-05-13"), known_at=recorded - timedelta(microseconds=1))
    assert ("geneva-2025" in at.accords, "geneva-2025" in before.accords) == (True, False)


def test_what_we_believed_about_a_later_day(us_china):
    """Known at 05-13, as of 05-14: the cut had been announced, so 30 was expected."""
    state = negotiation.replay(us_china, as_of=D("2025-05-14"), known_at=datetime(2025, 5, 13, 12, tzinfo=UTC))
    assert Decimal(30) == state.tariff_rate("USA", "CHN")


def test_scheduled_only_what_was_announced_by_as_of(us_china):
    """As of 2025-04-05 (known now), scheduled holds the reciprocal 34 announced by then, not the later 84 or 125
    (and the Section 232 parts layer and the Section 301 step-ups of 2026, announced before)."""
    state = negotiation.replay(us_china, as_of=D("2025-04-05"))
    us = sorted(
        (e.effective.isoformat(), e.measure, str(e.rate)) for e in state.scheduled.values()
        if isinstance(e, events.TariffChanged) and e.imposer == "USA" and e.target == "CHN"
    )
    assert [("2025-04-09", "IEEPA-reciprocal", "34"), ("2026-01-01", "S301", "100"), ("2026-01-01", "S301", "25"),
            ("2026-01-01", "S301", "50")] == us


def test_query_errors():
    """A naive known_at or a datetime as_of is refused, naming the argument."""
    with pytest.raises(QueryError, match="known_at"):
        negotiation.replay([], as_of=D("2025-01-01"), known_at=datetime(2025, 1, 1))
    with pytest.raises(QueryError, match="as_of"):
        negotiation.replay([], as_of=datetime(2025, 1, 1, tzinfo=UTC))


def test_days_remaining_unknown_accord(us_china):
    """days_remaining of an id the state does not hold is an error naming it."""
    state = negotiation.replay(us_china, as_of=D("2025-06-09"))
    with pytest.raises(UnknownReferenceError, match="no-such-accord"):
        state.days_remaining("no-such-accord")


def test_rate_zero_removes_layer(us_china):
    """China's March list ends on 2025-11-10: its layers are gone, not at 0."""
    state = negotiation.replay(us_china, as_of=D("2025-11-10"))
    assert [] == [layer for layer in state.layers.values() if layer.measure == "CN-counter-Mar"]


def test_empty_log():
    """An empty log gives the empty state, with rate 0 everywhere."""
    state = negotiation.replay([], as_of=D("2025-01-01"))
    assert (Decimal(0), {}, negotiation.NegotiationState.empty(D("2025-01-01"))) == (
        state.tariff_rate("USA", "CHN"), dict(state.accords), state
    )


def test_digest_independent_of_input_order(london):
    """The digest is a SHA-256 hex string and does not depend on the input order."""
    state = negotiation.replay(london, as_of=D("2025-06-09"))
    again = negotiation.replay(list(reversed(london)), as_of=D("2025-06-09"))
    assert (64, state.digest) == (len(state.digest), again.digest)


def test_find_problems_flags_reference_recorded_before_referent(london):
    """A delegation recorded before its talks were announced breaks known-at replays: reported."""
    delegation = by_id(london, "london-talks-usa-delegation")
    early = attrs.evolve(delegation, recorded=delegation.recorded - timedelta(days=2))
    log = [early if e is delegation else e for e in london]
    problems = negotiation.find_problems(log)
    assert [("london-talks-usa-delegation", "talks_id")] == [(p.event_id, p.field) for p in problems]
    with pytest.raises(UnknownReferenceError):
        negotiation.replay(log, as_of=D("2025-06-09"), known_at=early.recorded)
