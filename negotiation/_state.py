"""The negotiation state on one date, and the records it is made of.

A state is frozen. Everything in it is "as of" its date ``as_of``: applied
tariff rates, accord and export-control statuses already account for the
clock (suspensions that ended, windows that closed on or before ``as_of``).
"""

from __future__ import annotations

import enum
import html
import itertools
from collections.abc import ItemsView, Iterable, Iterator, Mapping, ValuesView
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
from attrs import field, frozen

from events import (
    Amount,
    AnyEvent,
    Combination,
    Commitment,
    Delegate,
    ExportLicencesApproved,
    InstrumentKind,
    LayerKey,
    LeadersSpoke,
    LegalStatus,
    QuotaPeriod,
    Scope,
    StatementIssued,
    Suspension,
    TariffQuota,
    TradeDataReleased,
    measure_covers,
)

from ._args import as_codes
from ._canonical import digest, state_to_dict
from ._errors import UnknownReferenceError
from ._safe import for_terminal
from ._tariffs import QuotaChoice, TariffBreakdown, all_goods_breakdowns, breakdown

__all__ = [
    "Accord",
    "AccordStatus",
    "BaseRate",
    "Bloc",
    "ControlStatus",
    "ExportControl",
    "Instrument",
    "InstrumentStatus",
    "Ledger",
    "LedgerView",
    "NegotiationState",
    "Horizon",
    "LayerTable",
    "PendingLayer",
    "Quota",
    "Ruling",
    "Talks",
    "TalksStatus",
    "TariffLayer",
    "layer_record",
]

_V = TypeVar("_V")


def _readonly(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return mapping if isinstance(mapping, (MappingProxyType, LedgerView, LayerTable)) else MappingProxyType(dict(mapping))


def _plain_state(record: Any) -> dict[str, Any]:
    """A record's fields for :mod:`pickle`, read-only mappings (which do not pickle) as plain dicts."""
    names = (name for cls in type(record).__mro__ for name in getattr(cls, "__slots__", ()) if name != "__weakref__")
    return {
        name: dict(value.items()) if isinstance(value, (MappingProxyType, LedgerView)) else value
        for name in names
        for value in (getattr(record, name),)
    }


def _frozen_state(record: Any, fields: Mapping[str, Any]) -> None:
    """Restore what :func:`_plain_state` gave: every dict is a read-only mapping field again."""
    for name, value in fields.items():
        object.__setattr__(record, name, MappingProxyType(value) if isinstance(value, dict) else value)


class Ledger:
    """An append-only table of facts by id, in fold order, shared by the states of one fold.

    A state holds a :class:`LedgerView` of the first ``n`` entries, so
    freezing a state after each day of a timeline costs nothing per fact
    already folded, and every state of the timeline shares one table. The
    position of each id, needed only to look up ids in a view older than
    the latest append, is indexed on first such lookup.
    """

    __slots__ = ("_by_id", "_in_order", "_positions")

    def __init__(self, facts: Mapping[str, Any] | None = None) -> None:
        self._by_id: dict[str, Any] = {}
        self._in_order: list[Any] = []
        self._positions: dict[str, int] | None = None
        for event_id, fact in (facts or {}).items():
            self.append(event_id, fact)

    def append(self, event_id: str, fact: Any) -> None:
        """Add a fact whose id is not in the ledger yet (ids already present would reorder the views)."""
        if self._positions is not None:
            self._positions[event_id] = len(self._in_order)
        self._by_id[event_id] = fact
        self._in_order.append(fact)

    def __len__(self) -> int:
        return len(self._in_order)

    def view(self) -> LedgerView:
        """A read-only mapping of the facts appended so far; later appends do not show in it."""
        return LedgerView(self, len(self._in_order))

    def _position(self, event_id: str) -> int | None:
        if self._positions is None:
            self._positions = {key: index for index, key in enumerate(self._by_id)}
        return self._positions.get(event_id)


class _LedgerValues(ValuesView[Any]):
    _mapping: LedgerView

    def __iter__(self) -> Iterator[Any]:
        return self._mapping.fact_list()


class _LedgerItems(ItemsView[str, Any]):
    _mapping: LedgerView

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return zip(iter(self._mapping), self._mapping.fact_list(), strict=False)


class LedgerView(Mapping[str, Any]):
    """The first ``count`` facts of a :class:`Ledger`: a read-only mapping of id to fact, in fold order."""

    __slots__ = ("_count", "_ledger")

    def __init__(self, ledger: Ledger, count: int) -> None:
        self._ledger = ledger
        self._count = count

    def __getitem__(self, event_id: str) -> Any:
        if event_id not in self:
            raise KeyError(event_id)
        return self._ledger._by_id[event_id]

    def __contains__(self, event_id: object) -> bool:
        ledger = self._ledger
        if event_id not in ledger._by_id:
            return False
        if self._count == len(ledger._in_order):
            return True
        position = ledger._position(event_id) if isinstance(event_id, str) else None
        return position is not None and position < self._count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        return itertools.islice(self._ledger._by_id, self._count)

    def values(self) -> _LedgerValues:
        return _LedgerValues(self)

    def items(self) -> _LedgerItems:
        return _LedgerItems(self)

    def fact_list(self) -> Iterator[Any]:
        """The facts, in fold order."""
        return itertools.islice(self._ledger._in_order, self._count)

    def added_since(self, earlier: Mapping[str, Any]) -> list[Any] | None:
        """The facts in this view and not in ``earlier``, if ``earlier`` is a shorter view of the same ledger; else ``None``."""
        if not isinstance(earlier, LedgerView) or earlier._ledger is not self._ledger or earlier._count > self._count:
            return None
        return self._ledger._in_order[earlier._count:self._count]

    def copy(self) -> dict[str, Any]:
        """A plain dict of the same facts."""
        return dict(self.items())

    def __repr__(self) -> str:
        return f"LedgerView({dict(self.items())!r})"


@frozen(kw_only=True)
class TariffLayer:
    """One tariff layer in force: a legal measure of one imposer on one target and scope.

    Attributes:
        imposer: Who levies it (alpha-3).
        target: Whose goods (alpha-3).
        measure: The legal measure, e.g. ``"IEEPA-reciprocal"``.
        scope: All goods or HS prefixes.
        rate: The layer's full level, ad valorem percent.
        suspension: The suspended part, or ``None``.
        applied_rate: The rate that applies on the state's date, percent:
            ``suspension.rate`` before ``suspension.until``, else ``rate``.
        since: Effective date of the event that set the layer.
        event_id: That event.
        accord_id: The accord the change implements, or ``None``.
        combination: What it contributes (``ADD``, ``ALL_IN``); see
            ``negotiation/_tariffs.py``.
        exempt: HS prefixes carved out of the scope.
        exempt_parties: Partners it does not apply to.
        yields_to: Measures that take precedence on the products they cover.
        quota: The in-quota rate under a tariff-rate quota, or ``None``
            (``applied_rate`` is then the out-of-quota rate).
        ends: The statutory end (the first day it no longer applies), or ``None``.
    """

    imposer: str
    target: str
    measure: str
    scope: Scope
    rate: Decimal
    suspension: Suspension | None
    applied_rate: Decimal
    since: date
    event_id: str
    accord_id: str | None
    combination: Combination
    exempt: tuple[str, ...] = ()
    exempt_parties: tuple[str, ...] = ()
    yields_to: tuple[str, ...] = ()
    quota: TariffQuota | None = None
    ends: date | None = None

    @property
    def key(self) -> LayerKey:
        """(imposer, target, measure, scope)."""
        return (self.imposer, self.target, self.measure, self.scope)

    @property
    def suspended(self) -> bool:
        """Whether part of the rate is suspended on the state's date."""
        return self.applied_rate != self.rate


class PendingLayer:
    """A suspended layer set on a day of a fold, its :class:`TariffLayer` not built yet: the event and the rate it
    applied then. (A layer without a suspension is pending as its ``TariffChanged`` event itself.)

    A timeline sets many layers that no one reads; :class:`LayerTable`
    builds each record on first read, once.
    """

    __slots__ = ("applied_rate", "event")

    def __init__(self, event: Any, applied_rate: Decimal) -> None:
        self.event = event
        self.applied_rate = applied_rate


def layer_record(entry: Any) -> TariffLayer:
    """The layer record of a fold's layer entry: a :class:`TariffLayer` as it is; a :class:`PendingLayer`, or a
    ``TariffChanged`` (applying its own rate), built."""
    if type(entry) is TariffLayer:
        return entry
    event, applied_rate = (entry.event, entry.applied_rate) if type(entry) is PendingLayer else (entry, entry.rate)
    return TariffLayer(
        imposer=event.imposer, target=event.target, measure=event.measure, scope=event.scope, rate=event.rate,
        suspension=event.suspension, applied_rate=applied_rate, since=event.effective,
        event_id=event.event_id, accord_id=event.accord_id, combination=event.combination, exempt=event.exempt,
        exempt_parties=event.exempt_parties, yields_to=event.yields_to, quota=event.quota, ends=event.ends,
    )


class LayerTable(Mapping[LayerKey, TariffLayer]):
    """A state's layers: a read-only mapping of key to :class:`TariffLayer` whose records are built on first read.

    The table shares its dict with the states of a fold that did not change
    it; a record built on a read is stored in place, and is the same for
    every state sharing the dict (a layer's record depends only on the event
    and the rate it applied on the day it was set; the fold writes a new
    dict when a clock rule changes it).
    """

    __slots__ = ("_data", "_pending")

    def __init__(self, data: dict[LayerKey, Any], pending: list[bool]) -> None:
        self._data = data
        self._pending = pending  # [whether some entry may still be pending], shared with the dict's other views

    def _settled(self) -> dict[LayerKey, Any]:
        data = self._data
        if self._pending[0]:
            for key, entry in data.items():
                if type(entry) is not TariffLayer:
                    data[key] = layer_record(entry)  # a value replaced, no key added: iterating on is safe
            self._pending[0] = False
        return data

    def __getitem__(self, key: LayerKey) -> TariffLayer:
        entry = self._data[key]
        if type(entry) is not TariffLayer:
            entry = self._data[key] = layer_record(entry)
        return entry

    def get(self, key: LayerKey, default: Any = None) -> Any:
        return self[key] if key in self._data else default

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[LayerKey]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def values(self) -> ValuesView[TariffLayer]:
        return self._settled().values()

    def items(self) -> ItemsView[LayerKey, TariffLayer]:
        return self._settled().items()

    def changed_keys(self, before: Mapping[LayerKey, Any]) -> set[LayerKey]:
        """The keys whose layer may differ from ``before``'s (another state's layers): a key of either whose entry is
        not the very object ``before`` holds. Every key whose layer changed is in it (an entry is replaced whenever
        its layer changes); a key whose record was built since is too, and compares equal. No record is built."""
        old = before._data if isinstance(before, LayerTable) else before
        new = self._data
        if old is new:
            return set()
        missing = object()
        return {key for key, entry in new.items() if old.get(key, missing) is not entry} | {
            key for key in old if key not in new}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LayerTable):
            return self._settled() == other._settled()
        if isinstance(other, Mapping):
            return self._settled() == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> dict[LayerKey, TariffLayer]:
        """A plain dict of the same layers."""
        return dict(self._settled())

    def raw(self) -> tuple[dict[LayerKey, Any], list[bool]]:
        """For the fold: a copy of the entries (records or pending, see :func:`layer_record`), and whether some may be
        pending."""
        return self._data.copy(), [self._pending[0]]

    def __repr__(self) -> str:
        return f"LayerTable({self._settled()!r})"


class AccordStatus(enum.Enum):
    """An accord's status on the state's date.

    ``PENDING``: reached, window not yet open (before ``window_start``).
    ``ACTIVE``: the window is open (or the accord is open-ended).
    ``LAPSED``: the deadline came (on or before the state's date) with no
    extension known that moved it.
    """

    PENDING = "pending"
    ACTIVE = "active"
    LAPSED = "lapsed"


@frozen(kw_only=True)
class Accord:
    """An accord as of the state's date.

    Attributes:
        accord_id: Its id in the log.
        title: Its name, e.g. the joint statement's title.
        parties: The parties (alpha-3).
        commitments: What each party committed to.
        reached: The day it was reached (the event's ``effective``).
        window_start: The first day of its window (commitments take effect).
        deadline: The first day after the window, or ``None`` if open-ended;
            the latest extension's deadline if extended.
        status: On the state's date.
        event_id: The ``AccordReached`` event.
        extended_by: The ``AccordExtended`` events applied, in fold order.
    """

    accord_id: str
    title: str
    parties: tuple[str, ...]
    commitments: tuple[Commitment, ...]
    reached: date
    window_start: date
    deadline: date | None
    status: AccordStatus
    event_id: str
    extended_by: tuple[str, ...] = ()


class TalksStatus(enum.Enum):
    """``SCHEDULED`` (announced) or ``HELD`` (took place)."""

    SCHEDULED = "scheduled"
    HELD = "held"


@frozen(kw_only=True)
class Talks:
    """Talks as of the state's date.

    Attributes:
        talks_id: Its id in the log.
        venue: Where.
        parties: Who (alpha-3).
        starts: First day.
        ends: Last day (inclusive), or ``None`` if not announced.
        status: Scheduled or held.
        delegations: Party (alpha-3) to its delegation, as last named.
        outcome: In words, once held.
        event_ids: The events that make up this record, in fold order.
    """

    talks_id: str
    venue: str
    parties: tuple[str, ...]
    starts: date
    ends: date | None
    status: TalksStatus
    delegations: Mapping[str, tuple[Delegate, ...]] = field(converter=_readonly)
    outcome: str
    event_ids: tuple[str, ...]

    __getstate__ = _plain_state
    __setstate__ = _frozen_state


class ControlStatus(enum.Enum):
    """An export control is ``IN_FORCE`` or ``SUSPENDED`` (lifted ones are removed)."""

    IN_FORCE = "in force"
    SUSPENDED = "suspended"


@frozen(kw_only=True)
class ExportControl:
    """An export control as of the state's date.

    Attributes:
        control_id: Its id in the log.
        issuer: Who controls (alpha-3).
        items: What is controlled, in words.
        description: Free text.
        since: Effective date of the latest change.
        status: In force or suspended on the state's date.
        suspended_until: For a suspended control, the first day it applies
            again (``None``: indefinitely).
        event_ids: The events applied, in fold order.
    """

    control_id: str
    issuer: str
    items: tuple[str, ...]
    description: str
    since: date
    status: ControlStatus
    suspended_until: date | None
    event_ids: tuple[str, ...]


@frozen(kw_only=True)
class BaseRate:
    """The importer's base (MFN, column 1) rate on one HS prefix, as of the state's date.

    Attributes:
        imposer: The importer (alpha-3).
        hs: The HS prefix.
        rate: Ad valorem percent.
        since: Effective date of the event that set it.
        event_id: That ``BaseRateSet`` event.
    """

    imposer: str
    hs: str
    rate: Decimal
    since: date
    event_id: str


@frozen(kw_only=True)
class Quota:
    """A tariff-rate quota as of the state's date.

    Attributes:
        quota_id: Its id in the log.
        imposer: Who administers it (alpha-3).
        target: Whose goods (alpha-3).
        scope: The HS codes it covers.
        unit: What its volumes count, e.g. ``"vehicles"``.
        periods: Each period's start, end (inclusive) and volume.
        since: Effective date of the latest ``QuotaSet``.
        event_ids: The ``QuotaSet`` events applied, in fold order.
    """

    quota_id: str
    imposer: str
    target: str
    scope: Scope
    unit: str
    periods: tuple[QuotaPeriod, ...]
    since: date
    event_ids: tuple[str, ...]

    def period_on(self, day: date) -> QuotaPeriod | None:
        """The period that includes ``day``, or ``None``."""
        return next((period for period in self.periods if period.start <= day <= period.end), None)


class InstrumentStatus(enum.Enum):
    """An instrument's status on the state's date.

    ``ANNOUNCED``: announced or threatened, not adopted. ``ADOPTED``: in
    force. ``SUSPENDED``: adopted, suspended until a date (or
    indefinitely). ``LIFTED``: withdrawn. ``LAPSED``: its announced start
    date came with no adoption.
    """

    ANNOUNCED = "announced"
    ADOPTED = "adopted"
    SUSPENDED = "suspended"
    LIFTED = "lifted"
    LAPSED = "lapsed"


@frozen(kw_only=True)
class Instrument:
    """A threat, deal, order or regulation as of the state's date; never a tariff layer.

    Attributes:
        instrument_id: Its id in the log.
        issuer: Who issued it (alpha-3).
        target: Whom it aims at, or ``None``.
        kind: Threat, letter, political deal, executive order, ...
        legal_status: Binding, non-binding, or of no legal effect.
        title: Its name.
        status: On the state's date.
        starts: The announced or planned start, or ``None``.
        until: While suspended, the first day it applies again (``None``:
            indefinitely or not suspended).
        rate: A rate it threatens or would impose, percent, or ``None``
            (never counted in a duty).
        value: The trade it covers or commits, or ``None``.
        description: Free text.
        since: Effective date of the latest event on it.
        event_ids: The events applied, in fold order.
    """

    instrument_id: str
    issuer: str
    target: str | None
    kind: InstrumentKind
    legal_status: LegalStatus
    title: str
    status: InstrumentStatus
    starts: date | None
    until: date | None
    rate: Decimal | None
    value: Amount | None
    description: str
    since: date
    event_ids: tuple[str, ...]


@frozen(kw_only=True)
class Bloc:
    """A bloc and its member states as of the state's date.

    Attributes:
        bloc: Its code, e.g. ``"EUU"``.
        members: Member states (alpha-3), as last set.
        since: Effective date of that ``BlocMembersSet``.
        event_id: That event.
    """

    bloc: str
    members: tuple[str, ...]
    since: date
    event_id: str


@frozen(kw_only=True)
class Ruling:
    """A court ruling on measures, as of the state's date.

    Attributes:
        ruling_id: Its id in the log.
        court: The court.
        case: The case name and number.
        holding: What it held.
        imposer: Whose measures (alpha-3).
        measures: The measures it affects (a name covers its sub-measures).
        unlawful: Whether it holds them unlawful.
        relief_for_all: ``False`` where only the named plaintiffs get relief.
        refunds: Whether it orders refunds of the duties paid under them.
        decided: The day of the ruling (its ``effective``).
        event_id: The ``RulingIssued`` event.
    """

    ruling_id: str
    court: str
    case: str
    holding: str
    imposer: str
    measures: tuple[str, ...]
    unlawful: bool
    relief_for_all: bool
    refunds: bool
    decided: date
    event_id: str

    def affects(self, imposer: str, measure: str) -> bool:
        """Whether the ruling is about ``imposer``'s ``measure``."""
        return imposer == self.imposer and any(measure_covers(name, measure) for name in self.measures)


@frozen(kw_only=True)
class Horizon:
    """How far the log's knowledge reaches, and what a state past it rests on.

    Attributes:
        through: The last day the log knows the world: the later of the
            reviewed-through date and the last day (UTC) a fact was recorded
            (as known at the state's ``known_at``); ``None`` for an empty log.
        last_recorded: The latest instant any event was recorded.
        reviewed_through: From the latest ``LogReviewed``, or ``None``.
        reviewed_on: The day of that review, or ``None``.
        review_event_id: That ``LogReviewed`` event, or ``None``.
        projection: For a state after ``through``: each clock rule (and
            each fact scheduled in the log) that takes effect after
            ``through`` up to the state's date, as ``(day, words)``; what
            the state rests on beyond what the log knows.
        covers: The parties whose measures the log records in full (the
            union of its reviews' ``covers``); empty when no review says.
    """

    through: date | None
    last_recorded: datetime | None
    reviewed_through: date | None = None
    reviewed_on: date | None = None
    review_event_id: str | None = None
    projection: tuple[tuple[date, str], ...] = ()
    covers: tuple[str, ...] = ()

    def partial(self, imposer: str, target: str, blocs: tuple[str, ...] = ()) -> bool:
        """Whether the log says it records the pair's measures only in part: both must be (or belong to) covered parties."""
        if not self.covers or target == "WLD":
            return False
        covered = set(self.covers)
        return imposer not in covered or not ({target, *blocs} & covered)

    def projects(self, day: date) -> bool:
        """Whether ``day`` is after the horizon (a projection of the log's clock rules)."""
        return self.through is not None and day > self.through


@frozen(kw_only=True)
class NegotiationState:
    """The negotiation as of one date (valid time), as known at one instant.

    Build one with :func:`negotiation.replay` (or fold with
    :func:`negotiation.apply` from :meth:`empty`). ``repr(state)`` is one
    line (date, known-at, horizon, counts, digest prefix), a notebook shows
    the same as a table, and :meth:`to_text` is the text of ``negotiation replay``.

    Attributes:
        as_of: The date the state describes (valid time, inclusive).
        known_at: The transaction-time cut-off used, or ``None`` for "all we
            know now". Not part of equality or the digest.
        layers: Tariff layers in force, by (imposer, target, measure, scope).
        accords: Accords by id.
        talks: Talks by id.
        export_controls: Export controls in force or suspended, by id.
        trade_data: The latest release per reporter (by period end, then fold order).
        base_rates: Base (MFN) rates by (importer, HS prefix).
        quotas: Tariff-rate quotas by id.
        instruments: Threats, deals, orders and regulations by id.
        blocs: Blocs by code, with their members.
        rulings: Court rulings by id.
        horizon: How far the log's knowledge reaches (:class:`Horizon`);
            not part of equality or the digest.
        events: Every fact the state rests on, by id, in its current version.
        scheduled: Events recorded by the end of ``as_of`` (UTC; and by
            ``known_at``, inclusive) but effective after ``as_of``, by id.
        revisions: For each fact in ``events`` or ``scheduled`` whose content
            comes from a correction, the correction's id: with ``events``,
            the list of events (and which version of each) the state rests on.
        log: Every input event the state was built from, by id (facts,
            corrections, retractions; visible or not), so that
            :func:`negotiation.apply` can refold and detect conflicting ids.
            Not part of equality or the digest.
        revised_by: Event id to the ids of the corrections and retractions
            in ``log`` that name it. Derived; not part of equality.
        last_applied: The fold key (effective, recorded, event_id) of the
            last event applied; derived, not part of equality.
    """

    as_of: date
    known_at: datetime | None = field(default=None, eq=False)
    layers: Mapping[LayerKey, TariffLayer] = field(factory=dict, converter=_readonly)
    accords: Mapping[str, Accord] = field(factory=dict, converter=_readonly)
    talks: Mapping[str, Talks] = field(factory=dict, converter=_readonly)
    export_controls: Mapping[str, ExportControl] = field(factory=dict, converter=_readonly)
    trade_data: Mapping[str, TradeDataReleased] = field(factory=dict, converter=_readonly)
    base_rates: Mapping[tuple[str, str], BaseRate] = field(factory=dict, converter=_readonly)
    quotas: Mapping[str, Quota] = field(factory=dict, converter=_readonly)
    instruments: Mapping[str, Instrument] = field(factory=dict, converter=_readonly)
    blocs: Mapping[str, Bloc] = field(factory=dict, converter=_readonly)
    rulings: Mapping[str, Ruling] = field(factory=dict, converter=_readonly)
    events: Mapping[str, AnyEvent] = field(factory=dict, converter=_readonly)
    scheduled: Mapping[str, AnyEvent] = field(factory=dict, converter=_readonly)
    revisions: Mapping[str, str] = field(factory=dict, converter=_readonly)
    log: Mapping[str, AnyEvent] = field(factory=dict, converter=_readonly, eq=False)
    revised_by: Mapping[str, tuple[str, ...]] = field(factory=dict, converter=_readonly, eq=False)
    last_applied: tuple[date, datetime, str] | None = field(default=None, eq=False)
    horizon: Horizon = field(factory=lambda: Horizon(through=None, last_recorded=None), eq=False)

    # A state pickles with the standard library (for multiprocessing and Dask): its read-only mappings
    # travel as plain dicts and come back read-only; the digest survives the round trip.
    __getstate__ = _plain_state
    __setstate__ = _frozen_state

    @classmethod
    def _stored(cls, **fields: Any) -> NegotiationState:
        """A state from every field already in its stored form (mappings read-only): what ``Builder.freeze`` makes
        once per day of a timeline, without the converters' per-field checks (the builder's sections are
        ``MappingProxyType`` or :class:`LedgerView` already).

        Raises:
            TypeError: not exactly the state's fields.
        """
        if fields.keys() != _STATE_FIELDS:
            raise TypeError(f"expected the fields {sorted(_STATE_FIELDS)}, got {sorted(fields)}")
        state = object.__new__(cls)
        for name, value in fields.items():
            object.__setattr__(state, name, value)
        return state

    @classmethod
    def empty(cls, as_of: date, *, known_at: datetime | None = None) -> NegotiationState:
        """The state before any event, on ``as_of``."""
        return cls(as_of=as_of, known_at=known_at)

    def tariff_layers(
        self, imposer: str | None = None, target: str | None = None, product: str | None = None
    ) -> tuple[TariffLayer, ...]:
        """The layers in force, filtered, sorted by (imposer, target, measure, scope).

        Args:
            imposer: Keep only this imposer (alpha-3), or all.
            target: Keep only this target (alpha-3), or all.
            product: Keep only layers whose scope covers this HS code
                (all-goods layers cover every code), or all layers. A
                layer covers a code when one of its prefixes starts the
                code: a layer on ``"1201"`` covers ``"120190"`` but not the
                whole chapter ``"12"``; ask with the most specific code.

        Raises:
            QueryError: a party code not of three letters, or a product
                not of 2, 4, 6, 8 or 10 digits (codes are normalised first:
                ``"usa"`` is ``"USA"``, ``"1201.90"`` is ``"120190"``).
        """
        imposer, target, product = as_codes(imposer, target, product)
        layers = self.layers  # picked by key (imposer, target, measure, scope): only the records kept are built
        found = [
            layers[key]
            for key in layers
            if (imposer is None or key[0] == imposer)
            and (target is None or key[1] == target)
            and (product is None or key[3].covers(product))
        ]
        return tuple(sorted(found, key=lambda layer: (*layer.key[:3], layer.scope.hs)))

    def counted_layers(
        self, imposer: str, target: str, product: str | None = None
    ) -> tuple[TariffLayer, ...]:
        """The layers that reach ``product`` of ``target``, sorted by (measure, target, scope).

        With no ``product``: the all-goods layers; with an HS code, every
        layer whose scope covers it. Layers on ``target``, on its blocs and
        on every partner (``WLD``) reach it. What each contributes (zero
        included) is :meth:`breakdown`'s answer.

        Raises:
            QueryError: as :meth:`tariff_layers`.
        """
        return tuple(c.layer for c in self.breakdown(imposer, target, product).contributions)

    def breakdown(
        self, imposer: str, target: str, product: str | None = None, *,
        base: Decimal | None = None, quota: QuotaChoice = None,
    ) -> TariffBreakdown:
        """Every layer that reaches the product, what it contributes and why (``negotiation/_tariffs.py``).

        Never raises for a missing base or quota choice; its ``additional``
        and ``duty`` do. Arguments as :meth:`duty`.

        Raises:
            QueryError: malformed codes, base or quota choice.
            InconsistentEventError: layers yield to each other in a cycle on the product, or a rule has no answer (see ``negotiation/_tariffs.py``).
        """
        return breakdown(self, imposer, target, product, base=base, quota=quota)

    def tariff_rate(
        self, imposer: str, target: str, product: str | None = None, *,
        base: Decimal | None = None, quota: QuotaChoice = None,
    ) -> Decimal:
        """The additional duties of ``imposer`` on goods of ``target`` over the base, percent.

        The sum of the contributions of the layers that reach the product
        (see ``negotiation/_tariffs.py``): an ``ADD`` layer its applied rate,
        an ``ALL_IN`` layer ``max(0, X - base)``; a layer yielding to
        another measure, an exempt product or partner, a layer replaced by
        a named partner's: 0. A suspended layer counts at its suspended
        rate before the suspension's end date and at its full rate from
        that date on. ``Decimal(0)`` where no layer applies. The base is
        needed only where an all-in layer counts.

        Example: on 2025-06-09 the US rate on Chinese goods is 30
        (IEEPA-fentanyl 20 + IEEPA-reciprocal 10, the latter 34 with 24
        points suspended).

        Args:
            imposer: Who levies (alpha-3, any case: ``"usa"`` is ``"USA"``).
            target: Whose goods (alpha-3; a member state counts its bloc's layers).
            product: An HS code, dotted or not (``"1201.90"`` is
                ``"120190"``), or ``None`` for all goods (no HS-scoped layer).
            base: The base (MFN) rate, percent; default: the one the log
                records for the product.
            quota: ``"in"`` or ``"out"`` where a layer has a tariff-rate quota.

        Raises:
            QueryError: bad codes; a counted all-in layer and no base known;
                a counted quota layer and no quota choice.
            InconsistentEventError: layers yield to each other in a cycle on the product, or a rule has no answer (see ``negotiation/_tariffs.py``).
        """
        return self.breakdown(imposer, target, product, base=base, quota=quota).additional

    def breakdowns(self, pairs: Iterable[tuple[str, str]] | None = None) -> dict[tuple[str, str], TariffBreakdown]:
        """Every pair's all-goods :meth:`breakdown`, from one pass over the layers.

        Pair for pair equal to ``breakdown(imposer, target)`` (all goods, no
        base given, no quota choice), but the layers are grouped by pair
        once: asking every pair costs O(layers + pairs x layers reaching
        the pair), where a :meth:`breakdown` per pair costs O(pairs x
        layers). Ask a breakdown's ``additional`` for the pair's rate; it
        raises as :meth:`tariff_rate` does where the rate needs a base or a
        quota choice.

        Args:
            pairs: (imposer, target) pairs, alpha-3 or bloc codes (any case);
                ``None``: every pair that has a layer in force (any scope).

        Returns:
            Pair to breakdown, in the order of ``pairs`` (sorted when ``None``).

        Raises:
            QueryError: a malformed code, a pair whose target is its imposer,
                or ``pairs`` not an iterable of two-item pairs (one pair
                ``("USA", "CHN")`` given alone, say).
            InconsistentEventError: as :meth:`tariff_rate`.
        """
        return all_goods_breakdowns(self, pairs)

    def duty(
        self, imposer: str, target: str, product: str | None = None, *,
        base: Decimal | None = None, quota: QuotaChoice = None,
    ) -> Decimal:
        """The total ad valorem duty, percent: the base plus :meth:`tariff_rate`.

        Example: a UK passenger car (HS 870323) on 2025-07-01, base 2.5
        (recorded in ``seeds/us-uk.jsonl``): 10 in quota (Section 232
        at 7.5; the reciprocal 10 yields to Section 232), 27.5 out of quota.

        Raises:
            QueryError: no base given and none recorded for the product (a
                duty never assumes a base of 0), or as :meth:`tariff_rate`.
            InconsistentEventError: as :meth:`tariff_rate`.
        """
        return self.breakdown(imposer, target, product, base=base, quota=quota).duty

    @property
    def projected(self) -> bool:
        """Whether the state's date is after the log's horizon: a projection of its clock rules."""
        return self.horizon.projects(self.as_of)

    def rulings_on(self, layer: TariffLayer) -> tuple[Ruling, ...]:
        """The rulings the state holds on ``layer``'s measure, in order of decision."""
        found = [r for r in self.rulings.values() if r.affects(layer.imposer, layer.measure)]
        return tuple(sorted(found, key=lambda r: (r.decided, r.ruling_id)))

    def days_remaining(self, accord_id: str) -> int | None:
        """Days from ``as_of`` to the accord's deadline, never negative.

        ``None`` for an open-ended accord. On the deadline itself and after,
        0. Example: on 2025-06-09, 64 days remain to 2025-08-12.

        Raises:
            UnknownReferenceError: no accord with that id in the state.
        """
        accord = self.accords.get(accord_id) if isinstance(accord_id, str) else None
        if accord is None:
            known = ", ".join(sorted(self.accords)) or "none"
            raise UnknownReferenceError(None, "accord_id", accord_id, f"one of: {known}")
        if accord.deadline is None:
            return None
        return max(0, (accord.deadline - self.as_of).days)

    def _occurrences(self, kind: type[_V]) -> tuple[_V, ...]:
        found = [event for event in self.events.values() if isinstance(event, kind)]
        return tuple(sorted(found, key=lambda event: event.sort_key))

    @property
    def licence_approvals(self) -> tuple[ExportLicencesApproved, ...]:
        """Export-licence approvals so far, in fold order."""
        return self._occurrences(ExportLicencesApproved)

    @property
    def statements(self) -> tuple[StatementIssued, ...]:
        """Public statements so far, in fold order."""
        return self._occurrences(StatementIssued)

    @property
    def leader_contacts(self) -> tuple[LeadersSpoke, ...]:
        """Leaders' calls and meetings so far, in fold order."""
        return self._occurrences(LeadersSpoke)

    @property
    def digest(self) -> str:
        """SHA-256 hex of the state's canonical serialization.

        Equal states have equal digests on any machine and Python version
        (sorted keys, decimals as strings, ISO dates). ``known_at`` is not
        part of it.
        """
        return digest(self)

    def to_dict(self) -> dict[str, Any]:
        """The state as plain JSON types (what ``--format json`` prints)."""
        return state_to_dict(self)

    def to_text(self) -> str:
        """The state as text for a person: exactly what ``negotiation replay`` prints.

        Text from the log (summaries, titles, venues) has its control and
        format characters written as escapes (``\\x1b``, ``\\u202e``), as on
        the command line, so no event can redraw what is shown.
        """
        from ._render import render_text  # the renderer reads states: imported when asked, not at import time

        return for_terminal(render_text(self))

    def _summary(self) -> tuple[tuple[str, str], ...]:
        """What :func:`repr` and a notebook show of the state: ``(name, value)`` pairs, values in words.

        ``as_of``; ``known_at`` (ISO instant, or ``None``: everything
        recorded); ``horizon`` (the last day the log knows, or ``None``) and
        ``projected``; the ``review`` (``LogReviewed`` event id, cut to 40
        characters) where there is one; the counts of ``layers``,
        ``accords``, ``talks``, ``export_controls``, ``instruments``,
        ``rulings``, ``events`` (facts the state rests on), ``corrected``
        (those resting on a correction, shown when any) and ``scheduled``;
        and the first 12 hex digits of the ``digest``.
        """
        horizon = self.horizon
        pairs = [
            ("as_of", str(self.as_of)),
            ("known_at", "None" if self.known_at is None else self.known_at.isoformat()),
            ("horizon", str(horizon.through)),
            ("projected", str(self.projected)),
        ]
        if horizon.review_event_id is not None:
            review = horizon.review_event_id
            pairs.append(("review", review if len(review) <= 40 else review[:39] + "\u2026"))
        pairs += [(name, str(len(getattr(self, name))))
                  for name in ("layers", "accords", "talks", "export_controls", "instruments", "rulings", "events")]
        if self.revisions:
            pairs.append(("corrected", str(len(self.revisions))))
        pairs += [("scheduled", str(len(self.scheduled))), ("digest", self.digest[:12])]
        return tuple(pairs)

    def __repr__(self) -> str:
        """One line: the :meth:`_summary`, e.g. ``<NegotiationState as_of=2025-06-09 known_at=None ... digest=…>``."""
        return "<NegotiationState " + " ".join(f"{name}={value}" for name, value in self._summary()) + ">"

    def _repr_html_(self) -> str:
        """The :meth:`_summary` as a small HTML table, every value escaped (what a Jupyter notebook shows)."""
        rows = "".join(f"<tr><th style=\"text-align:left\">{html.escape(name.replace('_', ' '))}</th>"
                       f"<td style=\"text-align:left\">{html.escape(value)}</td></tr>"
                       for name, value in self._summary())
        return f"<table><caption>NegotiationState</caption><tbody>{rows}</tbody></table>"


_STATE_FIELDS = frozenset(field.name for field in attrs.fields(NegotiationState))
