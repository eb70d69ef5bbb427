"""Plain rows for tables: dicts of plain values, one per day or per record, no pandas needed.

Every row is a plain ``dict`` (typed as a :class:`typing.TypedDict`): dates
are :class:`datetime.date`, instants aware UTC :class:`datetime.datetime`,
rates and changes :class:`decimal.Decimal` percent, party codes alpha-3
strings, statuses the enum's string value. The row functions return them as
:class:`negotiation.Rows`, a read-only sequence that is also an Arrow stream
whose fixed schema the TypedDict's annotations give (see
:mod:`negotiation._arrow`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from events import Record, TradeDataReleased

from ._args import as_party, as_product
from ._arrow import Category, Rows
from ._errors import QueryError
from ._state import NegotiationState, TariffLayer
from ._tariffs import QuotaChoice
from ._timeline import timeline

__all__ = [
    "AccordRow",
    "LicenceRow",
    "TalksRow",
    "TariffRow",
    "TradeDataRow",
    "accord_rows",
    "accord_series",
    "layer_label",
    "licence_rows",
    "layer_pairs",
    "talks_rows",
    "tariff_row",
    "tariff_series",
    "tariff_table",
    "trade_data_rows",
]


class _TariffColumns(TypedDict):
    """The columns of a tariff row that :func:`tariff_table` keeps (before one column per layer)."""

    date: date
    imposer: Category
    target: Category
    product: str | None
    total: Decimal
    base: Decimal | None
    duty: Decimal | None
    projected: bool


class TariffRow(_TariffColumns):
    """The tariff of one imposer on one target on one day (percent).

    ``total`` is the additional duty over the base (MFN) rate; ``layers``
    maps the :func:`layer_label` of each layer that reaches the product to
    its contribution (0 where it yields, is exempt or replaced); their sum
    is ``total``. ``base`` is the base rate used (given or recorded), or
    ``None`` if unknown; ``duty`` is ``base + total``, or ``None`` without
    a base. ``projected`` is ``True`` on a day after the log's horizon: the
    figures rest on the clock rules the log holds, not on a known fact.
    """

    layers: dict[Category, Decimal]


class AccordRow(TypedDict):
    """One accord on one day: its window and ``status`` (``"pending"``, ``"active"``, ``"lapsed"``).

    ``deadline`` is the first day after the window as known that day (``None``:
    open-ended); ``days_remaining`` the days from ``date`` to it, never
    negative (``None``: open-ended).
    """

    date: date
    accord_id: Category
    title: str
    reached: date
    window_start: date
    deadline: date | None
    status: Category
    days_remaining: int | None


class TalksRow(TypedDict):
    """One round of talks: where, who, when (``ends`` inclusive) and ``status`` (``"scheduled"``, ``"held"``).

    ``delegations`` maps a party to its delegates' names, as last named.
    """

    talks_id: str
    venue: str
    parties: tuple[Category, ...]
    starts: date
    ends: date | None
    status: Category
    outcome: str
    delegations: dict[Category, tuple[str, ...]]


class LicenceRow(TypedDict):
    """One export-licence approval: ``count`` is ``None`` when not disclosed."""

    event_id: str
    effective: date
    recorded: datetime
    issuer: Category
    items: tuple[str, ...]
    count: int | None


class TradeDataRow(TypedDict):
    """One trade data release: changes year on year in percent for ``period`` (from ``period_start`` to ``period_end``).

    ``effective`` is the release day.
    """

    event_id: str
    effective: date
    recorded: datetime
    reporter: Category
    period: str
    period_start: date
    period_end: date
    exports_yoy: Decimal
    imports_yoy: Decimal


_ROW_COLUMNS = frozenset(TariffRow.__annotations__)
"""The columns of a tariff row (and of :func:`tariff_table` and the timeline's, before the layers): no layer's label."""


def _state(value: Any) -> NegotiationState:
    """``value`` if it is a state; else a QueryError saying how to get one (a path or a log is not a state)."""
    if not isinstance(value, NegotiationState):
        raise QueryError("state", value, "a NegotiationState: negotiation.replay(events.read_log(path), as_of=...)")
    return value


def layer_label(layer: TariffLayer, target: str | None = None) -> str:
    """A column name for a layer: its measure, its target if not ``target``, its HS prefixes if not all goods.

    A label that would be the name of a row's own column (a measure named
    ``total``, ``date``, ``projected`` ...) gets `` (layer)`` after it, so
    that a layer column never takes the place of the total or the date.
    """
    label = layer.measure if target is None or layer.target == target else f"{layer.measure} on {layer.target}"
    label = label if layer.scope.all_goods else f"{label} [{', '.join(layer.scope.hs)}]"
    return f"{label} (layer)" if label in _ROW_COLUMNS else label


def tariff_row(
    state: NegotiationState, imposer: str, target: str, product: str | None = None, *,
    base: Decimal | None = None, quota: QuotaChoice = None,
) -> TariffRow:
    """One row: the state's date, the pair, the product, the additional duty, base, duty and each layer's contribution.

    Codes are given as to :meth:`NegotiationState.breakdown` (``"usa"``,
    ``"1201.90"``); the row holds their canonical form (``"USA"``, ``"120190"``).

    Raises:
        QueryError: a malformed party or product code; an all-in layer and
            no base, or a quota layer and no quota choice (never a guess).
        InconsistentEventError: two layers yield to each other on the product.
    """
    state = _state(state)
    found = state.breakdown(imposer, target, product, base=base, quota=quota)
    total = found.additional
    return {
        "date": state.as_of,
        "imposer": found.imposer,
        "target": found.target,
        "product": found.product,
        "total": total,
        "base": found.base,
        "duty": None if found.base is None else found.duty,
        "projected": state.projected,
        "layers": {layer_label(c.layer, found.target): c.amount or Decimal(0) for c in found.contributions},
    }


def tariff_series(
    events: Iterable[Record],
    start: date | str,
    end: date | str,
    *,
    imposer: str,
    target: str,
    product: str | None = None,
    known_at: datetime | str | None = None,
    base: Decimal | None = None,
    quota: QuotaChoice = None,
) -> Rows[TariffRow]:
    """The tariff of ``imposer`` on ``target`` for each day from ``start`` to ``end`` (inclusive).

    ``base`` and ``quota`` are as in :meth:`NegotiationState.duty`: the base
    (MFN) rate (default: the one the log records for ``product``) and the
    side of a tariff-rate quota. Dates and codes are taken as by
    :func:`negotiation.timeline` and :meth:`NegotiationState.breakdown`
    (``"2025-04-10"``, ``"usa"``, ``"1201.90"``).

    One forward :func:`negotiation.timeline`, not a replay per day. For
    ``seeds/us-china.jsonl``, USA on CHN: 145 on 2025-04-10
    (IEEPA-fentanyl 20 + IEEPA-reciprocal 125), 30 on 2025-05-14, 20 from
    2025-11-10.

    Returns:
        :class:`negotiation.Rows` (a read-only sequence that is also an
        Arrow stream) of one :class:`TariffRow` per day: ``{"date": date, "imposer": str,
        "target": str, "product": str | None, "total": Decimal, "base":
        Decimal | None, "duty": Decimal | None, "projected": bool,
        "layers": {label: Decimal}}``, rates in percent, layers labelled by
        :func:`layer_label`.

    Raises:
        As :func:`negotiation.timeline`; QueryError for bad codes, and as
        :func:`tariff_row` on a day an all-in layer needs a base or a quota
        layer a quota choice.
    """
    imposer, target, product = as_party("imposer", imposer), as_party("target", target), as_product(product)
    return Rows(row_type=TariffRow, items=tuple(
        tariff_row(state, imposer, target, product, base=base, quota=quota)
        for _, state in timeline(events, start, end, known_at=known_at)
    ))


def tariff_table(rows: Iterable[TariffRow]) -> Rows[dict[str, Any]]:
    """Flat rows for CSV or a data frame: one column per layer instead of the ``layers`` dict.

    Returns:
        :class:`negotiation.Rows` (in Arrow, one ``decimal128(18, 6)``
        column per layer) of one dict per row with the keys ``date``, ``imposer``, ``target``,
        ``product``, ``total``, ``base``, ``duty``, ``projected``, then every layer label
        found in any row, sorted; a layer absent on a day is ``Decimal(0)``,
        so the layer columns add up to ``total`` (percent, over the base).
    """
    rows = list(rows)
    labels = sorted({label for row in rows for label in row["layers"]})
    return Rows(row_type=_TariffColumns, rate_columns=True, items=tuple(
        {
            "date": row["date"],
            "imposer": row["imposer"],
            "target": row["target"],
            "product": row["product"],
            "total": row["total"],
            "base": row["base"],
            "duty": row["duty"],
            "projected": row["projected"],
            **{label: row["layers"].get(label, Decimal(0)) for label in labels},
        }
        for row in rows
    ))


def accord_rows(state: NegotiationState, accord_id: str | None = None) -> Rows[AccordRow]:
    """Each accord in the state (or only ``accord_id``, if the state has it) on the state's date, by id.

    For ``seeds/us-china.jsonl`` on 2025-06-09: ``geneva-2025``, active,
    deadline 2025-08-12, 64 days remaining.
    """
    state = _state(state)
    return Rows(row_type=AccordRow, items=tuple(
        {
            "date": state.as_of,
            "accord_id": accord.accord_id,
            "title": accord.title,
            "reached": accord.reached,
            "window_start": accord.window_start,
            "deadline": accord.deadline,
            "status": accord.status.value,
            "days_remaining": state.days_remaining(accord.accord_id),
        }
        for _, accord in sorted(state.accords.items())
        if accord_id is None or accord.accord_id == accord_id
    ))


def accord_series(
    events: Iterable[Record],
    start: date | str,
    end: date | str,
    *,
    accord_id: str | None = None,
    known_at: datetime | str | None = None,
) -> Rows[AccordRow]:
    """The accords' windows on each day from ``start`` to ``end`` (inclusive), from one forward fold.

    Each day has one :class:`AccordRow` per accord reached by then (or only
    ``accord_id``; no row on days before it is reached), in id order. The
    deadline is as known on that day (as of it, and known at
    ``known_at``): ``geneva-2025`` counts down to 1 day remaining on
    2025-08-11 (deadline 2025-08-12), and the extension effective
    2025-08-12 moves the deadline to 2025-11-10 (90 days remaining that day).

    Raises:
        As :func:`negotiation.timeline`.
    """
    return Rows(row_type=AccordRow, items=tuple(
        row for _, state in timeline(events, start, end, known_at=known_at) for row in accord_rows(state, accord_id)
    ))


def talks_rows(state: NegotiationState) -> Rows[TalksRow]:
    """Every round of talks the state knows, by first day then id (scheduled or held as of the state's date)."""
    state = _state(state)
    return Rows(row_type=TalksRow, items=tuple(
        {
            "talks_id": talks.talks_id,
            "venue": talks.venue,
            "parties": talks.parties,
            "starts": talks.starts,
            "ends": talks.ends,
            "status": talks.status.value,
            "outcome": talks.outcome,
            "delegations": {party: tuple(m.name for m in members) for party, members in sorted(talks.delegations.items())},
        }
        for talks in sorted(state.talks.values(), key=lambda t: (t.starts, t.talks_id))
    ))


def licence_rows(state: NegotiationState) -> Rows[LicenceRow]:
    """Every export-licence approval effective by the state's date (as known at its ``known_at``), in fold order.

    For ``seeds/us-china.jsonl`` from 2025-06-07: China's rare-earth
    approvals, ``items`` ``("rare earths",)``, ``count`` ``None`` (not disclosed).
    """
    state = _state(state)
    return Rows(row_type=LicenceRow, items=tuple(
        {
            "event_id": approval.event_id,
            "effective": approval.effective,
            "recorded": approval.recorded,
            "issuer": approval.issuer,
            "items": approval.items,
            "count": approval.count,
        }
        for approval in state.licence_approvals
    ))


def trade_data_rows(state: NegotiationState) -> Rows[TradeDataRow]:
    """Every trade data release the state rests on (not only the latest per reporter), in fold order.

    For ``seeds/us-china.jsonl``: China's May 2025 figures, released
    2025-06-09, exports +4.8 and imports -3.4 percent year on year.
    """
    state = _state(state)
    releases = sorted(
        (event for event in state.events.values() if isinstance(event, TradeDataReleased)), key=lambda e: e.sort_key
    )
    return Rows(row_type=TradeDataRow, items=tuple(
        {
            "event_id": release.event_id,
            "effective": release.effective,
            "recorded": release.recorded,
            "reporter": release.reporter,
            "period": release.period,
            "period_start": release.period_start,
            "period_end": release.period_end,
            "exports_yoy": release.exports_yoy,
            "imports_yoy": release.imports_yoy,
        }
        for release in releases
    ))


def layer_pairs(state: NegotiationState) -> set[tuple[str, str]]:
    """The (imposer, target) pairs of the state's layers."""
    return {(key[0], key[1]) for key in state.layers}  # keys: (imposer, target, measure, scope)
