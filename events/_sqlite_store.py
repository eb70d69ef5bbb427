"""An append-only event store in a SQLite database (the standard library's ``sqlite3``).

A SQLite file is an event store only if it says so: ``PRAGMA application_id``
is :data:`APPLICATION_ID` (or 0, in a store made before the library set it),
and its schema is exactly the library's: the ``records`` table with its
columns and declared types, its index, and the two append-only triggers.
Anything else is refused, untouched, with a :class:`StoreError`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import shutil
import sqlite3
import stat
import tempfile
import time
import weakref
from collections.abc import Generator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Self

import attrs

from ._chain import (
    GENESIS,
    HASH_FIELD,
    Verification,
    is_hash,
    record_hash,
    verify_stored,
)
from ._codec import (
    MAX_LINE_BYTES,
    LogCheck,
    Record,
    encode_line,
    fast_record,
    fast_session,
    from_dict,
    parse_line,
    to_record,
    warn_broken_chain,
)
from ._errors import ConcurrencyError, DecodeError, DuplicateEventError, StoreError
from ._files import log_file, publish, refuse_target
from ._iso import parse_instant
from ._opaque import OpaqueRecord
from ._references import Reference, defined_ids, refuse_unresolved
from ._store_base import Committed, check_after, check_expected, checked_items, file_stream, poll, single_stream
from ._vocabulary import Event

__all__ = ["APPLICATION_ID", "SQLITE_SUFFIXES", "SqliteStore", "busy_or_not_a_store", "verify_sqlite"]

SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
"""File name endings that mean a SQLite store."""

APPLICATION_ID = 0x4E454753
"""``PRAGMA application_id`` of an event store ("NEGS" in ASCII, 1313163091).

Stores made by versions of the library before it carry 0; they open if their
schema and triggers are exactly the library's, and get this id with their
next append.
"""

# The schema, statement by statement (the text is that of every earlier version: stores they made match it).
_STATEMENTS = (
    """CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,         -- 1, 2, 3, ... in the order of appending
    event_id TEXT UNIQUE,            -- NULL only for an opaque record without one
    type TEXT NOT NULL,
    version INTEGER,
    effective TEXT,                  -- valid time, YYYY-MM-DD (sorts as dates)
    recorded_us INTEGER,             -- transaction time, microseconds since 1970-01-01T00:00Z
    record TEXT NOT NULL,            -- the stored record as JSON, without the chain field
    hash TEXT NOT NULL               -- the chain hash (events/_chain.py)
)""",
    "CREATE INDEX IF NOT EXISTS records_recorded ON records (recorded_us)",
    """CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: UPDATE is forbidden'); END""",
    """CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: DELETE is forbidden'); END""",
)

_DERIVED = ("event_id", "type", "version", "effective", "recorded_us")
"""The query columns, each derived from the record column (see :func:`_derived`)."""

_INT_MAX = 2**63 - 1

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_WAIT = 60.0
"""Seconds an open or an append waits for a store another connection holds locked."""

_KINDS = {"blob": "a BLOB", "integer": "an integer", "real": "a real number", "null": "NULL", "text": "text"}

_FILE_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def busy_or_not_a_store(path: str, error: sqlite3.DatabaseError) -> StoreError:
    """The StoreError for a sqlite3 error met on opening or changing a store: busy, or not a store."""
    if _is_busy(error):
        return StoreError(f"{path}: the store is busy: another connection holds it locked; try again when it is done")
    return StoreError(f"{path}: not a SQLite event store ({error})")


class SqliteStore:
    """An event log in a SQLite database, in WAL mode, that only ever grows.

    Records have sequence numbers 1, 2, 3, ...; event ids are unique;
    triggers forbid UPDATE and DELETE. Each append is one transaction
    (``BEGIN IMMEDIATE``), so concurrent writers, in threads or processes,
    are serialized: nothing is lost or duplicated. Transaction times are
    stored as integer microseconds since the epoch (UTC), so SQL compares
    instants, not strings. Every record carries its chain hash.

    A file is opened only if it is an event store: ``PRAGMA application_id``
    is :data:`APPLICATION_ID`, or 0 in a store made by an earlier version
    of the library (set on its next append), and its tables, columns,
    declared types, index and triggers are exactly the library's (tables
    ``sqlite_stat*`` that ``ANALYZE`` makes are allowed). Anything else is
    refused and left as it was. Opening a new or existing store waits, like
    an append, while other connections create or hold it.

    Args:
        path: The database file; created with the schema if missing (unless
            ``create`` is false), in an existing folder.
        keep_unknown: Read records of unknown types or future versions as
            :class:`OpaqueRecord` instead of raising.
        create: Create the database if it does not exist; if false, open it
            read-only (reading never writes to a store).
        strict: Refuse a store whose table is the library's but whose
            triggers, index or id are not; false only to :meth:`verify` one
            (which names that too).

    Raises:
        FileNotFoundError: the file is missing and ``create`` is false, or
            its folder is missing.
        NotADirectoryError: what should be its folder is a file.
        IsADirectoryError: ``path`` is a folder.
        StoreError: ``path`` is not a regular file (a FIFO, socket or
            device, never opened); the file is not a SQLite database or
            not an event store (see above); sqlite cannot open it; or
            other connections kept it locked for 60 s.
        OSError: the file's status cannot be read (e.g. permissions).
    """

    name: ClassVar[str] = "SQLite"
    """The kind of store, in words."""
    unit: ClassVar[str] = "record"
    """What the numbers in its errors and verifications count: sequence numbers."""
    suffixes: ClassVar[tuple[str, ...]] = SQLITE_SUFFIXES
    """File name endings of a SQLite store."""
    repairable: ClassVar[bool] = False
    """Appends are transactions: nothing is ever torn."""

    def __init__(self, path: str | os.PathLike[str], *, keep_unknown: bool = False, create: bool = True,
                 strict: bool = True) -> None:
        self._setup(path, keep_unknown=keep_unknown, create=create, strict=strict)

    @staticmethod
    def matches(location: str) -> bool:
        """Whether ``location`` names a SQLite store by its ending (.sqlite, .sqlite3, .db)."""
        return Path(location).suffix.lower() in SQLITE_SUFFIXES

    @classmethod
    def _for_verify(cls, path: str | os.PathLike[str]) -> SqliteStore:
        """A read-only store whose table is the library's, even if its triggers, index or id are not."""
        store = cls.__new__(cls)
        store._setup(path, keep_unknown=False, create=False, strict=False)
        return store

    def _setup(self, path: str | os.PathLike[str], *, keep_unknown: bool, create: bool, strict: bool) -> None:
        self._path = os.fspath(path)
        self._stream = file_stream(self._path)
        self._keep_unknown = keep_unknown
        self._foreign: str | None = None
        # The file this store appends to: stat before sqlite opens it, so that a file replaced meanwhile
        # (by an upgrade) is noticed by the first append rather than written to in its unlinked form.
        status = _regular_file_or_none(self._path, create=create)
        try:
            if create:
                self._db = sqlite3.connect(self._path, isolation_level=None, timeout=_WAIT)
            else:
                self._db = sqlite3.connect(f"{Path(self._path).resolve().as_uri()}?mode=ro", uri=True,
                                           isolation_level=None, timeout=_WAIT)
        except sqlite3.Error as exc:
            raise StoreError(f"{self._path}: sqlite cannot open it ({exc})") from exc
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(_WAIT * 1000)}")
            self._retrying(lambda: self._open(create=create, strict=strict))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise busy_or_not_a_store(self._path, exc) from exc
        except BaseException:
            self._db.close()
            raise
        self._identity = (status.st_dev, status.st_ino) if status is not None else _identity(self._path)
        self._sound = 0  # records 1.._sound were found sound by an append (see _check_stored)
        self._defined: set[Reference] = set()  # what records 1.._learned define, for appends' references
        self._learned = 0
        # sqlite3 connections sit in reference cycles: close ours as soon as the store is dropped,
        # not at the next garbage collection, so that a dropped store never keeps the file in use.
        weakref.finalize(self, self._db.close)

    def _retrying(self, step: Any) -> Any:
        """Run ``step``, again after a short pause while the store is busy (for at most 60 s)."""
        deadline = time.monotonic() + _WAIT
        while True:
            try:
                return step()
            except sqlite3.OperationalError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(random.uniform(0.002, 0.02))

    def _open(self, *, create: bool, strict: bool) -> None:
        """Create the schema in an empty database, check that the file is an event store, set WAL mode."""
        db = self._db
        app_id, objects, columns = _inspect(db)
        if create and not objects and app_id in (0, APPLICATION_ID):
            db.execute("BEGIN IMMEDIATE")  # one creator; the others wait here, then find the schema made
            try:
                app_id, objects, columns = _inspect(db)
                if not objects and app_id in (0, APPLICATION_ID):
                    for statement in _STATEMENTS:
                        db.execute(statement)
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    app_id, objects, columns = _inspect(db)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        table_problem = _table_problem(objects, columns)
        if table_problem is not None:  # another application's id says more than its tables
            problem = _ownership_problem(app_id, {}) if app_id not in (0, APPLICATION_ID) else table_problem
            raise StoreError(f"{self._path}: not an event store ({problem}); it was left as it was")
        self._foreign = _ownership_problem(app_id, objects)
        if self._foreign is not None and strict:
            raise StoreError(f"{self._path}: not an event store ({self._foreign}); it was left as it was")
        if create:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")  # raises "database is locked" while others read: retried
            db.execute("PRAGMA synchronous = FULL")

    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    @property
    def location(self) -> str:
        """The database file, as named in messages."""
        return self._path

    @property
    def stream(self) -> str:
        """The file's one stream: its name without the extension."""
        return self._stream

    def streams(self) -> dict[str, int]:
        """The file's one stream and its version: ``{"us-china": 78}``."""
        return {self._stream: self.version}

    @property
    def version(self) -> int:
        """How many records the store holds now (0 for an empty store).

        Raises:
            StoreError: sqlite fails to read the store (e.g. a damaged file).
        """
        try:
            row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()
        except sqlite3.DatabaseError as exc:
            raise self._failure(exc) from exc
        return int(row[0])

    def close(self) -> None:
        """Close the connection (the store may not be used after)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def raw(self, *, after: int = 0, stream: str | None = None) -> Iterator[tuple[int, Any]]:
        """Yield (sequence number, stored record as parsed JSON, chain field included) after ``after``.

        A record whose column is not JSON text (a BLOB, a number, NULL,
        bytes that are not UTF-8, malformed or non-strict JSON) or not a
        JSON object is ``None``.

        Raises:
            StoreError: sqlite fails to read the store (e.g. a damaged file);
                ``stream`` is not the file's.
        """
        single_stream(self._path, self._stream, stream)
        for seq, item, _ in self._rows(after=after):
            yield seq, None if isinstance(item, DecodeError) else item

    def scan(self, *, after: int = 0) -> Iterator[tuple[int, Record | DecodeError]]:
        """Yield (sequence number, record or its error) after ``after``, collecting rather than raising.

        Each error names the file and the record's sequence number.

        Raises:
            StoreError: sqlite fails to read the store (e.g. a damaged file).
        """
        with fast_session():
            for seq, item, _, event, _ in self._decoded_rows(after=after):
                if event is not None:
                    yield seq, event
                    continue
                try:
                    yield seq, self._decode_row(seq, item)
                except DecodeError as exc:
                    yield seq, exc

    def _decode_row(self, seq: int, item: dict[str, Any] | DecodeError) -> Record:
        """The record of a row the fast path did not prove, the slow way.

        Raises:
            DecodeError: naming the file and the record's sequence number.
        """
        try:
            if isinstance(item, DecodeError):
                raise item
            if seq < 1:
                raise DecodeError("a sequence number below 1, which the library never writes "
                                  "(see `negotiation verify`)")
            return from_dict(item, keep_unknown=self._keep_unknown)
        except DecodeError as exc:
            raise exc.located(path=self._path, line=seq, unit="record") from exc.__cause__

    def _read_verified(self) -> tuple[tuple[Record, ...], Verification]:
        """Every stored record, and what :func:`verify_sqlite` finds, in one pass over the store.

        Raises:
            DecodeError: at the first record that does not decode, as :meth:`read` raises it.
            StoreError: sqlite fails to read the store.
        """
        found: list[Record] = []
        with fast_session():
            rows = self._decoded_rows(columns=True)

            def decoded() -> Iterator[tuple[int, dict[str, Any] | DecodeError, tuple[Any, ...], Record | None,
                                            bytes | None]]:
                for row in rows:
                    seq, item, _, event, _ = row
                    found.append(event if event is not None else self._decode_row(seq, item))
                    yield row

            try:
                verification = _verified(self, decoded())
                for _ in decoded():  # the rest, after a break of the chain
                    pass
            finally:
                rows.close()  # its statement, which holds the store's read lock, ends here even on an error
        return tuple(found), verification

    def read(self, *, after: int = 0, stream: str | None = None) -> Iterator[Record]:
        """Yield the stored records after the first ``after``, in sequence order.

        Raises:
            DecodeError: a stored record does not decode (including a record
                column that is not JSON text); names the record's sequence number.
            StoreError: ``after`` is negative; sqlite fails to read the store;
                ``stream`` is not the file's.
        """
        check_after(self._path, after)
        single_stream(self._path, self._stream, stream)
        for _, item in self.scan(after=after):
            if isinstance(item, DecodeError):
                raise item
            yield item

    def append(self, events: Iterable[Record], *, expected_version: int | None = None,
               stream: str | None = None) -> int:
        """Append events (and kept opaque records) in one transaction, all or nothing.

        An event whose id is already stored with the same content is skipped
        (a retried append is harmless). The first append to a store made by
        an earlier version of the library also sets its ``application_id``.

        Args:
            events: What to append, in order.
            expected_version: The version the caller last saw; if the store
                has moved past it, nothing is written.

        Returns:
            The store's version when the append commits, read back from the
            store (what it holds, counting other writers' earlier appends).

        Raises:
            ConcurrencyError: ``expected_version`` is not the store's version.
            DuplicateEventError: an id is stored (or repeated in ``events``)
                with different content.
            TypeError: an item is not an event or opaque record.
            StoreError: ``expected_version`` is not ``None`` or an integer from 0;
                a line would exceed ``MAX_LINE_BYTES`` (so that the store
                converts to JSON Lines); the store stayed locked for 60 s; the
                file was replaced since it was opened, or is no longer an
                event store (its schema, triggers or id changed); the last
                stored record's hash column holds no chain hash; the store
                holds fewer new records than were written (something
                dropped them); sqlite fails; ``stream`` is not the file's.
                Nothing is written in each case.
        """
        check_expected(self._path, expected_version)
        single_stream(self._path, self._stream, stream)
        items = checked_items(events)
        records = [to_record(item) for item in items]
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise busy_or_not_a_store(self._path, exc) from exc
        try:
            version = self._append_in_transaction(items, records, expected_version)
            db.execute("COMMIT")
            self._sound = version
        except sqlite3.DatabaseError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreError(f"{self._path}: {exc}; nothing was written") from exc
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return version

    def load(self, *, stream: str | None = None) -> tuple[Record, ...]:
        """Every record, then the hash chain and query columns checked (see :func:`verify_sqlite`).

        Warns:
            ChainWarning: the chain is broken, or a query column disagrees with its record.

        Raises:
            DecodeError: at the first record that does not decode, naming it.
            StoreError: sqlite fails to read the store; ``stream`` is not the file's.
        """
        single_stream(self._path, self._stream, stream)
        found, verification = self._read_verified()  # what verify_sqlite finds, in the same pass
        warn_broken_chain(verification)
        return found

    def check(self, *, stream: str | None = None) -> LogCheck:
        """Decode every record that can be, collecting an error for each other one; warn of a broken chain."""
        single_stream(self._path, self._stream, stream)
        checked = LogCheck.of(self.scan())
        if not checked.errors:
            warn_broken_chain(verify_sqlite(self._path))
        return checked

    def verify(self, *, head: str | None = None, stream: str | None = None) -> Verification:
        """Check the hash chain and the query columns (see :func:`verify_sqlite`)."""
        single_stream(self._path, self._stream, stream)
        return verify_sqlite(self._path, head=head)

    def follow(self, *, after: int = 0, stream: str | None = None, idle: float | None = None) -> Iterator[Committed]:
        """Yield each record after the first ``after`` as it is committed, looking for new ones five times a second.

        Stops after ``idle`` seconds with nothing new (``None``: never).

        Raises:
            StoreError: ``after`` is negative; ``stream`` is not the file's; sqlite fails.
            DecodeError: a record does not decode.
        """
        check_after(self._path, after)
        single_stream(self._path, self._stream, stream)
        return poll(lambda done: self.read(after=done), self._stream, after, idle)

    @staticmethod
    def log_file(location: str, follow_symlinks: bool) -> str:
        """The regular file maintenance works on (see :func:`events._files.log_file`)."""
        return log_file(location, follow_symlinks)

    @staticmethod
    @contextlib.contextmanager
    def hold(path: str, *, writable: bool = False) -> Iterator[int | None]:
        """Hold off every appender while a whole-log operation runs.

        The store is first brought out of WAL mode, which fails while
        another connection has it open, and then held with a write lock.
        Yields ``None``: there is no file descriptor to hand over.
        """
        SqliteStore(path, create=False).close()  # refuses what is not an event store
        db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        try:
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                if db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
                    raise sqlite3.OperationalError("database is locked")
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise busy_or_not_a_store(path, exc) from exc
            yield None
        finally:
            db.close()

    refuse_target = staticmethod(refuse_target)

    @staticmethod
    def write_log(path: str, records: tuple[Record, ...], *, exclusive: bool, stream: str | None = None) -> int:
        """Write ``records`` as a new store and put it at ``path``; return its record count.

        The store is written in a private folder beside ``path``, in one
        file (no write-ahead log), then renamed over ``path`` or, with
        ``exclusive``, published only if nothing is at ``path`` (see
        :func:`events._files.publish`). ``stream`` is the file's anyway.
        """
        target = Path(path)
        folder = tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.")  # private (0700): nobody plants links in it
        temp = os.path.join(folder, f"new{target.suffix}")
        try:
            with SqliteStore(temp) as store:
                count = store.append(records)
            db = sqlite3.connect(temp)
            try:
                db.execute("PRAGMA journal_mode = DELETE")  # one file, with no write-ahead log beside it
            finally:
                db.close()
            if exclusive:
                publish(temp, target)
            else:
                os.replace(temp, target)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return count

    def _append_in_transaction(self, items: list[Record], records: list[dict[str, Any]],
                               expected_version: int | None) -> int:
        db = self._db
        if _identity(self._path) != self._identity:
            raise StoreError(f"{self._path}: the file was replaced (upgraded?) since this store opened it; "
                             "nothing was written: open the store again")
        app_id, objects, columns = _inspect(db)
        problem = _table_problem(objects, columns) or _ownership_problem(app_id, objects)
        if problem is not None:
            raise StoreError(f"{self._path}: not an event store ({problem}); nothing was written")
        start, previous = self._check_stored()
        if expected_version is not None and expected_version != start:
            raise ConcurrencyError(path=self._path, expected=expected_version, actual=start)
        self._learn_definitions(start)
        refuse_unresolved(self._path, self._defined, items)
        seq = start
        for record in records:
            text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            chained = record_hash(previous, record)
            encode_line({**record, HASH_FIELD: chained})  # convertible to JSON Lines: within the size limit
            derived = _derived(record)
            event_id = derived[0]
            try:
                db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (seq + 1, *derived, text, chained))
            except sqlite3.IntegrityError as exc:  # the id is stored: the same record is skipped, another refused
                stored = db.execute("SELECT seq, typeof(record), CAST(record AS BLOB) FROM records "
                                    "WHERE event_id = ?", (event_id,)).fetchone()
                if stored is None:
                    raise StoreError(f"{self._path}: {exc}; nothing was written") from exc
                if stored[1] != "text" or stored[2] != text.encode("utf-8"):
                    raise DuplicateEventError(path=self._path, event_id=str(event_id),
                                              where=f"record {stored[0]}") from None
                continue
            seq, previous = seq + 1, chained
        if seq > start:
            # Read back what the transaction holds: a record dropped on the way is an error, never a count.
            held, version = db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM records WHERE seq > ?",
                                       (start,)).fetchone()
            if (held, version) != (seq - start, seq):
                raise StoreError(f"{self._path}: {seq - start} record(s) were written, but the store holds "
                                 f"{held} of them (something dropped them); nothing was written")
            if app_id != APPLICATION_ID:  # a store made before the library set its id: set it now
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        version = db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
        return int(version)

    def _learn_definitions(self, upto: int) -> None:
        """Add what records after those already learned (up to ``upto``) define; a record that does not decode defines nothing."""
        for number, item in self.scan(after=self._learned):
            if number > upto:
                break
            if not isinstance(item, (DecodeError, OpaqueRecord)):
                self._defined.update(defined_ids(item))
            self._learned = number

    def _check_stored(self) -> tuple[int, str]:
        """Check the records not yet found sound (all, at a store's first append); return the last seq and hash.

        Like a JSON Lines store, which reads what others wrote before it
        appends, a store never appends after a damaged record: each stored
        record column must be a JSON object, each hash column a chain hash,
        and sequence numbers must run 1, 2, 3, ... (Whether the records are
        valid events, and the chain intact, is for ``validate`` and ``verify``.)
        """
        first = self._db.execute("SELECT MIN(seq) FROM records").fetchone()[0]
        if first is not None and first < 1:
            raise StoreError(f"{self._path}, record {first}: a sequence number below 1, which the library "
                             "never writes; nothing was written (see `negotiation verify`)")
        seq, previous = self._sound, None
        for number, item, _ in self._rows(after=self._sound):
            if number != seq + 1:
                raise StoreError(f"{self._path}, record {number}: sequence numbers jump from {seq} to {number}; "
                                 "nothing was written (see `negotiation verify`)")
            if isinstance(item, DecodeError):
                raise item.located(path=self._path, line=number, unit="record")
            previous = item[HASH_FIELD]
            if not is_hash(previous):
                raise DecodeError("the hash column holds no chain hash; nothing was written (see `negotiation verify`)",
                                  path=self._path, line=number, unit="record", field=HASH_FIELD)
            seq = number
        if previous is None and seq > 0:
            row = self._db.execute("SELECT typeof(hash), CAST(hash AS BLOB) FROM records WHERE seq = ?",
                                   (seq,)).fetchone()
            if row is None:
                raise StoreError(f"{self._path}, record {seq}: the record is gone; nothing was written "
                                 "(see `negotiation verify`)")
            previous = _hash_value(*row)
        return seq, previous or GENESIS

    def _rows(self, *, after: int = 0,
              columns: bool = False) -> Iterator[tuple[int, dict[str, Any] | DecodeError, tuple[Any, ...]]]:
        """Yield (seq, parsed record with its chain field or its error, stored query columns) after ``after``.

        Each column is read with its storage class, so that a crafted file
        (a BLOB, a number or NULL where JSON text belongs, bytes that are
        not UTF-8) gives an error for its row rather than a failed read.
        """
        for seq, record, derived, _, _ in self._decoded_rows(after=after, columns=columns, decode=False):
            yield seq, record, derived

    def _decoded_rows(self, *, after: int = 0, columns: bool = False,
                      decode: bool = True) -> Generator[tuple[int, dict[str, Any] | DecodeError, tuple[Any, ...],
                                                              Record | None, bytes | None], None, None]:
        """:meth:`_rows`, with each row's event and body when ``decode`` and the codec's fast path proves it.

        The body is the record without its chain field as orjson writes it
        (see ``events/_chain.py``). A row the fast path does not prove has
        ``None`` for both, and is parsed as :meth:`_rows` parses it.
        """
        try:
            for seq, kind, body, hash_kind, hash_body, derived in self._fetched(after, columns):
                if decode and kind == "text" and body is not None and len(body) <= MAX_LINE_BYTES and seq >= 1:
                    fast = fast_record(body, stored_hash=_hash_value(hash_kind, hash_body))
                    if fast is not None:
                        yield seq, fast[0], derived, fast[1], fast[2]
                        continue
                try:
                    record = _record(kind, body)
                except DecodeError as exc:
                    yield seq, exc, derived, None, None
                    continue
                record[HASH_FIELD] = _hash_value(hash_kind, hash_body)
                yield seq, record, derived, None, None
        except sqlite3.DatabaseError as exc:
            raise self._failure(exc) from exc

    def _fetched(self, after: int, columns: bool) -> Iterator[tuple[int, str, bytes | None, str, bytes | None,
                                                                    tuple[Any, ...]]]:
        """(seq, record's storage class and bytes, hash's, query columns or ``()``) of the rows after ``after``.

        The record and hash columns are read as storage class and bytes
        (``CAST(x AS BLOB)``), so that a crafted file (a BLOB, a number or
        NULL where JSON text belongs, bytes that are not UTF-8) gives an
        error for its row rather than a failed read. The query columns are
        read as values, as :func:`_value` makes them from storage class and
        bytes: a row holding a real is read again that way, and from a text
        that is not UTF-8 on (sqlite refuses to read it as a value), every row.
        """
        head = "SELECT seq, typeof(record), CAST(record AS BLOB), typeof(hash), CAST(hash AS BLOB)"
        plain = ", event_id, type, version, effective, recorded_us" if columns else ""
        by_class = "".join(f", typeof({name}), CAST({name} AS BLOB)" for name in _DERIVED)
        started = False
        while True:
            where = " WHERE seq > ?" if after or started else ""  # from the start: also rows below 1
            query = f"{head}{plain} FROM records{where} ORDER BY seq"
            try:
                for seq, kind, body, hash_kind, hash_body, *stored in self._db.execute(
                        query, (min(after, _INT_MAX),) if where else ()):
                    derived = tuple(stored)
                    if plain and float in map(type, derived):
                        again = self._db.execute(f"SELECT 0{by_class} FROM records WHERE seq = ?", (seq,)).fetchone()
                        derived = tuple(_value(again[i], again[i + 1]) for i in range(1, len(again), 2))
                    elif plain == by_class:
                        derived = tuple(_value(stored[i], stored[i + 1]) for i in range(0, len(stored), 2))
                    started, after = True, seq
                    yield int(seq), kind, body, hash_kind, hash_body, derived
                return
            except sqlite3.OperationalError:
                if not plain or plain == by_class:
                    raise
                plain = by_class  # a query column of text that is not UTF-8: read every column by class from here

    def _failure(self, error: sqlite3.DatabaseError) -> StoreError:
        if _is_busy(error):
            return busy_or_not_a_store(self._path, error)
        return StoreError(f"{self._path}: sqlite cannot read the store ({error})")


def verify_sqlite(path: str | os.PathLike[str], *, head: str | None = None) -> Verification:
    """Check a SQLite store's hash chain and its query columns, without decoding its events.

    Every record's chain hash is checked (see :func:`verify_records`), and
    every query column (``seq``, ``event_id``, ``type``, ``version``,
    ``effective``, ``recorded_us``) is recomputed from its record: the first
    row where the chain breaks or a column disagrees is reported, with the
    column, what it holds and what its record says (at one row, the chain
    first). A store whose table is the library's but whose triggers, index
    or ``application_id`` are not is verified all the same when a row is
    wrong (the result says that too), and refused when every row is right.

    Raises:
        FileNotFoundError: there is no such file.
        StoreError: the file is not an event store (see :class:`SqliteStore`).
        ValueError: ``head`` is not 64 hex digits.
    """
    with SqliteStore._for_verify(path) as store:
        return _verified(store, store._decoded_rows(columns=True, decode=False), head=head)


def _verified(store: SqliteStore, rows: Iterable[tuple[int, dict[str, Any] | DecodeError, tuple[Any, ...],
                                                       Record | None, bytes | None]],
              *, head: str | None = None) -> Verification:
    """What :func:`verify_sqlite` finds in ``rows`` (of ``store._decoded_rows(columns=True)``), read up to a break."""
    reasons: dict[int, str] = {}
    column: list[tuple[int, int, str]] = []  # the first disagreeing row: (seq, records read, problem)

    def fed() -> Iterator[tuple[int, Any, bytes | None]]:
        previous = 0
        for count, (seq, item, stored, event, body) in enumerate(rows, start=1):
            if isinstance(item, DecodeError):
                reasons[seq] = f"{item.reason}: not a record of an event log"
            if not column:
                problem = _column_problem(seq, previous, item, stored, event)
                if problem is not None:
                    column.append((seq, count, problem))
            previous = seq
            yield seq, None if isinstance(item, DecodeError) else item, body

    found = verify_stored(store.path, fed(), unit="record", head=head)
    if found.first_bad in reasons:
        found = attrs.evolve(found, problem=reasons[found.first_bad])
    if column and (found.first_bad is None or column[0][0] < found.first_bad):
        seq, count, problem = column[0]
        found = Verification(path=store.path, records=count, chained=True, head=None, first_bad=seq,
                             unit="record", problem=problem)
    if store._foreign is not None:
        if found.first_bad is None:
            raise StoreError(f"{store.path}: not an event store ({store._foreign}); it was left as it was")
        found = attrs.evolve(found, problem=f"{found.problem}; besides, {store._foreign}")
    return found


def _column_problem(seq: int, previous: int, item: dict[str, Any] | DecodeError,
                    stored: tuple[Any, ...], event: Record | None = None) -> str | None:
    """What is wrong with a row's query columns, or ``None`` (``event``: the record decoded, if it was)."""
    if seq != previous + 1:
        return (f"column 'seq' holds {seq}, expected {previous + 1}: records are missing before it, "
                "or it was inserted by hand")
    if isinstance(item, DecodeError):
        return None  # the chain check names the record itself
    derived = _derived(item, event.recorded if isinstance(event, Event) else None)
    if stored == derived and list(map(type, stored)) == list(map(type, derived)):
        return None
    for name, held, expected in zip(_DERIVED, stored, derived, strict=True):
        if type(held) is not type(expected) or held != expected:
            return (f"column {name!r} holds {held!r}, but its record says {expected!r}: the column was edited, "
                    "so SQL over it answers wrongly")
    return None


def _inspect(db: sqlite3.Connection) -> tuple[int, dict[str, tuple[str, str, str | None]], list[tuple[Any, ...]]]:
    """The database's application id, its schema objects by name, and the columns of ``records``."""
    app_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    objects = {name: (kind, table, " ".join(sql.split()) if sql is not None else None)
               for kind, name, table, sql in db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
               if not name.startswith("sqlite_stat")}
    columns = [tuple(row[1:6]) for row in db.execute("PRAGMA table_info(records)")]
    return app_id, objects, columns


def _reference() -> tuple[dict[str, tuple[str, str, str | None]], list[tuple[Any, ...]]]:
    db = sqlite3.connect(":memory:")
    try:
        for statement in _STATEMENTS:
            db.execute(statement)
        _, objects, columns = _inspect(db)
    finally:
        db.close()
    return objects, columns


_OBJECTS, _COLUMNS = _reference()
"""The library's schema objects (name: type, table, SQL) and the columns of ``records`` as sqlite reports them."""


def _table_problem(objects: dict[str, tuple[str, str, str | None]], columns: list[tuple[Any, ...]]) -> str | None:
    """Why the ``records`` table is not the library's (names, declared types, constraints), or ``None``."""
    if not objects:
        return "an empty database, with no 'records' table"
    if objects.get("records", ("",))[0] != "table":
        return "no 'records' table"
    if columns == _COLUMNS:
        return None
    have = {column[0]: column for column in columns}
    want = {column[0]: column for column in _COLUMNS}
    if missing := [name for name in want if name not in have]:
        return f"its 'records' table lacks {', '.join(missing)}"
    if extra := [name for name in have if name not in want]:
        return f"its 'records' table has columns the library does not make: {', '.join(extra)}"
    for name, (_, kind, not_null, _, key) in want.items():
        if (have[name][1], have[name][2], have[name][4]) != (kind, not_null, key):
            declared = " ".join(filter(None, [have[name][1] or "(no type)", "NOT NULL" if have[name][2] else "",
                                              "PRIMARY KEY" if have[name][4] else ""]))
            expected = " ".join(filter(None, [kind, "NOT NULL" if not_null else "", "PRIMARY KEY" if key else ""]))
            return f"its 'records' column {name} is declared {declared}, not {expected}"
    return "its 'records' columns are not declared as the library declares them"


def _ownership_problem(app_id: int, objects: dict[str, tuple[str, str, str | None]]) -> str | None:
    """Why a database whose ``records`` columns are the library's is still not an event store, or ``None``."""
    if app_id not in (0, APPLICATION_ID):
        return f"its application_id is {app_id}, not this library's {APPLICATION_ID}"
    for name in [*_OBJECTS, *sorted(set(objects) - set(_OBJECTS))]:
        kind = (objects.get(name) or _OBJECTS[name])[0]
        what = "append-only trigger" if name in _OBJECTS and kind == "trigger" else kind
        if name not in objects:
            return f"its {what} {name!r} is missing"
        if name not in _OBJECTS:
            return f"it holds {'an' if what[0] in 'aeiou' else 'a'} {what} {name!r} that the library does not make"
        if objects[name] != _OBJECTS[name]:
            return f"its {what} {name!r} is not the library's"
    return None


def _regular_file_or_none(path: str, *, create: bool) -> os.stat_result | None:
    """The status of the store's file, ``None`` if it is missing (and may be created); refuse anything else.

    Checked before sqlite opens anything, so that a FIFO is never opened (which would block).
    """
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        status = None
    if status is None:
        if not create:
            raise FileNotFoundError(errno.ENOENT, "No such file", path)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                raise NotADirectoryError(errno.ENOTDIR, f"{folder} is not a folder", path)
            raise FileNotFoundError(errno.ENOENT, f"No such folder {folder} (a store is made only in "
                                    "an existing folder)", path)
        return None
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, "Is a folder, not a store", path)
    for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        try:
            mode = os.stat(name).st_mode if name != path else status.st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not stat.S_ISREG(mode):
            kind = next((words for test, words in _FILE_KINDS if test(mode)), "not a regular file")
            raise StoreError(f"{name}: not an event store: it is {kind}, not a regular file; it was not opened")
    return status


def _identity(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def _is_busy(error: BaseException) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _record(kind: str, body: bytes | None) -> dict[str, Any]:
    """The record column's JSON object, from its storage class and bytes.

    Raises:
        DecodeError: the column is not text, not UTF-8, not strict JSON or not an object.
    """
    if kind != "text" or body is None:
        raise DecodeError(f"the record column holds {_KINDS.get(kind, kind)}, not JSON text")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"the record column is not valid UTF-8 (bad byte at byte {exc.start + 1})") from None
    record = parse_line(text)  # as strictly as a line of a JSON Lines log
    if not isinstance(record, dict):
        raise DecodeError("the record column holds JSON that is not an object")
    return record


def _hash_value(kind: str, body: bytes | None) -> str:
    """The hash column as text; what it holds in words if it is not UTF-8 text (never a chain hash)."""
    if kind == "text" and body is not None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return "(bytes that are not UTF-8)"
    return f"({_KINDS.get(kind, kind)})"


def _value(kind: str, body: bytes | None) -> Any:
    """A column's value from its storage class and its bytes (``CAST(x AS BLOB)``): text that is not UTF-8 stays bytes."""
    if kind == "null" or body is None:
        return None
    if kind == "integer":
        return int(body)
    if kind == "real":
        return float(body)
    if kind == "text":
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return bytes(body)
    return bytes(body)


def _derived(record: dict[str, Any], recorded: datetime | None = None) -> tuple[str | None, str, int | None,
                                                                              str | None, int | None]:
    """The query columns of a record: event_id, type, version, effective, recorded_us.

    ``recorded``: the record's ``"recorded"`` instant when its event was
    decoded (the same instant, in UTC), spared parsing again.
    """
    event_id = record.get("event_id")
    return (event_id if isinstance(event_id, str) else None, str(record.get("type")), _integer(record.get("v")),
            _text(record.get("effective")), _microseconds(record.get("recorded") if recorded is None else recorded))


def _integer(value: Any) -> int | None:
    return value if type(value) is int else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _microseconds(value: Any) -> int | None:
    """An ISO instant (or an aware datetime) as integer microseconds since the epoch; ``None`` if it is not one."""
    try:
        delta = (value if isinstance(value, datetime) else parse_instant(value)) - _EPOCH
    except (TypeError, ValueError):
        return None
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
