"""Where did the US–China talks stand on the morning of the London talks (2025-06-09)?

Replays the seed article's log to 2025-06-09, as known at 08:00 London time
(07:00 UTC), and answers the article's questions: which tariffs applied, how
many days were left in the May accord's window, and who was at the table.

Run from anywhere: ``python examples/london_talks_morning.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import events
import negotiation

SEED = Path(__file__).resolve().parent.parent / "seeds" / "london-talks-2025.jsonl"


def main() -> None:
    """Print the answer."""
    log = events.read_jsonl(SEED)
    morning = datetime(2025, 6, 9, 7, tzinfo=UTC)
    state = negotiation.replay(log, as_of=date(2025, 6, 9), known_at=morning)

    print(f"On the morning of {state.as_of}:")
    for imposer, target in (("USA", "CHN"), ("CHN", "USA")):
        layers = " + ".join(
            f"{layer.measure} {layer.applied_rate}" for layer in state.tariff_layers(imposer, target)
            if layer.scope.all_goods
        )
        print(f"  {imposer} tariff on goods of {target}: {state.tariff_rate(imposer, target)} % ({layers})")
    accord = state.accords["geneva-2025"]
    print(
        f"  The May accord ({accord.status.value}) closes on {accord.deadline}: "
        f"{state.days_remaining('geneva-2025')} days left."
    )
    talks = state.talks["london-2025-06"]
    print(f"  Talks in {talks.venue}, {talks.status.value} for {talks.starts}:")
    for party, members in talks.delegations.items():
        print(f"    {party}: {', '.join(member.name for member in members)}")
    release = state.trade_data.get("CHN")
    if release is not None:
        print(
            f"  China's {release.period} trade: exports {release.exports_yoy:+} % y/y, "
            f"imports {release.imports_yoy:+} % y/y"
        )


if __name__ == "__main__":
    main()
