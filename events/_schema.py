"""A JSON Schema (draft 2020-12) of one log line, generated from the event classes.

Tools in other languages can check the lines they write against it before a
reader of this library sees them. It is generated, not written by hand:
each event type's fields are walked with ``attrs.fields`` and their resolved
type hints, and each field's attrs validator narrows its type where the rule
can be said in JSON Schema (:data:`_REFINEMENTS`). The library checks more
than the schema says: the rules an event checks after its fields, mostly
across them (a period begun by the release, a deadline after the window
start, a suspended rate below the layer's, an imposer other than the target,
at least one delegate, with distinct names), the 1900-2999 bounds of dates
and instants, that a day exists
(2025-02-30; a validator that asserts ``"format": "date"`` checks it), the
unprintable characters an identifier may not hold besides whitespace and
control characters, and that an integer is written without a fraction
(JSON Schema counts ``1.0`` as an integer).
"""

from __future__ import annotations

import copy
import enum
import re
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from . import _validators as v
from ._chain import _HEX, HASH_FIELD
from ._codec import _DECIMAL
from ._iso import _DATE, _INSTANT
from ._revisions import EVENT_TYPES
from ._values import Scope
from ._vocabulary import _PERIOD, FACT_TYPES, Event, _period

__all__ = ["SCHEMA_ID", "json_schema"]

SCHEMA_ID = "https://negotiation-state.invalid/schema/log-line.json"
"""The schema's ``$id``: a name, not a live address (``.invalid`` never resolves)."""

_FACT = "Fact"
"""The ``$defs`` entry for any fact: what a correction's ``replacement`` holds."""

_OPTIONAL_VALIDATOR: type[Any] = type(attrs.validators.optional(v.boolean))
"""The class of what ``attrs.validators.optional`` returns; it wraps one validator as ``.validator``."""


def _anchored(regex: re.Pattern[str]) -> str:
    """A library regex (matched with ``fullmatch``) as a JSON Schema pattern (which searches)."""
    return f"^(?:{regex.pattern})$"


def _string(pattern: str) -> dict[str, Any]:
    return {"type": "string", "pattern": pattern}


def _magnitude() -> str:
    """A rate's or change's size as a pattern: at most ``MAX_PERCENT`` with at most ``MAX_PLACES`` places.

    The canonical form only: no leading zeros, no exponent (``MAX_PERCENT``
    is a power of ten: ``1000000``).
    """
    whole = f"(?:0|[1-9][0-9]{{0,{len(str(v.MAX_PERCENT)) - 2}}})"
    return f"(?:{whole}(?:\\.[0-9]{{1,{v.MAX_PLACES}}})?|{v.MAX_PERCENT})"


_PARTY = _string(_anchored(v._PARTY))
_TEXT = _string(r"\S")
_IDENTIFIER = _string(r"^[^\s\x00-\x1f\x7f-\x9f]+$")

_TYPES: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    Decimal: _string(_anchored(_DECIMAL)),
    date: {**_string(_anchored(_DATE)), "format": "date"},
    datetime: _string(_anchored(_INSTANT)),
}
"""The fragment of each plain field type (a ``Decimal`` is a string, as the codec writes it)."""

_REFINEMENTS: dict[Callable[..., Any], dict[str, Any]] = {
    v.party: _PARTY,
    v.parties: {"type": "array", "items": _PARTY, "minItems": 1, "uniqueItems": True},
    v.identifier: _IDENTIFIER,
    v.optional_identifier: _IDENTIFIER,
    v.text: _TEXT,
    v.optional_text: _TEXT,
    v.texts: {"type": "array", "items": _TEXT},
    v.some_texts: {"type": "array", "items": _TEXT, "minItems": 1},
    v.percent: _string(f"^{_magnitude()}$"),
    v.change_percent: _string(f"^-?{_magnitude()}$"),
    v.quantity: _string(r"^(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,6})?$|^1000000000000000$"),
    v.hs_codes: {"type": "array", "items": _string(_anchored(v._HS))},
    v.party_codes: {"type": "array", "items": _PARTY, "uniqueItems": True},
    v.identifiers: {"type": "array", "items": _IDENTIFIER, "uniqueItems": True},
    v.positive_int: {"type": "integer", "minimum": 1, "maximum": v.MAX_INT},
    v.optional_count: {"type": "integer", "minimum": 0, "maximum": v.MAX_INT},
    _period: _string(_anchored(_PERIOD)),
}
"""What each field validator narrows its (non-null) value to; a validator not here keeps its type's fragment.

Each entry replaces the type's fragment, so it states the whole value.
"""

_SCOPE = {
    "description": 'All goods ("all"), or HS code prefixes of 2, 4, 6, 8 or 10 digits.',
    "anyOf": [
        {"const": "all"},
        {"type": "array", "items": _string(_anchored(v._HS)), "minItems": 1},
    ],
}


_NARROWER: dict[tuple[str, str], dict[str, Any]] = {
    ("BaseRateSet", "scope"): {"$ref": "#/$defs/Scope", "not": {"const": "all"},
                               "description": "HS code prefixes: a base rate differs by tariff line."},
    ("QuotaSet", "periods"): {"minItems": 1},
    ("RulingIssued", "measures"): {"minItems": 1},
}
"""Rules of one field that its event checks after construction, said in the schema too (merged into the field's fragment)."""


class _Walker:
    """Builds the fragments of field types, collecting the value classes they name as ``$defs``."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def event(self, cls: type[Event]) -> dict[str, Any]:
        """The schema of one stored line of ``cls`` at its current version, chain field included."""
        body = self.object(cls)
        body["properties"] = {
            "type": {"const": cls.TYPE},
            "v": {"const": cls.VERSION},
            **body["properties"],
            HASH_FIELD: {**_string(_anchored(_HEX)),
                         "description": "The record's link in the log's hash chain (optional)."},
        }
        body["required"] = ["type", "v", *body["required"]]
        if cls.LATER_FIELDS:
            # Written at the older version when no later term is used: the later fields are absent then.
            body["properties"]["v"] = {"enum": [cls.VERSION - 1, cls.VERSION]}
            older: dict[str, Any] = {name: False for name in cls.LATER_FIELDS}
            if "combination" in body["properties"]:
                older["combination"] = {"const": "add"}
            body["if"] = {"properties": {"v": {"const": cls.VERSION - 1}}}
            body["then"] = {"properties": older}
            # Written at the later version only when a later term is used (the library refuses it otherwise).
            defaults = {field.name: field.default for field in attrs.fields(cls)}
            used = [{"required": [name], "properties": {name: {"minItems": 1} if defaults[name] == () else
                                                         {"not": {"type": "null"}}}}
                    for name in cls.LATER_FIELDS]
            if "combination" in body["properties"]:
                used.append({"required": ["combination"], "properties": {"combination": {"not": {"const": "add"}}}})
            body["allOf"] = [{"if": {"properties": {"v": {"const": cls.VERSION}}}, "then": {"anyOf": used}}]
        return {"title": cls.TYPE, **body}

    def object(self, cls: type) -> dict[str, Any]:
        """An attrs class as a closed JSON object; fields without a default are required."""
        hints = typing.get_type_hints(cls)
        fields = attrs.fields(cls)
        return {
            "type": "object",
            "properties": {field.name: self.field(hints[field.name], field.validator) for field in fields},
            "required": [field.name for field in fields if field.default is attrs.NOTHING],
            "additionalProperties": False,
        }

    def field(self, hint: Any, validator: Any) -> dict[str, Any]:
        """The fragment of a field of type ``hint``, narrowed by its ``validator``."""
        if isinstance(validator, _OPTIONAL_VALIDATOR):
            validator = validator.validator
        args = typing.get_args(hint)
        nullable = typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args
        if nullable:
            rest = [arg for arg in args if arg is not type(None)]
            if len(rest) != 1:
                raise TypeError(f"no JSON Schema for the field type {hint!r}")
            hint = rest[0]
        fragment = _REFINEMENTS.get(validator) or self.type(hint)
        if not nullable:
            return fragment
        if isinstance(fragment.get("type"), str):
            return {**fragment, "type": [fragment["type"], "null"]}
        return {"anyOf": [fragment, {"type": "null"}]}

    def type(self, hint: Any) -> dict[str, Any]:
        """The fragment of a value of type ``hint``.

        Raises:
            TypeError: a type the schema does not know (a new field type
                must be taught here).
        """
        args = typing.get_args(hint)
        if hint in _TYPES:
            return _TYPES[hint]
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return {"enum": [member.value for member in hint]}
        if typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": self.type(args[0])}
        if set(args) == set(FACT_TYPES):
            return {"$ref": f"#/$defs/{_FACT}", "properties": {HASH_FIELD: False},
                    "description": "A whole fact, tagged like a line, without a chain field."}
        if hint is Scope:
            self.defs["Scope"] = _SCOPE
            return {"$ref": "#/$defs/Scope"}
        if isinstance(hint, type) and attrs.has(hint):
            if hint.__name__ not in self.defs:
                self.defs[hint.__name__] = {"title": hint.__name__, **self.object(hint)}
            return {"$ref": f"#/$defs/{hint.__name__}"}
        raise TypeError(f"no JSON Schema for the field type {hint!r}")


def _dispatch(classes: tuple[type[Event], ...]) -> dict[str, Any]:
    """An object whose ``"type"`` is one of ``classes``' tags and which is valid as that type.

    ``if``/``then`` per tag rather than ``oneOf``, so that a bad line gets
    the errors of its own type only.
    """
    return {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": [cls.TYPE for cls in classes]}},
        "allOf": [
            {"if": {"properties": {"type": {"const": cls.TYPE}}, "required": ["type"]},
             "then": {"$ref": f"#/$defs/{cls.TYPE}"}}
            for cls in classes
        ],
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line of a log, at current event versions.

    Returns:
        A new dict of JSON types (changing it changes nothing else): ``$schema``, ``$id``, ``title``,
        ``description``, the dispatch on ``"type"`` (one ``if``/``then``
        per event type in ``events.EVENT_TYPES``) and ``$defs``: one closed
        object per event type (``"type"`` and ``"v"`` constant, the chain
        field ``"hash"`` allowed), ``Fact`` (any fact, for a correction's
        replacement) and the value types (``Source``, ``Scope``, ...).

    Raises:
        TypeError: an event field of a type the schema cannot describe.
    """
    walker = _Walker()
    lines = {cls.TYPE: walker.event(cls) for cls in EVENT_TYPES}
    for (tag, name), fragment in _NARROWER.items():
        lines[tag]["properties"][name] = {**lines[tag]["properties"][name], **fragment}
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "negotiation-state log line",
        "description": (
            "One line of a negotiation-state event log (JSON Lines): one event at its current "
            "schema version \"v\", with the chain field \"hash\" optional. Old versions and renamed "
            "types are read by the library's upcasters and are not described here. The library "
            "checks more than this schema: rules across fields (a period begun by its release, "
            "a deadline after the window start, a suspended rate below the layer's), the bounds "
            "1900-01-01 to 2999-12-31, and that each day exists."
        ),
        **_dispatch(EVENT_TYPES),
        "$defs": {**walker.defs, **lines, _FACT: _dispatch(FACT_TYPES)},
    }
    return copy.deepcopy(schema)  # the fragments are shared with this module and between fields
