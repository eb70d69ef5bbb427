"""The exceptions of the ``events`` package: one root, a small hierarchy."""

from __future__ import annotations

from typing import Any

__all__ = ["DecodeError", "EventValidationError", "EventsError"]


class EventsError(Exception):
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
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        line: int | None = None,
        event_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
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
            where.append(f"line {self.line}")
        if self.event_id is not None:
            where.append(f"event {self.event_id!r}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason

    def located(self, *, path: str | None = None, line: int | None = None) -> DecodeError:
        """Return a copy of this error with a file and line filled in."""
        return DecodeError(
            self.reason,
            path=path if path is not None else self.path,
            line=line if line is not None else self.line,
            event_id=self.event_id,
            field=self.field,
        )
