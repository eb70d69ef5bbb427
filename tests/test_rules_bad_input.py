"""Bad input to the tariff rules, one test per class found by a breaking session and a fresh user.

Each refused input is refused with a clear error, never answered with a number.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

import events
import negotiation
from events import Combination, InstrumentAction, Scope, TariffChanged, TariffQuota
from negotiation._cli import main

D = Decimal
AT = datetime(2025, 1, 1, tzinfo=UTC)
DAY = date(2025, 6, 1)


def _t(event_id, **fields):
    base = {"effective": date(2025, 1, 1), "recorded": AT, "imposer": "USA", "target": "GBR", "measure": "A",
            "rate": D(10)}
    return TariffChanged(event_id=event_id, **{**base, **fields})


def _quota(**fields):
    base = {"event_id": "q", "effective": date(2025, 1, 1), "recorded": AT, "quota_id": "q", "imposer": "USA",
            "target": "GBR", "scope": Scope(hs=("8703",)), "unit": "vehicles",
            "periods": (events.QuotaPeriod(start=date(2025, 1, 1), end=date(2025, 12, 31), volume=D(100)),)}
    return events.QuotaSet(**{**base, **fields})


def _bloc(event_id, bloc, members):
    return events.BlocMembersSet(event_id=event_id, effective=date(2025, 1, 1), recorded=AT, bloc=bloc,
                                 members=members)


def _instrument(event_id, action, **fields):
    base = {"effective": date(2025, 1, 1), "recorded": AT, "instrument_id": "i", "issuer": "USA",
            "kind": events.InstrumentKind.THREAT, "legal_status": events.LegalStatus.NO_LEGAL_EFFECT, "title": "t"}
    return events.InstrumentChanged(event_id=event_id, action=action, **{**base, **fields})


@pytest.mark.parametrize("log", [
    [_t("a", measure="A", yields_to=("B",)), _t("b", measure="B", yields_to=("A",))],
    [_t("a", measure="A", yields_to=("B",)), _t("b", measure="B", yields_to=("C",)), _t("c", measure="C", yields_to=("A",))],
], ids=["two", "three"])
def test_yield_cycles_of_any_length_are_inconsistent(log):
    """A cycle of layers yielding to each other: validate reports it, and a query raises instead of answering 0."""
    problems = negotiation.find_problems(log)
    assert 1 <= len(problems) and all(isinstance(p, negotiation.InconsistentEventError) for p in problems)
    with pytest.raises(negotiation.InconsistentEventError, match="all goods"):
        negotiation.replay(log, as_of=DAY).tariff_rate("USA", "GBR")


def test_a_query_of_a_party_on_itself_is_refused(capsys, tmp_path):
    """imposer == target is a QueryError (exit 2 on the command line), never a number."""
    state = negotiation.replay([_t("a")], as_of=DAY)
    with pytest.raises(negotiation.QueryError, match="other than the imposer"):
        state.duty("USA", "USA", base=D(2))
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, [_t("a")])
    assert 2 == main_code(["explain", str(path), "--as-of", "2025-06-01", "--imposer", "USA", "--target", "USA"])


def main_code(argv):
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def test_a_product_outside_the_quota_pays_the_full_rate():
    """A layer on chapter 87 with a quota on 8703: a light truck is outside the quota, whatever the choice."""
    log = [_quota(), _t("l", measure="S232-autos", rate=D(25), scope=Scope(hs=("87",)),
                         quota=TariffQuota(quota_id="q", in_quota_rate=D("7.5")))]
    state = negotiation.replay(log, as_of=DAY)
    assert (D(25), D(25), D("7.5")) == (state.tariff_rate("USA", "GBR", "870421"),
                                        state.tariff_rate("USA", "GBR", "870421", quota="in"),
                                        state.tariff_rate("USA", "GBR", "870323", quota="in"))


def test_no_in_quota_rate_outside_the_quota_periods():
    """quota='in' on a day no period covers raises; 'out' still answers."""
    log = [_quota(), _t("l", rate=D(25), scope=Scope(hs=("8703",)), quota=TariffQuota(quota_id="q", in_quota_rate=D(1)))]
    state = negotiation.replay(log, as_of=date(2027, 1, 1))
    with pytest.raises(negotiation.QueryError, match="no period of quota q"):
        state.tariff_rate("USA", "GBR", "870323", quota="in")
    assert D(25) == state.tariff_rate("USA", "GBR", "870323", quota="out")


def test_a_quota_of_another_pair_is_inconsistent():
    """A layer on GBR naming a quota on JPN: refused in fold order, and reported when the quota comes later."""
    layer = _t("l", scope=Scope(hs=("8703",)), quota=TariffQuota(quota_id="q", in_quota_rate=D(1)))
    with pytest.raises(negotiation.InconsistentEventError, match="quota"):
        negotiation.replay([_quota(target="JPN", effective=date(2024, 12, 1)), layer], as_of=DAY)
    same_day = negotiation.replay([_quota(target="JPN"), layer], as_of=DAY)
    with pytest.raises(negotiation.InconsistentEventError, match="quota"):
        same_day.tariff_rate("USA", "GBR", "870323", quota="in")
    later = _quota(target="JPN", effective=date(2025, 3, 1))
    assert ["quota.quota_id"] == [p.field for p in negotiation.find_problems([later, layer])]


def test_exempt_partners_only_on_layers_that_reach_through_a_bloc_or_every_partner():
    """A layer on FRA itself is not exempted by naming FRA's bloc."""
    log = [_bloc("b", "EUU", ("FRA",)), _t("a", target="FRA", rate=D(25), exempt_parties=("EUU",))]
    assert D(25) == negotiation.replay(log, as_of=DAY).tariff_rate("USA", "FRA")


def test_blocs_are_one_level_and_a_partner_in_two_blocs_has_no_rule():
    """A bloc inside a bloc is reported; one measure reaching a partner through two blocs raises."""
    nested = [_bloc("b", "EUU", ("FRA",)), _bloc("c", "XXX", ("EUU",))]
    assert ["members"] == [p.field for p in negotiation.find_problems(nested)]
    twice = [_bloc("b", "EUU", ("FRA",)), _bloc("c", "XXX", ("FRA",)),
             _t("e", target="EUU", rate=D(20)), _t("x", target="XXX", rate=D(30))]
    with pytest.raises(negotiation.InconsistentEventError, match="through"):
        negotiation.replay(twice, as_of=DAY).tariff_rate("USA", "FRA")
    for bad in ({"bloc": "WLD", "members": ("FRA",)}, {"bloc": "EUU", "members": ("WLD",)}):
        with pytest.raises(events.EventValidationError):
            _bloc("z", bad["bloc"], bad["members"])


def test_only_an_instrument_in_force_can_be_suspended():
    """Suspending an announced threat is inconsistent (it would read 'adopted' once the suspension ends); so is another issuer."""
    announced = _instrument("a", InstrumentAction.ANNOUNCED, starts=date(2025, 8, 1))
    suspended = _instrument("s", InstrumentAction.SUSPENDED, effective=date(2025, 2, 1), until=date(2025, 3, 1))
    with pytest.raises(negotiation.InconsistentEventError, match="in force or suspended"):
        negotiation.replay([announced, suspended], as_of=DAY)
    other = _instrument("o", InstrumentAction.ADOPTED, effective=date(2025, 2, 1), issuer="CHN")
    with pytest.raises(negotiation.InconsistentEventError, match="issuer"):
        negotiation.replay([announced, other], as_of=DAY)


def test_computed_figures_are_canonical():
    """A base given as 2.50 and a duty computed from it print as 2.5 and 15, in rows and in explain."""
    log = [_t("a", measure="IEEPA-reciprocal", rate=D(15), combination=Combination.ALL_IN)]
    (row,) = negotiation.tariff_series(log, DAY, DAY, imposer="USA", target="GBR", base=D("2.50"))
    assert ("2.5", "15", "12.5") == (str(row["base"]), str(row["duty"]), str(row["total"]))
    explanation = negotiation.explain(negotiation.replay(log, as_of=DAY), imposer="USA", target="GBR", base=D("2.50"))
    assert "12.5 additional; duty 15 with the base 2.5" == explanation.answer


@pytest.mark.parametrize("base", [D("1E+40"), D("999999999999999999999999999.5"), D("1E-30"), D(-1), D("NaN"), 2.5])
def test_a_base_outside_the_documented_bounds_is_refused(base):
    """A base above 1,000,000 %, below 0, with more than 6 places, or not a Decimal: QueryError, never a rounded answer."""
    state = negotiation.replay([_t("a")], as_of=DAY)
    with pytest.raises(negotiation.QueryError, match="base"):
        state.duty("USA", "GBR", base=base)


def test_a_version_2_line_without_version_2_terms_is_refused(seeds_dir):
    """It would be written back as version 1, changing its bytes and the chain: the reader asks for "v": 1."""
    line = json.loads(next(line for line in (seeds_dir / "us-china.jsonl").read_text().splitlines()
                           if '"TariffChanged"' in line))
    line.pop("hash")
    with pytest.raises(events.DecodeError, match='"v": 1'):
        events.from_dict({**line, "v": 2, "exempt": [], "exempt_parties": [], "yields_to": [], "quota": None,
                          "ends": None})


@pytest.mark.parametrize(("make", "field"), [
    (lambda: _t("a", scope=Scope(hs=("8802",)), exempt=("8802",)), "exempt"),
    (lambda: _t("a", rate=D(0), yields_to=("S232",)), "rate"),
    (lambda: _t("a", imposer="WLD"), "imposer"),
    (lambda: _instrument("i", InstrumentAction.ANNOUNCED, target="USA"), "target"),
    (lambda: events.BaseRateSet(event_id="b", effective=DAY, recorded=AT, imposer="WLD", scope=Scope(hs=("8703",)),
                                rate=D(1)), "imposer"),
], ids=["exempt-is-the-scope", "removal-with-terms", "imposer-WLD", "instrument-on-its-issuer", "base-of-WLD"])
def test_events_that_say_nothing_or_contradict_themselves_are_refused(make, field):
    """Each such event is refused at construction, naming the field."""
    with pytest.raises(events.EventValidationError) as caught:
        make()
    assert field == caught.value.field


def test_every_pair_timeline_says_what_a_total_needs(capsys, tmp_path):
    """Without a pair, a total that needs a quota choice says so (not 'needs base'); a pair with no layer of its own
    that day still gets every partner's layers, never a default 0."""
    log = [_quota(scope=Scope()), _t("tq", quota=TariffQuota(quota_id="q", in_quota_rate=D(1))),
           _t("w", target="WLD", measure="B", rate=D(10)), _t("j", target="JPN", measure="C", rate=D(5),
                                                                effective=date(2025, 1, 2))]
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, log)
    assert 0 == main(["timeline", str(path), "--from", "2025-01-01", "--to", "2025-01-02", "--format", "csv"])
    rows = capsys.readouterr().out.splitlines()
    assert ["date,projected,USA on GBR,USA on JPN,USA on WLD", "2025-01-01,False,needs --quota,10,10",
            "2025-01-02,True,needs --quota,15,10"] == rows  # recorded 2025-01-01: the 2nd is a projection


def test_cli_names_its_options_when_a_rule_needs_more(capsys, seeds_dir):
    """A missing quota choice is reported as --quota, not as a Python argument."""
    code = main_code(["plot", str(seeds_dir / "us-uk.jsonl"), "--from", "2025-07-01", "--to", "2025-07-01",
                      "--imposer", "USA", "--target", "GBR", "--product", "870323", "-o", "x.png"])
    assert (2, "give --quota in or --quota out") == (code, capsys.readouterr().err.strip().rsplit("; ", 1)[-1])


def test_schema_refuses_what_the_new_types_refuse():
    """A base rate on all goods and a quota without periods are refused by the schema as by the library."""
    import jsonschema
    validator = jsonschema.Draft202012Validator(events.json_schema())
    base = events.to_dict(events.BaseRateSet(event_id="b", effective=DAY, recorded=AT, imposer="USA",
                                             scope=Scope(hs=("8703",)), rate=D(1)))
    quota = events.to_dict(_quota())
    assert [] == list(validator.iter_errors(base)) + list(validator.iter_errors(quota))
    assert list(validator.iter_errors({**base, "scope": "all"}))
    assert list(validator.iter_errors({**quota, "periods": []}))
    assert attrs.has(events.QuotaSet)
