"""Tariff totals three ways: this library, pandas (``merge_asof``) and DuckDB (``ASOF JOIN``).

Two questions a user who only wants tariff totals would ask of a log:

* **totals on one date**: every (imposer, target) pair with a layer in force
  on the date, and its all-goods total (percent over the base);
* **one pair's daily series**: that pair's all-goods total on each day of a
  range.

Each way starts from the JSON Lines file on disk: ours decodes it with
``events.read_jsonl`` and replays it; pandas reads each line with
``orjson.loads`` into a data frame of the columns it needs (``pandas.read_json``
was about 2.5 times slower in trials); DuckDB reads it with ``read_json``
into a table of the columns it needs. The peers apply what this synthetic
data uses of the tariff rules, and nothing more: the latest version of each
``TariffChanged`` (its latest correction by recorded time, then id; none if
retracted), the latest change of each layer (imposer, target, measure,
scope) effective on or before the day in fold order (effective, recorded,
event id), a rate of 0 without a suspension removing the layer, a
suspension's rate before its end date, and the sum over all-goods layers.
Blocs, every-partner layers, exemptions, precedence, quotas, all-in rates
and statutory ends are not modelled (the synthetic logs have none), which
flatters the peers; their answers are checked equal to ours before they are
timed. pandas and DuckDB compute in binary floating point and fixed-point
decimals (``DECIMAL(18,6)``) respectively; totals are compared to 6 places.

pandas, DuckDB and orjson come with the ``bench`` extra.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import negotiation
from events import Record

__all__ = [
    "Totals",
    "duckdb_load",
    "duckdb_series",
    "duckdb_totals",
    "our_series",
    "our_totals",
    "pandas_load",
    "pandas_series",
    "pandas_totals",
    "series_pair",
]

Totals = dict[tuple[str, str], Decimal]
"""Every pair's all-goods total on one date, percent."""


def our_totals(state: negotiation.NegotiationState) -> Totals:
    """Every pair with a layer in force in ``state``, and its all-goods total, from one pass over the layers.

    ``NegotiationState.breakdowns()``: the public way to ask every pair at
    once (each pair's ``additional`` is its ``tariff_rate``).
    """
    return {pair: found.additional for pair, found in state.breakdowns().items()}


def our_series(log: Sequence[Record], start: date, end: date, pair: tuple[str, str],
               clock: Any) -> tuple[list[Decimal], float]:
    """One pair's all-goods total on each day from ``start`` to ``end``, from one forward timeline.

    Args:
        clock: ``time.perf_counter``-like; the time spent asking each day's
            state for the pair's total is added up with it.

    Returns:
        The daily totals and the seconds spent in the per-day question (the
        rest of the time is the timeline's own).
    """
    totals: list[Decimal] = []
    asking = 0.0
    for _, state in negotiation.timeline(log, start, end):
        started = clock()
        totals.append(state.tariff_rate(*pair))
        asking += clock() - started
    return totals, asking


def series_pair(log: Iterable[Record]) -> tuple[str, str]:
    """The pair with the most all-goods tariff changes (ties: the first in sorted order): the series' subject."""
    counts: dict[tuple[str, str], int] = {}
    for item in log:
        scope = getattr(item, "scope", None)
        if type(item).__name__ == "TariffChanged" and scope is not None and scope.all_goods:
            pair = (item.imposer, item.target)  # type: ignore[attr-defined]
            counts[pair] = counts.get(pair, 0) + 1
    if not counts:
        raise ValueError("the log has no all-goods tariff change")
    return min(counts, key=lambda pair: (-counts[pair], pair))


# DuckDB ---------------------------------------------------------------------------------------------------------

_DUCKDB_COLUMNS = (
    "{type: 'VARCHAR', event_id: 'VARCHAR', effective: 'DATE', recorded: 'TIMESTAMPTZ', imposer: 'VARCHAR', "
    "target: 'VARCHAR', measure: 'VARCHAR', rate: 'DECIMAL(18,6)', scope: 'JSON', "
    "suspension: 'STRUCT(rate DECIMAL(18,6), until DATE)', replacement: 'JSON', retracts: 'VARCHAR'}"
)

_DUCKDB_CHANGES = """
WITH retracted AS (
    SELECT retracts AS event_id FROM lines WHERE type = 'EventRetracted'
), versions AS (
    SELECT event_id, effective, recorded, imposer, target, measure, rate, scope,
           suspension.rate AS suspended_rate, suspension.until AS suspended_until,
           0 AS corrected, NULL::TIMESTAMPTZ AS correction_recorded, NULL::VARCHAR AS correction_id
    FROM lines WHERE type = 'TariffChanged'
    UNION ALL
    SELECT replacement->>'$.event_id', CAST(replacement->>'$.effective' AS DATE),
           CAST(replacement->>'$.recorded' AS TIMESTAMPTZ), replacement->>'$.imposer', replacement->>'$.target',
           replacement->>'$.measure', CAST(replacement->>'$.rate' AS DECIMAL(18,6)), replacement->'$.scope',
           CAST(replacement->>'$.suspension.rate' AS DECIMAL(18,6)),
           CAST(replacement->>'$.suspension.until' AS DATE), 1, recorded, event_id
    FROM lines
    WHERE type = 'EventCorrected' AND replacement->>'$.type' = 'TariffChanged'
      AND event_id NOT IN (SELECT event_id FROM retracted)
), contents AS (
    SELECT * FROM versions WHERE event_id NOT IN (SELECT event_id FROM retracted)
    QUALIFY row_number() OVER (PARTITION BY event_id
                               ORDER BY corrected DESC, correction_recorded DESC, correction_id DESC) = 1
), changes AS (
    SELECT * FROM contents
    QUALIFY row_number() OVER (PARTITION BY imposer, target, measure, scope, effective
                               ORDER BY recorded DESC, event_id DESC) = 1
)
"""

_DUCKDB_APPLIED = ("CASE WHEN c.rate = 0 AND c.suspended_rate IS NULL THEN 0 "
                   "WHEN c.suspended_until IS NOT NULL AND k.day < c.suspended_until THEN c.suspended_rate "
                   "ELSE c.rate END")


def duckdb_load(path: Path) -> Any:
    """An in-memory DuckDB connection with the log's lines in table ``lines`` (the columns the questions need)."""
    import duckdb

    connection = duckdb.connect(":memory:")
    literal = "'" + str(path).replace("'", "''") + "'"
    connection.execute(f"CREATE TABLE lines AS SELECT * FROM read_json({literal}, "
                       f"format = 'newline_delimited', columns = {_DUCKDB_COLUMNS})")
    return connection


def duckdb_totals(connection: Any, day: date) -> Totals:
    """Every pair with a layer in force on ``day`` and its all-goods total: an ``ASOF JOIN`` of the layers on the day."""
    rows = connection.execute(_DUCKDB_CHANGES + f"""
        , keys AS (SELECT DISTINCT imposer, target, measure, scope, CAST(? AS DATE) AS day FROM changes)
        SELECT k.imposer, k.target,
               SUM(CASE WHEN k.scope = '"all"' THEN {_DUCKDB_APPLIED} ELSE 0 END)
        FROM keys k ASOF JOIN changes c
          ON k.imposer = c.imposer AND k.target = c.target AND k.measure = c.measure AND k.scope = c.scope
         AND k.day >= c.effective
        WHERE NOT (c.rate = 0 AND c.suspended_rate IS NULL)
        GROUP BY k.imposer, k.target
    """, [day]).fetchall()
    return {(imposer, target): Decimal(total) for imposer, target, total in rows}


def duckdb_series(connection: Any, pair: tuple[str, str], start: date, end: date) -> list[Decimal]:
    """The pair's all-goods total on each day: an ``ASOF JOIN`` of (layer, day) with the layers' changes."""
    rows = connection.execute(_DUCKDB_CHANGES + f"""
        , days AS (SELECT CAST(d AS DATE) AS day
                   FROM generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 DAY) AS t(d))
        , keys AS (SELECT DISTINCT imposer, target, measure, scope FROM changes
                   WHERE imposer = ? AND target = ? AND scope = '"all"')
        , grid AS (SELECT * FROM keys CROSS JOIN days)
        , current AS (
            SELECT k.day, {_DUCKDB_APPLIED} AS applied
            FROM grid k ASOF JOIN changes c
              ON k.imposer = c.imposer AND k.target = c.target AND k.measure = c.measure AND k.scope = c.scope
             AND k.day >= c.effective)
        SELECT d.day, COALESCE(SUM(current.applied), 0)
        FROM days d LEFT JOIN current ON d.day = current.day
        GROUP BY d.day ORDER BY d.day
    """, [start, end, *pair]).fetchall()
    return [Decimal(total) for _, total in rows]


# pandas ---------------------------------------------------------------------------------------------------------

_PANDAS_COLUMNS = ("type", "event_id", "effective", "recorded", "imposer", "target", "measure", "rate", "scope",
                   "suspension", "replacement", "retracts")
_TARIFF_FIELDS = ["event_id", "effective", "recorded", "imposer", "target", "measure", "rate", "scope", "suspension"]
_LAYER = ["imposer", "target", "measure", "scope_key"]


def pandas_load(path: Path) -> Any:
    """The log's lines as a data frame of the columns the questions need: ``orjson.loads`` of each line."""
    import orjson
    import pandas as pd

    loads = orjson.loads
    with open(path, "rb") as file:
        return pd.DataFrame([loads(line) for line in file], columns=list(_PANDAS_COLUMNS))


def _pandas_changes(frame: Any) -> Any:
    """Each layer's changes, one per (layer, effective date): the last in fold order, at each fact's latest version."""
    import pandas as pd

    retracted = set(frame.loc[frame["type"] == "EventRetracted", "retracts"])
    originals = frame.loc[frame["type"] == "TariffChanged", _TARIFF_FIELDS].assign(
        corrected=0, correction_recorded="", correction_id="")
    corrections = frame.loc[(frame["type"] == "EventCorrected") & ~frame["event_id"].isin(retracted)]
    replacements = pd.DataFrame(corrections["replacement"].tolist(), index=corrections.index)
    if len(replacements):
        replacements = replacements.loc[replacements["type"] == "TariffChanged"]
    replacements = replacements.reindex(columns=_TARIFF_FIELDS).assign(
        corrected=1, correction_recorded=corrections["recorded"], correction_id=corrections["event_id"])
    versions = pd.concat([originals, replacements.dropna(subset=["event_id"])], ignore_index=True)
    versions = versions.loc[~versions["event_id"].isin(retracted)]
    contents = versions.assign(correction_recorded=pd.to_datetime(versions["correction_recorded"].replace("", None),
                                                                   utc=True, format="ISO8601"))
    contents = contents.sort_values(["corrected", "correction_recorded", "correction_id"], na_position="first")
    contents = contents.drop_duplicates("event_id", keep="last")
    suspensions = contents["suspension"].tolist()
    contents = contents.assign(
        effective=pd.to_datetime(contents["effective"], format="ISO8601"),
        recorded=pd.to_datetime(contents["recorded"], utc=True, format="ISO8601"),
        rate=pd.to_numeric(contents["rate"]),
        scope_key=[scope if isinstance(scope, str) else ",".join(scope) for scope in contents["scope"]],
        suspended_rate=pd.to_numeric(pd.Series([s and s["rate"] for s in suspensions], index=contents.index)),
        suspended_until=pd.to_datetime(pd.Series([s and s["until"] for s in suspensions], index=contents.index),
                                       format="ISO8601"),
    )
    contents = contents.sort_values(["effective", "recorded", "event_id"])
    return contents.drop_duplicates([*_LAYER, "effective"], keep="last")


def _pandas_applied(current: Any) -> Any:
    """Each row's applied rate on its day: 0 for a removal, the suspended rate before the suspension's end."""
    import numpy as np

    removed = (current["rate"] == 0) & current["suspended_rate"].isna()
    suspended = current["suspended_until"].notna() & (current["day"] < current["suspended_until"])
    return np.where(removed, 0.0, np.where(suspended, current["suspended_rate"], current["rate"]))


def _as_decimal(value: float) -> Decimal:
    return Decimal(repr(round(float(value), 6)))


def pandas_totals(frame: Any, day: date) -> Totals:
    """Every pair with a layer in force on ``day`` and its all-goods total: ``merge_asof`` of the layers on the day."""
    import pandas as pd

    changes = _pandas_changes(frame)
    keys = changes[_LAYER].drop_duplicates().assign(day=pd.Timestamp(day))
    keys = keys.astype({"day": changes["effective"].dtype})
    current = pd.merge_asof(keys, changes, left_on="day", right_on="effective", by=_LAYER, direction="backward")
    current = current.loc[current["effective"].notna()]
    current = current.loc[~((current["rate"] == 0) & current["suspended_rate"].isna())]
    current = current.assign(applied=_pandas_applied(current) * (current["scope_key"] == "all"))
    totals = current.groupby(["imposer", "target"])["applied"].sum()
    return {(imposer, target): _as_decimal(total) for (imposer, target), total in totals.items()}


def pandas_series(frame: Any, pair: tuple[str, str], start: date, end: date) -> list[Decimal]:
    """The pair's all-goods total on each day: ``merge_asof`` of (layer, day) with the layers' changes."""
    import pandas as pd

    changes = _pandas_changes(frame)
    mine = changes.loc[(changes["imposer"] == pair[0]) & (changes["target"] == pair[1])
                       & (changes["scope_key"] == "all")]
    days = pd.DataFrame({"day": pd.date_range(start, end, freq="D")}).astype({"day": changes["effective"].dtype})
    grid = mine[_LAYER].drop_duplicates().merge(days, how="cross").sort_values("day")
    current = pd.merge_asof(grid, mine, left_on="day", right_on="effective", by=_LAYER, direction="backward")
    current = current.loc[current["effective"].notna()]
    current = current.assign(applied=_pandas_applied(current))
    daily = current.groupby("day")["applied"].sum().reindex(days["day"], fill_value=0.0)
    return [_as_decimal(total) for total in daily]
