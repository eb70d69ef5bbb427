"""The command line's option types: a date, an instant, a party, an HS code, a base rate; bad text gets argparse's error.

One home for every command's options (``_cli.py``, ``_cli_edit.py``, ``_cli_stores.py``).
"""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime
from decimal import Decimal

import events

__all__ = ["option_base", "option_date", "option_instant", "option_party", "option_product"]

_BASE = re.compile(r"[0-9]{1,7}(?:\.[0-9]{1,6})?")


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


def option_product(text: str) -> str:
    """An HS option in canonical form: ``1201.90`` -> ``120190`` (:func:`events.normalise_hs`)."""
    try:
        return events.normalise_hs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def option_base(text: str) -> Decimal:
    """A base (MFN) rate in percent, as written: up to 7 digits and 6 places (``2.5``)."""
    if not _BASE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a base (MFN) rate in percent such as 2.5, got {text!r}")
    return Decimal(text)
