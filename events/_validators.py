"""attrs validators and converters shared by the event and value types.

Each validator raises :class:`events.EventValidationError` naming the field,
the value (``!r``) and the rule, so a bad event is refused at construction.

Documented bounds: dates (valid time) and instants (transaction time) lie
between 1900-01-01 and 2999-12-31; rates and changes are at most 1,000,000
percent in size with at most 6 decimal places, so sums stay exact.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._errors import EventValidationError

if TYPE_CHECKING:
    import attrs  # only in annotations: dates and codes are checked (the command line's options) without attrs

EARLIEST = date(1900, 1, 1)
"""The earliest date or instant (UTC) an event may carry."""
LATEST = date(2999, 12, 31)
"""The latest date or instant (UTC) an event may carry."""
MAX_PERCENT = Decimal(1_000_000)
"""The largest rate or change, in percent."""
MAX_PLACES = 6
"""The most decimal places a rate or change may have."""
MAX_QUANTITY = Decimal(10) ** 15
"""The largest quantity (a quota volume, an instrument's value): 10**15 units."""
MAX_INT = 2**63 - 1
"""The largest whole number a field holds (a licence count, a window in days): what SQLite stores and the codec reads."""

_PARTY = re.compile(r"[A-Z]{3}")
_HS = re.compile(r"(?:[0-9][0-9]){1,5}")
_EARLIEST_INSTANT = datetime.combine(EARLIEST, time(), UTC)
_LATEST_INSTANT = datetime.combine(LATEST, time.max, UTC)


def is_party_code(value: Any) -> bool:
    """Whether ``value`` is a party code: three capital letters A-Z (ISO 3166-1 alpha-3 form)."""
    return isinstance(value, str) and _PARTY.fullmatch(value) is not None


def is_hs_code(value: Any) -> bool:
    """Whether ``value`` is an HS code or prefix: 2, 4, 6, 8 or 10 ASCII digits."""
    return isinstance(value, str) and _HS.fullmatch(value) is not None


_PARTY_WRITTEN = re.compile(r"[A-Za-z]{3}")
_HS_WRITTEN = re.compile(r"[0-9]{2}|[0-9]{4}(?:[. ]?[0-9]{2}){0,3}")


def normalise_party(text: Any) -> str:
    """A party code as a person types it, in its canonical form: ``" usa"`` -> ``"USA"``.

    Surrounding whitespace is removed and the three ASCII letters are put
    in capitals. This is for the edges where people type codes (command-line
    options, query arguments); events and log lines must already hold the
    canonical form (:func:`is_party_code`), and their validators refuse any
    other.

    Raises:
        ValueError: anything but three ASCII letters (after the whitespace),
            naming the value.
    """
    if isinstance(text, str) and _PARTY_WRITTEN.fullmatch(text.strip()):
        return text.strip().upper()
    raise ValueError(f"expected an alpha-3 party code such as 'USA' (any case), got {text!r}")


def normalise_hs(text: Any) -> str:
    """An HS code as tariff schedules print it, in its canonical form of digits only.

    ``"1201.90"`` -> ``"120190"``, ``"8703.23.01"`` -> ``"87032301"``,
    ``"8703 23 19"`` (the EU's spacing) -> ``"87032319"``,
    ``"8703.23.01.90"`` -> ``"8703230190"``; ``"120190"`` and ``"12"`` are
    kept. The form: a 2-digit chapter, or a 4-digit heading followed by up to
    three pairs of digits, each pair after a dot, a space or nothing;
    surrounding whitespace is removed. Like :func:`normalise_party`, for the
    edges where people type codes; events hold the canonical form
    (:func:`is_hs_code`).

    Raises:
        ValueError: any other form (``"12.01"``, ``"1201.9"``, letters),
            naming the value.
    """
    if isinstance(text, str) and _HS_WRITTEN.fullmatch(text.strip()):
        return text.strip().replace(".", "").replace(" ", "")
    raise ValueError(f"expected an HS code of 2, 4, 6, 8 or 10 digits, dotted as in tariff schedules or not "
                     f"(e.g. '1201.90' or '120190'), got {text!r}")


def is_identifier(value: Any) -> bool:
    """Whether ``value`` is a non-empty string of printable characters without whitespace."""
    # The space is the one whitespace character that is printable (tests/test_fast_decode.py checks every one).
    return isinstance(value, str) and value != "" and value.isprintable() and " " not in value


def to_decimal(value: Any) -> Any:
    """Turn an ``int`` or a finite ``Decimal`` into its canonical ``Decimal``.

    Equal values get one representation (``30``, ``30.0`` and ``3E+1`` all
    become ``Decimal('30')``; ``-0`` becomes ``0``), so equal events serialize
    identically. Floats are *not* converted (a binary float cannot state a
    rate exactly), nor are values too long to normalise exactly: both are
    left for the validator to refuse.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite() or len(value.as_tuple().digits) > 28:
        return value
    if value == 0:
        return Decimal(0)
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal  # type: ignore[operator]


def canonical_decimal(value: Decimal) -> Decimal:
    """The one form of a finite ``Decimal`` (``Decimal("15.0")`` becomes ``Decimal("15")``), as the codec stores it.

    Sums and differences of rates are printed in this form everywhere, so
    equal figures print one way.

    Raises:
        ValueError: ``value`` is not a finite ``Decimal`` of at most 28 digits.
    """
    result = to_decimal(value)
    if not isinstance(result, Decimal) or not result.is_finite() or len(result.as_tuple().digits) > 28:
        raise ValueError(f"expected a finite Decimal, got {value!r}")
    return result


def to_tuple(value: Any) -> Any:
    """Turn a list into a tuple; leave strings, sets and the rest for the validator."""
    return tuple(value) if isinstance(value, list) else value


def to_utc(value: Any) -> Any:
    """Normalise an aware ``datetime`` to UTC; naive or out-of-range ones are left to the validator."""
    if isinstance(value, datetime) and value.tzinfo is UTC:  # already in UTC (astimezone would return it)
        return value
    if isinstance(value, datetime) and value.utcoffset() is not None:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            return value
    return value


def party(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An ISO 3166-1 alpha-3 code (or a documented bloc code): three capitals."""
    if not is_party_code(value):
        raise EventValidationError(
            attribute.name, value, "an ISO 3166-1 alpha-3 code such as 'USA' or 'CHN'"
        )


def parties(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty tuple (or list) of distinct alpha-3 codes."""
    if not isinstance(value, tuple) or not value:
        raise EventValidationError(attribute.name, value, "a non-empty tuple of alpha-3 codes")
    for code in value:
        party(_inst, attribute, code)
    if len(set(value)) != len(value):
        raise EventValidationError(attribute.name, value, "distinct party codes")


def identifier(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty string of printable characters without whitespace (event, accord, talks ids)."""
    if not is_identifier(value):
        raise EventValidationError(
            attribute.name, value, "a non-empty string of printable characters without whitespace"
        )


def optional_identifier(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or an :func:`identifier`."""
    if value is not None:
        identifier(inst, attribute, value)


def _storable(attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise EventValidationError(attribute.name, value, "text without lone surrogates") from None


def text(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty string that is not only whitespace, without lone surrogates."""
    if not (isinstance(value, str) and value.strip()):
        raise EventValidationError(attribute.name, value, "a non-empty string")
    _storable(attribute, value)


def optional_text(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or a :func:`text`."""
    if value is not None:
        text(inst, attribute, value)


def any_text(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Any string, empty included, without lone surrogates."""
    if not isinstance(value, str):
        raise EventValidationError(attribute.name, value, "a string")
    _storable(attribute, value)


def texts(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A tuple of non-empty strings."""
    if not isinstance(value, tuple):
        raise EventValidationError(attribute.name, value, "a tuple of strings")
    for item in value:
        text(_inst, attribute, item)


def some_texts(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty tuple of non-empty strings."""
    texts(_inst, attribute, value)
    if not value:
        raise EventValidationError(attribute.name, value, "at least one string")


def day(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A ``datetime.date`` (not a ``datetime``) from 1900-01-01 to 2999-12-31."""
    if not isinstance(value, date) or isinstance(value, datetime) or not EARLIEST <= value <= LATEST:
        raise EventValidationError(attribute.name, value, f"a datetime.date from {EARLIEST} to {LATEST}")


def optional_day(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` or a :func:`day`."""
    if value is not None:
        day(inst, attribute, value)


def aware(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A timezone-aware ``datetime`` (an instant) from 1900-01-01 to 2999-12-31 UTC."""
    if (
        not isinstance(value, datetime) or value.utcoffset() is None
        or not _EARLIEST_INSTANT <= value <= _LATEST_INSTANT
    ):
        raise EventValidationError(
            attribute.name, value, f"a timezone-aware datetime from {EARLIEST} to {LATEST} (UTC)"
        )


def _bounded(value: Any, limit: Decimal = MAX_PERCENT) -> bool:
    """A finite ``Decimal`` of at most ``limit`` in size with at most ``MAX_PLACES`` places."""
    return (
        isinstance(value, Decimal) and value.is_finite() and abs(value) <= limit
        and value.as_tuple().exponent >= -MAX_PLACES  # type: ignore[operator]
    )


def percent(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An ad valorem rate in percent: a ``Decimal`` from 0 to 1,000,000, at most 6 places."""
    if not _bounded(value) or value < 0:
        raise EventValidationError(
            attribute.name, value,
            f"a finite, non-negative Decimal (percent) up to {MAX_PERCENT} with at most {MAX_PLACES} places",
        )


def quantity(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A quantity (a quota volume, an amount of money): a ``Decimal`` from 0 to 10**15, at most 6 places."""
    if not _bounded(value, MAX_QUANTITY) or value < 0:
        raise EventValidationError(
            attribute.name, value,
            f"a finite, non-negative Decimal up to 10**15 with at most {MAX_PLACES} places",
        )


def hs_codes(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A tuple of HS codes or prefixes (possibly empty)."""
    if not isinstance(value, tuple):
        raise EventValidationError(attribute.name, value, "a tuple of HS code prefixes")
    for code in value:
        hs_code(_inst, attribute, code)


def party_codes(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A tuple (possibly empty) of distinct alpha-3 codes."""
    if not isinstance(value, tuple):
        raise EventValidationError(attribute.name, value, "a tuple of alpha-3 codes")
    if value:
        parties(_inst, attribute, value)


def identifiers(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A tuple (possibly empty) of distinct :func:`identifier` strings."""
    if not isinstance(value, tuple):
        raise EventValidationError(attribute.name, value, "a tuple of distinct identifiers")
    for item in value:
        identifier(_inst, attribute, item)
    if len(set(value)) != len(value):
        raise EventValidationError(attribute.name, value, "a tuple of distinct identifiers")


def change_percent(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A change in percent: a ``Decimal`` of any sign, at most 1,000,000 in size, at most 6 places."""
    if not _bounded(value):
        raise EventValidationError(
            attribute.name, value,
            f"a finite Decimal (percent) from -{MAX_PERCENT} to {MAX_PERCENT} with at most {MAX_PLACES} places",
        )


def boolean(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A ``bool``."""
    if not isinstance(value, bool):
        raise EventValidationError(attribute.name, value, "a bool")


def positive_int(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An ``int`` (not a ``bool``) greater than zero, at most :data:`MAX_INT`."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_INT:
        raise EventValidationError(attribute.name, value, f"a positive int up to {MAX_INT}")


def optional_count(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``None`` (unknown) or an ``int`` (not a ``bool``) from zero to :data:`MAX_INT`, so that a log can hold it."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INT):
        raise EventValidationError(attribute.name, value, f"None (unknown) or an int from 0 to {MAX_INT}")


def hs_code(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An HS code or prefix: 2, 4, 6, 8 or 10 digits (chapter to national line)."""
    if not is_hs_code(value):
        raise EventValidationError(
            attribute.name, value, "an HS code of 2, 4, 6, 8 or 10 digits, e.g. '1201'"
        )
