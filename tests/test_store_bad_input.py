"""The bad-input table of the stores: each row is a test.

Refused rows: the log is refused with an error naming the file, the line and
the field (when there is one), and nothing changes: the file's bytes stay the
same, no store is created from it, and the CLI exits 1 without a traceback.
Accepted rows: read, and kept exactly by appends and conversions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import events

STATEMENT = {
    "type": "StatementIssued", "v": 1, "event_id": "s2", "effective": "2025-06-08",
    "recorded": "2025-06-08T14:00:00Z", "party": "USA", "speaker": "Scott Bessent",
    "summary": "Talks were productive.",
}
TARIFF = {
    "type": "TariffChanged", "v": 1, "event_id": "t2", "effective": "2025-06-08",
    "recorded": "2025-06-08T14:00:00Z", "imposer": "USA", "target": "CHN", "measure": "m", "rate": "30",
}
GOOD = json.dumps({**STATEMENT, "event_id": "s1"}) + "\n"


def _line(record: dict, **changes: object) -> str:
    body = {key: value for key, value in {**record, **changes}.items() if value is not _DROP}
    return json.dumps(body, ensure_ascii=False) + "\n"


_DROP = object()

REFUSED = [
    # (row, second line, field named, words in the error)
    ("malformed JSON", '{"type": "StatementIssued", "v": 1,,}\n', None, "malformed JSON"),
    ("missing field", _line(STATEMENT, speaker=_DROP), "speaker", "required field is missing"),
    ("misspelled field", _line(STATEMENT, speakr="Scott Bessent"), "speakr", "unknown field"),
    ("wrong type", _line(STATEMENT, summary=3), "summary", "a string"),
    ("unknown event type", _line(STATEMENT, type="TalksCancelled"), "type", "unknown event type"),
    ("naive timestamp", _line(STATEMENT, recorded="2025-06-08T14:00:00"), "recorded", "offset"),
    ("NaN rate", _line(TARIFF, rate="NaN"), "rate", "plain decimal"),
    ("NaN token", _line(TARIFF).replace('"30"', "NaN"), None, "NaN is not valid JSON"),
    ("Infinity rate", _line(TARIFF, rate="Infinity"), "rate", "plain decimal"),
    ("negative rate", _line(TARIFF, rate="-5"), "rate", "rate"),
    ("duplicate id, different content", _line(STATEMENT, event_id="s1", summary="Other words."), None,
     "different content"),
    ("lone surrogate", _line(STATEMENT).replace("productive", "\\ud800"), "summary", "surrogate"),
    ("bytes not UTF-8", None, None, "not valid UTF-8"),
    ("line over the size limit", None, None, "line too long"),
    ("truncated last line", _line(STATEMENT)[:40], None, "no line end"),
]


def _bad_file(tmp_path: Path, row: str, line: str | None) -> Path:
    path = tmp_path / "bad.jsonl"
    if row == "bytes not UTF-8":
        path.write_bytes(GOOD.encode() + _line(STATEMENT).encode().replace(b"productive", b"product\xffive"))
    elif row == "line over the size limit":
        with open(path, "w", encoding="utf-8") as stream:  # 50 MB in one line
            stream.write(GOOD)
            stream.write(_line(STATEMENT, summary="x" * 50_000_000))
    else:
        assert line is not None
        path.write_text(GOOD + line, encoding="utf-8")
    return path


@pytest.mark.parametrize(("row", "line", "field", "words"), REFUSED, ids=[row[0] for row in REFUSED])
def test_refused_naming_file_line_and_field_and_nothing_changes(tmp_path, row, line, field, words):
    path = _bad_file(tmp_path, row, line)
    before = path.read_bytes()
    error_type = events.DuplicateEventError if row.startswith("duplicate") else events.DecodeError
    with pytest.raises(error_type) as info:
        events.JsonlStore(path)
    message = str(info.value)
    assert str(path) in message and words in message
    if isinstance(info.value, events.DecodeError):
        assert (info.value.line, info.value.field) == (2, field)
    else:
        assert "line 1" in message and "line 2" in message
    assert path.read_bytes() == before

    target = tmp_path / "copy.sqlite"
    run = subprocess.run([sys.executable, "-m", "negotiation", "convert", str(path), str(target)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert not target.exists(), "no store is made from a bad log"
    assert path.read_bytes() == before


@pytest.mark.parametrize("row", [row for row in REFUSED if row[0] not in ("line over the size limit",)],
                         ids=[row[0] for row in REFUSED if row[0] not in ("line over the size limit",)])
def test_validate_names_the_line(tmp_path, row):
    name, line, field, _ = row
    path = _bad_file(tmp_path, name, line)
    run = subprocess.run([sys.executable, "-m", "negotiation", "validate", str(path)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"{path}, line 2" in run.stderr
    if field is not None:
        assert f"field {field!r}" in run.stderr


@pytest.mark.parametrize("kind", ["bad.jsonl", "bad.sqlite"])
def test_changed_duplicate_appended_to_a_store_is_refused(tmp_path, kind, london):
    store = events.open_store(tmp_path / kind)
    store.append(london)
    before = (tmp_path / kind).read_bytes()
    with pytest.raises(events.DuplicateEventError, match="already stored"):
        store.append([attrs.evolve(london[3], note="other words")])
    assert (tmp_path / kind).read_bytes() == before and store.version == len(london)


ACCEPTED = [
    ("empty file", b"", 0),
    ("byte-order mark", b"\xef\xbb\xbf" + GOOD.encode(), 1),
    ("CRLF line ends", GOOD.replace("\n", "\r\n").encode() + _line(TARIFF).replace("\n", "\r\n").encode(), 2),
    ("unicode and emoji", _line(STATEMENT, summary="Talks in 伦敦 went well 🤝🇬🇧, said Bessent — “good”").encode(), 1),
]


@pytest.mark.parametrize(("row", "data", "count"), ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_accepted_and_kept_exactly(tmp_path, london, row, data, count):
    path = tmp_path / "log.jsonl"
    path.write_bytes(data)
    read = events.read_log(path)
    assert len(read) == count
    store = events.JsonlStore(path)
    store.append(london[:2])
    assert path.read_bytes().startswith(data), "an append never rewrites what is there"
    assert events.read_log(path) == (*read, *london[:2])
    sqlite = tmp_path / "log.sqlite"
    back = tmp_path / "back.jsonl"
    events.convert(path, sqlite)
    events.convert(sqlite, back)
    assert events.read_log(back) == events.read_log(path)
    if row == "unicode and emoji":
        assert "🤝🇬🇧" in read[0].summary and "🤝🇬🇧" in back.read_text(encoding="utf-8")
