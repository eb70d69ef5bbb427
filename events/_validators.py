"""attrs validators and converters shared by the event and value types.

Each validator raises :class:`events.EventValidationError` naming the field,
the value (``!r``) and the rule, so a bad event is refused at construction.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import attrs

from ._errors import EventValidationError

_PARTY = re.compile(r"[A-Z]{3}")
_HS = re.compile(r"(?:\d\d){1,5}")
_ID = re.compile(r"\S+")


def is_party_code(value: Any) -> bool:
    """Whether ``value`` is a party code: three capital letters (ISO 3166-1 alpha-3 form)."""
    return isinstance(value, str) and _PARTY.fullmatch(value) is not None


def is_hs_code(value: Any) -> bool:
    """Whether ``value`` is an HS code or prefix: 2, 4, 6, 8 or 10 digits."""
    return isinstance(value, str) and _HS.fullmatch(value) is not None


def to_decimal(value: Any) -> Any:
    """Turn an ``int`` into a ``Decimal``; leave everything else for the validator.

    Floats are *not* converted: a binary float cannot state a rate exactly.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def to_utc(value: Any) -> Any:
    """Normalise an aware ``datetime`` to UTC; naive ones are left to the validator."""
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(timezone.utc)
    return value


def party(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An ISO 3166-1 alpha-3 code (or a documented bloc code): three capitals."""
    if not is_party_code(value):
        raise EventValidationError(
            attribute.name, value, "an ISO 3166-1 alpha-3 code such as 'USA' or 'CHN'"
        )


def parties(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty tuple of distinct alpha-3 codes."""
    if not isinstance(value, tuple) or not value:
        raise EventValidationError(attribute.name, value, "a non-empty tuple of alpha-3 codes")
    for code in value:
        party(_inst, attribute, code)
    if len(set(value)) != len(value):
        raise EventValidationError(attribute.name, value, "distinct party codes")


def identifier(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty string without whitespace (event ids, accord ids, talks ids)."""
    if not (isinstance(value, str) and _ID.fullmatch(value)):
        raise EventValidationError(attribute.name, value, "a non-empty string without whitespace")


def optional_identifier(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or an :func:`identifier`."""
    if value is not None:
        identifier(inst, attribute, value)


def text(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty string that is not only whitespace."""
    if not (isinstance(value, str) and value.strip()):
        raise EventValidationError(attribute.name, value, "a non-empty string")


def optional_text(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or a :func:`text`."""
    if value is not None:
        text(inst, attribute, value)


def any_text(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Any string, empty included."""
    if not isinstance(value, str):
        raise EventValidationError(attribute.name, value, "a string")


def texts(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A tuple of non-empty strings."""
    if not isinstance(value, tuple):
        raise EventValidationError(attribute.name, value, "a tuple of strings")
    for item in value:
        text(_inst, attribute, item)


def day(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A ``datetime.date`` that is not a ``datetime`` (valid time is a calendar day)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise EventValidationError(attribute.name, value, "a datetime.date")


def optional_day(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or a :func:`day`."""
    if value is not None:
        day(inst, attribute, value)


def aware(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A timezone-aware ``datetime`` (transaction time is an instant)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise EventValidationError(attribute.name, value, "a timezone-aware datetime")


def percent(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A finite, non-negative ``Decimal``: an ad valorem rate in percent."""
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise EventValidationError(
            attribute.name, value, "a finite, non-negative Decimal (percent)"
        )


def change_percent(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A finite ``Decimal`` of any sign: a change in percent."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise EventValidationError(attribute.name, value, "a finite Decimal (percent)")


def optional_change_percent(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or a :func:`change_percent`."""
    if value is not None:
        change_percent(inst, attribute, value)


def boolean(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A ``bool``."""
    if not isinstance(value, bool):
        raise EventValidationError(attribute.name, value, "a bool")


def positive_int(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An ``int`` (not a ``bool``) greater than zero."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise EventValidationError(attribute.name, value, "a positive int")


def optional_count(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` (unknown) or an ``int`` (not a ``bool``) of zero or more."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise EventValidationError(attribute.name, value, "None (unknown) or an int >= 0")


def hs_code(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An HS code or prefix: 2, 4, 6, 8 or 10 digits (chapter to national line)."""
    if not is_hs_code(value):
        raise EventValidationError(
            attribute.name, value, "an HS code of 2, 4, 6, 8 or 10 digits, e.g. '1201'"
        )
