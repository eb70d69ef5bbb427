"""JSON Lines codec: exact round trips and errors that name file, line, event and field."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

import events
from events import DecodeError


def first_line(path):
    return json.loads(path.read_text(encoding="utf-8").splitlines()[0])


def test_seed_round_trip_is_byte_exact(tmp_path, seeds_dir, us_china):
    """Reading a seed log and writing it again gives the same bytes."""
    out = tmp_path / "copy.jsonl"
    events.write_jsonl(out, us_china)
    assert (seeds_dir / "us-china.jsonl").read_bytes() == out.read_bytes()


def test_dict_round_trip(us_china):
    """to_dict then from_dict gives an equal event, for every seed event."""
    assert list(us_china) == [events.from_dict(events.to_dict(e)) for e in us_china]


def test_line_shape(us_china):
    """A line starts with the type tag and the schema version; decimals are strings."""
    tariff = next(e for e in us_china if isinstance(e, events.TariffChanged))
    data = events.to_dict(tariff)
    assert (["type", "v"], "TariffChanged", 1, str) == (list(data)[:2], data["type"], data["v"], type(data["rate"]))


def test_offset_timestamp_decodes_to_same_instant():
    """A recorded time written with +08:00 decodes to the same instant as its UTC form."""
    line = {
        "type": "StatementIssued", "v": 1, "event_id": "s", "effective": "2025-06-08",
        "recorded": "2025-06-08T22:00:00+08:00", "party": "USA", "speaker": "x", "summary": "y",
        "source": None, "note": "",
    }
    event = events.from_dict(line)
    assert datetime(2025, 6, 8, 14, tzinfo=UTC) == event.recorded


def _statement(**changes):
    line = {
        "type": "StatementIssued", "v": 1, "event_id": "s1", "effective": "2025-06-08",
        "recorded": "2025-06-08T14:00:00Z", "party": "USA", "speaker": "x", "summary": "y",
        "source": None, "note": "",
    }
    line.update(changes)
    return {key: value for key, value in line.items() if value is not _MISSING}


_MISSING = object()


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        (_statement(party="usa"), "party", "alpha-3"),
        (_statement(speaker=_MISSING), "speaker", "missing"),
        (_statement(speker="x"), "speker", "unknown field"),
        (_statement(summary=3), "summary", "a string"),
        (_statement(recorded="2025-06-08T14:00:00"), "recorded", "offset"),
        (_statement(effective="08/06/2025"), "effective", "YYYY-MM-DD"),
        (_statement(type="Nope"), "type", "unknown event type"),
        (_statement(type=_MISSING), "type", "missing"),
        (_statement(v=2), "v", "schema version"),
        (_statement(source={"publisher": "p", "title": "t", "url": ""}), "source.url", "non-empty"),
        (_statement(source={"publisher": "p", "title": "t", "urll": "u"}), "source.urll", "unknown field"),
        (_statement(summary="\ud800"), "summary", "surrogate"),
    ],
)
def test_from_dict_errors_name_the_field(line, field, words):
    """Each bad value is refused with the event id, the field and what was expected."""
    with pytest.raises(DecodeError) as info:
        events.from_dict(line)
    assert (field, "s1") == (info.value.field, info.value.event_id)
    assert words in str(info.value)


@pytest.mark.parametrize("rate", ["NaN", "Infinity", "-1", "abc", 30, 30.5, None])
def test_bad_rates_refused(rate):
    """NaN, infinity, negative, non-numeric and non-string rates are refused, naming 'rate'."""
    line = {
        "type": "TariffChanged", "v": 1, "event_id": "t1", "effective": "2025-05-14",
        "recorded": "2025-05-12T07:00:00Z", "imposer": "USA", "target": "CHN", "measure": "m",
        "rate": rate,
    }
    with pytest.raises(DecodeError) as info:
        events.from_dict(line)
    assert "rate" == info.value.field


def test_json_nan_token_refused():
    """A bare NaN token is not JSON and is refused as malformed."""
    with pytest.raises(DecodeError, match="malformed JSON"):
        events.loads_jsonl('{"rate": NaN}\n')


def test_read_error_names_file_line_event_field(tmp_path, london):
    """A bad line in a file is reported with the file, its line number, the id and the field."""
    lines = events.dumps_jsonl(london).splitlines()
    lines[2] = lines[2].replace('"rate": "34"', '"rate": "-34"')
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DecodeError) as info:
        events.read_jsonl(path)
    error = info.value
    assert (str(path), 3, "rate") == (error.path, error.line, error.field)
    assert error.event_id is not None and error.event_id in str(error)


def test_check_jsonl_reports_every_bad_line(tmp_path, london):
    """check_jsonl keeps the good lines and reports each bad one, with its number."""
    lines = events.dumps_jsonl(london).splitlines()
    lines[1] = "{not json"
    lines[4] = json.dumps({**json.loads(lines[4]), "effective": "2025-13-01"})
    lines[7] = json.dumps({**json.loads(lines[7]), "v": 9})
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = events.check_jsonl(path)
    assert [2, 5, 8] == [error.line for error in found.errors]
    assert len(london) - 3 == len(found.events) == len(found.lines)


def test_bom_crlf_and_blank_lines_accepted(tmp_path, london):
    """A UTF-8 byte-order mark, CRLF endings and blank lines read as the same log."""
    text = events.dumps_jsonl(london).replace("\n", "\r\n\r\n")
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert london == events.read_jsonl(path)


def test_invalid_utf8_named_by_line(tmp_path, london):
    """Bytes that are not UTF-8 are refused with their line number."""
    data = events.dumps_jsonl(london).encode("utf-8").split(b"\n")
    data[3] = data[3].replace(b'"note": "', b'"note": "\xff')
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(data))
    found = events.check_jsonl(path)
    assert [(4, True)] == [(e.line, "UTF-8" in str(e)) for e in found.errors]


def test_empty_file_is_empty_log(tmp_path):
    """An empty file is an empty log."""
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert () == events.read_jsonl(path)


def test_write_is_atomic_on_failure(tmp_path, london):
    """If encoding fails midway, the existing file is left exactly as it was."""
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, london)
    before = path.read_bytes()

    def broken():
        yield london[0]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        events.write_jsonl(path, broken())
    assert (before, ["log.jsonl"]) == (path.read_bytes(), [p.name for p in tmp_path.iterdir()])


def test_unicode_text_kept(tmp_path):
    """Text with non-ASCII letters and emoji survives a round trip as written."""
    event = events.StatementIssued(
        event_id="u", effective=date(2025, 6, 8), recorded=datetime(2025, 6, 8, tzinfo=UTC),
        party="CHN", speaker="何立峰", summary="Progress 🤝 — “constructive”",
    )
    path = tmp_path / "u.jsonl"
    events.write_jsonl(path, [event])
    assert ((event,), True) == (events.read_jsonl(path), "何立峰" in path.read_text(encoding="utf-8"))


def test_decimal_exactness():
    """Decimals keep their exact value through the codec, in canonical form (4.80 is 4.8)."""
    event = events.TradeDataReleased(
        event_id="t", effective=date(2025, 6, 9), recorded=datetime(2025, 6, 9, tzinfo=UTC),
        reporter="CHN", period="2025-05", exports_yoy=Decimal("4.80"), imports_yoy=Decimal("-3.4"),
    )
    back = events.loads_jsonl(events.dumps_jsonl([event]))[0]
    assert ("4.8", "-3.4") == (str(back.exports_yoy), str(back.imports_yoy))
    assert timedelta(0) == back.recorded - event.recorded
