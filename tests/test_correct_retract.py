"""``negotiation correct`` and ``negotiation retract``: appended through the store, chain kept, refused cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

import events
import negotiation
from negotiation._cli import main

FIX = "us-ieepa-fentanyl-20-corrected-20250320T120000Z"
_CORRECT = ["us-ieepa-fentanyl-20", "--set", "rate=25", "--recorded", "2025-03-20T12:00Z",
            "--source-publisher", "Federal Register", "--source-title", "EO 14228, as corrected",
            "--source-url", "https://example.org/eo-14228", "--source-published", "2025-03-20"]


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse: usage
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(params=["jsonl", "sqlite"])
def log(request, tmp_path, seeds_dir):
    """A copy of the US-China seed log, as JSON Lines or as a SQLite store."""
    path = tmp_path / f"us-china.{request.param}"
    if request.param == "jsonl":
        shutil.copy(seeds_dir / "us-china.jsonl", path)
    else:
        events.convert(seeds_dir / "us-china.jsonl", path)
    return path


def _valid_and_chained(capsys, path):
    assert (0, 0) == (run(capsys, "verify", path)[0], run(capsys, "validate", path)[0])
    assert events.verify_log(path).intact


def test_a_correction_replays_as_expected(capsys, log):
    """The corrected rate is in force after the correction was recorded, the original before; chain intact."""
    before = events.read_log(log)
    code, out, err = run(capsys, "correct", log, *_CORRECT, "--note", "the order says 25")
    assert (0, "") == (code, err)
    assert f"{log}: {FIX} appended (recorded 2025-03-20T12:00:00Z): us-ieepa-fentanyl-20 now says rate 25; source " \
           "Federal Register, EO 14228, as corrected <https://example.org/eo-14228>; the log holds 113 records" in out
    after = events.read_log(log)
    assert after[:-1] == before
    fix = after[-1]
    assert isinstance(fix, events.EventCorrected)
    assert (fix.event_id, fix.corrects, fix.effective, fix.note, fix.source.url) == (
        FIX, "us-ieepa-fentanyl-20", date(2025, 3, 20), "the order says 25", "https://example.org/eo-14228")
    original = next(e for e in before if e.event_id == "us-ieepa-fentanyl-20")
    assert attrs.evolve(original, rate=Decimal(25), source=fix.source) == fix.replacement
    now = negotiation.replay(after, as_of=date(2025, 3, 5))
    then = negotiation.replay(after, as_of=date(2025, 3, 5), known_at=datetime(2025, 3, 19, tzinfo=UTC))
    assert (Decimal(25), Decimal(20)) == (now.tariff_rate("USA", "CHN"), then.tariff_rate("USA", "CHN"))
    assert {"us-ieepa-fentanyl-20": FIX} == dict(now.revisions)
    _valid_and_chained(capsys, log)
    code, out, _ = run(capsys, "replay", log, "--as-of", "2025-03-05")
    assert "[us-ieepa-fentanyl-20, corrected 2025-03-20T12:00:00Z by " + FIX + "]" in out
    assert ("  2025-03-20T12:00:00Z corrected us-ieepa-fentanyl-20: rate 20; source executiveactions.org, ") in out


def test_a_correction_of_a_corrected_fact_starts_from_its_latest_version(capsys, log):
    """A second correction edits the corrected content and wins; one recorded before the first is refused."""
    assert 0 == run(capsys, "correct", log, *_CORRECT)[0]
    code, _, err = run(capsys, "correct", log, "us-ieepa-fentanyl-20", "--set", "effective=2025-03-05",
                       "--recorded", "2025-03-10T00:00Z", "--note", "later")
    assert 2 == code and f"no earlier than its latest correction or retraction, {FIX} (2025-03-20T12:00:00Z)" in err
    assert 0 == run(capsys, "correct", log, "us-ieepa-fentanyl-20", "--set", "effective=2025-03-05",
                    "--recorded", "2025-03-21T00:00Z")[0]
    state = negotiation.replay(events.read_log(log), as_of=date(2025, 3, 4))
    assert (Decimal(10), Decimal(25)) == (state.tariff_rate("USA", "CHN"), negotiation.replay(
        events.read_log(log), as_of=date(2025, 3, 5)).tariff_rate("USA", "CHN"))
    _valid_and_chained(capsys, log)


def test_a_correction_at_the_instant_of_the_latest_is_in_force_or_refused(capsys, log):
    """Of two corrections recorded at one instant the fold takes the greater id: a new one that would sort first
    (or take the same default id) is refused with the log unchanged; one that sorts after is in force."""
    assert 0 == run(capsys, "correct", log, *_CORRECT)[0]
    held = log.read_bytes()
    for extra in ([], ["--id", "a-fix"]):
        code, out, err = run(capsys, "correct", log, "us-ieepa-fentanyl-20", "--set", "rate=9", "--recorded",
                             "2025-03-20T12:00Z", *extra)
        assert (2, "", held) == (code, out, log.read_bytes()), err
        assert f"expected an instant later than its latest correction, {FIX} (2025-03-20T12:00:00Z), or an --id " \
               f"that sorts after '{FIX}'" in err
    code, out, _ = run(capsys, "correct", log, "us-ieepa-fentanyl-20", "--set", "rate=9", "--recorded",
                       "2025-03-20T12:00Z", "--id", "zz-fix")
    assert (0, True) == (code, "us-ieepa-fentanyl-20 now says rate 9" in out)
    state = negotiation.replay(events.read_log(log), as_of=date(2025, 3, 5))
    assert (Decimal(9), "zz-fix") == (state.tariff_rate("USA", "CHN"), state.revisions["us-ieepa-fentanyl-20"])
    _valid_and_chained(capsys, log)


def test_a_new_id_the_log_holds_is_refused_naming_the_option(capsys, log):
    """A default id taken by a correction recorded within the same second, or an --id of another event: exit 2,
    naming --id and what to do, the log unchanged."""
    assert 0 == run(capsys, "correct", log, *_CORRECT)[0]
    held = log.read_bytes()
    for argv, words in [
        (["correct", log, "us-ieepa-fentanyl-20", "--set", "rate=9", "--recorded", "2025-03-20T12:00:00.5Z"],
         f"--id='{FIX}': expected an id no event in the log has (this default id, from --recorded to the second, is "
         "taken: pass --id, or a --recorded a second later)"),
        (["correct", log, "us-ieepa-fentanyl-20", "--set", "rate=9", "--id", "geneva-accord"],
         "--id='geneva-accord': expected an id no event in the log has\n"),
        (["retract", log, "geneva-accord", "--note", "x", "--id", "us-ieepa-fentanyl-20"],
         "--id='us-ieepa-fentanyl-20': expected an id no event in the log has\n"),
    ]:
        code, out, err = run(capsys, *argv)
        assert (2, "", True, held) == (code, out, words in err, log.read_bytes()), err


def test_a_retraction_replays_as_expected(capsys, log):
    """A retracted statement is gone from the state and the text, listed as retracted; chain intact."""
    code, out, err = run(capsys, "retract", log, "trump-violation-2025-05-30", "--recorded", "2025-06-01T10:00Z",
                         "--note", "misattributed")
    assert (0, "") == (code, err)
    assert "trump-violation-2025-05-30-retracted-20250601T100000Z appended (recorded 2025-06-01T10:00:00Z): " \
           "withdraws USA, Donald Trump, President: China has 'totally violated'" in out
    log_now = events.read_log(log)
    state = negotiation.replay(log_now, as_of=date(2025, 6, 9))
    earlier = negotiation.replay(log_now, as_of=date(2025, 6, 9), known_at=datetime(2025, 6, 1, tzinfo=UTC))
    assert ("trump-violation-2025-05-30" in state.events, "trump-violation-2025-05-30" in earlier.events) == (False, True)
    _valid_and_chained(capsys, log)
    code, out, _ = run(capsys, "replay", log, "--as-of", "2025-06-09")
    assert "totally violated' its agreement" not in out.split("Corrections and retractions")[0]
    assert ("  2025-06-01T10:00:00Z retracted USA, Donald Trump, President: China has 'totally violated'" in out
            and "[trump-violation-2025-05-30-retracted-20250601T100000Z]" in out)


def test_retracting_a_correction_restores_the_version_before(capsys, log):
    """Retracting the correction: the fact as logged applies again."""
    assert 0 == run(capsys, "correct", log, *_CORRECT)[0]
    assert 0 == run(capsys, "retract", log, FIX, "--recorded", "2025-03-25T00:00Z", "--source-publisher", "Desk",
                    "--source-title", "Review of corrections")[0]
    state = negotiation.replay(events.read_log(log), as_of=date(2025, 3, 5))
    assert (Decimal(20), {}) == (state.tariff_rate("USA", "CHN"), dict(state.revisions))
    _valid_and_chained(capsys, log)


def test_a_stale_concurrent_append_is_refused(capsys, log, monkeypatch, london):
    """Another writer appends between the read and the append: the correction is refused, nothing of it written."""
    from negotiation import _fold

    real = _fold.find_problems  # _cli_edit imports it from there when the command runs

    def meanwhile(records):
        if len(records) == 112:  # once: while the command checks the log it read, another writer appends
            store = events.open_store(log)
            store.append([events.StatementIssued(
                event_id="other-writer", effective=date(2025, 6, 1), recorded=datetime(2025, 6, 1, tzinfo=UTC),
                party="USA", speaker="Someone", summary="Meanwhile.")])
            if isinstance(store, events.SqliteStore):
                store.close()
        return real(records)

    monkeypatch.setattr(_fold, "find_problems", meanwhile)
    code, _, err = run(capsys, "correct", log, *_CORRECT)
    assert (1, True) == (code, "expected version 112, but the store is at version 113; nothing was written" in err)
    assert ["other-writer"] == [e.event_id for e in events.read_log(log)[112:]]
    _valid_and_chained(capsys, log)


@pytest.mark.parametrize(("argv", "code", "words"), [
    (["correct", "LOG", "nope", "--set", "rate=1"], 1, "unknown id 'nope'; expected the id of an event in"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "colour=red"], 2,
     "--set colour='red': expected a field of TariffChanged 'us-ieepa-fentanyl-20': effective, recorded, source"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate=abc"], 2,
     "--set rate='abc': expected a plain decimal number"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate=-5"], 2,
     "--set rate='-5': expected a finite, non-negative Decimal (percent)"),
    (["correct", "LOG", "leaders-call-2025-06-05", "--set", "mode=phone"], 2,
     "--set mode='phone': expected one of: call, meeting"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "scope=12x"], 2, "--set scope='12x': expected all, or HS"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "suspension.rate=5"], 2, "its suspension is null"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate"], 2, "expected FIELD=VALUE, such as rate=10"),
    (["correct", "LOG", "us-ieepa-fentanyl-20"], 2, "the following arguments are required: --set"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate=20"], 1, "values that change the fact"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "accord_id=nope"], 1,
     "field 'accord_id': unknown id 'nope'"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate=12", "--recorded", "2025-03-01T00:00Z"], 2,
     "--recorded='2025-03-01T00:00:00Z': expected an instant no earlier than the record of the fact's content"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate=12", "--recorded", "2999-01-01T00:00Z"], 2,
     "expected an instant no later than now"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate=12", "--source-url", "https://x"], 2,
     "--source-url='https://x': expected with both --source-publisher and --source-title"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate=12", "--expected-version", "5"], 1,
     "expected version 5, but the store is at version 112; nothing was written"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "rate=12", "--id", "has space"], 2, "--id='has space'"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", "recorded=2026-01-01T00:00Z", "--recorded",
      "2025-03-20T00:00Z"], 2, "--set recorded='2026-01-01T00:00:00Z': expected an instant no later than the "
                               "correction's recorded"),
    (["correct", "LOG", "us-ieepa-fentanyl-20", "--set", 'suspension={"rate": "x"}'], 2,
     "expected JSON for a Suspension (its fields: rate, until), or null"),
    (["correct", "LOG", "cn-rare-earth-licences-2025-06-07", "--set", "count=9223372036854775808"], 2,
     "--set count='9223372036854775808': expected None (unknown) or an int from 0 to 9223372036854775807"),
    (["retract", "LOG", "us-ieepa-fentanyl-20"], 2, "expected a reason: --note TEXT"),
    (["retract", "LOG", "us-ieepa-fentanyl-20", "--note", " \t"], 2, "--note=' \\t': expected a reason: --note TEXT"),
    (["retract", "LOG", "nope", "--note", "x"], 1, "unknown id 'nope'"),
], ids=["unknown id", "unknown field", "bad decimal", "negative rate", "bad choice", "bad scope", "null nested",
        "no equals", "no --set", "no change", "unknown accord", "recorded too early", "recorded in the future",
        "url without title", "stale version", "bad id", "replacement recorded later", "bad JSON value", "count too large to store", "retract without reason", "retract with a blank reason", "retract unknown id"])
def test_refused_with_a_clear_message_and_the_log_unchanged(capsys, log, argv, code, words):
    """Each bad request exits 1 or 2 with a message naming what is wrong; the file is left byte for byte."""
    held = log.read_bytes()
    found, out, err = run(capsys, *[str(log) if a == "LOG" else a for a in argv])
    assert (code, "", True) == (found, out, words in err), err
    assert "Traceback" not in err
    assert held == log.read_bytes()


def test_refused_for_corrections_retractions_and_retracted_facts(capsys, log):
    """A correction is corrected through its fact; a retraction is final; a retracted fact is not corrected."""
    assert 0 == run(capsys, "correct", log, *_CORRECT)[0]
    assert 0 == run(capsys, "retract", log, "trump-violation-2025-05-30", "--note", "gone",
                    "--recorded", "2025-06-01T00:00Z")[0]
    held = log.read_bytes()
    for argv, words in [
        (["correct", log, FIX, "--set", "rate=1"], "this is a correction of 'us-ieepa-fentanyl-20'; correct "
                                                   "'us-ieepa-fentanyl-20' again"),
        (["correct", log, "trump-violation-2025-05-30", "--set", "summary=x"], "it was retracted by"),
        (["retract", log, "trump-violation-2025-05-30", "--note", "again"], "an id not yet retracted"),
        (["retract", log, "trump-violation-2025-05-30-retracted-20250601T000000Z", "--note", "x"],
         "a retraction cannot be retracted"),
    ]:
        code, _, err = run(capsys, *argv)
        assert (1, True) == (code, words in err), err
    assert held == log.read_bytes()


def test_a_missing_log_is_refused_and_not_created(capsys, tmp_path):
    """Correcting a log that does not exist: exit 1, and no file appears."""
    for name in ("none.jsonl", "none.sqlite"):
        code, _, err = run(capsys, "correct", tmp_path / name, "x", "--set", "rate=1")
        assert (1, True, False) == (code, "No such file" in err, (tmp_path / name).exists())


def test_a_broken_chain_is_refused(capsys, tmp_path, seeds_dir):
    """An edited line breaks the chain: no correction is appended after it."""
    path = tmp_path / "log.jsonl"
    path.write_text((seeds_dir / "us-china.jsonl").read_text().replace('"rate": "20"', '"rate": "21"', 1))
    held = path.read_bytes()
    code, _, err = run(capsys, "correct", path, "us-ieepa-fentanyl-20", "--set", "rate=25")
    assert (1, True, held) == (code, "nothing was written" in err, path.read_bytes())


def test_a_correction_made_today_does_not_move_the_horizon(capsys, log):
    """Retracting and correcting with the default recorded instant (now) leaves the log's horizon where its facts and
    review put it: a date past it is still marked a projection."""
    assert 0 == run(capsys, "retract", log, "trump-violation-2025-05-30", "--note", "misattributed")[0]
    assert 0 == run(capsys, "correct", log, "us-ieepa-fentanyl-20", "--set", "rate=25")[0]
    state = negotiation.replay(events.read_log(log), as_of=date(2026, 12, 1))
    assert (date(2026, 8, 6), True) == (state.horizon.through, state.projected)
    assert state.horizon.last_recorded > datetime(2026, 12, 1, 12, tzinfo=UTC)
    code, out, _ = run(capsys, "explain", log, "--as-of", "2026-12-01", "--imposer", "CHN", "--target", "USA")
    assert (0, True) == (code, "  ! PROJECTION: 2026-12-01 is after the log's horizon (2026-08-06)" in out)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
@pytest.mark.parametrize("name", ["log.jsonl", "log.sqlite"])
def test_a_named_pipe_is_refused_unread(tmp_path, name):
    """A FIFO named as the log: correct and retract exit 1 at once (a store is a regular file), never waiting for a
    writer."""
    path = tmp_path / name
    os.mkfifo(path)
    for argv in (["correct", path, "x", "--set", "rate=1"], ["retract", path, "x", "--note", "n"]):
        done = subprocess.run([sys.executable, "-m", "negotiation", *map(str, argv)], capture_output=True, text=True,
                              timeout=60, check=False)
        assert (1, True) == (done.returncode, "a regular file" in done.stderr), done.stderr
        assert "Traceback" not in done.stderr
