"""The vocabulary of negotiation events: immutable types, values and codec.

Import what you need from here; the ``_private`` modules may change::

    import events
    log = events.read_jsonl("seeds/us-china-2025.jsonl")

This package imports nothing of ``negotiation``: a tool that only writes logs
needs only ``events``.
"""

from ._codec import (
    JsonlCheck,
    check_jsonl,
    converter,
    dumps_jsonl,
    from_dict,
    loads_jsonl,
    read_jsonl,
    to_dict,
    write_jsonl,
)
from ._errors import DecodeError, EventsError, EventValidationError
from ._iso import parse_date, parse_instant
from ._validators import EARLIEST, LATEST, is_hs_code, is_party_code
from ._values import (
    ALL_GOODS,
    Combination,
    Commitment,
    ControlAction,
    Delegate,
    Scope,
    Source,
    Suspension,
)
from ._revisions import EVENT_TYPES, AnyEvent, EventCorrected, EventRetracted
from ._vocabulary import (
    FACT_TYPES,
    AccordExtended,
    AccordReached,
    ContactMode,
    DelegationNamed,
    Event,
    ExportControlChanged,
    Fact,
    LayerKey,
    LeadersSpoke,
    LicensesApproved,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
    TradeDataReleased,
)

__all__ = [
    "ALL_GOODS",
    "AccordExtended",
    "AccordReached",
    "AnyEvent",
    "Combination",
    "Commitment",
    "ContactMode",
    "ControlAction",
    "DecodeError",
    "Delegate",
    "DelegationNamed",
    "EARLIEST",
    "EVENT_TYPES",
    "Event",
    "EventCorrected",
    "EventRetracted",
    "EventValidationError",
    "EventsError",
    "ExportControlChanged",
    "FACT_TYPES",
    "Fact",
    "JsonlCheck",
    "LATEST",
    "LayerKey",
    "LeadersSpoke",
    "LicensesApproved",
    "Scope",
    "Source",
    "StatementIssued",
    "Suspension",
    "TalksHeld",
    "TalksScheduled",
    "TariffChanged",
    "TradeDataReleased",
    "check_jsonl",
    "converter",
    "dumps_jsonl",
    "from_dict",
    "is_hs_code",
    "is_party_code",
    "loads_jsonl",
    "parse_date",
    "parse_instant",
    "read_jsonl",
    "to_dict",
    "write_jsonl",
]
