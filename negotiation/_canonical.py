"""The canonical serialization of a state: its JSON form and its digest."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from events import converter, to_dict

if TYPE_CHECKING:
    from ._state import NegotiationState

__all__ = ["canonical_json", "digest", "state_to_dict"]


def _iso(value: Any) -> str | None:
    return None if value is None else converter.unstructure(value)


def state_to_dict(state: NegotiationState) -> dict[str, Any]:
    """The state as JSON types: lists sorted by their ids, events by fold order.

    ``tariffs`` holds one row per (imposer, target) pair with a layer: the
    all-goods total in percent (products with an HS-scoped layer pay more).
    """
    pairs = sorted({(layer.imposer, layer.target) for layer in state.layers.values()})

    def by_fold_order(found: Any) -> list[dict[str, Any]]:
        return [to_dict(event) for event in sorted(found, key=lambda e: e.sort_key)]

    return {
        "as_of": _iso(state.as_of),
        "known_at": _iso(state.known_at),
        "tariffs": [
            {"imposer": imposer, "target": target,
             "all_goods_rate": str(state.tariff_rate(imposer, target))}
            for imposer, target in pairs
        ],
        "layers": converter.unstructure(list(state.tariff_layers())),
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
    """SHA-256 hex of the canonical JSON of the state, ``known_at`` left out."""
    data = state_to_dict(state)
    del data["known_at"]
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
