"""Plain rows: tariff series, accord windows, talks, licences and trade data from the seed logs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

import negotiation


def test_tariff_series_2025_spike_drop_and_step(us_china):
    """USA on CHN over 2025: 30 before the spike, 104, 145, 30 from the Geneva cut, 20 from 2025-11-10."""
    rows = negotiation.tariff_series(us_china, date(2025, 1, 1), date(2025, 12, 31), imposer="USA", target="CHN")
    totals = {row["date"]: row["total"] for row in rows}
    assert 365 == len(rows)
    assert [Decimal(x) for x in ("0", "10", "20", "30", "104", "145", "145", "30", "30", "20", "20")] == [
        totals[date(2025, m, d)] for m, d in (
            (2, 3), (2, 4), (3, 4), (4, 5), (4, 9), (4, 10), (5, 13), (5, 14), (11, 9), (11, 10), (12, 31)
        )
    ]


def test_tariff_row_layers_add_up_to_total(us_china):
    """On 2025-04-10 the layers are IEEPA-fentanyl 20 and IEEPA-reciprocal 125; every day they sum to the total."""
    rows = negotiation.tariff_series(us_china, date(2025, 1, 1), date(2025, 12, 31), imposer="USA", target="CHN")
    spike = next(row for row in rows if row["date"] == date(2025, 4, 10))
    assert {"IEEPA-fentanyl": Decimal(20), "IEEPA-reciprocal": Decimal(125)} == spike["layers"]
    assert [] == [row["date"] for row in rows if sum(row["layers"].values(), Decimal(0)) != row["total"]]


def test_tariff_series_for_a_product(us_china):
    """China on US soybeans (1201): 135 from 2025-04-12 (125 all goods + 10 on the March list)."""
    (row,) = negotiation.tariff_series(
        us_china, date(2025, 4, 12), date(2025, 4, 12), imposer="CHN", target="USA", product="120190"
    )
    assert ("120190", Decimal(135)) == (row["product"], row["total"])
    assert {"CN-counter-reciprocal": Decimal(125)} == {k: v for k, v in row["layers"].items() if "[" not in k}


def test_tariff_series_known_at(us_china):
    """As known at noon UTC on 2025-05-13, the cut of 2025-05-14 was already public: 30 on 2025-05-14."""
    noon = datetime(2025, 5, 13, 12, tzinfo=UTC)
    rows = negotiation.tariff_series(
        us_china, date(2025, 5, 13), date(2025, 5, 14), imposer="USA", target="CHN", known_at=noon
    )
    assert [Decimal(145), Decimal(30)] == [row["total"] for row in rows]


def test_tariff_series_rejects_bad_codes(us_china):
    """A malformed party code is a QueryError, not an empty series."""
    with pytest.raises(negotiation.QueryError):
        negotiation.tariff_series(us_china, date(2025, 4, 1), date(2025, 4, 2), imposer="US", target="CHN")


def test_tariff_table_one_column_per_layer(us_china):
    """Flat rows: a column per layer seen in the range, 0 on days the layer was not in force."""
    rows = negotiation.tariff_series(us_china, date(2025, 3, 3), date(2025, 4, 10), imposer="USA", target="CHN")
    table = negotiation.tariff_table(rows)
    first, last = table[0], table[-1]
    assert ["date", "imposer", "target", "product", "total", "base", "duty", "projected", "IEEPA-fentanyl",
            "IEEPA-reciprocal"] == list(first)
    assert (date(2025, 3, 3), Decimal(10), Decimal(10), Decimal(0)) == (
        first["date"], first["total"], first["IEEPA-fentanyl"], first["IEEPA-reciprocal"]
    )
    assert (Decimal(145), Decimal(20), Decimal(125)) == (last["total"], last["IEEPA-fentanyl"], last["IEEPA-reciprocal"])


def test_accord_series_countdown_and_extension(us_china):
    """Geneva: pending on 2025-05-13, 90 days on 2025-05-14, 1 on 2025-08-11, extended to 2025-11-10 on 2025-08-12."""
    rows = negotiation.accord_series(us_china, date(2025, 5, 11), date(2025, 8, 12), accord_id="geneva-2025")
    by_day = {row["date"]: row for row in rows}
    assert date(2025, 5, 12) == rows[0]["date"]  # reached that day, no row before
    assert ("pending", date(2025, 5, 14), 92) == (
        by_day[date(2025, 5, 12)]["status"], by_day[date(2025, 5, 12)]["window_start"],
        by_day[date(2025, 5, 12)]["days_remaining"],
    )
    assert ("active", 90) == (by_day[date(2025, 5, 14)]["status"], by_day[date(2025, 5, 14)]["days_remaining"])
    assert (date(2025, 8, 12), 1) == (by_day[date(2025, 8, 11)]["deadline"], by_day[date(2025, 8, 11)]["days_remaining"])
    assert (date(2025, 11, 10), 90) == (by_day[date(2025, 8, 12)]["deadline"], by_day[date(2025, 8, 12)]["days_remaining"])


def test_accord_series_every_accord_by_id(us_china):
    """On 2025-11-01 both the Geneva accord and the Kuala Lumpur arrangement have a row, in id order."""
    rows = negotiation.accord_series(us_china, date(2025, 11, 1), date(2025, 11, 1))
    assert ["geneva-2025", "kuala-lumpur-2025"] == [row["accord_id"] for row in rows]
    assert date(2025, 11, 1) == rows[1]["reached"]


def test_accord_rows_london_morning(us_china):
    """On 2025-06-09 the Geneva accord is active with 64 days remaining."""
    state = negotiation.replay(us_china, as_of=date(2025, 6, 9))
    (row,) = negotiation.accord_rows(state)
    assert ("geneva-2025", "active", date(2025, 8, 12), 64) == (
        row["accord_id"], row["status"], row["deadline"], row["days_remaining"]
    )


def test_talks_rows(us_china):
    """Five rounds in 2025 by first day; London 2025-06-09 to 06-10, held, with both delegations."""
    state = negotiation.replay(us_china, as_of=date(2025, 12, 31))
    rows = negotiation.talks_rows(state)
    assert ["Geneva", "London", "Stockholm", "Madrid", "Kuala"] == [row["venue"].split()[0] for row in rows]
    london = rows[1]
    assert (date(2025, 6, 9), date(2025, 6, 10), "held") == (london["starts"], london["ends"], london["status"])
    assert ("Scott Bessent", "Howard Lutnick", "Jamieson Greer") == london["delegations"]["USA"]
    assert ("He Lifeng",) == london["delegations"]["CHN"]


def test_talks_rows_scheduled_before_held(london):
    """On the morning of 2025-06-09 the London talks are scheduled, open-ended."""
    state = negotiation.replay(london, as_of=date(2025, 6, 9), known_at=datetime(2025, 6, 9, 7, tzinfo=UTC))
    (row,) = [row for row in negotiation.talks_rows(state) if row["talks_id"] == "london-2025-06"]
    assert ("scheduled", None) == (row["status"], row["ends"])


def test_licence_rows(us_china):
    """China's rare-earth licence approvals of 2025-06-07, number not disclosed; none known the day before."""
    rows = negotiation.licence_rows(negotiation.replay(us_china, as_of=date(2025, 6, 7)))
    assert [("CHN", date(2025, 6, 7), None)] == [(row["issuer"], row["effective"], row["count"]) for row in rows]
    assert "rare earths" in " ".join(rows[0]["items"])
    assert [] == negotiation.licence_rows(negotiation.replay(us_china, as_of=date(2025, 6, 6)))


def test_trade_data_rows(us_china):
    """China's May figures, released 2025-06-09: exports +4.8 %, imports -3.4 % year on year."""
    state = negotiation.replay(us_china, as_of=date(2025, 12, 31))
    assert [("CHN", "2025-05", date(2025, 5, 1), date(2025, 5, 31), date(2025, 6, 9), Decimal("4.8"), Decimal("-3.4"))] == [
        (r["reporter"], r["period"], r["period_start"], r["period_end"], r["effective"], r["exports_yoy"], r["imports_yoy"])
        for r in negotiation.trade_data_rows(state)
    ]
    before = negotiation.replay(us_china, as_of=date(2025, 6, 9) - timedelta(days=1))
    assert [] == negotiation.trade_data_rows(before)


def test_a_measure_named_like_a_row_column_never_replaces_it(capsys, tmp_path):
    """Measures named total, date and projected get their own '(layer)' columns: the total stays the sum (36) and the
    date the day, in the rows, tariff_table, Arrow, the frame and the timeline CSV."""
    import events
    from negotiation._cli import main

    def layer(event_id, measure, rate):
        return events.TariffChanged(event_id=event_id, effective=date(2025, 5, 1), recorded=datetime(2025, 5, 1, tzinfo=UTC),
                                    imposer="USA", target="CHN", measure=measure, rate=Decimal(rate))

    log = [layer("a", "total", 10), layer("b", "x", 20), layer("c", "date", 5), layer("d", "projected", 1)]
    rows = negotiation.tariff_series(log, "2025-05-01", "2025-05-01", imposer="USA", target="CHN")
    (row,) = negotiation.tariff_table(rows)
    assert (Decimal(36), date(2025, 5, 1), False) == (row["total"], row["date"], row["projected"])
    assert {"total (layer)": Decimal(10), "date (layer)": Decimal(5), "projected (layer)": Decimal(1),
            "x": Decimal(20)} == rows[0]["layers"]
    assert (Decimal(36), Decimal(10)) == (row["total"], row["total (layer)"])
    assert Decimal(36) == negotiation.tariff_table(rows).to_arrow().column("total")[0].as_py()
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, log)
    assert 0 == main(["timeline", str(path), "--from", "2025-05-01", "--to", "2025-05-01", "--imposer", "USA",
                      "--target", "CHN", "--format", "csv"])
    assert ["date,total,base,duty,projected,date (layer),projected (layer),total (layer),x",
            "2025-05-01,36,,,False,5,1,10,20"] == capsys.readouterr().out.splitlines()
