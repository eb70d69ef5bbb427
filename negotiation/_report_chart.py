"""The report's chart as a Vega-Lite specification, declared with Altair (the ``report`` extra).

Up to four views share one time axis (UTC days): the daily duty stacked by layer with its line, the projected days
shaded and a tooltip per day; the accords' windows with their deadlines; talks, leaders' contacts and rulings as
markers; instruments and suspended layer parts as a band of their own. Dragging or scrolling the first view pans
and zooms the time axis of all four. The data are named datasets (``negotiation/_report_data.py``), so the page
and its tests can read them back by name.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from ._report_data import BASE_LABEL, ReportData

__all__ = ["chart_spec", "vega_lite_version"]

_WIDTH = 860
_LANE_AXIS = 230
"""Width of every view's left axis, in pixels, so that the four plots line up on the shared time axis."""

_INSTRUMENT_STATUSES = ["announced", "adopted", "suspended", "layer part suspended"]
_MARKER_KINDS = ["talks", "leaders' call", "leaders' meeting", "ruling"]


def _x(field: str) -> alt.X:
    """The shared time axis: UTC days (a date is its day, whatever the reader's time zone)."""
    return alt.X(f"{field}:T", title=None, scale=alt.Scale(type="utc", nice=False))


def _lanes(field: str, order: str | None = None) -> alt.Y:
    """A lane per value of ``field``, in the order of ``order`` (else by name), its label in the shared axis width."""
    return alt.Y(f"{field}:N", title=None, sort=alt.EncodingSortField(order, op="min") if order else "ascending",
                 axis=alt.Axis(labelLimit=_LANE_AXIS - 10, minExtent=_LANE_AXIS, maxExtent=_LANE_AXIS))


def _tips(*fields: tuple[str, str]) -> list[alt.Tooltip]:
    return [alt.Tooltip(f"{name}:N", title=title) for name, title in fields]


def _duty_view(data: ReportData, zoom: Any, hover: Any) -> alt.LayerChart | alt.FacetChart:
    figure = "duty (base + additional), %" if data.base_included else "additional duty over the base, %"
    top = max(point["value"] for point in data.datasets["totals"])
    y = alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, max(1.0, top * 1.12)], nice=False),
              axis=alt.Axis(minExtent=_LANE_AXIS, maxExtent=_LANE_AXIS))  # headroom for the projection's label
    stack = alt.Chart(alt.NamedData(name="layers")).mark_area(interpolate="step-after", clip=True, opacity=0.85).encode(
        x=_x("date"), y=alt.Y("amount:Q", stack="zero"),
        color=alt.Color("layer:N", title="layers (stacked)",
                        scale=alt.Scale(domain=data.labels, range=_layer_colours(data.labels)),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=420, symbolType="square")),
        order=alt.Order("order:Q"),
    )
    line = alt.Chart(alt.NamedData(name="totals")).mark_line(
        interpolate="step-after", clip=True, color="black", strokeWidth=1.6).encode(x=_x("date"), y=y)
    shade_label = alt.Chart(alt.NamedData(name="projection")).mark_text(
        clip=True, align="right", baseline="top", dx=-4, dy=4, fontSize=11, color="#444").encode(
        x=_x("x1"), y=alt.value(0), text="label:N")
    days = ["day", "figure", "projected", *(f"l{index}" for index in range(len(data.labels)))]
    titles = ["day", figure, "projected", *(f"{label}" + ("" if label == BASE_LABEL else " (layer)")
                                            for label in data.labels)]
    pointer = alt.Chart(alt.NamedData(name="days")).mark_rect(clip=True, color="#333").encode(
        x=_x("x0"), x2="x1:T",
        opacity=alt.when(hover).then(alt.value(0.18)).otherwise(alt.value(0)),
        tooltip=_tips(*zip(days, titles, strict=True)),
    ).add_params(zoom, hover)
    layers = [*([stack] if data.labels else []), *_shade(data), line,
              *([shade_label] if data.datasets["projection"] else []), pointer]
    return alt.layer(*layers).properties(
        width=_WIDTH, height=320,
        title=alt.TitleParams(f"Daily {figure}, stacked by layer",
                              subtitle="Hover for the day's layers and sources; drag or scroll to pan and zoom the time axis."))


def _layer_colours(labels: list[str]) -> list[str]:
    palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]
    colours = [palette[index % len(palette)] for index in range(len(labels))]
    return ["#bab0ac", *colours[:-1]] if labels and labels[0] == BASE_LABEL else colours


def _shade(data: ReportData) -> list[alt.Chart]:
    """The projected days, shaded in every view (nothing where no day is projected)."""
    if not data.datasets["projection"]:
        return []
    shade: alt.Chart = alt.Chart(alt.NamedData(name="projection")).mark_rect(
        clip=True, color="#7f7f7f", opacity=0.18).encode(x=_x("x0"), x2="x1:T")
    return [shade]


def _accord_view(data: ReportData) -> alt.LayerChart | alt.FacetChart:
    windows = alt.Chart(alt.NamedData(name="accords")).mark_bar(clip=True, height=14).encode(
        x=_x("x0"), x2="x1:T", y=_lanes("accord"),
        color=alt.Color("window:N", title="accord windows",
                        scale=alt.Scale(domain=["window as reached", "extended window"], range=["#9ccc9c", "#2e7d32"]),
                        legend=alt.Legend(orient="right")),
        tooltip=_tips(("title", "accord"), ("window", "window"), ("from", "from"), ("to", "to"),
                      ("deadline", "deadline (first day after)"), ("set_by", "deadline set by")),
    )
    marks = alt.Chart(alt.NamedData(name="deadlines")).mark_point(clip=True, filled=True, size=90, color="black").encode(
        x=_x("day"), y=_lanes("accord"),
        shape=alt.Shape("mark:N", title="accord days",
                        scale=alt.Scale(domain=["reached", "deadline"], range=["circle", "triangle-down"]),
                        legend=alt.Legend(orient="right")),
        tooltip=_tips(("what", "what"), ("event", "event"), ("source", "source")),
    )
    drawn = [chart for chart, name in ((windows, "accords"), (marks, "deadlines")) if data.datasets[name]]
    return alt.layer(*_shade(data), *drawn).properties(width=_WIDTH, height=alt.Step(22),
                                                title="Accords: windows, extensions, deadlines")


def _marker_view(data: ReportData) -> alt.LayerChart | alt.FacetChart:
    points = alt.Chart(alt.NamedData(name="markers")).mark_point(clip=True, filled=True, size=110).encode(
        x=_x("day"), y=_lanes("kind"),
        shape=alt.Shape("kind:N", title="markers", scale=alt.Scale(
            domain=_MARKER_KINDS, range=["circle", "diamond", "square", "triangle-up"]), legend=alt.Legend(orient="right")),
        color=alt.Color("kind:N", title="markers", scale=alt.Scale(
            domain=_MARKER_KINDS, range=["#1f77b4", "#9467bd", "#9467bd", "#d62728"]), legend=alt.Legend(orient="right")),
        tooltip=_tips(("day", "day"), ("what", "what"), ("event", "event"), ("source", "source")),
    )
    labels = alt.Chart(alt.NamedData(name="markers")).mark_text(
        clip=True, align="left", baseline="bottom", dx=3, dy=-4, angle=330, fontSize=10, color="#333").encode(
        x=_x("day"), y=_lanes("kind"), text="label:N")
    return alt.layer(*_shade(data), points, labels).properties(width=_WIDTH, height=alt.Step(30),
                                                title="Talks, leaders' contacts, rulings")


def _instrument_view(data: ReportData) -> alt.LayerChart | alt.FacetChart:
    bars = alt.Chart(alt.NamedData(name="instruments")).mark_bar(clip=True, height=11).encode(
        x=_x("x0"), x2="x1:T", y=_lanes("lane", "rank"),
        color=alt.Color("status:N", title="instruments (never rates)", scale=alt.Scale(
            domain=_INSTRUMENT_STATUSES, range=["#f2b447", "#8c564b", "#bcbddc", "#c7c7c7"]),
            legend=alt.Legend(orient="right")),
        tooltip=_tips(("what", "instrument"), ("state", "status"), ("from", "from"), ("to", "to"),
                      ("rate", "rate named"), ("event", "event"), ("source", "source")),
    )
    return alt.layer(*_shade(data), bars).properties(width=_WIDTH, height=alt.Step(16),
                 title="Instruments (threats, orders, suspended measures): never counted as rates")


def vega_lite_version() -> str:
    """The Vega-Lite version Altair writes, ``"major.minor"`` (e.g. ``"6.4"``): the JavaScript bundled must be of it."""
    major, minor, *_ = alt.SCHEMA_VERSION.lstrip("v").split(".")
    return f"{major}.{minor}"


def chart_spec(data: ReportData) -> dict[str, Any]:
    """The Vega-Lite specification (a dict of JSON values, of :func:`vega_lite_version`) of the report's chart,
    its datasets included; a view with nothing to draw is left out (the footnote says so)."""
    zoom = alt.selection_interval(name="zoom", bind="scales", encodings=["x"])
    hover = alt.selection_point(name="hover", on="pointerover", clear="pointerout", fields=["x0"], empty=False)
    views = [_duty_view(data, zoom, hover)]
    views += [_accord_view(data)] if data.datasets["accords"] or data.datasets["deadlines"] else []
    views += [_marker_view(data)] if data.datasets["markers"] else []
    views += [_instrument_view(data)] if data.datasets["instruments"] else []
    chart = alt.vconcat(*views, spacing=28).resolve_scale(x="shared", color="independent", shape="independent")
    days = len(data.rows)
    chart = chart.configure_view(stroke="#ddd").configure_title(anchor="start", fontSize=13).configure_axisX(
        format="%d %b %Y" if days <= 92 else "%b %Y", tickMinStep=86_400_000,  # a tick a day at most (milliseconds)
        labelAngle=0, labelOverlap=True, grid=True, gridOpacity=0.3)
    spec: dict[str, Any] = chart.to_dict()
    spec["datasets"] = data.datasets
    return spec
