"""Query arguments at the edge: the one place where what a caller passes becomes what the model reads.

Every public query (:func:`~negotiation.replay`, :func:`~negotiation.timeline`,
:func:`~negotiation.changes`, :func:`~negotiation.explain`, the row
functions, the state's tariff methods) asks this module, so each kind of
argument is accepted, refused and worded the same way everywhere:

* a day (valid time): a :class:`datetime.date` or an ISO date string
  ``"YYYY-MM-DD"``, from ``events.EARLIEST`` to ``events.LATEST``; never a
  ``datetime`` (the day of an instant depends on a time zone);
* an instant (transaction time, ``known_at``): an aware
  :class:`datetime.datetime` or an ISO 8601 string with an offset
  (``"2025-05-13T12:00Z"``), returned in UTC;
* party codes: ``"USA"``, ``"usa"`` or ``" usa "``, returned as ``"USA"``;
* HS codes: ``"120190"`` or the printed ``"1201.90"``, returned as digits
  (:func:`events.normalise_party`, :func:`events.normalise_hs`);
* a log: an iterable of events, never a path or a string.

Each refusal is a :class:`~negotiation.QueryError` naming the argument, the
value and what was expected. The command line parses its options with the
same functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from events import EARLIEST, LATEST, EventStore, normalise_hs, normalise_party, parse_date, parse_instant

from ._errors import QueryError

__all__ = ["as_codes", "as_day", "as_instant", "as_log", "as_party", "as_product"]

_DAY = f"a datetime.date or an ISO date 'YYYY-MM-DD' from {EARLIEST} to {LATEST}"
_INSTANT = "None, a timezone-aware datetime or an ISO 8601 instant with an offset (e.g. '2025-05-13T12:00Z')"
_READ_FIRST = "read the log first: events.read_log(path) returns its events"


def as_day(name: str, value: Any) -> date:
    """A day of valid time from a ``date`` or an ISO ``"YYYY-MM-DD"`` string.

    Raises:
        QueryError: a ``datetime`` (naming ``.date()`` as the way to say
            which day), another type or form, a day that does not exist, or
            one outside 1900-01-01 to 2999-12-31.
    """
    if isinstance(value, datetime):
        raise QueryError(name, value, f"{_DAY}, not a datetime (pass its .date() if that is the day meant)")
    day = value
    if isinstance(value, str):
        try:
            day = parse_date(value)
        except ValueError:
            raise QueryError(name, value, _DAY) from None
    if not isinstance(day, date) or not EARLIEST <= day <= LATEST:
        raise QueryError(name, value, _DAY)
    return day


def as_instant(name: str, value: Any) -> datetime | None:
    """An instant of transaction time in UTC, from an aware ``datetime`` or an ISO 8601 string with an offset; ``None`` stays.

    Raises:
        QueryError: a naive ``datetime``, a string without an offset or of
            another form, an instant outside what UTC can hold, another type.
    """
    if value is None:
        return None
    instant = value
    if isinstance(value, str):
        try:
            instant = parse_instant(value)
        except ValueError:
            raise QueryError(name, value, _INSTANT) from None
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        raise QueryError(name, value, _INSTANT)
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        raise QueryError(name, value, _INSTANT) from None


def as_party(name: str, value: Any) -> str:
    """A party code in canonical form (``"usa"`` -> ``"USA"``).

    Raises:
        QueryError: not three ASCII letters.
    """
    try:
        return normalise_party(value)
    except ValueError:
        raise QueryError(name, value, "an alpha-3 party code such as 'USA' (any case)") from None


def as_product(value: Any) -> str | None:
    """An HS code in canonical form (``"1201.90"`` -> ``"120190"``), or ``None`` (all goods).

    Raises:
        QueryError: not an HS code of 2, 4, 6, 8 or 10 digits, dotted or not.
    """
    if value is None:
        return None
    try:
        return normalise_hs(value)
    except ValueError:
        raise QueryError("product", value, "None or an HS code of 2, 4, 6, 8 or 10 digits, dotted as in tariff "
                                           "schedules or not, e.g. '1201.90' or '120190'") from None


def as_codes(imposer: Any, target: Any, product: Any) -> tuple[str | None, str | None, str | None]:
    """``(imposer, target, product)`` in canonical form; a party may be ``None`` (any).

    Raises:
        QueryError: as :func:`as_party` and :func:`as_product`.
    """
    return (None if imposer is None else as_party("imposer", imposer),
            None if target is None else as_party("target", target), as_product(product))


def as_log(events: Any) -> Iterable[Any]:
    """``events`` if it can be a log (an iterable that is not a path, a string or a store); its items are the fold's to check.

    Raises:
        QueryError: a path, a string or bytes (iterating one gives its
            characters), an event store, or anything not iterable; the
            message says to read the log first with ``events.read_log``.
    """
    if isinstance(events, (str, bytes, os.PathLike)):
        raise QueryError("events", events, f"an iterable of events, not a path or a string: {_READ_FIRST}")
    if isinstance(events, EventStore):
        raise QueryError("events", events, f"an iterable of events, not a store: {_READ_FIRST}, or store.read()")
    if not isinstance(events, Iterable):
        raise QueryError("events", events, f"an iterable of events (a log): {_READ_FIRST}")
    return events
