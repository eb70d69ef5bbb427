"""Charts: what the figure draws (read back from its artists), and the ``negotiation plot`` command."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.dates import num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

import events
import negotiation
from negotiation import plots
from negotiation._cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _drawn_totals(figure):
    (ax,) = figure.axes
    (line,) = [line for line in ax.get_lines() if line.get_label() == "total"]
    return {num2date(x).date(): y for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)}


@pytest.fixture(scope="module")
def us_on_china_2025(us_china):
    """The chart of the US tariff on Chinese goods over 2025."""
    return plots.tariff_figure(us_china, date(2025, 1, 1), date(2025, 12, 31), imposer="USA", target="CHN")


@pytest.fixture(scope="module")
def us_on_china_2025_2026(us_china):
    """The chart over 2025 and 2026: rulings, a second pair of layers, and days after the log's horizon (2026-08-06)."""
    return plots.tariff_figure(us_china, date(2025, 1, 1), date(2026, 12, 31), imposer="USA", target="CHN")


def _day(x):
    return num2date(x).date()


def _colour_set(colours):
    return {tuple(round(float(c), 4) for c in to_rgba(colour)) for colour in colours}


def _drawn_colours(ax):
    """Every colour the axes' own artists fill, hatch or stroke (faces that are not drawn, alpha 0, left out)."""
    drawn = []
    for patch in ax.patches:
        drawn += [patch.get_facecolor()] if patch.get_facecolor()[3] > 0 else []
        drawn += [patch.get_hatchcolor()] if patch.get_hatch() else []
    for collection in ax.collections:
        drawn += [c for c in collection.get_facecolor() if c[3] > 0]
        drawn += [c for c in collection.get_edgecolor() if c[3] > 0] if max(collection.get_linewidth(), default=0) > 0 else []
    drawn += [line.get_color() for line in ax.lines]
    return _colour_set(drawn)


def _legend_colours(ax):
    colours = []
    for handle in ax.get_legend().legend_handles:
        if isinstance(handle, Line2D):
            colours.append(handle.get_color())
        else:
            colours += [handle.get_facecolor()] if handle.get_facecolor()[3] > 0 else []
            colours += [handle.get_hatchcolor()] if handle.get_hatch() else []
    return _colour_set(colours)


def _line_paths(ax):
    """The total as drawn, in display pixels: the stepped line and the hold of its last day."""
    (line,) = [line for line in ax.get_lines() if line.get_label() == "total"]
    paths = [line.get_transform().transform_path(line.get_path())]
    for collection in ax.collections:
        if collection.get_label().startswith("_") and tuple(collection.get_edgecolor()[0]) == to_rgba("black"):
            paths += [collection.get_transform().transform_path(path) for path in collection.get_paths()]
    return paths, line.get_linewidth()


def test_figure_draws_the_spike_the_drop_and_the_step(us_on_china_2025):
    """The total line: 104 on 2025-04-09, 145 on 2025-04-10, 30 on 2025-05-14, 20 from 2025-11-10, one point a day."""
    totals = _drawn_totals(us_on_china_2025)
    assert 365 == len(totals)
    assert [30, 104, 145, 145, 30, 30, 20, 20] == [
        totals[date(2025, m, d)] for m, d in ((4, 8), (4, 9), (4, 10), (5, 13), (5, 14), (11, 9), (11, 10), (12, 31))
    ]


def test_figure_labels_layers_accords_and_talks(us_on_china_2025, us_china):
    """Legend: both layers, the total, Geneva's window, the overlap with Kuala Lumpur's, talks, extensions; five rounds named."""
    (ax,) = us_on_china_2025.axes
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert negotiation.replay(us_china, as_of=date(2025, 12, 31)).horizon.through > date(2025, 12, 31)  # no projection
    assert ["IEEPA-fentanyl", "IEEPA-reciprocal", "total", "accord window: geneva-2025",
            "accord windows overlap: geneva-2025\n  + kuala-lumpur-2025", "talks (days held or scheduled)",
            "accord window extended (new deadline)"] == legend
    talks = [text.get_text().strip() for text in ax.texts if "talks" in text.get_text()]
    assert ["talks: Geneva", "talks: London", "talks: Stockholm", "talks: Madrid", "talks: Kuala Lumpur"] == talks
    assert ("USA tariff on goods of CHN (all goods), 2025-01-01 to 2025-12-31", "additional duty over the base (MFN), ad valorem percent") == (
        ax.get_title(), ax.get_ylabel()
    )
    assert {"145 %", "30 %", "20 %"} <= {text.get_text() for text in ax.texts}


def test_draw_tariffs_from_plain_rows(us_china):
    """``draw_tariffs`` draws given rows on any Axes: China on US soybeans, 135 from 2025-04-12."""
    rows = negotiation.tariff_series(
        us_china, date(2025, 4, 10), date(2025, 4, 14), imposer="CHN", target="USA", product="120190"
    )
    figure = Figure()
    ax = plots.draw_tariffs(figure.add_subplot(), rows)
    assert ax is figure.axes[0]
    assert [94, 94, 135, 135, 135] == list(_drawn_totals(figure).values())


def test_draw_tariffs_refuses_no_rows():
    """An empty series is a ValueError, not an empty chart."""
    with pytest.raises(ValueError, match="no rows"):
        plots.draw_tariffs(Figure().add_subplot(), [])


def test_cli_plot_writes_a_png(seeds_dir, tmp_path, capsys):
    """``negotiation plot`` writes a PNG and names it on standard output."""
    out = tmp_path / "us-china.png"
    code = main(["plot", str(seeds_dir / "us-china.jsonl"), "--from", "2025-04-01", "--to", "2025-05-31",
                 "--imposer", "USA", "--target", "CHN", "--known-at", "2025-05-13T12:00Z", "-o", str(out)])
    assert (0, PNG_MAGIC) == (code, out.read_bytes()[:8])
    assert f"{out}: USA on CHN, 2025-04-01 to 2025-05-31\n" == capsys.readouterr().out


@pytest.mark.parametrize(("extra", "message"), [
    (["--to", "2025-03-31", "-o", "x.png"], "before --from"),
    (["--to", "2025-04-30", "-o", "x.txt"], "-o must name a .png, .svg or .pdf file"),
    (["--to", "2025-04-30"], "-o/--output"),
])
def test_cli_plot_usage_errors(seeds_dir, tmp_path, monkeypatch, capsys, extra, message):
    """A range that ends before it starts, an unknown image type or no output: exit 2, nothing written."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["plot", str(seeds_dir / "us-china.jsonl"), "--from", "2025-04-01",
              "--imposer", "USA", "--target", "CHN", *extra])
    assert (2, []) == (exit_.value.code, list(tmp_path.iterdir()))
    assert message in capsys.readouterr().err


def test_cli_plot_unwritable_output(seeds_dir, tmp_path, capsys):
    """An output folder that does not exist: exit 1 with the path, no traceback."""
    with pytest.raises(SystemExit) as exit_:
        main(["plot", str(seeds_dir / "us-china.jsonl"), "--from", "2025-04-01", "--to", "2025-04-02",
              "--imposer", "USA", "--target", "CHN", "-o", str(tmp_path / "missing" / "x.png")])
    err = capsys.readouterr().err
    assert (1, "Traceback" in err) == (exit_.value.code, False)
    assert f"cannot write {tmp_path / 'missing' / 'x.png'}" in err


def test_cli_plot_without_matplotlib_names_the_extra(seeds_dir, tmp_path):
    """Without matplotlib: exit 1, one line naming the extra, no traceback, no file."""
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from negotiation._cli import main\n"
        f"sys.exit(main(['plot', {str(seeds_dir / 'us-china.jsonl')!r}, '--from', '2025-04-01', '--to', "
        "'2025-04-02', '--imposer', 'USA', '--target', 'CHN', '-o', 'x.png']))"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=tmp_path, capture_output=True, text=True)
    expected = "negotiation: error: install the 'plot' extra: pip install 'negotiation-state[plot]'\n"
    assert (1, expected, []) == (done.returncode, done.stderr, list(tmp_path.iterdir()))


@pytest.mark.parametrize("chart", ["us_on_china_2025", "us_on_china_2025_2026"])
def test_a_legend_entry_for_every_colour_drawn(request, chart):
    """The colours filled, hatched or stroked are exactly the legend's, and every area is opaque: no blend appears."""
    (ax,) = request.getfixturevalue(chart).axes
    assert _legend_colours(ax) == _drawn_colours(ax)
    alphas = [np.asarray(artist.get_facecolor())[..., 3].ravel() for artist in [*ax.patches, *ax.collections]]
    assert [] == [alpha for alpha in alphas if any(0 < a < 1 for a in alpha)]


def test_overlapping_windows_are_their_own_legended_colour(us_on_china_2025):
    """Geneva alone from 2025-05-14; from 2025-11-10 Geneva and Kuala Lumpur together, in a colour of neither."""
    (ax,) = us_on_china_2025.axes
    spans = {patch.get_gid(): patch for patch in ax.patches if isinstance(patch, Rectangle)}
    geneva, both = spans["accord:geneva-2025"], spans["accord:geneva-2025+kuala-lumpur-2025"]
    assert ("accord window: geneva-2025", "accord windows overlap: geneva-2025\n  + kuala-lumpur-2025") == (
        geneva.get_label(), both.get_label())
    assert (date(2025, 5, 14), date(2025, 11, 10)) == (_day(geneva.get_x()), _day(geneva.get_x() + geneva.get_width()))
    assert (date(2025, 11, 10), date(2026, 1, 1)) == (_day(both.get_x()), _day(both.get_x() + both.get_width()))
    assert to_rgba(geneva.get_facecolor()) != to_rgba(both.get_facecolor())


@pytest.mark.parametrize(("start", "end"), [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 3, 10), date(2025, 8, 20))])
def test_monthly_ticks_up_to_a_year(us_china, start, end):
    """A range of up to a year has a tick at the start of every month it spans, and no other."""
    (ax,) = plots.tariff_figure(us_china, start, end, imposer="USA", target="CHN").axes
    ticks = [_day(x) for x in ax.get_xticks()]
    months = [date(start.year + (start.month - 1 + n) // 12, (start.month - 1 + n) % 12 + 1, 1) for n in range(14)]
    assert [month for month in months if start <= month <= end + timedelta(days=1)] == ticks


def test_the_footnote_says_what_the_figures_cover(us_on_china_2025, us_on_china_2025_2026):
    """The pair, all goods, the base left out, the horizon, and the projected days from 2026-08-07."""
    (ax,) = us_on_china_2025.axes
    note = " ".join(ax.get_xlabel().split())
    assert ("Covers: the additional ad valorem duty (percent) that USA levies on goods of CHN, all goods, over the base "
            "(MFN) rate, which is not included; the layers stacked are the measures the log holds. The log knows the "
            "world through 2026-08-06: no day drawn is projected.") == note
    (ax,) = us_on_china_2025_2026.axes
    assert ("The log knows the world through 2026-08-06: the days from 2026-08-07 (hatched) are projected from the clock "
            "rules it holds, not known facts.") in " ".join(ax.get_xlabel().split())


def test_the_footnote_gives_the_base_and_the_product(seeds_dir):
    """A product with a recorded base: the footnote names the HS code and the base it leaves out."""
    log = events.read_jsonl(seeds_dir / "us-uk.jsonl")
    (ax,) = plots.tariff_figure(log, date(2025, 7, 1), date(2025, 7, 31), imposer="USA", target="GBR", product="870323",
                                quota="in").axes
    assert "goods of GBR, HS 870323, over the base (MFN) rate, which is not included (base for HS 870323: 2.5 %)" in (
        " ".join(ax.get_xlabel().split()))


def test_extension_and_ruling_markers_on_their_days(us_china, us_on_china_2025_2026):
    """A dashed line on the day of each AccordExtended in the seed log, a dash-dotted one on each US ruling."""
    (ax,) = us_on_china_2025_2026.axes
    marked = {kind: [_day(line.get_xdata()[0]) for line in ax.lines if line.get_gid() == kind] for kind in ("extension", "ruling")}
    extended = sorted(e.effective for e in us_china if isinstance(e, events.AccordExtended))
    ruled = sorted(e.effective for e in us_china if isinstance(e, events.RulingIssued) and e.imposer == "USA")
    assert ([date(2025, 8, 12), date(2025, 11, 10)], [date(2026, 2, 20), date(2026, 3, 4), date(2026, 5, 7)]) == (
        extended, ruled)
    assert {"extension": extended, "ruling": ruled} == marked
    labels = {text.get_text() for text in ax.texts}
    assert {"geneva-2025 extended to 2025-11-10", "geneva-2025 extended to 2026-11-10"} <= labels


def test_days_after_the_horizon_are_hatched(us_on_china_2025_2026):
    """From 2026-08-07 (the day after the log's horizon) to the end of the range, hatched and legended."""
    (ax,) = us_on_china_2025_2026.axes
    (hatched,) = [patch for patch in ax.patches if patch.get_hatch()]
    assert "projection" == hatched.get_gid()
    assert ("projection: after the log's horizon (2026-08-06)", date(2026, 8, 7), date(2027, 1, 1)) == (
        hatched.get_label(), _day(hatched.get_x()), _day(hatched.get_x() + hatched.get_width()))


@pytest.mark.parametrize(("start", "end", "size"), [
    (date(2025, 1, 1), date(2025, 12, 31), None),
    (date(2025, 1, 1), date(2026, 12, 31), None),
    (date(2025, 4, 1), date(2025, 5, 31), None),
    (date(2025, 1, 1), date(2025, 12, 31), (7, 4)),
])
def test_labels_are_clear_of_the_line_and_of_each_other(us_china, start, end, size):
    """Drawn with Agg: no label's box touches the total line (half its width around it), none overlaps another."""
    figure = plots.tariff_figure(us_china, start, end, imposer="USA", target="CHN")
    if size is not None:
        figure.set_size_inches(*size)  # the labels are placed again at each draw
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    (ax,) = figure.axes
    paths, width = _line_paths(ax)
    pad = renderer.points_to_pixels(width / 2)
    boxes = {text.get_text(): text.get_window_extent(renderer) for text in ax.texts if text.get_visible()}
    assert [] == [name for name, box in boxes.items() if any(p.intersects_bbox(box.padded(pad), filled=False) for p in paths)]
    assert [] == [(a, b) for a in boxes for b in boxes if a < b and boxes[a].overlaps(boxes[b])]
    assert [] == [text.get_text() for text in ax.texts if not text.get_visible()]
    if start <= date(2025, 4, 10) <= end:
        assert {"104 %", "145 %"} <= set(boxes)


def test_the_label_check_can_fail(us_china):
    """The check above finds a label put on the line: "145 %" centred on the 145 line."""
    figure = plots.tariff_figure(us_china, date(2025, 1, 1), date(2025, 12, 31), imposer="USA", target="CHN")
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    (ax,) = figure.axes
    (label,) = [text for text in ax.texts if text.get_text() == "145 %"]
    label.xyann = (0, 0)
    label.set_verticalalignment("center")
    paths, width = _line_paths(ax)
    box = label.get_window_extent(renderer)
    assert any(p.intersects_bbox(box.padded(renderer.points_to_pixels(width / 2)), filled=False) for p in paths)
