"""A pandas pipeline: the tariff series of both sides joined with the trade data releases.

For each trade data release in the 2025 log, the mean all-goods tariff of
each side over the release's period, and the rates in force on the release
day. China's May 2025 figures (released 2025-06-09: exports +4.8 %, imports
-3.4 % year on year) cover a month with 13 days at 145 % and 18 days at 30 %
(US on Chinese goods), a mean of 78.23 %.

Needs the ``pandas`` extra. Run from anywhere: ``python examples/pandas_trade_join.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

import events
import negotiation
from negotiation import frames

SEED = Path(__file__).resolve().parent.parent / "seeds" / "us-china.jsonl"
START, END = date(2025, 1, 1), date(2025, 12, 31)


def main() -> None:
    """Print one row per release: period, release day, the figures, the mean tariffs and the rates on the day."""
    log = events.read_jsonl(SEED)
    # Floats for averaging; the default (exact Decimal) is for bookkeeping.
    us, cn = (
        frames.tariff_frame(log, START, END, imposer=imposer, target=target, rates="float")
        [["date", "total"]].rename(columns={"total": f"{imposer} on {target}"})
        for imposer, target in (("USA", "CHN"), ("CHN", "USA"))
    )
    tariffs = us.merge(cn, on="date", validate="one_to_one")
    releases = frames.trade_data_frame(negotiation.replay(log, as_of=END), rates="float")

    in_period = releases.merge(tariffs, how="cross")
    in_period = in_period[in_period["date"].between(in_period["period_start"], in_period["period_end"])]
    means = in_period.groupby("event_id")[["USA on CHN", "CHN on USA"]].mean().add_prefix("mean ")
    on_the_day = releases.merge(tariffs, left_on="effective", right_on="date")
    table = on_the_day.set_index("event_id").join(means)[
        ["reporter", "period", "effective", "exports_yoy", "imports_yoy",
         "mean USA on CHN", "mean CHN on USA", "USA on CHN", "CHN on USA"]
    ].rename(columns={"effective": "released", "USA on CHN": "USA on CHN on release",
                      "CHN on USA": "CHN on USA on release"})
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.precision", 2):
        print("Trade data releases and tariffs (percent; means over the period, all goods):")
        print(table.assign(released=table["released"].dt.date).to_string(index=False))


if __name__ == "__main__":
    main()
