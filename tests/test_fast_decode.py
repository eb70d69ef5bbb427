"""The codec's fast path (events/_fast.py) changes no outcome of decoding, only its speed.

Every line is decoded with the fast path and without it (the slow path
alone, as before it existed): the events, or the errors word for word,
must be the same. The proof that no key is repeated is checked against the
json module's own count. Lines the library writes must take the fast path
(else reading is slow without any test failing), and decoded events share
their repeated values.
"""

from __future__ import annotations

import contextlib
import enum
import json
import re
import sqlite3
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import events
from events import _codec, strategies
from events._fast import FastDecoder, _keys_unrepeated
from events._validators import is_identifier

SEEDS = sorted((Path(__file__).parent.parent / "seeds").glob("*.jsonl"))


class _NoFastPath:
    """Stands in for the fast path: proves nothing, so the slow path decodes every line."""

    def record(self, text: Any, *, stored_hash: Any = None) -> None:
        return None

    def clear(self) -> None:
        pass


@contextlib.contextmanager
def _slow_only() -> Iterator[None]:
    saved = _codec._FAST
    _codec._FAST = _NoFastPath()  # type: ignore[assignment]
    try:
        yield
    finally:
        _codec._FAST = saved


def _outcome(text: str, *, keep_unknown: bool = False) -> tuple[str, Any]:
    try:
        return "events", events.loads_jsonl(text, path="log.jsonl", keep_unknown=keep_unknown)
    except events.DecodeError as exc:
        return "error", f"{type(exc).__name__}: {exc}"


def _both(text: str, *, keep_unknown: bool = False) -> tuple[tuple[str, Any], tuple[str, Any]]:
    fast = _outcome(text, keep_unknown=keep_unknown)
    with _slow_only():
        slow = _outcome(text, keep_unknown=keep_unknown)
    return fast, slow


def _same(fast: tuple[str, Any], slow: tuple[str, Any]) -> None:
    assert fast[0] == slow[0], (fast, slow)
    if fast[0] == "events":
        assert fast[1] == slow[1]
        assert [repr(event) for event in fast[1]] == [repr(event) for event in slow[1]]
        assert [events.to_record(event) for event in fast[1]] == [events.to_record(event) for event in slow[1]]
    else:
        assert fast[1] == slow[1]


@pytest.mark.parametrize("path", SEEDS, ids=[path.name for path in SEEDS])
def test_every_line_the_library_writes_takes_the_fast_path(path):
    decoder = FastDecoder(events.converter)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    proven = [decoder.record(line) for line in lines]
    assert [line for line, found in zip(lines, proven, strict=True) if found is None] == []
    assert [found[1] for found in proven if found is not None] == list(events.read_jsonl(path))
    _same(*_both("\n".join(lines)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.logs(max_events=12))
def test_fast_and_slow_paths_decode_generated_logs_alike(log):
    text = events.dumps_jsonl(log)
    decoder = FastDecoder(events.converter)
    assert all(decoder.record(line) is not None for line in text.splitlines()), "written lines are proven"
    fast, slow = _both(text)
    _same(fast, slow)
    assert fast[1] == tuple(log)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**65), max_value=2**65)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
    | st.sampled_from(["2025-06-09", "2025-06-09T12:00:00Z", "30", "30.0", "-0", "1E+1", "all", "USA", "add", "", " "]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["rate", "hs", "x", "type", "v"]),
                                                                inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.logs(max_events=4).filter(len), st.data())
def test_a_changed_field_decodes_alike_on_both_paths(log, data):
    """Any field of any record set to any JSON value (or dropped, or added): same events or same error."""
    lines = events.dumps_jsonl(log).splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    record = json.loads(lines[index])
    key = data.draw(st.sampled_from([*record, "extra", "hash"]))
    if data.draw(st.booleans()) and key in record:
        del record[key]
    else:
        record[key] = data.draw(_JSON)
    lines[index] = json.dumps(record, ensure_ascii=data.draw(st.booleans()))
    text = "\n".join(lines)
    keep_unknown = data.draw(st.booleans())
    _same(*_both(text, keep_unknown=keep_unknown))


BAD = [
    '"rate": "30", "rate": "31"',  # a repeated key, both values valid
    '"rate": "3:0", "rate": "31"',  # the value dropped holds a colon
    '"note": "a\\u003ab", "note": "a"',  # a colon escaped, then a repeated key
    '"source": {"publisher": "P", "title": "T", "title": "U"}',  # a repeated key in a nested object
    '"rate": 30',  # a number where a string belongs
    '"rate": "30", "extra": 9223372036854775808',  # an integer past the range SQLite stores
    '"rate": "30", "extra": 1.00000000000000000001',  # a number no float keeps exactly
    '"rate": "1E+1"',
    '"rate": "30", "v": true',
    '"rate": "30", "hash": "ABC"',
]


@pytest.mark.parametrize("tail", BAD)
def test_lines_only_the_slow_path_refuses_are_refused_alike(tail):
    line = ('{"type": "TariffChanged", "v": 1, "event_id": "e1", "effective": "2025-06-09", '
            '"recorded": "2025-06-09T00:00:00Z", "imposer": "USA", "target": "CHN", "measure": "S301", ' + tail + "}")
    fast, slow = _both(line)
    assert fast[0] == "error" and "log.jsonl, line 1" in fast[1]
    _same(fast, slow)


def _object(draw: Any, depth: int) -> tuple[str, bool]:
    """JSON object text with keys from a small set (so that some repeat), and whether any object repeats a key."""
    keys = draw(st.lists(st.sampled_from(["a", "b", "a:", ":", "c\\u003a"]), max_size=4))
    parts, repeated = [], len(set(keys)) != len(keys)
    for key in keys:
        kind = draw(st.integers(0, 3 if depth < 3 else 1))
        if kind == 0:
            value = json.dumps(draw(st.text(alphabet=':"\\a\u00e9', max_size=4)), ensure_ascii=draw(st.booleans()))
        elif kind == 1:
            value = draw(st.sampled_from(['"\\u003a"', '"\\u003A:"', "1", "null", '":"']))
        elif kind == 2:
            value, inner = _object(draw, depth + 1)
            repeated = repeated or inner
        else:
            items = [_object(draw, depth + 1) for _ in range(draw(st.integers(0, 2)))]
            value = "[" + ", ".join(text for text, _ in items) + "]"
            repeated = repeated or any(inner for _, inner in items)
        spaces = draw(st.sampled_from(["", " ", "\t "]))
        parts.append(f'"{key}"{spaces}:{spaces}{value}')
    return "{" + ", ".join(parts) + "}", repeated


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_the_colon_count_proves_no_key_is_repeated(data):
    text, repeated = _object(data.draw, 0)
    body = orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS)
    for form in (text, text.encode("utf-8")):
        if _keys_unrepeated(form, body, 0):
            assert not repeated, text
    if not repeated and "\\u003" not in text:
        assert _keys_unrepeated(text, body, 0), "a record without repeated keys is proven"


def test_text_outside_printable_ascii_keeps_the_chain(tmp_path):
    """The chain hashes canonical JSON, which escapes what orjson writes as it is: such records are hashed the slow way."""
    path = tmp_path / "log.jsonl"
    base = events.read_jsonl(SEEDS[0])
    notes = ["Zoë – “quoted”", "emoji \U0001f600", "delete \x7f", "tab\tand\nnewline", "plain"]
    log = [attrs.evolve(event, note=note) for event, note in zip(base, notes, strict=False)]
    events.write_jsonl(path, log)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert events.read_jsonl(path) == tuple(log)
    assert events.verify_log(path).intact
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("emoji", "Emoji")  # an edit the chain must catch
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(events.ChainWarning, match="line 2"):
        events.read_jsonl(path)


def test_decoded_events_share_their_repeated_values(tmp_path):
    path = tmp_path / "log.jsonl"
    first = events.from_dict({"type": "StatementIssued", "v": 1, "event_id": "s1", "effective": "2025-06-09",
                              "recorded": "2025-06-09T00:00:00Z", "party": "CHN", "speaker": "Spokesperson",
                              "summary": "Welcomes the talks",
                              "source": {"publisher": "MOFCOM", "title": "Notice", "url": None, "published": None}})
    second = events.from_dict({**events.to_dict(first), "event_id": "s2"})
    events.write_jsonl(path, [first, second])
    a, b = events.read_jsonl(path)
    assert (a.source is b.source, a.party is b.party, a.effective is b.effective, a.speaker is b.speaker) == (
        True, True, True, True)


def _column_store(tmp_path: Path, column: str, raw_sql: str) -> Path:
    path = tmp_path / "log.sqlite"
    log = events.read_jsonl(SEEDS[0])[:6]
    with events.SqliteStore(path) as store:
        store.append(log)
    db = sqlite3.connect(path, isolation_level=None)
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'records_no_update'").fetchone()[0]
    db.execute("DROP TRIGGER records_no_update")
    db.execute(f"UPDATE records SET {column} = {raw_sql} WHERE seq = 3")
    db.execute(trigger)
    db.close()
    return path


@pytest.mark.parametrize(("column", "raw_sql", "held"), [
    ("version", "0.1 + 0.2", "0.3"),  # a real is read as its text (15 digits), as before
    ("event_id", "CAST(X'ff' AS TEXT)", "b'\\xff'"),  # text that is not UTF-8 is read as bytes
    ("effective", "CAST(X'ff' AS TEXT)", "b'\\xff'"),
])
def test_a_query_column_sqlite_cannot_read_as_a_value_is_still_checked(tmp_path, column, raw_sql, held):
    path = _column_store(tmp_path, column, raw_sql)
    found = events.verify_log(path)
    assert (found.first_bad, f"column {column!r} holds {held}, but its record says" in str(found.problem)) == (3, True)
    with pytest.warns(events.ChainWarning, match=f"record 3: .*column '{column}' holds {re.escape(held)},"):
        read = events.read_log(path)
    assert read == events.read_jsonl(SEEDS[0])[:6]


def test_the_space_is_the_one_whitespace_character_that_is_printable():
    """What events._validators.is_identifier relies on, checked for every code point of this Python."""
    assert [char for char in map(chr, range(sys.maxunicode + 1)) if char.isspace() and char.isprintable()] == [" "]


@given(st.text(max_size=6) | st.sampled_from(["", " ", "a b", "a\u3000b", "e1", "\u00e9t\u00e9", "a\x85"]))
def test_identifiers_are_printable_strings_without_whitespace(text):
    assert is_identifier(text) == (text.isprintable() and re.fullmatch(r"\S+", text) is not None)


@given(st.one_of(st.text(alphabet="0123456789abcdefABCDEF-xé٣ ", min_size=62, max_size=66),
                 st.text(alphabet="0123456789abcdef", min_size=63, max_size=65), st.text()))
def test_hash_form_check_equals_the_schema_pattern(text):
    """is_hash (no regex, once per record read) accepts exactly what the schema's pattern accepts."""
    from events._chain import _HEX, is_hash

    assert is_hash(text) == (_HEX.fullmatch(text) is not None)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.text(max_size=6), _JSON, max_size=6), st.sampled_from(["0" * 64, "ab" * 32]))
@example({"rate": 1e-07, "n": 2**64, "t": "\x7f\u00e9\x01"}, "0" * 64)  # orjson writes 1e-7; json 1e-07
@example({"nested": [{"x": 1e-05}]}, "0" * 64)
def test_chain_hash_is_sha256_of_the_canonical_json_whatever_the_record_holds(record, previous):
    """record_hash (orjson where it writes the same bytes) equals its definition with json.dumps: floats,
    big integers, non-ASCII text, control characters and DEL included."""
    import hashlib

    from events._chain import record_hash

    content = {key: value for key, value in record.items() if key != "hash"}
    body = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    assert record_hash(previous, record) == hashlib.sha256((previous + body).encode("ascii")).hexdigest()


class _Colour(enum.Enum):
    RED = "red"
    BIG = 1e16


@pytest.mark.parametrize("value", [_Colour.RED, _Colour.BIG, uuid.UUID(int=5), orjson.Fragment(b"1e16"),
                                   [_Colour.RED], {"inner": (uuid.UUID(int=1),)}])
def test_chain_hash_refuses_what_json_cannot_write_though_orjson_can(value):
    """record_hash raises TypeError, as its definition (json.dumps) does, for a value orjson writes but JSON
    does not: an enum member, a UUID, an orjson fragment (a hash of orjson's bytes would be one no reader
    of the stored JSON computes again)."""
    from events._chain import record_hash

    with pytest.raises(TypeError):
        json.dumps({"v": value})
    with pytest.raises(TypeError):
        record_hash("0" * 64, {"v": value})
