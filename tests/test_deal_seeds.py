"""Figures of the 2025 US–EU, US–Japan and US–UK deals a person can check in ../shared/facts/more-2025.md."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import events
import negotiation
from negotiation._cli import main

D = Decimal
DEALS = ("us-eu.jsonl", "us-japan.jsonl", "us-uk.jsonl")


@pytest.fixture(scope="module")
def logs(seeds_dir):
    return {name.split("-")[1].removesuffix(".jsonl"): events.read_jsonl(seeds_dir / name) for name in DEALS}


def _on(log, day, known_at=None):
    return negotiation.replay(log, as_of=date.fromisoformat(day), known_at=known_at)


def test_eu_all_in_fifteen(logs):
    """EO 14326 from 2025-08-07: an EU good pays the higher of its MFN rate or 15 % (E13)."""
    state = _on(logs["eu"], "2025-08-08")
    assert (D(15), D(20)) == (state.duty("USA", "EUU", base=D("2.5")), state.duty("USA", "EUU", base=D(20)))
    assert D(15) == state.duty("USA", "DEU", "847130", base=D("2.5")), "a member state pays its bloc's layers"
    with pytest.raises(negotiation.QueryError, match="base"):
        state.duty("USA", "EUU", "940360")


def test_eu_before_the_deal(logs):
    """EU goods: 20 % on 2025-04-09 only, then the 10 % baseline until EO 14326 (E1, E3, E13)."""
    rates = [_on(logs["eu"], day).tariff_rate("USA", "EUU") for day in ("2025-04-08", "2025-04-09", "2025-04-10", "2025-08-06")]
    assert [D(10), D(20), D(10), D(10)] == rates


def test_eu_steel_pays_section_232_and_no_reciprocal(logs):
    """EU steel on 2025-08-08: 50 % Section 232, the reciprocal layer yields (HTS 9903.01.33)."""
    state = _on(logs["eu"], "2025-08-08")
    assert D(50) == state.tariff_rate("USA", "EUU", "720851")
    assert D(50) == state.duty("USA", "EUU", "720851", base=D(0))


def test_eu_autos_all_in_retroactive_to_august_first(logs):
    """E17: EU cars at 15 % all-in from 2025-08-01, as known now; 27.5 % as known before the notice."""
    assert D("27.5") == _on(logs["eu"], "2025-07-31").duty("USA", "EUU", "870323")
    assert D(15) == _on(logs["eu"], "2025-08-01").duty("USA", "EUU", "870323")
    before_notice = datetime(2025, 9, 1, tzinfo=UTC)
    assert D("27.5") == _on(logs["eu"], "2025-08-20", before_notice).duty("USA", "EUU", "870323")


def test_eu_aircraft_carved_out_from_september(logs):
    """E17: civil aircraft pay MFN only from 2025-09-01."""
    assert D(15) == _on(logs["eu"], "2025-08-31").tariff_rate("USA", "EUU", "880240", base=D(0))
    assert D(0) == _on(logs["eu"], "2025-09-02").tariff_rate("USA", "EUU", "880240", base=D(0))


def test_uk_car_quota(logs):
    """EO 14309 and CBP's guidance: a UK car pays 10 % in quota, 27.5 % out of quota, from 2025-06-30 (U4, U5)."""
    state = _on(logs["uk"], "2025-07-01")
    assert (D(10), D("27.5")) == (state.duty("USA", "GBR", "870323", quota="in"),
                                  state.duty("USA", "GBR", "870323", quota="out"))
    with pytest.raises(negotiation.QueryError, match="quota"):
        state.duty("USA", "GBR", "870323")
    periods = [(p.start, p.end, p.volume) for p in state.quotas["us-gbr-autos-trq"].periods]
    assert (date(2025, 6, 30), date(2025, 12, 31), D(65205)) == periods[0]
    assert D(25) == state.tariff_rate("USA", "GBR", "870421"), "light trucks are not in the quota"


def test_uk_steel_stays_at_25(logs):
    """Procl. 10947: 50 % for everyone but the UK, which stays at 25 % (U3, U6)."""
    assert D(25) == _on(logs["uk"], "2025-07-10").tariff_rate("USA", "GBR", "720851")


def test_japanese_cars(logs):
    """J3, J9: Japanese cars 27.5 % in all until 2025-09-15, 15 % all-in from 2025-09-16."""
    assert D("27.5") == _on(logs["japan"], "2025-09-15").duty("USA", "JPN", "870323")
    assert D(15) == _on(logs["japan"], "2025-09-16").duty("USA", "JPN", "870323")


def test_japan_stacked_then_all_in_retroactively(logs):
    """J6, J8: 15 % stacked as known on 2025-08-20; all-in from 2025-08-07 as known now (EO 14345)."""
    known = datetime(2025, 8, 20, tzinfo=UTC)
    assert D("17.5") == _on(logs["japan"], "2025-08-20", known).duty("USA", "JPN", base=D("2.5"))
    assert D(15) == _on(logs["japan"], "2025-08-20").duty("USA", "JPN", base=D("2.5"))


def test_threats_lapse_and_never_count(logs):
    """E5, E6, E10, E11, E14: threats lapse on their dates and never count; the EUR 93 bn package is adopted, then suspended."""
    state = _on(logs["eu"], "2025-08-02")
    assert {"us-eu-threat-50": "lapsed", "us-eu-letter-30": "lapsed"} == {
        key: state.instruments[key].status.value for key in ("us-eu-threat-50", "us-eu-letter-30")}
    assert D(10) == state.tariff_rate("USA", "EUU")
    assert "adopted" == state.instruments["eu-ir-2025-1564"].status.value
    suspended = _on(logs["eu"], "2025-08-08").instruments["eu-ir-2025-1564"]
    assert ("suspended", date(2026, 2, 7), D(93_000_000_000)) == (
        suspended.status.value, suspended.until, suspended.value.amount)


def test_all_seed_logs_together(seeds_dir):
    """The four logs replay together: shared measures are identical and applied once; no problem found."""
    together = [event for name in (*DEALS, "us-china.jsonl") for event in events.read_jsonl(seeds_dir / name)]
    assert () == negotiation.find_problems(together)
    state = negotiation.replay(together, as_of=date(2025, 9, 16))
    assert (D(30), D(15), D(10)) == (state.tariff_rate("USA", "CHN"), state.duty("USA", "JPN", "870323"),
                                     state.duty("USA", "GBR", "870323", quota="in"))


def test_every_deal_event_cites_a_source_with_a_url(logs):
    """Every event of the three deal logs has a source with a URL."""
    assert [] == [e.event_id for log in logs.values() for e in log if e.source is None or not e.source.url]


def test_cli_shows_base_contributions_and_reasons(capsys, seeds_dir):
    """replay and explain show the base, each layer's contribution, and why a layer counts zero."""
    log = str(seeds_dir / "us-eu.jsonl")
    assert 0 == main(["replay", log, "--as-of", "2025-08-08"])
    text = capsys.readouterr().out
    assert "depends on the base (MFN) rate" in text and "replaced by the IEEPA-reciprocal layer on EUU" in text
    assert "USA HS 8703: 2.5 %" in text
    assert 0 == main(["explain", log, "--as-of", "2025-08-08", "--imposer", "USA", "--target", "EUU",
                      "--product", "870323", "--base", "2.5"])
    text = capsys.readouterr().out
    assert "= 12.5 additional; duty 15 with the base 2.5" in text
    assert "base (MFN): 2.5; given with the query" in text
    assert "yields to S232-autos (us-eu-autos-15-all-in): counts 0" in text
    assert "base 2.5, adds 12.5" in text
    assert 0 == main(["explain", str(seeds_dir / "us-uk.jsonl"), "--as-of", "2025-07-01", "--imposer", "USA",
                      "--target", "GBR", "--product", "870323", "--quota", "out"])
    assert "= 25 additional; duty 27.5 with the base 2.5" in capsys.readouterr().out
