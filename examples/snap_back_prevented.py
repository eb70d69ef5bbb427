"""The snap-back to 34 % that the 2025-08-11 extension prevented.

The May accord suspended 24 of the 34 points of each side's reciprocal layer
until 2025-08-12. Without Executive Order 14334 (signed late on 2025-08-11)
the suspension would have ended and the US total on Chinese goods would have
jumped from 30 % to 54 % on 2025-08-12. We replay the log as it is, and
without the extension events, and print the days around the deadline.

Run from anywhere: ``python examples/snap_back_prevented.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import events
import negotiation

SEED = Path(__file__).resolve().parent.parent / "seeds" / "us-china.jsonl"
EXTENSION = {"us-ieepa-reciprocal-2025-08", "cn-counter-reciprocal-2025-08", "geneva-accord-extended-2025-08"}


def main() -> None:
    """Print both series side by side, and the changes the clock made without the extension."""
    log = events.read_jsonl(SEED)
    without = [event for event in log if event.event_id not in EXTENSION]
    start, end = date(2025, 8, 10), date(2025, 8, 13)
    actual = negotiation.timeline(log, start, end)
    counterfactual = negotiation.timeline(without, start, end)
    print("date        with extension   without   (US all-goods rate on Chinese goods, percent)")
    for (day, real), (_, alt) in zip(actual, counterfactual, strict=True):
        status = alt.accords["geneva-2025"].status.value
        print(f"{day}  {real.tariff_rate('USA', 'CHN'):>14}  {alt.tariff_rate('USA', 'CHN'):>8}   "
              f"(accord without extension: {status})")
    print("Changes without the extension:")
    for change in negotiation.changes(without, date(2025, 8, 12), date(2025, 8, 12)):
        print(f"  {change.day} {change.subject}: {change.before} -> {change.after} [{', '.join(change.causes)}]")


if __name__ == "__main__":
    main()
