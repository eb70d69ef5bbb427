"""The ``negotiation`` command: replay and validate, output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import events
from negotiation._cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_replay_text_shows_rates_accord_and_talks(capsys, seeds_dir):
    """The README's promise: 30 % with its layers, the accord's deadline and days, London talks."""
    code, out, err = run(capsys, "replay", str(seeds_dir / "us-china.jsonl"), "--as-of", "2025-06-09")
    assert (0, "") == (code, err)
    words = " ".join(out.split())
    for expected in (
        "USA on goods of CHN: 30 % on all goods",
        "IEEPA-fentanyl 20 % all goods, since 2025-03-04",
        "IEEPA-reciprocal 10 % all goods, since 2025-05-14; 34 with 24 points suspended until 2025-08-12",
        "window from 2025-05-14 to deadline 2025-08-12; 64 days remaining",
        "london-2025-06: London, scheduled 2025-06-09",
        "Scott Bessent (Secretary of the Treasury, leads)",
    ):
        assert expected in words


def test_replay_known_at_lists_scheduled(capsys, seeds_dir):
    """Known at 2025-05-13T12:00Z, the cut of 05-14 prints on one line with 'scheduled' and its date."""
    code, out, _ = run(capsys, "replay", str(seeds_dir / "us-china.jsonl"), "--as-of", "2025-05-13",
                       "--known-at", "2025-05-13T12:00Z")
    lines = [line for line in out.splitlines() if "us-ieepa-reciprocal-geneva" in line]
    assert (0, True) == (code, "USA on goods of CHN: 145 %" in out)
    assert 1 == len(lines) and "scheduled 2025-05-14" in lines[0]


def test_replay_json_is_stable_and_parsable(capsys, seeds_dir):
    """JSON output parses, holds the totals, and is byte-identical across runs."""
    args = ("replay", str(seeds_dir / "us-china.jsonl"), "--as-of", "2025-04-10", "--format", "json")
    _, first, _ = run(capsys, *args)
    _, second, _ = run(capsys, *args)
    data = json.loads(first)
    totals = {(row["imposer"], row["target"]): row["all_goods_rate"] for row in data["tariffs"]}
    assert (first, {("USA", "CHN"): "145", ("CHN", "USA"): "84", ("USA", "WLD"): "0"}) == (second, totals)


def test_validate_reports_three_bad_lines(capsys, tmp_path, seeds_dir):
    """A log with three bad lines gets three reports, each with its line number, and exit 1."""
    lines = (seeds_dir / "london-talks-2025.jsonl").read_text(encoding="utf-8").splitlines()
    bad = [{key: value for key, value in json.loads(line).items() if key != "hash"} for line in lines]  # unchained
    bad[0]["rate"] = "-20"
    bad[3]["parties"] = ["USA", "usa"]
    bad[6]["recorded"] = "2025-06-07T03:00:00"
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in bad) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "validate", str(path))
    reports = [line for line in err.splitlines() if ", line " in line]
    assert (1, "") == (code, out)
    assert [", line 1,", ", line 4,", ", line 7,"] == [f", line {r.split(', line ')[1].split(',')[0]}," for r in reports]
    assert ["rate", "parties", "recorded"] == [r.split("field '")[1].split("'")[0] for r in reports]


def test_validate_reports_dangling_references_with_lines(capsys, tmp_path, seeds_dir):
    """A delegation to talks the log never scheduled is reported with its line."""
    log = [e for e in events.read_jsonl(seeds_dir / "london-talks-2025.jsonl") if e.event_id != "london-talks-scheduled"]
    path = tmp_path / "dangling.jsonl"
    events.write_jsonl(path, log)
    code, _, err = run(capsys, "validate", str(path))
    line = next(i for i, e in enumerate(log, start=1) if e.event_id == "london-talks-usa-delegation")
    assert 1 == code
    assert f"line {line}, event 'london-talks-usa-delegation', field 'talks_id'" in err


def test_validate_good_log(capsys, seeds_dir):
    """A sound seed validates with exit 0."""
    code, out, _ = run(capsys, "validate", str(seeds_dir / "us-china.jsonl"))
    count = len((seeds_dir / "us-china.jsonl").read_text(encoding="utf-8").splitlines())
    assert (0, True) == (code, f"{count} events, valid" in out)


@pytest.mark.parametrize(
    "argv",
    [
        ["replay", "x.jsonl"],
        ["replay", "x.jsonl", "--as-of", "2025-02-30"],
        ["replay", "x.jsonl", "--as-of", "2025-06-09", "--known-at", "2025-06-09T12:00"],
        ["replay", "x.jsonl", "--as-of", "2025-06-09", "--format", "xml"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    """Bad arguments exit with 2 and a message on stderr."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert (2, True) == (info.value.code, "error" in capsys.readouterr().err)


def test_missing_file_exit_1(capsys, tmp_path):
    """A missing log is invalid input: exit 1, one line on stderr, no traceback."""
    code, out, err = run(capsys, "replay", str(tmp_path / "none.jsonl"), "--as-of", "2025-06-09")
    assert (1, "", 1) == (code, out, len(err.splitlines()))
    assert "none.jsonl" in err and "Traceback" not in err


def test_bad_log_exit_1_without_traceback(tmp_path):
    """``python -m negotiation`` on a bad log prints one error line and exits 1."""
    path = tmp_path / "bad.jsonl"
    path.write_text('{"type": "TariffChanged"}\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "negotiation", "replay", str(path), "--as-of", "2025-06-09"],
        capture_output=True, text=True,
    )
    assert (1, "") == (done.returncode, done.stdout)
    assert "line 1" in done.stderr and "Traceback" not in done.stderr


def test_json_digest_reproducible_from_output(capsys, seeds_dir):
    """The printed digest is the SHA-256 of the printed JSON without known_at, horizon and digest."""
    import hashlib

    _, out, _ = run(capsys, "replay", str(seeds_dir / "us-china.jsonl"), "--as-of", "2025-06-09",
                    "--known-at", "2025-06-09T12:00Z", "--format", "json")
    data = json.loads(out)
    printed = data.pop("digest")
    data.pop("known_at")
    data.pop("horizon")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert printed == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_timeline_csv_one_row_per_day(capsys, seeds_dir):
    """CSV: a header, then one row per day (both dates inclusive), the ISO date first."""
    code, out, _ = run(capsys, "timeline", str(seeds_dir / "us-china.jsonl"), "--from", "2025-04-08",
                       "--to", "2025-04-10", "--imposer", "USA", "--target", "CHN", "--format", "csv")
    assert (0, ["date,total,base,duty,projected,IEEPA-fentanyl,IEEPA-reciprocal", "2025-04-08,30,,,False,20,10",
                "2025-04-09,104,,,False,20,84", "2025-04-10,145,,,False,20,125"]) == (code, out.splitlines())


def test_timeline_product_and_known_at(capsys, seeds_dir):
    """Soybeans as known at 2025-04-09: the 84 % of 04-10 was known, the 125 % of 04-12 not yet."""
    code, out, _ = run(capsys, "timeline", str(seeds_dir / "us-china.jsonl"), "--from", "2025-04-10",
                       "--to", "2025-04-12", "--imposer", "CHN", "--target", "USA", "--product", "120190",
                       "--known-at", "2025-04-09T12:00Z", "--format", "json")
    rows = json.loads(out)
    assert (0, ["94", "94", "94"]) == (code, [row["total"] for row in rows])


def test_diff_lists_changes_with_causes(capsys, seeds_dir):
    """diff D1 D2 lists the changes after D1 up to D2, each with its event."""
    code, out, _ = run(capsys, "diff", str(seeds_dir / "us-china.jsonl"), "2025-11-09", "2025-11-10")
    assert 0 == code
    assert "2025-11-10  tariff total    USA on CHN, all goods: 30 -> 20  [us-ieepa-fentanyl-2025-11" in out


def test_explain_command(capsys, seeds_dir):
    """explain prints the total, each layer's event and its source."""
    code, out, _ = run(capsys, "explain", str(seeds_dir / "us-china.jsonl"), "--as-of", "2025-04-10",
                       "--imposer", "USA", "--target", "CHN")
    assert (0, True, True) == (code, "= 145" in out, "[us-ieepa-reciprocal-125]" in out)


@pytest.mark.parametrize(
    "argv",
    [
        ["timeline", "LOG", "--from", "2025-01-01", "--to", "2025-01-02", "--imposer", "USA"],
        ["timeline", "LOG", "--from", "2025-01-01", "--to", "2025-01-02", "--imposer", "US", "--target", "CHN"],
        ["diff", "LOG", "2025-02-01", "2025-01-01"],
        ["explain", "LOG", "--as-of", "2025-01-01"],
    ],
)
def test_new_commands_usage_errors(capsys, seeds_dir, argv):
    """Incomplete or contradictory arguments exit 2."""
    argv = [str(seeds_dir / "london-talks-2025.jsonl") if a == "LOG" else a for a in argv]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert 2 == info.value.code


def test_closed_pipe_is_quiet(seeds_dir):
    """Piping into a reader that stops early (like ``head``) gives no traceback."""
    command = [sys.executable, "-m", "negotiation", "timeline", str(seeds_dir / "us-china.jsonl"),
               "--from", "2000-01-01", "--to", "2030-12-31"]  # > 64 KiB: more than a pipe holds
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read().decode()
        process.wait()
    assert ("", 0) == (stderr, process.returncode)
