"""Corrections and retractions built from a log and a few field values given as text (``negotiation correct``).

A correction's replacement is the fact's content in force (its latest
correction, or the fact as logged) with the named fields set; each value is
read as its field's type through the codec, so the corrected record is
exactly what a hand-written line would decode to. The rules on recorded
instants keep a new correction the one in force after it is appended.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import cattrs

from events import (
    Event,
    EventCorrected,
    EventRetracted,
    EventsError,
    EventValidationError,
    Fact,
    OpaqueRecord,
    Record,
    Scope,
    Source,
    converter,
)

from ._errors import InconsistentEventError, QueryError, UnknownReferenceError
from ._words import instant

__all__ = ["correction", "edited", "retraction"]

_TEXT_TYPES = (str, Decimal, date, datetime)
"""Field types whose value is written as plain text on the command line (``--set rate=10``)."""


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


_HINTS: dict[type, dict[str, Any]] = {}
"""Each value class's field types, resolved once."""


def _optional(hint: Any) -> tuple[Any, bool]:
    """The type inside ``X | None``, and whether ``None`` is allowed."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(inner) == 1 and len(inner) < len(typing.get_args(hint)):
            return inner[0], True
    return hint, False


def _items(text: str) -> list[Any]:
    """A list written as JSON (``["a", "b"]``) or as comma-separated words (``a, b``)."""
    if text.lstrip().startswith("["):
        return typing.cast(list[Any], json.loads(text))
    return [item.strip() for item in text.split(",")] if text.strip() else []


def _raw(text: str, hint: Any) -> Any:
    """The JSON value a field of type ``hint`` would hold, from its text on the command line."""
    kind, optional = _optional(hint)
    if optional and text == "null":
        return None
    if kind in _TEXT_TYPES or (isinstance(kind, type) and issubclass(kind, enum.Enum)):
        return text
    if kind is Scope:
        return "all" if text == "all" else _items(text)
    if typing.get_origin(kind) is tuple and typing.get_args(kind)[0] is str:
        return _items(text)
    return json.loads(text)


def _expected(hint: Any) -> str:
    """A field's type in words, for an error."""
    kind, optional = _optional(hint)
    words = {str: "text", Decimal: 'a plain decimal number, e.g. 30 or -3.4', date: "a date YYYY-MM-DD",
             datetime: "an instant such as 2025-05-12T07:00Z", int: "a whole number", bool: "true or false",
             Scope: "all, or HS prefixes separated by commas"}.get(kind)
    if words is None and isinstance(kind, type) and issubclass(kind, enum.Enum):
        words = "one of: " + ", ".join(str(member.value) for member in kind)
    if words is None and typing.get_origin(kind) is tuple and typing.get_args(kind)[0] is str:
        words = "words separated by commas, or a JSON list"
    if words is None:
        words = f"JSON for a {getattr(kind, '__name__', 'value')}" + (
            " (its fields: " + ", ".join(a.name for a in attrs.fields(kind)) + ")" if attrs.has(kind) else "")
    return words + (", or null" if optional else "")


def _parse(text: str, hint: Any, where: str) -> Any:
    try:
        return converter.structure(_raw(text, hint), hint)
    except (ValueError, TypeError, KeyError, cattrs.BaseValidationError) as exc:
        detail = ("; ".join(cattrs.transform_error(exc)) if isinstance(exc, cattrs.BaseValidationError)
                  else str(exc) if isinstance(exc, EventsError) else "")
        raise QueryError(where, text, _expected(hint) + (f" ({detail})" if detail else "")) from None


def _set(value: Any, names: Sequence[str], text: str, path: str, owner: str) -> Any:
    """``value`` (an event or a nested value) with the field at ``names`` set from ``text``."""
    cls = type(value)
    is_event = isinstance(value, Event)  # an event's id is what a correction keeps: not a field to set
    fields = [a.name for a in attrs.fields(cls) if not (is_event and a.name == "event_id")]
    name = names[0]
    if name not in fields:
        raise QueryError(f"--set {path}", text, f"a field of {owner}: {', '.join(fields)}")
    if len(names) > 1:
        inner = getattr(value, name)
        if inner is None or not attrs.has(type(inner)) or isinstance(inner, Scope):
            raise QueryError(f"--set {path}", text, f"a field that {owner} holds: its {name} is "
                             f"{'null' if inner is None else 'not a record'}; set it whole (--set {name}=...)")
        new: Any = _set(inner, names[1:], text, path, f"{owner}'s {name}")
    else:
        new = _parse(text, _hints(cls)[name], f"--set {path}")
    try:
        return attrs.evolve(value, **{name: new})
    except EventValidationError as exc:
        raise QueryError(f"--set {path}", text, f"{exc.expected} (field {exc.field!r} of {owner})") from None
    except (ValueError, TypeError) as exc:
        raise QueryError(f"--set {path}", text, f"a value {owner} accepts ({exc})") from None


def edited(fact: Fact, assignments: Sequence[tuple[str, str]]) -> Fact:
    """``fact`` with each ``(field, text)`` set, in order; a dotted field (``suspension.until``) reaches into a value.

    Each text is read as the field's type: plain text for text, decimals,
    dates, instants and choices (``rate=10``, ``until=2025-11-10``,
    ``mode=call``); ``null`` for an optional field; words separated by
    commas (or a JSON list) for lists of words and scopes (``all`` for all
    goods); JSON for numbers, true/false and records
    (``suspension={"rate": "10", "until": "2025-11-10"}``).

    Raises:
        QueryError: an unknown field (naming the event type and its fields),
            ``event_id``, or a value the field or the event's rules refuse.
    """
    owner = f"{fact.TYPE} {fact.event_id!r}"
    for path, text in assignments:
        fact = _set(fact, path.split("."), text, path, owner)
    return fact


def _index(records: Sequence[Record]) -> dict[str, Any]:
    return {record.event_id: record for record in records if record.event_id is not None}


def _named(records: dict[str, Any], event_id: str, path: str) -> Any:
    found = records.get(event_id)
    if found is None:
        raise UnknownReferenceError(None, "EVENT_ID", event_id, f"the id of an event in {path} "
                                    "(replay or validate shows the ids in brackets)")
    if isinstance(found, OpaqueRecord):
        raise InconsistentEventError(event_id, "type", found.record_type,
                                     "an event this version of the library reads (upgrade it first)")
    return found


def _revisers(records: dict[str, Any], event_id: str) -> list[EventCorrected | EventRetracted]:
    """Every correction and retraction naming ``event_id`` or one of its corrections."""
    named = {event_id} | {r.event_id for r in records.values()
                          if isinstance(r, EventCorrected) and r.corrects == event_id}
    return [r for r in records.values() if (isinstance(r, EventCorrected) and r.corrects == event_id)
            or (isinstance(r, EventRetracted) and r.retracts in named)]


def _check_recorded(recorded: datetime, now: datetime, earlier: Sequence[tuple[str, datetime]]) -> None:
    if recorded > now:
        raise QueryError("--recorded", instant(recorded), f"an instant no later than now ({instant(now)})")
    for what, bound in earlier:
        if recorded < bound:
            raise QueryError("--recorded", instant(recorded), f"an instant no earlier than {what} ({instant(bound)})")


def _check_free(name: str, records: dict[str, Any], *, given: bool) -> None:
    """Refuse a new event id that the log already holds (the default one names ``--recorded`` to the second)."""
    if name in records:
        raise QueryError("--id", name, "an id no event in the log has" + ("" if given else (
            " (this default id, from --recorded to the second, is taken: pass --id, or a --recorded a second later)")))


def _check_in_force(name: str, recorded: datetime, standing: Sequence[EventCorrected]) -> None:
    """Refuse a new correction that would not be the one in force: the fold takes a fact's latest correction by
    (recorded, event id), so one recorded at the same instant as the latest must also sort after it by id."""
    if standing and (recorded, name) <= (standing[-1].recorded, standing[-1].event_id):
        latest = standing[-1]
        raise QueryError("--recorded", instant(recorded),
                         f"an instant later than its latest correction, {latest.event_id} ({instant(latest.recorded)}),"
                         f" or an --id that sorts after {latest.event_id!r}: of corrections recorded at one instant"
                         " the one with the greater id is in force")


def correction(
    records: Sequence[Record], event_id: str, assignments: Sequence[tuple[str, str]], *, path: str,
    recorded: datetime, now: datetime, source: Source | None, note: str, correction_id: str | None,
) -> EventCorrected:
    """A correction of the fact ``event_id``: its content in force with ``assignments`` set.

    The replacement cites ``source`` where one is given (the document that
    supports the corrected content), unless a ``--set source...`` sets its
    citation; without one it keeps the fact's citation, and so does the
    correction (the source already says what the correction says: a
    transcription error). The correction's ``effective`` is the UTC day of
    ``recorded``; its id is ``correction_id`` or
    ``<event_id>-corrected-<recorded as YYYYMMDDTHHMMSSZ>``.

    Raises:
        UnknownReferenceError: no event ``event_id`` in ``records``.
        InconsistentEventError: it is a correction, a retraction, a
            retracted fact or an unreadable record; the fields set leave the
            content as it is.
        QueryError: a field or value refused (see :func:`edited`);
            ``recorded`` after ``now``, before the fact's content was
            recorded or before its latest correction or retraction, or at
            its latest correction's instant with an id that does not sort
            after that correction's (it would not be in force); a new id
            (``correction_id`` or the default) the log already holds.
    """
    index = _index(records)
    fact = _named(index, event_id, path)
    if isinstance(fact, EventCorrected):
        raise InconsistentEventError(event_id, "corrects", event_id,
                                     f"the id of a fact: this is a correction of {fact.corrects!r}; correct "
                                     f"{fact.corrects!r} again (the latest correction wins)")
    if isinstance(fact, EventRetracted):
        raise InconsistentEventError(event_id, "corrects", event_id, "the id of a fact: this is a retraction, and a retraction is final")
    revisers = sorted(_revisers(index, event_id), key=lambda r: (r.recorded, r.event_id))
    retracted = [r.event_id for r in revisers if isinstance(r, EventRetracted) and r.retracts == event_id]
    if retracted:
        raise InconsistentEventError(event_id, "corrects", event_id,
                                     f"a fact in force: it was retracted by {retracted[0]!r}; log a new fact instead")
    withdrawn = {r.retracts for r in revisers if isinstance(r, EventRetracted)}
    standing = [r for r in revisers if isinstance(r, EventCorrected) and r.event_id not in withdrawn]
    content: Fact = standing[-1].replacement if standing else fact
    bounds = [("the record of the fact's content", content.recorded)]
    if revisers:
        bounds.append((f"its latest correction or retraction, {revisers[-1].event_id}", revisers[-1].recorded))
    _check_recorded(recorded, now, bounds)
    replacement = edited(content, assignments)
    if source is not None and not any(p == "source" or p.startswith("source.") for p, _ in assignments):
        replacement = attrs.evolve(replacement, source=source)
    if replacement == content:
        raise InconsistentEventError(event_id, "--set", ", ".join(f"{p}={t}" for p, t in assignments),
                                     "values that change the fact (it already says that)")
    name = correction_id or f"{event_id}-corrected-{recorded.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    _check_in_force(name, recorded, standing)
    _check_free(name, index, given=correction_id is not None)
    try:
        return EventCorrected(event_id=name, effective=recorded.astimezone(UTC).date(), recorded=recorded,
                              source=source if source is not None else content.source, note=note,
                              corrects=event_id, replacement=replacement)
    except EventValidationError as exc:
        raise QueryError(_OPTION.get(exc.field, exc.field), _shown(exc.value), exc.expected) from None


def _shown(value: Any) -> Any:
    """A value for an error: an instant as ISO text, anything else as it is."""
    return instant(value) if isinstance(value, datetime) else value


_OPTION = {"event_id": "--id", "note": "--note", "replacement.recorded": "--set recorded"}
"""The command-line option behind a field of a new correction or retraction, for its errors."""


def retraction(
    records: Sequence[Record], event_id: str, *, path: str, recorded: datetime, now: datetime,
    source: Source | None, note: str, retraction_id: str | None,
) -> EventRetracted:
    """A retraction of the fact or correction ``event_id``: it withdraws a fact with all its corrections, or one
    correction (the version before it applies again). Its ``effective`` is the UTC day of ``recorded``; its id is
    ``retraction_id`` or ``<event_id>-retracted-<recorded as YYYYMMDDTHHMMSSZ>``.

    Raises:
        UnknownReferenceError: no event ``event_id`` in ``records``.
        InconsistentEventError: it is a retraction, already retracted, or an unreadable record.
        QueryError: ``recorded`` after ``now`` or before ``event_id`` was recorded; a new id the log already holds.
    """
    index = _index(records)
    named = _named(index, event_id, path)
    if isinstance(named, EventRetracted):
        raise InconsistentEventError(event_id, "retracts", event_id,
                                     "the id of a fact or a correction: a retraction cannot be retracted")
    already = [r.event_id for r in index.values() if isinstance(r, EventRetracted) and r.retracts == event_id]
    if already:
        raise InconsistentEventError(event_id, "retracts", event_id, f"an id not yet retracted (by {already[0]!r})")
    _check_recorded(recorded, now, [(f"the record of {event_id}", named.recorded)])
    name = retraction_id or f"{event_id}-retracted-{recorded.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    _check_free(name, index, given=retraction_id is not None)
    try:
        return EventRetracted(event_id=name, effective=recorded.astimezone(UTC).date(), recorded=recorded,
                              source=source, note=note, retracts=event_id)
    except EventValidationError as exc:
        raise QueryError(_OPTION.get(exc.field, exc.field), _shown(exc.value), exc.expected) from None
