"""The HTML report, read as HTML: self-contained, escaped, its data the library's rows, its footnote true; and the
``negotiation report`` command. (tests/test_report_browser.py opens it in Chromium.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

import events
import negotiation
from negotiation._cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED = SEEDS / "us-china.jsonl"
START, END = date(2025, 1, 1), date(2026, 12, 31)


class _Page(HTMLParser):
    """Every start tag with its attributes, and the text inside each element that has an id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self._open: list[str | None] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag not in ("meta", "br", "img", "link", "input"):
            self._open.append(found.get("id"))
            if found.get("id"):
                self.text[found["id"]] = ""

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for element in self._open:
            if element:
                self.text[element] += data

    def json(self, element: str):
        return json.loads(self.text[element])


@pytest.fixture(scope="module")
def seed_report(us_china, tmp_path_factory):
    """The report of the seed log for 2025-2026, written to a file, and the page read back."""
    path = tmp_path_factory.mktemp("report") / "us-china.html"
    text = negotiation.report(us_china, start=START, end=END, path=path)
    assert text == path.read_text(encoding="utf-8")
    return text, _Page(text)


def test_page_loads_nothing_from_outside(seed_report):
    """No script or style by address, no link element, a policy that allows nothing else; only source links are links."""
    text, page = seed_report
    assert not [(tag, attrs) for tag, attrs in page.tags if "src" in attrs or tag in ("link", "iframe", "object")]
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert [{"type": "application/json", "id": "tariff-series"}, {"type": "application/json", "id": "chart-spec"},
            {}, {}] == scripts
    (policy,) = [attrs["content"] for tag, attrs in page.tags if attrs.get("http-equiv") == "Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; script-src 'sha256-") and "connect-src 'none'" in policy
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert len(hrefs) > 40 and all(href.startswith(("https://", "http://")) for href in hrefs)
    assert "@import" not in text and "url(" not in text.split("<script>")[0]


def test_embedded_series_is_tariff_series(seed_report, us_china):
    """The JSON block holds tariff_series for the same range exactly: dates ISO, rates as decimal strings."""
    _, page = seed_report
    rows = negotiation.tariff_series(us_china, START, END, imposer="USA", target="CHN")
    assert events.converter.unstructure(list(rows)) == page.json("tariff-series")
    assert 730 == len(rows)


def test_chart_draws_the_library_figures(seed_report, us_china):
    """The chart's line is each day's total (145 on 2025-04-10, 30 from 2025-05-14), its stack adds up to it,
    and the instruments' named rates are nowhere in it."""
    _, page = seed_report
    data = page.json("chart-spec")["datasets"]
    rows = negotiation.tariff_series(us_china, START, END, imposer="USA", target="CHN")
    totals = {point["date"]: point["value"] for point in data["totals"]}
    assert [float(row["total"]) for row in rows] == [totals[row["date"].isoformat()] for row in rows]
    assert (145, 30, 12.5) == (totals["2025-04-10"], totals["2025-05-14"], totals["2026-12-31"])
    assert totals["2027-01-01"] == totals["2026-12-31"]  # the last day is drawn whole
    stacked: dict[str, float] = {}
    for point in data["layers"]:
        stacked[point["date"]] = stacked.get(point["date"], 0) + point["amount"]
    assert stacked == totals
    day = next(d for d in data["days"] if d["day"] == "2025-04-10")
    assert ("145 %", "125 %; us-ieepa-reciprocal-125, Federal Register (govinfo.gov)") == (day["figure"], day["l1"])


def test_accords_markers_instruments_and_projection(seed_report):
    """Geneva's window and its two extensions with their deadlines; the talks, calls and rulings; the Section 301
    ships action adopted then suspended; the days after the horizon (2026-08-06) shaded."""
    _, page = seed_report
    data = page.json("chart-spec")["datasets"]
    geneva = [(s["x0"], s["x1"], s["window"]) for s in data["accords"] if s["accord"] == "geneva-2025"]
    assert [("2025-05-14", "2025-08-12", "window as reached"), ("2025-08-12", "2025-11-10", "extended window"),
            ("2025-11-10", "2026-11-10", "extended window")] == geneva
    assert {("geneva-2025", "deadline", day) for day in ("2025-08-12", "2025-11-10", "2026-11-10")} <= {
        (d["accord"], d["mark"], d["day"]) for d in data["deadlines"]}
    markers = {(m["kind"], m["day"]) for m in data["markers"]}
    assert {("talks", "2025-05-10"), ("talks", "2026-05-14"), ("leaders' call", "2025-06-05"),
            ("leaders' meeting", "2025-10-30"), ("ruling", "2026-02-20"), ("ruling", "2026-03-04")} <= markers
    ships = [(i["status"], i["x0"], i["x1"]) for i in data["instruments"]
             if i["lane"].startswith("USA: USTR Section 301 action on China's maritime")]
    assert [("adopted", "2025-10-14", "2025-11-10"), ("suspended", "2025-11-10", "2026-11-10"),
            ("adopted", "2026-11-10", "2027-01-01")] == ships
    assert [{"x0": "2026-08-07", "x1": "2027-01-01", "label": "projected: after the log's horizon (2026-08-06)"}] == (
        data["projection"])


def test_footnote_says_what_the_figures_cover(seed_report):
    """Base not included, the measures the log holds, the product-only layers left out, the cut-off, the horizon."""
    _, page = seed_report
    footnote = " ".join(page.text["coverage"].split())
    assert "Base not included: the figures are the additional duties over the base (MFN) rate" in footnote
    assert ("Measures the log holds that reach these goods in the range: IEEPA-fentanyl, IEEPA-reciprocal, "
            "S122 on WLD, S301-forced-labour.") in footnote
    assert "Layers on listed products only, not in these figures: S301 [250410" in footnote
    assert "As known now: every event in the log" in footnote
    assert ("Horizon: the log's sources reach 2026-08-06 (reviewed on 2026-12-01, event us-china-reviewed-2026-12-01). "
            "The 147 days from 2026-08-07 on are shaded") in footnote
    assert "2026-11-10: suspension of CHN CN-counter-reciprocal on USA (all goods) ends" in footnote


def test_table_lists_every_event_shown_with_its_source(seed_report, us_china):
    """One row per event drawn, each with its source link: the layers, the accords and extensions, the talks,
    the calls, the rulings, the instruments, the review."""
    _, page = seed_report
    table = page.text["events"]
    for event_id in ("us-ieepa-reciprocal-125", "geneva-accord", "geneva-accord-extended-2025-08",
                     "geneva-accord-extended-2025-11", "london-talks-held", "leaders-call-2025-06-05",
                     "scotus-ieepa-ruling-2026-02-20", "us-s301-ships-action-suspended-2025-11-10",
                     "us-china-reviewed-2026-12-01"):
        assert event_id in table
    rows = [tag for tag, _ in page.tags if tag == "tr"]
    shown = {event.event_id for event in us_china if event.event_id in table}
    assert len(rows) - 1 == len(shown) == 55
    ruling = next(event for event in us_china if event.event_id == "scotus-ieepa-ruling-2026-02-20")
    assert ruling.source is not None and ruling.source.url is not None
    assert ruling.source.url in [attrs["href"] for tag, attrs in page.tags if tag == "a"]


def test_base_included_where_every_day_has_one(us_china):
    """Batteries (HS 850760), whose base the log records (3.4): the stack starts with it and the line is the duty."""
    page = _Page(negotiation.report(us_china, start=date(2025, 4, 9), end=date(2025, 4, 10), product="850760"))
    rows = page.json("tariff-series")
    assert [("3.4", "104", "107.4"), ("3.4", "145", "148.4")] == [(r["base"], r["total"], r["duty"]) for r in rows]
    data = page.json("chart-spec")["datasets"]
    assert [107.4, 148.4, 148.4] == [point["value"] for point in data["totals"]]
    assert [("base (MFN)", 3.4), ("IEEPA-fentanyl", 20), ("IEEPA-reciprocal", 84)] == [
        (point["layer"], point["amount"]) for point in data["layers"][:3]]
    footnote = " ".join(page.text["coverage"].split())
    assert ("Base included: the stack starts with the base (MFN) rate (as the log records it); the line is the duty, "
            "base plus the additional duties.") in footnote
    assert "us-mfn-850760" in page.text["events"]
    given = _Page(negotiation.report(us_china, start=date(2025, 4, 9), end=date(2025, 4, 9), product="850760",
                                     base=Decimal(5)))
    assert "(5 % as given)" in given.text["coverage"] and ["109"] == [r["duty"] for r in given.json("tariff-series")]


def test_hostile_text_is_escaped(hostile_log):
    """Markup and a bidirectional override in a measure, a venue, a summary, titles and a source stay text: no
    element, no script, no raw override, no javascript: link; the exact text is still in the data."""
    text = negotiation.report(hostile_log, start=date(2025, 5, 1), end=date(2025, 5, 9))
    page = _Page(text)
    measure, hostile = hostile_log[0].measure, hostile_log[1].venue
    assert [] == [tag for tag, _ in page.tags if tag in ("img", "svg", "iframe")]
    assert 4 == len([tag for tag, _ in page.tags if tag == "script"])
    assert [{"href": "https://example.org/call", "rel": "noopener noreferrer"}] == [
        attrs for tag, attrs in page.tags if tag == "a"]
    assert "\u202e" not in text and "javascript:" not in text
    shown = hostile.replace("\u202e", "\\u202e")
    assert shown in page.text["events"] and measure in page.text["coverage"]
    assert {measure: "30"} == page.json("tariff-series")[5]["layers"]


def test_cli_writes_the_report(tmp_path, capsys):
    """``negotiation report`` writes the page and says what it wrote; the default range is the log's."""
    path = tmp_path / "report.html"
    assert 0 == main(["report", str(SEED), "--from", "2025-04-01", "--to", "2025-06-30", "-o", str(path)])
    assert f"{path}: USA on CHN, 2025-04-01 to 2025-06-30\n" == capsys.readouterr().out
    page = _Page(path.read_text(encoding="utf-8"))
    assert 91 == len(page.json("tariff-series"))
    mask = os.umask(0)
    os.umask(mask)
    assert 0o666 & ~mask == path.stat().st_mode & 0o777  # a new file's usual permissions, not a temporary file's
    assert 0 == main(["report", str(SEED), "--imposer", "CHN", "--target", "USA", "-o", str(path)])
    rows = _Page(path.read_text(encoding="utf-8")).json("tariff-series")
    assert ("CHN", "USA", "2025-01-01", "2026-12-01") == (rows[0]["imposer"], rows[0]["target"], rows[0]["date"],
                                                          rows[-1]["date"])


@pytest.mark.parametrize(("seed", "argv", "message"), [
    ("us-china", ["--from", "2025-13-01", "--to", "2025-12-31"], "argument --from: "),
    ("us-china", ["--from", "2025-06-01", "--to", "2025-05-01"], "--to (2025-05-01) is before --from (2025-06-01)"),
    ("us-china", ["--imposer", "US"], "argument --imposer: expected an alpha-3 party code"),
    ("us-china", ["--product", "12019"], "argument --product: expected an HS code"),
    ("us-uk", ["--imposer", "USA", "--target", "GBR", "--product", "870323"], "give --quota in or --quota out"),
], ids=["bad-date", "reversed", "bad-party", "bad-product", "needs-quota"])
def test_cli_bad_arguments_exit_2(seed, argv, message, tmp_path, capsys):
    """Bad dates or codes, a reversed range, a quota choice missing: exit 2, a message, no file."""
    path = tmp_path / "report.html"
    with pytest.raises(SystemExit) as stop:
        main(["report", str(SEEDS / f"{seed}.jsonl"), *argv, "-o", str(path)])
    assert 2 == stop.value.code
    assert message in capsys.readouterr().err
    assert [] == list(tmp_path.iterdir())


def test_cli_missing_output_and_unwritable_path(tmp_path, capsys):
    """No -o: exit 2; a folder that does not exist: exit 1 and nothing written."""
    with pytest.raises(SystemExit) as stop:
        main(["report", str(SEED)])
    assert 2 == stop.value.code
    missing = tmp_path / "no" / "report.html"
    with pytest.raises(SystemExit) as stop:
        main(["report", str(SEED), "--from", "2025-01-01", "--to", "2025-01-05", "-o", str(missing)])
    assert 1 == stop.value.code
    assert f"cannot write {missing}" in capsys.readouterr().err
    assert not missing.parent.exists()


def test_import_negotiation_loads_no_chart_library():
    """``import negotiation`` (and its CLI) leaves altair, vl_convert, pandas and pyarrow unloaded."""
    code = ("import sys, negotiation, negotiation._cli; "
            "print(sorted({'altair', 'vl_convert', 'pandas', 'pyarrow', 'matplotlib'} & set(sys.modules)))")
    assert "[]" == subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_without_the_extra_a_clear_error(tmp_path):
    """Without altair: an ImportError that names the extra; the command exits 1 and says so."""
    code = ("import sys; sys.modules['altair'] = None\n"
            "import datetime, events, negotiation\n"
            "from negotiation._cli import main\n"
            "try:\n negotiation.report(events.read_jsonl(sys.argv[1]), start=datetime.date(2025, 1, 1), "
            "end=datetime.date(2025, 1, 2))\n"
            "except ImportError as e:\n print(e.name, e)\n"
            "sys.exit(main(['report', sys.argv[1], '--from', '2025-01-01', '--to', '2025-01-02', '-o', sys.argv[2]]))")
    run = subprocess.run([sys.executable, "-c", code, str(SEED), str(tmp_path / "r.html")], capture_output=True,
                         text=True, check=False)
    assert 1 == run.returncode
    assert run.stdout.startswith("altair negotiation.report needs altair and vl-convert-python: install the 'report' extra")
    assert "negotiation: error: negotiation.report needs altair" in run.stderr
    assert not (tmp_path / "r.html").exists()


def test_known_at_and_a_partial_pair_are_said(us_china):
    """As known at the start of 2025-05-12, the Geneva cut was not yet known (145 on 2025-05-14, not 30); a pair the
    log says it covers only in part is marked PARTIAL."""
    from datetime import UTC, datetime

    cut_off = datetime(2025, 5, 12, tzinfo=UTC)
    page = _Page(negotiation.report(us_china, start=date(2025, 5, 13), end=date(2025, 5, 14), known_at=cut_off))
    rows = negotiation.tariff_series(us_china, date(2025, 5, 13), date(2025, 5, 14), imposer="USA", target="CHN",
                                     known_at=cut_off)
    assert events.converter.unstructure(list(rows)) == page.json("tariff-series")
    assert ["145", "145"] == [row["total"] for row in page.json("tariff-series")]
    assert "As known at 2025-05-12T00:00:00+00:00: events recorded later are left out." in page.text["coverage"]
    japan = _Page(negotiation.report(us_china, start=date(2025, 5, 13), end=date(2025, 5, 13), target="JPN"))
    assert "PARTIAL: the log says it records USA's measures on JPN only in part." in japan.text["coverage"]
