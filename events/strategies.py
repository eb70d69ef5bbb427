"""Hypothesis strategies for every event and value type, and for whole logs.

For testing code built on this library::

    from hypothesis import given
    from events import strategies

    @given(strategies.logs(max_events=30))
    def test_my_report_never_crashes(log): ...

Requires the ``test`` extra (``pip install 'negotiation-state[test]'``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised without hypothesis only
    raise ImportError(
        "events.strategies needs hypothesis: install the 'test' extra, "
        "e.g. pip install 'negotiation-state[test]'"
    ) from exc

from ._values import Commitment, ControlAction, Delegate, Scope, Source, Suspension
from ._vocabulary import (
    AccordExtended,
    AccordReached,
    AnyEvent,
    ContactMode,
    DelegationNamed,
    ExportControlChanged,
    LeadersSpoke,
    LicensesApproved,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
    TradeDataReleased,
)

__all__ = [
    "DEFAULT_PARTIES",
    "accords_extended",
    "accords_reached",
    "commitments",
    "delegates",
    "delegations_named",
    "export_controls_changed",
    "leaders_spoke",
    "licenses_approved",
    "logs",
    "party_codes",
    "rates",
    "recorded_times",
    "scopes",
    "sources",
    "statements_issued",
    "suspensions",
    "talks_held",
    "talks_scheduled",
    "tariffs_changed",
    "trade_data_released",
]

DEFAULT_PARTIES = ("USA", "CHN", "GBR", "EUU", "JPN")
"""Party codes drawn by default (``EUU``: the European Union's bloc code)."""

_START = date(2025, 1, 1)
_END = date(2026, 12, 31)
_OFFSETS = st.sampled_from(
    [timezone.utc, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
)
_IDS = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    str.strip
)


def party_codes(parties: tuple[str, ...] = DEFAULT_PARTIES) -> st.SearchStrategy[str]:
    """One alpha-3 code from ``parties``."""
    return st.sampled_from(parties)


def rates(max_value: int = 200) -> st.SearchStrategy[Decimal]:
    """Ad valorem rates in percent: finite decimals from 0 to ``max_value``, 2 places."""
    return st.decimals(min_value=0, max_value=max_value, places=2, allow_nan=False, allow_infinity=False)


def _days(start: date, end: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=start, max_value=end)


def recorded_times(effective: date) -> st.SearchStrategy[datetime]:
    """Aware instants from 30 days before to 10 days after ``effective``, in various offsets."""
    low = datetime.combine(effective - timedelta(days=30), time())
    high = datetime.combine(effective + timedelta(days=10), time())
    return st.datetimes(min_value=low, max_value=high, timezones=_OFFSETS)


def sources() -> st.SearchStrategy[Source | None]:
    """``None`` or a citation."""
    return st.none() | st.builds(
        Source,
        publisher=_TEXT,
        title=_TEXT,
        url=st.none() | st.just("https://example.org/a"),
        published=st.none() | _days(_START, _END),
    )


def scopes() -> st.SearchStrategy[Scope]:
    """All goods, or up to three HS prefixes of 2 to 6 digits."""
    prefix = st.sampled_from([2, 4, 6]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
    return st.just(Scope()) | st.lists(prefix, min_size=1, max_size=3).map(lambda hs: Scope(hs=tuple(hs)))


def suspensions(rate: Decimal, effective: date) -> st.SearchStrategy[Suspension]:
    """A suspension below ``rate`` that ends 1 to 200 days after ``effective``."""
    return st.builds(
        Suspension,
        rate=st.decimals(min_value=0, max_value=rate, places=2).filter(lambda r: r < rate),
        until=_days(effective + timedelta(days=1), effective + timedelta(days=200)),
    )


def commitments(parties: tuple[str, ...] = DEFAULT_PARTIES) -> st.SearchStrategy[Commitment]:
    """A commitment of one of ``parties``."""
    return st.builds(Commitment, party=party_codes(parties), text=_TEXT)


def delegates() -> st.SearchStrategy[Delegate]:
    """A delegation member."""
    return st.builds(Delegate, name=_TEXT, office=_TEXT, leads=st.booleans())


@st.composite
def _base(draw: Any, start: date, end: date, event_id: str | None = None) -> dict[str, Any]:
    effective = draw(_days(start, end))
    return {
        "event_id": event_id or draw(_IDS),
        "effective": effective,
        "recorded": draw(recorded_times(effective)),
        "source": draw(sources()),
        "note": draw(st.just("") | _TEXT),
    }


@st.composite
def tariffs_changed(
    draw: Any,
    *,
    parties: tuple[str, ...] = DEFAULT_PARTIES,
    start: date = _START,
    end: date = _END,
    accord_id: str | None = None,
    event_id: str | None = None,
) -> TariffChanged:
    """A ``TariffChanged`` between two of ``parties``; sometimes suspended, sometimes a removal."""
    base = draw(_base(start, end, event_id))
    imposer, target = draw(st.permutations(parties).map(lambda p: p[:2]))
    rate = draw(st.just(Decimal(0)) | rates())
    suspension = draw(st.none() | suspensions(rate, base["effective"])) if rate > 0 else None
    measure = draw(st.sampled_from(["IEEPA-fentanyl", "IEEPA-reciprocal", "S301", "CN-counter-reciprocal"]))
    return TariffChanged(
        **base, imposer=imposer, target=target, measure=measure, rate=rate,
        scope=draw(scopes()), suspension=suspension, accord_id=accord_id,
    )


@st.composite
def accords_reached(
    draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = _START,
    end: date = _END, accord_id: str | None = None, event_id: str | None = None,
) -> AccordReached:
    """An ``AccordReached`` with a window in days, an explicit deadline, or none."""
    base = draw(_base(start, end, event_id))
    window_start = base["effective"] + timedelta(days=draw(st.integers(0, 5)))
    window = draw(st.sampled_from(["days", "deadline", "open"]))
    return AccordReached(
        **base,
        accord_id=accord_id or draw(_IDS),
        title=draw(_TEXT),
        parties=tuple(draw(st.permutations(parties))[:2]),
        commitments=tuple(draw(st.lists(commitments(parties), max_size=3))),
        window_start=window_start,
        window_days=draw(st.integers(1, 365)) if window == "days" else None,
        deadline=window_start + timedelta(days=draw(st.integers(1, 365))) if window == "deadline" else None,
    )


@st.composite
def accords_extended(
    draw: Any, *, accord_id: str, start: date = _START, end: date = _END, event_id: str | None = None
) -> AccordExtended:
    """An extension of ``accord_id`` to a deadline 1 to 365 days after its effective date."""
    base = draw(_base(start, end, event_id))
    deadline = base["effective"] + timedelta(days=draw(st.integers(1, 365)))
    return AccordExtended(**base, accord_id=accord_id, deadline=deadline)


@st.composite
def talks_scheduled(
    draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = _START,
    end: date = _END, talks_id: str | None = None, event_id: str | None = None,
) -> TalksScheduled:
    """Talks announced for 0 to 60 days after the announcement."""
    base = draw(_base(start, end, event_id))
    starts = base["effective"] + timedelta(days=draw(st.integers(0, 60)))
    return TalksScheduled(
        **base, talks_id=talks_id or draw(_IDS), venue=draw(_TEXT),
        parties=tuple(draw(st.permutations(parties))[:2]), starts=starts,
        ends=draw(st.none() | st.just(starts + timedelta(days=1))),
    )


@st.composite
def delegations_named(
    draw: Any, *, talks_id: str, parties: tuple[str, ...] = DEFAULT_PARTIES,
    start: date = _START, end: date = _END, event_id: str | None = None,
) -> DelegationNamed:
    """A delegation to ``talks_id``."""
    base = draw(_base(start, end, event_id))
    return DelegationNamed(
        **base, talks_id=talks_id, party=draw(party_codes(parties)),
        members=tuple(draw(st.lists(delegates(), min_size=1, max_size=3))),
    )


@st.composite
def talks_held(
    draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = _START,
    end: date = _END, talks_id: str | None = None, event_id: str | None = None,
) -> TalksHeld:
    """Talks that ended on the event's effective date, after 1 to 3 days."""
    base = draw(_base(start, end, event_id))
    return TalksHeld(
        **base, talks_id=talks_id or draw(_IDS), venue=draw(_TEXT),
        parties=tuple(draw(st.permutations(parties))[:2]),
        starts=base["effective"] - timedelta(days=draw(st.integers(0, 2))),
        ends=base["effective"], outcome=draw(st.just("") | _TEXT),
    )


@st.composite
def leaders_spoke(
    draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = _START,
    end: date = _END, event_id: str | None = None,
) -> LeadersSpoke:
    """A leaders' call or meeting."""
    base = draw(_base(start, end, event_id))
    return LeadersSpoke(
        **base, parties=tuple(draw(st.permutations(parties))[:2]),
        leaders=tuple(draw(st.lists(_TEXT, max_size=2))),
        mode=draw(st.sampled_from(ContactMode)), summary=draw(st.just("") | _TEXT),
    )


@st.composite
def export_controls_changed(
    draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = _START,
    end: date = _END, control_id: str | None = None, action: ControlAction | None = None,
    event_id: str | None = None,
) -> ExportControlChanged:
    """An export control imposed, suspended (maybe until a date) or lifted."""
    base = draw(_base(start, end, event_id))
    chosen = action or draw(st.sampled_from(ControlAction))
    until = None
    if chosen is ControlAction.SUSPENDED:
        until = draw(st.none() | _days(base["effective"] + timedelta(days=1), base["effective"] + timedelta(days=200)))
    return ExportControlChanged(
        **base, issuer=draw(party_codes(parties)), control_id=control_id or draw(_IDS),
        action=chosen, items=tuple(draw(st.lists(_TEXT, max_size=3))), until=until,
        description=draw(st.just("") | _TEXT),
    )


@st.composite
def licenses_approved(
    draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = _START,
    end: date = _END, event_id: str | None = None,
) -> LicensesApproved:
    """Licences approved: a count or unknown."""
    base = draw(_base(start, end, event_id))
    return LicensesApproved(
        **base, issuer=draw(party_codes(parties)), commodity=draw(_TEXT),
        count=draw(st.none() | st.integers(0, 10_000)),
    )


@st.composite
def trade_data_released(
    draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = _START,
    end: date = _END, event_id: str | None = None,
) -> TradeDataReleased:
    """A monthly trade release, changes in percent from -99.9 to +999.9."""
    base = draw(_base(start, end, event_id))
    change = st.decimals(min_value=Decimal("-99.9"), max_value=Decimal("999.9"), places=1)
    month = draw(st.integers(1, 12))
    return TradeDataReleased(
        **base, reporter=draw(party_codes(parties)),
        period=f"{base['effective'].year}-{month:02d}",
        exports_yoy=draw(change), imports_yoy=draw(change),
    )


@st.composite
def statements_issued(
    draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = _START,
    end: date = _END, event_id: str | None = None,
) -> StatementIssued:
    """A public statement."""
    base = draw(_base(start, end, event_id))
    return StatementIssued(**base, party=draw(party_codes(parties)), speaker=draw(_TEXT), summary=draw(_TEXT))


@st.composite
def logs(
    draw: Any,
    *,
    max_events: int = 40,
    parties: tuple[str, ...] = DEFAULT_PARTIES,
    start: date = _START,
    end: date = _END,
) -> list[AnyEvent]:
    """An internally consistent log of up to about ``max_events`` events, in fold order.

    Every reference points back in fold order: accords are reached before
    they are extended or implemented, talks scheduled before delegations are
    named, export controls imposed before they are suspended or lifted.
    Event ids are unique. Draws every event type the package exports.
    """
    out: list[AnyEvent] = []
    serial = iter(range(10**6))

    def next_id(kind: str) -> str:
        return f"{kind}-{next(serial)}"

    def later(day: date) -> date:
        return min(end, day + timedelta(days=draw(st.integers(1, 60))))

    free = {"parties": parties, "start": start, "end": end}
    for _ in range(draw(st.integers(0, max(0, max_events // 4)))):
        accord = draw(accords_reached(**free, accord_id=next_id("accord"), event_id=next_id("e")))
        out.append(accord)
        span = {"start": later(accord.effective), "end": end} if accord.effective < end else None
        if span and draw(st.booleans()):
            out.append(draw(accords_extended(accord_id=accord.accord_id, **span, event_id=next_id("e"))))
        if span and draw(st.booleans()):
            out.append(draw(tariffs_changed(parties=parties, **span, accord_id=accord.accord_id, event_id=next_id("e"))))
    for _ in range(draw(st.integers(0, max(0, max_events // 4)))):
        talks = draw(talks_scheduled(**free, talks_id=next_id("talks"), event_id=next_id("e")))
        out.append(talks)
        if talks.effective < end:
            span = {"start": later(talks.effective), "end": end}
            out.append(draw(delegations_named(talks_id=talks.talks_id, parties=parties, **span, event_id=next_id("e"))))
            if draw(st.booleans()):
                out.append(draw(talks_held(parties=parties, **span, talks_id=talks.talks_id, event_id=next_id("e"))))
    for _ in range(draw(st.integers(0, max(0, max_events // 8)))):
        control = draw(export_controls_changed(**free, control_id=next_id("control"), action=ControlAction.IMPOSED, event_id=next_id("e")))
        out.append(control)
        if control.effective < end and draw(st.booleans()):
            follow = draw(export_controls_changed(
                parties=parties, start=later(control.effective), end=end, control_id=control.control_id,
                action=draw(st.sampled_from([ControlAction.SUSPENDED, ControlAction.LIFTED])), event_id=next_id("e"),
            ))
            out.append(follow)
    free_kinds = st.sampled_from(
        [tariffs_changed, talks_held, leaders_spoke, licenses_approved, trade_data_released, statements_issued]
    )
    for _ in range(draw(st.integers(0, max(0, max_events // 2)))):
        kind = draw(free_kinds)
        out.append(draw(kind(**free, event_id=next_id("e"))))
    out.sort(key=lambda event: event.sort_key)
    return out
