"""Serialization of events through one configured cattrs converter.

A serialized event is a flat JSON object with an explicit type tag and a
schema version first, then the event's fields::

    {"type": "TariffChanged", "v": 1, "event_id": "...", "effective": "2025-05-14",
     "recorded": "2025-05-12T09:00:00Z", ..., "rate": "34", ...}

Decimals are strings (``"4.8"``), dates ISO ``YYYY-MM-DD``, timestamps ISO
8601 with an offset (written in UTC with ``Z``), scopes ``"all"`` or a list
of HS prefixes, enums their value. Unknown keys are errors, never dropped.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import typing
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

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

from ._errors import DecodeError, EventsError
from ._iso import parse_date, parse_instant
from ._values import ALL_GOODS, Scope
from ._revisions import EVENT_TYPES, AnyEvent
from ._vocabulary import Event, Fact

__all__ = [
    "JsonlCheck",
    "check_jsonl",
    "converter",
    "dumps_jsonl",
    "from_dict",
    "loads_jsonl",
    "read_jsonl",
    "to_dict",
    "write_jsonl",
]

_TYPES: dict[str, type[Event]] = {cls.TYPE: cls for cls in EVENT_TYPES}

converter = cattrs.Converter(forbid_extra_keys=True)
"""The one converter for events, their values and the negotiation state."""


def _expect(ok: bool, expected: str, value: Any) -> None:
    if not ok:
        raise ValueError(f"expected {expected}, got {value!r}")


def _structure_str(value: Any, _: Any) -> str:
    _expect(isinstance(value, str), "a string", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("expected text without lone surrogates") from None
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


def _structure_date(value: Any, _: Any) -> date:
    return parse_date(value)


def _structure_datetime(value: Any, _: Any) -> datetime:
    return parse_instant(value)


def _unstructure_datetime(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _structure_scope(value: Any, _: Any) -> Scope:
    if value == "all":
        return ALL_GOODS
    _expect(isinstance(value, list) and bool(value), '"all" or a non-empty list of HS code prefixes', value)
    return Scope(hs=tuple(_structure_str(code, str) for code in value))


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
        "note": ...}``: the citation last, so the facts read first.
    """
    if not isinstance(event, Event):
        raise TypeError(f"expected an event, got {event!r}")
    body = converter.unstructure(event)
    citation = {"source": body.pop("source"), "note": body.pop("note")}
    return {"type": event.TYPE, "v": event.VERSION, **body, **citation}


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


def from_dict(data: Mapping[str, Any]) -> AnyEvent:
    """Decode one event from a plain dict as written by :func:`to_dict`.

    Raises:
        DecodeError: an unknown or missing type tag, an unsupported schema
            version, a missing, unknown or ill-typed field, or a value that
            breaks an event's rule. The error names the event id (when
            readable) and the field.
    """
    if not isinstance(data, Mapping):
        raise DecodeError(f"expected a JSON object, got {type(data).__name__}")
    raw_id = data.get("event_id")
    event_id = raw_id if isinstance(raw_id, str) else None
    tag = data.get("type")
    if not isinstance(tag, str) or tag not in _TYPES:
        known = ", ".join(sorted(_TYPES))
        reason = f"unknown event type {tag!r}; expected one of {known}"
        if tag is None:
            reason = f"required field is missing; expected one of {known}"
        raise DecodeError(reason, event_id=event_id, field="type")
    cls = _TYPES[typing.cast(str, tag)]
    version = data.get("v")
    if type(version) is not int or version != cls.VERSION:
        raise DecodeError(
            f"unsupported schema version {version!r} for {tag}; expected {cls.VERSION}",
            event_id=event_id,
            field="v",
        )
    body = {key: value for key, value in data.items() if key not in ("type", "v")}
    try:
        return typing.cast(AnyEvent, converter.structure(body, cls))
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


def _parse_line(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _decode_line(text: str, path: str | None, number: int) -> AnyEvent:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        reason = f"not valid UTF-8 text (bad byte or lone surrogate at column {exc.start + 1})"
        raise DecodeError(reason, path=path, line=number) from None
    try:
        data = _parse_line(text)
    except ValueError as exc:
        raise DecodeError(f"malformed JSON: {exc}", path=path, line=number) from exc
    try:
        return from_dict(data)
    except DecodeError as exc:
        raise exc.located(path=path, line=number) from exc.__cause__


def _lines(text: str) -> Iterable[tuple[int, str]]:
    """Yield (1-based number, line) for non-blank lines; LF or CRLF endings."""
    if text.startswith("\ufeff"):
        text = text[1:]
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            yield number, line


def loads_jsonl(text: str, *, path: str | None = None) -> tuple[AnyEvent, ...]:
    """Decode JSON Lines text, one event per non-blank line.

    Args:
        text: The whole text; a leading byte-order mark and CRLF endings are
            accepted.
        path: Named in errors, if the text came from a file.

    Returns:
        The events in file order.

    Raises:
        DecodeError: at the first bad line, naming path, line, event id and
            field. Use :func:`check_jsonl` to collect every error.
        TypeError: ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected text (str), got {type(text).__name__}")
    return tuple(_decode_line(line, path, number) for number, line in _lines(text))


@frozen(kw_only=True)
class JsonlCheck:
    """What :func:`check_jsonl` found.

    Attributes:
        events: The events that decoded, in file order.
        lines: The 1-based line number of each of ``events``.
        errors: One :class:`DecodeError` per line that did not decode.
    """

    events: tuple[AnyEvent, ...]
    lines: tuple[int, ...]
    errors: tuple[DecodeError, ...]


def check_jsonl(path: str | os.PathLike[str]) -> JsonlCheck:
    """Read a JSON Lines file, decoding every line that can be and collecting an error for each other line.

    Unlike :func:`read_jsonl`, this does not stop at the first bad line.

    Raises:
        OSError: the file cannot be read.
    """
    text = _read_text(path)
    name = os.fspath(path)
    good: list[AnyEvent] = []
    lines: list[int] = []
    bad: list[DecodeError] = []
    for number, line in _lines(text):
        try:
            good.append(_decode_line(line, name, number))
            lines.append(number)
        except DecodeError as exc:
            bad.append(exc)
    return JsonlCheck(events=tuple(good), lines=tuple(lines), errors=tuple(bad))


def dumps_jsonl(events: Iterable[Event]) -> str:
    """Encode events as JSON Lines text: one line per event, each ending in ``\\n``."""
    return "".join(
        json.dumps(to_dict(event), ensure_ascii=False) + "\n" for event in events
    )


def _read_text(path: str | os.PathLike[str]) -> str:
    """The file's text; bytes that are not UTF-8 become lone surrogates, refused per line."""
    return Path(path).read_bytes().decode("utf-8", errors="surrogateescape")


def read_jsonl(path: str | os.PathLike[str]) -> tuple[AnyEvent, ...]:
    """Read a JSON Lines log (UTF-8) into a tuple of events, in file order.

    Raises:
        OSError: the file cannot be read.
        DecodeError: a line is not valid UTF-8 or not a valid event; the
            error names the file, the line, the event id and the field.
    """
    return loads_jsonl(_read_text(path), path=os.fspath(path))


def write_jsonl(path: str | os.PathLike[str], events: Iterable[Event]) -> None:
    """Write events to a JSON Lines file, replacing it atomically.

    The text is encoded first, written to a temporary file in the same
    folder, flushed to disk and renamed over ``path``: a failure leaves any
    existing file exactly as it was.
    """
    text = dumps_jsonl(events)
    target = Path(path)
    handle, temp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        os.unlink(temp)
        raise
