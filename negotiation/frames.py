"""The plain rows of :mod:`negotiation` as pandas DataFrames, with proper dtypes.

Needs the ``pandas`` extra (``pip install 'negotiation-state[pandas]'``);
``import negotiation`` never imports pandas, only ``import negotiation.frames``
does::

    from negotiation import frames
    df = frames.tariff_frame(log, date(2025, 1, 1), date(2025, 12, 31), imposer="USA", target="CHN")

Dtypes, in every frame: dates ``datetime64[ns]`` (``NaT`` for none), instants
``datetime64[ns, UTC]``, party codes, statuses and ids ``category``, texts
``string``, counts and days ``Int64`` (``<NA>`` for none), tuples and dicts
``object``. Rates and changes are percent, exact :class:`decimal.Decimal`
values (``object`` dtype) by default, or ``float64`` with ``rates="float"``.
An empty result is an empty frame with the same columns and dtypes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

try:
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised without pandas only
    raise ImportError(
        "negotiation.frames needs pandas: install the 'pandas' extra, e.g. pip install 'negotiation-state[pandas]'"
    ) from exc

from events import Record

from ._errors import QueryError
from ._rows import (
    TariffRow,
    accord_series,
    licence_rows,
    talks_rows,
    tariff_series,
    tariff_table,
    trade_data_rows,
)
from ._state import AccordStatus, NegotiationState, TalksStatus
from ._tariffs import QuotaChoice

__all__ = ["Rates", "accord_frame", "licence_frame", "talks_frame", "tariff_frame", "tariff_rows_frame", "trade_data_frame"]

Rates = Literal["decimal", "float"]
"""How rate columns are typed: exact ``Decimal`` objects, or ``float64``."""

_Column = Callable[[list[Any]], "pd.Series[Any]"]


def _dates(values: list[Any]) -> pd.Series[Any]:
    return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")


def _instants(values: list[Any]) -> pd.Series[Any]:
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True).astype("datetime64[ns, UTC]")


def _category(values: list[Any]) -> pd.Series[Any]:
    return pd.Series(values, dtype=pd.CategoricalDtype(sorted(set(values))))


def _statuses(choices: Sequence[str]) -> _Column:
    return lambda values: pd.Series(values, dtype=pd.CategoricalDtype(list(choices)))


def _text(values: list[Any]) -> pd.Series[Any]:
    return pd.Series(values, dtype="string")


def _count(values: list[Any]) -> pd.Series[Any]:
    return pd.Series(values, dtype="Int64")


def _objects(values: list[Any]) -> pd.Series[Any]:
    return pd.Series(values, dtype=object)


def _rates(rates: Rates) -> _Column:
    if rates == "decimal":
        return _objects
    if rates == "float":
        return lambda values: pd.Series([float("nan") if value is None else float(value) for value in values],
                                        dtype="float64")
    raise QueryError("rates", rates, "'decimal' or 'float'")


def _flags(values: Sequence[Any]) -> pd.Series:
    return pd.Series(values, dtype="bool")


_PAIR: dict[str, _Column] = {"date": _dates, "imposer": _category, "target": _category, "product": _text}


def _frame(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, _Column]) -> pd.DataFrame:
    return pd.DataFrame({name: make([row[name] for row in rows]) for name, make in columns.items()})


def tariff_frame(
    events: Iterable[Record],
    start: date,
    end: date,
    *,
    imposer: str,
    target: str,
    product: str | None = None,
    known_at: datetime | None = None,
    rates: Rates = "decimal",
    base: Decimal | None = None,
    quota: QuotaChoice = None,
) -> pd.DataFrame:
    """:func:`negotiation.tariff_series` as a frame: one row per day, one column per layer.

    Columns: ``date`` (datetime64[ns]), ``imposer`` and ``target``
    (category), ``product`` (string, ``<NA>`` for all goods), ``total``
    (the additional duty over the base), ``base`` and ``duty`` (``None``,
    or NaN with floats, where no base is given or recorded), ``projected``
    (bool: the day is after the log's horizon), then each
    layer's label (see :func:`negotiation.tariff_table`) with its
    contribution, 0 on days it was not in force or counted nothing; rates
    in percent, ``Decimal`` or, with ``rates="float"``, ``float64``. The
    layer columns add up to ``total``.

    Raises:
        QueryError: ``rates`` not ``"decimal"`` or ``"float"``; as
            :func:`negotiation.tariff_series` (with ``base`` and ``quota``).
    """
    _rates(rates)
    return tariff_rows_frame(tariff_series(events, start, end, imposer=imposer, target=target, product=product,
                                           known_at=known_at, base=base, quota=quota), rates=rates)


def tariff_rows_frame(rows: Iterable[TariffRow], *, rates: Rates = "decimal") -> pd.DataFrame:
    """Rows of :func:`negotiation.tariff_series` (of one pair or several) as the frame :func:`tariff_frame` gives.

    Every layer seen in any row gets a column, 0 on the rows where it was not in force.

    Raises:
        QueryError: ``rates`` not ``"decimal"`` or ``"float"``.
    """
    rate = _rates(rates)
    table = tariff_table(rows)
    fixed = {**_PAIR, "total": rate, "base": rate, "duty": rate, "projected": _flags}
    labels = [name for name in (table[0] if table else {}) if name not in fixed]
    return _frame(table, {**fixed, **dict.fromkeys(labels, rate)})


def accord_frame(
    events: Iterable[Record],
    start: date,
    end: date,
    *,
    accord_id: str | None = None,
    known_at: datetime | None = None,
) -> pd.DataFrame:
    """:func:`negotiation.accord_series` as a frame: one row per accord and day.

    Columns: ``date``, ``reached``, ``window_start``, ``deadline``
    (datetime64[ns], ``NaT`` if open-ended), ``accord_id`` (category),
    ``title`` (string), ``status`` (category: pending, active, lapsed),
    ``days_remaining`` (Int64, ``<NA>`` if open-ended).

    Raises:
        As :func:`negotiation.timeline`.
    """
    rows = accord_series(events, start, end, accord_id=accord_id, known_at=known_at)
    return _frame(rows, {
        "date": _dates, "accord_id": _category, "title": _text, "reached": _dates, "window_start": _dates,
        "deadline": _dates, "status": _statuses([s.value for s in AccordStatus]), "days_remaining": _count,
    })


def talks_frame(state: NegotiationState) -> pd.DataFrame:
    """:func:`negotiation.talks_rows` as a frame: one row per round of talks.

    Columns: ``talks_id``, ``venue``, ``outcome`` (string), ``parties``
    (object: tuples of alpha-3 codes), ``starts``, ``ends`` (datetime64[ns],
    ``NaT`` if not announced), ``status`` (category: scheduled, held),
    ``delegations`` (object: party to names).
    """
    return _frame(talks_rows(state), {
        "talks_id": _text, "venue": _text, "parties": _objects, "starts": _dates, "ends": _dates,
        "status": _statuses([s.value for s in TalksStatus]), "outcome": _text, "delegations": _objects,
    })


def licence_frame(state: NegotiationState) -> pd.DataFrame:
    """:func:`negotiation.licence_rows` as a frame: one row per approval.

    Columns: ``event_id`` (string), ``effective`` (datetime64[ns]),
    ``recorded`` (datetime64[ns, UTC]), ``issuer`` (category), ``items``
    (object: tuples of texts), ``count`` (Int64, ``<NA>`` if not disclosed).
    """
    return _frame(licence_rows(state), {
        "event_id": _text, "effective": _dates, "recorded": _instants, "issuer": _category,
        "items": _objects, "count": _count,
    })


def trade_data_frame(state: NegotiationState, *, rates: Rates = "decimal") -> pd.DataFrame:
    """:func:`negotiation.trade_data_rows` as a frame: one row per release.

    Columns: ``event_id``, ``period`` (string), ``effective`` (the release
    day), ``period_start``, ``period_end`` (datetime64[ns]), ``recorded``
    (datetime64[ns, UTC]), ``reporter`` (category), ``exports_yoy``,
    ``imports_yoy`` (percent year on year: ``Decimal`` or, with
    ``rates="float"``, ``float64``).

    Raises:
        QueryError: ``rates`` not ``"decimal"`` or ``"float"``.
    """
    rate = _rates(rates)
    return _frame(trade_data_rows(state), {
        "event_id": _text, "effective": _dates, "recorded": _instants, "reporter": _category, "period": _text,
        "period_start": _dates, "period_end": _dates, "exports_yoy": rate, "imports_yoy": rate,
    })
