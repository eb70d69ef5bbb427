"""The builder: a mutable working copy of a state, and the fold of one fact into it.

The builder shares the sections of the state it starts from and copies a
section only when it first writes to it (copy on write), so folding one
event does not copy the whole state; ``freeze`` hands the sections to a new
frozen state and starts copying again on the next write. The facts applied
(``events``) go to an append-only :class:`Ledger` instead, of which each
frozen state holds a prefix view, so the states of a timeline share it.
"""

from __future__ import annotations

import bisect
import heapq
import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any

import attrs

from events import (
    AccordExtended,
    AccordReached,
    AnyEvent,
    BaseRateSet,
    BlocMembersSet,
    ControlAction,
    DelegationNamed,
    ExportControlChanged,
    ExportLicencesApproved,
    Fact,
    InstrumentAction,
    InstrumentChanged,
    LeadersSpoke,
    LogReviewed,
    QuotaSet,
    RulingIssued,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
    TradeDataReleased,
    defined_ids,
)

from ._errors import InconsistentEventError, UnknownReferenceError
from ._state import (
    Accord,
    AccordStatus,
    BaseRate,
    Bloc,
    ControlStatus,
    ExportControl,
    Horizon,
    Instrument,
    InstrumentStatus,
    LayerTable,
    Ledger,
    NegotiationState,
    PendingLayer,
    Quota,
    Ruling,
    Talks,
    TalksStatus,
    TariffLayer,
    layer_record,
)

__all__ = ["FACT_HANDLERS", "Builder", "Definitions", "announced_by", "defined_ahead"]

_SECTIONS = (
    "layers", "accords", "talks", "export_controls", "trade_data", "base_rates", "quotas", "instruments",
    "blocs", "rulings", "events", "scheduled", "revisions", "log", "revised_by",
)

Definitions = dict[tuple[str, str], datetime]
"""(field, id) to the earliest instant an event defining it was recorded: accords and quotas."""


_AHEAD = ("accord_id", "quota.quota_id")
"""The references a layer may make ahead in valid time (a retroactive measure implementing a later accord)."""


def defined_ahead(contents: Iterable[Any]) -> Definitions:
    """What the facts of a log define for a reference ahead in valid time: accords and quotas, by field and id."""
    found: Definitions = {}
    for content in contents:
        for key in defined_ids(content):
            if key[0] in _AHEAD:
                known = found.get(key)
                found[key] = content.recorded if known is None else min(known, content.recorded)
    return found


def _accord_status(window_start: date, deadline: date | None, as_of: date) -> AccordStatus:
    if as_of < window_start:
        return AccordStatus.PENDING
    if deadline is not None and as_of >= deadline:
        return AccordStatus.LAPSED
    return AccordStatus.ACTIVE


def _applied_rate(rate: Any, suspension: Any, as_of: date) -> Any:
    """The suspended rate before the suspension's end date, the full rate from it on."""
    return suspension.rate if suspension is not None and as_of < suspension.until else rate


def _instrument_on(instrument: Instrument, as_of: date) -> Instrument:
    """The instrument on ``as_of``: a suspension ending by then is over (adopted again); an announced start passed without adoption has lapsed."""
    if instrument.status is InstrumentStatus.SUSPENDED and instrument.until is not None and as_of >= instrument.until:
        return attrs.evolve(instrument, status=InstrumentStatus.ADOPTED, until=None)
    if instrument.status is InstrumentStatus.ANNOUNCED and instrument.starts is not None and as_of >= instrument.starts:
        return attrs.evolve(instrument, status=InstrumentStatus.LAPSED)
    return instrument


def _control_on(control: ExportControl, as_of: date) -> ExportControl:
    """The control on ``as_of``: a suspension ending on or before it no longer applies."""
    if control.suspended_until is not None and as_of >= control.suspended_until:
        return attrs.evolve(control, status=ControlStatus.IN_FORCE, suspended_until=None)
    return control


def announced_by(recorded: datetime, as_of: date) -> bool:
    """Whether ``recorded`` falls on or before ``as_of`` (UTC days)."""
    return recorded < datetime.combine(as_of + timedelta(days=1), time(), UTC)


class Builder:
    """A mutable working copy of a state that shares unchanged sections.

    Two things keep a long fold linear. Tariff changes are collected per
    layer and turned into :class:`TariffLayer` records once, when the state
    is frozen (a layer set a thousand times is built once). And once
    :meth:`advance` is first called, the builder keeps a heap of the days on
    which a clock rule changes a record (a suspension's end, a window's
    start or deadline), so moving the date touches only those records, not
    every layer, accord and control.
    """

    def __init__(self, state: NegotiationState) -> None:
        self.as_of = state.as_of
        self.known_at = state.known_at
        self.last_applied = state.last_applied
        self._sections: dict[str, Any] = {name: getattr(state, name) for name in _SECTIONS}
        self._owned: set[str] = set()
        self._last: Fact | None = None
        self._ledger: Ledger | None = None
        self._layer_changes: dict[tuple[str, str, str, tuple[str, ...]], TariffChanged] = {}
        self._due: list[tuple[date, int, str, Any]] | None = None
        self.corrected_by: dict[str, str] = {}
        """Fact id to the correction supplying its content; recorded in ``revisions`` when folded."""
        self.horizon: Horizon = state.horizon
        """The log's horizon, with the whole projection plan (every rule after it); frozen states keep the part up to their date."""
        self.facts_known: Sequence[Any] = ()
        """The current contents of the facts known, for references ahead in valid time (none: none allowed)."""
        self._defined: Definitions | None = None
        self._horizon_cut: tuple[Horizon, int, Horizon] | None = None
        self._pending: list[bool] = [False]
        """Whether some owned layer's record is not built yet (a :class:`PendingLayer`), shared with its LayerTable."""

    def defined_at(self, field: str, key: str) -> datetime | None:
        """When an event among :attr:`facts_known` defining ``key`` was first recorded, or ``None``.

        The index (:func:`defined_ahead`) is built on the first reference
        that the state does not resolve, so a log without one pays nothing.
        """
        if self._defined is None:
            self._defined = defined_ahead(self.facts_known)
        return self._defined.get((field, key))

    def read(self, name: str) -> Any:
        if name == "layers":
            self._settle_layers()
        return self._sections[name]

    def write(self, name: str) -> dict[Any, Any]:
        if name not in self._owned:
            section = self._sections[name]
            if isinstance(section, LayerTable):
                self._sections[name], self._pending = section.raw()
            else:
                self._sections[name] = section.copy()
                if name == "layers":
                    self._pending = [False]
            self._owned.add(name)
        return self._sections[name]  # type: ignore[no-any-return]

    def adopt(self, name: str, mapping: dict[Any, Any]) -> None:
        """Make ``mapping`` (new, not shared) the builder's own ``name`` section."""
        self._sections[name] = mapping
        self._owned.add(name)

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
        event_id = content.event_id
        if event_id in self._sections["scheduled"]:
            del self.write("scheduled")[event_id]
        if self._ledger is None:
            self._ledger = Ledger(self._sections["events"])
        self._ledger.append(event_id, content)
        if event_id in self.corrected_by:
            self._note_revision(content)
        self._last = content

    def schedule(self, content: Fact) -> None:
        """List a fact announced but not yet effective under ``scheduled``."""
        self.write("scheduled")[content.event_id] = content
        if content.event_id in self.corrected_by:
            self._note_revision(content)

    def _note_revision(self, content: Fact) -> None:
        correction = self.corrected_by.get(content.event_id)
        if correction is not None and self._sections["revisions"].get(content.event_id) != correction:
            self.write("revisions")[content.event_id] = correction

    def change_layer(self, event: TariffChanged) -> None:
        """Set (or remove) the layer ``event`` names; the record is built when the layers are next read."""
        self._layer_changes[(event.imposer, event.target, event.measure, event.scope.hs)] = event

    def _settle_layers(self) -> None:
        """Turn the collected tariff changes into layers on ``as_of``; each record is built when first read
        (:class:`LayerTable`), so a timeline builds only the records someone reads."""
        if not self._layer_changes:
            return
        layers = self.write("layers")
        as_of = self.as_of
        for event in self._layer_changes.values():
            key = event.layer_key
            suspension, ends = event.suspension, event.ends
            if event.removes or (ends is not None and ends <= as_of):
                layers.pop(key, None)
                continue
            if suspension is None:
                layers[key] = event  # pending at its own rate: the record is built when first read (LayerTable)
            else:
                layers[key] = PendingLayer(event, _applied_rate(event.rate, suspension, as_of))
            if suspension is not None or ends is not None:
                self._watch("layers", key, event)
        self._pending[0] = True
        self._layer_changes.clear()

    def _watch(self, section: str, key: Any, record: Any) -> None:
        """Note the next days on which a clock rule may change ``record`` (only once :meth:`advance` runs)."""
        if self._due is None:
            return
        if isinstance(record, (TariffLayer, PendingLayer, TariffChanged)):
            source = record.event if isinstance(record, PendingLayer) else record
            days = [day for day in (source.suspension.until if source.suspension else None, source.ends) if day]
        elif isinstance(record, Accord):
            days = [record.window_start, *([record.deadline] if record.deadline is not None else [])]
        elif isinstance(record, Instrument):
            days = [day for day in (record.starts, record.until) if day is not None]
        else:
            days = [record.suspended_until] if record.suspended_until is not None else []
        for day in days:
            if day > self.as_of:
                heapq.heappush(self._due, (day, len(self._due), section, key))

    def set_record(self, section: str, key: Any, record: Accord | ExportControl | Instrument) -> None:
        """Store an accord, export control or instrument and watch its clock."""
        self.write(section)[key] = record
        self._watch(section, key, record)

    def advance(self, as_of: date) -> None:
        """Move the builder's date forward and apply the clock rules to its records.

        Suspensions that end on or before ``as_of`` stop lowering their
        layers; accords open their windows and lapse on their deadlines;
        suspended export controls apply again from their ``until`` date.
        Events that become due are folded by the caller.

        The first call indexes the clock of every record (once); later calls
        visit only the records whose day came.
        """
        self._settle_layers()
        if self._due is None:
            self._due = []
            for section in ("layers", "accords", "export_controls", "instruments"):
                for key, record in self._sections[section].items():
                    self._watch(section, key, record)
        self.as_of = as_of
        while self._due and self._due[0][0] <= as_of:
            _day, _order, section, key = heapq.heappop(self._due)
            record = self._sections[section].get(key)
            if isinstance(record, (PendingLayer, TariffChanged)):
                record = layer_record(record)
            if record is None or (current := _on(record, as_of)) is record:
                continue
            if current is None:
                del self.write(section)[key]
            else:
                self.write(section)[key] = current

    def freeze(self) -> NegotiationState:
        """The state so far, frozen; the builder copies a section again on its next write to it."""
        self._settle_layers()
        for name in self._owned:
            owned = self._sections[name]
            self._sections[name] = LayerTable(owned, self._pending) if name == "layers" else MappingProxyType(owned)
        self._owned.clear()
        if self._ledger is not None:
            self._sections["events"] = self._ledger.view()
        if self._last is not None:
            self.last_applied = self._last.sort_key
            self._last = None
        return NegotiationState._stored(
            as_of=self.as_of, known_at=self.known_at, last_applied=self.last_applied, horizon=self._horizon_on(),
            **self._sections,
        )

    def _horizon_on(self) -> Horizon:
        """The horizon with the projection plan's rules up to ``as_of`` (the plan is sorted by day).

        The same object as the last state's while no rule came due, so a
        long timeline past the horizon does not copy the plan every day.
        """
        horizon = self.horizon
        if not horizon.projection:
            return horizon
        due = bisect.bisect_right(horizon.projection, self.as_of, key=operator.itemgetter(0))
        if self._horizon_cut is not None and self._horizon_cut[0] is horizon and self._horizon_cut[1] == due:
            return self._horizon_cut[2]
        cut = attrs.evolve(horizon, projection=horizon.projection[:due])
        self._horizon_cut = (horizon, due, cut)
        return cut


def _on(record: TariffLayer | Accord | ExportControl | Instrument, as_of: date) -> Any:
    """``record`` with the clock rules applied on ``as_of``; the same object if nothing changed; ``None`` if it ended."""
    if isinstance(record, TariffLayer):
        if record.ends is not None and as_of >= record.ends:
            return None
        rate = _applied_rate(record.rate, record.suspension, as_of)
        return record if rate == record.applied_rate else attrs.evolve(record, applied_rate=rate)
    if isinstance(record, Accord):
        status = _accord_status(record.window_start, record.deadline, as_of)
        return record if status is record.status else attrs.evolve(record, status=status)
    if isinstance(record, Instrument):
        return _instrument_on(record, as_of)
    return _control_on(record, as_of)


def _require(builder: Builder, section: str, key: str, event: AnyEvent, field: str) -> Any:
    found = builder.read(section).get(key)
    if found is None:
        known = ", ".join(sorted(builder.read(section))) or "none"
        raise UnknownReferenceError(
            event.event_id, field, key, f"an id the log defines earlier in fold order ({known})"
        )
    return found


def _require_defined(builder: Builder, section: str, key: str, event: AnyEvent, field: str) -> None:
    """A reference that may point ahead in valid time: defined earlier in fold order, or by an event recorded no later than ``event``."""
    if key in builder.read(section):
        return
    recorded = builder.defined_at(field, key)
    if recorded is not None and recorded <= event.recorded:
        return
    known = ", ".join(sorted(builder.read(section))) or "none"
    raise UnknownReferenceError(
        event.event_id, field, key,
        f"an id the log defines earlier in fold order, or in an event recorded no later than this one ({known})",
    )


def _tariff_changed(builder: Builder, event: TariffChanged) -> None:
    if event.accord_id is not None:
        _require_defined(builder, "accords", event.accord_id, event, "accord_id")
    if event.quota is not None:
        _require_defined(builder, "quotas", event.quota.quota_id, event, "quota.quota_id")
        quota: Quota | None = builder.read("quotas").get(event.quota.quota_id)
        if quota is not None and (quota.imposer, quota.target) != (event.imposer, event.target):
            raise InconsistentEventError(
                event.event_id, "quota.quota_id", event.quota.quota_id,
                f"a quota of {event.imposer} on {event.target} (this one is of {quota.imposer} on {quota.target})",
            )
    builder.change_layer(event)


def _base_rate_set(builder: Builder, event: BaseRateSet) -> None:
    rates = builder.write("base_rates")
    for hs in event.scope.hs:
        rates[(event.imposer, hs)] = BaseRate(
            imposer=event.imposer, hs=hs, rate=event.rate, since=event.effective, event_id=event.event_id
        )


def _quota_set(builder: Builder, event: QuotaSet) -> None:
    previous: Quota | None = builder.read("quotas").get(event.quota_id)
    builder.write("quotas")[event.quota_id] = Quota(
        quota_id=event.quota_id, imposer=event.imposer, target=event.target, scope=event.scope,
        unit=event.unit, periods=event.periods, since=event.effective,
        event_ids=(*(previous.event_ids if previous else ()), event.event_id),
    )


_INSTRUMENT_STATUS = {
    InstrumentAction.ANNOUNCED: InstrumentStatus.ANNOUNCED,
    InstrumentAction.ADOPTED: InstrumentStatus.ADOPTED,
    InstrumentAction.SUSPENDED: InstrumentStatus.SUSPENDED,
    InstrumentAction.LIFTED: InstrumentStatus.LIFTED,
}


def _instrument_changed(builder: Builder, event: InstrumentChanged) -> None:
    """Announce or adopt an instrument (new or known); suspend or lift one the log announced or adopted earlier."""
    previous: Instrument | None = builder.read("instruments").get(event.instrument_id)
    if event.action in (InstrumentAction.SUSPENDED, InstrumentAction.LIFTED):
        previous = _require(builder, "instruments", event.instrument_id, event, "instrument_id")
    if previous is not None and previous.issuer != event.issuer:
        raise InconsistentEventError(event.event_id, "issuer", event.issuer,
                                     f"the issuer of instrument {event.instrument_id!r}, {previous.issuer}")
    suspendable = (InstrumentStatus.ADOPTED, InstrumentStatus.SUSPENDED)
    if event.action is InstrumentAction.SUSPENDED and previous is not None and previous.status not in suspendable:
        raise InconsistentEventError(event.event_id, "action", event.action.value,
                                     f"an instrument in force or suspended (this one is {previous.status.value})")
    instrument = Instrument(
        instrument_id=event.instrument_id, issuer=event.issuer, target=event.target, kind=event.kind,
        legal_status=event.legal_status, title=event.title, status=_INSTRUMENT_STATUS[event.action],
        starts=event.starts, until=event.until, rate=event.rate, value=event.value,
        description=event.description, since=event.effective,
        event_ids=(*(previous.event_ids if previous else ()), event.event_id),
    )
    builder.set_record("instruments", event.instrument_id, _instrument_on(instrument, builder.as_of))


def _ruling_issued(builder: Builder, event: RulingIssued) -> None:
    builder.write("rulings")[event.ruling_id] = Ruling(
        ruling_id=event.ruling_id, court=event.court, case=event.case, holding=event.holding,
        imposer=event.imposer, measures=event.measures, unlawful=event.unlawful,
        relief_for_all=event.relief_for_all, refunds=event.refunds, decided=event.effective,
        event_id=event.event_id,
    )


def _bloc_members_set(builder: Builder, event: BlocMembersSet) -> None:
    builder.write("blocs")[event.bloc] = Bloc(
        bloc=event.bloc, members=event.members, since=event.effective, event_id=event.event_id
    )


def _accord_reached(builder: Builder, event: AccordReached) -> None:
    reached: Accord | None = builder.read("accords").get(event.accord_id)
    if reached is not None:
        raise InconsistentEventError(
            event.event_id, "accord_id", event.accord_id,
            f"an id not already reached (event {reached.event_id!r} reached it)",
        )
    deadline = event.window_closes
    builder.set_record("accords", event.accord_id, Accord(
        accord_id=event.accord_id,
        title=event.title,
        parties=event.parties,
        commitments=event.commitments,
        reached=event.effective,
        window_start=event.window_opens,
        deadline=deadline,
        status=_accord_status(event.window_opens, deadline, builder.as_of),
        event_id=event.event_id,
    ))


def _accord_extended(builder: Builder, event: AccordExtended) -> None:
    accord: Accord = _require(builder, "accords", event.accord_id, event, "accord_id")
    if accord.deadline is None or event.deadline <= accord.deadline:
        current = "an accord with a deadline" if accord.deadline is None else f"a date after {accord.deadline}"
        raise InconsistentEventError(
            event.event_id, "deadline", event.deadline, f"{current} (the current deadline of {accord.accord_id!r})"
        )
    builder.set_record("accords", event.accord_id, attrs.evolve(
        accord,
        deadline=event.deadline,
        status=_accord_status(accord.window_start, event.deadline, builder.as_of),
        extended_by=(*accord.extended_by, event.event_id),
    ))


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
    builder.set_record("export_controls", event.control_id, _control_on(suspended, builder.as_of))


def _trade_data_released(builder: Builder, event: TradeDataReleased) -> None:
    latest: TradeDataReleased | None = builder.read("trade_data").get(event.reporter)
    if latest is None or event.period_end >= latest.period_end:
        builder.write("trade_data")[event.reporter] = event


def _occurrence(_builder: Builder, _event: AnyEvent) -> None:
    """Calls, licences, statements and reviews live in ``events`` only (a review feeds the horizon)."""


FACT_HANDLERS: dict[type[Any], Callable[[Builder, Any], None]] = {
    AccordExtended: _accord_extended,
    AccordReached: _accord_reached,
    BaseRateSet: _base_rate_set,
    BlocMembersSet: _bloc_members_set,
    DelegationNamed: _delegation_named,
    ExportControlChanged: _export_control_changed,
    InstrumentChanged: _instrument_changed,
    QuotaSet: _quota_set,
    LeadersSpoke: _occurrence,
    ExportLicencesApproved: _occurrence,
    LogReviewed: _occurrence,
    RulingIssued: _ruling_issued,
    StatementIssued: _occurrence,
    TalksHeld: _talks,
    TalksScheduled: _talks,
    TariffChanged: _tariff_changed,
    TradeDataReleased: _trade_data_released,
}
