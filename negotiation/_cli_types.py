"""The command line's option types: a date, an instant, a party code, each refused with argparse's own error.

One home for every command's options (``_cli.py``, ``_cli_edit.py``, ``_cli_stores.py``).
"""

from __future__ import annotations

import argparse
from datetime import date, datetime

import events

__all__ = ["option_date", "option_instant", "option_party"]


def option_date(text: str) -> date:
    """``YYYY-MM-DD`` from 1900-01-01 to 2999-12-31 (:func:`events.parse_date`)."""
    try:
        day = events.parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not events.EARLIEST <= day <= events.LATEST:
        raise argparse.ArgumentTypeError(f"expected a date from {events.EARLIEST} to {events.LATEST}, got {text!r}")
    return day


def option_instant(text: str) -> datetime:
    """An ISO 8601 timestamp with an offset (:func:`events.parse_instant`)."""
    try:
        return events.parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def option_party(text: str) -> str:
    """A party option in canonical form: ``usa`` -> ``USA`` (:func:`events.normalise_party`)."""
    try:
        return events.normalise_party(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
