"""PEER: the same events replayed by the ``eventsourcing`` library, from its SQLite store and in memory.

A user who picked ``eventsourcing`` instead would keep one aggregate per
negotiation log and rebuild it with ``repository.get``: read every stored
event from SQLite, decode it, and apply it to the aggregate. In memory, its
domain events already decoded are applied with ``project_aggregate`` (each
event's ``mutate``), the counterpart of our fold of decoded events. This
module is imported only when ``eventsourcing`` (the ``bench`` extra) is
installed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, project_aggregate
from eventsourcing.domain import Aggregate, event

import events
from events import AnyEvent

__all__ = ["NegotiationAggregate", "check_peer", "project_peer", "replay_peer", "store_peer", "stored_events"]


class NegotiationAggregate(Aggregate):
    """The peer's model: tariff layers, accords, controls, talks and facts in plain dicts."""

    @event("Started")
    def __init__(self) -> None:
        self.layers: dict[tuple[str, str, str, tuple[str, ...]], Decimal] = {}
        self.records: dict[str, str] = {}
        self.facts: dict[str, str] = {}

    @event("TariffChanged")
    def change_tariff(self, event_id: str, effective: str, imposer: str, target: str, measure: str,
                      scope: list[str], rate: Decimal) -> None:
        self.layers[(imposer, target, measure, tuple(scope))] = rate
        self.facts[event_id] = effective

    @event("FactRecorded")
    def record_fact(self, event_id: str, effective: str, kind: str, subject: str) -> None:
        if subject:
            self.records[subject] = event_id
        self.facts[event_id] = effective


def _subject(item: AnyEvent) -> str:
    for name in ("accord_id", "talks_id", "control_id", "corrects", "retracts"):
        value = getattr(item, name, None)
        if isinstance(value, str):
            return value
    return ""


def store_peer(log: list[AnyEvent], folder: Path) -> tuple[Application[UUID], NegotiationAggregate]:
    """Record ``log`` on one aggregate and save it through an ``eventsourcing`` application (SQLite file in ``folder``)."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(folder / "peer.sqlite")}
    app: Application[UUID] = Application(env=env)
    aggregate = NegotiationAggregate()
    for item in log:
        if isinstance(item, events.TariffChanged):
            aggregate.change_tariff(item.event_id, item.effective.isoformat(), item.imposer, item.target,
                                    item.measure, list(item.scope.hs), item.rate)
        else:
            aggregate.record_fact(item.event_id, item.effective.isoformat(), item.TYPE, _subject(item))
    app.save(aggregate)
    return app, aggregate


def replay_peer(app: Application[UUID], aggregate: NegotiationAggregate) -> NegotiationAggregate:
    """Rebuild ``aggregate`` from the application's store: read every event from SQLite, decode and apply it."""
    rebuilt: NegotiationAggregate = app.repository.get(aggregate.id)
    return rebuilt


def stored_events(app: Application[UUID], aggregate: NegotiationAggregate) -> list[Any]:
    """The aggregate's domain events, read from the store and decoded once (set-up for :func:`project_peer`)."""
    return list(app.repository.event_store.get(aggregate.id))


def project_peer(domain_events: list[Any]) -> NegotiationAggregate:
    """Apply decoded domain events in memory (``project_aggregate``): the peer's fold of events in memory."""
    projected: NegotiationAggregate | None = project_aggregate(None, domain_events)
    if projected is None:
        raise AssertionError("the peer projected no aggregate")
    return projected


def check_peer(rebuilt: NegotiationAggregate, aggregate: NegotiationAggregate) -> None:
    """Raise AssertionError unless ``rebuilt`` holds what ``aggregate`` held when it was stored."""
    if rebuilt.facts != aggregate.facts or rebuilt.layers != aggregate.layers or rebuilt.records != aggregate.records:
        raise AssertionError("the peer's replay differs from the aggregate it stored")
