"""A state machine that appends random valid events and checks replays against a plain model.

The reference model below is written from the rules in the README, not from
the library's code: per tariff layer, the last event in (effective,
recorded, event_id) order among those effective by the date and recorded by
the cut-off wins; a suspension lowers the rate before its end date; an
accord's deadline is its latest extension's, and it has lapsed from the
deadline on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import events
import negotiation

START = date(2025, 1, 1)
DAYS = st.integers(0, 400)
PAIRS = st.sampled_from([("USA", "CHN"), ("CHN", "USA"), ("USA", "GBR")])
MEASURES = st.sampled_from(["IEEPA-fentanyl", "IEEPA-reciprocal", "CN-counter-reciprocal"])
SCOPES = st.sampled_from([(), ("1201",), ("03", "0201")])
RATES = st.integers(0, 150)


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


def _instant(day: date, hours: int) -> datetime:
    return datetime.combine(day, time(), UTC) + timedelta(hours=hours)


class ReferenceModel:
    """Plain lists and dicts; no code shared with the library."""

    def __init__(self) -> None:
        self.tariffs: list[events.TariffChanged] = []
        self.accords: dict[str, events.AccordReached] = {}
        self.extensions: list[events.AccordExtended] = []

    @staticmethod
    def _visible(event: events.Event, as_of: date, known_at: datetime | None) -> bool:
        return event.effective <= as_of and (known_at is None or event.recorded <= known_at)

    def total(self, imposer: str, target: str, product: str | None, as_of: date, known_at: datetime | None) -> Decimal:
        latest: dict[tuple, events.TariffChanged] = {}
        for event in self.tariffs:
            if not self._visible(event, as_of, known_at):
                continue
            key = (event.imposer, event.target, event.measure, event.scope)
            held = latest.get(key)
            if held is None or (event.effective, event.recorded, event.event_id) > (held.effective, held.recorded, held.event_id):
                latest[key] = event
        total = Decimal(0)
        for (imp, tgt, _measure, scope), event in latest.items():
            if (imp, tgt) != (imposer, target):
                continue
            covers = not scope.hs if product is None else (not scope.hs or any(product.startswith(p) for p in scope.hs))
            if not covers:
                continue
            if event.suspension is not None and as_of < event.suspension.until:
                total += event.suspension.rate
            else:
                total += event.rate
        return total

    def deadline(self, accord_id: str, as_of: date, known_at: datetime | None) -> tuple[bool, date | None]:
        accord = self.accords[accord_id]
        if not self._visible(accord, as_of, known_at):
            return False, None
        deadline = accord.window_closes
        applied = [e for e in self.extensions if e.accord_id == accord_id and self._visible(e, as_of, known_at)]
        if applied:
            deadline = max(applied, key=lambda e: (e.effective, e.recorded, e.event_id)).deadline
        return True, deadline


class ReplayMachine(RuleBasedStateMachine):
    """Append valid events; after each step, replay to random dates and compare with the model."""

    @initialize()
    def start(self) -> None:
        self.log: list[events.AnyEvent] = []
        self.model = ReferenceModel()
        self.serial = 0

    def _id(self) -> str:
        self.serial += 1
        return f"e{self.serial}"

    @rule(pair=PAIRS, measure=MEASURES, scope=SCOPES, rate=RATES, offset=DAYS, lag=st.integers(-72, 240),
          suspended=st.one_of(st.none(), st.tuples(st.integers(0, 99), st.integers(1, 120))))
    def change_tariff(self, pair, measure, scope, rate, offset, lag, suspended) -> None:
        effective = _day(offset)
        suspension = None
        if suspended is not None and rate > 0:
            share, days = suspended
            suspension = events.Suspension(rate=Decimal(rate * share // 100), until=effective + timedelta(days=days))
        event = events.TariffChanged(
            event_id=self._id(), effective=effective, recorded=_instant(effective, -lag),
            imposer=pair[0], target=pair[1], measure=measure, scope=events.Scope(hs=scope),
            rate=Decimal(rate), suspension=suspension,
        )
        self.log.append(event)
        self.model.tariffs.append(event)

    @rule(offset=DAYS, days=st.integers(1, 120))
    def reach_accord(self, offset, days) -> None:
        effective = _day(offset)
        event = events.AccordReached(
            event_id=self._id(), effective=effective, recorded=_instant(effective, 9),
            accord_id=f"accord-{self.serial}", title="An accord", parties=("USA", "CHN"), window_days=days,
        )
        self.log.append(event)
        self.model.accords[event.accord_id] = event

    @precondition(lambda self: self.model.accords)
    @rule(data=st.data(), after=st.integers(1, 200), days=st.integers(1, 200))
    def extend_accord(self, data, after, days) -> None:
        """Extend after the latest extension, to a deadline after the latest one (extensions extend)."""
        accord = self.model.accords[data.draw(st.sampled_from(sorted(self.model.accords)))]
        earlier = [e for e in self.model.extensions if e.accord_id == accord.accord_id]
        effective = max([accord.effective, *(e.effective for e in earlier)]) + timedelta(days=after)
        deadline = max([accord.window_closes, effective, *(e.deadline for e in earlier)]) + timedelta(days=days)
        event = events.AccordExtended(
            event_id=self._id(), effective=effective,
            recorded=max(accord.recorded, _instant(effective, data.draw(st.integers(-100, 100)))),
            accord_id=accord.accord_id, deadline=deadline,
        )
        self.log.append(event)
        self.model.extensions.append(event)

    @rule(offset=st.integers(-10, 500), known=st.one_of(st.none(), st.integers(-10, 500)),
          pair=PAIRS, product=st.sampled_from([None, "120190", "030212", "870323"]))
    def compare(self, offset, known, pair, product) -> None:
        self._compare(_day(offset), None if known is None else _instant(_day(known), 12), pair, product)

    @precondition(lambda self: self.model.tariffs or self.model.accords)
    @rule(data=st.data(), pair=PAIRS, product=st.sampled_from([None, "120190"]))
    def compare_on_a_boundary(self, data, pair, product) -> None:
        """Compare on a day a suspension or a window ends, or the day before."""
        ends = [t.suspension.until for t in self.model.tariffs if t.suspension]
        ends += [a.window_closes for a in self.model.accords.values()]
        ends += [e.deadline for e in self.model.extensions]
        ends += [t.effective for t in self.model.tariffs]
        day = data.draw(st.sampled_from(ends)) - timedelta(days=data.draw(st.integers(0, 1)))
        self._compare(day, None, pair, product)

    def _compare(self, as_of, known_at, pair, product) -> None:
        state = negotiation.replay(self.log, as_of=as_of, known_at=known_at)
        expected = self.model.total(pair[0], pair[1], product, as_of, known_at)
        assert expected == state.tariff_rate(pair[0], pair[1], product)
        for accord_id in self.model.accords:
            present, deadline = self.model.deadline(accord_id, as_of, known_at)
            assert present == (accord_id in state.accords)
            if present:
                accord = state.accords[accord_id]
                lapsed = as_of >= deadline
                assert (deadline, lapsed, max(0, (deadline - as_of).days)) == (
                    accord.deadline, accord.status is negotiation.AccordStatus.LAPSED, state.days_remaining(accord_id)
                )

    @invariant()
    def order_does_not_matter(self) -> None:
        as_of = _day(200)
        assert negotiation.replay(self.log, as_of=as_of) == negotiation.replay(list(reversed(self.log)), as_of=as_of)


TestReplayMachine = ReplayMachine.TestCase
