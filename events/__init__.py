"""The vocabulary of negotiation events: immutable types, values and codec.

Import what you need from here; the ``_private`` modules may change::

    import events
    log = events.read_jsonl("seeds/us-china.jsonl")
    store = events.open_store("my-log.sqlite")    # or my-log.jsonl, or postgresql://host/db#us-china
    store.append(log, expected_version=store.version)

This package imports nothing of ``negotiation``: a tool that only writes logs
needs only ``events``.
"""

from typing import TYPE_CHECKING, Any

from ._errors import (
    ChainWarning,
    ConcurrencyError,
    DecodeError,
    DuplicateEventError,
    EventsError,
    EventValidationError,
    StoreError,
    TornTailError,
    UnknownRecordError,
    UnresolvedReferenceError,
)

if TYPE_CHECKING:
    from ._cache import AnswerSlot, answer_slot, cache_folder, check_log_cached, clear_cache, schema_fingerprint
    from ._cache_info import CacheInfo, cache_info
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

_LAZY = {
    "ALL_GOODS": "._values",
    "AccordExtended": "._vocabulary",
    "AccordReached": "._vocabulary",
    "Amount": "._values",
    "AnswerSlot": "._cache",
    "AnyEvent": "._revisions",
    "BaseRateSet": "._vocabulary",
    "BlocMembersSet": "._vocabulary",
    "CacheInfo": "._cache_info",
    "Combination": "._values",
    "Commitment": "._values",
    "Committed": "._store_base",
    "ContactMode": "._vocabulary",
    "ControlAction": "._values",
    "Delegate": "._values",
    "DelegationNamed": "._vocabulary",
    "EARLIEST": "._validators",
    "EVENT_TYPES": "._revisions",
    "EVERY_PARTNER": "._vocabulary",
    "Event": "._vocabulary",
    "EventCorrected": "._revisions",
    "EventRetracted": "._revisions",
    "EventStore": "._store",
    "ExportControlChanged": "._vocabulary",
    "ExportLicencesApproved": "._vocabulary",
    "FACT_TYPES": "._vocabulary",
    "Fact": "._vocabulary",
    "GENESIS": "._chain",
    "InstrumentAction": "._values",
    "InstrumentChanged": "._vocabulary",
    "InstrumentKind": "._values",
    "JsonlStore": "._jsonl_store",
    "LATEST": "._validators",
    "LayerKey": "._vocabulary",
    "LeadersSpoke": "._vocabulary",
    "LegalStatus": "._values",
    "LogCheck": "._codec",
    "LogReviewed": "._vocabulary",
    "MAX_LINE_BYTES": "._codec",
    "OpaqueRecord": "._opaque",
    "PostgresStore": "._postgres_store",
    "QuotaPeriod": "._values",
    "QuotaSet": "._vocabulary",
    "Record": "._codec",
    "Reference": "._references",
    "Repair": "._maintenance",
    "RulingIssued": "._vocabulary",
    "Scope": "._values",
    "Source": "._values",
    "SqliteStore": "._sqlite_store",
    "StatementIssued": "._vocabulary",
    "StoreKind": "._store",
    "Suspension": "._values",
    "TalksHeld": "._vocabulary",
    "TalksScheduled": "._vocabulary",
    "TariffChanged": "._vocabulary",
    "TariffQuota": "._values",
    "TradeDataReleased": "._vocabulary",
    "Verification": "._chain",
    "answer_slot": "._cache",
    "cache_folder": "._cache",
    "cache_info": "._cache_info",
    "canonical_decimal": "._validators",
    "check_jsonl": "._codec",
    "check_log": "._store",
    "check_log_cached": "._cache",
    "clear_cache": "._cache",
    "convert": "._maintenance",
    "converter": "._codec",
    "defined_ids": "._references",
    "dumps_jsonl": "._codec",
    "from_dict": "._codec",
    "is_hs_code": "._validators",
    "is_party_code": "._validators",
    "json_schema": "._schema",
    "loads_jsonl": "._codec",
    "measure_covers": "._vocabulary",
    "normalise_hs": "._validators",
    "normalise_party": "._validators",
    "open_store": "._store",
    "parse_date": "._iso",
    "parse_instant": "._iso",
    "read_jsonl": "._codec",
    "read_log": "._store",
    "redact_location": "._postgres_store",
    "referenced_ids": "._references",
    "repair": "._maintenance",
    "schema_fingerprint": "._cache",
    "store_kind": "._store",
    "to_dict": "._codec",
    "to_record": "._codec",
    "upgrade": "._maintenance",
    "verify_log": "._store",
    "write_jsonl": "._codec",
}
"""Each public name (but the errors) and the module it comes from: imported on first use, so that a command (or a
script) pays only for what it uses, e.g. the command line's answer cache imports no vocabulary; ``from events import
X`` works for every name in ``__all__``."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # The import statement's own machinery (not importlib.import_module), so that `python -X importtime` counts it.
    value = getattr(__import__(module.removeprefix("."), globals(), None, [name], 1), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
