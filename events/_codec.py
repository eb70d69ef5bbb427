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
is refused unread.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import tempfile
import typing
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, overload

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

from ._chain import GENESIS, HASH_FIELD, is_hash, record_hash
from ._errors import DecodeError, EventsError, StoreError, TornTailError
from ._iso import parse_date, parse_instant
from ._opaque import OpaqueRecord
from ._revisions import EVENT_TYPES, AnyEvent
from ._upcasting import UPCASTING, UnknownRecordError
from ._values import ALL_GOODS, Scope
from ._vocabulary import Event, Fact

__all__ = [
    "MAX_LINE_BYTES",
    "LogCheck",
    "Record",
    "check_jsonl",
    "converter",
    "dumps_jsonl",
    "encode_line",
    "encode_lines",
    "from_dict",
    "loads_jsonl",
    "parse_line",
    "read_jsonl",
    "read_text",
    "scan_jsonl",
    "split_lines",
    "to_dict",
    "to_record",
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
    _expect(isinstance(value, str), "a string", value)
    return typing.cast(str, value)


def _structure_int(value: Any, _: Any) -> int:
    _expect(isinstance(value, int) and not isinstance(value, bool), "an integer", value)
    return typing.cast(int, value)


def _structure_bool(value: Any, _: Any) -> bool:
    _expect(isinstance(value, bool), "true or false", value)
    return typing.cast(bool, value)


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
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


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
        DecodeError: a missing type tag or version; a missing, unknown or
            ill-typed field; a value that breaks an event's rule; a chain
            field that is not 64 hex digits. The error names the event id
            (when readable) and the field.
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
        event = _from_current(*UPCASTING.upgrade(data))
    except UnknownRecordError as exc:
        if keep_unknown:
            return OpaqueRecord.of(dict(data), exc.reason)
        raise
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


def scan_jsonl(text: str, path: str | None, keep_unknown: bool, *,
               at_start: bool = True) -> Iterator[tuple[int, Any, Record | DecodeError]]:
    """Yield (line number, parsed JSON or ``None``, record or its error) for each non-blank line.

    A last line without a line end that is not even JSON is a torn write:
    its error is a :class:`TornTailError`. ``at_start``: ``text`` begins the
    file (see :func:`split_lines`).
    """
    for number, line, unterminated in split_lines(text, at_start=at_start):
        raw = None
        try:
            raw = parse_line(line, path, number)
            try:
                item: Record | DecodeError = from_dict(raw, keep_unknown=keep_unknown)
            except DecodeError as exc:
                raise exc.located(path=path, line=number) from exc.__cause__
        except DecodeError as exc:
            item = exc
            if unterminated and raw is None:
                item = TornTailError(
                    f"{exc.reason} -- the last line has no line end: a write was interrupted? "
                    "`negotiation repair` removes it, keeping a backup",
                    path=path, line=number, event_id=exc.event_id, field=exc.field)
        yield number, raw, item


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

    Unlike :func:`read_jsonl`, this does not stop at the first bad line.

    Raises:
        OSError: the file cannot be read.
    """
    scanned = scan_jsonl(read_text(path), os.fspath(path), keep_unknown)
    return LogCheck.of((number, item) for number, _, item in scanned)


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


def read_text(path: str | os.PathLike[str]) -> str:
    """The file's text; bytes that are not UTF-8 become lone surrogates, refused per line.

    Raises:
        DecodeError: the file is a SQLite database (read it with ``events.read_log``).
    """
    data = Path(path).read_bytes()
    if data.startswith(b"SQLite format 3\x00"):
        raise DecodeError("a SQLite database, not JSON Lines: read a store with events.read_log or "
                          "events.open_store, and name it .sqlite", path=os.fspath(path))
    return data.decode("utf-8", errors="surrogateescape")


@overload
def read_jsonl(path: str | os.PathLike[str], *, keep_unknown: Literal[False] = ...) -> tuple[AnyEvent, ...]: ...
@overload
def read_jsonl(path: str | os.PathLike[str], *, keep_unknown: bool) -> tuple[Record, ...]: ...
def read_jsonl(path: str | os.PathLike[str], *, keep_unknown: bool = False) -> tuple[Record, ...]:
    """Read a JSON Lines log (UTF-8) into a tuple of events, in file order.

    Args:
        path: The file.
        keep_unknown: Keep unknown types and future versions as
            :class:`OpaqueRecord` instead of refusing them.

    Raises:
        OSError: the file cannot be read.
        DecodeError: a line is not valid UTF-8 or not a valid event; the
            error names the file, the line, the event id and the field.
    """
    return loads_jsonl(read_text(path), path=os.fspath(path), keep_unknown=keep_unknown)


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
