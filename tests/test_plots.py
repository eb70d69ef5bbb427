"""Charts: what the figure draws (read back from its artists), and the ``negotiation plot`` command."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from matplotlib.dates import num2date
from matplotlib.figure import Figure

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


def test_figure_draws_the_spike_the_drop_and_the_step(us_on_china_2025):
    """The total line: 104 on 2025-04-09, 145 on 2025-04-10, 30 on 2025-05-14, 20 from 2025-11-10, one point a day."""
    totals = _drawn_totals(us_on_china_2025)
    assert 365 == len(totals)
    assert [30, 104, 145, 145, 30, 30, 20, 20] == [
        totals[date(2025, m, d)] for m, d in ((4, 8), (4, 9), (4, 10), (5, 13), (5, 14), (11, 9), (11, 10), (12, 31))
    ]


def test_figure_labels_layers_accords_and_talks(us_on_china_2025, us_china):
    """Legend: both layers, the total, both accords' windows and any projection; the five rounds of talks named; a titled, labelled axis."""
    (ax,) = us_on_china_2025.axes
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    through = negotiation.replay(us_china, as_of=date(2025, 12, 31)).horizon.through
    projection = [f"projection: after the log's horizon ({through})"] if through < date(2025, 12, 31) else []
    assert ["IEEPA-fentanyl", "IEEPA-reciprocal", "total", "accord window: geneva-2025",
            "accord window: kuala-lumpur-2025", *projection] == legend
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
