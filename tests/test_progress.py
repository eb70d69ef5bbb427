"""Progress callbacks of replay, timeline and changes, and the command line's progress bar."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given

import negotiation
from events import strategies
from negotiation._cli import main
from negotiation._progress import progress_bar


def _recorder():
    calls = []
    return calls, lambda done, total: calls.append((done, total))


def _check_calls(calls, total):
    """Monotone, one total, at most about 100 calls, the last one (total, total)."""
    assert calls, "progress was never called"
    assert calls[-1] == (total, total)
    assert {t for _, t in calls} == {total}
    dones = [done for done, _ in calls]
    assert dones == sorted(dones)
    assert all(0 <= done <= total for done in dones)
    assert len(calls) <= 101


def test_replay_reports_every_fact_folded(us_china):
    calls, progress = _recorder()
    state = negotiation.replay(us_china, as_of=date(2026, 12, 31), progress=progress)
    assert state == negotiation.replay(us_china, as_of=date(2026, 12, 31))
    _check_calls(calls, len(state.events) + len(state.scheduled))


def test_replay_of_nothing_reports_zero_of_zero():
    calls, progress = _recorder()
    negotiation.replay([], as_of=date(2025, 1, 1), progress=progress)
    assert calls == [(0, 0)]


def test_timeline_reports_days_done(us_china):
    calls, progress = _recorder()
    states = list(negotiation.timeline(us_china, date(2025, 1, 1), date(2025, 12, 31), progress=progress))
    assert len(states) == 365
    _check_calls(calls, 365)


def test_timeline_reports_as_days_are_produced(us_china):
    """Before the iterator is consumed nothing is reported; halfway, about half."""
    calls, progress = _recorder()
    states = negotiation.timeline(us_china, date(2025, 1, 1), date(2025, 4, 10), progress=progress)
    assert calls == []
    for _ in range(50):
        next(states)
    assert calls[-1] == (49, 100)
    list(states)
    _check_calls(calls, 100)


def test_changes_report_days_compared(us_china):
    calls, progress = _recorder()
    found = negotiation.changes(us_china, date(2025, 4, 1), date(2025, 5, 31), progress=progress)
    assert found == negotiation.changes(us_china, date(2025, 4, 1), date(2025, 5, 31))
    _check_calls(calls, 61)


@given(strategies.logs(max_events=25))
def test_progress_is_monotone_and_ends_at_the_total(log):
    calls, progress = _recorder()
    state = negotiation.replay(log, as_of=date(2025, 12, 31), progress=progress)
    assert state == negotiation.replay(log, as_of=date(2025, 12, 31))
    _check_calls(calls, calls[-1][1])


def test_progress_must_be_callable(us_china):
    with pytest.raises(negotiation.QueryError, match="progress"):
        negotiation.replay(us_china, as_of=date(2025, 6, 9), progress=5)
    with pytest.raises(negotiation.QueryError, match="progress"):
        negotiation.timeline(us_china, date(2025, 6, 1), date(2025, 6, 9), progress="yes")


def test_no_bar_when_standard_error_is_not_a_terminal(capsys, seeds_dir):
    """A long range with standard error captured (not a terminal): nothing on it."""
    code = main(["timeline", str(seeds_dir / "us-china.jsonl"), "--from", "2025-01-01", "--to", "2025-12-31"])
    out, err = capsys.readouterr()
    assert (0, "") == (code, err)
    assert out.count("\n") == 366


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_on_a_terminal_for_a_long_range(capsys, monkeypatch, seeds_dir):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code = main(["timeline", str(seeds_dir / "us-china.jsonl"), "--from", "2025-01-01", "--to", "2025-12-31"])
    assert code == 0
    drawn = terminal.getvalue()
    assert "timeline [" in drawn and "100%" in drawn and "(365/365)" in drawn
    assert drawn.endswith("\r")  # erased at the end: the terminal is left clean
    assert "timeline [" not in capsys.readouterr().out


def test_no_bar_for_short_work_even_on_a_terminal():
    assert progress_bar("replay", events=99_999, days=59, stream=_Terminal()) is None
    assert progress_bar("replay", events=100_000, stream=_Terminal()) is not None
    assert progress_bar("timeline", events=10, days=60, stream=_Terminal()) is not None
    assert progress_bar("replay", events=10**6, days=365, stream=io.StringIO()) is None
