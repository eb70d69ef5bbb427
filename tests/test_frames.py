"""pandas frames: the plain rows with proper dtypes, and ``import negotiation`` without pandas."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

import negotiation
from negotiation import frames


def test_import_negotiation_imports_neither_pandas_nor_matplotlib():
    """A plain ``import negotiation`` (and its CLI module) leaves pandas and matplotlib unloaded."""
    code = "import sys, negotiation, negotiation._cli; print(sorted({'pandas', 'matplotlib'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == done.stdout.strip()


def test_frames_without_pandas_names_the_extra():
    """Without pandas, importing ``negotiation.frames`` raises an ImportError that names the extra."""
    code = "import sys; sys.modules['pandas'] = None\ntry:\n import negotiation.frames\nexcept ImportError as e:\n print(e)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'negotiation-state[pandas]'" in done.stdout


def test_tariff_frame_dtypes_and_values(us_china):
    """Dates datetime64, parties categorical, exact Decimal rates: 145 on 2025-04-10, 30 on 2025-05-14."""
    df = frames.tariff_frame(us_china, date(2025, 1, 1), date(2025, 12, 31), imposer="USA", target="CHN")
    assert {"date": "datetime64[ns]", "imposer": "category", "target": "category", "product": "string",
            "total": "object", "base": "object", "duty": "object", "projected": "bool", "IEEPA-fentanyl": "object", "IEEPA-reciprocal": "object"} == {
        name: str(dtype) for name, dtype in df.dtypes.items()
    }
    totals = df.set_index("date")["total"]
    assert (Decimal(145), Decimal(30), Decimal(20)) == (
        totals[pd.Timestamp("2025-04-10")], totals[pd.Timestamp("2025-05-14")], totals[pd.Timestamp("2025-11-10")]
    )
    assert (365, ["USA"], ["CHN"]) == (len(df), list(df["imposer"].cat.categories), list(df["target"].cat.categories))
    assert (df["IEEPA-fentanyl"] + df["IEEPA-reciprocal"] == df["total"]).all()


def test_tariff_frame_floats_when_asked(us_china):
    """``rates="float"`` gives float64 rate columns: China on US soybeans 135.0 on 2025-04-12."""
    df = frames.tariff_frame(
        us_china, date(2025, 4, 11), date(2025, 4, 12), imposer="CHN", target="USA", product="120190", rates="float"
    )
    assert {"float64"} == {str(df[name].dtype) for name in df.columns
                           if name not in ("date", "imposer", "target", "product", "projected")}
    assert ([94.0, 135.0], ["120190", "120190"]) == (df["total"].tolist(), df["product"].tolist())


def test_rates_must_be_decimal_or_float(us_china):
    """Any other ``rates`` is a QueryError naming the argument."""
    with pytest.raises(negotiation.QueryError, match="rates"):
        frames.tariff_frame(us_china, date(2025, 4, 1), date(2025, 4, 1), imposer="USA", target="CHN", rates="int")


def test_accord_frame_countdown(us_china):
    """Geneva: 90 days remaining on 2025-05-14, 1 on 2025-08-11, extended to 2025-11-10 on 2025-08-12."""
    df = frames.accord_frame(us_china, date(2025, 5, 1), date(2025, 8, 12), accord_id="geneva-2025")
    assert ["pending", "active", "lapsed"] == list(df["status"].cat.categories)
    assert ("Int64", "datetime64[ns]") == (str(df["days_remaining"].dtype), str(df["deadline"].dtype))
    days = df.set_index("date")
    assert [90, 1, 90] == [int(days.loc[pd.Timestamp(d), "days_remaining"]) for d in ("2025-05-14", "2025-08-11", "2025-08-12")]
    assert pd.Timestamp("2025-11-10") == days.loc[pd.Timestamp("2025-08-12"), "deadline"]


def test_talks_licence_and_trade_frames(us_china):
    """At the end of 2025: five rounds of talks, one licence approval (count not disclosed), China's May data."""
    state = negotiation.replay(us_china, as_of=date(2025, 12, 31))
    talks = frames.talks_frame(state)
    assert (5, "category", pd.Timestamp("2025-06-10")) == (len(talks), str(talks["status"].dtype), talks.loc[1, "ends"])
    licences = frames.licence_frame(state)
    assert ("CHN", pd.Timestamp("2025-06-07 09:00", tz="UTC")) == (licences.loc[0, "issuer"], licences.loc[0, "recorded"])
    assert licences.loc[0, "count"] is pd.NA
    trade = frames.trade_data_frame(state, rates="float")
    assert [("CHN", "2025-05", pd.Timestamp("2025-05-31"), 4.8, -3.4)] == list(
        trade[["reporter", "period", "period_end", "exports_yoy", "imports_yoy"]].itertuples(index=False, name=None)
    )


def test_empty_frames_keep_columns_and_dtypes(us_china):
    """Before any event: no rows, the same columns and dtypes as with rows."""
    empty = negotiation.replay(us_china, as_of=date(2025, 1, 1))
    full = negotiation.replay(us_china, as_of=date(2025, 12, 31))
    for make in (frames.talks_frame, frames.licence_frame, frames.trade_data_frame):
        got, expected = make(empty), make(full)
        assert (0, [str(t) for t in expected.dtypes]) == (len(got), [str(t) for t in got.dtypes])
