"""Which version of each fact is current at a known-at instant: corrections and retractions.

A fact's content is its latest correction visible at ``known_at`` (by
recorded time, then event id), or the fact itself if none; a fact retracted
by a visible retraction has no content; a retracted correction is ignored.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from events import AnyEvent, EventCorrected, EventRetracted, Fact

from ._errors import InconsistentEventError, NegotiationError, UnknownReferenceError

__all__ = ["Versions", "resolve"]


@frozen(kw_only=True)
class Versions:
    """The outcome of :func:`resolve`.

    Attributes:
        contents: The current content of each fact that has one.
        revisions: Fact id to the id of the correction that supplied its
            content, for corrected facts only.
        revisers: Every correction and retraction given, visible or not, in input order.
        problems: Corrections and retractions that name nothing they can act on.
    """

    contents: tuple[Fact, ...]
    revisions: dict[str, str]
    revisers: tuple[EventCorrected | EventRetracted, ...]
    problems: tuple[NegotiationError, ...]


def _visible(event: AnyEvent, known_at: datetime | None) -> bool:
    return known_at is None or event.recorded <= known_at


def resolve(events: list[AnyEvent], known_at: datetime | None) -> Versions:
    """Resolve the current content of every fact in ``events`` (ids unique) at ``known_at``.

    Problems (naming an unknown id; correcting a correction instead of the
    fact) are returned, not raised, so that a validator can list them all.
    """
    facts: dict[str, Fact] = {}
    corrections: list[EventCorrected] = []
    retractions: list[EventRetracted] = []
    revisers: list[EventCorrected | EventRetracted] = []
    for event in events:
        kind = type(event)
        if kind is EventCorrected:
            corrections.append(event)  # type: ignore[arg-type]
            revisers.append(event)  # type: ignore[arg-type]
        elif kind is EventRetracted:
            retractions.append(event)  # type: ignore[arg-type]
            revisers.append(event)  # type: ignore[arg-type]
        else:
            facts[event.event_id] = event  # type: ignore[assignment]
    problems: list[NegotiationError] = []
    known_corrections = {c.event_id for c in corrections}
    for correction in corrections:
        if correction.corrects not in facts:
            if correction.corrects in known_corrections:
                problems.append(InconsistentEventError(
                    correction.event_id, "corrects", correction.corrects,
                    "the id of a fact; to correct a correction, correct the fact again",
                ))
            else:
                problems.append(UnknownReferenceError(
                    correction.event_id, "corrects", correction.corrects, "the id of a fact in the log",
                ))
    known_retractions = {r.event_id for r in retractions}
    for correction in corrections:
        fact = facts.get(correction.corrects)
        if fact is not None and type(fact) is not type(correction.replacement):
            problems.append(InconsistentEventError(
                correction.event_id, "replacement", correction.replacement.TYPE,
                f"a {fact.TYPE}, the type of the corrected fact (retract it and log a new fact instead)",
            ))
    for retraction in retractions:
        if retraction.retracts in known_retractions:
            problems.append(InconsistentEventError(
                retraction.event_id, "retracts", retraction.retracts,
                "the id of a fact or a correction; a retraction cannot be retracted",
            ))
        elif retraction.retracts not in facts and retraction.retracts not in known_corrections:
            problems.append(UnknownReferenceError(
                retraction.event_id, "retracts", retraction.retracts,
                "the id of a fact or a correction in the log",
            ))
    withdrawn = {r.retracts for r in retractions if _visible(r, known_at)}
    latest: dict[str, EventCorrected] = {}
    for correction in sorted(corrections, key=lambda c: (c.recorded, c.event_id)):
        if _visible(correction, known_at) and correction.event_id not in withdrawn:
            latest[correction.corrects] = correction
    if known_at is None and not withdrawn and not latest:
        contents = list(facts.values())
    else:
        contents = [
            latest[fact_id].replacement if fact_id in latest else fact
            for fact_id, fact in facts.items()
            if fact_id not in withdrawn and _visible(fact, known_at)
        ]
    revisions = {fact_id: c.event_id for fact_id, c in latest.items() if fact_id in facts and fact_id not in withdrawn}
    return Versions(contents=tuple(contents), revisions=revisions, revisers=tuple(revisers),
                    problems=tuple(problems))
