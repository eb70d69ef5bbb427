"""Every script in ``examples/`` runs from another working directory and prints its answer."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py"))


def _run(name, *args, cwd):
    script = next(p for p in EXAMPLES if p.name == name)
    return subprocess.run([sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    """The example exits 0 and prints something, run from an unrelated folder (temporary files go under it)."""
    done = subprocess.run([sys.executable, str(script)], check=False, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "TMPDIR": str(tmp_path)})
    # A fresh matplotlib says once that it builds its font cache: a notice, not an error.
    stderr = "".join(line for line in done.stderr.splitlines(keepends=True) if not line.startswith("Matplotlib is building"))
    assert (0, "") == (done.returncode, stderr)
    assert done.stdout.strip()


def test_london_example_answers(tmp_path):
    """The London example gives the article's 30 %, 10 % and the 64 days left."""
    script = next(p for p in EXAMPLES if p.name == "london_talks_morning.py")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    for expected in ("USA tariff on goods of CHN: 30 %", "CHN tariff on goods of USA: 10 %", "64 days left"):
        assert expected in out


def test_tariff_series_example_rows_show_spike_drop_and_step(tmp_path):
    """The rows behind the PNG (its CSV): 145 on 2025-04-10, 30 from 2025-05-14, 20 from 2025-11-10, USA on CHN."""
    out = _run("tariff_series_2025.py", str(tmp_path / "out"), cwd=tmp_path)
    with (tmp_path / "out" / "us-china-2025.csv").open(encoding="utf-8") as table:
        rows = {row["date"]: row for row in csv.DictReader(table)}
    assert 365 == len(rows)
    assert [("USA", "CHN", "")] == sorted({(r["imposer"], r["target"], r["product"]) for r in rows.values()})
    assert ["30", "104", "145", "145", "30", "30", "20", "20"] == [
        rows[day]["total"] for day in ("2025-04-08", "2025-04-09", "2025-04-10", "2025-05-13", "2025-05-14",
                                       "2025-11-09", "2025-11-10", "2025-12-31")
    ]
    assert ("20", "125") == (rows["2025-04-10"]["IEEPA-fentanyl"], rows["2025-04-10"]["IEEPA-reciprocal"])
    assert b"\x89PNG\r\n\x1a\n" == (tmp_path / "out" / "us-china-2025.png").read_bytes()[:8]
    assert "2025-04-10:  145 (IEEPA-fentanyl 20 + IEEPA-reciprocal 125)" in out


def test_truce_countdown_example(tmp_path):
    """90 days on 2025-05-14, 1 day left on 2025-08-11, then 90 again after the first extension."""
    out = _run("truce_countdown_2025.py", cwd=tmp_path)
    assert "2025-05-14  active   2025-08-12         90" in out
    assert "2025-08-12  active   2025-11-10         90   extended from 2025-08-12" in out
    assert "Closest call: 2025-08-11" in out


def test_what_was_known_when_example(tmp_path):
    """On the eves of 2025-04-09 and 2025-08-12 the rate expected was 54 %, not the 104 % and 30 % that took effect."""
    out = _run("what_was_known_when.py", cwd=tmp_path)
    assert "2025-04-09                   54        104   news came after the eve" in out
    assert "2025-08-12                   54         30   news came after the eve" in out
    assert "2025-05-14                   30         30   as expected" in out


def test_pandas_trade_join_example(tmp_path):
    """China's May figures (+4.8, -3.4) against mean tariffs of 78.23 (US) and 58.23 (China) over May 2025."""
    out = _run("pandas_trade_join.py", cwd=tmp_path)
    assert ["CHN", "2025-05", "2025-06-09", "4.8", "-3.4", "78.23", "58.23", "30.0", "10.0"] == out.splitlines()[-1].split()
