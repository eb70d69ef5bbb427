"""Charts of the tariff series, with accord windows and talks, drawn with matplotlib (no screen needed).

Needs the ``plot`` extra (``pip install 'negotiation-state[plot]'``);
``import negotiation`` never imports matplotlib, only ``import
negotiation.plots`` does. Figures are :class:`matplotlib.figure.Figure`
objects on the Agg canvas, made without :mod:`matplotlib.pyplot`, so they
change no global state and need no display::

    from negotiation import plots
    figure = plots.tariff_figure(log, date(2025, 1, 1), date(2025, 12, 31), imposer="USA", target="CHN")
    figure.savefig("us-china-2025.png")

``negotiation plot LOG --from D1 --to D2 --imposer USA --target CHN -o out.png``
does the same from the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from textwrap import shorten

try:
    from matplotlib import colormaps
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - exercised without matplotlib only
    raise ImportError(
        "negotiation.plots needs matplotlib: install the 'plot' extra, e.g. pip install 'negotiation-state[plot]'",
        name=exc.name,
    ) from exc

from events import Record

from ._args import as_day, as_instant, as_party, as_product
from ._rows import AccordRow, TalksRow, TariffRow, accord_rows, talks_rows, tariff_row
from ._tariffs import QuotaChoice
from ._timeline import timeline

__all__ = ["draw_tariffs", "tariff_figure"]

_ONE_DAY = timedelta(days=1)


def _runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, day after the last) pairs."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + _ONE_DAY)
        else:
            runs.append((day, day + _ONE_DAY))
    return runs


def _x(day: date) -> float:
    """A date as matplotlib's x coordinate (days since its epoch)."""
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _short_venue(venue: str) -> str:
    """``"London (Lancaster House)"`` -> ``"London"``."""
    return venue.split(" (")[0]


def draw_tariffs(
    ax: Axes,
    rows: Sequence[TariffRow],
    *,
    accords: Iterable[AccordRow] = (),
    talks: Iterable[TalksRow] = (),
) -> Axes:
    """Draw a tariff series on ``ax``: layers stacked, the total, accord windows shaded, talks marked.

    Each day of ``rows`` (from :func:`negotiation.tariff_series`) is drawn as
    a step that holds for the whole day. Layers are stacked areas in label
    order; the total is a black line labelled ``"total"`` (its points are the
    rows' dates and totals, percent), annotated with its value on every day
    it changes. The days of ``accords`` rows (from
    :func:`negotiation.accord_series`) whose status is ``"active"`` are
    shaded, one colour per accord; ``talks`` (from
    :func:`negotiation.talks_rows`) within the rows' dates are grey bands
    with their venue. Days after the log's horizon (``projected`` rows) are
    hatched and labelled as a projection. Rates are drawn as floats
    (display only).

    Returns:
        ``ax``, for chaining.

    Raises:
        ValueError: ``rows`` is empty.
    """
    if not rows:
        raise ValueError("no rows to draw: expected at least one day of a tariff series")
    days = [row["date"] for row in rows]
    first, after = days[0], days[-1] + _ONE_DAY
    edges = [_x(day) for day in [*days, after]]  # a step per day, held to the end of the last one
    labels = sorted({label for row in rows for label in row["layers"]})
    palette = colormaps["tab10"]
    bottom = [0.0] * len(edges)
    for index, label in enumerate(labels):
        values = [float(row["layers"].get(label, Decimal(0))) for row in rows]
        top = [b + v for b, v in zip(bottom, [*values, values[-1]], strict=True)]
        ax.fill_between(edges, bottom, top, step="post", color=palette(index % 10), alpha=0.75, linewidth=0,
                        label=shorten(label, 48, placeholder=" …]"))
        bottom = top
    totals = [float(row["total"]) for row in rows]
    ax.plot(edges[:-1], totals, drawstyle="steps-post", color="black", linewidth=1.6, label="total")
    ax.hlines(totals[-1], edges[-2], edges[-1], color="black", linewidth=1.6)
    previous = None
    for row in rows:
        if row["total"] != previous and (previous is not None or row["total"]):
            ax.annotate(f"{row['total']} %", (_x(row["date"]), float(row["total"])), xytext=(2, 4),
                        textcoords="offset points", fontsize=8, fontweight="bold")
        previous = row["total"]

    active: dict[str, list[date]] = {}
    for accord in accords:
        if accord["status"] == "active" and first <= accord["date"] < after:
            active.setdefault(accord["accord_id"], []).append(accord["date"])
    shades = colormaps["Set2"]
    for index, (accord_id, accord_days) in enumerate(sorted(active.items())):
        for number, (start, end) in enumerate(_runs(sorted(accord_days))):
            ax.axvspan(_x(start), _x(end), color=shades(index % 8), alpha=0.22, zorder=0, linewidth=0,
                       label=f"accord window: {accord_id}" if number == 0 else None)

    for meeting in talks:
        start, end = meeting["starts"], (meeting["ends"] or meeting["starts"]) + _ONE_DAY
        if end <= first or start >= after:
            continue
        ax.axvspan(_x(max(start, first)), _x(min(end, after)), color="0.55", alpha=0.6, zorder=0.5, linewidth=0)
        ax.text(_x(max(start, first)), 0.98, f" talks: {_short_venue(meeting['venue'])}", transform=ax.get_xaxis_transform(),
                rotation=90, va="top", ha="right", fontsize=7, color="0.25",
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})

    projected = [row["date"] for row in rows if row["projected"]]
    if projected:
        ax.axvspan(_x(projected[0]), edges[-1], facecolor="none", hatch="//", edgecolor="0.6", linewidth=0, zorder=0.2,
                   label=f"projection: after the log's horizon ({projected[0] - _ONE_DAY})")

    ax.xaxis_date()
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))  # type: ignore[no-untyped-call]
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(max(totals), 1.0) * 1.2)
    ax.set_ylabel("additional duty over the base (MFN), ad valorem percent")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncols=4, fontsize=8, frameon=False)
    return ax


def tariff_figure(
    events: Iterable[Record],
    start: date | str,
    end: date | str,
    *,
    imposer: str,
    target: str,
    product: str | None = None,
    known_at: datetime | str | None = None,
    base: Decimal | None = None,
    quota: QuotaChoice = None,
) -> Figure:
    """A figure of the tariff of ``imposer`` on ``target`` from ``start`` to ``end`` (inclusive), from one forward fold.

    Draws with :func:`draw_tariffs` the daily tariff rows, the accords'
    windows on each day, and the talks known on ``end`` (all as known at
    ``known_at``), with a title naming the pair, the product and the dates.

    Returns:
        A :class:`matplotlib.figure.Figure` on an Agg canvas: save it with
        ``figure.savefig(path)`` (PNG, SVG, PDF by the path's suffix).

    Raises:
        As :func:`negotiation.tariff_series`.
    """
    start, end, known_at = as_day("start", start), as_day("end", end), as_instant("known_at", known_at)
    imposer, target, product = as_party("imposer", imposer), as_party("target", target), as_product(product)
    states = [state for _, state in timeline(events, start, end, known_at=known_at)]
    rows = [tariff_row(state, imposer, target, product, base=base, quota=quota) for state in states]
    accords = [row for state in states for row in accord_rows(state)]
    figure = Figure(figsize=(11, 5.5), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    draw_tariffs(ax, rows, accords=accords, talks=talks_rows(states[-1]))
    scope = f"HS {product}" if product else "all goods"
    title = f"{imposer} tariff on goods of {target} ({scope}), {start} to {end}"
    if base is not None:
        title += f", base (MFN) {base} %"
    if quota is not None:
        title += ", in quota" if quota == "in" else ", out of quota"
    if known_at is not None:
        title += f", as known at {known_at.isoformat()}"
    ax.set_title(title)
    return figure
