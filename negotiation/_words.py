"""Facts in a few words, for the diff, explanations and the text view; instants as ISO text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from events import (
    AccordExtended,
    AccordReached,
    AnyEvent,
    BaseRateSet,
    BlocMembersSet,
    DelegationNamed,
    EventCorrected,
    EventRetracted,
    ExportControlChanged,
    ExportLicencesApproved,
    InstrumentChanged,
    LeadersSpoke,
    LogReviewed,
    QuotaSet,
    RulingIssued,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
    TradeDataReleased,
    converter,
)

__all__ = ["field_changes", "headline", "instant", "signed"]


def instant(value: datetime) -> str:
    """An instant in UTC as ISO text with ``Z``, e.g. ``"2025-05-12T07:00:00Z"``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def signed(value: Any) -> str:
    """A change in percent with its sign, e.g. ``"+4.8 %"`` or ``"-3.4 %"``."""
    return f"{'+' if value > 0 else ''}{value} %"


def headline(event: AnyEvent) -> str:
    """An event in a few words with its effective date, e.g.
    ``"USA on CHN IEEPA-fentanyl, all goods: 20 (effective 2025-03-04)"``."""
    what: str
    if isinstance(event, TariffChanged):
        what = f"{event.imposer} on {event.target} {event.measure}, {event.scope}: {event.rate}"
    elif isinstance(event, AccordReached):
        what = f"accord {event.accord_id} reached: {event.title}"
    elif isinstance(event, AccordExtended):
        what = f"accord {event.accord_id} extended to deadline {event.deadline}"
    elif isinstance(event, (TalksScheduled, TalksHeld)):
        status = "held" if isinstance(event, TalksHeld) else "scheduled"
        what = f"talks {event.talks_id} {status}, {event.venue}, from {event.starts}"
    elif isinstance(event, DelegationNamed):
        what = f"{event.party} delegation to {event.talks_id}: {', '.join(m.name for m in event.members)}"
    elif isinstance(event, LeadersSpoke):
        what = f"leaders' {event.mode.value}: {', '.join(event.leaders)}"
    elif isinstance(event, StatementIssued):
        what = f"{event.party}, {event.speaker}: {event.summary}"
    elif isinstance(event, TradeDataReleased):
        what = (f"{event.reporter} trade data {event.period}: exports {signed(event.exports_yoy)} y/y, "
                f"imports {signed(event.imports_yoy)} y/y")
    elif isinstance(event, ExportLicencesApproved):
        count = "number not disclosed" if event.count is None else f"{event.count}"
        what = f"{event.issuer} export licences for {', '.join(event.items)}: {count}"
    elif isinstance(event, ExportControlChanged):
        what = f"{event.issuer} export control {event.control_id} {event.action.value}"
    elif isinstance(event, InstrumentChanged):
        what = f"{event.issuer} {event.kind.value} {event.instrument_id} {event.action.value}: {event.title}"
    elif isinstance(event, RulingIssued):
        what = f"ruling {event.ruling_id} ({event.court}) on {event.imposer} {', '.join(event.measures)}"
    elif isinstance(event, BaseRateSet):
        what = f"{event.imposer} base rate, {event.scope}: {event.rate}"
    elif isinstance(event, QuotaSet):
        what = f"quota {event.quota_id} of {event.imposer} on {event.target}, {event.scope}"
    elif isinstance(event, BlocMembersSet):
        what = f"bloc {event.bloc}: {', '.join(event.members)}"
    elif isinstance(event, LogReviewed):
        what = f"sources reviewed through {event.reviewed_through}"
    elif isinstance(event, EventCorrected):
        what = f"correction of {event.corrects}"
    else:
        assert isinstance(event, EventRetracted)
        what = f"retraction of {event.retracts}"
    return f"{what} (effective {event.effective})"


def field_changes(old: AnyEvent, new: AnyEvent) -> tuple[str, str]:
    """The fields whose values differ between two versions of a fact, as ``"rate 20; effective 2025-03-04"``
    (old, new): values as stored (dates ISO, decimals as plain text, nested values as compact JSON), a
    citation as ``publisher, title <url>``; the citation and the note last."""
    before, after = converter.unstructure(old), converter.unstructure(new)
    names = sorted((name for name in after if before.get(name) != after.get(name)),
                   key=lambda name: name in ("source", "note"))
    if not names:
        return "same content", "same content"

    def words(data: dict[str, Any]) -> str:
        return "; ".join(f"{name} {_value(name, data.get(name))}" for name in names)

    return words(before), words(after)


def _value(name: str, value: Any) -> str:
    if name == "source" and isinstance(value, dict):
        return f"{value['publisher']}, {value['title']}" + (f" <{value['url']}>" if value.get("url") else "")
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
