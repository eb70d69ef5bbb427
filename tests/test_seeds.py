"""Figures a person can check in the seed sources (../shared/facts, the seed article)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import events
import negotiation
from negotiation import AccordStatus, TalksStatus

D = date.fromisoformat


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-02-03", "0"),
        ("2025-02-04", "10"),
        ("2025-03-04", "20"),
        ("2025-04-05", "30"),
        ("2025-04-09", "104"),
        ("2025-04-10", "145"),
        ("2025-05-13", "145"),
        ("2025-05-14", "30"),
        ("2025-06-09", "30"),
        ("2025-08-12", "30"),
        ("2025-11-09", "30"),
        ("2025-11-10", "20"),
    ],
)
def test_us_all_goods_rate_on_china(us_china, day, expected):
    """The US IEEPA total on Chinese goods follows the facts sheet's derived table."""
    state = negotiation.replay(us_china, as_of=D(day))
    assert Decimal(expected) == state.tariff_rate("USA", "CHN")


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2025-04-09", "0"), ("2025-04-10", "84"), ("2025-04-11", "84"), ("2025-04-12", "125"),
     ("2025-05-14", "10"), ("2025-11-10", "10")],
)
def test_china_all_goods_rate_on_us(us_china, day, expected):
    """China's all-goods countermeasure: 84 on 04-10, 125 from 04-12, 10 from 05-14."""
    state = negotiation.replay(us_china, as_of=D(day))
    assert Decimal(expected) == state.tariff_rate("CHN", "USA")


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2025-03-09", "0"), ("2025-03-10", "10"), ("2025-04-12", "135"), ("2025-05-14", "20"),
     ("2025-11-10", "10")],
)
def test_china_rate_on_us_soybeans(us_china, day, expected):
    """Worked check of the facts sheet: China on US soybeans (HS 1201)."""
    state = negotiation.replay(us_china, as_of=D(day))
    assert Decimal(expected) == state.tariff_rate("CHN", "USA", "120190")


def test_superseded_34_never_in_force(us_china):
    """The announced US 34 % of April never applies: 04-08 is 30, 04-09 is 104."""
    rates = {
        day: negotiation.replay(us_china, as_of=D(day)).tariff_rate("USA", "CHN")
        for day in ("2025-04-08", "2025-04-09")
    }
    assert {"2025-04-08": Decimal(30), "2025-04-09": Decimal(104)} == rates


def test_layers_on_london_talks_day(us_china):
    """On 2025-06-09 the 30 % is fentanyl 20 + reciprocal 10 (34 with 24 suspended)."""
    state = negotiation.replay(us_china, as_of=D("2025-06-09"))
    layers = {
        layer.measure: (layer.applied_rate, layer.rate, layer.suspension.until if layer.suspension else None)
        for layer in state.tariff_layers("USA", "CHN")
    }
    assert {
        "IEEPA-fentanyl": (Decimal(20), Decimal(20), None),
        "IEEPA-reciprocal": (Decimal(10), Decimal(34), D("2025-08-12")),
    } == layers


def test_snap_back_without_the_august_extension(us_china):
    """Without EO 14334 the suspended 24 points return on 2025-08-12: 54, not 30."""
    without = [e for e in us_china if e.event_id != "us-ieepa-reciprocal-2025-08"]
    assert Decimal(54) == negotiation.replay(without, as_of=D("2025-08-12")).tariff_rate("USA", "CHN")
    assert Decimal(30) == negotiation.replay(us_china, as_of=D("2025-08-12")).tariff_rate("USA", "CHN")


def test_geneva_accord_window(us_china):
    """The May accord: reached 05-12, window from 05-14, deadline 08-12, 64 days left on 06-09."""
    state = negotiation.replay(us_china, as_of=D("2025-06-09"))
    accord = state.accords["geneva-2025"]
    assert (D("2025-05-12"), D("2025-05-14"), D("2025-08-12"), AccordStatus.ACTIVE) == (
        accord.reached, accord.window_start, accord.deadline, accord.status
    )
    assert 64 == state.days_remaining("geneva-2025")


def test_geneva_accord_pending_before_commitments_take_effect(us_china):
    """Between the statement (05-12) and 05-14 the accord is reached but its window not open."""
    state = negotiation.replay(us_china, as_of=D("2025-05-13"))
    assert AccordStatus.PENDING == state.accords["geneva-2025"].status
    assert 91 == state.days_remaining("geneva-2025")


def test_geneva_accord_extended_twice(us_china):
    """Extended to 2025-11-10 (EO 14334), then to 2026-11-10 (EO 14358); never lapsed."""
    deadlines = {
        day: negotiation.replay(us_china, as_of=D(day)).accords["geneva-2025"].deadline
        for day in ("2025-08-11", "2025-08-12", "2025-11-10")
    }
    assert {
        "2025-08-11": D("2025-08-12"),
        "2025-08-12": D("2025-11-10"),
        "2025-11-10": D("2026-11-10"),
    } == deadlines


def test_accord_lapses_on_deadline_without_extension(us_china):
    """Without the extensions, the accord has lapsed on its deadline with 0 days left."""
    without = [e for e in us_china if not isinstance(e, events.AccordExtended)]
    state = negotiation.replay(without, as_of=D("2025-08-12"))
    assert (AccordStatus.LAPSED, 0) == (state.accords["geneva-2025"].status, state.days_remaining("geneva-2025"))


def test_london_talks_scheduled_with_delegations(london):
    """The article: London talks on Monday 2025-06-09; Bessent, Lutnick, Greer; He Lifeng."""
    state = negotiation.replay(london, as_of=D("2025-06-09"))
    talks = state.talks["london-2025-06"]
    names = {party: [m.name for m in members] for party, members in talks.delegations.items()}
    assert (TalksStatus.SCHEDULED, D("2025-06-09"), "London") == (talks.status, talks.starts, talks.venue)
    assert {"USA": ["Scott Bessent", "Howard Lutnick", "Jamieson Greer"], "CHN": ["He Lifeng"]} == names


def test_london_article_rates_and_data(london):
    """The article's figures: US 30 %, China 10 %, May exports +4.8 %, imports -3.4 %."""
    state = negotiation.replay(london, as_of=D("2025-06-09"))
    release = state.trade_data["CHN"]
    assert (Decimal(30), Decimal(10)) == (state.tariff_rate("USA", "CHN"), state.tariff_rate("CHN", "USA"))
    assert ("2025-05", Decimal("4.8"), Decimal("-3.4")) == (release.period, release.exports_yoy, release.imports_yoy)
    assert [None] == [approval.count for approval in state.licence_approvals]


def test_london_talks_held_in_full_log(us_china):
    """In the full log, the London talks are held on 06-10 and scheduled on 06-09."""
    statuses = [
        negotiation.replay(us_china, as_of=D(day)).talks["london-2025-06"].status
        for day in ("2025-06-09", "2025-06-10")
    ]
    assert [TalksStatus.SCHEDULED, TalksStatus.HELD] == statuses


def test_rare_earth_controls_suspended_in_november(us_china):
    """MOFCOM No. 70 suspends the October controls from 2025-11-07 to 2026-11-10."""
    before = negotiation.replay(us_china, as_of=D("2025-11-06")).export_controls["mofcom-2025-55-62"]
    after = negotiation.replay(us_china, as_of=D("2025-11-07")).export_controls["mofcom-2025-55-62"]
    resumed = negotiation.replay(us_china, as_of=D("2026-11-10")).export_controls["mofcom-2025-55-62"]
    assert [negotiation.ControlStatus.IN_FORCE, negotiation.ControlStatus.SUSPENDED, negotiation.ControlStatus.IN_FORCE] == [
        before.status, after.status, resumed.status
    ]
    assert D("2026-11-10") == after.suspended_until


def test_known_at_before_the_geneva_statement(us_china):
    """Known at 2025-05-13T12:00Z, as of 05-13: 145, with the cut to 30 scheduled for 05-14."""
    known_at = datetime(2025, 5, 13, 12, tzinfo=UTC)
    state = negotiation.replay(us_china, as_of=D("2025-05-13"), known_at=known_at)
    scheduled = {
        e.event_id: e.effective for e in state.scheduled.values() if isinstance(e, events.TariffChanged)
    }
    assert Decimal(145) == state.tariff_rate("USA", "CHN")
    assert D("2025-05-14") == scheduled["us-ieepa-reciprocal-geneva"]


def test_every_seed_event_cites_a_source(us_china, london):
    """Every event in both seed logs has a source citation."""
    assert [] == [e.event_id for e in (*us_china, *london) if e.source is None]


def test_shared_events_identical_in_both_seeds(us_china, london):
    """An event id in both seed logs names the same content in both."""
    full = {e.event_id: e for e in us_china}
    assert [] == [e.event_id for e in london if full.get(e.event_id) != e]
