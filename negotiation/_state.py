"""The negotiation state on one date, and the records it is made of.

A state is frozen. Everything in it is "as of" its date ``as_of``: applied
tariff rates, accord and export-control statuses already account for the
clock (suspensions that ended, windows that closed on or before ``as_of``).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeVar

from attrs import field, frozen

from events import (
    AnyEvent,
    Combination,
    Commitment,
    Delegate,
    ExportLicencesApproved,
    LayerKey,
    LeadersSpoke,
    Scope,
    StatementIssued,
    Suspension,
    TradeDataReleased,
    is_hs_code,
    is_party_code,
)

from ._canonical import digest, state_to_dict
from ._errors import QueryError, UnknownReferenceError

__all__ = [
    "Accord",
    "AccordStatus",
    "ControlStatus",
    "ExportControl",
    "Ledger",
    "LedgerView",
    "NegotiationState",
    "Talks",
    "TalksStatus",
    "TariffLayer",
]

_V = TypeVar("_V")


def _check_filters(imposer: Any, target: Any, product: Any) -> None:
    for name, value in (("imposer", imposer), ("target", target)):
        if value is not None and not is_party_code(value):
            raise QueryError(name, value, "None or an alpha-3 party code such as 'USA'")
    if product is not None and not is_hs_code(product):
        raise QueryError("product", product, "None or an HS code of 2, 4, 6, 8 or 10 digits, e.g. '120190'")


def _readonly(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return mapping if isinstance(mapping, (MappingProxyType, LedgerView)) else MappingProxyType(dict(mapping))


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
        return zip(iter(self._mapping), self._mapping.fact_list())


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
        position = ledger._position(event_id)  # type: ignore[arg-type]
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
        combination: How it combines with other layers (``ADD``).
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

    @property
    def key(self) -> LayerKey:
        """(imposer, target, measure, scope)."""
        return (self.imposer, self.target, self.measure, self.scope)

    @property
    def suspended(self) -> bool:
        """Whether part of the rate is suspended on the state's date."""
        return self.applied_rate != self.rate


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
class NegotiationState:
    """The negotiation as of one date (valid time), as known at one instant.

    Build one with :func:`negotiation.replay` (or fold with
    :func:`negotiation.apply` from :meth:`empty`).

    Attributes:
        as_of: The date the state describes (valid time, inclusive).
        known_at: The transaction-time cut-off used, or ``None`` for "all we
            know now". Not part of equality or the digest.
        layers: Tariff layers in force, by (imposer, target, measure, scope).
        accords: Accords by id.
        talks: Talks by id.
        export_controls: Export controls in force or suspended, by id.
        trade_data: The latest release per reporter (by period end, then fold order).
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
    events: Mapping[str, AnyEvent] = field(factory=dict, converter=_readonly)
    scheduled: Mapping[str, AnyEvent] = field(factory=dict, converter=_readonly)
    revisions: Mapping[str, str] = field(factory=dict, converter=_readonly)
    log: Mapping[str, AnyEvent] = field(factory=dict, converter=_readonly, eq=False)
    revised_by: Mapping[str, tuple[str, ...]] = field(factory=dict, converter=_readonly, eq=False)
    last_applied: tuple[date, datetime, str] | None = field(default=None, eq=False)

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
            QueryError: a party code not of three capitals, or a product
                not of 2, 4, 6, 8 or 10 digits.
        """
        _check_filters(imposer, target, product)
        found = [
            layer
            for layer in self.layers.values()
            if (imposer is None or layer.imposer == imposer)
            and (target is None or layer.target == target)
            and (product is None or layer.scope.covers(product))
        ]
        return tuple(sorted(found, key=lambda layer: (*layer.key[:3], layer.scope.hs)))

    def counted_layers(
        self, imposer: str, target: str, product: str | None = None
    ) -> tuple[TariffLayer, ...]:
        """The layers :meth:`tariff_rate` adds up, sorted as :meth:`tariff_layers`.

        With no ``product``: the all-goods layers of ``imposer`` on ``target``.
        With an HS code: every layer whose scope covers it, all-goods included.

        Raises:
            QueryError: as :meth:`tariff_layers`.
        """
        layers = self.tariff_layers(imposer, target, product)
        return layers if product is not None else tuple(layer for layer in layers if layer.scope.all_goods)

    def tariff_rate(self, imposer: str, target: str, product: str | None = None) -> Decimal:
        """The combined applied rate of ``imposer`` on goods of ``target``, percent.

        With no ``product``: the sum of the applied rates of the all-goods
        layers. With an HS code: the sum over every layer whose scope covers
        it (all-goods layers too). ``Decimal(0)`` where no layer applies.
        Layers combine by addition (:attr:`events.Combination.ADD`, the only
        rule so far). A suspended layer counts at its suspended rate before
        the suspension's end date and at its full rate from that date on.

        Example: on 2025-06-09 the US rate on Chinese goods is 30
        (IEEPA-fentanyl 20 + IEEPA-reciprocal 10, the latter 34 with 24
        points suspended).

        Raises:
            QueryError: as :meth:`tariff_layers`.
        """
        return sum((layer.applied_rate for layer in self.counted_layers(imposer, target, product)), Decimal(0))

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
        return tuple(sorted(found, key=lambda event: event.sort_key))  # type: ignore[attr-defined]

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
