"""The vocabulary of negotiation events: immutable types, values and codec.

Import what you need from here; the ``_private`` modules may change::

    import events
    log = events.read_jsonl("seeds/us-china.jsonl")
    store = events.open_store("my-log.sqlite")    # or my-log.jsonl, or postgresql://host/db#us-china
    store.append(log, expected_version=store.version)

This package imports nothing of ``negotiation``: a tool that only writes logs
needs only ``events``.
"""

from ._cache import (
    AnswerSlot,
    CacheInfo,
    answer_slot,
    cache_folder,
    cache_info,
    check_log_cached,
    clear_cache,
    schema_fingerprint,
)
from ._chain import GENESIS, Verification
from ._codec import (
    MAX_LINE_BYTES,
    LogCheck,
    Record,
    check_jsonl,
    converter,
    dumps_jsonl,
    from_dict,
    loads_jsonl,
    read_jsonl,
    to_dict,
    to_record,
    write_jsonl,
)
from ._errors import (
    ChainWarning,
    ConcurrencyError,
    DecodeError,
    DuplicateEventError,
    EventsError,
    EventValidationError,
    StoreError,
    TornTailError,
    UnresolvedReferenceError,
)
from ._iso import parse_date, parse_instant
from ._jsonl_store import JsonlStore
from ._maintenance import Repair, convert, repair, upgrade
from ._opaque import OpaqueRecord
from ._postgres_store import PostgresStore, redact_location
from ._references import Reference, defined_ids, referenced_ids
from ._revisions import EVENT_TYPES, AnyEvent, EventCorrected, EventRetracted
from ._schema import json_schema
from ._sqlite_store import SqliteStore
from ._store import EventStore, StoreKind, check_log, open_store, read_log, store_kind, verify_log
from ._store_base import Committed
from ._upcasting import UnknownRecordError
from ._validators import (
    EARLIEST,
    LATEST,
    canonical_decimal,
    is_hs_code,
    is_party_code,
    normalise_hs,
    normalise_party,
)
from ._values import (
    ALL_GOODS,
    Amount,
    Combination,
    Commitment,
    ControlAction,
    Delegate,
    InstrumentAction,
    InstrumentKind,
    LegalStatus,
    QuotaPeriod,
    Scope,
    Source,
    Suspension,
    TariffQuota,
)
from ._vocabulary import (
    EVERY_PARTNER,
    FACT_TYPES,
    AccordExtended,
    AccordReached,
    BaseRateSet,
    BlocMembersSet,
    ContactMode,
    DelegationNamed,
    Event,
    ExportControlChanged,
    ExportLicencesApproved,
    Fact,
    InstrumentChanged,
    LayerKey,
    LeadersSpoke,
    LogReviewed,
    QuotaSet,
    RulingIssued,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
    TradeDataReleased,
    measure_covers,
)

for _error in (ChainWarning, ConcurrencyError, DecodeError, DuplicateEventError, EventValidationError, EventsError,
               StoreError, TornTailError, UnknownRecordError, UnresolvedReferenceError):
    _error.__module__ = __name__  # tracebacks name events.X, the public name, not the private module
del _error

__all__ = [
    "ALL_GOODS",
    "AccordExtended",
    "AccordReached",
    "Amount",
    "AnswerSlot",
    "AnyEvent",
    "BaseRateSet",
    "BlocMembersSet",
    "CacheInfo",
    "ChainWarning",
    "Combination",
    "Commitment",
    "Committed",
    "ConcurrencyError",
    "ContactMode",
    "ControlAction",
    "DecodeError",
    "Delegate",
    "DelegationNamed",
    "DuplicateEventError",
    "EARLIEST",
    "EVENT_TYPES",
    "EVERY_PARTNER",
    "Event",
    "EventCorrected",
    "EventRetracted",
    "EventStore",
    "EventValidationError",
    "EventsError",
    "ExportControlChanged",
    "ExportLicencesApproved",
    "FACT_TYPES",
    "Fact",
    "GENESIS",
    "InstrumentAction",
    "InstrumentChanged",
    "InstrumentKind",
    "JsonlStore",
    "LATEST",
    "LayerKey",
    "LeadersSpoke",
    "LegalStatus",
    "LogCheck",
    "LogReviewed",
    "MAX_LINE_BYTES",
    "OpaqueRecord",
    "PostgresStore",
    "QuotaPeriod",
    "QuotaSet",
    "Record",
    "Reference",
    "Repair",
    "RulingIssued",
    "Scope",
    "Source",
    "SqliteStore",
    "StatementIssued",
    "StoreError",
    "StoreKind",
    "Suspension",
    "TalksHeld",
    "TalksScheduled",
    "TariffChanged",
    "TariffQuota",
    "TornTailError",
    "TradeDataReleased",
    "UnknownRecordError",
    "UnresolvedReferenceError",
    "Verification",
    "answer_slot",
    "cache_folder",
    "cache_info",
    "canonical_decimal",
    "check_jsonl",
    "check_log",
    "check_log_cached",
    "clear_cache",
    "convert",
    "converter",
    "defined_ids",
    "dumps_jsonl",
    "from_dict",
    "is_hs_code",
    "is_party_code",
    "json_schema",
    "loads_jsonl",
    "measure_covers",
    "normalise_hs",
    "normalise_party",
    "open_store",
    "parse_date",
    "parse_instant",
    "read_jsonl",
    "read_log",
    "redact_location",
    "referenced_ids",
    "repair",
    "schema_fingerprint",
    "store_kind",
    "to_dict",
    "to_record",
    "upgrade",
    "verify_log",
    "write_jsonl",
]
