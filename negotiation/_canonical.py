"""The canonical serialization of a state: its JSON form and its digest."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from events import converter, to_dict

from ._tariffs import all_goods_breakdowns

if TYPE_CHECKING:
    from ._state import NegotiationState
    from ._tariffs import TariffBreakdown

__all__ = ["canonical_json", "digest", "state_to_dict"]


def _iso(value: Any) -> str | None:
    return None if value is None else converter.unstructure(value)


_LAYER_TERMS = ("exempt", "exempt_parties", "yields_to", "quota", "ends")
"""Layer fields left out of the JSON while they hold their defaults, so that additive logs keep their digests."""


def _layer(layer: Any) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(layer)
    for name in _LAYER_TERMS:
        if not data[name]:
            del data[name]
    return data


def _pair_total(found: TariffBreakdown) -> dict[str, Any]:
    """One pair's all-goods additional duty; where it depends on the base (an all-in layer), ``null`` and why."""
    imposer, target = found.imposer, found.target
    row: dict[str, Any] = {"imposer": imposer, "target": target,
                           "all_goods_rate": None if found.missing else str(found.additional)}
    if found.missing:
        row["depends_on"] = list(found.missing)
    if found.partial:
        row["partial"] = True
    return row


def state_to_dict(state: NegotiationState) -> dict[str, Any]:
    """The state as JSON types: lists sorted by their ids, events by fold order.

    ``tariffs`` holds one row per (imposer, target) pair with a layer: the
    all-goods additional duty over the base in percent (products with an
    HS-scoped layer pay more), or ``null`` with ``depends_on`` where an
    all-in layer needs the product's base rate. Sections the log does not
    use (base rates, quotas, instruments, blocs, rulings) are left out, and
    so are a layer's terms while they hold their defaults. ``horizon`` says
    how far the log's knowledge reaches and, for a date past it, the clock
    rules the state rests on (``projected``, ``projection``).
    """
    pairs = sorted({(key[0], key[1]) for key in state.layers})  # keys: (imposer, target, measure, scope)

    def by_fold_order(found: Any) -> list[dict[str, Any]]:
        return [to_dict(event) for event in sorted(found, key=lambda e: e.sort_key)]

    optional = {
        "base_rates": [converter.unstructure(rate) for _, rate in sorted(state.base_rates.items())],
        "quotas": [converter.unstructure(quota) for _, quota in sorted(state.quotas.items())],
        "instruments": [converter.unstructure(i) for _, i in sorted(state.instruments.items())],
        "blocs": [converter.unstructure(bloc) for _, bloc in sorted(state.blocs.items())],
        "rulings": [converter.unstructure(ruling) for _, ruling in sorted(state.rulings.items())],
    }
    horizon = state.horizon
    return {
        "as_of": _iso(state.as_of),
        "known_at": _iso(state.known_at),
        "horizon": {
            "through": _iso(horizon.through),
            "last_recorded": _iso(horizon.last_recorded),
            "reviewed_through": _iso(horizon.reviewed_through),
            "reviewed_on": _iso(horizon.reviewed_on),
            "review_event_id": horizon.review_event_id,
            "projected": state.projected,
            "covers": list(horizon.covers),
            "projection": [{"day": _iso(day), "rule": words} for day, words in horizon.projection],
        },
        "tariffs": [_pair_total(found) for found in all_goods_breakdowns(state, pairs).values()],
        "layers": [_layer(layer) for layer in state.tariff_layers()],
        **{name: rows for name, rows in optional.items() if rows},
        "accords": [
            {**converter.unstructure(accord), "days_remaining": state.days_remaining(key)}
            for key, accord in sorted(state.accords.items())
        ],
        "talks": [converter.unstructure(talks) for _, talks in sorted(state.talks.items())],
        "export_controls": [
            converter.unstructure(control) for _, control in sorted(state.export_controls.items())
        ],
        "trade_data": [to_dict(release) for _, release in sorted(state.trade_data.items())],
        "licence_approvals": by_fold_order(state.licence_approvals),
        "leader_contacts": by_fold_order(state.leader_contacts),
        "statements": by_fold_order(state.statements),
        "scheduled": by_fold_order(state.scheduled.values()),
        "events": sorted(state.events),
        "revisions": dict(sorted(state.revisions.items())),
    }


def canonical_json(data: Any) -> str:
    """JSON with sorted keys, no insignificant whitespace, UTF-8 text kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(state: NegotiationState) -> str:
    """SHA-256 hex of the canonical JSON of the state, ``known_at`` and ``horizon`` left out (what was known, not what holds)."""
    data = state_to_dict(state)
    del data["known_at"]
    del data["horizon"]
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
