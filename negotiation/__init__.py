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

from typing import TYPE_CHECKING, Any

from ._errors import (
    ConflictingEventError,
    InconsistentEventError,
    NegotiationError,
    OpaqueRecordWarning,
    QueryError,
    UnknownReferenceError,
)

if TYPE_CHECKING:
    from ._arrow import Rows
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
    from ._timeline import Change, ChangeKind, Citation, changes, iter_changes, timeline

_LAZY = {
    "Accord": "._state",
    "AccordRow": "._rows",
    "AccordStatus": "._state",
    "BaseRate": "._state",
    "Bloc": "._state",
    "Change": "._timeline",
    "ChangeKind": "._timeline",
    "Citation": "._timeline",
    "Contribution": "._tariffs",
    "ControlStatus": "._state",
    "Explanation": "._explain",
    "ExportControl": "._state",
    "Instrument": "._state",
    "InstrumentStatus": "._state",
    "LicenceRow": "._rows",
    "NegotiationState": "._state",
    "Quota": "._state",
    "RULES": "._tariffs",
    "Reach": "._tariffs",
    "Reason": "._explain",
    "Rows": "._arrow",
    "Rule": "._tariffs",
    "Talks": "._state",
    "TalksRow": "._rows",
    "TalksStatus": "._state",
    "TariffBreakdown": "._tariffs",
    "TariffLayer": "._state",
    "TariffRow": "._rows",
    "TradeDataRow": "._rows",
    "accord_rows": "._rows",
    "accord_series": "._rows",
    "apply": "._fold",
    "changes": "._timeline",
    "explain": "._explain",
    "find_problems": "._fold",
    "iter_changes": "._timeline",
    "licence_rows": "._rows",
    "replay": "._fold",
    "report": "._report",
    "talks_rows": "._rows",
    "tariff_series": "._rows",
    "tariff_table": "._rows",
    "timeline": "._timeline",
    "trade_data_rows": "._rows",
}
"""Each public name and the module it comes from: imported on first use, so that a command (or a script) pays
only for what it uses; ``from negotiation import X`` works for every name in ``__all__``."""


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
    "iter_changes",
    "licence_rows",
    "replay",
    "report",
    "talks_rows",
    "tariff_series",
    "tariff_table",
    "timeline",
    "trade_data_rows",
]
