"""Arrow: the row functions' results read by pyarrow, DuckDB and Polars with one fixed schema per row type."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import negotiation

ROOT = Path(__file__).resolve().parent.parent
DAY0, DAY1 = date(2025, 4, 8), date(2025, 4, 10)
EMPTY_DAY = date(2025, 1, 1)  # before any accord, talks, licence or trade data in the seed log
END = date(2025, 12, 31)

CODE = pa.dictionary(pa.int32(), pa.string())
RATE = pa.decimal128(18, 6)


def _field(name, kind, nullable=False):
    return pa.field(name, kind, nullable=nullable)


def _list(kind):
    return pa.list_(pa.field("item", kind, nullable=False))


def _map(key, value):
    return pa.map_(pa.field("key", key, nullable=False), pa.field("value", value, nullable=False))


TARIFF_COLUMNS = [
    _field("date", pa.date32()), _field("imposer", CODE), _field("target", CODE),
    _field("product", pa.string(), True), _field("total", RATE), _field("base", RATE, True),
    _field("duty", RATE, True), _field("projected", pa.bool_()),
]
TARIFF = pa.schema([*TARIFF_COLUMNS, _field("layers", _map(CODE, RATE))])
ACCORD = pa.schema([
    _field("date", pa.date32()), _field("accord_id", CODE), _field("title", pa.string()), _field("reached", pa.date32()),
    _field("window_start", pa.date32()), _field("deadline", pa.date32(), True), _field("status", CODE),
    _field("days_remaining", pa.int64(), True),
])
TALKS = pa.schema([
    _field("talks_id", pa.string()), _field("venue", pa.string()), _field("parties", _list(CODE)),
    _field("starts", pa.date32()), _field("ends", pa.date32(), True), _field("status", CODE),
    _field("outcome", pa.string()), _field("delegations", _map(CODE, _list(pa.string()))),
])
INSTANT = pa.timestamp("us", tz="UTC")
LICENCE = pa.schema([
    _field("event_id", pa.string()), _field("effective", pa.date32()), _field("recorded", INSTANT),
    _field("issuer", CODE), _field("items", _list(pa.string())), _field("count", pa.int64(), True),
])
TRADE_DATA = pa.schema([
    _field("event_id", pa.string()), _field("effective", pa.date32()), _field("recorded", INSTANT),
    _field("reporter", CODE), _field("period", pa.string()), _field("period_start", pa.date32()),
    _field("period_end", pa.date32()), _field("exports_yoy", RATE), _field("imports_yoy", RATE),
])
LAYER_COLUMNS = [_field("IEEPA-fentanyl", RATE), _field("IEEPA-reciprocal", RATE)]


def _series(log, start=DAY0, end=DAY1):
    return negotiation.tariff_series(log, start, end, imposer="USA", target="CHN")


def _row_sets(log):
    """(name, schema, rows on the seed log, empty rows) for each row function."""
    full, empty = negotiation.replay(log, as_of=END), negotiation.replay(log, as_of=EMPTY_DAY)
    return [
        ("tariff_series", TARIFF, _series(log), _series(log)[:0]),
        ("tariff_series, empty log", TARIFF, _series(log), _series([])),
        ("tariff_table", pa.schema([*TARIFF_COLUMNS, *LAYER_COLUMNS]), negotiation.tariff_table(_series(log)), None),
        ("tariff_table, no layer", pa.schema(TARIFF_COLUMNS), negotiation.tariff_table(_series([])),
         negotiation.tariff_table([])),
        ("accord_series", ACCORD, negotiation.accord_series(log, DAY0, END),
         negotiation.accord_series(log, EMPTY_DAY, DAY0)),
        ("accord_rows", ACCORD, negotiation.accord_rows(full), negotiation.accord_rows(empty)),
        ("talks_rows", TALKS, negotiation.talks_rows(full), negotiation.talks_rows(empty)),
        ("licence_rows", LICENCE, negotiation.licence_rows(full), negotiation.licence_rows(empty)),
        ("trade_data_rows", TRADE_DATA, negotiation.trade_data_rows(full), negotiation.trade_data_rows(empty)),
    ]


@pytest.fixture(scope="module")
def row_sets(us_china):
    return _row_sets(us_china)


def test_every_row_function_has_its_fixed_schema_with_data_and_without(row_sets):
    """pyarrow reads each result with the schema written out above, whether the seed log fills it or nothing does."""
    wrong = []
    for name, schema, full, empty in row_sets:
        assert len(full) > 0, name
        for rows in (full, empty) if empty is not None else (full,):
            if empty is rows:
                assert 0 == len(rows) or "empty log" in name, name
            for got in (pa.table(rows).schema, rows.to_arrow().schema, rows.arrow_schema()):
                if not got.equals(schema):
                    wrong.append((name, len(rows), got))
    assert [] == wrong


def _plain(value):
    """A Python row value as pyarrow's ``to_pylist`` gives it back: tuples as lists, dicts as (key, value) pairs."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return [(key, _plain(item)) for key, item in value.items()]
    return value


def test_values_round_trip_equal_to_the_python_rows(row_sets):
    """Every value read back from Arrow equals the Python row's: dates, instants, exact rates, codes, nulls."""
    for name, _, full, _ in row_sets:
        expected = [{key: _plain(value) for key, value in row.items()} for row in full]
        assert expected == full.to_arrow().to_pylist(), name


def test_rates_are_exact_at_six_decimal_places(us_china):
    """China's May exports +4.8 % read back as Decimal('4.800000'), equal to Decimal('4.8'), not a float."""
    (release,) = negotiation.trade_data_rows(negotiation.replay(us_china, as_of=END)).to_arrow().to_pylist()
    assert (Decimal("4.800000"), "4.800000", Decimal("-3.4")) == (
        release["exports_yoy"], str(release["exports_yoy"]), release["imports_yoy"]
    )


def test_duckdb_reads_dates_and_decimals(us_china):
    """DuckDB's replacement scan reads the series: DATE, DECIMAL(18,6), and 145 on 2025-04-10, empty or not."""
    rows = _series(us_china)
    relation = duckdb.sql("select date, imposer, total, layers['IEEPA-reciprocal'] as reciprocal from rows")
    assert ["DATE", "VARCHAR", "DECIMAL(18,6)", "DECIMAL(18,6)"] == [str(t) for t in relation.types]
    assert (date(2025, 4, 10), "USA", Decimal(145), Decimal(125)) == relation.fetchall()[-1]
    empty = rows[:0]  # noqa: F841 - DuckDB reads local variables by name
    types = [str(t) for t in duckdb.sql("select * from empty").types]
    assert (["DATE", "VARCHAR", "VARCHAR", "VARCHAR", "DECIMAL(18,6)", "DECIMAL(18,6)", "DECIMAL(18,6)", "BOOLEAN"],
            0) == (types[:8], len(duckdb.sql("select * from empty").fetchall()))
    trade = negotiation.trade_data_rows(negotiation.replay(us_china, as_of=END))  # noqa: F841 - read by name
    assert [("CHN", Decimal("4.8"))] == duckdb.sql("select reporter, exports_yoy from trade").fetchall()


def test_polars_reads_dates_decimals_and_categories(us_china):
    """``polars.DataFrame(rows)`` and ``polars.from_arrow(rows)`` read Arrow, not Python values: Date, Decimal(18, 6), Categorical."""
    rows = _series(us_china)
    expected = {"date": pl.Date, "imposer": pl.Categorical, "target": pl.Categorical, "product": pl.String,
                "total": pl.Decimal(18, 6), "base": pl.Decimal(18, 6), "duty": pl.Decimal(18, 6),
                "projected": pl.Boolean}
    for got in (pl.DataFrame(rows), pl.DataFrame(rows[:0]), pl.from_arrow(rows).struct.unnest()):
        assert expected == {name: got.schema[name] for name in expected}
    frame = pl.DataFrame(rows)
    assert [Decimal(30), Decimal(104), Decimal(145)] == frame["total"].to_list()
    accords = pl.DataFrame(negotiation.accord_series(us_china, EMPTY_DAY, DAY0))
    assert (0, pl.Date, pl.Int64) == (len(accords), accords.schema["deadline"], accords.schema["days_remaining"])


def test_requested_schema_is_honoured(us_china):
    """A consumer may ask for another schema the data casts to: party codes as plain strings."""
    rows = _series(us_china)
    asked = pa.schema([field.with_type(pa.string()) if field.name in ("imposer", "target") else field
                       for field in TARIFF])
    reader = pa.RecordBatchReader.from_stream(rows, schema=asked)
    assert (asked, ["USA"] * 3) == (reader.schema, reader.read_all()["imposer"].to_pylist())


@pytest.mark.parametrize(("column", "value"), [
    ("total", Decimal("0.1234567")),  # a seventh decimal place
    ("total", Decimal("1000000000000")),  # thirteen integer digits
    ("base", Decimal("NaN")),
])
def test_a_rate_that_does_not_fit_is_refused_not_rounded(us_china, column, value):
    """A rate Arrow's decimal128(18, 6) cannot hold exactly is a QueryError naming the row and column."""
    row = dict(_series(us_china)[1], **{column: value})
    rows = negotiation.Rows(items=(_series(us_china)[0], row), row_type=negotiation.TariffRow)
    with pytest.raises(negotiation.QueryError, match=rf"rows\[1\]\['{column}'\]=.*without rounding"):
        rows.to_arrow()


def test_a_layer_that_does_not_fit_is_refused(us_china):
    """The check reaches inside the layers map."""
    row = dict(_series(us_china)[0], layers={"IEEPA-fentanyl": Decimal("20.0000001")})
    with pytest.raises(negotiation.QueryError, match=r"rows\[0\]\['layers'\]\['IEEPA-fentanyl'\]"):
        negotiation.Rows(items=(row,), row_type=negotiation.TariffRow).to_arrow()


def test_a_missing_value_in_a_column_that_is_not_nullable_is_refused(us_china):
    """``None`` where the schema says ``not null`` is a QueryError, not a null."""
    row = dict(_series(us_china)[0], total=None)
    with pytest.raises(negotiation.QueryError, match=r"rows\[0\]\['total'\]=None: expected a value"):
        negotiation.Rows(items=(row,), row_type=negotiation.TariffRow).to_arrow()


def test_rows_still_behave_as_the_list_they_replace(us_china):
    """len, indexing, slices, iteration, ``in``, ``index``, equality with lists, the list's repr, pandas; read-only."""
    rows = _series(us_china)
    as_list = list(rows)
    assert (3, as_list[0], as_list[-1], as_list[1:], as_list) == (len(rows), rows[0], rows[-1], rows[1:], rows)
    assert isinstance(rows[1:], negotiation.Rows) and 2 == pa.table(rows[1:]).num_rows
    assert (True, 2, 1, repr(as_list)) == (as_list[1] in rows, rows.index(as_list[2]), rows.count(as_list[0]), repr(rows))
    assert [] == negotiation.licence_rows(negotiation.replay(us_china, as_of=EMPTY_DAY))
    assert rows != as_list[:2] and rows != tuple(as_list)
    assert pd.DataFrame(as_list).equals(pd.DataFrame(rows))
    with pytest.raises(TypeError):
        rows[0] = as_list[1]
    with pytest.raises(AttributeError):
        rows.append(as_list[0])


def test_import_negotiation_loads_no_pyarrow_pandas_or_matplotlib():
    """``import negotiation`` and computing rows load none of them; ``to_arrow`` loads pyarrow (which may load pandas)."""
    code = (
        "import sys, datetime, events, negotiation, negotiation._cli\n"
        "heavy = {'pyarrow', 'pandas', 'matplotlib', 'polars', 'duckdb'}\n"
        "rows = negotiation.tariff_series(events.read_jsonl('seeds/us-china.jsonl'), datetime.date(2025, 4, 10),"
        " datetime.date(2025, 4, 10), imposer='USA', target='CHN')\n"
        "print(sorted(heavy & set(sys.modules)))\n"
        "rows.to_arrow()\n"
        "print(sorted({'pyarrow', 'matplotlib', 'polars', 'duckdb'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "[]\n['pyarrow']\n" == done.stdout


def test_without_pyarrow_the_error_names_the_extra():
    """Without pyarrow the rows still work as rows; ``to_arrow`` is an ImportError naming the 'arrow' extra."""
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "import datetime, negotiation\n"
        "rows = negotiation.tariff_series([], datetime.date(2025, 1, 1), datetime.date(2025, 1, 2),"
        " imposer='USA', target='CHN')\n"
        "print(len(rows))\n"
        "try:\n rows.__arrow_c_stream__()\nexcept ImportError as error:\n print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ("2\nArrow export of negotiation rows needs pyarrow: install the 'arrow' extra, "
            "e.g. pip install 'negotiation-state[arrow]'\n") == done.stdout
