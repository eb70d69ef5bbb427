"""The event store contract, the one registry of stores, and reading or checking a log wherever it is kept."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import Any, Literal, Protocol, Self, overload, runtime_checkable

from ._chain import Verification
from ._codec import LogCheck, Record
from ._errors import StoreError
from ._jsonl_store import JsonlStore
from ._postgres_store import PostgresStore
from ._revisions import AnyEvent
from ._sqlite_store import SqliteStore
from ._store_base import Committed

__all__ = ["EventStore", "StoreKind", "check_log", "open_store", "raw_records", "read_log", "store_kind", "verify_log"]


@runtime_checkable
class EventStore(Protocol):
    """What every event store does (:class:`JsonlStore`, :class:`SqliteStore`, :class:`PostgresStore`).

    A store holds **streams**: named negotiations (``us-china``, ``us-eu``),
    each an append-only sequence of records with its own hash chain. A JSON
    Lines or SQLite file holds one stream, named by the file without its
    extension; a PostgreSQL store holds any number. A store is opened on a
    stream (:attr:`stream`: the file's, or the one a PostgreSQL location
    names after ``#``); every ``stream=None`` below means that one. A
    PostgreSQL store opened on no stream reads and follows all of them
    (:meth:`read`, :meth:`follow`, :attr:`version` count the store's global
    sequence) and resolves to its only stream where one is needed, else
    raises :class:`StoreError` naming them.

    * ``location``: where it is, as messages name it (a password never shows).
    * ``unit``: what record numbers in its errors count, ``"line"`` or ``"record"``.
    * ``version``: how many records the stream holds (0 when empty).
    * ``streams()``: each stream's name and version, by name.
    * ``read(after=n)``: the records after the first ``n``, in append order.
    * ``append(events, expected_version=v)``: add records at the end, all or
      nothing, durably; an event already stored with the same content is
      skipped; returns the stream's new version. With ``expected_version``,
      raises :class:`ConcurrencyError` (writing nothing) if the stream is
      not at ``v``. An id stored with other content raises
      :class:`DuplicateEventError`, writing nothing.
    * ``load()``, ``check()``, ``verify(head=)``, ``raw()``: what
      :func:`read_log`, :func:`check_log`, :func:`verify_log` and
      :func:`raw_records` return for the stream.
    * ``follow(after=n, idle=s)``: each record after the first ``n`` as a
      :class:`Committed`, as it is committed, waiting for more; stops after
      ``s`` seconds with nothing new (never if ``None``).
    * ``close()``; a store is a context manager that closes it.

    The class of a store also does what :func:`convert`, :func:`upgrade` and
    :func:`repair` need (see :class:`StoreKind`).
    """

    @property
    def location(self) -> str: ...

    @property
    def stream(self) -> str | None: ...

    @property
    def unit(self) -> str: ...

    @property
    def version(self) -> int: ...

    def streams(self) -> dict[str, int]: ...

    def read(self, *, after: int = 0, stream: str | None = None) -> Iterator[Record]: ...

    def append(self, events: Iterable[Record], *, expected_version: int | None = None,
               stream: str | None = None) -> int: ...

    def load(self, *, stream: str | None = None) -> tuple[Record, ...]: ...

    def check(self, *, stream: str | None = None) -> LogCheck: ...

    def verify(self, *, head: str | None = None, stream: str | None = None) -> Verification: ...

    def raw(self, *, stream: str | None = None) -> Iterator[tuple[int, Any]]: ...

    def follow(self, *, after: int = 0, stream: str | None = None, idle: float | None = None) -> Iterator[Committed]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *_: object) -> None: ...


class StoreKind(Protocol):
    """A kind of store, as the registry and whole-log maintenance use it: the store's class.

    * ``name``: the kind in words (``"SQLite"``); ``suffixes``: endings of
      the locations it claims (for messages); ``matches(location)``:
      whether it claims ``location``.
    * ``unit``: what record numbers in its errors count (``"line"``, ``"record"``).
    * ``repairable``: whether an interrupted write can leave a torn tail
      for :func:`repair` to cut (false where appends are transactions).
    * ``log_file(location, follow_symlinks)``: the location maintenance
      works on (a file's link resolved, or refused).
    * ``hold(location, writable=)``: a context that holds off every appender
      while a whole log is rewritten, yielding the locked file descriptor
      where there is one; raises :class:`StoreError` where logs are never
      rewritten.
    * ``refuse_target(location)``: raise unless a new log can be made there.
    * ``write_log(location, records, exclusive=, stream=)``: write a whole
      new log; with ``exclusive``, never over an existing one.
    """

    @property
    def name(self) -> str: ...

    @property
    def suffixes(self) -> tuple[str, ...]: ...

    @property
    def repairable(self) -> bool: ...

    @property
    def unit(self) -> str: ...

    def __call__(self, location: str, /, *, keep_unknown: bool = ..., create: bool = ...,
                 strict: bool = ...) -> EventStore: ...

    def matches(self, location: str) -> bool: ...

    def log_file(self, location: str, follow_symlinks: bool) -> str: ...

    def hold(self, location: str, *, writable: bool = ...) -> contextlib.AbstractContextManager[int | None]: ...

    def refuse_target(self, location: str, *, stream: str | None = ...) -> None: ...

    def write_log(self, location: str, records: tuple[Record, ...], *, exclusive: bool,
                  stream: str | None = ...) -> int: ...


_KINDS: tuple[StoreKind, ...] = (PostgresStore, SqliteStore, JsonlStore)
"""The registry: each kind of store, asked in turn whether a location is its own."""

_READ_AS = JsonlStore
"""A location no kind claims is read as JSON Lines (a ``.txt`` file, ``/dev/stdin``); a new log needs a claimed name."""


def store_kind(location: str | os.PathLike[str], *, new: bool = False) -> StoreKind:
    """The kind of store at ``location``, from the registry: by its ending, or a ``postgresql://`` URL.

    Args:
        location: A file or a URL.
        new: A new log is to be made there: a name no kind claims is refused
            rather than read as JSON Lines.

    Raises:
        StoreError: ``new`` and no kind claims ``location``.
    """
    name = os.fspath(location)
    for kind in _KINDS:
        if kind.matches(name):
            return kind
    if new:
        choices = "; ".join(f"{' or '.join(kind.suffixes)} ({kind.name})" for kind in _KINDS)
        raise StoreError(f"{name}: name a new log by its kind: {choices}; for a table of rates, use "
                         "`negotiation timeline --format csv`")
    return _READ_AS


def open_store(location: str | os.PathLike[str], *, keep_unknown: bool = False, create: bool = True) -> EventStore:
    """Open the store at ``location``, choosing its kind through the registry.

    ``location`` is a file (``.sqlite``, ``.sqlite3`` or ``.db``: SQLite;
    anything else: JSON Lines) or a PostgreSQL URL
    (``postgresql://user@host/db#stream``; see :class:`PostgresStore`).

    Args:
        location: Where the store is.
        keep_unknown: Read records of unknown types or future versions as
            :class:`OpaqueRecord` instead of refusing them.
        create: Create the store if it is missing (for JSON Lines: on the
            first append). If false, open it to read: never created or
            changed, and a JSON Lines file is not read until asked.

    Raises:
        DecodeError: a JSON Lines log has a bad line (see :class:`JsonlStore`).
        StoreError: the location is not an event store (for SQLite: not a
            regular file, or not a database whose schema, triggers and
            ``application_id`` are the library's; see :class:`SqliteStore`;
            for PostgreSQL, see :class:`PostgresStore`), or other
            connections kept a SQLite store locked for 60 s.
        FileNotFoundError: the folder of a new SQLite store is missing; with
            ``create`` false, a SQLite store is missing.
        OSError: the file cannot be read.
    """
    name = os.fspath(location)
    return store_kind(name)(name, keep_unknown=keep_unknown, create=create)


@overload
def read_log(location: str | os.PathLike[str], *, keep_unknown: Literal[False] = ...,
             stream: str | None = ...) -> tuple[AnyEvent, ...]: ...
@overload
def read_log(location: str | os.PathLike[str], *, keep_unknown: bool,
             stream: str | None = ...) -> tuple[Record, ...]: ...
def read_log(location: str | os.PathLike[str], *, keep_unknown: bool = False,
             stream: str | None = None) -> tuple[Record, ...]:
    """Read one whole stream of a store (a log file's one stream), without changing it.

    A JSON Lines log is read as :func:`events.read_jsonl` reads it: as a
    stream, in bounded memory; a regular file or a pipe; an interrupted
    append at its end left out.

    Args:
        location: A log file or a PostgreSQL URL (see :func:`open_store`).
        keep_unknown: Keep records of unknown types or future versions.
        stream: The stream to read (default: the location's; see :class:`EventStore`).

    Warns:
        ChainWarning: the stream's hash chain is broken at a record that
            decodes (the records are still returned); in a SQLite store also
            a query column that disagrees with its record.

    Raises:
        FileNotFoundError: there is no such file (a store is never created by reading).
        IsADirectoryError: ``location`` is a folder.
        DecodeError: at the first record that does not decode (in a SQLite
            store also a record column that is not JSON text), naming it;
            a JSON Lines log that is a device or a socket, or a line over
            ``MAX_LINE_BYTES`` (refused unread).
        StoreError: a ``.sqlite`` file or a database is not an event store
            (see :class:`SqliteStore`, :class:`PostgresStore`) or fails to
            read it; ``stream`` is not in the store.
    """
    with open_store(location, keep_unknown=keep_unknown, create=False) as store:
        return store.load(stream=stream)


def check_log(location: str | os.PathLike[str], *, keep_unknown: bool = False,
              stream: str | None = None) -> LogCheck:
    """Decode every record of a stream that can be, collecting an error for each other one.

    A JSON Lines log is read as :func:`events.check_jsonl` reads it (a
    line over ``MAX_LINE_BYTES`` is an error, skipped unread).

    Warns:
        ChainWarning: the stream's hash chain is broken at a record that
            decodes; in a SQLite store also a query column that disagrees
            with its record.

    Raises:
        FileNotFoundError: there is no such file.
        IsADirectoryError: ``location`` is a folder.
        DecodeError: a JSON Lines log is a device or a socket, or a SQLite database.
        StoreError: a ``.sqlite`` file or a database is not an event store
            (see :class:`SqliteStore`, :class:`PostgresStore`) or fails to
            read it; ``stream`` is not in the store.
        OSError: the file cannot be read.
    """
    with open_store(location, keep_unknown=keep_unknown, create=False) as store:
        return store.check(stream=stream)


def verify_log(location: str | os.PathLike[str], *, head: str | None = None,
               stream: str | None = None) -> Verification:
    """Check a stream's hash chain (see ``events/_chain.py``) without decoding its events.

    In a SQLite store, every query column (``seq``, ``event_id``, ``type``,
    ``version``, ``effective``, ``recorded_us``) is also recomputed from its
    record, so that a column edited behind the chain's back is found; in a
    PostgreSQL store, likewise its columns (see :class:`PostgresStore`).

    Args:
        location: A log file or a PostgreSQL URL (see :func:`open_store`).
        head: A hash kept from earlier: the chain must still contain it.
        stream: The stream to check (default: the location's; see :class:`EventStore`).

    Returns:
        The :class:`Verification`: intact, unchained, or the first record
        that breaks the chain, by its line (JSON Lines) or record number
        (SQLite; in PostgreSQL its version in the stream). A line that is
        not JSON breaks the chain there; in a SQLite store, so does a row
        whose query column disagrees with its record (the problem names the
        column, what it holds and what the record says).

    Raises:
        FileNotFoundError: there is no such file.
        IsADirectoryError: ``location`` is a folder.
        DecodeError: a JSON Lines log is a device or a socket, or a SQLite
            database (a JSON Lines log is read as a stream; an interrupted
            append at its end is left out).
        StoreError: a ``.sqlite`` file is not an event store (see
            :class:`SqliteStore`; a store whose table is the library's but
            whose triggers, index or id are not is refused only when no row
            is wrong, else the result names the first wrong row and that
            too), or sqlite fails to read it; likewise a database;
            ``stream`` is not in the store.
        ValueError: ``head`` is not 64 hex digits.
    """
    name = os.fspath(location)
    with store_kind(name)(name, create=False, strict=False) as store:  # a store whose safeguards were removed is verified all the same
        return store.verify(head=head, stream=stream)


def raw_records(location: str | os.PathLike[str], *, stream: str | None = None) -> list[Any]:
    """Every stored record of a stream as parsed JSON (chain field included), undecoded; ``None`` for a bad line.

    In a SQLite store, a record column that is not JSON text is ``None`` too.

    Raises:
        FileNotFoundError: there is no such file.
        StoreError: a ``.sqlite`` file or a database is not an event store, or fails to read it.
    """
    with open_store(location, create=False) as store:
        return [record for _, record in store.raw(stream=stream)]
