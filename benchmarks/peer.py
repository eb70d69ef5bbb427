"""PEER: the same events replayed by the ``eventsourcing`` library from its SQLite store.

A user who picked ``eventsourcing`` instead would keep one aggregate per
negotiation log and rebuild it with ``repository.get``: read every stored
event from SQLite, decode it, and apply it to the aggregate. This module is
imported only when ``eventsourcing`` (the ``bench`` extra) is installed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

import events
from events import AnyEvent

__all__ = ["NegotiationAggregate", "replay_peer", "store_peer"]


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
    """Rebuild ``aggregate`` from the application's store: read every event from SQLite, decode and apply it.

    Raises:
        AssertionError: the rebuilt aggregate differs from the one stored.
    """
    rebuilt: NegotiationAggregate = app.repository.get(aggregate.id)
    if rebuilt.facts != aggregate.facts or rebuilt.layers != aggregate.layers:
        raise AssertionError("the peer's replay differs from the aggregate it stored")
    return rebuilt
