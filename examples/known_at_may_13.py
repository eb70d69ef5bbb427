"""What did we believe on 2025-05-13 about 2025-05-14?

The Geneva joint statement was released on 2025-05-12; its tariff cuts took
effect on 2025-05-14. Replaying the 2025 log as known at noon UTC on
2025-05-13 shows the 145 % then in force, the cut already scheduled, and the
30 % it would bring the next day. Knowing what we know now changes nothing
here: the statement was public by then.

Run from anywhere: ``python examples/known_at_may_13.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import events
import negotiation

SEED = Path(__file__).resolve().parent.parent / "seeds" / "us-china.jsonl"


def main() -> None:
    """Print what was in force, what was scheduled, and what was expected."""
    log = events.read_jsonl(SEED)
    noon = datetime(2025, 5, 13, 12, tzinfo=UTC)
    today = negotiation.replay(log, as_of=date(2025, 5, 13), known_at=noon)
    tomorrow = negotiation.replay(log, as_of=date(2025, 5, 14), known_at=noon)

    print(f"Known at {noon.isoformat()}:")
    print(f"  in force on {today.as_of}: US on Chinese goods {today.tariff_rate('USA', 'CHN')} %, "
          f"China on US goods {today.tariff_rate('CHN', 'USA')} %")
    for event in sorted(today.scheduled.values(), key=lambda e: e.sort_key):
        if isinstance(event, events.TariffChanged):
            suspended = f", {event.suspension.rate} % until {event.suspension.until}" if event.suspension else ""
            print(f"  scheduled {event.effective}: {event.imposer} {event.measure} to {event.rate} %{suspended}")
    print(f"  expected on {tomorrow.as_of}: US on Chinese goods {tomorrow.tariff_rate('USA', 'CHN')} %, "
          f"China on US goods {tomorrow.tariff_rate('CHN', 'USA')} %")
    accord = tomorrow.accords["geneva-2025"]
    print(f"  the Geneva window runs from {accord.window_start} to {accord.deadline}: "
          f"{tomorrow.days_remaining('geneva-2025')} days")


if __name__ == "__main__":
    main()
