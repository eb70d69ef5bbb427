"""How far a log's knowledge reaches, and what a state past it rests on.

A log knows the world up to its horizon: the later of the date its sources
were last reviewed through (a ``LogReviewed`` event) and the last day (UTC)
a fact was recorded, among the events known at ``known_at`` (a correction
counts the instant of the content it supplies, a retraction none: a fact
corrected or withdrawn today tells nothing of the world after the last one
recorded). A state after
that day is a projection: the clock rules the log holds (suspensions that
end, windows that close, statutory ends, announced starts that pass) and
the facts it schedules, with no later fact known. :func:`projection_plan`
lists each of them with its day, so that every output can say what a
projected figure rests on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from events import (
    AccordExtended,
    AccordReached,
    AnyEvent,
    EventCorrected,
    EventRetracted,
    ExportControlChanged,
    InstrumentChanged,
    LogReviewed,
    TariffChanged,
)

from ._state import ControlStatus, Horizon, InstrumentStatus, NegotiationState

__all__ = ["PER_THE_LOG", "advance_horizon", "horizon_of", "projection_plan"]

PER_THE_LOG = "per the log; no later fact known"
"""How every projected rule ends: it is what the log says will happen, not a fact about that day."""


def horizon_of(events: Iterable[AnyEvent]) -> Horizon:
    """The horizon of the events known (facts, corrections, retractions), without a projection.

    The latest ``LogReviewed`` (by review day, then reviewed-through date,
    then id) gives the reviewed-through date; the horizon is the later of that date and the
    last UTC day on which another fact was recorded (for a correction, its
    replacement's; a retraction adds none). ``last_recorded`` is the latest
    instant any event was recorded.
    """
    last: Any = None
    facts_through: date | None = None
    reviews: list[LogReviewed] = []
    for event in events:  # one pass over plain values: a log may hold a million events
        recorded = event.recorded
        if last is None or recorded > last:
            last = recorded
        kind = type(event)
        if kind is LogReviewed:
            reviews.append(event)  # type: ignore[arg-type]
        elif kind is not EventRetracted:
            day = (event.replacement.recorded if kind is EventCorrected else recorded).date()  # type: ignore[union-attr]
            if facts_through is None or day > facts_through:
                facts_through = day
    horizon = Horizon(through=facts_through, last_recorded=last)
    for review in reviews:
        horizon = advance_horizon(horizon, review)
    return horizon


def advance_horizon(horizon: Horizon, event: AnyEvent) -> Horizon:
    """The horizon once ``event`` is known too (its projection dropped: a state recomputes it)."""
    last = event.recorded if horizon.last_recorded is None else max(horizon.last_recorded, event.recorded)
    reviewed_through, reviewed_on, review_id = horizon.reviewed_through, horizon.reviewed_on, horizon.review_event_id
    facts_through = horizon.through
    covers = horizon.covers
    if isinstance(event, LogReviewed):
        covers = tuple(sorted({*covers, *event.covers}))
        candidate = (event.effective, event.reviewed_through, event.event_id)
        if review_id is None or candidate > (reviewed_on, reviewed_through, review_id):
            reviewed_on, reviewed_through, review_id = candidate
    elif not isinstance(event, EventRetracted):
        day = (event.replacement.recorded if isinstance(event, EventCorrected) else event.recorded).date()
        facts_through = day if facts_through is None else max(facts_through, day)
    candidates = [d for d in (facts_through, reviewed_through) if d is not None]
    return Horizon(
        through=max(candidates) if candidates else None, last_recorded=last,
        reviewed_through=reviewed_through, reviewed_on=reviewed_on, review_event_id=review_id, covers=covers,
    )


def _clock_days(state: NegotiationState) -> list[tuple[date, str]]:
    """Each clock rule the records of ``state`` hold, with its day."""
    found: list[tuple[date, str]] = []
    for layer in state.layers.values():
        subject = f"{layer.imposer} {layer.measure} on {layer.target} ({layer.scope})"
        if layer.suspension is not None and layer.suspended:
            found.append((layer.suspension.until, f"suspension of {subject} ends: {layer.rate} applies again"))
        if layer.ends is not None:
            found.append((layer.ends, f"{subject} reaches its statutory end"))
    for accord in state.accords.values():
        found.append((accord.window_start, f"window of accord {accord.accord_id} opens"))
        if accord.deadline is not None:
            found.append((accord.deadline, f"deadline of accord {accord.accord_id}: its window closes"))
    for control in state.export_controls.values():
        if control.status is ControlStatus.SUSPENDED and control.suspended_until is not None:
            found.append((control.suspended_until,
                          f"suspension of {control.issuer} export control {control.control_id} ends: it applies again"))
    for instrument in state.instruments.values():
        if instrument.status is InstrumentStatus.SUSPENDED and instrument.until is not None:
            found.append((instrument.until, f"suspension of {instrument.instrument_id} ({instrument.title}) ends: "
                                            "in force again"))
        if instrument.status is InstrumentStatus.ANNOUNCED and instrument.starts is not None:
            found.append((instrument.starts, f"announced start of {instrument.instrument_id} ({instrument.title}) "
                                             "passes with no adoption: it lapses"))
    return found


def _scheduled_days(fact: Any) -> list[tuple[date, str]]:
    """A fact effective after the horizon, and the clock rules it sets."""
    found = [(fact.effective, f"{fact.event_id} ({fact.TYPE}) takes effect, as the log schedules it")]
    if isinstance(fact, TariffChanged):
        if fact.suspension is not None:
            found.append((fact.suspension.until, f"suspension set by {fact.event_id} ends"))
        if fact.ends is not None:
            found.append((fact.ends, f"layer set by {fact.event_id} reaches its statutory end"))
    elif isinstance(fact, AccordReached) and fact.window_closes is not None:
        found.append((fact.window_closes, f"deadline of accord {fact.accord_id}: its window closes"))
    elif isinstance(fact, AccordExtended):
        found.append((fact.deadline, f"deadline of accord {fact.accord_id} as extended by {fact.event_id}"))
    elif isinstance(fact, (ExportControlChanged, InstrumentChanged)) and fact.until is not None:
        found.append((fact.until, f"suspension set by {fact.event_id} ends"))
    if isinstance(fact, InstrumentChanged) and fact.starts is not None:
        found.append((fact.starts, f"announced start of {fact.instrument_id}"))
    return found


def projection_plan(at_horizon: NegotiationState, contents: Iterable[Any]) -> tuple[tuple[date, str], ...]:
    """Every rule that takes effect after the horizon, by day: the clock of the records on the horizon's
    day, and the facts the log schedules after it (with their own clocks), each said to be per the log.

    Args:
        at_horizon: The state on the horizon's last day (``horizon.through``).
        contents: The current contents of the facts known.
    """
    through = at_horizon.as_of
    found = _clock_days(at_horizon)
    for fact in contents:
        if fact.effective > through and not isinstance(fact, LogReviewed):
            found.extend(_scheduled_days(fact))
    return tuple(sorted({(day, f"{words}, {PER_THE_LOG}") for day, words in found if day > through}))
