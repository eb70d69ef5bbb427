"""Hostile text from a log never reaches a terminal or a spreadsheet raw; equal figures print one way; ties are reported."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import events
import negotiation
from events import TariffChanged
from negotiation._cli import main
from negotiation._safe import _UNSAFE, for_spreadsheet, for_terminal

D = Decimal
AT = datetime(2025, 5, 1, tzinfo=UTC)
FAKE = "\x1b[1A\x1b[2K\rUSA on goods of CHN: 0 % on all goods (tariffs lifted)\x1b]0;negotiation: all clear\x07"


def _layer(event_id, rate, measure="S301", **fields):
    return TariffChanged(event_id=event_id, effective=date(2025, 5, 1), recorded=AT, imposer="USA", target="CHN",
                         measure=measure, rate=D(rate), **fields)


def _log(tmp_path, *extra):
    statement = events.StatementIssued(
        event_id="crafted", effective=date(2025, 5, 2), recorded=AT, party="USA", speaker=f"A\u202eB{FAKE}",
        summary=FAKE, source=events.Source(publisher=FAKE, title="\u202etitle", url="https://example.org"))
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, [_layer("a", 30), statement, *extra])
    return path


def _screen(text):
    import pyte
    screen = pyte.Screen(160, 60)
    stream = pyte.Stream(screen)
    stream.feed(text.replace("\n", "\r\n"))
    return screen


def test_escape_sequences_in_a_log_cannot_rewrite_the_screen(capsys, tmp_path):
    """Rendered in a terminal emulator, replay and explain show the true 30 %, no forged line and no new window title."""
    path = _log(tmp_path)
    for argv in (["replay", str(path), "--as-of", "2025-05-03"],
                 ["explain", str(path), "--as-of", "2025-05-03", "--imposer", "USA", "--target", "CHN"]):
        assert 0 == main(argv)
        out = capsys.readouterr().out
        screen = _screen(out)
        lines = [line.rstrip() for line in screen.display]
        assert "" == screen.title
        assert not [line for line in lines if line.lstrip().startswith("USA on goods of CHN: 0 %")]
        assert "\x1b" not in out and "\u202e" not in out
    assert any(line.strip().startswith("USA on goods of CHN: 30 % on all goods") for line in
               (line.rstrip() for line in _screen(_replayed(path, capsys)).display))


def _replayed(path, capsys):
    main(["replay", str(path), "--as-of", "2025-05-03"])
    return capsys.readouterr().out


def test_json_output_stays_json_with_the_same_content(capsys, tmp_path):
    """In JSON the unsafe characters are JSON escapes: parsed back, the summary is the log's own text."""
    import json

    path = _log(tmp_path)
    assert 0 == main(["replay", str(path), "--as-of", "2025-05-03", "--format", "json"])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert FAKE == json.loads(out)["statements"][0]["summary"]


def test_a_measure_named_like_a_formula_is_not_a_formula_in_csv(capsys, tmp_path):
    """A CSV header cell from a measure name gets a leading quote; negative numbers stay numbers."""
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, [_layer("a", 30, measure='=HYPERLINK("http://x","x")')])
    assert 0 == main(["timeline", str(path), "--from", "2025-05-01", "--to", "2025-05-01", "--imposer", "USA",
                      "--target", "CHN", "--format", "csv"])
    header, _row = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert """'=HYPERLINK("http://x","x")""" == header[-1]
    assert ("-3.4", "'-x", "'@SUM(1)", "30") == (for_spreadsheet("-3.4"), for_spreadsheet("-x"),
                                                for_spreadsheet("@SUM(1)"), for_spreadsheet("30"))


def test_every_control_and_format_character_is_escaped():
    """The escape list covers every Cc, Cf, Zl and Zp character of this Python's Unicode, but the newline and the joiners."""
    missing = [hex(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF
               and chr(code) not in "\n\u200c\u200d"
               and unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp") and not _UNSAFE.match(chr(code))]
    assert [] == missing
    assert "a\\x1bb\\u202ec\nd" == for_terminal("a\x1bb\u202ec\nd")


def test_equal_totals_print_one_way(capsys, tmp_path):
    """0.5 + 0.5 prints 1, and 100 + 0.00005 + 99.99995 prints 200, in text, CSV and frames, as a single layer of 200 would."""
    log = [_layer("a", "0.5", measure="A"), _layer("b", "0.5", measure="B"),
           _layer("c", 100, measure="C", scope=events.Scope(hs=("01",))),
           _layer("d", "0.00005", measure="D", scope=events.Scope(hs=("01",))),
           _layer("e", "99.99995", measure="E", scope=events.Scope(hs=("01",)))]
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, log)
    state = negotiation.replay(log, as_of=date(2025, 5, 1))
    assert ("1", "201") == (str(state.tariff_rate("USA", "CHN")), str(state.tariff_rate("USA", "CHN", "010121")))
    assert "USA on goods of CHN: 1 % on all goods" in state.to_text()
    assert 0 == main(["timeline", str(path), "--from", "2025-05-01", "--to", "2025-05-01", "--imposer", "USA",
                      "--target", "CHN", "--product", "010121", "--format", "csv"])
    assert "201" == capsys.readouterr().out.splitlines()[1].split(",")[1]
    from negotiation import frames
    df = frames.tariff_frame(log, date(2025, 5, 1), date(2025, 5, 1), imposer="USA", target="CHN")
    assert "1" == str(df.loc[0, "total"])


def test_ties_are_reported():
    """Two events setting one layer on one day at one recorded instant: validate names the tie, replay still folds."""
    log = [_layer("a", 10), _layer("b", 20)]
    (problem,) = negotiation.find_problems(log)
    assert ("b", "recorded") == (problem.event_id, problem.field) and "tie" in str(problem)
    assert D(20) == negotiation.replay(log, as_of=date(2025, 5, 1)).tariff_rate("USA", "CHN")


def test_a_broken_chain_warns_and_strict_refuses(capsys, seeds_dir, tmp_path):
    """Readers say a chain is broken on standard error (exit unchanged); --strict refuses; validate says it once."""
    path = tmp_path / "log.jsonl"
    lines = (seeds_dir / "us-uk.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace('"rate": "25"', '"rate": "26"', 1)
    path.write_text("".join(lines), encoding="utf-8")
    assert 0 == main(["replay", str(path), "--as-of", "2025-07-01"])
    assert "line 3: the hash chain is broken" in capsys.readouterr().err
    assert 1 == main(["replay", str(path), "--as-of", "2025-07-01", "--strict"])
    out, err = capsys.readouterr()
    assert ("", 1) == (out, err.count("negotiation: error:"))
    assert 1 == main(["validate", str(path)])
    assert 1 == capsys.readouterr().err.count("the hash chain")


def test_appends_refuse_an_id_nothing_defines(capsys, seeds_dir, tmp_path):
    """Both stores and `negotiation append` refuse an event naming an accord the log never defines; nothing is written."""
    extension = events.AccordExtended(event_id="ext", effective=date(2026, 1, 1), recorded=AT, accord_id="nope",
                                      deadline=date(2026, 5, 1))
    for name in ("log.jsonl", "log.sqlite"):
        store = events.open_store(tmp_path / name)
        store.append(events.read_jsonl(seeds_dir / "us-uk.jsonl"))
        before = store.version
        with pytest.raises(events.UnresolvedReferenceError, match="'nope'"):
            store.append([extension])
        assert before == store.version
    new = tmp_path / "new.jsonl"
    events.write_jsonl(new, [extension])
    assert 1 == main(["append", str(tmp_path / "log.jsonl"), str(new)])
    assert "no event of the log or of this append defines 'nope'" in capsys.readouterr().err


FORGED = "USA on goods of CHN: 0 % on all goods (tariffs lifted)"


def test_a_newline_in_a_log_text_cannot_forge_a_line(capsys, tmp_path):
    """A summary, speaker or source title holding a newline stays inside its own line of replay, diff, explain,
    to_text and the retract message, written as \\x0a: no output line reads as one the library printed."""
    text = f"calm\n{FORGED}\n2025-05-02  tariff total    USA on CHN, all goods: 30 -> 0  [a]"
    statement = events.StatementIssued(
        event_id="crafted", effective=date(2025, 5, 2), recorded=AT, party="USA", speaker=text, summary=text,
        source=events.Source(publisher=text, title=text))
    layer = _layer("a", 30, source=events.Source(publisher="P", title=text))
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, [layer, statement])
    outputs = [negotiation.replay([layer, statement], as_of=date(2025, 5, 3)).to_text()]
    for argv in (["replay", str(path), "--as-of", "2025-05-03"], ["diff", str(path), "2025-04-30", "2025-05-02"],
                 ["explain", str(path), "--as-of", "2025-05-03", "--imposer", "USA", "--target", "CHN"],
                 ["retract", str(path), "crafted", "--note", "x", "--recorded", "2025-05-02T00:00Z"]):
        assert 0 == main(argv)
        out, err = capsys.readouterr()
        outputs.append(out + err)
    for out in outputs:
        assert "calm\\x0a" + FORGED in out
        lines = out.splitlines()
        assert not [line for line in lines if line.lstrip().startswith((FORGED, "2025-05-02  tariff total"))]
    assert "USA on goods of CHN: 30 % on all goods" in outputs[1]
    assert "2025-05-01  tariff total    USA on CHN, all goods: 0 -> 30  [a]" in outputs[2]
