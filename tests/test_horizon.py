"""Measures that end by statute, court rulings, and how far a log's knowledge reaches (its horizon)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

import events
import negotiation
from events import Scope, Suspension, TariffChanged, strategies

D = Decimal


def _at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


S122 = TariffChanged(event_id="s122", effective=date(2026, 2, 24), recorded=_at("2026-02-20"), imposer="USA",
                     target="WLD", measure="S122", rate=D(10), yields_to=("S232",), ends=date(2026, 7, 24))
STEEL = TariffChanged(event_id="steel", effective=date(2025, 3, 12), recorded=_at("2025-02-10"), imposer="USA",
                      target="WLD", measure="S232-steel", rate=D(25), scope=Scope(hs=("72",)))
IEEPA = TariffChanged(event_id="ieepa", effective=date(2025, 4, 5), recorded=_at("2025-04-02"), imposer="USA",
                      target="CHN", measure="IEEPA-reciprocal", rate=D(34),
                      suspension=Suspension(rate=D(10), until=date(2026, 11, 10)))
ENDED = TariffChanged(event_id="ieepa-ended", effective=date(2026, 2, 24), recorded=_at("2026-02-22"), imposer="USA",
                      target="CHN", measure="IEEPA-reciprocal", rate=D(0))
RULING = events.RulingIssued(event_id="scotus", effective=date(2026, 2, 20), recorded=_at("2026-02-20", 15),
                             ruling_id="scotus-ieepa", court="Supreme Court of the United States",
                             case="Learning Resources, Inc. v. Trump, No. 24-1287",
                             holding="IEEPA does not authorize the President to impose tariffs.", imposer="USA",
                             measures=("IEEPA",))
REVIEW = events.LogReviewed(event_id="review", effective=date(2026, 12, 1), recorded=_at("2026-12-01"),
                            reviewed_through=date(2026, 7, 24))
LOG = (S122, STEEL, IEEPA, ENDED, RULING, REVIEW)


def test_section_122_ends_by_statute_and_not_on_section_232_goods():
    """10 % from 2026-02-24 to 2026-07-23; gone on 2026-07-24; never on steel."""
    rates = [negotiation.replay(LOG, as_of=date.fromisoformat(d)).tariff_rate("USA", "FRA")
             for d in ("2026-02-23", "2026-02-24", "2026-07-23", "2026-07-24")]
    assert [D(0), D(10), D(10), D(0)] == rates
    assert D(25) == negotiation.replay(LOG, as_of=date(2026, 3, 1)).tariff_rate("USA", "FRA", "720851")


def test_an_extension_recorded_before_the_end_moves_it():
    """Re-setting the layer with a later end, effective before the end, keeps it in force."""
    extended = attrs.evolve(S122, event_id="s122-ext", effective=date(2026, 7, 1), recorded=_at("2026-07-01"),
                            ends=date(2026, 9, 1))
    assert D(10) == negotiation.replay([*LOG, extended], as_of=date(2026, 8, 1)).tariff_rate("USA", "FRA")
    found = negotiation.changes([*LOG, extended], date(2026, 8, 31), date(2026, 9, 1))
    assert [("clock: statutory limit reached (2026-09-01)",)] == [c.causes for c in found if c.kind.value == "tariff layer"]


def test_a_ruling_changes_legal_status_not_history():
    """Before the ruling the layer stands as it was, as known then and now; after, explain cites the ruling."""
    as_then = negotiation.replay(LOG, as_of=date(2025, 6, 9), known_at=_at("2025-06-09"))
    as_now = negotiation.replay(LOG, as_of=date(2025, 6, 9))
    assert (D(10), D(10), {}, {}) == (as_then.tariff_rate("USA", "CHN"), as_now.tariff_rate("USA", "CHN"),
                                      dict(as_then.rulings), dict(as_now.rulings))
    after = negotiation.replay(LOG, as_of=date(2026, 2, 21))
    (layer,) = after.tariff_layers("USA", "CHN")
    assert ["scotus-ieepa"] == [r.ruling_id for r in after.rulings_on(layer)]
    explanation = negotiation.explain(after, imposer="USA", target="CHN")
    assert any("held unlawful on 2026-02-20" in caveat for caveat in explanation.caveats)
    assert "scotus" in [r.event_id for r in explanation.reasons]
    before_known = negotiation.replay(LOG, as_of=date(2026, 3, 1), known_at=_at("2026-02-19"))
    assert ({}, D(10), True) == (dict(before_known.rulings), before_known.tariff_rate("USA", "CHN"),
                                 before_known.projected)


def test_the_horizon_and_what_a_projection_rests_on():
    """Horizon: the later of the reviewed-through date and the last fact recorded; past it, the rules that fire."""
    state = negotiation.replay(LOG, as_of=date(2026, 12, 1))
    assert (date(2026, 7, 24), date(2026, 7, 24), "review", True) == (
        state.horizon.through, state.horizon.reviewed_through, state.horizon.review_event_id, state.projected)
    assert [] == list(state.horizon.projection), "the suspension's end never fires: the layer ended before it"
    kept = negotiation.replay([S122, STEEL, IEEPA, REVIEW], as_of=date(2026, 12, 1))
    assert [(date(2026, 11, 10), "suspension of USA IEEPA-reciprocal on CHN (all goods) ends: 34 applies again, "
                                 "per the log; no later fact known")] == list(kept.horizon.projection)
    assert D(34) == kept.tariff_rate("USA", "CHN")
    text = kept.to_text()
    assert "PROJECTION: 2026-12-01 is after the log's horizon (2026-07-24)" in text
    assert not negotiation.replay(LOG, as_of=date(2026, 7, 24)).projected


def test_known_at_sees_only_the_horizon_of_its_time():
    """As known on 2026-02-19, the log reached 2025-04-02: 2026-03-01 is a projection, with no ruling."""
    state = negotiation.replay(LOG, as_of=date(2026, 3, 1), known_at=_at("2026-02-19"))
    assert (date(2026, 2, 10) > state.horizon.through, state.horizon.reviewed_through) == (True, None)
    assert "PROJECTION" in negotiation.explain(state, imposer="USA", target="CHN").caveats[1]


_DAYS = st.dates(date(2025, 1, 1), date(2027, 6, 30))


@given(log=strategies.logs(max_events=25), start=_DAYS, length=st.integers(0, 60),
       known=st.none() | st.datetimes(datetime(2024, 12, 1), datetime(2027, 1, 1), timezones=st.just(UTC)))
def test_timeline_horizons_equal_replay_horizons(log, start, length, known):
    """Each state of a timeline carries the horizon and projection its replay carries."""
    end = start + timedelta(days=length)
    for day, state in negotiation.timeline(log, start, end, step=timedelta(days=7), known_at=known):
        assert negotiation.replay(log, as_of=day, known_at=known).horizon == state.horizon


@given(log=strategies.logs(max_events=25), day=_DAYS)
def test_projection_rules_lie_after_the_horizon_and_by_the_date(log, day):
    """Every projected rule is dated after the horizon and on or before the state's date; none without a projection."""
    state = negotiation.replay(log, as_of=day)
    through = state.horizon.through
    assert all(through < rule_day <= day for rule_day, _ in state.horizon.projection)
    assert state.projected or not state.horizon.projection


@given(log=strategies.logs(max_events=20, revisions=False), day=_DAYS)
def test_apply_keeps_the_horizon(log, day):
    """Folding a log event by event with apply gives the horizon of a replay."""
    state = negotiation.NegotiationState.empty(day)
    for event in sorted(log, key=lambda e: e.sort_key):
        state = negotiation.apply(state, event)
    assert negotiation.replay(log, as_of=day).horizon == state.horizon
