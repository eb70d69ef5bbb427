"""The US tariff on Chinese goods in 2025, day by day, as a CSV table and a PNG chart.

One forward fold over 2025 gives a row per day: the total and each layer
(IEEPA-fentanyl, IEEPA-reciprocal), in percent. The same rows are written to
``us-china-2025.csv`` and drawn, with the accord windows and the rounds of
talks, to ``us-china-2025.png``. The chart shows the April spike (145 % from
2025-04-10), the May drop (30 % from 2025-05-14, the Geneva accord) and the
November step (20 % from 2025-11-10, after the leaders' meeting in Busan).

Needs the ``plot`` extra (matplotlib). Run from anywhere::

    python examples/tariff_series_2025.py [OUTPUT_FOLDER]

Without a folder, the files go to a new temporary folder; the script prints
where, and the days the total changed.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from datetime import date
from pathlib import Path

import events
import negotiation

SEED = Path(__file__).resolve().parent.parent / "seeds" / "us-china.jsonl"
START, END = date(2025, 1, 1), date(2025, 12, 31)


def main(folder: Path) -> None:
    """Write the CSV and the PNG into ``folder``; print their paths and the changes of the total."""
    log = events.read_jsonl(SEED)
    rows = negotiation.tariff_series(log, START, END, imposer="USA", target="CHN")
    accords = negotiation.accord_series(log, START, END)
    talks = negotiation.talks_rows(negotiation.replay(log, as_of=END))

    folder.mkdir(parents=True, exist_ok=True)
    table = negotiation.tariff_table(rows)
    with (folder / "us-china-2025.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: "" if value is None else value for key, value in row.items()} for row in table)

    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from negotiation import plots
    except ImportError:
        print(f"wrote {folder / 'us-china-2025.csv'}; the chart needs the 'plot' extra: "
              "pip install 'negotiation-state[plot]'")
    else:
        figure = Figure(figsize=(11, 5.5), dpi=150, layout="constrained")
        FigureCanvasAgg(figure)
        ax = plots.draw_tariffs(figure.add_subplot(), rows, accords=accords, talks=talks)
        ax.set_title("US tariff on Chinese goods (all goods), 2025")
        figure.savefig(folder / "us-china-2025.png")
        print(f"wrote {folder / 'us-china-2025.csv'} and {folder / 'us-china-2025.png'}")
    print("days the US all-goods rate on Chinese goods changed (percent):")
    previous = None
    for row in rows:
        if row["total"] != previous:
            layers = " + ".join(f"{label} {rate}" for label, rate in row["layers"].items()) or "no layer"
            print(f"  {row['date']}: {row['total']:>4} ({layers})")
        previous = row["total"]


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="us-china-2025-")))
