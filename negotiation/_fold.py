"""The fold: ``apply(state, event) -> state`` and ``replay(events, as_of=..., known_at=...)``.

Replay sorts by the total key (effective, recorded, event_id), so input
order never matters, and folds through a private builder that copies a
section of the state only when it first writes to it, then freezes once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType
from typing import Any

import attrs

from events import (
    AccordExtended,
    AccordReached,
    AnyEvent,
    ControlAction,
    DelegationNamed,
    ExportControlChanged,
    LeadersSpoke,
    LicensesApproved,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
    TradeDataReleased,
)

from ._errors import (
    ConflictingEventError,
    InconsistentEventError,
    NegotiationError,
    QueryError,
    UnknownReferenceError,
)
from ._state import (
    Accord,
    AccordStatus,
    ControlStatus,
    ExportControl,
    NegotiationState,
    Talks,
    TalksStatus,
    TariffLayer,
)

__all__ = ["apply", "find_problems", "replay"]

_SECTIONS = (
    "layers", "accords", "talks", "export_controls", "trade_data", "events", "scheduled", "later",
)


def _accord_status(window_start: date, deadline: date | None, as_of: date) -> AccordStatus:
    if as_of < window_start:
        return AccordStatus.PENDING
    if deadline is not None and as_of >= deadline:
        return AccordStatus.LAPSED
    return AccordStatus.ACTIVE


def _announced_by(recorded: datetime, as_of: date) -> bool:
    """Whether ``recorded`` falls on or before ``as_of`` (UTC days)."""
    return recorded < datetime.combine(as_of + timedelta(days=1), time(), timezone.utc)


class _Builder:
    """A mutable working copy of a state that shares unchanged sections."""

    def __init__(self, state: NegotiationState) -> None:
        self.as_of = state.as_of
        self.known_at = state.known_at
        self.last_applied = state.last_applied
        self._sections: dict[str, Any] = {name: getattr(state, name) for name in _SECTIONS}
        self._owned: set[str] = set()

    def read(self, name: str) -> Any:
        return self._sections[name]

    def write(self, name: str) -> dict[Any, Any]:
        if name not in self._owned:
            self._sections[name] = dict(self._sections[name])
            self._owned.add(name)
        return self._sections[name]  # type: ignore[no-any-return]

    def held(self, event_id: str) -> AnyEvent | None:
        for name in ("events", "scheduled", "later"):
            if (found := self.read(name).get(event_id)) is not None:
                return found  # type: ignore[no-any-return]
        return None

    def add(self, event: AnyEvent) -> None:
        """Apply a visible event in fold order; file the others under ``scheduled`` or ``later``."""
        seen = self.held(event.event_id)
        if seen is not None:
            if seen == event:
                return
            raise ConflictingEventError(seen, event)
        if self.known_at is not None and event.recorded > self.known_at:
            self.write("later")[event.event_id] = event
            return
        if event.effective > self.as_of:
            announced = _announced_by(event.recorded, self.as_of)
            self.write("scheduled" if announced else "later")[event.event_id] = event
            return
        _HANDLERS[type(event)](self, event)
        self.write("events")[event.event_id] = event
        self.last_applied = event.sort_key

    def freeze(self) -> NegotiationState:
        sections = {
            name: MappingProxyType(value) if name in self._owned else value
            for name, value in self._sections.items()
        }
        self._owned.clear()
        return NegotiationState(
            as_of=self.as_of, known_at=self.known_at, last_applied=self.last_applied, **sections
        )


def _require(builder: _Builder, section: str, key: str, event: AnyEvent, field: str) -> Any:
    found = builder.read(section).get(key)
    if found is None:
        known = ", ".join(sorted(builder.read(section))) or "none"
        raise UnknownReferenceError(
            event.event_id, field, key, f"an id the log defines earlier in fold order ({known})"
        )
    return found


def _tariff_changed(builder: _Builder, event: TariffChanged) -> None:
    if event.accord_id is not None:
        _require(builder, "accords", event.accord_id, event, "accord_id")
    layers = builder.write("layers")
    if event.removes:
        layers.pop(event.layer_key, None)
        return
    suspension = event.suspension
    suspended = suspension is not None and builder.as_of < suspension.until
    layers[event.layer_key] = TariffLayer(
        imposer=event.imposer,
        target=event.target,
        measure=event.measure,
        scope=event.scope,
        rate=event.rate,
        suspension=suspension,
        applied_rate=suspension.rate if suspended and suspension else event.rate,
        since=event.effective,
        event_id=event.event_id,
        accord_id=event.accord_id,
        combination=event.combination,
    )


def _accord_reached(builder: _Builder, event: AccordReached) -> None:
    reached: Accord | None = builder.read("accords").get(event.accord_id)
    if reached is not None:
        raise InconsistentEventError(
            event.event_id, "accord_id", event.accord_id,
            f"an id not already reached (event {reached.event_id!r} reached it)",
        )
    deadline = event.window_closes
    builder.write("accords")[event.accord_id] = Accord(
        accord_id=event.accord_id,
        title=event.title,
        parties=event.parties,
        commitments=event.commitments,
        reached=event.effective,
        window_start=event.window_opens,
        deadline=deadline,
        status=_accord_status(event.window_opens, deadline, builder.as_of),
        event_id=event.event_id,
    )


def _accord_extended(builder: _Builder, event: AccordExtended) -> None:
    accord: Accord = _require(builder, "accords", event.accord_id, event, "accord_id")
    if accord.deadline is None or event.deadline <= accord.deadline:
        current = "an accord with a deadline" if accord.deadline is None else f"a date after {accord.deadline}"
        raise InconsistentEventError(
            event.event_id, "deadline", event.deadline, f"{current} (the current deadline of {accord.accord_id!r})"
        )
    builder.write("accords")[event.accord_id] = attrs.evolve(
        accord,
        deadline=event.deadline,
        status=_accord_status(accord.window_start, event.deadline, builder.as_of),
        extended_by=(*accord.extended_by, event.event_id),
    )


def _talks_scheduled(builder: _Builder, event: TalksScheduled) -> None:
    talks: Talks | None = builder.read("talks").get(event.talks_id)
    builder.write("talks")[event.talks_id] = Talks(
        talks_id=event.talks_id,
        venue=event.venue,
        parties=event.parties,
        starts=event.starts,
        ends=event.ends,
        status=talks.status if talks else TalksStatus.SCHEDULED,
        delegations=talks.delegations if talks else {},
        outcome=talks.outcome if talks else "",
        event_ids=(*(talks.event_ids if talks else ()), event.event_id),
    )


def _delegation_named(builder: _Builder, event: DelegationNamed) -> None:
    talks: Talks = _require(builder, "talks", event.talks_id, event, "talks_id")
    builder.write("talks")[event.talks_id] = attrs.evolve(
        talks,
        delegations={**talks.delegations, event.party: event.members},
        event_ids=(*talks.event_ids, event.event_id),
    )


def _talks_held(builder: _Builder, event: TalksHeld) -> None:
    talks: Talks | None = builder.read("talks").get(event.talks_id)
    builder.write("talks")[event.talks_id] = Talks(
        talks_id=event.talks_id,
        venue=event.venue,
        parties=event.parties,
        starts=event.starts,
        ends=event.ends,
        status=TalksStatus.HELD,
        delegations=talks.delegations if talks else {},
        outcome=event.outcome,
        event_ids=(*(talks.event_ids if talks else ()), event.event_id),
    )


def _export_control_changed(builder: _Builder, event: ExportControlChanged) -> None:
    controls = builder.read("export_controls")
    if event.action is ControlAction.IMPOSED:
        previous: ExportControl | None = controls.get(event.control_id)
        builder.write("export_controls")[event.control_id] = ExportControl(
            control_id=event.control_id,
            issuer=event.issuer,
            items=event.items,
            description=event.description,
            since=event.effective,
            status=ControlStatus.IN_FORCE,
            suspended_until=None,
            event_ids=(*(previous.event_ids if previous else ()), event.event_id),
        )
        return
    control: ExportControl = _require(builder, "export_controls", event.control_id, event, "control_id")
    if event.action is ControlAction.LIFTED:
        del builder.write("export_controls")[event.control_id]
        return
    resumed = event.until is not None and builder.as_of >= event.until
    builder.write("export_controls")[event.control_id] = attrs.evolve(
        control,
        since=event.effective,
        status=ControlStatus.IN_FORCE if resumed else ControlStatus.SUSPENDED,
        suspended_until=None if resumed else event.until,
        event_ids=(*control.event_ids, event.event_id),
    )


def _trade_data_released(builder: _Builder, event: TradeDataReleased) -> None:
    latest: TradeDataReleased | None = builder.read("trade_data").get(event.reporter)
    if latest is None or event.period_end >= latest.period_end:
        builder.write("trade_data")[event.reporter] = event


def _occurrence(_builder: _Builder, _event: AnyEvent) -> None:
    """Calls, licences and statements live in ``events`` only; nothing else to update."""


_HANDLERS: dict[type[Any], Callable[[_Builder, Any], None]] = {
    AccordExtended: _accord_extended,
    AccordReached: _accord_reached,
    DelegationNamed: _delegation_named,
    ExportControlChanged: _export_control_changed,
    LeadersSpoke: _occurrence,
    LicensesApproved: _occurrence,
    StatementIssued: _occurrence,
    TalksHeld: _talks_held,
    TalksScheduled: _talks_scheduled,
    TariffChanged: _tariff_changed,
    TradeDataReleased: _trade_data_released,
}


def _check_query(as_of: Any, known_at: Any) -> datetime | None:
    """Check the query's arguments; return ``known_at`` in UTC."""
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        raise QueryError("as_of", as_of, "a datetime.date")
    if known_at is None:
        return None
    expected = "None or a timezone-aware datetime that exists in UTC"
    if not isinstance(known_at, datetime) or known_at.utcoffset() is None:
        raise QueryError("known_at", known_at, expected)
    try:
        return known_at.astimezone(timezone.utc)
    except OverflowError:
        raise QueryError("known_at", known_at, expected) from None


def _check_events(events: Iterable[Any]) -> list[AnyEvent]:
    found = list(events)
    for item in found:
        if type(item) not in _HANDLERS:
            raise QueryError("events", item, "events of the types in events.EVENT_TYPES")
    return found


def _deduplicate(
    events: Iterable[AnyEvent],
) -> tuple[list[AnyEvent], list[ConflictingEventError]]:
    """Drop identical duplicates; report each event whose id an earlier, different event has."""
    unique: dict[str, AnyEvent] = {}
    conflicts: list[ConflictingEventError] = []
    for event in events:
        seen = unique.setdefault(event.event_id, event)
        if seen is not event and seen != event:
            conflicts.append(ConflictingEventError(seen, event))
    return list(unique.values()), conflicts


def find_problems(events: Iterable[AnyEvent]) -> tuple[NegotiationError, ...]:
    """Every problem that would stop a replay of ``events``, not only the first.

    Returns:
        One :class:`ConflictingEventError` per event whose id an earlier
        (in input order), different event already has, then one
        :class:`UnknownReferenceError` per event (in fold order) that names
        an accord, talks or export control no earlier event defines, or
        that was recorded before every event defining it (a known-at replay
        between the two would fail). Empty for a sound log.
    """
    unique, conflicts = _deduplicate(events)
    problems: list[NegotiationError] = list(conflicts)
    builder = _Builder(NegotiationState.empty(date.max))
    ordered = sorted(unique, key=lambda event: event.sort_key)
    for event in ordered:
        try:
            builder.add(event)
        except (UnknownReferenceError, InconsistentEventError) as exc:
            problems.append(exc)
    reported = {getattr(problem, "event_id", None) for problem in problems}
    problems += [p for p in _recorded_before_referent(ordered) if p.event_id not in reported]
    return tuple(problems)


def _definition(event: AnyEvent) -> tuple[str, str] | None:
    if isinstance(event, AccordReached):
        return ("accord_id", event.accord_id)
    if isinstance(event, (TalksScheduled, TalksHeld)):
        return ("talks_id", event.talks_id)
    if isinstance(event, ExportControlChanged) and event.action is ControlAction.IMPOSED:
        return ("control_id", event.control_id)
    return None


def _reference(event: AnyEvent) -> tuple[str, str] | None:
    if isinstance(event, (AccordExtended, TariffChanged)) and event.accord_id is not None:
        return ("accord_id", event.accord_id)
    if isinstance(event, DelegationNamed):
        return ("talks_id", event.talks_id)
    if isinstance(event, ExportControlChanged) and event.action is not ControlAction.IMPOSED:
        return ("control_id", event.control_id)
    return None


def _recorded_before_referent(ordered: list[AnyEvent]) -> list[UnknownReferenceError]:
    """Referring events recorded before every event that defines their referent.

    Such a log replays in full, but a known-at replay between the two
    recorded times meets the reference without its referent.
    """
    first_recorded: dict[tuple[str, str], datetime] = {}
    for event in ordered:
        if (defined := _definition(event)) is not None:
            known = first_recorded.get(defined)
            first_recorded[defined] = event.recorded if known is None else min(known, event.recorded)
    found = []
    for event in ordered:
        ref = _reference(event)
        known = first_recorded.get(ref) if ref is not None else None
        if ref is not None and known is not None and event.recorded < known:
            found.append(UnknownReferenceError(
                event.event_id, ref[0], ref[1],
                f"an id defined by an event recorded no later than this one ({event.recorded.isoformat()}); "
                f"it is first recorded {known.isoformat()}, so known-at replays between the two fail",
            ))
    return found


def replay(
    events: Iterable[AnyEvent], *, as_of: date, known_at: datetime | None = None
) -> NegotiationState:
    """Fold a log into the state on ``as_of``, as known at ``known_at``.

    * Only events recorded at or before ``known_at`` are used (all if ``None``);
      instants are compared, so offsets do not matter.
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
        as_of: The valid-time date to describe.
        known_at: The transaction-time cut-off (aware), or ``None``.

    Returns:
        The frozen state.

    Raises:
        ConflictingEventError: two different events share an id.
        UnknownReferenceError: an event names an accord, talks or export
            control that no earlier event (in fold order) defines.
        InconsistentEventError: an event contradicts the state before it
            (an accord reached twice, an extension that does not extend).
        QueryError: ``as_of`` is not a date, ``known_at`` is naive, or an
            item of ``events`` is not an event.
    """
    known_at = _check_query(as_of, known_at)
    unique, conflicts = _deduplicate(_check_events(events))
    if conflicts:
        raise conflicts[0]
    builder = _Builder(NegotiationState.empty(as_of, known_at=known_at))
    for event in sorted(unique, key=lambda event: event.sort_key):
        builder.add(event)
    return builder.freeze()


def apply(state: NegotiationState, event: AnyEvent) -> NegotiationState:
    """Return the state with one more event folded in; ``state`` is unchanged.

    Satisfies ``apply(replay(log, as_of=D, known_at=K), e) == replay([*log, e],
    as_of=D, known_at=K)``: the state holds every event it was given (those
    not visible on ``D`` as of ``K`` under ``scheduled`` and ``later``). An
    event that sorts after every applied event (the usual case) costs a copy
    of only the sections it touches; one that sorts earlier refolds.

    Raises:
        ConflictingEventError: the state holds a different event with this id.
        UnknownReferenceError: the event names an unknown accord, talks or
            export control.
        InconsistentEventError: the event contradicts the state.
        QueryError: ``event`` is not an event.
    """
    _check_events([event])
    builder = _Builder(state)
    visible = state.known_at is None or event.recorded <= state.known_at
    in_order = state.last_applied is None or event.sort_key > state.last_applied
    if builder.held(event.event_id) or not visible or event.effective > state.as_of or in_order:
        builder.add(event)
        return builder.freeze()
    return replay(
        [*state.events.values(), *state.scheduled.values(), *state.later.values(), event],
        as_of=state.as_of,
        known_at=state.known_at,
    )
