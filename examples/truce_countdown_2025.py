"""The truce countdown: days left in the Geneva accord's window on each day of 2025.

The May accord (reached 2025-05-12) opened a 90-day window on 2025-05-14,
closing on 2025-08-12. It was extended twice: on 2025-08-12 to 2025-11-10,
and on 2025-11-10 by a year, to 2026-11-10. One forward fold over 2025 gives
the window as known on each day; we print the first day of each month, and
every day the deadline moved or the status changed.

Run from anywhere: ``python examples/truce_countdown_2025.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import events
import negotiation

SEED = Path(__file__).resolve().parent.parent / "seeds" / "us-china.jsonl"


def main() -> None:
    """Print the countdown."""
    log = events.read_jsonl(SEED)
    rows = negotiation.accord_series(log, date(2025, 1, 1), date(2025, 12, 31), accord_id="geneva-2025")
    print("date        status   deadline    days left   (Geneva accord, geneva-2025)")
    previous = None
    for row in rows:
        moved = previous is not None and (row["deadline"], row["status"]) != (previous["deadline"], previous["status"])
        if previous is None or moved or row["date"].day == 1:
            note = ""
            if previous is None:
                note = f"reached; window opens {row['window_start']}"
            elif row["deadline"] != previous["deadline"]:
                note = f"extended from {previous['deadline']}"
            elif moved:
                note = f"{previous['status']} -> {row['status']}"
            print(f"{row['date']}  {row['status']:<7}  {row['deadline']}  {row['days_remaining']:>9}   {note}".rstrip())
        previous = row
    last_day = min((row for row in rows if row["days_remaining"] == 1), key=lambda row: row["date"])
    print(f"Closest call: {last_day['date']}, one day left before the first extension.")


if __name__ == "__main__":
    main()
