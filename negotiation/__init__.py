"""The negotiation model: state, fold, replay to a date as known at a time.

::

    import events, negotiation
    log = events.read_jsonl("seeds/us-china-2025.jsonl")
    state = negotiation.replay(log, as_of=datetime.date(2025, 6, 9))
    state.tariff_rate("USA", "CHN")          # Decimal('30')
    state.days_remaining("geneva-2025")      # 64
"""

from ._errors import (
    ConflictingEventError,
    InconsistentEventError,
    NegotiationError,
    OpaqueRecordWarning,
    QueryError,
    UnknownReferenceError,
)
from ._explain import Explanation, Reason, explain
from ._fold import apply, find_problems, replay
from ._rows import (
    AccordRow,
    LicenceRow,
    TalksRow,
    TariffRow,
    TradeDataRow,
    accord_rows,
    accord_series,
    licence_rows,
    talks_rows,
    tariff_series,
    tariff_table,
    trade_data_rows,
)
from ._timeline import Change, ChangeKind, changes, timeline
from ._state import (
    Accord,
    AccordStatus,
    ControlStatus,
    ExportControl,
    NegotiationState,
    Talks,
    TalksStatus,
    TariffLayer,
)

__all__ = [
    "Accord",
    "AccordRow",
    "AccordStatus",
    "Change",
    "ChangeKind",
    "ConflictingEventError",
    "ControlStatus",
    "Explanation",
    "ExportControl",
    "InconsistentEventError",
    "LicenceRow",
    "NegotiationError",
    "NegotiationState",
    "OpaqueRecordWarning",
    "QueryError",
    "Reason",
    "Talks",
    "TalksRow",
    "TalksStatus",
    "TariffLayer",
    "TariffRow",
    "TradeDataRow",
    "UnknownReferenceError",
    "accord_rows",
    "accord_series",
    "apply",
    "changes",
    "explain",
    "find_problems",
    "licence_rows",
    "replay",
    "talks_rows",
    "tariff_series",
    "tariff_table",
    "timeline",
    "trade_data_rows",
]
