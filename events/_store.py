"""The event store contract, and reading or checking a log in either format by its file name."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, Protocol, overload, runtime_checkable

from ._chain import Verification, verify_records
from ._codec import (
    LineReader,
    LogCheck,
    Record,
    check_jsonl,
    open_log,
    parse_line,
    read_jsonl,
    warn_broken_chain,
)
from ._errors import DecodeError
from ._jsonl_store import JsonlStore
from ._revisions import AnyEvent
from ._sqlite_store import SQLITE_SUFFIXES, SqliteStore, verify_sqlite

__all__ = ["JSONL_SUFFIXES", "EventStore", "check_log", "is_sqlite", "open_store", "raw_records", "read_log", "verify_log"]


JSONL_SUFFIXES = (".jsonl", ".ndjson")
"""File name endings of JSON Lines logs that ``convert`` writes (readers take any name but SQLite's)."""


@runtime_checkable
class EventStore(Protocol):
    """What every event store does (:class:`JsonlStore`, :class:`SqliteStore`).

    * ``version``: how many records it holds (0 when empty).
    * ``read(after=n)``: the records after the first ``n``, in append order.
    * ``append(events, expected_version=v)``: add records at the end, all or
      nothing, durably; an event already stored with the same content is
      skipped; returns the new version. With ``expected_version``, raises
      :class:`ConcurrencyError` (writing nothing) if the store is not at
      ``v``. An id stored with other content raises
      :class:`DuplicateEventError`, writing nothing.
    """

    @property
    def path(self) -> str: ...

    @property
    def version(self) -> int: ...

    def read(self, *, after: int = 0) -> Iterator[Record]: ...

    def append(self, events: Iterable[Record], *, expected_version: int | None = None) -> int: ...


def is_sqlite(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a SQLite store (ends in .sqlite, .sqlite3 or .db); else it is JSON Lines."""
    return Path(path).suffix.lower() in SQLITE_SUFFIXES


def open_store(path: str | os.PathLike[str], *, keep_unknown: bool = False) -> JsonlStore | SqliteStore:
    """Open (or create) the store at ``path``, choosing the format by its file name.

    Raises:
        DecodeError: a JSON Lines log has a bad line (see :class:`JsonlStore`).
        StoreError: the file is not an event store (for SQLite: not a
            regular file, or not a database whose schema, triggers and
            ``application_id`` are the library's; see :class:`SqliteStore`),
            or other connections kept a SQLite store locked for 60 s.
        FileNotFoundError: the folder of a new SQLite store is missing.
        OSError: the file cannot be read.
    """
    if is_sqlite(path):
        return SqliteStore(path, keep_unknown=keep_unknown)
    return JsonlStore(path, keep_unknown=keep_unknown)


@overload
def read_log(path: str | os.PathLike[str], *, keep_unknown: Literal[False] = ...) -> tuple[AnyEvent, ...]: ...
@overload
def read_log(path: str | os.PathLike[str], *, keep_unknown: bool) -> tuple[Record, ...]: ...
def read_log(path: str | os.PathLike[str], *, keep_unknown: bool = False) -> tuple[Record, ...]:
    """Read a whole log, JSON Lines or SQLite by its file name, without changing it.

    A JSON Lines log is read as :func:`events.read_jsonl` reads it: as a
    stream, in bounded memory; a regular file or a pipe; an interrupted
    append at its end left out.

    Warns:
        ChainWarning: the log's hash chain is broken at a record that
            decodes (the records are still returned); in a SQLite store also
            a query column that disagrees with its record.

    Raises:
        FileNotFoundError: there is no such file (a store is never created by reading).
        IsADirectoryError: ``path`` is a folder.
        DecodeError: at the first record that does not decode (in a SQLite
            store also a record column that is not JSON text), naming it;
            a JSON Lines log that is a device or a socket, or a line over
            ``MAX_LINE_BYTES`` (refused unread).
        StoreError: a ``.sqlite`` file is not an event store (see
            :class:`SqliteStore`) or sqlite fails to read it.
    """
    if not is_sqlite(path):
        return read_jsonl(path, keep_unknown=keep_unknown)
    with SqliteStore(path, keep_unknown=keep_unknown, create=False) as store:
        found, verification = store._read_verified()  # what verify_sqlite(path) finds, in the same pass
    warn_broken_chain(verification)
    return found


def check_log(path: str | os.PathLike[str], *, keep_unknown: bool = False) -> LogCheck:
    """Decode every record of a log that can be, collecting an error for each other one.

    A JSON Lines log is read as :func:`events.check_jsonl` reads it (a
    line over ``MAX_LINE_BYTES`` is an error, skipped unread).

    Warns:
        ChainWarning: the log's hash chain is broken at a record that
            decodes; in a SQLite store also a query column that disagrees
            with its record.

    Raises:
        FileNotFoundError: there is no such file.
        IsADirectoryError: ``path`` is a folder.
        DecodeError: a JSON Lines log is a device or a socket, or a SQLite database.
        StoreError: a ``.sqlite`` file is not an event store (see
            :class:`SqliteStore`) or sqlite fails to read it.
        OSError: the file cannot be read.
    """
    if not is_sqlite(path):
        return check_jsonl(path, keep_unknown=keep_unknown)
    with SqliteStore(path, keep_unknown=keep_unknown, create=False) as store:
        checked = LogCheck.of(store.scan())
    if not checked.errors:
        warn_broken_chain(verify_sqlite(path))
    return checked


def verify_log(path: str | os.PathLike[str], *, head: str | None = None) -> Verification:
    """Check a log's hash chain (see ``events/_chain.py``) without decoding its events.

    In a SQLite store, every query column (``seq``, ``event_id``, ``type``,
    ``version``, ``effective``, ``recorded_us``) is also recomputed from its
    record, so that a column edited behind the chain's back is found.

    Args:
        path: A JSON Lines or SQLite log.
        head: A hash kept from earlier: the chain must still contain it.

    Returns:
        The :class:`Verification`: intact, unchained, or the first record
        that breaks the chain, by its line (JSON Lines) or record number
        (SQLite). A line that is not JSON breaks the chain there; in a
        SQLite store, so does a row whose query column disagrees with its
        record (the problem names the column, what it holds and what the
        record says).

    Raises:
        FileNotFoundError: there is no such file.
        IsADirectoryError: ``path`` is a folder.
        DecodeError: a JSON Lines log is a device or a socket, or a SQLite
            database (a JSON Lines log is read as a stream; an interrupted
            append at its end is left out).
        StoreError: a ``.sqlite`` file is not an event store (see
            :class:`SqliteStore`; a store whose table is the library's but
            whose triggers, index or id are not is refused only when no row
            is wrong, else the result names the first wrong row and that
            too), or sqlite fails to read it.
        ValueError: ``head`` is not 64 hex digits.
    """
    name = os.fspath(path)
    if is_sqlite(path):
        return verify_sqlite(path, head=head)
    return verify_records(name, _parsed_lines(name), head=head)


def raw_records(path: str | os.PathLike[str]) -> list[Any]:
    """Every stored record of a log as parsed JSON (chain field included), undecoded; ``None`` for a bad line.

    In a SQLite store, a record column that is not JSON text is ``None`` too.

    Raises:
        FileNotFoundError: there is no such file.
        StoreError: a ``.sqlite`` file is not an event store or sqlite fails to read it.
    """
    if is_sqlite(path):
        with SqliteStore(path, create=False) as store:
            return [record for _, record in store.raw()]
    return [record for _, record in _parsed_lines(os.fspath(path))]


def _parsed_lines(path: str) -> Iterator[tuple[int, object]]:
    """Each line's number and parsed JSON (``None`` if it is not JSON or too long), read as a stream.

    An interrupted append at the end is left out, as readers leave it out.
    """
    with open_log(path) as stream:
        for line in LineReader(stream):
            try:
                yield line.number, None if line.text is None else parse_line(line.text, path, line.number)
            except DecodeError:
                yield line.number, None
