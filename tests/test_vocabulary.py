"""Events and values refuse nonsense at construction, naming the field and the value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

import events
from events import EventValidationError, Scope, Suspension, TariffChanged

UTC = UTC
BASE = {"event_id": "e1", "effective": date(2025, 5, 14), "recorded": datetime(2025, 5, 12, 7, tzinfo=UTC)}


def tariff(**changes):
    fields = {**BASE, "imposer": "USA", "target": "CHN", "measure": "IEEPA-reciprocal", "rate": Decimal(34)}
    return TariffChanged(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rate": Decimal("NaN")}, "rate"),
        ({"rate": Decimal("Infinity")}, "rate"),
        ({"rate": Decimal(-1)}, "rate"),
        ({"rate": 30.0}, "rate"),
        ({"imposer": "US"}, "imposer"),
        ({"imposer": "usa"}, "imposer"),
        ({"target": "USA"}, "target"),
        ({"event_id": ""}, "event_id"),
        ({"event_id": "two words"}, "event_id"),
        ({"recorded": datetime(2025, 5, 12, 7)}, "recorded"),
        ({"effective": datetime(2025, 5, 14, tzinfo=UTC)}, "effective"),
        ({"measure": ""}, "measure"),
        ({"suspension": Suspension(rate=Decimal(40), until=date(2025, 8, 12))}, "suspension.rate"),
        ({"suspension": Suspension(rate=Decimal(10), until=date(2025, 5, 14))}, "suspension.until"),
        ({"scope": ("1201",)}, "scope"),
    ],
)
def test_tariff_changed_rejects(changes, field):
    """Each invalid value is refused with an error naming its field."""
    with pytest.raises(EventValidationError) as info:
        tariff(**changes)
    assert field == info.value.field
    assert field in str(info.value)


def test_int_rate_becomes_decimal():
    """An int rate is accepted and stored as the exact Decimal."""
    assert Decimal(34) == tariff(rate=34).rate and isinstance(tariff(rate=34).rate, Decimal)


def test_recorded_normalised_to_utc():
    """A recorded time in another offset names the same instant, stored in UTC."""
    beijing = datetime(2025, 5, 12, 15, tzinfo=timezone(timedelta(hours=8)))
    event = tariff(recorded=beijing)
    assert (BASE["recorded"], UTC) == (event.recorded, event.recorded.tzinfo)


def test_scope_normalised():
    """Scopes sort and deduplicate their HS prefixes, so equal sets are equal scopes."""
    assert Scope(hs=("1201", "03")) == Scope(hs=["03", "1201", "03"])
    assert ("03", "1201") == Scope(hs=("1201", "03", "03")).hs


@pytest.mark.parametrize("code", ["1", "123", "12a4", "12345678901", ""])
def test_scope_rejects_bad_hs(code):
    """HS prefixes are 2, 4, 6, 8 or 10 digits."""
    with pytest.raises(EventValidationError, match="hs"):
        Scope(hs=(code,))


def test_scope_covers_prefixes():
    """A prefix covers every code that starts with it; all goods cover everything."""
    assert (True, False, True) == (
        Scope(hs=("03",)).covers("030212"), Scope(hs=("0302",)).covers("0303"), Scope().covers("8703"),
    )


def test_accord_window_from_start_day():
    """The Geneva window: 90 days from 2025-05-14 closes on 2025-08-12."""
    accord = events.AccordReached(
        **{**BASE, "effective": date(2025, 5, 12)}, accord_id="a", title="t", parties=("USA", "CHN"),
        window_start=date(2025, 5, 14), window_days=90,
    )
    assert date(2025, 8, 12) == accord.window_closes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deadline": date(2025, 5, 1)}, "deadline"),
        ({"deadline": date(2025, 8, 12), "window_days": 90}, "deadline"),
        ({"window_start": date(2025, 5, 1)}, "window_start"),
        ({"window_days": 0}, "window_days"),
        ({"parties": ("USA", "USA")}, "parties"),
        ({"parties": ()}, "parties"),
    ],
)
def test_accord_rejects(changes, field):
    """A deadline before the accord, both window forms, a bad window or parties are refused."""
    fields = {**BASE, "accord_id": "a", "title": "t", "parties": ("USA", "CHN")}
    with pytest.raises(EventValidationError) as info:
        events.AccordReached(**{**fields, **changes})
    assert field == info.value.field


def test_extension_deadline_after_effective():
    """An extension's deadline must fall after its effective date."""
    with pytest.raises(EventValidationError, match="deadline"):
        events.AccordExtended(**BASE, accord_id="a", deadline=date(2025, 5, 14))


def test_licences_count_non_negative():
    """A licence count is None (unknown) or >= 0; a bool is not a count."""
    for bad in (-1, True, "3"):
        with pytest.raises(EventValidationError, match="count"):
            events.ExportLicencesApproved(**BASE, issuer="CHN", items=("rare earths",), count=bad)


def test_a_count_a_log_cannot_hold_is_refused(tmp_path):
    """A count above 2**63 - 1 (what SQLite stores and the reader reads) is refused at construction; the largest is
    written and read back from both stores."""
    with pytest.raises(EventValidationError, match="count"):
        events.ExportLicencesApproved(**BASE, issuer="CHN", items=("rare earths",), count=2**63)
    largest = events.ExportLicencesApproved(**BASE, issuer="CHN", items=("rare earths",), count=2**63 - 1)
    for name in ("log.jsonl", "log.sqlite"):
        store = events.open_store(tmp_path / name)
        store.append([largest])
        if isinstance(store, events.SqliteStore):
            store.close()
        assert (largest,) == events.read_log(tmp_path / name)


def test_trade_period_format():
    """Periods are YYYY, YYYY-MM or YYYY-Qn."""
    with pytest.raises(EventValidationError, match="period"):
        events.TradeDataReleased(**BASE, reporter="CHN", period="May 2025", exports_yoy=Decimal(1), imports_yoy=Decimal(1))


def test_export_control_until_only_when_suspended():
    """``until`` belongs to a suspension only."""
    with pytest.raises(EventValidationError, match="until"):
        events.ExportControlChanged(
            **BASE, issuer="CHN", control_id="c", action=events.ControlAction.IMPOSED, until=date(2026, 1, 1)
        )


def test_events_are_frozen():
    """Events cannot be changed after construction."""
    event = tariff()
    with pytest.raises(AttributeError):
        event.rate = Decimal(1)  # type: ignore[misc]
