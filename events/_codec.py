"""Serialization of events through one configured cattrs converter.

A serialized event is a flat JSON object with an explicit type tag and a
schema version first, then the event's fields::

    {"type": "TariffChanged", "v": 1, "event_id": "...", "effective": "2025-05-14",
     "recorded": "2025-05-12T09:00:00Z", ..., "rate": "34", ..., "hash": "9f2c..."}

Decimals are strings (``"4.8"``), dates ISO ``YYYY-MM-DD``, timestamps ISO
8601 with an offset (written in UTC with ``Z``), scopes ``"all"`` or a list
of HS prefixes, enums their value. Unknown keys are errors, never dropped.

A stored record may also carry ``"hash"``, its link in the log's hash chain
(``events/_chain.py``); writers add it, readers accept records with or
without it and drop it. Records of older versions or renamed types are
brought up to date on read (``events/_upcasting.py``).

A line may hold at most :data:`MAX_LINE_BYTES` bytes (1 MiB); a longer line
is refused unread. Files are read as streams, a line at a time
(:class:`LineReader`), so memory never holds more than one line of the file.

Readers first try each record on a fast path (``events/_fast.py``), which
returns the event only when it can prove the record valid by every rule
here; any other record is decoded by the converter, which finds and words
the error. So the fast path changes how fast a log is read, never what is
read or what error is raised.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import stat
import sys
import tempfile
import threading
import typing
import warnings
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple, overload

import attrs
import cattrs
from attrs import frozen
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from ._chain import GENESIS, HASH_FIELD, Verification, is_hash, record_hash, verify_stored
from ._errors import ChainWarning, DecodeError, EventsError, StoreError, TornTailError, UnknownRecordError
from ._fast import FastDecoder
from ._iso import parse_date, parse_instant
from ._opaque import OpaqueRecord
from ._revisions import EVENT_TYPES, AnyEvent
from ._upcasting import UPCASTING
from ._values import ALL_GOODS, Scope
from ._vocabulary import Event, Fact

__all__ = [
    "MAX_LINE_BYTES",
    "Line",
    "LineReader",
    "LogCheck",
    "Record",
    "check_jsonl",
    "converter",
    "dumps_jsonl",
    "encode_line",
    "encode_lines",
    "fast_record",
    "fast_session",
    "from_dict",
    "is_torn",
    "loads_jsonl",
    "open_log",
    "parse_line",
    "read_jsonl",
    "read_text",
    "refuse_special",
    "scan_jsonl",
    "scan_lines",
    "split_lines",
    "to_dict",
    "to_record",
    "warn_broken_chain",
    "write_jsonl",
]

_TYPES: dict[str, type[Event]] = {cls.TYPE: cls for cls in EVENT_TYPES}

MAX_LINE_BYTES = 1_048_576
"""The longest line a JSON Lines log may hold, in bytes (1 MiB; the seed logs' longest is under 2 KB)."""

Record = AnyEvent | OpaqueRecord
"""What a log holds: events, and opaque records when a reader is asked to keep them."""

converter = cattrs.Converter(forbid_extra_keys=True)
"""The one converter for events, their values and the negotiation state."""


def _expect(ok: bool, expected: str, value: Any) -> None:
    if not ok:
        raise ValueError(f"expected {expected}, got {value!r}")


def _structure_str(value: Any, _: Any) -> str:
    # Lone surrogates are refused by the fields' validators (events/_validators.py), once per string.
    if isinstance(value, str):
        return value
    raise ValueError(f"expected a string, got {value!r}")


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"expected an integer, got {value!r}")


def _structure_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"expected true or false, got {value!r}")


_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _structure_decimal(value: Any, _: Any) -> Decimal:
    expected = 'a plain decimal number as a string, e.g. "30" or "-3.4"'
    _expect(isinstance(value, str) and _DECIMAL.fullmatch(value) is not None, expected, value)
    return Decimal(value)


_parse_date_text = functools.lru_cache(maxsize=8192)(parse_date)
"""Logs repeat their dates: each distinct text is parsed (and its date object kept) once."""


def _structure_date(value: Any, _: Any) -> date:
    return _parse_date_text(value) if isinstance(value, str) else parse_date(value)


def _structure_datetime(value: Any, _: Any) -> datetime:
    return parse_instant(value)


def _unstructure_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _structure_scope(value: Any, _: Any) -> Scope:
    if value == "all":
        return ALL_GOODS
    _expect(isinstance(value, list) and bool(value), '"all" or a non-empty list of HS code prefixes', value)
    return _scope(tuple(_structure_str(code, str) for code in value))


@functools.lru_cache(maxsize=8192)
def _scope(hs: tuple[str, ...]) -> Scope:
    """Logs repeat their scopes: each distinct list is checked, and its Scope built, once (and shared)."""
    return Scope(hs=hs)


def _is_homogeneous_tuple(kind: Any) -> bool:
    args = typing.get_args(kind)
    return typing.get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis


def _structure_tuple(value: Any, kind: Any) -> tuple[Any, ...]:
    _expect(isinstance(value, list), "a JSON array", value)
    item = typing.get_args(kind)[0]
    items, errors = [], []
    for index, element in enumerate(value):
        try:
            items.append(converter.structure(element, item))
        except Exception as exc:  # collected with its index, re-raised below as a group
            exc.add_note(IterableValidationNote(f"Structuring {kind} @ index {index}", index, item))
            errors.append(exc)
    if errors:
        raise IterableValidationError(f"While structuring {kind}", errors, kind)
    return tuple(items)


def _structure_objects(cls: type) -> Any:
    """Structure attrs classes from JSON objects only; anything else is an error, not a crash."""
    structure: Any = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True)

    def hook(value: Any, kind: Any) -> Any:
        _expect(isinstance(value, dict), f"a JSON object ({cls.__name__})", value)
        return structure(value, kind)

    return hook


converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(date, _structure_date)
converter.register_unstructure_hook(date, date.isoformat)
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(datetime, _unstructure_datetime)
converter.register_structure_hook(Scope, _structure_scope)
converter.register_unstructure_hook(Scope, lambda scope: "all" if scope.all_goods else list(scope.hs))
converter.register_structure_hook_func(_is_homogeneous_tuple, _structure_tuple)
converter.register_structure_hook(Fact, lambda value, _: _structure_nested(value))
converter.register_unstructure_hook(Fact, lambda event: to_dict(event))
converter.register_structure_hook_factory(
    lambda kind: attrs.has(kind) and kind is not Scope, _structure_objects
)


def _structure_nested(value: Any) -> AnyEvent:
    """A fact nested in another event (a correction's replacement), tagged like a line."""
    _expect(isinstance(value, dict), "a JSON object (a tagged event)", value)
    if HASH_FIELD in value:
        raise _NestedDecodeError(DecodeError("a chain field belongs to the stored record, not to a nested event",
                                             field=HASH_FIELD))
    try:
        return from_dict(value)
    except DecodeError as exc:
        raise _NestedDecodeError(exc) from exc


class _NestedDecodeError(ValueError):
    """Carries a nested event's DecodeError up through cattrs, keeping its field."""

    def __init__(self, error: DecodeError) -> None:
        self.field = error.field
        self.error = error
        super().__init__(error.reason)


def to_dict(event: Event) -> dict[str, Any]:
    """Serialize an event to a plain dict of JSON types.

    Returns:
        ``{"type": <tag>, "v": <schema version>, <fields>..., "source": ...,
        "note": ...}``: the citation last, so the facts read first. The
        version is :meth:`events.Event.stored_version`: an event that uses
        no field of a later version is written exactly as that older
        version wrote it.
    """
    if not isinstance(event, Event):
        raise TypeError(f"expected an event, got {event!r}")
    body = converter.unstructure(event)
    citation = {"source": body.pop("source"), "note": body.pop("note")}
    version = event.stored_version()
    if version < event.VERSION:
        for name in event.LATER_FIELDS:
            del body[name]
    return {"type": event.TYPE, "v": version, **body, **citation}


def _field_path(exc: BaseException, prefix: str = "") -> tuple[str | None, BaseException]:
    """Find the first leaf error in a cattrs error tree and its dotted field path."""
    if isinstance(exc, ForbiddenExtraKeysError):
        name = sorted(exc.extra_fields)[0]
        return prefix + name, ValueError(f"unknown field (not part of {exc.cl.__name__})")
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        if with_notes:
            inner, note = with_notes[0]
            return _field_path(inner, f"{prefix}{note.name}.")
        return _field_path(without[0], prefix)
    if isinstance(exc, IterableValidationError):
        indexed, plain = exc.group_exceptions()
        if indexed:
            item, index_note = indexed[0]
            return _field_path(item, f"{prefix.rstrip('.')}[{index_note.index}].")
        return _field_path(plain[0], prefix)
    field = getattr(exc, "field", None)
    path = prefix + field if isinstance(field, str) else prefix.rstrip(".") or None
    return path, exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return "required field is missing"
    if isinstance(exc, EventsError) and hasattr(exc, "expected"):
        return f"expected {exc.expected}, got {exc.value!r}"  # type: ignore[attr-defined]
    return str(exc)


def to_record(item: Record) -> dict[str, Any]:
    """The stored form of an event (:func:`to_dict`) or an opaque record (as it was), without chain fields."""
    return item.to_dict() if isinstance(item, OpaqueRecord) else to_dict(item)


@overload
def from_dict(data: Mapping[str, Any], *, keep_unknown: Literal[False] = ...) -> AnyEvent: ...
@overload
def from_dict(data: Mapping[str, Any], *, keep_unknown: bool) -> Record: ...
def from_dict(data: Mapping[str, Any], *, keep_unknown: bool = False) -> Record:
    """Decode one stored record from a plain dict as written by :func:`to_dict`.

    A ``"hash"`` (chain field) is accepted and dropped; a record of an older
    version or a renamed type is upcast to the current event.

    Args:
        data: The record.
        keep_unknown: Return an :class:`OpaqueRecord` for an unknown type or
            a future version, instead of raising.

    Raises:
        UnknownRecordError: an unknown type tag, or a version this library
            cannot read (unless ``keep_unknown``).
        DecodeError: a missing or null type tag, or a missing version; a
            missing, unknown or ill-typed field; a value that breaks an
            event's rule; a chain field that is not 64 hex digits. The error
            names the event id (when readable) and the field as the record
            has it (a field of an old version, not the one it became).
    """
    if not isinstance(data, Mapping):
        raise DecodeError(f"expected a JSON object, got {type(data).__name__}")
    if HASH_FIELD in data:
        if not is_hash(data[HASH_FIELD]):
            raw_id = data.get("event_id")
            raise DecodeError("expected a chain hash: 64 lowercase hex digits",
                              event_id=raw_id if isinstance(raw_id, str) else None, field=HASH_FIELD)
        data = {key: value for key, value in data.items() if key != HASH_FIELD}
    try:
        tag, fields = UPCASTING.upgrade(data)
    except UnknownRecordError as exc:
        if keep_unknown:
            return OpaqueRecord.of(dict(data), exc.reason)
        raise
    try:
        event = _from_current(tag, fields)
    except DecodeError as exc:  # name the field as the stored record has it, not as upcasting renamed it
        field = UPCASTING.origin(data, exc.field)
        if field == exc.field:
            raise
        raise DecodeError(exc.reason, path=exc.path, line=exc.line, event_id=exc.event_id, field=field,
                          unit=exc.unit) from exc.__cause__
    if data.get("v") == event.VERSION and event.stored_version() < event.VERSION:
        # Written at a later version than its content needs: writing it back would change its bytes and its chain.
        raise DecodeError(f"expected \"v\": {event.stored_version()} for a record that uses no field of a later version",
                          event_id=event.event_id, field="v")
    return event


def _from_current(tag: str, fields: dict[str, Any]) -> AnyEvent:
    """Structure a record's fields, already at ``tag``'s current version."""
    raw_id = fields.get("event_id")
    event_id = raw_id if isinstance(raw_id, str) else None
    try:
        return typing.cast(AnyEvent, converter.structure(fields, _TYPES[tag]))
    except (ClassValidationError, ForbiddenExtraKeysError, EventsError, ValueError, TypeError) as exc:
        field, leaf = _field_path(exc)
        raise DecodeError(_reason(leaf), event_id=event_id, field=field) from exc


def _reject_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {twice!r} in one object")
    return data


_INT_RANGE = 2**63
"""JSON integers must lie in -2**63 .. 2**63 - 1, the range SQLite stores."""


def _parse_int(text: str) -> int:
    number = int(text)
    if not -_INT_RANGE <= number < _INT_RANGE:
        raise ValueError(f"integer {text[:30]} is out of range (at most 19 digits)")
    return number


def _parse_float(text: str) -> float:
    """A JSON number with a fraction or exponent, refused unless a float keeps it exactly."""
    number = float(text)
    if not math.isfinite(number) or Decimal(repr(number)) != Decimal(text):
        raise ValueError(f"number {text[:30]} cannot be kept exactly (write it as a string)")
    return number


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys,
                            parse_int=_parse_int, parse_float=_parse_float)


def _parse_json(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def parse_line(text: str, path: str | None = None, number: int | None = None) -> Any:
    """Parse one line of a log as JSON, strictly: at most MAX_LINE_BYTES, UTF-8, no NaN, no duplicate keys.

    Raises:
        DecodeError: naming ``path`` and line ``number``.
    """
    if len(text) > MAX_LINE_BYTES // 4 and len(text.encode("utf-8", "surrogateescape")) > MAX_LINE_BYTES:
        size = len(text.encode("utf-8", "surrogateescape"))
        raise DecodeError(f"line too long: {size:,} bytes; the limit is {MAX_LINE_BYTES:,}", path=path, line=number)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        reason = f"not valid UTF-8 text (bad byte or lone surrogate at column {exc.start + 1})"
        raise DecodeError(reason, path=path, line=number) from None
    try:
        return _parse_json(text)
    except ValueError as exc:
        raise DecodeError(f"malformed JSON: {exc}", path=path, line=number) from exc


def split_lines(text: str, *, at_start: bool = True) -> Iterator[tuple[int, str, bool]]:
    """Yield (1-based number, line, whether it is an unterminated last line) for each non-blank line.

    A byte-order mark is dropped if ``text`` is the start of a file
    (``at_start``); LF and CRLF endings are accepted.
    """
    lines = (text.removeprefix("\ufeff") if at_start else text).split("\n")
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix("\r")
        if line.strip():
            yield number, line, number == len(lines)


class Line(NamedTuple):
    """One non-blank line of a JSON Lines file, as :class:`LineReader` yields it."""

    number: int
    """The 1-based line number."""
    offset: int
    """The byte offset of the line's first byte in the file."""
    text: str | None
    """The line without its ending (bytes that are not UTF-8 become lone surrogates);
    ``None`` for a line longer than :data:`MAX_LINE_BYTES`, which is skipped unread."""
    unterminated: bool
    """Whether this is the last line and has no line end."""


_BOM = b"\xef\xbb\xbf"
_READ_LIMIT = MAX_LINE_BYTES + 2
"""The most bytes a line may take with its ending (CRLF): one more byte is a line too long."""
_SKIP_CHUNK = 4 << 20


def _text(data: bytes) -> str:
    """A line's bytes as text: bytes that are not UTF-8 become lone surrogates (refused when the line is read)."""
    return data.decode("utf-8", errors="surrogateescape")


class LineReader:
    """The non-blank lines of a JSON Lines file, read as a stream in bounded memory.

    At most :data:`MAX_LINE_BYTES` (and a line ending) is held at a time: a
    longer line is yielded with ``text=None`` and skipped unread when the
    next line is asked for.

    An *interrupted append* ends the lines: :class:`events.JsonlStore`
    writes a batch with the first byte of its first line (``{``) held back
    as a NUL byte, flushes the batch to disk, and only then writes the
    ``{``. A line that begins with a NUL byte followed by ``"`` (or that is
    a NUL byte alone, at the end) is thus a batch whose append never
    completed: the reader stops there and sets :attr:`uncommitted`.

    Args:
        stream: A binary stream positioned at ``start``.
        start: The offset of the stream's position in the file.
        lines: How many lines come before ``start`` (numbers continue from it).
        end: Read no further than this offset (``None``: to the end).

    Attributes:
        offset: The offset just after the last line read.
        lines: The number of the last line read (blank lines count).
        ends_with_newline: Whether the last line read had a line end (or none was read).
        uncommitted: The offset of an interrupted append's first byte, or ``None``.
        uncommitted_line: Its line number, or ``None``.
    """

    def __init__(self, stream: BinaryIO, *, start: int = 0, lines: int = 0, end: int | None = None) -> None:
        self._stream = stream
        self._end = end
        self.offset = start
        self.lines = lines
        self.ends_with_newline = True
        self.uncommitted: int | None = None
        self.uncommitted_line: int | None = None

    def _readline(self, limit: int) -> bytes:
        if self._end is not None:
            limit = min(limit, self._end - self.offset)
            if limit <= 0:
                return b""
        return self._stream.readline(limit)

    def __iter__(self) -> Iterator[Line]:
        for number, offset, data, unterminated in self._lines():
            yield Line(number, offset, None if data is None else _text(data), unterminated)

    def _lines(self) -> Iterator[tuple[int, int, bytes | None, bool]]:
        """The non-blank lines as (number, offset, bytes without line end or ``None``, unterminated) tuples.

        :meth:`__iter__` yields them as :class:`Line`, their bytes as text.
        """
        readline, end = self._stream.readline, self._end
        while True:
            start = self.offset
            limit = _READ_LIMIT if end is None else min(_READ_LIMIT, end - start)
            chunk = readline(limit) if limit > 0 else b""
            if not chunk:
                return
            if chunk[0] == 0 and (len(chunk) == 1 or chunk[1] == 34):  # a NUL byte, then '"' or nothing
                self.uncommitted, self.uncommitted_line = start, self.lines + 1
                return
            self.lines = number = self.lines + 1
            self.offset = start + len(chunk)
            terminated = self.ends_with_newline = chunk[-1] == 10  # b"\n"
            if not terminated and len(chunk) == _READ_LIMIT:
                yield number, start, None, False
                self._skip()
                continue
            if start == 0 and chunk.startswith(_BOM):
                chunk = chunk[len(_BOM):]
            if terminated:
                chunk = chunk[:-2] if chunk.endswith(b"\r\n") else chunk[:-1]
            if chunk[:1] == b"{" or _text(chunk).strip():
                yield number, start, chunk, not terminated

    def _skip(self) -> None:
        """Read past the rest of a line too long to keep, holding one chunk at a time."""
        if self._stream.seekable():
            buffer = bytearray(_SKIP_CHUNK)
            while True:
                size = typing.cast(Any, self._stream).readinto(buffer)
                if self._end is not None:
                    size = min(size or 0, self._end - self.offset)
                if not size:
                    self.ends_with_newline = False
                    return
                found = buffer.find(b"\n", 0, size)
                if found >= 0:
                    self.offset += found + 1
                    self._stream.seek(self.offset)
                    self.ends_with_newline = True
                    return
                self.offset += size
        while True:
            piece = self._readline(_SKIP_CHUNK)
            self.offset += len(piece)
            if not piece or piece.endswith(b"\n"):
                self.ends_with_newline = bool(piece)
                return


_STRUCTURE = re.compile(r'\\.|["{}\[\]]', re.DOTALL)


def is_torn(text: str) -> bool:
    """Whether an unterminated last line that does not parse is a write cut short (a *torn* line).

    It is when it could be the start of a record line: at most
    :data:`MAX_LINE_BYTES`, it begins with ``{``, and it stops inside a
    string or before every bracket it opened is closed. A complete line
    that is merely invalid (``NaN``, a duplicate key, a bad number), or a
    line that is not JSON at all, is not torn.
    """
    body = text.strip()
    if not body.startswith("{") or len(body) > MAX_LINE_BYTES:
        return False
    depth, in_string = 0, False
    for match in _STRUCTURE.finditer(body):
        token = match.group()
        if in_string:
            in_string = token != '"'
        elif token == '"':
            in_string = True
        elif token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
    return in_string or depth > 0


def _fast() -> FastDecoder:
    """The fast path's decoders, generated on first use (see ``events/_fast.py``)."""
    global _FAST
    if _FAST is None:
        _FAST = FastDecoder(converter)
    return _FAST


_FAST: FastDecoder | None = None


def fast_record(text: bytes | str, *, stored_hash: str | None = None) -> tuple[dict[str, Any], Any, bytes] | None:
    """One stored record through the fast path (see :meth:`events._fast.FastDecoder.record`), or ``None``."""
    return (_FAST or _fast()).record(text, stored_hash=stored_hash)


@contextlib.contextmanager
def fast_session() -> Iterator[None]:
    """Keep the fast path's values for the length of a read, and let them go after it (memory stays the events').

    Reads may nest or run in several threads: the values go when the last ends.
    """
    global _SESSIONS
    with _SESSIONS_LOCK:
        _SESSIONS += 1
    try:
        yield
    finally:
        with _SESSIONS_LOCK:
            _SESSIONS -= 1
            if not _SESSIONS and _FAST is not None:
                _FAST.clear()


_SESSIONS = 0
_SESSIONS_LOCK = threading.Lock()


def _decoded(number: int, line: bytes | str | None, unterminated: bool, path: str | None,
             keep_unknown: bool) -> tuple[int, Any, Record | DecodeError, bytes | None]:
    """(number, parsed JSON or ``None``, record or its error, body or ``None``) for one line (bytes or text).

    The body, when the fast path decoded the line, is the record without its
    chain field as orjson writes it (see ``events/_chain.py``).
    """
    if line is None:
        return number, None, DecodeError(f"line too long: over {MAX_LINE_BYTES:,} bytes, the limit; skipped unread",
                                         path=path, line=number), None
    if line[:1] in ("{", b"{") and len(line) <= MAX_LINE_BYTES // 4:
        fast = (_FAST or _fast()).record(line)  # see fast_record
        if fast is not None:
            return number, fast[0], fast[1], fast[2]
    text = _text(line) if isinstance(line, bytes) else line
    raw = None
    try:
        raw = parse_line(text, path, number)
        try:
            item: Record | DecodeError = from_dict(raw, keep_unknown=keep_unknown)
        except DecodeError as exc:
            raise exc.located(path=path, line=number) from exc.__cause__
    except DecodeError as exc:
        item = exc
        if unterminated and raw is None and is_torn(text):
            item = TornTailError(
                f"{exc.reason} -- the last line has no line end: a write was interrupted? "
                "`negotiation repair` removes it, keeping a backup",
                path=path, line=number, event_id=exc.event_id, field=exc.field)
    return number, raw, item, None


def scan_jsonl(text: str, path: str | None, keep_unknown: bool, *,
               at_start: bool = True) -> Iterator[tuple[int, Any, Record | DecodeError]]:
    """Yield (line number, parsed JSON or ``None``, record or its error) for each non-blank line of ``text``.

    A last line without a line end that was cut short (see :func:`is_torn`)
    is a torn write: its error is a :class:`TornTailError`. ``at_start``:
    ``text`` begins the file (see :func:`split_lines`).
    """
    for number, line, unterminated in split_lines(text, at_start=at_start):
        yield _decoded(number, line, unterminated, path, keep_unknown)[:3]


def scan_lines(lines: Iterable[Line], path: str | None,
               keep_unknown: bool) -> Iterator[tuple[int, Any, Record | DecodeError]]:
    """Like :func:`scan_jsonl`, for the lines of a :class:`LineReader`; a line too long is an error, unread."""
    for line in lines:
        yield _decoded(line.number, line.text, line.unterminated, path, keep_unknown)[:3]


def warn_broken_chain(verification: Verification) -> None:
    """Issue a :class:`ChainWarning` if ``verification`` found a break, naming the file and the first bad record.

    The warning points at the first caller outside the ``events`` package.
    """
    if verification.first_bad is None:
        return
    frame: Any = sys._getframe(0)
    level = 1
    package = os.path.dirname(__file__)
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == package:
        frame, level = frame.f_back, level + 1
    warnings.warn(ChainWarning(verification.path, verification.first_bad, verification.problem or "broken",
                               verification.unit), stacklevel=level)


def _chain_checked(reader: LineReader, path: str, keep_unknown: bool, *,
                   stop_at_error: bool) -> list[tuple[int, Record | DecodeError]]:
    """Every (line number, record or its error) that ``reader`` reads, checking the hash chain on the way.

    With ``stop_at_error`` the first error is raised. A break of the chain
    at a record that decoded issues a :class:`ChainWarning` (a line that
    does not decode is reported as its error instead).
    """
    results: list[tuple[int, Record | DecodeError]] = []
    lines = reader._lines()

    def fed() -> Iterator[tuple[int, Any, bytes | None]]:
        for number, _, data, unterminated in lines:
            _, raw, item, body = _decoded(number, data, unterminated, path, keep_unknown)
            if stop_at_error and isinstance(item, DecodeError):
                raise item
            results.append((number, item))
            yield number, raw, body

    with fast_session():
        verification = verify_stored(path, fed())
        if verification.first_bad is not None and results and not isinstance(results[-1][1], DecodeError):
            warn_broken_chain(verification)
        for number, _, data, unterminated in lines:  # the rest, after a break
            item = _decoded(number, data, unterminated, path, keep_unknown)[2]
            if stop_at_error and isinstance(item, DecodeError):
                raise item
            results.append((number, item))
    return results


@overload
def loads_jsonl(text: str, *, path: str | None = ..., keep_unknown: Literal[False] = ...) -> tuple[AnyEvent, ...]: ...
@overload
def loads_jsonl(text: str, *, path: str | None = ..., keep_unknown: bool) -> tuple[Record, ...]: ...
def loads_jsonl(text: str, *, path: str | None = None, keep_unknown: bool = False) -> tuple[Record, ...]:
    """Decode JSON Lines text, one event per non-blank line.

    Args:
        text: The whole text; a leading byte-order mark and CRLF endings are
            accepted; chained and unchained lines are accepted.
        path: Named in errors, if the text came from a file.
        keep_unknown: Keep records of unknown types or future versions as
            :class:`OpaqueRecord` instead of refusing them.

    Returns:
        The events in file order.

    Raises:
        DecodeError: at the first bad line, naming path, line, event id and
            field (a :class:`TornTailError` for a torn last line). Use
            :func:`check_jsonl` to collect every error.
        TypeError: ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected text (str), got {type(text).__name__}")
    records = []
    with fast_session():
        for _, _, item in scan_jsonl(text, path, keep_unknown):
            if isinstance(item, DecodeError):
                raise item
            records.append(item)
    return tuple(records)


@frozen(kw_only=True)
class LogCheck:
    """What :func:`check_jsonl` (or :func:`events.check_log`) found.

    Attributes:
        events: The records that decoded, in order (events, and opaque
            records when asked to keep them).
        lines: The 1-based line (JSON Lines) or record number (SQLite) of
            each of ``events``.
        errors: One :class:`DecodeError` per record that did not decode.
    """

    events: tuple[Record, ...]
    lines: tuple[int, ...]
    errors: tuple[DecodeError, ...]

    @classmethod
    def of(cls, scanned: Iterable[tuple[int, Record | DecodeError]]) -> LogCheck:
        """Sort (line or record number, record or its error) pairs into records and errors."""
        good: list[Record] = []
        numbers: list[int] = []
        bad: list[DecodeError] = []
        for number, item in scanned:
            if isinstance(item, DecodeError):
                bad.append(item)
            else:
                good.append(item)
                numbers.append(number)
        return cls(events=tuple(good), lines=tuple(numbers), errors=tuple(bad))


def check_jsonl(path: str | os.PathLike[str], *, keep_unknown: bool = False) -> LogCheck:
    """Read a JSON Lines file, decoding every line that can be and collecting an error for each other line.

    Unlike :func:`read_jsonl`, this does not stop at the first bad line. The
    file is read as :func:`read_jsonl` reads it (a stream, in bounded memory;
    a line too long is an error, skipped unread; an interrupted append at
    the end is left out), and a broken hash chain issues a
    :class:`ChainWarning`.

    Raises:
        FileNotFoundError: there is no such file.
        IsADirectoryError: ``path`` is a folder.
        DecodeError: the file is not a regular file or a pipe, or is a SQLite database.
        OSError: the file cannot be read.
    """
    name = os.fspath(path)
    with open_log(name) as stream:
        return LogCheck.of(_chain_checked(LineReader(stream), name, keep_unknown, stop_at_error=False))


def encode_lines(records: Iterable[dict[str, Any]], previous: str | None = GENESIS) -> tuple[str, str | None]:
    """Encode stored records (see :func:`to_record`) as JSON Lines text, chained after ``previous``.

    ``previous`` is the hash of the record before the first (``None``: write
    unchained lines). The records are not modified.

    Returns:
        The text (each line ends in ``\\n``) and the last hash (``previous`` if none).

    Raises:
        StoreError: a line would be longer than :data:`MAX_LINE_BYTES`, or
            holds text that is not UTF-8 (a lone surrogate); nothing is
            returned, so nothing is written.
    """
    lines = []
    for record in records:
        record = dict(record)
        if previous is not None:
            previous = record_hash(previous, record)
            record[HASH_FIELD] = previous
        lines.append(encode_line(record))
    return "".join(lines), previous


def encode_line(record: dict[str, Any]) -> str:
    """One stored record as a JSON Lines line (ending in ``\\n``) that readers accept.

    Raises:
        StoreError: the line would exceed :data:`MAX_LINE_BYTES`, or holds a
            lone surrogate.
    """
    line = json.dumps(record, ensure_ascii=False) + "\n"
    try:
        size = len(line.encode("utf-8"))
    except UnicodeEncodeError:
        raise StoreError(f"event {record.get('event_id')!r}: text with a lone surrogate cannot be stored") from None
    if size > MAX_LINE_BYTES:
        raise StoreError(f"event {record.get('event_id')!r}: its line would be {size:,} bytes; "
                         f"the limit is {MAX_LINE_BYTES:,}; nothing was written")
    return line


def dumps_jsonl(events: Iterable[Record]) -> str:
    """Encode events as chained JSON Lines text: one line per event, each ending in ``\\n``."""
    return encode_lines(map(to_record, events))[0]


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a pipe"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def refuse_special(fd: int, path: str, *, pipes: bool = False) -> os.stat_result:
    """Return ``fd``'s status if it is a regular file (or, with ``pipes``, a pipe); else raise.

    Raises:
        IsADirectoryError: it is a folder.
        DecodeError: it is a device, a socket, or a pipe not allowed here.
    """
    status = os.fstat(fd)
    if stat.S_ISREG(status.st_mode) or (pipes and stat.S_ISFIFO(status.st_mode)):
        return status
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(21, "Is a directory (a log is a file)", path)
    allowed = "a regular file or a pipe" if pipes else "a regular file"
    raise DecodeError(f"not a log: {_kind(status.st_mode)}; a log is {allowed}", path=path)


@contextlib.contextmanager
def open_log(path: str | os.PathLike[str], *, pipes: bool = True) -> Iterator[BinaryIO]:
    """Open a JSON Lines log for reading as a binary stream, refusing what is not a log file.

    A regular file is read; so is a pipe (``<(zcat log.gz)``, standard
    input) with ``pipes``, read once as a stream. Opening never waits on a
    device or on a named pipe that was not asked for.

    Raises:
        FileNotFoundError: there is no such file.
        IsADirectoryError: ``path`` is a folder.
        DecodeError: a device, a socket, or a pipe (without ``pipes``); a SQLite database.
    """
    name = os.fspath(path)
    waits = pipes and stat.S_ISFIFO(os.stat(name).st_mode)  # a pipe's reader waits for its writer
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | (0 if waits else getattr(os, "O_NONBLOCK", 0)))
    try:
        refuse_special(fd, name, pipes=pipes)
        stream = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with stream:
        if stream.peek(16)[:16] == b"SQLite format 3\x00":
            raise DecodeError("a SQLite database, not JSON Lines: read a store with events.read_log or "
                              "events.open_store, and name it .sqlite", path=name)
        yield stream


def read_text(path: str | os.PathLike[str]) -> str:
    """The file's whole text; bytes that are not UTF-8 become lone surrogates, refused per line.

    Reads everything into memory: the library's readers use
    :class:`LineReader` instead.

    Raises:
        DecodeError: the file is a SQLite database, or not a regular file or a pipe.
    """
    with open_log(path) as stream:
        return stream.read().decode("utf-8", errors="surrogateescape")


@overload
def read_jsonl(path: str | os.PathLike[str], *, keep_unknown: Literal[False] = ...) -> tuple[AnyEvent, ...]: ...
@overload
def read_jsonl(path: str | os.PathLike[str], *, keep_unknown: bool) -> tuple[Record, ...]: ...
def read_jsonl(path: str | os.PathLike[str], *, keep_unknown: bool = False) -> tuple[Record, ...]:
    """Read a JSON Lines log (UTF-8) into a tuple of events, in file order.

    The file is read as a stream, one line at a time: memory holds the
    events and at most one line of :data:`MAX_LINE_BYTES`; a longer line is
    refused unread. A regular file or a pipe is read (standard input as
    ``/dev/stdin``); a folder, a device or a socket is refused before any
    read. A batch whose append was interrupted (a process killed while
    :meth:`events.JsonlStore.append` wrote it) is not part of the log: it is
    left out, so a batch is read whole or not at all.

    Args:
        path: The file.
        keep_unknown: Keep unknown types and future versions as
            :class:`OpaqueRecord` instead of refusing them.

    Warns:
        ChainWarning: the log is chained and a record that decodes breaks
            the chain (edited, removed, inserted or moved): the warning
            names the file and the first bad line. The events are still
            returned, unless the warning is made an error (see
            :class:`ChainWarning`).

    Raises:
        FileNotFoundError: there is no such file.
        IsADirectoryError: ``path`` is a folder.
        OSError: the file cannot be read.
        DecodeError: the file is not a regular file or a pipe, or is a
            SQLite database; a line is too long, not valid UTF-8 or not a
            valid event: the error names the file, the line, the event id
            and the field (a :class:`TornTailError` for a last line cut
            short by a crash).
    """
    name = os.fspath(path)
    with open_log(name) as stream:
        found = _chain_checked(LineReader(stream), name, keep_unknown, stop_at_error=True)
        return tuple(item for _, item in found)  # type: ignore[misc]


def write_jsonl(path: str | os.PathLike[str], events: Iterable[Record]) -> None:
    """Write events to a chained JSON Lines file, replacing it atomically.

    The text is encoded first, written to a temporary file in the same
    folder, flushed to disk and renamed over ``path``: a failure leaves any
    existing file exactly as it was.
    """
    _replace_atomically(path, dumps_jsonl(events).encode("utf-8"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, and rename it over ``path``.

    The file keeps the permissions of the one it replaces (a new file gets
    the usual ones for the process's umask).
    """
    target = Path(path)
    handle, temp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
    try:
        os.chmod(temp, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        os.unlink(temp)
        raise
