"""What a notebook user sees and types: a short repr, an HTML summary, the CLI's text, ISO dates, a clear error for a path."""

from __future__ import annotations

import html.parser
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

import events
import negotiation
from negotiation._cli import main

NOON = datetime(2025, 5, 13, 12, tzinfo=UTC)
AT = datetime(2025, 5, 1, tzinfo=UTC)


def _cli(capsys, *argv):
    assert 0 == main(list(argv))
    out, err = capsys.readouterr()
    assert "" == err
    return out


# --- repr and _repr_html_ -------------------------------------------------------------------------------------------

def test_repr_of_the_seed_state_is_one_short_line(us_china):
    """On 2025-06-09: under 300 characters, with the date, known-at, horizon, the counts and the digest's prefix."""
    state = negotiation.replay(us_china, as_of=date(2025, 6, 9))
    text = repr(state)
    assert (
        "<NegotiationState as_of=2025-06-09 known_at=None horizon=2026-08-06 projected=False "
        "review=us-china-reviewed-2026-12-01 layers=13 accords=1 talks=2 export_controls=2 instruments=0 rulings=0 "
        f"events=44 scheduled=3 digest={state.digest[:12]}>"
    ) == text
    assert len(text) < 300 and "\n" not in text
    assert str(state) == text


def test_repr_past_the_horizon_and_as_known_at(us_china):
    """On 2026-12-01 the repr says the state is projected; a known-at replay shows its instant."""
    today = negotiation.replay(us_china, as_of=date(2026, 12, 1))
    text = repr(today)
    assert len(text) < 300
    for part in ("as_of=2026-12-01", "horizon=2026-08-06", "projected=True", "layers=14", "accords=2", "talks=7",
                 "export_controls=5", "instruments=14", "rulings=3", "events=112", "scheduled=0",
                 f"digest={today.digest[:12]}"):
        assert f" {part}" in text
    before = negotiation.replay(us_china, as_of=date(2025, 5, 13), known_at=NOON)
    assert " known_at=2025-05-13T12:00:00+00:00 " in repr(before)


def _tariff(event_id="t1", rate=20):
    return events.TariffChanged(event_id=event_id, effective=date(2025, 5, 1), recorded=AT, imposer="USA",
                                target="CHN", measure="M1", rate=Decimal(rate))


def test_repr_counts_corrected_facts_and_cuts_a_long_review_id():
    """A fact resting on a correction is counted; a review id longer than 40 characters is cut with an ellipsis."""
    fact = _tariff()
    fix = events.EventCorrected(event_id="fix", effective=date(2025, 5, 2), recorded=datetime(2025, 5, 2, tzinfo=UTC),
                                corrects="t1", replacement=attrs.evolve(fact, rate=Decimal(25)))
    review = events.LogReviewed(event_id="r" * 60, effective=date(2025, 5, 3), recorded=datetime(2025, 5, 3, tzinfo=UTC),
                                reviewed_through=date(2025, 5, 3))
    text = repr(negotiation.replay([fact, fix, review], as_of=date(2025, 5, 3)))
    assert " events=2 corrected=1 scheduled=0 " in text
    assert f" review={'r' * 39}\u2026 " in text


class _Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("th", "td"):
            self.cells.append("")

    def handle_data(self, data):
        if self.tags and self.tags[-1] in ("th", "td"):
            self.cells[-1] += data

    def handle_endtag(self, tag):
        self.tags.pop()


def test_repr_html_is_the_same_summary_as_a_table(us_china):
    """The notebook table has one row per item of the repr, with the same values."""
    state = negotiation.replay(us_china, as_of=date(2025, 6, 9))
    parser = _Cells()
    parser.feed(state._repr_html_())
    rows = list(zip(parser.cells[::2], parser.cells[1::2], strict=True))
    assert rows[:3] == [("as of", "2025-06-09"), ("known at", "None"), ("horizon", "2026-08-06")]
    assert ("digest", state.digest[:12]) == rows[-1]
    from_repr = repr(state).removeprefix("<NegotiationState ").removesuffix(">").split(" ")
    assert [f"{name.replace(' ', '_')}={value}" for name, value in rows] == from_repr
    assert [] == parser.tags  # every tag closed


def test_repr_html_escapes_what_comes_from_the_log():
    """An event id may hold <, >, & and quotes: the table shows them as text, never as markup."""
    hostile = '<img/src=x/onerror="alert(1)">&amp;'
    review = events.LogReviewed(event_id=hostile, effective=date(2025, 5, 3), recorded=datetime(2025, 5, 3, tzinfo=UTC),
                                reviewed_through=date(2025, 5, 3))
    page = negotiation.replay([_tariff(), review], as_of=date(2025, 5, 3))._repr_html_()
    assert "<img" not in page and 'onerror="' not in page
    assert "&lt;img/src=x/onerror=&quot;alert(1)&quot;&gt;&amp;amp;" in page
    parser = _Cells()
    parser.feed(page)
    assert hostile in parser.cells


# --- to_text --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("as_of", "known_at"), [("2025-06-09", None), ("2025-05-13", "2025-05-13T12:00Z"),
                                                 ("2026-12-01", None)])
def test_to_text_is_what_replay_prints(capsys, seeds_dir, us_china, as_of, known_at):
    """state.to_text() equals the standard output of `negotiation replay` byte for byte."""
    argv = ["replay", str(seeds_dir / "us-china.jsonl"), "--as-of", as_of] + (["--known-at", known_at] if known_at else [])
    printed = _cli(capsys, *argv)
    state = negotiation.replay(us_china, as_of=as_of, known_at=known_at)
    assert printed == state.to_text()
    assert "USA on goods of CHN" in printed


def test_to_text_escapes_control_characters_as_the_cli_does(capsys, tmp_path):
    """A statement with escape sequences and a bidi override: to_text shows the same escapes as the command line."""
    crafted = events.StatementIssued(
        event_id="crafted", effective=date(2025, 5, 2), recorded=AT, party="USA", speaker="A\u202eB",
        summary="\x1b[2K\rall clear", source=events.Source(publisher="P", title="T"))
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, [_tariff(), crafted])
    text = negotiation.replay(events.read_log(path), as_of=date(2025, 5, 3)).to_text()
    assert _cli(capsys, "replay", str(path), "--as-of", "2025-05-03") == text
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2K\\x0dall clear" in text and "A\\u202eB" in text


# --- dates as ISO strings -------------------------------------------------------------------------------------------

def test_iso_strings_give_the_same_states_as_dates(us_china):
    """'2025-06-09' is date(2025, 6, 9) and '2025-05-13T12:00Z' is the aware instant, in every query."""
    assert (negotiation.replay(us_china, as_of="2025-06-09").digest
            == negotiation.replay(us_china, as_of=date(2025, 6, 9)).digest)
    by_text = negotiation.replay(us_china, as_of="2025-05-13", known_at="2025-05-13T12:00Z")
    by_object = negotiation.replay(us_china, as_of=date(2025, 5, 13), known_at=NOON)
    assert (by_text.digest, by_text.known_at, by_text.as_of) == (by_object.digest, NOON, date(2025, 5, 13))
    assert Decimal(145) == by_text.tariff_rate("USA", "CHN")
    assert (negotiation.replay(us_china, as_of="2025-05-13", known_at="2025-05-13T20:00+08:00").digest
            == by_object.digest)  # the same instant written with another offset
    series = negotiation.timeline(us_china, "2025-04-08", "2025-04-10")
    assert [(date(2025, 4, d), negotiation.replay(us_china, as_of=date(2025, 4, d)).digest) for d in (8, 9, 10)] \
        == [(day, state.digest) for day, state in series]
    picked = negotiation.timeline(us_china, "2025-04-01", "2025-04-30", dates=["2025-04-10", date(2025, 4, 9)])
    assert [date(2025, 4, 9), date(2025, 4, 10)] == [day for day, _ in picked]
    assert (negotiation.changes(us_china, "2025-11-10", "2025-11-10")
            == negotiation.changes(us_china, date(2025, 11, 10), date(2025, 11, 10)))
    rows = negotiation.tariff_series(us_china, "2025-04-09", "2025-04-10", imposer="USA", target="CHN")
    assert [(date(2025, 4, 9), Decimal(104)), (date(2025, 4, 10), Decimal(145))] == [(r["date"], r["total"]) for r in rows]
    accords = negotiation.accord_series(us_china, "2025-08-11", "2025-08-12", accord_id="geneva-2025",
                                        known_at="2025-12-31T00:00Z")
    assert [1, 90] == [row["days_remaining"] for row in accords]


@pytest.mark.parametrize("call", [
    lambda log: negotiation.replay(log, as_of=datetime(2025, 6, 9, tzinfo=UTC)),
    lambda log: negotiation.replay(log, as_of=datetime(2025, 6, 9)),
    lambda log: list(negotiation.timeline(log, datetime(2025, 6, 9, tzinfo=UTC), date(2025, 6, 10))),
    lambda log: list(negotiation.timeline(log, date(2025, 6, 1), date(2025, 6, 10), dates=[datetime(2025, 6, 2)])),
    lambda log: negotiation.changes(log, date(2025, 6, 1), datetime(2025, 6, 2)),
    lambda log: negotiation.tariff_series(log, date(2025, 6, 1), datetime(2025, 6, 2), imposer="USA", target="CHN"),
], ids=["replay aware", "replay naive", "timeline start", "timeline dates", "changes end", "tariff_series end"])
def test_a_datetime_where_a_date_is_expected_is_refused(us_china, call):
    """A datetime is not a day (its day depends on a time zone): QueryError naming it, not a silent .date()."""
    with pytest.raises(negotiation.QueryError, match="not a datetime") as info:
        call(us_china)
    assert "datetime.datetime(2025, 6" in str(info.value)


@pytest.mark.parametrize(("argument", "value"), [
    ("as_of", "2025-6-9"), ("as_of", "20250609"), ("as_of", "2025-02-30"), ("as_of", "3000-01-01"),
    ("as_of", " 2025-06-09"), ("known_at", "2025-05-13T12:00"), ("known_at", "2025-05-13"), ("known_at", 1747137600),
])
def test_malformed_iso_strings_are_refused(us_china, argument, value):
    """Only YYYY-MM-DD days that exist in 1900-2999, and instants with an offset; the error names the argument and value."""
    kwargs = {"as_of": "2025-06-09", argument: value}
    with pytest.raises(negotiation.QueryError) as info:
        negotiation.replay(us_china, **kwargs)
    assert str(info.value).startswith(f"{argument}={value!r}: expected ")


# --- a path where a log is expected ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda log: negotiation.replay(log, as_of=date(2025, 6, 9)),
    lambda log: list(negotiation.timeline(log, date(2025, 6, 1), date(2025, 6, 2))),
    lambda log: negotiation.changes(log, date(2025, 6, 1), date(2025, 6, 2)),
    lambda log: negotiation.tariff_series(log, date(2025, 6, 1), date(2025, 6, 2), imposer="USA", target="CHN"),
    lambda log: negotiation.accord_series(log, date(2025, 6, 1), date(2025, 6, 2)),
    lambda log: negotiation.find_problems(log),
], ids=["replay", "timeline", "changes", "tariff_series", "accord_series", "find_problems"])
@pytest.mark.parametrize("given", ["seeds/us-china.jsonl", Path("seeds/us-china.jsonl"), b"seeds/us-china.jsonl"],
                         ids=["str", "Path", "bytes"])
def test_a_path_instead_of_events_says_to_read_the_log(call, given):
    """Not events='s' (the first character): the error names the path and says to call events.read_log first."""
    with pytest.raises(negotiation.QueryError) as info:
        call(given)
    message = str(info.value)
    assert message.startswith(f"events={given!r}: expected an iterable of events, not a path or a string")
    assert "events.read_log(path)" in message


def test_a_store_or_a_single_event_instead_of_events(tmp_path, us_china):
    """A store and a lone event are refused with what to pass instead; the store's events replay."""
    store = events.open_store(tmp_path / "log.sqlite")
    store.append(us_china)
    with pytest.raises(negotiation.QueryError, match=r"not a store: read the log first: events\.read_log\(path\)"):
        negotiation.replay(store, as_of=date(2025, 6, 9))
    with pytest.raises(negotiation.QueryError, match=r"an iterable of events \(a log\)"):
        negotiation.replay(us_china[0], as_of=date(2025, 6, 9))
    assert Decimal(30) == negotiation.replay(events.read_log(tmp_path / "log.sqlite"),
                                             as_of="2025-06-09").tariff_rate("USA", "CHN")


def test_explain_given_something_else_than_a_state(us_china):
    """explain takes a state; a log or a path is refused naming what to build."""
    with pytest.raises(negotiation.QueryError, match=r"a NegotiationState: negotiation\.replay\(events\.read_log"):
        negotiation.explain("seeds/us-china.jsonl", imposer="USA", target="CHN")


@pytest.mark.parametrize("call", [negotiation.talks_rows, negotiation.licence_rows, negotiation.trade_data_rows,
                                  negotiation.accord_rows], ids=["talks", "licences", "trade data", "accords"])
@pytest.mark.parametrize("given", ["seeds/us-china.jsonl", Path("seeds/us-china.jsonl")], ids=["str", "Path"])
def test_the_row_functions_of_a_state_given_a_path_or_a_log(call, given, us_china):
    """The rows of one state take a state: a path or a log is a QueryError naming what to build, not an
    AttributeError; a state gives its rows."""
    for wrong in (given, us_china):
        with pytest.raises(negotiation.QueryError, match=r"a NegotiationState: negotiation\.replay\(events\.read_log"):
            call(wrong)
    assert 1 <= len(call(negotiation.replay(us_china, as_of="2025-06-09")))


def test_the_figure_takes_iso_strings_and_friendly_codes(us_china):
    """tariff_figure, like the series it draws, takes '2025-04-01', 'usa' and an ISO known_at, and names the canonical codes."""
    pytest.importorskip("matplotlib")
    from negotiation import plots
    figure = plots.tariff_figure(us_china, "2025-04-01", "2025-04-30", imposer="usa", target="chn",
                                 known_at="2025-12-31T00:00Z")
    title = figure.axes[0].get_title()
    assert "USA" in title and "CHN" in title and "usa" not in title
    assert "2025-04-01" in title and "2025-12-31T00:00:00+00:00" in title
