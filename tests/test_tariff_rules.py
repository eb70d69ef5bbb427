"""The tariff rules (``negotiation/_tariffs.py``): one family of properties per rule, and worked examples."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import events
import negotiation
from events import Combination, Scope, TariffChanged, TariffQuota, strategies
from negotiation._tariffs import RULES, Reach

D = Decimal
DAY = date(2025, 6, 1)
AT = datetime(2025, 5, 1, tzinfo=UTC)
PRODUCTS = ("870323", "720851", "880240", "120190", "8703", "0302")
PARTIES = ("USA", "CHN", "EUU", "GBR")


def _layer(event_id: str, **fields) -> TariffChanged:
    defaults = {"effective": date(2025, 5, 1), "recorded": AT, "imposer": "USA", "target": "GBR",
                "measure": "S232-autos", "rate": D(25)}
    return TariffChanged(event_id=event_id, **{**defaults, **fields})


def _state(*log) -> negotiation.NegotiationState:
    return negotiation.replay(log, as_of=DAY)


def test_every_combination_has_a_rule():
    """Each member of events.Combination has exactly one rule, and it says whether it needs a base."""
    assert set(Combination) == set(RULES)
    assert {Combination.ADD: False, Combination.ALL_IN: True} == {c: rule.needs_base for c, rule in RULES.items()}


_RATES = st.decimals(min_value=0, max_value=300, places=3, allow_nan=False, allow_infinity=False)


@given(base=_RATES, level=_RATES.filter(lambda x: x > 0))
def test_a_lone_all_in_layer_is_the_higher_of_base_and_level(base, level):
    """duty == max(base, X) for a lone all-in layer, for any base and X."""
    state = _state(_layer("a", combination=Combination.ALL_IN, rate=level, measure="IEEPA-reciprocal"))
    assert max(base, level) == state.duty("USA", "GBR", "870323", base=base)
    assert max(D(0), level - base) == state.tariff_rate("USA", "GBR", base=base)


BASE = D("2.5")


def _breakdowns(state, base=BASE, quota="in"):
    return {(target, product): state.breakdown("USA", target, product, base=base, quota=quota)
            for target in PARTIES if target != "USA" for product in (None, *PRODUCTS)}


_APPLYING = (Reach.COUNTED, Reach.NEEDS_BASE, Reach.NEEDS_QUOTA)
_TERMS_LOGS = strategies.logs(max_events=30, parties=PARTIES, terms=True, revisions=False)
_DAYS = st.dates(date(2025, 1, 1), date(2026, 12, 31))


@given(log=_TERMS_LOGS, day=_DAYS)
def test_yielding_removes_exactly_the_yielding_contribution(log, day):
    """Without the Section 232 layers, a layer that yielded counts by its rule; every other contribution is unchanged."""
    state = negotiation.replay(log, as_of=day)
    without = attrs.evolve(state, layers={k: v for k, v in state.layers.items() if not k[2].startswith("S232")})
    before, after = _breakdowns(state), _breakdowns(without)
    for key, found in before.items():
        remaining = {c.layer.key: c for c in after[key].contributions}
        for contribution in found.contributions:
            if contribution.layer.measure.startswith("S232"):
                continue
            other = remaining[contribution.layer.key]
            if contribution.reach is Reach.YIELDS:
                assert other.reach is not Reach.YIELDS
                assert any(c.layer.measure.startswith("S232") and c.reach in _APPLYING for c in found.contributions)
            else:
                assert (contribution.reach, contribution.amount) == (other.reach, other.amount)
                if contribution.reach in _APPLYING and "S232" in contribution.layer.yields_to:
                    assert not any(c.layer.measure.startswith("S232") and c.reach in _APPLYING
                                   for c in found.contributions)


def _plain(found):
    """A breakdown's contributions without the layer records (which differ in their carve-outs)."""
    return [(c.layer.key, c.reach, c.rate, c.amount, c.reason) for c in found.contributions]


@given(log=_TERMS_LOGS, day=_DAYS)
def test_an_exempt_product_gets_nothing_from_that_layer_and_others_are_unchanged(log, day):
    """A carve-out zeroes its layer on the products under it and changes no other product's answer."""
    state = negotiation.replay(log, as_of=day)
    carved = {key: layer for key, layer in state.layers.items() if layer.exempt}
    uncarved = attrs.evolve(state, layers={k: attrs.evolve(v, exempt=()) if k in carved else v
                                           for k, v in state.layers.items()})
    before, after = _breakdowns(state), _breakdowns(uncarved)
    for (target, product), found in before.items():
        under = [layer for layer in carved.values() if product and any(product.startswith(p) for p in layer.exempt)]
        if not under:
            assert _plain(found) == _plain(after[(target, product)])
        for contribution in found.contributions:
            if contribution.layer in under:
                assert contribution.reach in (Reach.EXEMPT_PARTNER, Reach.REPLACED, Reach.EXEMPT_PRODUCT)
                assert D(0) == contribution.amount


@given(log=_TERMS_LOGS, day=_DAYS)
def test_out_of_quota_equals_the_answer_without_the_quota(log, day):
    """quota="out" gives what the same layers give with their quota removed."""
    state = negotiation.replay(log, as_of=day)
    plain = attrs.evolve(state, layers={k: attrs.evolve(v, quota=None) for k, v in state.layers.items()})
    for key, found in _breakdowns(state, quota="out").items():
        assert found.summary() == _breakdowns(plain, quota=None)[key].summary()


@given(log=_TERMS_LOGS, extra=st.lists(strategies.instruments_changed(parties=PARTIES), max_size=4),
       day=_DAYS, known=st.none() | st.datetimes(datetime(2024, 12, 1), datetime(2027, 1, 1), timezones=st.just(UTC)))
def test_instruments_never_change_a_duty(log, extra, day, known):
    """Adding announced or adopted instruments (threats, deals, orders) changes no duty on any date at any known-at."""
    added = [attrs.evolve(e, instrument_id=f"x-{i}", event_id=f"x-{i}",
                          action=random.Random(i).choice([events.InstrumentAction.ANNOUNCED,
                                                          events.InstrumentAction.ADOPTED]), until=None)
             for i, e in enumerate(extra)]
    before = negotiation.replay(log, as_of=day, known_at=known)
    after = negotiation.replay([*log, *added], as_of=day, known_at=known)
    assert {k: b.summary() for k, b in _breakdowns(before).items()} == {
        k: b.summary() for k, b in _breakdowns(after).items()}


@given(log=_TERMS_LOGS, day=_DAYS, seed=st.integers(0, 2**32))
def test_input_order_never_matters_with_terms(log, day, seed):
    """Any order of a log with rule terms folds to the same state and the same answers."""
    shuffled = list(log)
    random.Random(seed).shuffle(shuffled)
    first, second = negotiation.replay(log, as_of=day), negotiation.replay(shuffled, as_of=day)
    assert first.digest == second.digest
    assert {k: b.summary() for k, b in _breakdowns(first).items()} == {
        k: b.summary() for k, b in _breakdowns(second).items()}


@given(log=strategies.logs(max_events=30, parties=("USA", "CHN", "EUU")), day=_DAYS)
def test_additive_logs_add_up_as_before(log, day):
    """Logs with additive layers only: the total is the plain sum of the applied rates of the pair's covering layers."""
    state = negotiation.replay(log, as_of=day)
    for imposer in ("USA", "CHN", "EUU"):
        for target in ("USA", "CHN", "EUU"):
            if imposer == target:
                continue
            for product in (None, *PRODUCTS):
                covering = [layer.applied_rate for layer in state.layers.values()
                            if (layer.imposer, layer.target) == (imposer, target)
                            and (layer.scope.covers(product) if product else layer.scope.all_goods)]
                assert sum(covering, D(0)) == state.tariff_rate(imposer, target, product)


def test_a_quota_layer_needs_a_quota_choice():
    """With quota=None where a counted layer has a quota, QueryError names the quota; in and out give their rates."""
    quota = events.QuotaSet(event_id="q", effective=date(2025, 5, 1), recorded=AT, quota_id="uk-cars",
                            imposer="USA", target="GBR", scope=Scope(hs=("8703",)), unit="vehicles",
                            periods=(events.QuotaPeriod(start=date(2025, 5, 1), end=date(2025, 12, 31),
                                                        volume=D(65205)),))
    state = _state(quota, _layer("l", scope=Scope(hs=("8703",)), quota=TariffQuota(quota_id="uk-cars",
                                                                                   in_quota_rate=D("7.5"))))
    with pytest.raises(negotiation.QueryError, match="uk-cars"):
        state.tariff_rate("USA", "GBR", "870323")
    assert (D("7.5"), D(25), D(0)) == (state.tariff_rate("USA", "GBR", "870323", quota="in"),
                                       state.tariff_rate("USA", "GBR", "870323", quota="out"),
                                       state.tariff_rate("USA", "GBR", "870421"))
    assert (D(65205), "vehicles") == (state.quotas["uk-cars"].period_on(DAY).volume, state.quotas["uk-cars"].unit)


def test_two_layers_yielding_to_each_other_are_an_inconsistent_log():
    """A yields to B's measure and B to A's on one product: InconsistentEventError, whatever the input order."""
    a = _layer("a", measure="IEEPA-reciprocal", rate=D(10), yields_to=("S232",))
    b = _layer("b", measure="S232-autos", scope=Scope(hs=("8703",)), yields_to=("IEEPA",))
    for log in ([a, b], [b, a]):
        with pytest.raises(negotiation.InconsistentEventError, match="yields"):
            _state(*log).tariff_rate("USA", "GBR", "870323")
        assert D(10) == _state(*log).tariff_rate("USA", "GBR", "120190")


def test_a_duty_never_assumes_a_base_of_zero():
    """duty without a base given or recorded raises; tariff_rate of additive layers needs none."""
    state = _state(_layer("a", measure="S301", rate=D(25)))
    with pytest.raises(negotiation.QueryError, match="base"):
        state.duty("USA", "GBR", "847130")
    assert (D(25), D(27)) == (state.tariff_rate("USA", "GBR", "847130"), state.duty("USA", "GBR", "847130", base=D(2)))


def test_bad_base_and_quota_arguments_are_refused():
    """base must be a non-negative Decimal; quota 'in', 'out' or None."""
    state = _state(_layer("a"))
    for kwargs in ({"base": 2.5}, {"base": D(-1)}, {"base": D("NaN")}, {"quota": "inside"}):
        with pytest.raises(negotiation.QueryError):
            state.tariff_rate("USA", "GBR", "870323", **kwargs)


def test_a_bloc_layer_reaches_its_members_on_the_day():
    """A layer on EUU counts for DEU once DEU is a member; never for a non-member."""
    members = events.BlocMembersSet(event_id="m", effective=date(2025, 5, 10), recorded=AT, bloc="EUU",
                                    members=("DEU", "FRA"))
    layer = _layer("a", target="EUU", measure="S301", rate=D(10))
    assert D(0) == negotiation.replay([members, layer], as_of=date(2025, 5, 9)).tariff_rate("USA", "DEU")
    state = _state(members, layer)
    assert (D(10), D(0)) == (state.tariff_rate("USA", "DEU"), state.tariff_rate("USA", "GBR"))


def test_a_named_partner_replaces_the_every_partner_layer_of_the_same_measure():
    """EO 14257's country rate takes the place of the 10 % baseline; removing it brings the baseline back."""
    baseline = _layer("w", target="WLD", measure="IEEPA-reciprocal", rate=D(10))
    country = _layer("c", target="EUU", measure="IEEPA-reciprocal", rate=D(20), effective=date(2025, 5, 2))
    removed = _layer("r", target="EUU", measure="IEEPA-reciprocal", rate=D(0), effective=date(2025, 5, 3))
    assert [D(10), D(20), D(10)] == [negotiation.replay([baseline, country, removed], as_of=day).tariff_rate("USA", "EUU")
                                     for day in (date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 3))]


def test_exempt_partners_and_carve_outs():
    """Steel at 50 % on every partner but the UK; EU aircraft carved out of the reciprocal layer."""
    steel = _layer("s", target="WLD", measure="S232-steel", rate=D(50), scope=Scope(hs=("72",)), exempt_parties=("GBR",))
    eu = _layer("e", target="EUU", measure="IEEPA-reciprocal", rate=D(15), combination=Combination.ALL_IN,
                exempt=("8802",), yields_to=("S232",))
    state = _state(steel, eu)
    assert (D(0), D(50), D(0), D("12.5")) == (
        state.tariff_rate("USA", "GBR", "720851"), state.tariff_rate("USA", "EUU", "720851"),
        state.tariff_rate("USA", "EUU", "880240", base=D(0)), state.tariff_rate("USA", "EUU", "847130", base=D("2.5")))
    with pytest.raises(events.EventValidationError, match="exempt"):
        _layer("x", scope=Scope(hs=("8703",)), exempt=("8802",))


def test_instrument_clock_lapses_and_suspensions():
    """A threat lapses on its start date; a suspension ends on its date unless renewed; neither is a rate."""
    base = {"issuer": "USA", "kind": events.InstrumentKind.THREAT, "legal_status": events.LegalStatus.NO_LEGAL_EFFECT,
            "title": "50 % threat", "recorded": AT}
    threat = events.InstrumentChanged(event_id="t", instrument_id="t", effective=date(2025, 5, 23),
                                      action=events.InstrumentAction.ANNOUNCED, starts=date(2025, 6, 1),
                                      rate=D(50), target="EUU", **base)
    moved = attrs.evolve(threat, event_id="t2", effective=date(2025, 5, 25), starts=date(2025, 7, 9))
    statuses = [negotiation.replay([threat, moved], as_of=day).instruments["t"].status.value
                for day in (date(2025, 5, 24), date(2025, 6, 1), date(2025, 7, 9))]
    assert ["announced", "announced", "lapsed"] == statuses
    assert statuses == [s.instruments["t"].status.value for d, s in negotiation.timeline(
        [threat, moved], date(2025, 5, 24), date(2025, 7, 9)) if d in (date(2025, 5, 24), date(2025, 6, 1), date(2025, 7, 9))]
    assert {} == dict(negotiation.replay([threat, moved], as_of=date(2025, 7, 9)).layers)


def test_references_ahead_in_valid_time_need_the_referent_recorded_first():
    """A retroactive layer may implement a later accord recorded no later than it; one recorded after is refused."""
    accord = events.AccordReached(event_id="acc", effective=date(2025, 8, 21), recorded=datetime(2025, 8, 21, tzinfo=UTC),
                                  accord_id="framework", title="Joint statement", parties=("USA", "EUU"))
    retro = _layer("autos", target="EUU", effective=date(2025, 8, 1), recorded=datetime(2025, 9, 25, tzinfo=UTC),
                   accord_id="framework", rate=D(15), combination=Combination.ALL_IN)
    assert D("12.5") == negotiation.replay([accord, retro], as_of=date(2025, 8, 10)).tariff_rate(
        "USA", "EUU", "870323", base=D("2.5"))
    early = attrs.evolve(retro, recorded=datetime(2025, 8, 20, tzinfo=UTC))
    with pytest.raises(negotiation.UnknownReferenceError, match="framework"):
        negotiation.replay([accord, early], as_of=date(2025, 8, 10))
    assert 1 == len(negotiation.find_problems([accord, early]))
    state = negotiation.replay([accord], as_of=date(2025, 8, 10))
    assert D("12.5") == negotiation.apply(state, retro).tariff_rate("USA", "EUU", "870323", base=D("2.5"))


def test_version_2_terms_round_trip_and_old_readers_are_protected():
    """A layer with terms is written as v2 and read back equal; a v1 line holding a v2 term is refused."""
    layer = _layer("t", combination=Combination.ALL_IN, exempt_parties=("CHN",), yields_to=("S301",))
    line = events.to_dict(layer)
    assert (2, layer) == (line["v"], events.from_dict(line))
    assert 1 == events.to_dict(_layer("plain"))["v"] and "exempt" not in events.to_dict(_layer("plain"))
    for bad in ({**line, "v": 1}, {**events.to_dict(_layer("plain")), "combination": "all-in"}):
        with pytest.raises(events.DecodeError):
            events.from_dict(bad)
