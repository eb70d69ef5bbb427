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
    QueryError,
    UnknownReferenceError,
)
from ._explain import Explanation, Reason, explain
from ._fold import apply, find_problems, replay
from ._rows import tariff_series
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
    "AccordStatus",
    "Change",
    "ChangeKind",
    "ConflictingEventError",
    "ControlStatus",
    "Explanation",
    "ExportControl",
    "InconsistentEventError",
    "NegotiationError",
    "NegotiationState",
    "QueryError",
    "Reason",
    "Talks",
    "TalksStatus",
    "TariffLayer",
    "UnknownReferenceError",
    "apply",
    "changes",
    "explain",
    "find_problems",
    "replay",
    "tariff_series",
    "timeline",
]
