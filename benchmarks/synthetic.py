"""A synthetic, internally consistent negotiation log of any size, from a fixed seed.

The mix imitates a large analyst's log over one year (2025-01-01 to
2025-12-31): mostly tariff-line changes of many parties on thousands of HS
scopes (some suspended, some removed, some implementing accords), accords
and their extensions, talks with delegations, export controls imposed,
suspended and lifted, licences, trade data, statements, leaders' calls,
corrections of tariff lines and retractions of statements. Every reference
names something defined earlier in fold order and recorded no later, so
the log replays and validates cleanly. The events come back in recorded
order (the order an append-only store holds them).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs

import events
from events import AnyEvent

__all__ = ["END", "START", "generate"]

START = date(2025, 1, 1)
"""The first effective date of a synthetic log."""
END = date(2025, 12, 31)
"""The last effective date of a synthetic log."""

_PARTIES = (
    "ARG", "AUS", "BGD", "BRA", "CAN", "CHE", "CHL", "CHN", "COL", "EGY", "EUU", "GBR", "IDN", "IND",
    "ISR", "JPN", "KAZ", "KEN", "KOR", "MAR", "MEX", "MYS", "NGA", "NOR", "NZL", "PAK", "PER", "PHL",
    "QAT", "RUS", "SAU", "SGP", "THA", "TUR", "TWN", "UKR", "USA", "VNM", "ZAF", "ARE",
)
_MEASURES = ("MFN-adjust", "S232", "S301", "AD", "CVD", "safeguard", "retaliatory", "reciprocal")
_RATES = tuple(Decimal(text) for text in ("2.5", "5", "7.5", "10", "12", "15", "20", "25", "34", "50", "84", "125"))
_COMMODITIES = ("rare earth magnets", "gallium", "germanium", "graphite", "semiconductors", "jet engines")
_PUBLISHERS = ("Federal Register", "MOFCOM", "Reuters", "Official Journal", "Xinhua", "Nikkei Asia")

# Shares of each kind of event, in draws out of 1000.
_MIX = (
    ("tariff", 800), ("correction", 10), ("retraction", 3), ("accord", 4), ("extension", 2),
    ("talks", 6), ("delegation", 6), ("held", 4), ("control", 20), ("licences", 40),
    ("trade", 30), ("statement", 60), ("leaders", 15),
)


def _instant(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(), UTC) + timedelta(minutes=minute)


class _Generator:
    """Draws events one effective day at a time, tracking what later events may refer to."""

    def __init__(self, count: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = count
        rng = self.rng
        scopes = sorted({f"{rng.randrange(1, 98):02d}{rng.randrange(1, 100):02d}" + rng.choice(("", "10", "90", "20"))
                         for _ in range(4000)})
        universe = max(200, count // 25)
        self.layer_keys = []
        for _ in range(universe):
            imposer, target = rng.sample(_PARTIES, 2)
            scope = events.ALL_GOODS if rng.random() < 0.1 else events.Scope(hs=tuple(rng.sample(scopes, rng.choice((1, 1, 2)))))
            self.layer_keys.append((imposer, target, rng.choice(_MEASURES), scope))
        self.accords: dict[str, tuple[date, date | None, datetime]] = {}
        self.talks: dict[str, tuple[date, datetime]] = {}
        self.controls: dict[str, tuple[date, datetime]] = {}
        self.tariffs: list[events.TariffChanged] = []
        self.retractable: list[AnyEvent] = []
        self.kinds = [kind for kind, share in _MIX for _ in range(share)]

    def _source(self, day: date) -> events.Source | None:
        if self.rng.random() < 0.7:
            return None
        publisher = self.rng.choice(_PUBLISHERS)
        return events.Source(publisher=publisher, title=f"{publisher} notice of {day.isoformat()}",
                             url=f"https://example.org/{publisher.replace(' ', '-').lower()}/{day.isoformat()}")

    def event(self, index: int, day: date) -> AnyEvent:
        """The event number ``index``, effective on ``day``; falls back to a statement when nothing fits."""
        rng = self.rng
        recorded = _instant(day, rng.randrange(-3 * 1440, 1440))
        common = {"event_id": f"e{index:07d}", "effective": day, "recorded": recorded, "source": self._source(day)}
        kind = rng.choice(self.kinds)
        made = getattr(self, f"_{kind}")(day, common)
        if made is None:
            made = self._statement(day, common)
        return made

    def _later(self, common: dict[str, Any], *referents: datetime) -> dict[str, Any]:
        """``common`` recorded no earlier than every referent."""
        return {**common, "recorded": max((common["recorded"], *referents))}

    @staticmethod
    def _recent(table: dict[str, tuple[Any, ...]], day: date, *, limit: int = 20, dated: bool = False) -> list[str]:
        """The keys of up to ``limit`` latest entries of ``table`` dated before ``day`` (with a deadline if ``dated``)."""
        found: list[str] = []
        for key in reversed(table):
            entry = table[key]
            if entry[0] < day and (not dated or entry[1] is not None):
                found.append(key)
                if len(found) == limit:
                    break
        return found

    def _open_accord(self, day: date) -> tuple[str, datetime] | None:
        candidates = self._recent(self.accords, day)
        if not candidates:
            return None
        key = self.rng.choice(candidates)
        return key, self.accords[key][2]

    def _tariff(self, day: date, common: dict[str, Any]) -> events.TariffChanged:
        rng = self.rng
        imposer, target, measure, scope = rng.choice(self.layer_keys)
        rate = Decimal(0) if rng.random() < 0.04 else rng.choice(_RATES)
        suspension = None
        if rate > 5 and rng.random() < 0.1:
            until = min(day + timedelta(days=rng.randrange(20, 150)), events.LATEST)
            suspension = events.Suspension(rate=rate - 5, until=until)
        accord = self._open_accord(day) if rng.random() < 0.05 else None
        if accord is not None:
            common = self._later(common, accord[1])
        event = events.TariffChanged(**common, imposer=imposer, target=target, measure=measure, scope=scope,
                                     rate=rate, suspension=suspension, accord_id=accord and accord[0])
        self.tariffs.append(event)
        return event

    def _correction(self, day: date, common: dict[str, Any]) -> events.EventCorrected | None:
        if not self.tariffs:
            return None
        fact = self.rng.choice(self.tariffs[-5000:])
        replacement = attrs.evolve(fact, rate=fact.rate + 1, note="rate corrected")
        return events.EventCorrected(**self._later(common, fact.recorded), corrects=fact.event_id,
                                     replacement=replacement)

    def _retraction(self, day: date, common: dict[str, Any]) -> events.EventRetracted | None:
        if not self.retractable:
            return None
        fact = self.retractable.pop(self.rng.randrange(len(self.retractable)))
        return events.EventRetracted(**self._later(common, fact.recorded), retracts=fact.event_id)

    def _accord(self, day: date, common: dict[str, Any]) -> events.AccordReached:
        parties = tuple(self.rng.sample(_PARTIES, 2))
        window = self.rng.choice((None, 90, 90, 180))
        event = events.AccordReached(**common, accord_id=f"accord-{common['event_id']}",
                                     title=f"Joint statement {parties[0]}-{parties[1]}", parties=parties,
                                     commitments=tuple(events.Commitment(party=p, text="lower tariffs") for p in parties),
                                     window_days=window)
        self.accords[event.accord_id] = (day, event.window_closes, event.recorded)
        return event

    def _extension(self, day: date, common: dict[str, Any]) -> events.AccordExtended | None:
        candidates = self._recent(self.accords, day, dated=True)
        if not candidates:
            return None
        key = self.rng.choice(candidates)
        _changed, deadline, recorded = self.accords[key]
        assert deadline is not None  # candidates have one
        new = min(max(deadline, day) + timedelta(days=self.rng.randrange(30, 120)), events.LATEST)
        self.accords[key] = (day, new, recorded)  # changed today: not extended again until tomorrow
        return events.AccordExtended(**self._later(common, recorded), accord_id=key, deadline=new)

    def _talks(self, day: date, common: dict[str, Any]) -> events.TalksScheduled:
        starts = day + timedelta(days=self.rng.randrange(3, 30))
        event = events.TalksScheduled(**common, talks_id=f"talks-{common['event_id']}", venue="Geneva",
                                      parties=tuple(self.rng.sample(_PARTIES, 2)), starts=starts,
                                      ends=starts + timedelta(days=1))
        self.talks[event.talks_id] = (day, event.recorded)
        return event

    def _delegation(self, day: date, common: dict[str, Any]) -> events.DelegationNamed | None:
        candidates = self._recent(self.talks, day)
        if not candidates:
            return None
        key = self.rng.choice(candidates)
        members = (events.Delegate(name=f"Minister {common['event_id']}", office="Trade Minister", leads=True),
                   events.Delegate(name=f"Deputy {common['event_id']}", office="Vice Minister"))
        return events.DelegationNamed(**self._later(common, self.talks[key][1]), talks_id=key,
                                      party=self.rng.choice(_PARTIES), members=members)

    def _held(self, day: date, common: dict[str, Any]) -> events.TalksHeld | None:
        candidates = self._recent(self.talks, day)
        if not candidates:
            return None
        key = self.rng.choice(candidates)
        return events.TalksHeld(**self._later(common, self.talks[key][1]), talks_id=key, venue="London",
                                parties=("CHN", "USA"), starts=day - timedelta(days=1), ends=day,
                                outcome="framework agreed")

    def _control(self, day: date, common: dict[str, Any]) -> events.ExportControlChanged:
        rng = self.rng
        candidates = self._recent(self.controls, day, limit=50)
        action = rng.choice((events.ControlAction.SUSPENDED, events.ControlAction.LIFTED)) if candidates and rng.random() < 0.4 \
            else events.ControlAction.IMPOSED
        until = None
        if action is events.ControlAction.IMPOSED:
            key = f"control-{common['event_id']}"
            self.controls[key] = (day, common["recorded"])
        else:
            key = rng.choice(candidates)
            common = self._later(common, self.controls[key][1])
            if action is events.ControlAction.LIFTED:
                del self.controls[key]
            else:
                until = min(day + timedelta(days=rng.randrange(30, 180)), events.LATEST)
                self.controls[key] = (day, self.controls[key][1])  # changed today: untouched until tomorrow
        return events.ExportControlChanged(**common, issuer=rng.choice(_PARTIES), control_id=key, action=action,
                                           items=(rng.choice(_COMMODITIES),), until=until)

    def _licences(self, day: date, common: dict[str, Any]) -> events.ExportLicencesApproved:
        event = events.ExportLicencesApproved(**common, issuer=self.rng.choice(_PARTIES),
                                              items=(self.rng.choice(_COMMODITIES),),
                                              count=self.rng.choice((None, self.rng.randrange(1, 500))))
        self.retractable.append(event)
        return event

    def _trade(self, day: date, common: dict[str, Any]) -> events.TradeDataReleased:
        previous = day.replace(day=1) - timedelta(days=1)
        return events.TradeDataReleased(**common, reporter=self.rng.choice(_PARTIES),
                                        period=f"{previous.year}-{previous.month:02d}",
                                        exports_yoy=Decimal(self.rng.randrange(-200, 300)) / 10,
                                        imports_yoy=Decimal(self.rng.randrange(-200, 300)) / 10)

    def _statement(self, day: date, common: dict[str, Any]) -> events.StatementIssued:
        event = events.StatementIssued(**common, party=self.rng.choice(_PARTIES), speaker="Spokesperson",
                                       summary="Welcomes the progress of the talks")
        self.retractable.append(event)
        return event

    def _leaders(self, day: date, common: dict[str, Any]) -> events.LeadersSpoke:
        return events.LeadersSpoke(**common, parties=tuple(self.rng.sample(_PARTIES, 2)),
                                   leaders=("Leader A", "Leader B"), mode=events.ContactMode.CALL)


def generate(count: int, *, seed: int = 2025) -> list[AnyEvent]:
    """``count`` events effective from :data:`START` to :data:`END`, drawn from ``seed``.

    The same ``(count, seed)`` always gives the same events. Effective dates
    spread evenly over the 365 days; each event is recorded from three days
    before to one day after its effective date (so some are scheduled
    before they apply, some known only afterwards), never before what it
    refers to.

    Returns:
        The events sorted by (recorded, event_id), as an append-only store
        would hold them.

    Raises:
        ValueError: ``count`` is not positive.
    """
    if count < 1:
        raise ValueError(f"expected a positive number of events, got {count}")
    days = (END - START).days + 1
    drawer = _Generator(count, seed)
    made = [drawer.event(index, START + timedelta(days=index * days // count)) for index in range(count)]
    return sorted(made, key=lambda event: (event.recorded, event.event_id))
