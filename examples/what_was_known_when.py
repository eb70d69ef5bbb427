"""What was known when: the tariff expected on the eve of each change, against what took effect.

Valid time ("as of" a day) and transaction time ("known at" an instant) are
separate clocks. For each day the US all-goods rate on Chinese goods changed
in 2025, or was due to, we replay the log to that day twice: as known at
noon UTC the day before, and as known now. Where they differ, news came in
the last hours: on the eve of 2025-04-09 the announced 34 % reciprocal rate
(total 54 %) was still the plan, and on the eve of 2025-08-12 the 24
suspended points were due back (54 %) until the extension was signed late
that evening in Washington.

Run from anywhere: ``python examples/what_was_known_when.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import events
import negotiation

SEED = Path(__file__).resolve().parent.parent / "seeds" / "us-china.jsonl"
DAYS = [date(2025, 4, 5), date(2025, 4, 9), date(2025, 4, 10), date(2025, 5, 14), date(2025, 8, 12), date(2025, 11, 10)]


def main() -> None:
    """Print, for each day, the rate expected on the eve and the rate in force, with the events that made the difference."""
    log = events.read_jsonl(SEED)
    print("day         expected on the eve   in force   (US all-goods rate on Chinese goods, percent)")
    for day in DAYS:
        eve = datetime.combine(day - timedelta(days=1), time(12), tzinfo=UTC)
        believed = negotiation.replay(log, as_of=day, known_at=eve)
        actual = negotiation.replay(log, as_of=day)
        expected, in_force = believed.tariff_rate("USA", "CHN"), actual.tariff_rate("USA", "CHN")
        print(f"{day}  {expected:>19}   {in_force:>8}   {'as expected' if expected == in_force else 'news came after the eve'}")
        if expected != in_force:
            news = sorted(
                (event for event in actual.events.values()
                 if isinstance(event, events.TariffChanged) and event.recorded > eve and event.imposer == "USA"),
                key=lambda event: event.recorded,
            )
            for event in news:
                level = f"{event.rate}" if event.suspension is None else (
                    f"{event.rate}, {event.suspension.rate} applying until {event.suspension.until}")
                print(f"            recorded {event.recorded:%Y-%m-%d %H:%M} UTC: {event.measure} to {level} "
                      f"({event.event_id})")


if __name__ == "__main__":
    main()
