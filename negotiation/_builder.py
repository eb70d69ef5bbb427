"""The builder: a mutable working copy of a state, and the fold of one fact into it.

The builder shares the sections of the state it starts from and copies a
section only when it first writes to it (copy on write), so folding one
event does not copy the whole state; ``freeze`` hands the sections to a new
frozen state and starts copying again on the next write.
"""

from __future__ import annotations

from collections.abc import Callable
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
    Fact,
    LeadersSpoke,
    LicensesApproved,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
    TradeDataReleased,
)

from ._errors import InconsistentEventError, UnknownReferenceError
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

__all__ = ["Builder", "announced_by", "FACT_HANDLERS"]

_SECTIONS = (
    "layers", "accords", "talks", "export_controls", "trade_data", "events", "scheduled",
    "revisions", "log", "revised_by",
)


def _accord_status(window_start: date, deadline: date | None, as_of: date) -> AccordStatus:
    if as_of < window_start:
        return AccordStatus.PENDING
    if deadline is not None and as_of >= deadline:
        return AccordStatus.LAPSED
    return AccordStatus.ACTIVE


def _applied_rate(rate: Any, suspension: Any, as_of: date) -> Any:
    """The suspended rate before the suspension's end date, the full rate from it on."""
    return suspension.rate if suspension is not None and as_of < suspension.until else rate


def _control_on(control: ExportControl, as_of: date) -> ExportControl:
    """The control on ``as_of``: a suspension ending on or before it no longer applies."""
    if control.suspended_until is not None and as_of >= control.suspended_until:
        return attrs.evolve(control, status=ControlStatus.IN_FORCE, suspended_until=None)
    return control


def announced_by(recorded: datetime, as_of: date) -> bool:
    """Whether ``recorded`` falls on or before ``as_of`` (UTC days)."""
    return recorded < datetime.combine(as_of + timedelta(days=1), time(), timezone.utc)


class Builder:
    """A mutable working copy of a state that shares unchanged sections."""

    def __init__(self, state: NegotiationState) -> None:
        self.as_of = state.as_of
        self.known_at = state.known_at
        self.last_applied = state.last_applied
        self._sections: dict[str, Any] = {name: getattr(state, name) for name in _SECTIONS}
        self._owned: set[str] = set()
        self.corrected_by: dict[str, str] = {}
        """Fact id to the correction supplying its content; recorded in ``revisions`` when folded."""

    def read(self, name: str) -> Any:
        return self._sections[name]

    def write(self, name: str) -> dict[Any, Any]:
        if name not in self._owned:
            self._sections[name] = dict(self._sections[name])
            self._owned.add(name)
        return self._sections[name]  # type: ignore[no-any-return]

    def register(self, event: AnyEvent) -> None:
        """Hold an input event (a fact, a correction or a retraction) under ``log``."""
        self.write("log")[event.event_id] = event

    def fold(self, content: Fact) -> None:
        """Fold a fact's current content, visible at ``known_at``, in fold order.

        Effective after ``as_of``: listed under ``scheduled`` if announced by
        the end of ``as_of``. Otherwise applied to the state's records and
        listed under ``events``.
        """
        if content.effective > self.as_of:
            if announced_by(content.recorded, self.as_of):
                self.schedule(content)
            return
        FACT_HANDLERS[type(content)](self, content)
        if content.event_id in self.read("scheduled"):
            del self.write("scheduled")[content.event_id]
        self.write("events")[content.event_id] = content
        self._note_revision(content)
        self.last_applied = content.sort_key

    def schedule(self, content: Fact) -> None:
        """List a fact announced but not yet effective under ``scheduled``."""
        self.write("scheduled")[content.event_id] = content
        self._note_revision(content)

    def _note_revision(self, content: Fact) -> None:
        correction = self.corrected_by.get(content.event_id)
        if correction is not None and self.read("revisions").get(content.event_id) != correction:
            self.write("revisions")[content.event_id] = correction

    def advance(self, as_of: date) -> None:
        """Move the builder's date forward and apply the clock rules to its records.

        Suspensions that end on or before ``as_of`` stop lowering their
        layers; accords open their windows and lapse on their deadlines;
        suspended export controls apply again from their ``until`` date.
        Events that become due are folded by the caller.
        """
        self.as_of = as_of
        for key, layer in self.read("layers").items():
            rate = _applied_rate(layer.rate, layer.suspension, as_of)
            if rate != layer.applied_rate:
                self.write("layers")[key] = attrs.evolve(layer, applied_rate=rate)
        for key, accord in self.read("accords").items():
            status = _accord_status(accord.window_start, accord.deadline, as_of)
            if status is not accord.status:
                self.write("accords")[key] = attrs.evolve(accord, status=status)
        for key, control in self.read("export_controls").items():
            if (current := _control_on(control, as_of)) is not control:
                self.write("export_controls")[key] = current

    def freeze(self) -> NegotiationState:
        sections = {
            name: MappingProxyType(value) if name in self._owned else value
            for name, value in self._sections.items()
        }
        self._owned.clear()
        return NegotiationState(
            as_of=self.as_of, known_at=self.known_at, last_applied=self.last_applied, **sections
        )


def _require(builder: Builder, section: str, key: str, event: AnyEvent, field: str) -> Any:
    found = builder.read(section).get(key)
    if found is None:
        known = ", ".join(sorted(builder.read(section))) or "none"
        raise UnknownReferenceError(
            event.event_id, field, key, f"an id the log defines earlier in fold order ({known})"
        )
    return found


def _tariff_changed(builder: Builder, event: TariffChanged) -> None:
    if event.accord_id is not None:
        _require(builder, "accords", event.accord_id, event, "accord_id")
    layers = builder.write("layers")
    if event.removes:
        layers.pop(event.layer_key, None)
        return
    layers[event.layer_key] = TariffLayer(
        imposer=event.imposer,
        target=event.target,
        measure=event.measure,
        scope=event.scope,
        rate=event.rate,
        suspension=event.suspension,
        applied_rate=_applied_rate(event.rate, event.suspension, builder.as_of),
        since=event.effective,
        event_id=event.event_id,
        accord_id=event.accord_id,
        combination=event.combination,
    )


def _accord_reached(builder: Builder, event: AccordReached) -> None:
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


def _accord_extended(builder: Builder, event: AccordExtended) -> None:
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


def _talks(builder: Builder, event: TalksScheduled | TalksHeld) -> None:
    """Schedule (or reschedule) talks, or record them held; delegations named so far are kept."""
    talks: Talks | None = builder.read("talks").get(event.talks_id)
    held = isinstance(event, TalksHeld) or (talks is not None and talks.status is TalksStatus.HELD)
    builder.write("talks")[event.talks_id] = Talks(
        talks_id=event.talks_id,
        venue=event.venue,
        parties=event.parties,
        starts=event.starts,
        ends=event.ends,
        status=TalksStatus.HELD if held else TalksStatus.SCHEDULED,
        delegations=talks.delegations if talks else {},
        outcome=event.outcome if isinstance(event, TalksHeld) else (talks.outcome if talks else ""),
        event_ids=(*(talks.event_ids if talks else ()), event.event_id),
    )


def _delegation_named(builder: Builder, event: DelegationNamed) -> None:
    talks: Talks = _require(builder, "talks", event.talks_id, event, "talks_id")
    builder.write("talks")[event.talks_id] = attrs.evolve(
        talks,
        delegations={**talks.delegations, event.party: event.members},
        event_ids=(*talks.event_ids, event.event_id),
    )


def _export_control_changed(builder: Builder, event: ExportControlChanged) -> None:
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
    suspended = attrs.evolve(
        control,
        since=event.effective,
        status=ControlStatus.SUSPENDED,
        suspended_until=event.until,
        event_ids=(*control.event_ids, event.event_id),
    )
    builder.write("export_controls")[event.control_id] = _control_on(suspended, builder.as_of)


def _trade_data_released(builder: Builder, event: TradeDataReleased) -> None:
    latest: TradeDataReleased | None = builder.read("trade_data").get(event.reporter)
    if latest is None or event.period_end >= latest.period_end:
        builder.write("trade_data")[event.reporter] = event


def _occurrence(_builder: Builder, _event: AnyEvent) -> None:
    """Calls, licences and statements live in ``events`` only; nothing else to update."""


FACT_HANDLERS: dict[type[Any], Callable[[Builder, Any], None]] = {
    AccordExtended: _accord_extended,
    AccordReached: _accord_reached,
    DelegationNamed: _delegation_named,
    ExportControlChanged: _export_control_changed,
    LeadersSpoke: _occurrence,
    LicensesApproved: _occurrence,
    StatementIssued: _occurrence,
    TalksHeld: _talks,
    TalksScheduled: _talks,
    TariffChanged: _tariff_changed,
    TradeDataReleased: _trade_data_released,
}
