"""Compatibility: the logs of before the tariff rules fold to the same states, day by day.

``tests/data/*-golden.jsonl`` are copies of the two seed logs as they stood
before combination rules, base rates, quotas, instruments and blocs were
added; ``golden-digests-2025.json`` holds the digest of each one's state on
every day of 2025, computed by the library of that time. A log that uses
only additive layers must fold exactly as before, and be written back
byte for byte.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import events
import negotiation

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = json.loads((DATA / "golden-digests-2025.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_every_day_of_2025_keeps_its_digest(name):
    """Each of the 365 daily states has the digest it had before the tariff rules."""
    log = events.read_jsonl(DATA / f"{name}.jsonl")
    found = {str(day): state.digest
             for day, state in negotiation.timeline(log, date(2025, 1, 1), date(2025, 12, 31))}
    assert GOLDEN[name] == found


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_old_lines_are_written_exactly_as_before(name):
    """A line that uses no new field is written back unchanged (same version, same keys, same hash)."""
    path = DATA / f"{name}.jsonl"
    text = path.read_text(encoding="utf-8")
    assert text == events.dumps_jsonl(events.read_jsonl(path))
