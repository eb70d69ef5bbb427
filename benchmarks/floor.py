"""FLOOR: the least a fold of these events can do, a plain loop of dict updates, with and without its sort."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import events
from events import AnyEvent

__all__ = ["FOLD_ORDER", "floor", "sorted_floor"]

FOLD_ORDER = operator.attrgetter("effective", "recorded", "event_id")
"""The order a fold must apply events in (``Event.sort_key``), as a C key function."""


def floor(log: Sequence[AnyEvent]) -> int:
    """A plain loop of dict updates over ``log`` (already in fold order), one per event and record.

    Tariff changes set ``layers[(imposer, target, measure, scope)]``;
    accords, talks and export controls set their record by id;
    corrections replace a fact, retractions remove it; every fact is kept
    by id. No sorting, checking, clock rules or frozen records.

    Returns:
        The number of facts held at the end.
    """
    layers: dict[Any, Any] = {}
    records: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    item: Any
    for item in log:
        kind = type(item)
        if kind is events.TariffChanged:
            layers[(item.imposer, item.target, item.measure, item.scope)] = item.rate
        elif kind is events.EventCorrected:
            facts[item.corrects] = item.replacement
            continue
        elif kind is events.EventRetracted:
            facts.pop(item.retracts, None)
            continue
        elif kind is events.AccordReached or kind is events.AccordExtended:
            records[item.accord_id] = item
        elif kind is events.ExportControlChanged:
            records[item.control_id] = item
        elif kind is events.TalksScheduled or kind is events.TalksHeld or kind is events.DelegationNamed:
            records[item.talks_id] = item
        facts[item.event_id] = item
    return len(facts)


def sorted_floor(log: Sequence[AnyEvent]) -> int:
    """FLOOR with the sort into fold order that a fold of ``log`` (in recorded order) must do first."""
    return floor(sorted(log, key=FOLD_ORDER))
