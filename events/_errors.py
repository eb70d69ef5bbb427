"""The exceptions of the ``events`` package: one root, a small hierarchy."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChainWarning",
    "ConcurrencyError",
    "DecodeError",
    "DuplicateEventError",
    "EventValidationError",
    "EventsError",
    "StoreError",
    "TornTailError",
    "UnknownRecordError",
    "UnresolvedReferenceError",
]


def _rebuilt(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    """An exception of ``cls`` with ``args`` and attributes ``state``, its ``__init__`` not run: how the library's
    exceptions unpickle (in another process: a Dask worker's error reaches the client whole)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class Picklable:
    """Pickles as :func:`_rebuilt`: pickle's default calls ``cls(*args)``, which an ``__init__`` of other
    parameters (``field, value, expected``) refuses, so the error could not cross a process."""

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt, (type(self), self.args, self.__dict__)  # type: ignore[attr-defined]


class EventsError(Picklable, Exception):
    """Root of every error the ``events`` package raises on purpose."""


class EventValidationError(EventsError, ValueError):
    """Raised when an event or value is constructed with a value that breaks a rule.

    Attributes:
        field: The attribute name, e.g. ``"rate"``.
        value: The offending value, as given.
        expected: What the rule expects, in words.
    """

    def __init__(self, field: str, value: Any, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"{field}={value!r}: expected {expected}")


class DecodeError(EventsError, ValueError):
    """Raised when a serialized event (a JSON Lines line or a dict) cannot be decoded.

    The message names every location that is known, e.g.
    ``seeds/x.jsonl, line 3, event 'us-rate-1', field 'rate': expected ...``.

    Attributes:
        reason: What is wrong and what was expected.
        path: The file, or ``None`` for strings and dicts.
        line: The 1-based line number, or ``None``.
        event_id: The line's ``event_id`` when it could be read, else ``None``.
        field: The dotted field path (``"source.url"``), or ``None``.
        unit: What ``line`` counts: ``"line"`` in a JSON Lines file,
            ``"record"`` (the sequence number) in a SQLite store.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        line: int | None = None,
        event_id: str | None = None,
        field: str | None = None,
        unit: str = "line",
    ) -> None:
        self.reason = reason
        self.unit = unit
        self.path = path
        self.line = line
        self.event_id = event_id
        self.field = field
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.line is not None:
            where.append(f"{self.unit} {self.line}")
        if self.event_id is not None:
            where.append(f"event {self.event_id!r}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason

    def located(self, *, path: str | None = None, line: int | None = None, unit: str | None = None) -> DecodeError:
        """Return a copy of this error (of the same class) with a file and line filled in."""
        return type(self)(
            self.reason,
            path=path if path is not None else self.path,
            line=line if line is not None else self.line,
            event_id=self.event_id,
            field=self.field,
            unit=unit if unit is not None else self.unit,
        )


class TornTailError(DecodeError):
    """The last line of a JSON Lines file has no line end and does not decode.

    This is what a write interrupted by a crash leaves. Nothing is appended
    after it; ``negotiation repair LOG`` removes it, keeping a backup.
    """


class UnknownRecordError(DecodeError):
    """A record of an unknown type, or of a version this library cannot read.

    Readers raise it unless asked to keep such records as
    :class:`events.OpaqueRecord` (``keep_unknown=True``).
    """


class StoreError(EventsError):
    """Raised when an event store refuses an operation; the store is unchanged."""


class UnresolvedReferenceError(StoreError, LookupError):
    """An appended event names an accord, talks, control, quota, instrument or event that neither the log nor the
    append defines; nothing was written.

    Such an event would stop every replay that reaches its date. Append the
    event that defines the id with it (or before it).

    Attributes:
        event_id: The referring event.
        field: Its referring field, e.g. ``"accord_id"``.
        value: The id no event defines.
    """

    def __init__(self, *, path: str, event_id: str, field: str, value: str) -> None:
        self.path = path
        self.event_id = event_id
        self.field = field
        self.value = value
        super().__init__(f"{path}: event {event_id!r}, field {field!r}: no event of the log or of this append "
                         f"defines {value!r}; nothing was written")


class ConcurrencyError(StoreError):
    """An append's ``expected_version`` is not the store's version: another writer moved it.

    Attributes:
        expected: The version the caller expected.
        actual: The store's version when the append was tried.
    """

    def __init__(self, *, path: str, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"{path}: expected version {expected}, but the store is at version {actual}; nothing was written")


class DuplicateEventError(StoreError):
    """An appended event has the id of a stored event with different content.

    Attributes:
        event_id: The id appended twice.
    """

    def __init__(self, *, path: str, event_id: str, where: str) -> None:
        self.event_id = event_id
        super().__init__(
            f"{path}: event {event_id!r} is already stored ({where}) with different content; "
            "nothing was written (to change a stored event, append an EventCorrected)"
        )


class ChainWarning(Picklable, UserWarning):
    """A log's hash chain is broken: a record was edited, removed, inserted or moved.

    The readers of JSON Lines logs (:func:`events.read_log`,
    :func:`events.check_log`, :func:`events.read_jsonl`,
    :func:`events.check_jsonl`) issue it once per read, after reading the
    record that breaks the chain, and still return what they read. They
    issue it only for a record that decodes: a line that does not decode is
    reported as an error (raised, or in ``LogCheck.errors``) instead.
    ``events.verify_log`` says the same as a result, not a warning.

    To refuse such a log, make the warning an error: the reader then raises
    this warning (which is not an :class:`EventsError`)::

        with warnings.catch_warnings():
            warnings.simplefilter("error", events.ChainWarning)
            log = events.read_log(path)    # raises events.ChainWarning

    Attributes:
        path: The log.
        line: The first line (or record number) that breaks the chain.
        problem: What is wrong there.
        unit: What ``line`` counts: ``"line"`` or ``"record"``.
    """

    def __init__(self, path: str, line: int, problem: str, unit: str = "line") -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.unit = unit
        super().__init__(f"{path}, {unit} {line}: the hash chain is broken: {problem} (`negotiation verify` "
                         "checks the chain)")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.path, self.line, self.problem, self.unit)
