"""The fold: ``apply(state, event) -> state`` and ``replay(events, as_of=..., known_at=...)``.

Replay resolves corrections and retractions at ``known_at``, sorts the
current content of every fact by the total key (effective, recorded,
event_id), so input order never matters, and folds it through a builder
that copies a section of the state only when it first writes to it.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

import attrs

from events import (
    EVENT_TYPES,
    AnyEvent,
    BlocMembersSet,
    EventCorrected,
    EventRetracted,
    OpaqueRecord,
    QuotaSet,
    Record,
    TariffChanged,
    defined_ids,
    measure_covers,
    referenced_ids,
)

from ._args import as_day, as_instant, as_log
from ._builder import Builder
from ._errors import (
    ConflictingEventError,
    InconsistentEventError,
    NegotiationError,
    OpaqueRecordWarning,
    QueryError,
    UnknownReferenceError,
)
from ._horizon import advance_horizon, horizon_of, projection_plan
from ._state import NegotiationState
from ._versions import resolve

__all__ = ["apply", "check_progress", "find_problems", "prepare", "replay", "slices"]

_FOLD_ORDER = operator.attrgetter("effective", "recorded", "event_id")
"""The fold's sort key, ``Event.sort_key`` (effective, recorded, event_id), computed in C."""


def _check_events(events: Iterable[Any]) -> list[AnyEvent]:
    """The events of ``events``; opaque records are skipped with one :class:`OpaqueRecordWarning`."""
    found, opaque = [], []
    for item in as_log(events):
        if isinstance(item, OpaqueRecord):
            opaque.append(item)
        elif type(item) not in EVENT_TYPES:
            raise QueryError("events", item, "events of the types in events.EVENT_TYPES")
        else:
            found.append(item)
    if opaque:
        named = ", ".join(f"{item.event_id or '(no id)'} ({item.record_type} v{item.version})" for item in opaque[:5])
        more = f" and {len(opaque) - 5} more" if len(opaque) > 5 else ""
        warnings.warn(OpaqueRecordWarning(f"skipped {len(opaque)} opaque record(s) the fold cannot read: {named}{more}"),
                      stacklevel=3)
    return found


def _deduplicate(
    events: Iterable[AnyEvent],
) -> tuple[dict[str, AnyEvent], list[ConflictingEventError]]:
    """Drop identical duplicates (a new dict of id to event); report each event whose id an earlier, different event has."""
    unique: dict[str, AnyEvent] = {}
    conflicts: list[ConflictingEventError] = []
    for event in events:
        seen = unique.setdefault(event.event_id, event)
        if seen is not event and seen != event:
            conflicts.append(ConflictingEventError(seen, event))
    return unique, conflicts


def find_problems(events: Iterable[Record]) -> tuple[NegotiationError, ...]:
    """Every problem that would stop a replay of ``events``, not only the first.

    Returns:
        One :class:`ConflictingEventError` per event whose id an earlier
        (in input order), different event already has; then each
        correction or retraction that names nothing it can act on; then one
        :class:`UnknownReferenceError` or :class:`InconsistentEventError`
        per fact (in fold order) that names an accord, talks or export
        control no earlier fact defines, or contradicts the state before it;
        then each reference recorded before every event defining its
        referent (a known-at replay between the two would fail). Empty for
        a sound log.
    """
    found, conflicts = _deduplicate(_check_events(events))
    unique = list(found.values())
    problems: list[NegotiationError] = list(conflicts)
    versions = resolve(unique, None)
    problems += versions.problems
    builder = Builder(NegotiationState.empty(date.max))
    builder.facts_known = versions.contents
    for content in sorted(versions.contents, key=_FOLD_ORDER):
        try:
            builder.fold(content)
        except (UnknownReferenceError, InconsistentEventError) as exc:
            problems.append(exc)
    reported = {getattr(problem, "event_id", None) for problem in problems}
    problems += [p for p in _recorded_before_referent(unique) if p.event_id not in reported]
    reported = {getattr(problem, "event_id", None) for problem in problems}
    problems += [p for p in _rule_problems(versions.contents) if p.event_id not in reported]
    return tuple(problems)


def _rule_problems(contents: Iterable[Any]) -> list[InconsistentEventError]:
    """Terms that no date can make consistent: measures yielding in a cycle, blocs inside blocs, a quota of another
    pair; and ties nobody would notice: two events setting one layer on one day at one recorded instant.

    Checked over the whole log, whatever the dates: such a log has no
    combination rule for the days on which the layers meet.
    """
    contents = list(contents)
    found: list[InconsistentEventError] = []
    tariffs = sorted((c for c in contents if isinstance(c, TariffChanged)), key=_FOLD_ORDER)
    measures: dict[str, set[str]] = {}
    for event in tariffs:
        measures.setdefault(event.imposer, set()).add(event.measure)
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {}
    first: dict[tuple[str, str], TariffChanged] = {}
    for event in tariffs:
        node = (event.imposer, event.measure)
        first.setdefault(node, event)
        for name in event.yields_to:
            edges.setdefault(node, set()).update(
                (event.imposer, m) for m in measures[event.imposer] if measure_covers(name, m) and m != event.measure)
    for node in sorted(edges):
        if _reaches(edges, node, node):
            event = first[node]
            found.append(InconsistentEventError(event.event_id, "yields_to", event.yields_to,
                                                f"measures that do not yield back to {event.measure} (a cycle of yields_to)"))
    blocs = {c.bloc for c in contents if isinstance(c, BlocMembersSet)}
    for content in sorted((c for c in contents if isinstance(c, BlocMembersSet)), key=_FOLD_ORDER):
        nested = sorted(blocs & set(content.members))
        if nested:
            found.append(InconsistentEventError(content.event_id, "members", nested[0],
                                                "member states, not blocs (a bloc's membership is one level)"))
    setters: dict[tuple[Any, ...], TariffChanged] = {}
    for event in tariffs:
        tie = setters.setdefault((event.imposer, event.target, event.measure, event.scope, event.effective,
                                  event.recorded), event)
        if tie is not event:
            found.append(InconsistentEventError(
                event.event_id, "recorded", event.recorded.isoformat(),
                f"an instant other than that of {tie.event_id}, which sets the same layer on the same day "
                f"({event.effective}); the tie is broken by event id, so {event.event_id} wins",
            ))
    quotas: dict[str, set[tuple[str, str]]] = {}
    for content in contents:
        if isinstance(content, QuotaSet):
            quotas.setdefault(content.quota_id, set()).add((content.imposer, content.target))
    for event in tariffs:
        pairs = quotas.get(event.quota.quota_id, set()) if event.quota is not None else set()
        if event.quota is not None and pairs - {(event.imposer, event.target)}:
            found.append(InconsistentEventError(event.event_id, "quota.quota_id", event.quota.quota_id,
                                                f"a quota of {event.imposer} on {event.target}"))
    return found


def _reaches(edges: dict[Any, set[Any]], start: Any, goal: Any) -> bool:
    seen, stack = set(), list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False


def _recorded_before_referent(events: list[AnyEvent]) -> list[UnknownReferenceError]:
    """Referring events recorded before every event that defines their referent.

    Such a log replays in full, but a known-at replay between the two
    recorded times meets the reference without its referent.
    """
    ordered = sorted(events, key=lambda event: event.sort_key)
    first_recorded: dict[tuple[str, str], datetime] = {}
    for event in ordered:
        for defined in defined_ids(event):
            known = first_recorded.get(defined)
            first_recorded[defined] = event.recorded if known is None else min(known, event.recorded)
    found = []
    for event in ordered:
        for ref in referenced_ids(event):
            known = first_recorded.get(ref)
            if known is not None and event.recorded < known:
                found.append(UnknownReferenceError(
                    event.event_id, ref[0], ref[1],
                    f"an id defined by an event recorded no later than this one ({event.recorded.isoformat()}); "
                    f"it is first recorded {known.isoformat()}, so known-at replays between the two fail",
                ))
                break
    return found


def replay(
    events: Iterable[Record],
    *,
    as_of: date | str,
    known_at: datetime | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> NegotiationState:
    """Fold a log into the state on ``as_of``, as known at ``known_at``.

    * Only events recorded at or before ``known_at`` are used (all if ``None``);
      instants are compared, so offsets do not matter. Corrections and
      retractions so recorded replace or withdraw the facts they name. Corrections and
      retractions so recorded replace or withdraw the facts they name.
    * Events effective on or before ``as_of`` are applied (both bounds
      inclusive), in the order (effective, recorded, event_id).
    * Events effective after ``as_of`` and recorded by the end of ``as_of``
      (UTC; or by ``known_at`` if earlier) are listed as ``scheduled``.
    * Clock rules are applied on ``as_of``: a suspension ending on or before
      it no longer lowers its layer; a window whose deadline is on or before
      it has lapsed unless an extension effective by then moved it.

    Args:
        events: Any iterable of events, in any order; identical duplicates
            are applied once.
            Read a file first: ``events.read_log(path)``.
        as_of: The valid-time date to describe: a ``datetime.date`` or
            ``"YYYY-MM-DD"``.
        known_at: The transaction-time cut-off: an aware ``datetime``, an
            ISO 8601 string with an offset (``"2025-05-13T12:00Z"``), or ``None``.
        progress: Called as ``progress(done, total)`` with the number of
            facts folded so far and the number to fold, at most about 100
            times, the last time with ``(total, total)``; or ``None``.

    Returns:
        The frozen state.

    Raises:
        ConflictingEventError: two different events share an id.
        UnknownReferenceError: an event names an accord, talks or export
            control that no earlier event (in fold order) defines, or a
            correction or retraction names an unknown event.
        InconsistentEventError: an event contradicts the state before it
            (an accord reached twice, an extension that does not extend).
        QueryError: ``as_of`` is not a date (or ISO date) from 1900-01-01
            to 2999-12-31 (a ``datetime`` is refused), ``known_at`` is naive
            or has no offset, ``progress`` is not callable, ``events`` is a
            path, a string or a store (read it with ``events.read_log``), or
            an item of ``events`` is not an event.
    """
    as_of, known_at = as_day("as_of", as_of), as_instant("known_at", known_at)
    check_progress(progress)
    builder, contents = prepare(events, as_of, known_at, plan=progress is not None)
    through = builder.horizon.through
    if progress is None and through is not None and builder.horizon.projects(as_of):
        return _projected(builder, contents, through, as_of)
    for start, stop in slices(len(contents), progress):
        for content in contents[start:stop]:
            builder.fold(content)
    return builder.freeze()


def _projected(builder: Builder, contents: list[Any], through: date, as_of: date) -> NegotiationState:
    """The state on ``as_of``, past the horizon: one fold that stops on the horizon's day to take the projection
    plan there (the state it rests on), then moves on by the clock, as a timeline does."""
    builder.as_of = through  # nothing folded yet
    due = 0
    while due < len(contents) and contents[due].effective <= through:
        builder.fold(contents[due])
        due += 1
    plan = projection_plan(builder.freeze(), contents)
    builder.horizon = attrs.evolve(builder.horizon, projection=plan)
    builder.advance(as_of)
    for content in contents[due:]:
        builder.fold(content)  # effective after as_of: scheduled if announced by the end of as_of
    return builder.freeze()


def check_progress(progress: Any) -> None:
    """A progress callback: ``None`` or a callable.

    Raises:
        QueryError: anything else.
    """
    if progress is not None and not callable(progress):
        raise QueryError("progress", progress, "None or a callable progress(done, total)")


def slices(total: int, progress: Callable[[int, int], None] | None) -> Iterator[tuple[int, int]]:
    """Split ``range(total)`` into ``(start, stop)`` slices, reporting ``progress(stop, total)`` after each.

    Without ``progress``, one slice and no report. With it, about 100
    slices (fewer for short work), so reports cost nothing measurable; the
    last report is ``(total, total)``, also when ``total`` is 0.
    """
    if progress is None:
        yield 0, total
        return
    step = max(1, -(-total // 100))
    for start in range(0, total, step):
        stop = min(start + step, total)
        yield start, stop
        progress(stop, total)
    if total == 0:
        progress(0, 0)


def prepare(
    events: Iterable[Record], as_of: date, known_at: datetime | None, *, plan: bool = True
) -> tuple[Builder, list[Any]]:
    """Check and deduplicate ``events``, resolve their versions at ``known_at``, and find the log's horizon.

    Args:
        plan: Whether to add the projection plan
            (:func:`negotiation._horizon.projection_plan`) to the builder's
            horizon when ``as_of`` is after it (a second fold, to the
            horizon's day); a timeline takes the plan on its way instead.

    Returns:
        A builder for the empty state on ``as_of`` that holds every input
        event, the revisions and the horizon, and the current contents in
        fold order.

    Raises:
        ConflictingEventError, UnknownReferenceError, InconsistentEventError,
        QueryError: as :func:`replay`.
    """
    unique, conflicts = _deduplicate(_check_events(events))
    if conflicts:
        raise conflicts[0]
    versions = resolve(list(unique.values()), known_at)
    if versions.problems:
        raise versions.problems[0]
    contents = sorted(versions.contents, key=_FOLD_ORDER)
    builder = _builder(unique, versions, as_of, known_at)
    horizon = horizon_of(e for e in unique.values() if known_at is None or e.recorded <= known_at)
    if plan and horizon.through is not None and horizon.projects(as_of):
        at_horizon = _builder(dict(unique), versions, horizon.through, known_at)
        for content in contents:
            if content.effective > horizon.through:
                break
            at_horizon.fold(content)
        horizon = attrs.evolve(horizon, projection=projection_plan(at_horizon.freeze(), contents))
    builder.horizon = horizon
    return builder, contents


def _builder(unique: dict[str, AnyEvent], versions: Any, as_of: date, known_at: datetime | None) -> Builder:
    """A builder for the empty state on ``as_of`` holding the input events and their revisions."""
    builder = Builder(NegotiationState.empty(as_of, known_at=known_at))
    builder.adopt("log", unique)
    for event in versions.revisers:
        target = event.corrects if isinstance(event, EventCorrected) else event.retracts
        revised_by = builder.write("revised_by")
        revised_by[target] = (*revised_by.get(target, ()), event.event_id)
    builder.corrected_by = versions.revisions
    builder.facts_known = versions.contents
    return builder


def _refers_ahead(state: NegotiationState, event: AnyEvent) -> bool:
    """Whether ``event`` names an accord or quota the state does not hold yet (the log may define it later in valid time)."""
    if not isinstance(event, TariffChanged):
        return False
    return ((event.accord_id is not None and event.accord_id not in state.accords)
            or (event.quota is not None and event.quota.quota_id not in state.quotas))


def apply(state: NegotiationState, event: AnyEvent) -> NegotiationState:
    """Return the state with one more event folded in; ``state`` is unchanged.

    Satisfies ``apply(replay(log, as_of=D, known_at=K), e) == replay([*log, e],
    as_of=D, known_at=K)``: the state holds every event it was given under
    ``log``. A fact that sorts after every applied one (the usual case)
    costs a copy of only the sections it touches; one that sorts earlier, a
    correction or a retraction refolds the log.

    Raises:
        ConflictingEventError: the state holds a different event with this id.
        UnknownReferenceError: the event names an unknown accord, talks or
            export control.
        InconsistentEventError: the event contradicts the state.
        QueryError: ``event`` is not an event.
    """
    if not isinstance(state, NegotiationState):
        raise QueryError("state", state, "a NegotiationState")
    _check_events([event])
    held = state.log.get(event.event_id)
    if held is not None:
        if held == event:
            return state
        raise ConflictingEventError(held, event)
    builder = Builder(state)
    visible = state.known_at is None or event.recorded <= state.known_at
    revision = isinstance(event, (EventCorrected, EventRetracted))
    if visible and not revision and event.event_id not in state.revised_by:
        in_order = state.last_applied is None or event.sort_key > state.last_applied
        horizon = advance_horizon(state.horizon, event)
        if (in_order or event.effective > state.as_of) and not _refers_ahead(state, event) \
                and not horizon.projects(state.as_of):
            builder.register(event)
            builder.fold(event)  # type: ignore[arg-type]
            builder.horizon = horizon
            return builder.freeze()
    return replay([*state.log.values(), event], as_of=state.as_of, known_at=state.known_at)
