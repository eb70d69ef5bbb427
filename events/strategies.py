"""Hypothesis strategies for every event and value type, and for whole logs.

For testing code built on this library::

    from hypothesis import given
    from events import strategies

    @given(strategies.logs(max_events=30))
    def test_my_report_never_crashes(log): ...

Every strategy takes keyword-only bounds: ``parties`` (alpha-3 codes to draw
from), ``start`` and ``end`` (the range of effective dates, inclusive).
Requires the ``test`` extra (``pip install 'negotiation-state[test]'``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from typing import Any

import attrs

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised without hypothesis only
    raise ImportError(
        "events.strategies needs hypothesis: install the 'test' extra, "
        "e.g. pip install 'negotiation-state[test]'"
    ) from exc

from ._revisions import AnyEvent, EventCorrected, EventRetracted
from ._values import (
    Amount,
    Combination,
    Commitment,
    ControlAction,
    Delegate,
    InstrumentAction,
    InstrumentKind,
    LegalStatus,
    QuotaPeriod,
    Scope,
    Source,
    Suspension,
    TariffQuota,
)
from ._vocabulary import (
    EVERY_PARTNER,
    AccordExtended,
    AccordReached,
    BaseRateSet,
    BlocMembersSet,
    ContactMode,
    DelegationNamed,
    Event,
    ExportControlChanged,
    ExportLicencesApproved,
    InstrumentChanged,
    LeadersSpoke,
    LogReviewed,
    QuotaSet,
    RulingIssued,
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
    "base_rates_set",
    "bloc_members_set",
    "commitments",
    "delegates",
    "delegations_named",
    "events_corrected",
    "events_retracted",
    "export_controls_changed",
    "hs_codes",
    "instruments_changed",
    "leaders_spoke",
    "licenses_approved",
    "logs",
    "logs_reviewed",
    "quotas_set",
    "rates",
    "rulings_issued",
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

START = date(2025, 1, 1)
END = date(2026, 12, 31)

# Strategies built once: building strategies inside draws is what makes
# composite strategies slow.
_OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5)),
     timezone(timedelta(hours=5, minutes=30))]
)
_RECORDED_SECONDS = st.integers(-30 * 86_400, 10 * 86_400)
_MICROSECONDS = st.sampled_from([0, 0, 1, 500_000, 999_999])
_IDS = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_TEXT = st.text(st.sampled_from("abcxyz ABC-'.é中文🤝"), min_size=1, max_size=8).filter(str.strip)
_NOTE = st.just("") | _TEXT
_RATE = st.decimals(min_value=0, max_value=200, places=4, allow_nan=False, allow_infinity=False)
_CHANGE = st.decimals(min_value=Decimal("-99.9"), max_value=Decimal("999.9"), places=1)
_HS = st.sampled_from([2, 4, 6]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
_HS_CODES = st.sampled_from([2, 4, 6, 8, 10]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
_SCOPE = st.just(Scope()) | st.lists(_HS, min_size=1, max_size=3).map(lambda hs: Scope(hs=tuple(hs)))
_MEASURES = st.sampled_from(["IEEPA-fentanyl", "IEEPA-reciprocal", "S301", "CN-counter-reciprocal"])
_TERMS_MEASURES = st.sampled_from(["IEEPA-reciprocal", "S301", "S232-autos", "S232-steel"])
_OUTSIDERS = ("DEU", "FRA", "ITA", "NLD")
"""Member states drawn for blocs in logs without tariff terms: never among the drawn parties."""
_VOLUME = st.decimals(min_value=0, max_value=1_000_000, places=0, allow_nan=False, allow_infinity=False)
_SOURCE = st.none() | st.builds(
    Source, publisher=_TEXT, title=_TEXT, url=st.none() | st.just("https://example.org/a"),
    published=st.none() | st.dates(START, END),
)
_DELEGATE = st.builds(Delegate, name=_TEXT, office=_TEXT, leads=st.booleans())


def rates() -> st.SearchStrategy[Decimal]:
    """Ad valorem rates in percent: finite decimals from 0 to 200, up to four places."""
    return _RATE


def hs_codes() -> st.SearchStrategy[str]:
    """HS codes in canonical form: 2, 4, 6, 8 or 10 ASCII digits (what :func:`events.is_hs_code` accepts)."""
    return _HS_CODES



def scopes() -> st.SearchStrategy[Scope]:
    """All goods, or one to three HS prefixes of 2, 4 or 6 digits."""
    return _SCOPE


def sources() -> st.SearchStrategy[Source | None]:
    """``None`` or a citation."""
    return _SOURCE


def commitments(parties: tuple[str, ...] = DEFAULT_PARTIES) -> st.SearchStrategy[Commitment]:
    """A commitment of one of ``parties``."""
    return st.builds(Commitment, party=st.sampled_from(parties), text=_TEXT)


def delegates() -> st.SearchStrategy[Delegate]:
    """A member of a delegation."""
    return _DELEGATE


@st.composite
def suspensions(draw: Any, *, rate: Decimal = Decimal(34), start: date = START, end: date = END) -> Suspension:
    """A suspension below ``rate`` (percent) ending between ``start`` and ``end``."""
    return Suspension(rate=_below(draw, rate), until=_day(draw, start, end))


def _below(draw: Any, rate: Decimal) -> Decimal:
    share: int = draw(st.integers(0, 99))
    return (rate * share / 100).quantize(Decimal("0.0001"), ROUND_DOWN)


def _day(draw: Any, start: date, end: date) -> date:
    return start + timedelta(days=draw(st.integers(0, max(0, (end - start).days))))


def _pair(draw: Any, parties: tuple[str, ...]) -> tuple[str, str]:
    first = draw(st.sampled_from(parties))
    second = draw(st.sampled_from([p for p in parties if p != first]))
    return first, second


def _base(draw: Any, start: date, end: date, event_id: str | None,
          recorded_from: datetime | None = None) -> dict[str, Any]:
    effective = _day(draw, start, end)
    midnight = datetime.combine(effective, time(), UTC)
    recorded = midnight + timedelta(seconds=draw(_RECORDED_SECONDS), microseconds=draw(_MICROSECONDS))
    if recorded_from is not None:
        recorded = max(recorded, recorded_from)
    recorded = recorded.astimezone(draw(_OFFSETS))
    return {
        "event_id": event_id or draw(_IDS),
        "effective": effective,
        "recorded": recorded,
        "source": draw(_SOURCE),
        "note": draw(_NOTE),
    }


def _tariff(draw: Any, parties: tuple[str, ...], start: date, end: date,
            accord_id: str | None, event_id: str | None, referent: Event | None = None,
            layer: tuple[str, str, str, Scope] | None = None, terms: bool = False,
            quotas: tuple[QuotaSet, ...] = ()) -> TariffChanged:
    base = _base(draw, start, end, event_id, referent.recorded if referent else None)
    if layer is not None:
        imposer, target = layer[:2]
    elif terms and draw(st.integers(0, 4)) == 0:
        imposer, target = draw(st.sampled_from(parties)), EVERY_PARTNER
    else:
        imposer, target = _pair(draw, parties)
    rate = draw(st.just(Decimal(0)) | _RATE)
    measure = layer[2] if layer is not None else draw(_TERMS_MEASURES if terms else _MEASURES)
    scope = layer[3] if layer is not None else draw(_SCOPE)
    extra: dict[str, Any] = {}
    if terms and rate > 0:
        extra = _terms(draw, parties, imposer, target, measure, scope, rate, base, quotas)
    suspension = None
    if rate > 0 and "quota" not in extra and draw(st.booleans()):
        suspension = Suspension(
            rate=_below(draw, rate),
            until=base["effective"] + timedelta(days=draw(st.integers(1, 200))),
        )
    return TariffChanged(
        **base, imposer=imposer, target=target, rate=rate, measure=measure, scope=scope,
        suspension=suspension, accord_id=accord_id, **extra,
    )


def _terms(draw: Any, parties: tuple[str, ...], imposer: str, target: str, measure: str, scope: Scope,
           rate: Decimal, base: dict[str, Any], quotas: tuple[QuotaSet, ...]) -> dict[str, Any]:
    """Version-2 terms of a layer: all-in, carve-outs inside the scope, exempt partners, precedence, a quota.

    Only layers of other measures yield, and only to Section 232, so no two
    layers yield to each other.
    """
    terms: dict[str, Any] = {"combination": draw(st.sampled_from(Combination))}
    prefixes = scope.hs or ("",)
    carve = draw(st.lists(st.tuples(st.sampled_from(prefixes), st.text("0123456789", min_size=2, max_size=2)),
                          max_size=2))
    terms["exempt"] = tuple(prefix + digits for prefix, digits in carve if len(prefix) < 10)
    others = [party for party in parties if party not in (imposer, target)]
    terms["exempt_parties"] = tuple(draw(st.lists(st.sampled_from(others), max_size=2, unique=True))) if others else ()
    if not measure.startswith("S232") and draw(st.booleans()):
        terms["yields_to"] = ("S232",)
    usable = [q for q in quotas if q.recorded <= base["recorded"] and (q.imposer, q.target) == (imposer, target)]
    if usable and rate > 0 and draw(st.booleans()):
        terms["quota"] = TariffQuota(quota_id=draw(st.sampled_from(usable)).quota_id, in_quota_rate=_below(draw, rate))
    return terms


def _base_rate(draw: Any, parties: tuple[str, ...], start: date, end: date, event_id: str | None) -> BaseRateSet:
    base = _base(draw, start, end, event_id)
    hs = draw(st.lists(_HS, min_size=1, max_size=3))
    return BaseRateSet(**base, imposer=draw(st.sampled_from(parties)), scope=Scope(hs=tuple(hs)),
                       rate=draw(st.decimals(min_value=0, max_value=40, places=2)))


def _quota(draw: Any, parties: tuple[str, ...], start: date, end: date, quota_id: str | None,
           event_id: str | None) -> QuotaSet:
    base = _base(draw, start, end, event_id)
    first = _day(draw, start, end)
    periods = []
    for _ in range(draw(st.integers(1, 3))):
        last = first + timedelta(days=draw(st.integers(0, 365)))
        periods.append(QuotaPeriod(start=first, end=last, volume=draw(_VOLUME)))
        first = last + timedelta(days=1)
    imposer, target = _pair(draw, parties)
    return QuotaSet(**base, quota_id=quota_id or draw(_IDS), imposer=imposer, target=target,
                    scope=Scope(hs=tuple(draw(st.lists(_HS, min_size=1, max_size=2)))),
                    unit=draw(st.sampled_from(["vehicles", "tonnes"])), periods=tuple(periods))


def _instrument(draw: Any, parties: tuple[str, ...], start: date, end: date, instrument_id: str | None,
                action: InstrumentAction | None, event_id: str | None, referent: Event | None = None) -> InstrumentChanged:
    base = _base(draw, start, end, event_id, referent.recorded if referent else None)
    chosen = action or draw(st.sampled_from(InstrumentAction))
    later = st.integers(0, 200).map(lambda days: base["effective"] + timedelta(days=days))
    issuer = referent.issuer if isinstance(referent, InstrumentChanged) else draw(st.sampled_from(parties))
    return InstrumentChanged(
        **base, instrument_id=instrument_id or draw(_IDS), issuer=issuer,
        target=draw(st.none() | st.sampled_from([p for p in parties if p != issuer])),
        kind=draw(st.sampled_from(InstrumentKind)),
        legal_status=draw(st.sampled_from(LegalStatus)), action=chosen, title=draw(_TEXT),
        starts=draw(st.none() | later) if chosen in (InstrumentAction.ANNOUNCED, InstrumentAction.ADOPTED) else None,
        until=(base["effective"] + timedelta(days=draw(st.integers(1, 200)))
               if chosen is InstrumentAction.SUSPENDED and draw(st.booleans()) else None),
        rate=draw(st.none() | _RATE),
        value=draw(st.none() | st.builds(Amount, amount=_VOLUME, unit=st.sampled_from(["EUR", "USD"]))),
        description=draw(_NOTE),
    )


def _ruling(draw: Any, parties: tuple[str, ...], start: date, end: date, event_id: str | None) -> RulingIssued:
    base = _base(draw, start, end, event_id)
    return RulingIssued(
        **base, ruling_id=draw(_IDS), court=draw(_TEXT), case=draw(_TEXT), holding=draw(_TEXT),
        imposer=draw(st.sampled_from(parties)),
        measures=tuple(draw(st.lists(st.sampled_from(["IEEPA", "S122", "S301", "S232"]), min_size=1, max_size=2,
                                     unique=True))),
        unlawful=draw(st.booleans()), relief_for_all=draw(st.booleans()), refunds=draw(st.booleans()),
    )


def _review(draw: Any, start: date, end: date, event_id: str | None) -> LogReviewed:
    base = _base(draw, start, end, event_id)
    return LogReviewed(**base, reviewed_through=base["effective"] - timedelta(days=draw(st.integers(0, 200))),
                       covers=tuple(draw(st.lists(st.sampled_from(DEFAULT_PARTIES), max_size=2, unique=True))))


def _bloc(draw: Any, parties: tuple[str, ...], start: date, end: date, event_id: str | None,
          terms: bool) -> BlocMembersSet:
    base = _base(draw, start, end, event_id)
    # With terms, one bloc code only: a partner in two blocs, or a bloc inside a bloc, has no combination rule.
    bloc = ("EUU" if "EUU" in parties else parties[-1]) if terms else draw(st.sampled_from(parties))
    pool = [p for p in (*parties, *_OUTSIDERS) if p != bloc] if terms else list(_OUTSIDERS)
    members = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    return BlocMembersSet(**base, bloc=bloc, members=tuple(members))


def _accord(draw: Any, parties: tuple[str, ...], start: date, end: date,
            accord_id: str | None, event_id: str | None) -> AccordReached:
    base = _base(draw, start, end, event_id)
    window_start = base["effective"] + timedelta(days=draw(st.integers(0, 5)))
    window = draw(st.sampled_from(["days", "deadline", "open"]))
    pair = _pair(draw, parties)
    return AccordReached(
        **base, accord_id=accord_id or draw(_IDS), title=draw(_TEXT), parties=pair,
        commitments=tuple(
            Commitment(party=draw(st.sampled_from(pair)), text=draw(_TEXT))
            for _ in range(draw(st.integers(0, 3)))
        ),
        window_start=window_start,
        window_days=draw(st.integers(1, 365)) if window == "days" else None,
        deadline=window_start + timedelta(days=draw(st.integers(1, 365))) if window == "deadline" else None,
    )


def _extension(draw: Any, accord_id: str, start: date, end: date, event_id: str | None,
               referent: AccordReached | None = None) -> AccordExtended:
    base = _base(draw, start, end, event_id, referent.recorded if referent else None)
    current = referent.window_closes if referent and referent.window_closes else base["effective"]
    deadline = max(current, base["effective"]) + timedelta(days=draw(st.integers(1, 365)))
    return AccordExtended(**base, accord_id=accord_id, deadline=deadline)


def _scheduled(draw: Any, parties: tuple[str, ...], start: date, end: date,
               talks_id: str | None, event_id: str | None) -> TalksScheduled:
    base = _base(draw, start, end, event_id)
    starts = base["effective"] + timedelta(days=draw(st.integers(0, 60)))
    return TalksScheduled(
        **base, talks_id=talks_id or draw(_IDS), venue=draw(_TEXT), parties=_pair(draw, parties),
        starts=starts, ends=starts + timedelta(days=1) if draw(st.booleans()) else None,
    )


def _delegation(draw: Any, talks_id: str, parties: tuple[str, ...], start: date, end: date,
                event_id: str | None, referent: Event | None = None) -> DelegationNamed:
    base = _base(draw, start, end, event_id, referent.recorded if referent else None)
    return DelegationNamed(
        **base, talks_id=talks_id, party=draw(st.sampled_from(parties)),
        members=tuple(draw(st.lists(_DELEGATE, min_size=1, max_size=3, unique_by=lambda d: d.name))),
    )


def _held(draw: Any, parties: tuple[str, ...], start: date, end: date,
          talks_id: str | None, event_id: str | None) -> TalksHeld:
    base = _base(draw, start, end, event_id)
    return TalksHeld(
        **base, talks_id=talks_id or draw(_IDS), venue=draw(_TEXT), parties=_pair(draw, parties),
        starts=base["effective"] - timedelta(days=draw(st.integers(0, 2))),
        ends=base["effective"], outcome=draw(_NOTE),
    )


def _control(draw: Any, parties: tuple[str, ...], start: date, end: date, control_id: str | None,
             action: ControlAction | None, event_id: str | None, referent: Event | None = None) -> ExportControlChanged:
    base = _base(draw, start, end, event_id, referent.recorded if referent else None)
    chosen = action or draw(st.sampled_from(ControlAction))
    until = None
    if chosen is ControlAction.SUSPENDED and draw(st.booleans()):
        until = base["effective"] + timedelta(days=draw(st.integers(1, 200)))
    return ExportControlChanged(
        **base, issuer=draw(st.sampled_from(parties)), control_id=control_id or draw(_IDS),
        action=chosen, items=tuple(draw(st.lists(_TEXT, max_size=3))), until=until,
        description=draw(_NOTE),
    )


def _leaders(draw: Any, parties: tuple[str, ...], start: date, end: date, event_id: str | None) -> LeadersSpoke:
    base = _base(draw, start, end, event_id)
    return LeadersSpoke(
        **base, parties=_pair(draw, parties), leaders=tuple(draw(st.lists(_TEXT, max_size=2))),
        mode=draw(st.sampled_from(ContactMode)), summary=draw(_NOTE),
    )


def _licences(draw: Any, parties: tuple[str, ...], start: date, end: date, event_id: str | None) -> ExportLicencesApproved:
    base = _base(draw, start, end, event_id)
    return ExportLicencesApproved(
        **base, issuer=draw(st.sampled_from(parties)), items=tuple(draw(st.lists(_TEXT, min_size=1, max_size=3))),
        count=draw(st.none() | st.integers(0, 10_000)),
    )


def _trade(draw: Any, parties: tuple[str, ...], start: date, end: date, event_id: str | None) -> TradeDataReleased:
    base = _base(draw, start, end, event_id)
    return TradeDataReleased(
        **base, reporter=draw(st.sampled_from(parties)),
        period=f"{base['effective'].year}-{draw(st.integers(1, base['effective'].month)):02d}",
        exports_yoy=draw(_CHANGE), imports_yoy=draw(_CHANGE),
    )


def _statement(draw: Any, parties: tuple[str, ...], start: date, end: date, event_id: str | None) -> StatementIssued:
    base = _base(draw, start, end, event_id)
    return StatementIssued(**base, party=draw(st.sampled_from(parties)), speaker=draw(_TEXT), summary=draw(_TEXT))


@st.composite
def tariffs_changed(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                    end: date = END, accord_id: str | None = None) -> TariffChanged:
    """A ``TariffChanged`` between two of ``parties``: sometimes a removal (rate 0), sometimes suspended."""
    return _tariff(draw, parties, start, end, accord_id, None)


@st.composite
def accords_reached(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                    end: date = END) -> AccordReached:
    """An ``AccordReached`` with a window in days, an explicit deadline, or open-ended."""
    return _accord(draw, parties, start, end, None, None)


@st.composite
def accords_extended(draw: Any, *, accord_id: str, start: date = START, end: date = END) -> AccordExtended:
    """An extension of ``accord_id`` to a deadline 1 to 365 days after its effective date.

    To extend a particular accord consistently (to a deadline after its
    current one), use :func:`logs`.
    """
    return _extension(draw, accord_id, start, end, None)


@st.composite
def talks_scheduled(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                    end: date = END) -> TalksScheduled:
    """Talks announced for 0 to 60 days after the announcement."""
    return _scheduled(draw, parties, start, end, None, None)


@st.composite
def delegations_named(draw: Any, *, talks_id: str, parties: tuple[str, ...] = DEFAULT_PARTIES,
                      start: date = START, end: date = END) -> DelegationNamed:
    """A delegation of one to three members to ``talks_id``."""
    return _delegation(draw, talks_id, parties, start, end, None)


@st.composite
def talks_held(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
               end: date = END) -> TalksHeld:
    """Talks of one to three days that ended on the event's effective date."""
    return _held(draw, parties, start, end, None, None)


@st.composite
def leaders_spoke(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                  end: date = END) -> LeadersSpoke:
    """A leaders' call or meeting."""
    return _leaders(draw, parties, start, end, None)


@st.composite
def export_controls_changed(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                            end: date = END, action: ControlAction | None = None) -> ExportControlChanged:
    """An export control imposed, suspended (until a date or indefinitely) or lifted."""
    return _control(draw, parties, start, end, None, action, None)


@st.composite
def licenses_approved(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                      end: date = END) -> ExportLicencesApproved:
    """Licences approved: a count from 0 to 10,000, or unknown."""
    return _licences(draw, parties, start, end, None)


@st.composite
def trade_data_released(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                        end: date = END) -> TradeDataReleased:
    """A monthly release for a month of the release's year that has begun; changes in percent from -99.9 to +999.9."""
    return _trade(draw, parties, start, end, None)


@st.composite
def statements_issued(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                      end: date = END) -> StatementIssued:
    """A public statement."""
    return _statement(draw, parties, start, end, None)


@st.composite
def base_rates_set(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                   end: date = END) -> BaseRateSet:
    """A base (MFN) rate from 0 to 40 percent on one to three HS prefixes."""
    return _base_rate(draw, parties, start, end, None)


@st.composite
def quotas_set(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
               end: date = END) -> QuotaSet:
    """A tariff-rate quota of one to three consecutive periods."""
    return _quota(draw, parties, start, end, None, None)


@st.composite
def instruments_changed(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                        end: date = END, action: InstrumentAction | None = None) -> InstrumentChanged:
    """An instrument announced, adopted, suspended or lifted (to use one consistently, see :func:`logs`)."""
    return _instrument(draw, parties, start, end, None, action, None)


@st.composite
def bloc_members_set(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                     end: date = END) -> BlocMembersSet:
    """A bloc (``EUU`` if among ``parties``, else the last party) and one to four members (other parties or outsiders)."""
    return _bloc(draw, parties, start, end, None, True)


@st.composite
def rulings_issued(draw: Any, *, parties: tuple[str, ...] = DEFAULT_PARTIES, start: date = START,
                   end: date = END) -> RulingIssued:
    """A court ruling on one or two measure families of one of ``parties``."""
    return _ruling(draw, parties, start, end, None)


@st.composite
def logs_reviewed(draw: Any, *, start: date = START, end: date = END) -> LogReviewed:
    """A review of a log's sources, through a day up to 200 days before the review."""
    return _review(draw, start, end, None)


_UNREFERENCED = (TalksHeld, LeadersSpoke, ExportLicencesApproved, TradeDataReleased, StatementIssued,
                 BaseRateSet, BlocMembersSet, RulingIssued, LogReviewed)


def _corrected_content(draw: Any, fact: Any) -> Any:
    """A changed version of ``fact`` that keeps every reference in the log valid."""
    if isinstance(fact, TariffChanged):
        changes: dict[str, Any] = {"rate": fact.rate + draw(st.integers(1, 50))}
        if fact.accord_id is None and fact.suspension is None:
            changes["effective"] = max(START, fact.effective - timedelta(days=draw(st.integers(0, 10))))
        return attrs.evolve(fact, **changes)
    return attrs.evolve(fact, note=fact.note + " (corrected)")


def _correction(draw: Any, fact: Any, event_id: str, after: datetime) -> EventCorrected:
    recorded = max(after, fact.recorded) + timedelta(hours=draw(st.integers(1, 24 * 60)))
    return EventCorrected(
        event_id=event_id, effective=recorded.date(), recorded=recorded, corrects=fact.event_id,
        replacement=_corrected_content(draw, fact), note=draw(_NOTE),
    )


@st.composite
def events_corrected(draw: Any, *, fact: Any) -> EventCorrected:
    """A correction of ``fact`` (a changed rate or note), recorded after it."""
    return _correction(draw, fact, draw(_IDS), fact.recorded)


@st.composite
def events_retracted(draw: Any, *, target: Any) -> EventRetracted:
    """A retraction of ``target`` (a fact or a correction), recorded after it."""
    recorded = target.recorded + timedelta(hours=draw(st.integers(1, 24 * 60)))
    return EventRetracted(event_id=draw(_IDS), effective=recorded.date(), recorded=recorded, retracts=target.event_id)


def _without_ties(events: list[AnyEvent]) -> list[AnyEvent]:
    """Move a tariff change that would tie another (same layer, day and recorded instant) a microsecond later."""
    seen: set[tuple[Any, ...]] = set()
    kept: list[AnyEvent] = []
    for event in events:
        if isinstance(event, TariffChanged):
            while (key := (*event.layer_key, event.effective, event.recorded)) in seen:
                event = attrs.evolve(event, recorded=event.recorded + timedelta(microseconds=1))
            seen.add(key)
        kept.append(event)
    return kept


@st.composite
def logs(draw: Any, *, max_events: int = 40, parties: tuple[str, ...] = DEFAULT_PARTIES,
         start: date = START, end: date = END, revisions: bool = True, terms: bool = False) -> list[AnyEvent]:
    """An internally consistent log of at most about ``max_events`` events, in fold order.

    Every reference points back in fold order (to a strictly earlier
    effective date) and in transaction time (recorded no earlier than its
    referent, so every known-at replay succeeds); an extension moves a
    deadline later: accords are reached before they are extended or
    implemented, talks scheduled before delegations are named or they are
    held, export controls imposed before they are suspended or lifted.
    Event ids are unique. Every event type the package exports can appear.
    With ``revisions`` (the default), some facts are corrected (sometimes
    twice: a correction of the correction) and some facts or corrections
    retracted; only facts nothing refers to are retracted.

    Base rates, quotas, instruments and blocs appear in every log, but
    without ``terms`` every layer is additive (version 1) and blocs have
    members outside ``parties``, so tariffs fold as additive layers. With
    ``terms``, layers draw the version-2 terms (all-in, carve-outs, exempt
    partners, yielding to Section 232, quotas of the log), every-partner
    (``WLD``) targets, and blocs whose members are among ``parties``.
    """
    if len(parties) < 2:
        raise ValueError("logs() needs at least two parties")
    out: list[AnyEvent] = []
    serial = iter(range(10**9))

    def new_id(kind: str) -> str:
        return f"{kind}-{next(serial)}"

    def after(day: date) -> date | None:
        return None if day >= end else min(end, day + timedelta(days=draw(st.integers(1, 60))))

    quarter = max(0, max_events // 4)
    for _ in range(draw(st.integers(0, quarter))):
        accord = _accord(draw, parties, start, end, new_id("accord"), new_id("e"))
        out.append(accord)
        if accord.window_closes and (later := after(accord.effective)) and draw(st.booleans()):
            out.append(_extension(draw, accord.accord_id, later, end, new_id("e"), accord))
        if (later := after(accord.effective)) and draw(st.booleans()):
            out.append(_tariff(draw, parties, later, end, accord.accord_id, new_id("e"), accord))
    for _ in range(draw(st.integers(0, quarter))):
        talks = _scheduled(draw, parties, start, end, new_id("talks"), new_id("e"))
        out.append(talks)
        if later := after(talks.effective):
            out.append(_delegation(draw, talks.talks_id, parties, later, end, new_id("e"), talks))
            if draw(st.booleans()):
                out.append(_held(draw, parties, later, end, talks.talks_id, new_id("e")))
    for _ in range(draw(st.integers(0, max(0, max_events // 8)))):
        control = _control(draw, parties, start, end, new_id("control"), ControlAction.IMPOSED, new_id("e"))
        out.append(control)
        if (later := after(control.effective)) and draw(st.booleans()):
            action = draw(st.sampled_from([ControlAction.SUSPENDED, ControlAction.LIFTED]))
            out.append(_control(draw, parties, later, end, control.control_id, action, new_id("e"), control))
    for _ in range(draw(st.integers(0, max(0, max_events // 8)))):
        kind = draw(st.sampled_from(["base", "quota", "instrument", "bloc", "ruling", "review"]))
        if kind == "ruling":
            out.append(_ruling(draw, parties, start, end, new_id("e")))
        elif kind == "review":
            out.append(_review(draw, start, end, new_id("e")))
        elif kind == "base":
            out.append(_base_rate(draw, parties, start, end, new_id("e")))
        elif kind == "quota":
            out.append(_quota(draw, parties, start, end, new_id("quota"), new_id("e")))
        elif kind == "bloc":
            out.append(_bloc(draw, parties, start, end, new_id("e"), terms))
        else:
            instrument = _instrument(draw, parties, start, end, new_id("instrument"),
                                     draw(st.sampled_from([InstrumentAction.ANNOUNCED, InstrumentAction.ADOPTED])),
                                     new_id("e"))
            out.append(instrument)
            if (later := after(instrument.effective)) and draw(st.booleans()):
                action = draw(st.sampled_from([InstrumentAction.SUSPENDED, InstrumentAction.LIFTED]
                                              if instrument.action is InstrumentAction.ADOPTED
                                              else [InstrumentAction.LIFTED]))
                out.append(_instrument(draw, parties, later, end, instrument.instrument_id, action, new_id("e"),
                                       instrument))
    quotas = tuple(e for e in out if isinstance(e, QuotaSet))
    for quota in quotas if terms else ():
        if (later := after(quota.effective)) and draw(st.booleans()):
            layer = (quota.imposer, quota.target, draw(_TERMS_MEASURES), quota.scope)
            out.append(_tariff(draw, parties, later, end, None, new_id("e"), quota, layer=layer, terms=True,
                               quotas=(quota,)))
    for _ in range(draw(st.integers(0, max(0, max_events // 2)))):
        kind = draw(st.sampled_from(["tariff", "held", "leaders", "licences", "trade", "statement"]))
        if kind == "tariff":
            layers = [e.layer_key for e in out if isinstance(e, TariffChanged)
                      and set(e.layer_key[:2]) <= {*parties, EVERY_PARTNER}]
            again = draw(st.sampled_from(layers)) if layers and draw(st.booleans()) else None
            out.append(_tariff(draw, parties, start, end, None, new_id("e"), layer=again, terms=terms, quotas=quotas))
        elif kind == "held":
            out.append(_held(draw, parties, start, end, None, new_id("e")))
        elif kind == "leaders":
            out.append(_leaders(draw, parties, start, end, new_id("e")))
        elif kind == "licences":
            out.append(_licences(draw, parties, start, end, new_id("e")))
        elif kind == "trade":
            out.append(_trade(draw, parties, start, end, new_id("e")))
        else:
            out.append(_statement(draw, parties, start, end, new_id("e")))
    out = _without_ties(out)
    if revisions and out:
        for _ in range(draw(st.integers(0, max(0, max_events // 8)))):
            fact = draw(st.sampled_from(out[: len(out)]))
            if isinstance(fact, (EventCorrected, EventRetracted)):
                continue
            correction = _correction(draw, fact, new_id("fix"), fact.recorded)
            out.append(correction)
            if draw(st.booleans()):
                out.append(_correction(draw, fact, new_id("fix"), correction.recorded))
        retractable = [e for e in out if isinstance(e, (*_UNREFERENCED, EventCorrected))]
        for target in draw(st.lists(st.sampled_from(retractable), max_size=2, unique_by=id)) if retractable else []:
            recorded = target.recorded + timedelta(hours=draw(st.integers(1, 24 * 60)))
            out.append(EventRetracted(
                event_id=new_id("retract"), effective=recorded.date(), recorded=recorded, retracts=target.event_id,
            ))
    out.sort(key=lambda event: event.sort_key)
    return out
