"""A fuller diff (every kind of change, with sources; typed JSON) and explain with its cut-off and recorded instants."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import events
import negotiation
from events import strategies
from negotiation import ChangeKind
from negotiation._cli import main
from negotiation._versions import resolve

_KEYS = {"kind", "date", "subject", "subject_id", "before", "after", "rate_before", "rate_after", "imposer", "target",
         "measure", "scope", "event_ids", "rules", "sources"}
_SOURCE_KEYS = {"event_id", "event_type", "recorded", "corrected_by", "corrected_at", "source"}
_FIX = "cn-trade-data-2025-05-corrected-20250715T080000Z"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def corrected_log(tmp_path, seeds_dir, capsys):
    """A copy of the US-China seed with China's May exports corrected from +4.8 to +4.9 on 2025-07-15."""
    path = tmp_path / "us-china.jsonl"
    shutil.copy(seeds_dir / "us-china.jsonl", path)
    code, _, err = run(capsys, "correct", path, "cn-trade-data-2025-05", "--set", "exports_yoy=4.9",
                       "--recorded", "2025-07-15T08:00Z", "--source-publisher", "General Administration of Customs",
                       "--source-title", "Revised May figures", "--source-url", "https://example.org/customs-may")
    assert (0, "") == (code, err)
    return path


def test_diff_lists_talks_ruling_trade_data_and_correction_with_sources(capsys, corrected_log):
    """From 2025-06-08 to 2026-02-21: the London talks, the May trade data (as corrected), the correction itself and
    the Supreme Court's ruling, each with its events' sources; the other kinds of the range too."""
    found = negotiation.changes(events.read_log(corrected_log), date(2025, 6, 9), date(2026, 2, 21))
    kinds = {c.kind for c in found}
    assert {ChangeKind.TALKS, ChangeKind.RULING, ChangeKind.TRADE_DATA, ChangeKind.CORRECTION, ChangeKind.STATEMENT,
            ChangeKind.LEADERS, ChangeKind.INSTRUMENT, ChangeKind.ACCORD, ChangeKind.EXPORT_CONTROL,
            ChangeKind.TARIFF_LAYER, ChangeKind.TARIFF_TOTAL} <= kinds
    trade = next(c for c in found if c.kind is ChangeKind.TRADE_DATA)
    assert (date(2025, 6, 9), "2025-05: exports +4.9 % y/y, imports -3.4 % y/y") == (trade.day, trade.after)
    assert [(s.event_id, s.corrected_by, s.corrected_at, s.source.url) for s in trade.sources] == [
        ("cn-trade-data-2025-05", _FIX, datetime(2025, 7, 15, 8, tzinfo=UTC), "https://example.org/customs-may")]
    fix = next(c for c in found if c.kind is ChangeKind.CORRECTION)
    assert (date(2025, 7, 15), "exports_yoy 4.8", "exports_yoy 4.9") == (fix.day, fix.before.split(";")[0], fix.after.split(";")[0])
    assert ((_FIX, "cn-trade-data-2025-05"), "cn-trade-data-2025-05") == (fix.event_ids, fix.subject_id)
    talks = next(c for c in found if c.kind is ChangeKind.TALKS and c.day == date(2025, 6, 10))
    assert talks.after.startswith("held, London (Lancaster House), 2025-06-09 to 2025-06-10")
    assert [s.event_id for s in talks.sources] == ["london-talks-held"]
    assert talks.sources[0].source.url.startswith("https://www.kitco.com/")
    ruling = next(c for c in found if c.kind is ChangeKind.RULING and c.day == date(2026, 2, 20))
    assert ruling.after.startswith("held unlawful on 2026-02-20 by the Supreme Court of the United States")
    assert ["https://technews.iit.edu/2026/02/26/supreme-court-overturns-trump-ieepa-tariffs"] == [
        s.source.url for s in ruling.sources]
    code, out, _ = run(capsys, "diff", corrected_log, "2025-06-08", "2026-02-21")
    assert 0 == code
    for line in (
        "2025-06-09  trade data      CHN trade data: (none) -> 2025-05: exports +4.9 % y/y, imports -3.4 % y/y"
        "  [cn-trade-data-2025-05]",
        "      cn-trade-data-2025-05: General Administration of Customs, Revised May figures "
        "<https://example.org/customs-may>; recorded 2025-06-09T03:00:00Z; corrected 2025-07-15T08:00:00Z by " + _FIX,
        "2025-07-15  correction      cn-trade-data-2025-05 (TradeDataReleased): exports_yoy 4.8; source NBC Washington",
        "      london-talks-held: Kitco (Reuters), ",
        "2026-02-20  ruling          scotus-learning-resources-2026 on USA IEEPA: (none) -> held unlawful",
        "      scotus-ieepa-ruling-2026-02-20: IIT TechNews, Supreme Court overturns Trump IEEPA tariffs "
        "<https://technews.iit.edu/2026/02/26/supreme-court-overturns-trump-ieepa-tariffs>; recorded 2026-02-20T15:00:00Z",
    ):
        assert line in out


def test_diff_known_before_the_correction_shows_the_original(corrected_log):
    """Known at 2025-07-01, the correction is not listed and the release reads +4.8, citing no correction."""
    found = negotiation.changes(events.read_log(corrected_log), date(2025, 6, 9), date(2025, 7, 31),
                                known_at=datetime(2025, 7, 1, tzinfo=UTC))
    assert ChangeKind.CORRECTION not in {c.kind for c in found}
    trade = next(c for c in found if c.kind is ChangeKind.TRADE_DATA)
    assert ("2025-05: exports +4.8 % y/y, imports -3.4 % y/y", None) == (trade.after, trade.sources[0].corrected_by)


def test_diff_json_has_one_typed_object_per_change(capsys, corrected_log):
    """--format json: one object per change, every documented key, dates ISO, rates and instants as strings."""
    code, out, _ = run(capsys, "diff", corrected_log, "2025-11-09", "2025-11-10", "--format", "json")
    rows = json.loads(out)
    assert 0 == code and rows and all(set(row) == _KEYS for row in rows)
    assert {row["kind"] for row in rows} <= {kind.value for kind in ChangeKind}
    total = next(row for row in rows if row["kind"] == "tariff total" and row["subject"] == "USA on CHN, all goods")
    assert (total["date"], total["rate_before"], total["rate_after"], total["imposer"], total["target"],
            total["scope"], total["rules"]) == ("2025-11-10", "30", "20", "USA", "CHN", "all", [])
    assert total["event_ids"] == ["us-ieepa-fentanyl-2025-11", "us-ieepa-reciprocal-2025-11"]
    for row in rows:
        date.fromisoformat(row["date"])
        for rate in (row["rate_before"], row["rate_after"]):
            assert rate is None or Decimal(rate) >= 0
        for cited in row["sources"]:
            assert set(cited) == _SOURCE_KEYS
            assert events.parse_instant(cited["recorded"]).tzinfo is not None
            assert set(cited["source"]) == {"publisher", "title", "url", "published"}
    layer = next(row for row in rows if row["kind"] == "tariff layer" and row["measure"] == "IEEPA-fentanyl")
    assert (layer["rate_before"], layer["rate_after"], layer["sources"][0]["source"]["publisher"]) == (
        "20", "10", "EY Tax News")


def test_diff_json_escapes_text_from_the_log(tmp_path, capsys, london):
    """A control character in a statement stays valid, escaped JSON: the terminal never receives it raw."""
    said = events.StatementIssued(event_id="odd", effective=date(2025, 6, 8), recorded=datetime(2025, 6, 8, tzinfo=UTC),
                                  party="USA", speaker="X", summary="ok\x1b]0;owned\x07 then")
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, [*london, said])
    code, out, _ = run(capsys, "diff", path, "2025-06-07", "2025-06-08", "--format", "json")
    assert (0, False) == (code, "\x1b" in out)
    assert ["ok\x1b]0;owned\x07 then"] == [row["after"] for row in json.loads(out) if row["subject"] == "USA, X"]
    code, out, _ = run(capsys, "diff", path, "2025-06-07", "2025-06-08")
    assert (0, False, True) == (code, "\x1b" in out, "ok\\x1b]0;owned\\x07 then" in out)


@pytest.mark.parametrize(("seed", "kinds"), [
    ("us-eu.jsonl", {ChangeKind.BLOC, ChangeKind.BASE_RATE, ChangeKind.INSTRUMENT, ChangeKind.REVIEW}),
    ("us-uk.jsonl", {ChangeKind.QUOTA, ChangeKind.BASE_RATE, ChangeKind.RULING, ChangeKind.REVIEW}),
    ("london-talks-2025.jsonl", {ChangeKind.LICENCES, ChangeKind.TRADE_DATA, ChangeKind.LEADERS, ChangeKind.TALKS}),
])
def test_every_kind_of_the_deal_logs_is_listed_with_a_source(seeds_dir, seed, kinds):
    """Blocs, base rates, quotas, instruments, licences and reviews are changes too; every change cites an event
    with its source, or a clock rule."""
    found = negotiation.changes(events.read_log(seeds_dir / seed), date(2019, 1, 1), date(2026, 12, 31))
    assert kinds <= {c.kind for c in found}
    assert all(c.rules or (c.sources and all(s.source is not None for s in c.sources)) for c in found)
    quota = [c for c in found if c.kind is ChangeKind.QUOTA]
    assert [] == quota or ("us-gbr-autos-trq", "USA", "GBR") == (quota[0].subject_id, quota[0].imposer, quota[0].target)


_OCCURRENCES = (events.StatementIssued, events.LeadersSpoke, events.TradeDataReleased, events.ExportLicencesApproved,
                events.LogReviewed)


@given(log=strategies.logs(max_events=25), start=st.dates(date(2025, 1, 1), date(2026, 12, 31)),
       days=st.integers(0, 400))
def test_every_occurrence_correction_and_retraction_in_range_is_a_change(log, start, days):
    """Each statement, contact, release, approval and review in force and effective in the range, and each correction
    and retraction issued in it, is one change citing it; every cited id is in the log."""
    end = min(date(2026, 12, 31), date.fromordinal(start.toordinal() + days))
    found = negotiation.changes(log, start, end)
    contents = resolve(list(log), None).contents
    expected = sorted(e.event_id for e in contents if isinstance(e, _OCCURRENCES) and start <= e.effective <= end)
    listed = sorted(c.causes[0] for c in found if isinstance(
        next((e for e in contents if e.event_id == c.causes[0]), None), _OCCURRENCES))
    assert expected == listed
    revisers = sorted(e.event_id for e in log
                      if isinstance(e, (events.EventCorrected, events.EventRetracted)) and start <= e.effective <= end)
    assert revisers == sorted(c.causes[0] for c in found if c.kind in (ChangeKind.CORRECTION, ChangeKind.RETRACTION))
    ids = {e.event_id for e in log}
    assert all(cited in ids for c in found for cited in c.event_ids)
    assert all(set(c.to_dict()) == _KEYS for c in found)


def test_explain_shows_the_cut_off_and_when_each_extension_was_recorded(capsys, seeds_dir):
    """Known at 2025-11-05, the Geneva window past the horizon rests on an extension recorded on 2025-11-04: said."""
    code, out, _ = run(capsys, "explain", seeds_dir / "us-china.jsonl", "--as-of", "2025-11-12",
                       "--accord", "geneva-2025", "--known-at", "2025-11-05T00:00Z")
    assert 0 == code
    lines = out.splitlines()
    assert "  ! as known at 2025-11-05T00:00:00+00:00: events recorded later are not used" == lines[2]
    assert lines[3].startswith("  ! PROJECTION: 2025-11-12 is after the log's horizon (2025-11-04)")
    assert ("  extended: deadline 2025-11-10 [geneva-accord-extended-2025-08] (recorded 2025-08-12T02:00:00Z)" in lines
            and "  extended: deadline 2026-11-10 [geneva-accord-extended-2025-11] (recorded 2025-11-04T22:00:00Z)" in lines)
    code, out, _ = run(capsys, "explain", seeds_dir / "us-china.jsonl", "--as-of", "2026-12-01", "--imposer", "CHN",
                       "--target", "USA")
    assert "  ! as known now: every event in the log is used (the latest recorded 2026-12-01T12:00:00Z)" == \
        out.splitlines()[2]


def test_explain_names_the_correction_and_when_it_was_recorded(capsys, corrected_log):
    """After a correction of the fentanyl layer, explain gives its recorded instant; before it, says it is not used."""
    code, _, _ = run(capsys, "correct", corrected_log, "us-ieepa-fentanyl-20", "--set", "rate=25",
                     "--recorded", "2025-03-20T12:00Z", "--note", "transcription error")
    fix = "us-ieepa-fentanyl-20-corrected-20250320T120000Z"
    assert 0 == code
    code, out, _ = run(capsys, "explain", corrected_log, "--as-of", "2025-03-05", "--imposer", "USA", "--target", "CHN")
    assert (0, True) == (code, "  = 25" in out)
    assert (f"  IEEPA-fentanyl, all goods: 25 [us-ieepa-fentanyl-20] (recorded 2025-03-03T23:00:00Z) "
            f"(corrected 2025-03-20T12:00:00Z by {fix}); adds 25") in out
    code, out, _ = run(capsys, "explain", corrected_log, "--as-of", "2025-03-05", "--imposer", "USA", "--target", "CHN",
                       "--known-at", "2025-03-10T00:00Z")
    assert (0, True) == (code, "  = 20" in out)
    assert (f"  ! not used: correction {fix} of us-ieepa-fentanyl-20, recorded 2025-03-20T12:00:00Z, "
            "after the cut-off") in out
    state = negotiation.replay(events.read_log(corrected_log), as_of=date(2025, 3, 5))
    reason = negotiation.explain(state, imposer="USA", target="CHN").reasons[0]
    assert (reason.revision, reason.revision_recorded, reason.recorded) == (
        fix, datetime(2025, 3, 20, 12, tzinfo=UTC), datetime(2025, 3, 3, 23, tzinfo=UTC))


def test_explain_lists_a_retracted_layer_with_the_retraction_recorded(capsys, corrected_log):
    """Retracting the Section 122 layer: explain on 2026-03-01 shows it withdrawn, by whom and when; not counted."""
    code, _, _ = run(capsys, "retract", corrected_log, "us-s122-10-wld", "--recorded", "2026-03-02T09:00Z",
                     "--note", "test: withdrawn")
    assert 0 == code
    code, out, _ = run(capsys, "explain", corrected_log, "--as-of", "2026-03-01", "--imposer", "USA", "--target", "CHN")
    assert (0, True) == (code, "  = 0" in out)
    assert ("  retracted: USA on WLD S122, all goods: 10 (effective 2026-02-24) "
            "[us-s122-10-wld-retracted-20260302T090000Z] (recorded 2026-03-02T09:00:00Z); withdraws us-s122-10-wld "
            "(recorded 2026-02-20T22:00:00Z): not counted") in out


@pytest.mark.parametrize(("first", "second", "hint"), [
    ("2025-08-12", "2025-08-12", " (for the changes on 2025-08-12, give D1 2025-08-11)"),
    ("2025-08-12", "2025-08-11", ""),
    ("1900-01-01", "1900-01-01", ""),
])
def test_diff_of_an_empty_range_is_a_usage_error_in_the_command_s_terms(capsys, seeds_dir, first, second, hint):
    """D2 on or before D1 lists nothing: exit 2 with the rule in D1/D2 terms (not Python arguments), no output."""
    with pytest.raises(SystemExit) as exc:
        main(["diff", str(seeds_dir / "us-china.jsonl"), first, second])
    out, err = capsys.readouterr()
    assert (2, "") == (exc.value.code, out)
    assert (f"error: D2 ({second}) must be after D1 ({first}): diff lists the changes after D1 up to and including "
            f"D2{hint}\n") in err
    assert "datetime" not in err and "start" not in err
