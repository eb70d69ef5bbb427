"""Every exception and warning the library raises survives pickling whole: type, message and attributes.

A Dask worker's error crosses to the client by pickle; pickle's default
rebuilds an exception as ``cls(*args)``, which an ``__init__`` of other
parameters refuses (``QueryError`` could not be unpickled at all).
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime

import pytest

import events
import negotiation

_AT = datetime(2025, 5, 1, 9, tzinfo=UTC)
_EXAMPLES = [
    events.EventsError("root"),
    events.EventValidationError("rate", -1, "a rate of 0 or more"),
    events.DecodeError("bad value", path="log.jsonl", line=3, event_id="e1", field="rate"),
    events.TornTailError("cut short", path="log.jsonl", line=9),
    events.UnknownRecordError("unknown type", path="log.jsonl", line=2, event_id="e2"),
    events.StoreError("cannot write"),
    events.UnresolvedReferenceError(path="log.jsonl", event_id="e3", field="accord_id", value="a1"),
    events.ConcurrencyError(path="log.jsonl", expected=3, actual=4),
    events.DuplicateEventError(path="log.jsonl", event_id="e4", where="line 5"),
    events.ChainWarning("log.jsonl", 7, "hash does not match"),
    negotiation.NegotiationError("root"),
    negotiation.ConflictingEventError(
        events.StatementIssued(event_id="s1", effective=date(2025, 5, 1), recorded=_AT, party="USA", speaker="A",
                               summary="One."),
        events.StatementIssued(event_id="s1", effective=date(2025, 5, 1), recorded=_AT, party="USA", speaker="A",
                               summary="Another.")),
    negotiation.OpaqueRecordWarning("2 records skipped"),
    negotiation.QueryError("as_of", date(2025, 6, 9), "a date"),
    negotiation.UnknownReferenceError("e5", "accord_id", "a2", "an accord reached earlier"),
    negotiation.InconsistentEventError("e6", "deadline", date(2025, 1, 1), "a date after the current deadline"),
]


def _public_errors():
    for package in (events, negotiation):
        for name in package.__all__:
            value = getattr(package, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                yield value


def test_every_public_error_has_an_example():
    """A new exception class must be added here, so that its pickling is checked too."""
    assert set(_public_errors()) <= {type(error) for error in _EXAMPLES}


@pytest.mark.parametrize("error", _EXAMPLES, ids=lambda error: type(error).__name__)
def test_an_error_survives_pickling_whole(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error) and copy.args == error.args
    assert vars(copy) == vars(error)
