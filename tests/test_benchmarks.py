"""The benchmark's harness (benchmarks/), so that its code cannot rot and its peers answer what we answer.

No timing is asserted: only that every figure and target is produced, that
the peers (pandas, DuckDB, the decode floor, eventsourcing) give our
answers, and that the arithmetic of medians, ratios and verdicts is right.
The peers come with the ``bench`` extra, which the ``test`` extra includes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

import events
import negotiation

for _peer in ("duckdb", "eventsourcing", "orjson", "pandas"):
    pytest.importorskip(_peer, reason="the benchmark's peers come with the bench extra")

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
_MODULES = ("children", "cli_runs", "decode_anatomy", "decode_floor", "floor", "peer", "report", "synthetic", "tariff_peers",
            "timing")


@pytest.fixture(scope="module")
def bench():
    """benchmarks/run.py as a module, and its modules imported (it puts benchmarks/ on sys.path; undone after)."""
    spec = importlib.util.spec_from_file_location("negotiation_benchmark_run", BENCHMARKS / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    for name in _MODULES:
        importlib.import_module(name)
    yield module
    del sys.modules[spec.name]
    for name in _MODULES:
        sys.modules.pop(name, None)
    sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def small_log(bench, tmp_path_factory):
    """A 1,500-event synthetic log written to a file, and its events."""
    path = tmp_path_factory.mktemp("bench") / "log.jsonl"
    log = sys.modules["synthetic"].generate(1_500, seed=11)
    events.write_jsonl(path, log)
    return path, log


def test_synthetic_log_is_sound_deterministic_and_varied(bench):
    generate = sys.modules["synthetic"].generate
    log = generate(2_000, seed=7)
    assert log == generate(2_000, seed=7)
    assert log != generate(2_000, seed=8)
    assert len({event.event_id for event in log}) == 2_000
    assert negotiation.find_problems(log) == ()
    kinds = {type(event).__name__ for event in log}
    assert {"TariffChanged", "AccordReached", "EventCorrected", "ExportControlChanged", "TalksScheduled"} <= kinds
    assert [e.recorded for e in log] == sorted(e.recorded for e in log)
    state = negotiation.replay(log, as_of=date(2025, 12, 31))
    assert any(layer.suspension is not None for layer in state.layers.values())
    assert state.revisions


def test_quick_run_produces_every_figure_and_judges_every_target(bench, tmp_path):
    results_path, report_path = tmp_path / "results.json", tmp_path / "RESULTS.md"
    report_path.write_text(f"old\n{sys.modules['report'].CAUSES_START}\nThe decode validates twice.\n"
                           f"{sys.modules['report'].CAUSES_END}\n", encoding="utf-8")
    assert bench.main(["--quick", "--json", str(results_path), "--markdown", str(report_path)]) == 0
    results = json.loads(results_path.read_text(encoding="utf-8"))
    assert set(results["sizes"]) == {"500", "1000"}
    size = results["sizes"]["1000"]
    assert size["decode_floor"][0]["checked_lines"] == 1_000
    assert size["stores"]["events"] == 1_000 and size["stores"]["peer_replay"]["median"] > 0
    assert size["stores"]["peer_in_memory"]["median"] > 0
    assert size["tariff_peers"]["duckdb"] and size["tariff_peers"]["pandas"]
    assert size["ours"][0]["series_days"] == 365 and size["ours"][0]["pairs"] > 10
    assert size["ours"][0]["floor_runs"] >= 1 and size["ours"][0]["floor_s"] > 0
    keys = {target["key"] for target in results["targets"]}
    assert keys == {
        "jsonl_to_state_vs_peer", "sqlite_to_state_vs_peer", "decode_vs_floor", "totals_vs_duckdb",
        "series_vs_duckdb", "timeline_vs_replay", "held_bytes_per_event", "growth_fold_vs_floor",
        "growth_decode_fold_vs_floor", "cli_timeline_scaling", "cli_diff_scaling", "timeline_memory_over_range",
        "second_replay_speedup", "other_day_speedup",
    }
    for target in results["targets"]:
        assert target["met"] in (True, False) or target["key"].startswith("cli_"), target
        if target["met"] is False:
            assert target["shortfall"], target
    cli = results["cli"]
    assert cli["range_memory"]["long"]["rows"] == 3 * 365 and cli["range_memory"]["long"]["peak_bytes"]["median"] > 0
    assert cli["second_run"]["first"]["median"] > 0 and cli["second_run"]["other_day"]["median"] > 0
    assert 0 < cli["import_time"]["ours_s"]["median"] <= cli["import_time"]["imports_s"]["median"]
    written = report_path.read_text(encoding="utf-8")
    assert "## Targets:" in written and "The decode validates twice." in written and "| N = 1,000 |" in written
    assert written.count(sys.modules["report"].CAUSES_START) == 1


@pytest.mark.parametrize("day", [date(2025, 3, 1), date(2025, 7, 15), date(2025, 12, 31)])
def test_duckdb_and_pandas_totals_equal_ours(bench, small_log, day):
    peers = sys.modules["tariff_peers"]
    path, log = small_log
    ours = peers.our_totals(negotiation.replay(log, as_of=day))
    assert len(ours) > 50 and any(total > 0 for total in ours.values())
    assert peers.duckdb_totals(peers.duckdb_load(path), day) == ours
    assert peers.pandas_totals(peers.pandas_load(path), day) == ours


def test_duckdb_and_pandas_series_equal_ours(bench, small_log):
    peers = sys.modules["tariff_peers"]
    path, log = small_log
    pair = peers.series_pair(log)
    ours, asking = peers.our_series(log, date(2025, 1, 1), date(2025, 12, 31), pair, time.perf_counter)
    assert len(ours) == 365 and len(set(ours)) > 2 and asking > 0
    assert ours[-1] == negotiation.replay(log, as_of=date(2025, 12, 31)).tariff_rate(*pair)
    assert peers.duckdb_series(peers.duckdb_load(path), pair, date(2025, 1, 1), date(2025, 12, 31)) == ours
    assert peers.pandas_series(peers.pandas_load(path), pair, date(2025, 1, 1), date(2025, 12, 31)) == ours


def test_decode_floor_decodes_our_content_into_validator_free_copies(bench, small_log):
    floor = sys.modules["decode_floor"]
    path, _ = small_log
    plain = floor.decode(path)
    ours = events.read_jsonl(path)
    assert floor.same_content(plain, ours)
    assert not floor.same_content(plain[1:], ours[:-1])
    copy = floor.PLAIN_TYPES[events.TariffChanged]
    assert [f.name for f in attrs.fields(copy)] == [f.name for f in attrs.fields(events.TariffChanged)]
    assert all(f.validator is None and f.converter is None for f in attrs.fields(copy))
    unchecked = attrs.evolve(plain[0], event_id="not an id!")  # ours would refuse it
    assert unchecked.event_id == "not an id!"


def test_floor_counts_the_facts_it_holds(bench):
    log = sys.modules["synthetic"].generate(500, seed=1)
    floor = sys.modules["floor"]
    in_order = sorted(log, key=lambda event: event.sort_key)
    assert 0 < floor.floor(in_order) == floor.sorted_floor(log) <= 500


def test_summary_ratio_and_repeated_samples(bench):
    timing = sys.modules["timing"]
    figure = timing.summary([3.0, 1.0, 2.0])
    assert (figure["median"], figure["low"], figure["high"], figure["spread"]) == (2.0, 1.0, 3.0, 1.0)
    other = timing.summary([1.0, 1.0, 0.5])
    assert timing.ratio(figure, other) == {"median": 2.0, "low": 1.0, "high": 6.0}
    assert timing.ratio(figure, None) is None
    per_run, runs = timing.repeated(lambda: None, at_least=0.01)
    assert runs > 1 and 0 < per_run * runs
    with pytest.raises(ValueError, match="at least one sample"):
        timing.summary([])


def test_target_verdicts_say_by_how_much(bench):
    report = sys.modules["report"]
    assert report._target("k", "x", 10, {"median": 3.5, "low": 3, "high": 4}, at_least=3.0)["met"] is True
    short = report._target("k", "x", 10, {"median": 1.5, "low": 1, "high": 2}, at_least=3.0)
    assert short["met"] is False and short["shortfall"] == "2.00x short"
    over = report._target("k", "x", 10, {"median": 2.0, "low": 2, "high": 2}, at_most=1.5)
    assert over["met"] is False and over["shortfall"] == "1.33x over"
    assert report._target("k", "x", 10, None, at_most=1.0)["met"] is None


def test_import_times_are_read_from_the_top_level_lines(bench):
    stderr = "\n".join([
        "import time: self [us] | cumulative | imported package",
        "import time:       100 |        150 | site",
        "import time:        40 |         40 |   _collections_abc",
        "import time:      2000 |       9000 | negotiation",
        "import time:       700 |       1000 |   events",
        "import time:       500 |        800 | negotiation._cli",
        "a warning",
    ])
    assert sys.modules["cli_runs"]._imports(stderr) == (150 + 9000 + 800, 9000 + 800)


def test_decimal_answers_compare_by_value(bench):
    assert sys.modules["tariff_peers"]._as_decimal(37.50000000001) == Decimal("37.5")


def test_the_readme_gives_the_benchmark_command(bench):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"\n{bench.COMMAND}\n" in readme


def test_decode_anatomy_steps_give_our_events_and_refuse_a_broken_chain(bench, small_log, tmp_path, capsys):
    """Each step of the anatomy decodes the whole log (the checked steps into our very events); a log whose chain
    breaks is refused, not timed; main prints one row per step."""
    anatomy = importlib.import_module("decode_anatomy")
    path, log = small_log
    found = anatomy.steps(path)
    assert len(found) == 6
    assert found["2. + checked structure into our events"]() == list(log)
    assert found["3. + chain field, sorted body, no repeated key"]() == list(log)
    assert found["4. + the hash chain (SHA-256)"]() == list(log)
    assert anatomy.main([str(path), "--samples", "1"]) == 0
    assert len([line for line in capsys.readouterr().out.splitlines() if "µs per event" in line]) == 6
    lines = path.read_bytes().splitlines(keepends=True)
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"".join([lines[1], lines[0], *lines[2:]]))  # two records swapped: the chain breaks
    with pytest.raises(SystemExit, match="chain breaks"):
        anatomy.steps(broken)["4. + the hash chain (SHA-256)"]()
