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

The chart explains itself: every colour it fills or strokes has a legend
entry (two accord windows on one day are one legended colour of their own,
never a blend), every area and band is opaque, value and event labels are
placed clear of the total line (at each draw, once the layout is final),
ranges up to a year have a tick at each month's start, and a footnote says
what the figures cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from textwrap import fill, shorten
from typing import Any, Literal, cast

try:
    from matplotlib import colormaps
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_rgba
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, MonthLocator, date2num
    from matplotlib.figure import Figure
    from matplotlib.path import Path
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox
except ImportError as exc:  # pragma: no cover - exercised without matplotlib only
    raise ImportError(
        "negotiation.plots needs matplotlib: install the 'plot' extra, e.g. pip install 'negotiation-state[plot]'",
        name=exc.name,
    ) from exc

from events import Record

from ._args import as_day, as_instant, as_party, as_product
from ._rows import AccordRow, TalksRow, TariffRow, accord_rows, talks_rows, tariff_row
from ._state import Ruling
from ._tariffs import QuotaChoice
from ._timeline import timeline

__all__ = ["draw_tariffs", "tariff_figure"]

_MONTHLY_TICKS = range(93, 367)  # days drawn with a tick at every month's start; shorter ranges keep matplotlib's day or week ticks
_ONE_DAY = timedelta(days=1)
_RGBA = tuple[float, float, float, float]

_TOTAL_WIDTH = 1.6  # points
_TALKS = to_rgba("0.72")
_EXTENSION = to_rgba("#1b7837")
_RULING = to_rgba("#762a83")
_PROJECTION = to_rgba("0.35")

_Spot = tuple[Literal["left", "right"], Literal["top", "bottom"], tuple[float, float]]
"""Where a label may go: horizontal and vertical alignment, offset from its anchor in points."""

_VALUE_SPOTS: tuple[_Spot, ...] = (
    ("left", "bottom", (3, 3)), ("right", "bottom", (-3, 3)), ("left", "top", (3, -4)), ("right", "top", (-3, -4)),
    ("left", "bottom", (3, 12)), ("right", "bottom", (-3, 12)), ("left", "top", (3, -14)), ("right", "top", (-3, -14)),
    ("left", "bottom", (3, 24)), ("right", "bottom", (-3, 24)), ("left", "bottom", (3, 40)), ("right", "bottom", (-3, 40)),
)
"""A value label, anchored where the total takes the value: above or below the line, right or left of the step."""

_EDGE_SPOTS: tuple[_Spot, ...] = (
    ("right", "top", (-1, -3)), ("left", "top", (1, -3)), ("right", "top", (-12, -3)), ("left", "top", (12, -3)),
    ("right", "bottom", (-1, 3)), ("left", "bottom", (1, 3)), ("right", "bottom", (-12, 3)), ("left", "bottom", (12, 3)),
)
"""A vertical label of a day (talks, an extension, a ruling), anchored at the top or the bottom of the axes."""


def _x(day: date) -> float:
    """A date as matplotlib's x coordinate (days since its epoch)."""
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _short_venue(venue: str) -> str:
    """``"London (Lancaster House)"`` -> ``"London"``."""
    return venue.split(" (")[0]


def _on_white(colour: Any, share: float) -> _RGBA:
    """``colour`` laid at ``share`` opacity on white, as an opaque colour: what the eye sees, and the legend shows."""
    red, green, blue, _ = to_rgba(colour)
    return (1 - share + share * red, 1 - share + share * green, 1 - share + share * blue, 1.0)


class _LabelPlacer(Artist):
    """Moves each label, in order, to its first spot clear of the total line and of the labels placed before it.

    It draws nothing: drawn first among the axes' artists (lowest zorder),
    it places the labels with the final layout and the renderer of that
    draw, so they stay clear whatever the figure's size. A label with no
    clear spot (a small figure, a crowded month) is hidden, never drawn on
    the line or on another label.
    """

    def __init__(self, step: Path, labels: Sequence[tuple[Annotation, Sequence[_Spot]]]) -> None:
        super().__init__()
        self._step = step  # the total as drawn: steps held to the end of the last day, in data coordinates
        self._labels = labels
        self.set_zorder(-1)
        self.set_in_layout(False)

    def draw(self, renderer: RendererBase) -> None:
        ax = self.axes
        assert ax is not None  # added with ax.add_artist
        line = ax.transData.transform_path(self._step)
        pad = cast(float, renderer.points_to_pixels(_TOTAL_WIDTH / 2 + 1))
        frame = ax.bbox
        placed: list[Bbox] = []
        for label, spots in self._labels:
            label.set_visible(True)  # an invisible text has no extent to measure
            for spot in spots:
                box = _put(label, spot, renderer)
                inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
                if (inside and not line.intersects_bbox(box.padded(pad), filled=False)
                        and not any(box.overlaps(other) for other in placed)):
                    placed.append(box)
                    break
            else:
                label.set_visible(False)
        self.stale = False


def _put(label: Annotation, spot: _Spot, renderer: RendererBase) -> Bbox:
    """Move ``label`` to ``spot``; its box in display pixels."""
    ha, va, offset = spot
    label.set_horizontalalignment(ha)
    label.set_verticalalignment(va)
    label.xyann = offset
    return label.get_window_extent(renderer)


def _accord_spans(ax: Axes, accords: Iterable[AccordRow], first: date, after: date) -> None:
    """Shade each run of days with the same active accords: one opaque, legended colour per accord and per overlap."""
    active: dict[date, list[str]] = {}
    for accord in accords:
        if accord["status"] == "active" and first <= accord["date"] < after:
            active.setdefault(accord["date"], []).append(accord["accord_id"])
    ids = sorted({accord_id for found in active.values() for accord_id in found})
    shades = colormaps["Set2"]
    colour = {accord_id: _on_white(shades(index % 8), 0.35) for index, accord_id in enumerate(ids)}
    runs: list[tuple[tuple[str, ...], date, date]] = []
    for day in sorted(active):
        together = tuple(sorted(set(active[day])))
        if runs and runs[-1][0] == together and runs[-1][2] == day:
            runs[-1] = (together, runs[-1][1], day + _ONE_DAY)
        else:
            runs.append((together, day, day + _ONE_DAY))
    labelled: set[tuple[str, ...]] = set()
    for together, start, end in runs:
        mixed = tuple(sum(colour[accord_id][i] for accord_id in together) / len(together) for i in range(4))
        label = (f"accord window: {together[0]}" if len(together) == 1
                 else fill(f"accord windows overlap: {' + '.join(together)}", 36, subsequent_indent="  "))
        ax.axvspan(_x(start), _x(end), color=mixed, zorder=0.6, linewidth=0, gid=f"accord:{'+'.join(together)}",
                   label=None if together in labelled else label)
        labelled.add(together)


def _extensions(accords: Iterable[AccordRow], first: date, after: date) -> list[tuple[date, str, date | None]]:
    """(day, accord id, new deadline) for each day in range an accord's deadline moved: an extension took effect."""
    deadlines: dict[str, date | None] = {}
    moved = []
    for accord in sorted(accords, key=lambda row: (row["date"], row["accord_id"])):
        accord_id, deadline = accord["accord_id"], accord["deadline"]
        if accord_id in deadlines and deadlines[accord_id] != deadline and first <= accord["date"] < after:
            moved.append((accord["date"], accord_id, deadline))
        deadlines[accord_id] = deadline
    return moved


def _ticks(ax: Axes, first: date, after: date) -> None:
    """A tick at every month's start for a range from 3 months up to a year; matplotlib's choice otherwise."""
    locator: Any = (MonthLocator() if (after - first).days in _MONTHLY_TICKS  # type: ignore[no-untyped-call]
                    else AutoDateLocator())  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))  # type: ignore[no-untyped-call]


def _footnote(rows: Sequence[TariffRow], horizon: date | None, known_at: datetime | None, partial: bool) -> str:
    """What the figures cover: the pair and product, the base left out, the log's horizon and what it records."""
    first = rows[0]
    imposer, target, product = first["imposer"], first["target"], first["product"]
    goods = f"HS {product}" if product else "all goods"
    base = ("which is not included" if first["base"] is None
            else f"which is not included (base for {goods}: {first['base']} %)")
    text = (f"Covers: the additional ad valorem duty (percent) that {imposer} levies on goods of {target}, {goods}, "
            f"over the base (MFN) rate, {base}; the layers stacked are the measures the log holds")
    text += (f", which by the log's own account are only part of {imposer}'s measures on {target}." if partial
             else ".")
    projected = [row["date"] for row in rows if row["projected"]]
    if horizon is None and projected:
        horizon = projected[0] - _ONE_DAY
    if projected:
        text += (f" The log knows the world through {horizon}: the days from {projected[0]} (hatched) are projected"
                 " from the clock rules it holds, not known facts.")
    elif horizon is not None:
        text += f" The log knows the world through {horizon}: no day drawn is projected."
    if known_at is not None:
        text += f" As known at {known_at.isoformat()}."
    return text


def draw_tariffs(
    ax: Axes,
    rows: Sequence[TariffRow],
    *,
    accords: Iterable[AccordRow] = (),
    talks: Iterable[TalksRow] = (),
    rulings: Iterable[Ruling] = (),
    horizon: date | None = None,
    known_at: datetime | None = None,
    partial: bool = False,
) -> Axes:
    """Draw a tariff series on ``ax``: layers stacked, the total, accord windows, talks, extensions, rulings, horizon.

    Each day of ``rows`` (from :func:`negotiation.tariff_series`) is drawn as
    a step that holds for the whole day. Layers are opaque stacked areas in
    label order; the total is a black line labelled ``"total"`` (its points
    are the rows' dates and totals, percent), its value written on every day
    it changes. The days of ``accords`` rows (from
    :func:`negotiation.accord_series`) whose status is ``"active"`` are
    shaded behind, one colour per accord; days where two or more windows
    run at once have a colour of their own (the mean of theirs), legended
    ``"accord windows overlap: a + b"``. A day an accord's deadline moves
    (an extension) is a dashed green line, labelled with the new deadline.
    ``talks`` (from :func:`negotiation.talks_rows`) within the rows' dates
    are grey bands with their venue; ``rulings`` (e.g.
    ``state.rulings.values()``) decided within them are dash-dotted purple
    lines. Days after the log's horizon (``projected`` rows) are hatched.

    Every colour drawn has a legend entry (right of the axes); labels are
    placed clear of the total line and of each other at each draw (values
    first, then talks, then extensions and rulings; one with no clear place
    is hidden). Ranges of 93 to 366 days have a tick at each month's
    start. The x-axis label is the coverage
    footnote: the pair, the product, that the base rate is not included,
    the log's ``horizon`` (default: the day before the first projected row)
    and ``known_at``, and whether the log records the pair's measures only
    in part (``partial``). Rates are drawn as floats (display only).

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
        ax.fill_between(edges, bottom, top, step="post", color=_on_white(palette(index % 10), 0.75), linewidth=0,
                        label=shorten(label, 48, placeholder=" …]"))
        bottom = top
    totals = [float(row["total"]) for row in rows]
    ax.plot(edges[:-1], totals, drawstyle="steps-post", color="black", linewidth=_TOTAL_WIDTH, label="total")
    ax.hlines(totals[-1], edges[-2], edges[-1], color="black", linewidth=_TOTAL_WIDTH)
    vertices = [(edges[0], totals[0])]  # the total as drawn: a step at each day's start, held to the end
    for index in range(1, len(totals)):
        vertices += [(edges[index], totals[index - 1]), (edges[index], totals[index])]
    step = Path([*vertices, (edges[-1], totals[-1])])
    placing: list[tuple[Annotation, Sequence[_Spot]]] = []
    previous = None
    for row in rows:
        if row["total"] != previous and (previous is not None or row["total"]):
            placing.append((ax.annotate(f"{row['total']} %", (_x(row["date"]), float(row["total"])), xytext=(3, 3),
                                        textcoords="offset points", fontsize=8, fontweight="bold"), _VALUE_SPOTS))
        previous = row["total"]

    accords = list(accords)
    _accord_spans(ax, accords, first, after)

    edge = ax.get_xaxis_transform()
    tagged = False
    for meeting in sorted(talks, key=lambda t: (t["starts"], t["talks_id"])):
        start, end = meeting["starts"], (meeting["ends"] or meeting["starts"]) + _ONE_DAY
        if end <= first or start >= after:
            continue
        ax.axvspan(_x(max(start, first)), _x(min(end, after)), color=_TALKS, zorder=0.7, linewidth=0, gid="talks",
                   label=None if tagged else "talks (days held or scheduled)")
        tagged = True
        placing.append((ax.annotate(f"talks: {_short_venue(meeting['venue'])}", (_x(max(start, first)), 1.0),
                                    xycoords=edge, xytext=(-1, -3), textcoords="offset points", rotation=90,
                                    ha="right", va="top", fontsize=7, color="0.25"), _EDGE_SPOTS))

    marks = [(day, f"{accord_id} extended to {deadline or 'no deadline'}", _EXTENSION, "--",
              "accord window extended (new deadline)", "extension")
             for day, accord_id, deadline in _extensions(accords, first, after)]
    marks += [(ruling.decided, shorten(f"ruling on {', '.join(ruling.measures)} ({ruling.court})", 40, placeholder=" …)"),
               _RULING, "-.",
               "court ruling on the imposer's measures", "ruling")
              for ruling in sorted(rulings, key=lambda r: (r.decided, r.ruling_id)) if first <= ruling.decided < after]
    legended: set[str] = set()
    for day, text, colour, style, legend, kind in marks:
        ax.axvline(_x(day), color=colour, linestyle=style, linewidth=1.2, zorder=1.8, gid=kind,
                   label=None if legend in legended else legend)
        legended.add(legend)
        placing.append((ax.annotate(text, (_x(day), 1.0), xycoords=edge, xytext=(-1, -3), textcoords="offset points",
                                    rotation=90, ha="right", va="top", fontsize=7, color=colour), _EDGE_SPOTS))

    projected = [row["date"] for row in rows if row["projected"]]
    if projected:
        ax.axvspan(_x(projected[0]), edges[-1], facecolor="none", hatch="//", edgecolor=_PROJECTION, linewidth=0,
                   zorder=1.5, gid="projection", label=f"projection: after the log's horizon ({horizon or projected[0] - _ONE_DAY})")

    for placed, _ in placing:
        placed.set_in_layout(False)  # the placer keeps them inside the axes
    ax.add_artist(_LabelPlacer(step, placing))
    ax.xaxis_date()
    _ticks(ax, first, after)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(max(totals), 1.0) * 1.2)
    ax.set_ylabel("additional duty over the base (MFN), ad valorem percent")
    ax.set_xlabel(_footnote(rows, horizon, known_at, partial), loc="left", fontsize=7.5, color="0.2", wrap=True)
    ax.set_axisbelow(True)  # the grid (zorder 0.5) shows on white only: under the windows, bands and layers
    ax.grid(axis="y", color="0.9")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
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
    windows on each day, and the talks and the rulings on ``imposer``'s
    measures known on ``end`` (all as known at ``known_at``), with a title
    naming the pair, the product and the dates, and the coverage footnote
    with the log's horizon.

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
    last = states[-1]
    figure = Figure(figsize=(12, 6), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    draw_tariffs(ax, rows, accords=accords, talks=talks_rows(last),
                 rulings=[ruling for ruling in last.rulings.values() if ruling.imposer == imposer],
                 horizon=last.horizon.through, known_at=known_at,
                 partial=last.breakdown(imposer, target, product, base=base, quota=quota).partial)
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
