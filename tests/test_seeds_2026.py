"""The record runs to today: figures of 2025-11 to 2026-12 a person can check in the cited sources.

The facts are those of the team's fact sheet for 2025-11-10 to 2026-12-01
(the IEEPA ruling, Section 122, the forced-labour Section 301); each event
cites its source.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import events
import negotiation
from negotiation._cli import main

D = Decimal
LOGS = ("us-china.jsonl", "us-eu.jsonl", "us-japan.jsonl", "us-uk.jsonl", "london-talks-2025.jsonl")


def _on(log, day, known_at=None):
    return negotiation.replay(log, as_of=date.fromisoformat(day), known_at=known_at)


@pytest.mark.parametrize(("day", "expected"), [
    ("2025-12-01", "20"),  # fentanyl 10 (from 2025-11-10) + reciprocal 10 (34 with 24 suspended)
    ("2026-02-23", "20"),
    ("2026-02-24", "10"),  # CBP stops both IEEPA layers; Section 122 at 10 (Proclamation 11012)
    ("2026-03-01", "10"),
    ("2026-07-23", "10"),
    ("2026-07-24", "12.5"),  # Section 122 ends by statute; the forced-labour Section 301 at 12.5
    ("2026-08-01", "12.5"),
])
def test_us_additional_duty_on_a_generic_chinese_good(us_china, day, expected):
    """The US additional duty on Chinese goods (all goods) through 2026."""
    assert D(expected) == _on(us_china, day).tariff_rate("USA", "CHN")


def test_known_at_before_the_ruling_still_projects_the_ieepa_layers(us_china):
    """As known on 2026-02-19, 2026-03-01 is past the log's horizon: the IEEPA layers (20) are projected, no ruling known."""
    state = _on(us_china, "2026-03-01", datetime(2026, 2, 19, 23, 59, tzinfo=UTC))
    assert (D(20), True, {}) == (state.tariff_rate("USA", "CHN"), state.projected, dict(state.rulings))
    assert {"IEEPA-fentanyl", "IEEPA-reciprocal"} == {layer.measure for layer in state.tariff_layers("USA", "CHN")
                                                      if layer.scope.all_goods}


def test_section_122_is_gone_on_its_statutory_end(us_china):
    """Section 122 applies on 2026-07-23 and is absent on 2026-07-24, with the clock rule named."""
    measures = {day: {layer.measure for layer in _on(us_china, day).layers.values()}
                for day in ("2026-07-23", "2026-07-24")}
    assert ("S122" in measures["2026-07-23"], "S122" in measures["2026-07-24"]) == (True, False)
    causes = [c.causes for c in negotiation.changes(us_china, date(2026, 7, 24), date(2026, 7, 24))
              if c.subject.startswith("USA on WLD S122")]
    assert [("clock: statutory limit reached (2026-07-24)",)] == causes
    assert D(50) == _on(us_china, "2026-03-01").tariff_rate("USA", "CHN", "720851"), "not on Section 232 goods"


def test_a_section_301_step_up_on_new_year(us_china):
    """Permanent magnets (HS 850511): the four-year review's +25 from 2026-01-01."""
    assert (D(20), D(45)) == (_on(us_china, "2025-12-31").tariff_rate("USA", "CHN", "850511"),
                              _on(us_china, "2026-01-01").tariff_rate("USA", "CHN", "850511"))


def test_the_ruling_changes_status_not_history(us_china):
    """On 2025-06-09 the duty was 30 as known then and now; from 2026-02-20 the state holds the ruling, refunds from 03-04."""
    then = _on(us_china, "2025-06-09", datetime(2025, 6, 9, 12, tzinfo=UTC))
    assert (D(30), D(30)) == (then.tariff_rate("USA", "CHN"), _on(us_china, "2025-06-09").tariff_rate("USA", "CHN"))
    later = _on(us_china, "2026-03-05")
    assert [(r.court, r.refunds) for r in sorted(later.rulings.values(), key=lambda r: r.decided)] == [
        ("Supreme Court of the United States", False), ("U.S. Court of International Trade", True)]


def test_today_is_a_marked_projection(capsys, seeds_dir):
    """Replayed to today: no IEEPA layer, the forced-labour 301 in force, the horizon shown, projected figures marked."""
    assert 0 == main(["replay", str(seeds_dir / "us-china.jsonl"), "--as-of", "2026-12-01"])
    text = capsys.readouterr().out
    assert "horizon 2026-08-06" in text and "PROJECTION: 2026-12-01 is after the log's horizon" in text
    assert "USA on goods of CHN: 12.5 % on all goods (PROJECTION: after the log's horizon)" in text
    assert "S301-forced-labour" in text and "IEEPA-" not in text.split("Tariffs", 1)[1].split("Base rates")[0]
    assert "2026-11-10: suspension of CHN CN-counter-reciprocal on USA (all goods) ends" in text


def test_explain_names_the_ruling_and_section_122_with_sources(capsys, seeds_dir):
    """explain on 2026-03-01 names the Supreme Court ruling and Proclamation 11012, each with its source."""
    assert 0 == main(["explain", str(seeds_dir / "us-china.jsonl"), "--as-of", "2026-03-01", "--imposer", "USA",
                      "--target", "CHN"])
    text = capsys.readouterr().out
    assert "Proclamation 11012" in text and "Supreme Court of the United States" in text
    assert "https://natlawreview.com/" in text and "https://technews.iit.edu/" in text


def test_the_deals_through_2026(seeds_dir):
    """EU goods: 15 all-in until 2026-02-23, then base + Section 122 10, then the forced-labour 10 all-in from 07-24."""
    eu = events.read_jsonl(seeds_dir / "us-eu.jsonl")
    duties = [_on(eu, day).duty("USA", "EUU", base=D("2.5")) for day in ("2026-01-15", "2026-03-01", "2026-08-01")]
    assert [D(15), D("12.5"), D(10)] == duties
    assert D(20) == _on(eu, "2026-08-01").duty("USA", "EUU", base=D(20))
    uk = events.read_jsonl(seeds_dir / "us-uk.jsonl")
    assert D(10) == _on(uk, "2026-03-01").duty("USA", "GBR", "870323", quota="in"), "the 232 car quota survived"
    japan = events.read_jsonl(seeds_dir / "us-japan.jsonl")
    assert D("12.5") == _on(japan, "2026-08-01").duty("USA", "JPN", base=D(0))


def test_every_log_validates_alone_and_together(seeds_dir):
    """Each seed log, and all of them together, has no problem; every event cites a source, with a URL unless it
    comes from the seed article itself."""
    logs = {name: events.read_jsonl(seeds_dir / name) for name in LOGS}
    for name, log in logs.items():
        assert () == negotiation.find_problems(log), name
    assert () == negotiation.find_problems([event for log in logs.values() for event in log])
    missing = [e.event_id for log in logs.values() for e in log
               if e.source is None or (not e.source.url and "seed article" not in e.source.title)]
    assert [] == missing


def test_a_pair_a_log_covers_only_in_part_is_marked(seeds_dir):
    """The EU log holds the UK's steel layers (shared) but not its own deal: a UK figure there is marked partial."""
    eu = negotiation.replay(events.read_jsonl(seeds_dir / "us-eu.jsonl"), as_of=date(2026, 12, 1))
    uk = negotiation.replay(events.read_jsonl(seeds_dir / "us-uk.jsonl"), as_of=date(2026, 12, 1))
    assert (True, False, False) == (eu.breakdown("USA", "GBR").partial, uk.breakdown("USA", "GBR").partial,
                                    eu.breakdown("USA", "DEU", base=D(0)).partial)
    assert "(PARTIAL: the log records USA's measures on GBR only in part)" in eu.to_text()
    caveats = negotiation.explain(eu, imposer="USA", target="GBR").caveats
    assert any(c.startswith("PARTIAL") for c in caveats)
    assert D(10) == uk.tariff_rate("USA", "GBR"), "the UK's own log has its flat forced-labour 10 %"
