"""Strict ISO 8601 parsing of dates and instants, shared by the codec and the CLI.

Only the extended calendar forms are accepted (``2025-06-09``,
``2025-06-09T12:00:00Z``): no week dates, no basic format, no ordinal dates.
"""

from __future__ import annotations

import re
from datetime import date, datetime

__all__ = ["parse_date", "parse_instant"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def parse_date(text: str) -> date:
    """Parse ``YYYY-MM-DD``.

    Raises:
        ValueError: any other form, or a day that does not exist (2025-02-30).
    """
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        raise ValueError(f"expected an ISO date YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected an ISO date YYYY-MM-DD that exists, got {text!r}") from None


def parse_instant(text: str) -> datetime:
    """Parse ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` followed by ``Z`` or ``±HH:MM``.

    Returns:
        An aware ``datetime`` in the offset given.

    Raises:
        ValueError: any other form (a missing offset included), or a time
            that does not exist.
    """
    expected = "an ISO 8601 timestamp with an offset, e.g. 2025-05-12T09:00:00Z"
    if not isinstance(text, str) or not _INSTANT.fullmatch(text):
        raise ValueError(f"expected {expected}, got {text!r}")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected {expected} that exists, got {text!r}") from None
