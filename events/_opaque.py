"""Records kept as they were because this library cannot read them."""

from __future__ import annotations

import json
from typing import Any

from attrs import frozen

from ._errors import DecodeError

__all__ = ["OpaqueRecord"]


@frozen(kw_only=True)
class OpaqueRecord:
    """A stored record of an unknown type or a future version, kept unread.

    Readers return these only when asked (``keep_unknown=True``, the CLI's
    ``--keep-unknown``); the fold skips them with an
    ``OpaqueRecordWarning``; writers store them back exactly, so converting
    or upgrading a log never loses them.

    Attributes:
        record_type: The record's ``"type"`` tag as read.
        version: The record's ``"v"`` as read (any JSON value).
        event_id: The record's ``"event_id"`` when it is a string, else ``None``.
        text: The record as canonical JSON (sorted keys), without chain fields.
        reason: Why it could not be read.
    """

    record_type: str
    version: Any
    event_id: str | None
    text: str
    reason: str

    @classmethod
    def of(cls, record: dict[str, Any], reason: str) -> OpaqueRecord:
        """Keep ``record`` (a decoded JSON object without chain fields) as opaque.

        Raises:
            DecodeError: the record holds a lone surrogate, which no file can store.
        """
        event_id = record.get("event_id")
        text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise DecodeError("expected text without lone surrogates (in a record kept as opaque)",
                              event_id=event_id if isinstance(event_id, str) else None) from None
        return cls(
            record_type=str(record.get("type")),
            version=record.get("v"),
            event_id=event_id if isinstance(event_id, str) else None,
            text=text,
            reason=reason,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as it was stored (without chain fields)."""
        data: dict[str, Any] = json.loads(self.text)
        return data
