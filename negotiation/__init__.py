"""The negotiation model: state, fold, replay to a date as known at a time.

::

    import events, negotiation
    log = events.read_jsonl("seeds/us-china.jsonl")
    state = negotiation.replay(log, as_of=datetime.date(2025, 6, 9))
    state.tariff_rate("USA", "CHN")          # Decimal('30'): additional duties over the base
    state.days_remaining("geneva-2025")      # 64
    uk = negotiation.replay(events.read_jsonl("seeds/us-uk.jsonl"), as_of=datetime.date(2025, 7, 1))
    uk.duty("USA", "GBR", "870323", quota="in")   # Decimal('10'): base 2.5 + Section 232 at 7.5
"""

from ._arrow import Rows
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
from ._report import report
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
from ._state import (
    Accord,
    AccordStatus,
    BaseRate,
    Bloc,
    ControlStatus,
    ExportControl,
    Instrument,
    InstrumentStatus,
    NegotiationState,
    Quota,
    Talks,
    TalksStatus,
    TariffLayer,
)
from ._tariffs import RULES, Contribution, Reach, Rule, TariffBreakdown
from ._timeline import Change, ChangeKind, Citation, changes, timeline

for _error in (ConflictingEventError, InconsistentEventError, NegotiationError, OpaqueRecordWarning, QueryError,
               UnknownReferenceError):
    _error.__module__ = __name__  # tracebacks name negotiation.X, the public name, not the private module
del _error

__all__ = [
    "Accord",
    "AccordRow",
    "AccordStatus",
    "BaseRate",
    "Bloc",
    "Change",
    "ChangeKind",
    "Citation",
    "ConflictingEventError",
    "Contribution",
    "ControlStatus",
    "Explanation",
    "ExportControl",
    "InconsistentEventError",
    "Instrument",
    "InstrumentStatus",
    "LicenceRow",
    "NegotiationError",
    "NegotiationState",
    "OpaqueRecordWarning",
    "QueryError",
    "Quota",
    "RULES",
    "Reach",
    "Reason",
    "Rows",
    "Rule",
    "Talks",
    "TalksRow",
    "TalksStatus",
    "TariffBreakdown",
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
    "report",
    "talks_rows",
    "tariff_series",
    "tariff_table",
    "timeline",
    "trade_data_rows",
]
