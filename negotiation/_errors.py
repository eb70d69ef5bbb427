"""The exceptions of the ``negotiation`` package: one root, a small hierarchy."""

from __future__ import annotations

from typing import Any

from events._errors import Picklable

__all__ = [
    "ConflictingEventError",
    "InconsistentEventError",
    "NegotiationError",
    "OpaqueRecordWarning",
    "QueryError",
    "UnknownReferenceError",
]


class NegotiationError(Picklable, Exception):
    """Root of every error the ``negotiation`` package raises on purpose."""


class OpaqueRecordWarning(Picklable, UserWarning):
    """A fold skipped opaque records (:class:`events.OpaqueRecord`: unknown types or future versions).

    The state is then built without them: an analyst should upgrade the
    library or drop those records before trusting it.
    """


class ConflictingEventError(NegotiationError, ValueError):
    """Raised when two different events share one ``event_id``.

    Identical duplicates are not an error: they are applied once.

    Attributes:
        event_id: The shared id.
        first: The event already seen.
        second: The different event with the same id.
    """

    def __init__(self, first: Any, second: Any) -> None:
        self.event_id: str = first.event_id
        self.first = first
        self.second = second
        if type(first) is not type(second):
            differ = f"a {first.TYPE} and a {second.TYPE}"
        else:
            import attrs  # here: `import negotiation` (and the command line's kept answers) need no attrs

            fields = [
                a.name for a in attrs.fields(type(first)) if getattr(first, a.name) != getattr(second, a.name)
            ]
            differ = f"two {first.TYPE} events that differ in {', '.join(fields)}"
        super().__init__(
            f"event {self.event_id!r}: {differ}; expected unique ids or identical duplicates"
        )


class UnknownReferenceError(NegotiationError, LookupError):
    """Raised when an event (or a query) names an accord or talks the state does not hold.

    Examples: extending an accord the log never reached; naming a delegation
    to talks never scheduled or held; a tariff change implementing an
    unknown accord; ``days_remaining`` of an unknown accord id.

    Attributes:
        event_id: The referring event, or ``None`` for a query.
        field: The referring field, e.g. ``"accord_id"``.
        value: The unknown id.
    """

    def __init__(self, event_id: str | None, field: str, value: str, expected: str) -> None:
        self.event_id = event_id
        self.field = field
        self.value = value
        where = f"event {event_id!r}, " if event_id is not None else ""
        super().__init__(f"{where}field {field!r}: unknown id {value!r}; expected {expected}")


class QueryError(NegotiationError, ValueError):
    """Raised when a query's arguments break a rule.

    Examples: ``as_of`` not a ``date``; ``known_at`` a naive ``datetime``.

    Attributes:
        argument: The argument's name.
        value: The value given.
    """

    def __init__(self, argument: str, value: Any, expected: str) -> None:
        self.argument = argument
        self.value = value
        super().__init__(f"{argument}={value!r}: expected {expected}")


class InconsistentEventError(NegotiationError, ValueError):
    """Raised when an event contradicts the state it is applied to.

    Examples: reaching an accord id that another event already reached;
    extending an accord to a deadline not after its current one, or
    extending an open-ended accord.

    Attributes:
        event_id: The contradicting event.
        field: Its field at fault.
        value: That field's value.
    """

    def __init__(self, event_id: str, field: str, value: Any, expected: str) -> None:
        self.event_id = event_id
        self.field = field
        self.value = value
        super().__init__(f"event {event_id!r}, field {field!r}: {value!r}; expected {expected}")
