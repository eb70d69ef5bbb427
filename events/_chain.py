"""Tamper evidence: a hash chain over the stored records of a log.

Each stored record carries ``"hash"``: the SHA-256 (hex) of the previous
record's hash (64 zeros for the first) followed by the record's content as
canonical JSON (sorted keys, ASCII, no spaces, without ``"hash"``). The
chain belongs to the stored record, not to the event: decoding drops it.

An edited, removed, inserted or reordered record breaks the chain at the
first record it touches. Removing records from the *end* leaves a shorter
valid chain: compare the head (the last hash) with one kept elsewhere
(``negotiation verify LOG --head HASH``). The chain is evidence against
edits, not a signature: whoever can rewrite the whole file can recompute it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from attrs import frozen

__all__ = ["GENESIS", "HASH_FIELD", "Verification", "is_hash", "record_hash", "verify_records", "verify_stored"]

HASH_FIELD = "hash"
"""The chain field of a stored record."""

GENESIS = "0" * 64
"""The "previous hash" of the first record."""

_HEX = re.compile(r"[0-9a-f]{64}")
"""The form of a chain hash: 64 lowercase hex digits (the JSON Schema's pattern)."""
_HEX_DIGITS = "0123456789abcdef"


def record_hash(previous: str, record: Mapping[str, Any]) -> str:
    """The chain hash of ``record`` (a JSON object; ``"hash"`` is ignored) after ``previous``.

    SHA-256 of ``previous`` followed by the record's canonical JSON: keys
    sorted, no whitespace, every character outside ASCII escaped
    (``json.dumps(..., sort_keys=True, ensure_ascii=True, separators=(",", ":"))``).

    Raises:
        TypeError: the record holds a value JSON cannot write.
    """
    content = {key: value for key, value in record.items() if key != HASH_FIELD}
    return hashlib.sha256(previous.encode("ascii") + _canonical_body(content)).hexdigest()


_PLAIN_JSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS \
    | orjson.OPT_PASSTHROUGH_DATACLASS
"""orjson writing only what ``json.dumps`` writes the same way (a date, a subclass or a dataclass is refused)."""


def _canonical_body(content: dict[str, Any]) -> bytes:
    """The canonical JSON of ``content`` (see :func:`record_hash`), as bytes.

    orjson writes it exactly so for a record made only of dicts, lists,
    tuples, str, int, bool and ``None`` (no float, no subclass, none of
    the types orjson writes and ``json.dumps`` refuses: enum, UUID,
    fragment) whose text is printable ASCII (no escape to make, no DEL):
    the records the library writes, nearly always. Anything else takes
    ``json.dumps`` (which refuses what JSON cannot write).
    """
    if _plain(content):
        try:
            body = orjson.dumps(content, option=_PLAIN_JSON)
        except TypeError:  # orjson.JSONEncodeError: an integer past 64 bits, a type it does not write
            body = None
        if body is not None and body.isascii() and b"\x7f" not in body:
            return body
    return json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _plain(value: Any) -> bool:
    """Whether ``value`` is made only of the exact types orjson writes as ``json.dumps`` does (see :func:`_canonical_body`).

    A float (the two write some differently), a subclass, or a value only
    orjson writes (an enum member, a UUID, an ``orjson.Fragment``) is not.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        kind = item.__class__
        if kind is str or kind is int or item is None or kind is bool:
            continue
        if kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        else:
            return False
    return True


def is_hash(value: Any) -> bool:
    """Whether ``value`` has the form of a chain hash (64 lowercase hex digits)."""
    # _HEX's form, without the regular expression engine (this runs once per record read)
    return isinstance(value, str) and len(value) == 64 and not value.strip(_HEX_DIGITS)


@frozen(kw_only=True)
class Verification:
    """What :func:`verify_records` (and ``negotiation verify``) found.

    Attributes:
        path: The log.
        records: How many records were read.
        chained: Whether the log carries a hash chain (an empty log does not).
        head: The last record's hash when the chain is intact, else ``None``.
        first_bad: The line (JSON Lines) or record number (SQLite) of the
            first record that breaks the chain, or ``None``.
        unit: ``"line"`` or ``"record"``.
        problem: What is wrong at ``first_bad``, or ``None``.
    """

    path: str
    records: int
    chained: bool
    head: str | None
    first_bad: int | None
    unit: str
    problem: str | None

    @property
    def intact(self) -> bool:
        """Whether the log is chained and no record breaks the chain."""
        return self.chained and self.first_bad is None

    def __str__(self) -> str:
        if self.first_bad is not None:
            return f"{self.path}, {self.unit} {self.first_bad}: {self.problem}"
        if not self.chained:
            return (f"{self.path}: unchained ({self.records} records): no tamper evidence; "
                    "`negotiation upgrade` adds a hash chain")
        return f"{self.path}: {self.records} records, hash chain intact; head {self.head}"


def verify_records(path: str, records: Iterable[tuple[int, Any]], *, unit: str = "line",
                   head: str | None = None) -> Verification:
    """Check the hash chain of ``records``: (line or record number, parsed JSON value) pairs in order.

    Args:
        path: Named in the result.
        records: Each record's number and its decoded JSON (anything: a
            non-object is a break).
        unit: What the numbers count.
        head: A hash known from elsewhere (a published head; any case):
            the chain must contain it, else the log was cut or rewritten.

    Returns:
        The :class:`Verification`. A log is chained when its first record
        carries a hash; then every record must carry the right one. A
        record that is not a JSON object breaks any log, chained or not.

    Raises:
        ValueError: ``head`` is not 64 hex digits.
    """
    return verify_stored(path, ((number, record, None) for number, record in records), unit=unit, head=head)


def verify_stored(path: str, records: Iterable[tuple[int, Any, bytes | None]], *, unit: str = "line",
                  head: str | None = None) -> Verification:
    """:func:`verify_records` of (number, parsed JSON, body or ``None``) triples.

    A body spares serializing the record again: it is orjson's serialization
    of the record without its chain field, keys sorted, of a record that
    holds no float (a decoded event's: no field takes one). orjson writes
    such a record exactly as the chain's canonical JSON does, but for the
    characters outside printable ASCII, which canonical JSON escapes: a
    body holding one is not used.
    """
    if head is not None and not is_hash(head.lower()):
        raise ValueError(f"expected a head hash of 64 hex digits, got {head!r}")
    head = head.lower() if head is not None else None
    sha256 = hashlib.sha256
    previous = GENESIS
    count = 0
    chained = False
    seen_head = head is None
    last_number = 0
    for number, record, body in records:
        count += 1
        last_number = number
        if not isinstance(record, dict):
            return _broken(path, count, unit, number, "not a JSON object: not a record of an event log",
                           chained=chained)
        carried = record.get(HASH_FIELD)
        if count == 1:
            chained = carried is not None
        if not chained:
            if carried is not None:
                return _broken(path, count, unit, number, "carries a hash, but the first record does not",
                               chained=False)
            continue
        if carried is None:
            return _broken(path, count, unit, number,
                           "has no hash, but the log is chained: inserted or added by hand? "
                           "(`negotiation append` adds events and keeps the chain)")
        if body is not None and body.isascii() and b"\x7f" not in body:
            expected = sha256(previous.encode("ascii") + body).hexdigest()
        else:
            expected = record_hash(previous, record)
        if carried != expected:
            return _broken(path, count, unit, number,
                           "hash does not match: this record or the one before was edited, removed, "
                           "inserted or moved")
        previous = carried
        seen_head = seen_head or carried == head
    if not seen_head:
        return _broken(path, count, unit, last_number + 1,
                       f"the chain does not contain head {head}: records were removed from the end, or rewritten",
                       chained=chained)
    return Verification(path=path, records=count, chained=chained, head=previous if chained else None,
                        first_bad=None, unit=unit, problem=None)


def _broken(path: str, count: int, unit: str, number: int, problem: str, *, chained: bool = True) -> Verification:
    return Verification(path=path, records=count, chained=chained, head=None, first_bad=number, unit=unit,
                        problem=problem)
