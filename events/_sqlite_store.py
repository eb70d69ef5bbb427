"""An append-only event store in a SQLite database (the standard library's ``sqlite3``)."""

from __future__ import annotations

import json
import os
import sqlite3
import weakref
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Self

from ._chain import GENESIS, HASH_FIELD, record_hash
from ._codec import Record, encode_line, from_dict, parse_line, to_record
from ._errors import ConcurrencyError, DecodeError, DuplicateEventError, StoreError
from ._iso import parse_instant
from ._jsonl_store import check_after, check_expected, checked_items

__all__ = ["SQLITE_SUFFIXES", "SqliteStore", "busy_or_not_a_store"]

SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
"""File name endings that mean a SQLite store; any other ending means JSON Lines."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,         -- 1, 2, 3, ... in the order of appending
    event_id TEXT UNIQUE,            -- NULL only for an opaque record without one
    type TEXT NOT NULL,
    version INTEGER,
    effective TEXT,                  -- valid time, YYYY-MM-DD (sorts as dates)
    recorded_us INTEGER,             -- transaction time, microseconds since 1970-01-01T00:00Z
    record TEXT NOT NULL,            -- the stored record as JSON, without the chain field
    hash TEXT NOT NULL               -- the chain hash (events/_chain.py)
);
CREATE INDEX IF NOT EXISTS records_recorded ON records (recorded_us);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: UPDATE is forbidden'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: DELETE is forbidden'); END;
"""

_COLUMNS = {"seq", "event_id", "type", "version", "effective", "recorded_us", "record", "hash"}

_INT_MAX = 2**63 - 1

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def busy_or_not_a_store(path: str, error: sqlite3.DatabaseError) -> StoreError:
    """The StoreError for a sqlite3 error met on opening or changing a store: busy, or not a store."""
    if "locked" in str(error) or "busy" in str(error):
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

    Args:
        path: The database file; created with the schema if missing (unless
            ``create`` is false).
        keep_unknown: Read records of unknown types or future versions as
            :class:`OpaqueRecord` instead of raising.
        create: Create the database if it does not exist; if false, open it
            read-only (reading never writes to a store).

    Raises:
        FileNotFoundError: the file is missing and ``create`` is false.
        StoreError: the file is not a SQLite database or not an event store,
            or another connection kept it locked for 60 s.
    """

    def __init__(self, path: str | os.PathLike[str], *, keep_unknown: bool = False, create: bool = True) -> None:
        self._path = os.fspath(path)
        self._keep_unknown = keep_unknown
        if Path(self._path).is_dir():
            raise IsADirectoryError(21, "Is a folder, not a store", self._path)
        if not create and not Path(self._path).is_file():
            raise FileNotFoundError(2, "No such file", self._path)
        if create:
            self._db = sqlite3.connect(self._path, isolation_level=None, timeout=60.0)
        else:
            self._db = sqlite3.connect(f"{Path(self._path).resolve().as_uri()}?mode=ro", uri=True,
                                       isolation_level=None, timeout=60.0)
        try:
            self._db.execute("PRAGMA busy_timeout = 60000")
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if (tables or not create) and "records" not in tables:
                raise StoreError(f"{self._path}: not an event store (no 'records' table)")
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(records)")}
            if tables and not _COLUMNS <= columns:
                raise StoreError(f"{self._path}: not an event store (its 'records' table lacks "
                                 f"{', '.join(sorted(_COLUMNS - columns))})")
            if create:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = FULL")
                self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise busy_or_not_a_store(self._path, exc) from exc
        except BaseException:
            self._db.close()
            raise
        self._identity = _identity(self._path)
        # sqlite3 connections sit in reference cycles: close ours as soon as the store is dropped,
        # not at the next garbage collection, so that a dropped store never keeps the file in use.
        weakref.finalize(self, self._db.close)

    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    @property
    def version(self) -> int:
        """How many records the store holds now (0 for an empty store)."""
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the connection (the store may not be used after)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def raw(self, *, after: int = 0) -> Iterator[tuple[int, Any]]:
        """Yield (sequence number, stored record as parsed JSON, chain field included) after ``after``."""
        rows = self._db.execute("SELECT seq, record, hash FROM records WHERE seq > ? ORDER BY seq",
                                (min(after, _INT_MAX),))
        for seq, text, carried in rows:
            try:
                record = parse_line(text)  # as strictly as a line of a JSON Lines log
            except DecodeError:
                yield seq, None
                continue
            if isinstance(record, dict):
                record[HASH_FIELD] = carried
            yield seq, record

    def scan(self, *, after: int = 0) -> Iterator[tuple[int, Record | DecodeError]]:
        """Yield (sequence number, record or its error) after ``after``, collecting rather than raising."""
        for seq, record in self.raw(after=after):
            try:
                if record is None:
                    raise DecodeError("the record column is not strict JSON (see `negotiation verify`)")
                yield seq, from_dict(record, keep_unknown=self._keep_unknown)
            except DecodeError as exc:
                yield seq, exc.located(path=self._path, line=seq, unit="record")

    def read(self, *, after: int = 0) -> Iterator[Record]:
        """Yield the stored records after the first ``after``, in sequence order.

        Raises:
            DecodeError: a stored record does not decode; names the record's
                sequence number.
            StoreError: ``after`` is negative.
        """
        check_after(self._path, after)
        for _, item in self.scan(after=after):
            if isinstance(item, DecodeError):
                raise item
            yield item

    def append(self, events: Iterable[Record], *, expected_version: int | None = None) -> int:
        """Append events (and kept opaque records) in one transaction, all or nothing.

        An event whose id is already stored with the same content is skipped
        (a retried append is harmless).

        Args:
            events: What to append, in order.
            expected_version: The version the caller last saw; if the store
                has moved past it, nothing is written.

        Returns:
            The store's new version.

        Raises:
            ConcurrencyError: ``expected_version`` is not the store's version.
            DuplicateEventError: an id is stored (or repeated in ``events``)
                with different content.
            TypeError: an item is not an event or opaque record.
            StoreError: ``expected_version`` is not ``None`` or an integer from 0;
                a line would exceed ``MAX_LINE_BYTES`` (so that the store
                converts to JSON Lines); the store stayed locked for 60 s.
        """
        check_expected(self._path, expected_version)
        records = [to_record(item) for item in checked_items(events)]
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise busy_or_not_a_store(self._path, exc) from exc
        try:
            if _identity(self._path) != self._identity:
                raise StoreError(f"{self._path}: the file was replaced (upgraded?) since this store opened it; "
                                 "nothing was written: open the store again")
            seq, previous = db.execute("SELECT COALESCE(MAX(seq), 0), "
                                       "(SELECT hash FROM records ORDER BY seq DESC LIMIT 1) FROM records").fetchone()
            if expected_version is not None and expected_version != seq:
                raise ConcurrencyError(path=self._path, expected=expected_version, actual=seq)
            previous = previous or GENESIS
            for record in records:
                text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                event_id = record.get("event_id") if isinstance(record.get("event_id"), str) else None
                chained = record_hash(previous, record)
                encode_line({**record, HASH_FIELD: chained})  # convertible to JSON Lines: within the size limit
                try:
                    db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               (seq + 1, event_id, str(record.get("type")), _integer(record.get("v")),
                                _text(record.get("effective")), _microseconds(record.get("recorded")), text, chained))
                except sqlite3.IntegrityError as exc:  # the id is stored: the same record is skipped, another refused
                    stored = db.execute("SELECT seq, record FROM records WHERE event_id = ?", (event_id,)).fetchone()
                    if stored is None:
                        raise StoreError(f"{self._path}: {exc}; nothing was written") from exc
                    if stored[1] != text:
                        raise DuplicateEventError(path=self._path, event_id=str(event_id),
                                                  where=f"record {stored[0]}") from None
                    continue
                seq, previous = seq + 1, chained
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return int(seq)


def _identity(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def _integer(value: Any) -> int | None:
    return value if type(value) is int else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _microseconds(value: Any) -> int | None:
    """An ISO instant as integer microseconds since the epoch; ``None`` if it is not one (an opaque record)."""
    try:
        delta = parse_instant(value) - _EPOCH
    except (TypeError, ValueError):
        return None
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
