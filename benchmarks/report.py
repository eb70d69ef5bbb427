"""The targets, judged from one run's figures, and ``RESULTS.md`` written from them.

Every target is a ratio (or a size per event) taken inside one run, with
the range that the extreme samples give; a missed target says by how much
and what its parts measured. The causes of misses are analysis, not
arithmetic: ``RESULTS.md`` keeps the text between its ``causes`` markers
from one run to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from timing import ratio, summary

__all__ = ["CAUSES_END", "CAUSES_START", "derived", "markdown", "target_table", "targets"]

CAUSES_START = "<!-- causes: kept from one run to the next; written by hand after reading the figures -->"
CAUSES_END = "<!-- end of causes -->"

_PLACEHOLDER = ("_No analysis yet: after a run on a quiet machine, say here why each missed target misses "
                "(profile first)._")


def _sums(*series: Sequence[float]) -> list[float]:
    """Sample-wise sums of steps taken one after the other in the same process."""
    return [sum(parts) for parts in zip(*series, strict=True)]


def _scaled(figure: dict[str, Any] | None, factor: float) -> dict[str, Any] | None:
    if figure is None:
        return None
    return {key: (value * factor if key in ("median", "low", "high") else value) for key, value in figure.items()}


def derived(size: Mapping[str, Any]) -> dict[str, Any]:
    """Figures made of several steps of one sample: storage to state, and each way's answers from the file on disk.

    Args:
        size: One size's raw figures (``run.py`` gathers them): ``ours`` a
            list of :func:`children.ours_sample` results, ``tariff_peers``
            as :func:`children.tariff_peers` returns.
    """
    ours = size["ours"]
    take = {name: [sample[name] for sample in ours] for name in ours[0] if name.endswith("_s")}
    figures: dict[str, Any] = {name: summary(values) for name, values in take.items()}
    figures["decode_fold_s"] = summary(_sums(take["decode_s"], take["fold_s"]))
    figures["totals_from_disk_s"] = summary(_sums(take["decode_s"], take["fold_s"], take["totals_s"]))
    figures["series_from_disk_s"] = summary(_sums(take["decode_s"], take["series_s"]))
    for name in ("held_bytes_per_event", "log_bytes_per_event", "peak_bytes_per_event"):
        values = [sample[name] for sample in ours]
        figures[name] = None if None in values else summary(values)
    figures["decode_floor_s"] = summary([sample["decode_floor_s"] for sample in size["decode_floor"]])
    for peer, found in size["tariff_peers"].items():
        if found is None:
            figures[peer] = None
            continue
        figures[peer] = {
            "load_s": summary(found["load_s"]), "totals_s": summary(found["totals_s"]),
            "series_s": summary(found["series_s"]),
            "totals_from_disk_s": summary(_sums(found["load_s"], found["totals_s"])),
            "series_from_disk_s": summary(_sums(found["load_s"], found["series_s"])),
        }
    return figures


def _target(key: str, what: str, size: int | None, measured: dict[str, Any] | None, *, at_most: float | None = None,
            at_least: float | None = None, unit: str = "x", detail: str = "") -> dict[str, Any]:
    if measured is None:
        return {"key": key, "target": what, "events": size, "measured": None, "met": None,
                "shortfall": "not measured", "detail": detail}
    value = measured["median"]
    met = value <= at_most if at_most is not None else value >= at_least  # type: ignore[operator]
    if met:
        shortfall = ""
    elif at_most is not None:
        shortfall = f"{value / at_most:.2f}x over" if unit == "x" or unit == "B" else f"{value - at_most:.2f} over"
    else:
        shortfall = f"{at_least / value:.2f}x short" if value > 0 else "short"  # type: ignore[operator]
    return {"key": key, "target": what, "events": size, "measured": measured, "unit": unit,
            "threshold": at_most if at_most is not None else at_least, "direction": "at most" if at_most is not None else "at least",
            "met": met, "shortfall": shortfall, "detail": detail}


def _reused(stores: Mapping[str, Any]) -> str:
    source = stores.get("measured_on_log")
    return f" (of the {source:,}-event log)" if source else ""


def _us(figure: dict[str, Any] | None, count: int) -> str:
    return "—" if figure is None else f"{1e6 * figure['median'] / count:.1f} µs"


def _s(figure: dict[str, Any] | None) -> str:
    return "—" if figure is None else f"{figure['median']:.2f} s"


def targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue, judged at each target size: measured ratio (median, low, high), met or by how much not."""
    found: list[dict[str, Any]] = []
    for key, size in sorted(results["sizes"].items(), key=lambda item: int(item[0])):
        count = int(key)
        if count not in results["settings"]["sizes"]:
            continue
        fig, stores = size["derived"], size["stores"]
        kept = stores["events"]
        peer = _scaled(stores["peer_replay"], 1 / kept)
        found.append(_target(
            "jsonl_to_state_vs_peer", "JSON Lines to state ≥ 3x faster than eventsourcing per event", count,
            ratio(peer, _scaled(fig["decode_fold_s"], 1 / count)), at_least=3.0,
            detail=f"ours {_us(fig['decode_fold_s'], count)} per event at {count:,} (decode {_us(fig['decode_s'], count)}, "
                   f"fold {_us(fig['fold_s'], count)}); eventsourcing {_us(stores['peer_replay'], kept)} per event "
                   f"at {kept:,}{_reused(stores)}"))
        found.append(_target(
            "sqlite_to_state_vs_peer", "SQLite to state ≥ 3x faster than eventsourcing per event", count,
            ratio(peer, _scaled(stores["sqlite_read_fold"], 1 / kept)), at_least=3.0,
            detail=f"both on {kept:,} events{_reused(stores)}: ours {_us(stores['sqlite_read_fold'], kept)}, "
                   f"eventsourcing {_us(stores['peer_replay'], kept)} per event"))
        found.append(_target(
            "decode_vs_floor", "decode no slower than orjson + plain cattrs", count,
            ratio(fig["decode_s"], fig["decode_floor_s"]), at_most=1.0,
            detail=f"ours {_us(fig['decode_s'], count)}, floor {_us(fig['decode_floor_s'], count)} per event"))
        duck = fig.get("duckdb")
        found.append(_target(
            "totals_vs_duckdb", "every pair's total on one date, from the file, no slower than DuckDB", count,
            ratio(fig["totals_from_disk_s"], duck and duck["totals_from_disk_s"]), at_most=1.0,
            detail=f"ours: decode {_s(fig['decode_s'])} + fold {_s(fig['fold_s'])} + totals {_s(fig['totals_s'])}; "
                   f"DuckDB: read {_s(duck and duck['load_s'])} + query {_s(duck and duck['totals_s'])}"))
        found.append(_target(
            "series_vs_duckdb", "one pair's daily series for a year, from the file, no slower than DuckDB", count,
            ratio(fig["series_from_disk_s"], duck and duck["series_from_disk_s"]), at_most=1.0,
            detail=f"ours: decode {_s(fig['decode_s'])} + timeline and questions {_s(fig['series_s'])}; "
                   f"DuckDB: read {_s(duck and duck['load_s'])} + query {_s(duck and duck['series_s'])}"))
        found.append(_target(
            "timeline_vs_replay", "365-day timeline ≤ 1.5x one replay", count,
            ratio(fig["timeline_s"], fig["fold_s"]), at_most=1.5,
            detail=f"timeline {_s(fig['timeline_s'])}, replay {_s(fig['fold_s'])}"))
        held = fig["held_bytes_per_event"]
        found.append(_target(
            "held_bytes_per_event", "memory held ≤ 1 KB per event (decoded log + state, resident)", count,
            held, at_most=1024.0, unit="B",
            detail="not measured (no /proc)" if held is None else
            f"decoded log {fig['log_bytes_per_event']['median']:,.0f} B, peak while decoding and folding "
            f"{fig['peak_bytes_per_event']['median']:,.0f} B per event"))
    found.extend(_growth_targets(results))
    found.extend(_cli_targets(results))
    return found


def _per_event_growth(small: Mapping[str, Any], large: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Time per event of ``name`` at the large size ÷ at the small size (with its range)."""
    return ratio(_scaled(large["derived"][name], 1 / large["events"]),  # type: ignore[return-value]
                 _scaled(small["derived"][name], 1 / small["events"]))


def _growth_targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    sizes = {int(key): value for key, value in results["sizes"].items()}
    small_count, large_count = min(sizes), max(sizes)
    if small_count == large_count:
        return []
    small, large = sizes[small_count], sizes[large_count]
    floor = _per_event_growth(small, large, "sorted_floor_s")
    found = []
    for name, step in (("fold_s", "fold"), ("decode_fold_s", "JSON Lines to state")):
        ours = _per_event_growth(small, large, name)
        found.append(_target(
            f"growth_{name.removesuffix('_s')}_vs_floor",
            f"{step}: time per event from {small_count:,} to {large_count:,} events grows no more than FLOOR's",
            None, ratio(ours, floor), at_most=1.0,
            detail=f"{step} ×{ours['median']:.2f} per event, FLOOR with its sort ×{floor['median']:.2f}"))
    return found


def _cli_targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    cli = results.get("cli") or {}
    found = []
    for command in ("timeline", "diff"):
        scaled = cli.get(command)
        if not scaled:
            continue
        small, large = scaled["logs"][0], scaled["logs"][-1]
        measured = None
        if scaled["growth"] is not None:
            measured = {"median": scaled["growth"] / scaled["growth_if_linear"]}
            measured["low"] = measured["high"] = measured["median"]
        found.append(_target(
            f"cli_{command}_scaling",
            f"`negotiation {command}` over every pair: the cost of a day grows like its work, the layers changed"
            + (" plus a cell per pair" if command == "timeline" else "")
            + " (measured growth ÷ that, at most 1.5)", None, measured, at_most=1.5,
            detail=f"{1e3 * small['per_day_s']:.1f} ms a day at {small['events']:,} events, "
                   f"{1e3 * large['per_day_s']:.1f} ms at {large['events']:,}: "
                   + (f"×{scaled['growth']:.1f}" if measured else "a day costs less than the noise")
                   + f"; ×{scaled['growth_if_linear']:.1f} if linear in days × (layers changed"
                   + (" + pairs" if command == "timeline" else "") + "), "
                   f"×{scaled['growth_if_pairs_x_layers']:.1f} if in days × pairs × layers (medians only: "
                   "their spreads are under the command line)"))
    memory = cli.get("range_memory")
    if memory:
        short, long = memory["short"], memory["long"]
        growth = {"median": memory["growth"],
                  "low": long["peak_bytes"]["low"] / short["peak_bytes"]["high"],
                  "high": long["peak_bytes"]["high"] / short["peak_bytes"]["low"]}
        found.append(_target(
            "timeline_memory_over_range", "one-pair `negotiation timeline`: peak memory does not grow with the range "
            "(long range ÷ one year, at most 1.2)", memory["events"], growth, at_most=1.2,
            detail=f"{short['peak_bytes']['median'] / 2**20:,.0f} MiB over {short['rows']:,} days "
                   f"({short['seconds']['median']:.1f} s), {long['peak_bytes']['median'] / 2**20:,.0f} MiB over "
                   f"{long['rows']:,} days ({long['seconds']['median']:.1f} s)"))
    second = cli.get("second_run")
    if second:
        found.append(_target(
            "second_replay_speedup", "`negotiation replay` of an unchanged log in a new process: the second ≥ 20x "
            "faster than the first", second["events"], ratio(second["first"], second["second"]), at_least=20.0,
            detail=f"first {second['first']['median']:.2f} s, second {second['second']['median']:.2f} s"))
        if "other_day" in second:
            found.append(_target(
                "other_day_speedup", "`negotiation replay` of an unchanged log to a date not asked before, in a new "
                "process: ≥ 20x faster than the first replay", second["events"],
                ratio(second["first"], second["other_day"]), at_least=20.0,
                detail=f"first {second['first']['median']:.2f} s, to {second['other_as_of']} "
                       f"{second['other_day']['median']:.2f} s (the decoded events kept)"))
    return found


def _range(figure: Mapping[str, Any] | None, spec: str) -> str:
    if figure is None:
        return "not measured"
    return f"{figure['median']:{spec}} ({figure['low']:{spec}}–{figure['high']:{spec}})"


def _row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def target_table(found: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [_row(["target", "events", "measured (low–high)", "", "detail"]), _row(["---", "---:", "---:", "---", "---"])]
    for item in found:
        unit = item.get("unit", "x")
        spec = ",.0f" if unit == "B" else ".2f"
        measured = _range(item["measured"], spec) + (" B" if unit == "B" and item["measured"] else "")
        verdict = "not measured" if item["met"] is None else "met" if item["met"] else f"**missed**: {item['shortfall']}"
        events = f"{item['events']:,}" if item["events"] else "—"
        lines.append(_row([item["target"], events, measured, verdict, item["detail"]]))
    return lines


def _figure_table(results: Mapping[str, Any]) -> list[str]:
    sizes = sorted(results["sizes"].items(), key=lambda item: int(item[0]))
    counts = [int(key) for key, _ in sizes]

    def per_event(pick: Callable[[Mapping[str, Any]], Any], scale: float = 1e6, spec: str = ".2f",
                  kept: bool = False) -> list[str]:
        cells = []
        for _, size in sizes:
            figure = pick(size)
            count = size["stores"]["events"] if kept else size["events"]
            cells.append("—" if figure is None else _range(_scaled(figure, scale / count), spec))
        return cells

    def seconds(pick: Callable[[Mapping[str, Any]], Any]) -> list[str]:
        return ["—" if pick(size) is None else _range(pick(size), ".2f") for _, size in sizes]

    def bytes_(pick: Callable[[Mapping[str, Any]], Any]) -> list[str]:
        return ["—" if pick(size) is None else _range(pick(size), ",.0f") for _, size in sizes]

    def peer(name: str, step: str) -> Callable[[Mapping[str, Any]], Any]:
        return lambda size: (size["derived"].get(name) or {}).get(step)

    rows: list[tuple[str, list[str]]] = [
        ("decode (`events.read_jsonl`), µs per event", per_event(lambda s: s["derived"]["decode_s"])),
        ("decode floor (orjson + plain cattrs), µs per event", per_event(lambda s: s["derived"]["decode_floor_s"])),
        ("fold (`negotiation.replay`), µs per event", per_event(lambda s: s["derived"]["fold_s"])),
        ("FLOOR without its sort, µs per event", per_event(lambda s: s["derived"]["floor_s"])),
        ("FLOOR with its sort, µs per event", per_event(lambda s: s["derived"]["sorted_floor_s"])),
        ("JSON Lines to state (decode + fold), µs per event", per_event(lambda s: s["derived"]["decode_fold_s"])),
        ("SQLite to state (`SqliteStore.read` + fold), µs per event †", per_event(lambda s: s["stores"]["sqlite_read_fold"], kept=True)),
        ("eventsourcing, SQLite to aggregate (`repository.get`), µs per event †", per_event(lambda s: s["stores"]["peer_replay"], kept=True)),
        ("eventsourcing in memory (`project_aggregate`), µs per event †", per_event(lambda s: s["stores"]["peer_in_memory"], kept=True)),
        ("in memory: eventsourcing's time per event ÷ our fold's", [
            "—" if size["stores"]["peer_in_memory"] is None else _range(ratio(
                _scaled(size["stores"]["peer_in_memory"], 1 / size["stores"]["events"]),
                _scaled(size["derived"]["fold_s"], 1 / size["events"])), ".2f") for _, size in sizes]),
        ("† measured on, events", [f"{size['stores']['events']:,}" + (
            f" of the {size['stores']['measured_on_log']:,}-event log" if size["stores"].get("measured_on_log") else "")
            for _, size in sizes]),
        ("365-day timeline, s", seconds(lambda s: s["derived"]["timeline_s"])),
        ("every pair's total on one date: ours from the file, s", seconds(lambda s: s["derived"]["totals_from_disk_s"])),
        ("… ours, the question alone (state in memory), s", seconds(lambda s: s["derived"]["totals_s"])),
        ("… DuckDB from the file (read + ASOF JOIN), s", seconds(peer("duckdb", "totals_from_disk_s"))),
        ("… DuckDB, the query alone (table in memory), s", seconds(peer("duckdb", "totals_s"))),
        ("… pandas from the file (read + merge_asof), s", seconds(peer("pandas", "totals_from_disk_s"))),
        ("… pandas, the query alone (frame in memory), s", seconds(peer("pandas", "totals_s"))),
        ("one pair's daily series for a year: ours from the file, s", seconds(lambda s: s["derived"]["series_from_disk_s"])),
        ("… ours, timeline and questions (log in memory), s", seconds(lambda s: s["derived"]["series_s"])),
        ("… DuckDB from the file, s", seconds(peer("duckdb", "series_from_disk_s"))),
        ("… DuckDB, the query alone, s", seconds(peer("duckdb", "series_s"))),
        ("… pandas from the file, s", seconds(peer("pandas", "series_from_disk_s"))),
        ("… pandas, the query alone, s", seconds(peer("pandas", "series_s"))),
        ("memory held: decoded log + state, bytes per event", bytes_(lambda s: s["derived"]["held_bytes_per_event"])),
        ("… of which the decoded log, bytes per event", bytes_(lambda s: s["derived"]["log_bytes_per_event"])),
        ("memory peak while decoding and folding, bytes per event", bytes_(lambda s: s["derived"]["peak_bytes_per_event"])),
        ("set-up (not measured): generate + write the log, s",
         [f"{size['setup']['generate_s'] + size['setup']['write_s']:.1f}" for _, size in sizes]),
    ]
    lines = [_row(["figure, median (low–high)", *(f"N = {count:,}" for count in counts)]),
             _row(["---", *("---:" for _ in counts)])]
    lines.extend(_row([label, *cells]) for label, cells in rows)
    return lines


def _cli_lines(cli: Mapping[str, Any]) -> list[str]:
    lines = []
    for command in ("timeline", "diff"):
        scaled = cli.get(command)
        if not scaled:
            continue
        lines.append(f"- `negotiation {command}` over every pair, from {scaled['first']}:")
        for row in scaled["logs"]:
            span = row.get("days", scaled["days"])
            lines.append(f"  - {row['events']:,} events ({row['pairs']:,} pairs, {row['layers']:,} layers, "
                         f"{row['layers_changed_per_day']:.1f} layers changed a day): {_range(row['short'], '.2f')} s "
                         f"over {span[0]} days and {_range(row['long'], '.2f')} s over {span[1]}, so "
                         f"{1e3 * row['per_day_s']:.1f} ms a day")
    memory = cli.get("range_memory")
    if memory:
        lines.append(f"- one-pair `negotiation timeline` of {memory['pair'][0]} on {memory['pair'][1]} "
                     f"({memory['events']:,} events), peak resident MiB: "
                     f"{_range(_scaled(memory['short']['peak_bytes'], 2**-20), ',.0f')} to {memory['short']['to']}, "
                     f"{_range(_scaled(memory['long']['peak_bytes'], 2**-20), ',.0f')} to {memory['long']['to']}")
    second = cli.get("second_run")
    if second:
        lines.append(f"- `negotiation replay` of a fresh copy of the {second['events']:,}-event log, s: first "
                     f"{_range(second['first'], '.2f')}, second {_range(second['second'], '.2f')}"
                     + (f", to {second['other_as_of']} {_range(second['other_day'], '.2f')}" if "other_day" in second else ""))
    started = cli.get("import_time")
    if started:
        lines.append(f"- start-up, `{started['command']}`: {_range(started['seconds'], '.2f')} s in all; "
                     f"`python -X importtime`: top-level imports {_range(started['imports_s'], '.3f')} s, of which "
                     f"`negotiation` and `events` with what they import {_range(started['ours_s'], '.3f')} s "
                     f"({100 * started['share']:.0f} % of the command)")
    return lines


METHOD = """\
- **Logs**: `benchmarks/synthetic.py`, one year (2025-01-01 to 2025-12-31) from seed {seed}, written with
  `events.write_jsonl` in recorded order; 80 % tariff changes on N/25 layers (10 % all goods, 10 % with a
  suspension, 4 % removals), accords, talks, export controls, 1 % corrections, 0.3 % retractions. Set-up
  (generating, writing, filling stores) is not measured.
- **Samples**: every figure is the median of {samples} samples, with the lowest and highest in brackets.
  Each sample of our path from the file runs in a fresh process (`children.ours_sample`): decode, fold to
  2025-12-31, resident memory held, every pair's total, the pair's daily series (one timeline; the
  timeline's own time is the series' less the per-day questions), FLOOR with and without its sort (each
  repeated within its sample until it lasts 0.2 s). The decode floor runs in fresh processes of its own.
  These samples run {jobs} at a time (`--jobs`), each in its own process on its own core, so that the run
  fits its time budget: each shares the machine with another sample, ours or the floor's, and so its
  figures are higher than on an idle machine, alike for the ratios between them. DuckDB, pandas and the
  command line run alone, which can only favour DuckDB and pandas against our figures.
  A ratio's range divides the extreme samples.
- **FLOOR**: `benchmarks/floor.py`, a plain loop of dict updates over the decoded events; "with its sort"
  first sorts them into fold order (effective, recorded, event id), as a fold must.
- **Decode floor**: `benchmarks/decode_floor.py`, `orjson.loads` of each line and cattrs' preconfigured
  orjson converter into attrs classes generated from ours (`attrs.make_class` over `attrs.fields`) without
  validators; its events are checked equal to ours, field by field, on the first 20,000 lines.
- **eventsourcing** (`benchmarks/peer.py`): one aggregate whose methods do FLOOR's dict updates; the first
  {stores:,} events (or all, if fewer) saved to its SQLite store, then `repository.get` (read, decode,
  apply) and, in memory, `project_aggregate` over its decoded domain events; our SQLite store
  (`events.SqliteStore`) is measured on the same events in a process beside it (the two run at once, one
  per core, so each has the same co-runner: the other). A larger log reuses the
  figures of the log of exactly {stores:,} events when the run has one (writing either store takes
  minutes at 1,000,000). Per event, our JSON Lines figures at each size are compared with these. Each
  answer is checked (aggregates equal; our digest equal to the file's fold).
- **Tariff totals** (`benchmarks/tariff_peers.py`): every pair's all-goods total on 2025-12-31 and the
  pair with the most all-goods changes day by day over 2025, by us (`replay` + `breakdowns()`, every pair in one pass;
  `timeline` + `tariff_rate`), DuckDB (`read_json` into a table, `ASOF JOIN`) and pandas (`orjson.loads`
  per line into a frame, `merge_asof`; measured up to {pandas:,} events). From the file means each sample's
  load plus its query. The peers model only the rules this data uses; their answers are checked equal to
  ours before timing.
- **Command line** (`benchmarks/cli_runs.py`): new processes of `python -m negotiation`, output to
  `/dev/null`, peak memory from `wait4`; logs of at most {cli:,} events. Every process of the run keeps
  the modules' compiled bytecode (in the run's own folder, `PYTHONPYCACHEPREFIX`), as an installed
  library has it, even where the machine sets `PYTHONDONTWRITEBYTECODE`. The cost of a day is the
  difference between a long and a short range over the difference in days (so the reading and the fold
  before the range cancel; the smaller log's long range is longer, so that its smaller cost a day stands
  above the noise of a whole command; the decoded events are kept between runs, never an answer); from the smallest to the largest log it should grow like a day's work (layers changed, plus a
  cell per pair for the every-pair `timeline`), where asking every pair of every layer grows like
  pairs × layers. The runs are interleaved (each sample a round of both logs and both ranges). Two sizes
  cannot rule out a pairs × layers term that is still small beside the per-pair work at 100,000 events. Memory over a range: a one-pair `timeline` of the smallest log over one year and over
  a century. Second run: `replay` twice of a fresh copy of the largest log, with a new `HOME` and
  `XDG_CACHE_HOME` per copy. Start-up: `python -X importtime` of `replay` on `seeds/us-china.jsonl`."""


def markdown(results: Mapping[str, Any], found: Sequence[Mapping[str, Any]], causes: str | None) -> str:
    """``RESULTS.md`` for ``results`` and the judged targets, keeping ``causes`` (the hand-written analysis)."""
    machine, settings = results["machine"], results["settings"]
    met = sum(1 for item in found if item["met"])
    judged = sum(1 for item in found if item["met"] is not None)
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py` from its last run (`benchmarks/results.json` has every sample). "
        "Run it from the repository folder:",
        "",
        "```sh",
        results["command"],
        "```",
        "",
        f"The last run: {machine['date']}, {machine['platform']}, {machine['cores']} cores, Python "
        f"{machine['python']}, commit {machine['commit']}; whole run {results['total_s']:.0f} s "
        f"({results['total_s'] / 60:.1f} min); sizes {', '.join(f'{n:,}' for n in sorted(int(k) for k in results['sizes']))} "
        f"events. Timings on a shared machine are noisy: read the ratios, each taken inside this one run.",
        "",
        f"## Targets: {met} of {judged} met",
        "",
        *target_table(found),
        "",
        "## Why targets miss",
        "",
        CAUSES_START,
        (causes or _PLACEHOLDER).strip(),
        CAUSES_END,
        "",
        "## Figures",
        "",
        *_figure_table(results),
        "",
        "## The command line",
        "",
        *_cli_lines(results.get("cli") or {}),
        "",
        "## What is measured",
        "",
        METHOD.format(seed=settings["seed"], samples=settings["samples"], jobs=settings.get("jobs", 1),
                      stores=settings["store_events"], pandas=settings["pandas_events"], cli=settings["cli_events"]),
        "",
    ]
    return "\n".join(lines)
