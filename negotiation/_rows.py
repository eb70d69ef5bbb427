"""Plain rows for tables: one dict per date, no pandas needed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from events import AnyEvent

from ._state import NegotiationState, TariffLayer
from ._timeline import timeline

__all__ = ["layer_label", "pair_totals", "tariff_row", "tariff_series"]


def layer_label(layer: TariffLayer) -> str:
    """A column name for a layer: its measure, with its HS prefixes if not all goods."""
    return layer.measure if layer.scope.all_goods else f"{layer.measure} [{', '.join(layer.scope.hs)}]"


def tariff_row(state: NegotiationState, imposer: str, target: str, product: str | None = None) -> dict[str, Any]:
    """One row: the state's date, the pair, the product, the total and each counted layer (percent)."""
    layers = state.counted_layers(imposer, target, product)
    return {
        "date": state.as_of,
        "imposer": imposer,
        "target": target,
        "product": product,
        "total": state.tariff_rate(imposer, target, product),
        "layers": {layer_label(layer): layer.applied_rate for layer in layers},
    }


def tariff_series(
    events: Iterable[AnyEvent],
    start: date,
    end: date,
    *,
    imposer: str,
    target: str,
    product: str | None = None,
    known_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """The tariff of ``imposer`` on ``target`` for each day from ``start`` to ``end`` (inclusive).

    Returns:
        One row per day: ``{"date": date, "imposer": str, "target": str,
        "product": str | None, "total": Decimal, "layers": {label: Decimal}}``,
        rates in percent, layers labelled by :func:`layer_label`.

    Raises:
        As :func:`negotiation.timeline`; QueryError for bad codes.
    """
    return [tariff_row(state, imposer, target, product) for _, state in timeline(events, start, end, known_at=known_at)]


def pair_totals(state: NegotiationState) -> dict[str, Decimal]:
    """Every pair's all-goods total on the state's date, keyed ``"USA on CHN"``."""
    pairs = sorted({(layer.imposer, layer.target) for layer in state.layers.values()})
    return {f"{i} on {t}": state.tariff_rate(i, t) for i, t in pairs}
