"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright (which never downloads a
browser here: it is given /usr/bin/chromium).

Where no Chromium is installed these tests skip, saying so; ``.ci/run`` installs it and sets
``NEGOTIATION_REQUIRE_BROWSER=1``, which turns that skip into a failure. ``NEGOTIATION_CHROMIUM`` names another
Chromium binary. Run this file as a script to remake the
README's screenshot: ``.venv/bin/python tests/test_report_browser.py`` writes ``docs/report-us-china.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

import events
import negotiation

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("NEGOTIATION_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START, END = date(2025, 1, 1), date(2026, 12, 31)
SCREENSHOT = ROOT / "docs" / "report-us-china.png"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Watch:
    """What a page did: console messages, uncaught errors, requests, dialogs (an ``alert`` would be one)."""

    def __init__(self, page: Page) -> None:
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda message: self.console.append((message.type, message.text)))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (f"no Chromium at {CHROMIUM}: install Debian's chromium package (apt-get install chromium) to run the "
               "browser tests of the HTML report")
    if os.environ.get("NEGOTIATION_REQUIRE_BROWSER"):
        pytest.fail(message + " (NEGOTIATION_REQUIRE_BROWSER is set: these tests must run)", pytrace=False)
    pytest.skip(message)


@contextmanager
def _browser(profile: Path) -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile in ``profile``, a 1400 x 1250 window."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1250})
        try:
            yield context
        finally:
            context.close()


def _open(context: BrowserContext, report: Path) -> tuple[Page, _Watch]:
    """Open the report and wait until the chart is embedded (the page keeps Vega's view as ``reportView``)."""
    page = context.new_page()
    watch = _Watch(page)
    page.goto(report.as_uri())
    page.wait_for_function("window.reportView !== undefined", timeout=60_000)
    return page, watch


def write_screenshot(report: Path, png: Path, profile: Path) -> None:
    """The top of the opened report (title and chart) as a PNG: the README's picture, and the tests'."""
    with _browser(profile) as context:
        page, _ = _open(context, report)
        page.screenshot(path=str(png))


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Iterator[BrowserContext]:
    _require_chromium()
    with _browser(tmp_path_factory.mktemp("profile")) as opened:
        yield opened


@pytest.fixture(scope="module")
def seed_report(us_china, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "us-china.html"
    negotiation.report(us_china, start=START, end=END, path=path)
    return path


def _plot_x(page: Page, day: str) -> tuple[float, float]:
    """Where the middle of ``day`` is on the screen, in the first view's plot, and the plot's vertical middle."""
    box = page.evaluate("(() => { const r = document.querySelector('#chart svg g.concat_0_group path.background')"
                        ".getBoundingClientRect(); return [r.left, r.top, r.height]; })()")
    x = page.evaluate(f"reportView.scale('x')(new Date('{day}T12:00:00Z'))")
    return box[0] + x, box[1] + box[2] / 2


def test_seed_report_opens_offline_and_draws_the_series(context, seed_report, us_china, tmp_path):
    """No console message, no error, no request but the file; an SVG chart with the four stacked layers; the
    embedded data equal tariff_series, and the chart's own line the same totals; a screenshot."""
    page, watch = _open(context, seed_report)
    page.wait_for_timeout(300)
    assert ([], [], [seed_report.as_uri()]) == (watch.console, watch.errors, watch.requests)
    size = page.evaluate("(() => { const r = document.querySelector('#chart svg').getBoundingClientRect(); "
                         "return [r.width, r.height]; })()")
    assert size[0] > 1000 and size[1] > 900
    areas = page.evaluate("Array.from(document.querySelectorAll('#chart svg g.mark-area path'))"
                          ".map(p => (p.getAttribute('d') || '').length)")
    assert 4 == len(areas) and min(areas) > 50
    rows = negotiation.tariff_series(us_china, START, END, imposer="USA", target="CHN")
    embedded = page.evaluate("JSON.parse(document.getElementById('tariff-series').textContent)")
    assert events.converter.unstructure(list(rows)) == embedded
    drawn = page.evaluate("reportView.data('totals').map(d => [d.date, d.value])")
    assert [[row["date"].isoformat(), float(row["total"])] for row in rows] == drawn[:-1]
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes().startswith(PNG_MAGIC) and shot.stat().st_size > 50_000
    page.close()


def test_hover_shows_the_days_layers_contributions_and_sources(context, seed_report):
    """Over 2025-04-10 the tooltip gives the day, its 145 %, and each layer with its event and source."""
    page, watch = _open(context, seed_report)
    page.mouse.move(*_plot_x(page, "2025-04-10"))
    page.wait_for_function("(document.getElementById('vg-tooltip-element') || {}).textContent?.includes('2025-04-10')",
                           timeout=10_000)
    tip = " ".join(page.inner_text("#vg-tooltip-element").split())
    assert "additional duty over the base, % 145 %" in tip
    assert "IEEPA-fentanyl (layer) 20 %; us-ieepa-fentanyl-20" in tip
    assert "IEEPA-reciprocal (layer) 125 %; us-ieepa-reciprocal-125, Federal Register (govinfo.gov)" in tip
    assert "S122 on WLD (layer) no such layer on this day" in tip
    assert ([], []) == (watch.console, watch.errors)
    page.close()


def test_scroll_zooms_and_drag_pans_the_time_axis(context, seed_report):
    """Scrolling over the duty view narrows the shared time axis; dragging moves it; every view follows (one scale)."""
    page, watch = _open(context, seed_report)
    domain = "reportView.scale('x').domain().map(d => +d)"
    first = page.evaluate(domain)
    x, y = _plot_x(page, "2025-06-01")
    page.mouse.move(x, y)
    page.mouse.wheel(0, -500)
    page.wait_for_function(f"(({domain})[1] - ({domain})[0]) < {first[1] - first[0]}", timeout=10_000)
    zoomed = page.evaluate(domain)
    assert first[0] < zoomed[0] < zoomed[1] < first[1]
    page.mouse.down()
    page.mouse.move(x + 200, y, steps=5)
    page.mouse.up()
    panned = page.evaluate(domain)
    assert panned[0] < zoomed[0] and abs((panned[1] - panned[0]) - (zoomed[1] - zoomed[0])) < 1_000
    assert ([], []) == (watch.console, watch.errors)
    page.close()


def test_hostile_text_runs_nothing(context, hostile_log, tmp_path):
    """A log of markup and overrides: no dialog, no error, no element from it, no request; its text shown as text."""
    path = tmp_path / "hostile.html"
    negotiation.report(hostile_log, start=date(2025, 5, 1), end=date(2025, 5, 9), path=path)
    page, watch = _open(context, path)
    page.wait_for_timeout(300)
    assert ([], [], [], [path.as_uri()]) == (watch.dialogs, watch.console, watch.errors, watch.requests)
    assert 0 == page.evaluate("document.querySelectorAll('img, iframe, body > svg').length")
    venue = hostile_log[1].venue
    assert venue.replace("\u202e", "\\u202e") in page.inner_text("#events")
    page.close()


if __name__ == "__main__":  # remake the README's screenshot from the seed log
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "us-china.html"
        negotiation.report(events.read_jsonl(ROOT / "seeds" / "us-china.jsonl"), start=START, end=END, path=page_path)
        write_screenshot(page_path, SCREENSHOT, Path(folder) / "profile")
    sys.stdout.write(f"{SCREENSHOT}\n")
