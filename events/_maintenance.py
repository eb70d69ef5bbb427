"""Whole-log operations: convert between formats, upgrade to current versions, repair a torn tail.

Each writes the new log beside the old one and renames it into place, so a
failure leaves the old log as it was; upgrade and repair first keep a backup.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from attrs import frozen

from ._chain import HASH_FIELD
from ._codec import Record, parse_line, to_record, write_jsonl
from ._errors import DecodeError, DuplicateEventError, StoreError
from ._jsonl_store import content_key, locked
from ._sqlite_store import SQLITE_SUFFIXES, SqliteStore, busy_or_not_a_store
from ._store import JSONL_SUFFIXES, is_sqlite, raw_records, read_log, verify_log

__all__ = ["Repair", "convert", "repair", "upgrade"]


def convert(source: str | os.PathLike[str], target: str | os.PathLike[str], *, keep_unknown: bool = False) -> int:
    """Copy every record of ``source`` into a new log ``target``; the formats follow the file names.

    Events are written at their current versions, with a hash chain;
    opaque records (with ``keep_unknown``) are written as they were. A
    JSON Lines log converted to SQLite and back reads as the same events.

    Returns:
        The number of records in ``target``: a SQLite store keeps an event
        repeated with the same content once.

    Raises:
        FileExistsError: ``target`` exists (it is never overwritten).
        StoreError: ``target``'s name ends in neither a JSON Lines nor a
            SQLite extension.
        FileNotFoundError: ``source``, or ``target``'s folder, does not exist.
        StoreError: ``source``'s hash chain is broken (converting would hide
            it); a line would exceed ``MAX_LINE_BYTES``.
        DuplicateEventError: ``source`` has one id with different contents.
        DecodeError: a record of ``source`` does not decode.
    """
    if Path(target).suffix.lower() not in (*JSONL_SUFFIXES, *SQLITE_SUFFIXES):
        raise StoreError(f"{os.fspath(target)}: name a new log .jsonl or .ndjson (JSON Lines), or .sqlite, "
                         ".sqlite3 or .db (SQLite); for a table of rates, use `negotiation timeline --format csv`")
    if Path(target).exists():
        raise FileExistsError(17, "the target exists; it is never overwritten", os.fspath(target))
    folder = Path(target).resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(2, "No such folder", str(folder))
    records = _read_intact(source, keep_unknown)
    return _write_new(target, records)


def upgrade(path: str | os.PathLike[str], *, keep_unknown: bool = False) -> Path | None:
    """Rewrite a log with every event at its current version and a hash chain, keeping a backup.

    This is the only operation that rewrites a log's records; reading
    upcasts old records in memory and never writes. Appends wait while it
    runs; a store opened before refuses to append afterwards (the file was
    replaced) rather than write to the old one.

    Returns:
        The backup of the old log (``x.bak.jsonl`` for ``x.jsonl``, then
        ``x.bak-1.jsonl``, ...; it keeps the extension, so the tools read it),
        or ``None`` when the log was already current and chained (it is
        then left untouched).

    Raises:
        StoreError: the hash chain is broken (rewriting would hide it); a
            SQLite store is in use by another connection.
        DuplicateEventError: the log has one id with different contents.
        DecodeError: a record does not decode; nothing is changed.
    """
    with _exclusive(path):
        records = _read_intact(path, keep_unknown)
        if _is_current(path, records):
            return None
        backup = _backup(path)
        _write_new(path, records)
    return backup


def _is_current(path: str | os.PathLike[str], records: tuple[Record, ...]) -> bool:
    """Whether the log already holds exactly ``records`` as they would be written, chained.

    Called after :func:`_read_intact`, which found no break in the chain: a
    log whose every record carries its hash is then intact.
    """
    stored = raw_records(path)
    return len(stored) == len(records) and all(
        HASH_FIELD in raw and {key: value for key, value in raw.items() if key != HASH_FIELD} == to_record(item)
        for raw, item in zip(stored, records, strict=True)
    )


@frozen(kw_only=True)
class Repair:
    """What :func:`repair` removed.

    Attributes:
        line: The line number of the torn line.
        removed: How many bytes were cut off the end.
        backup: The copy of the log as it was.
    """

    line: int
    removed: int
    backup: Path


def repair(path: str | os.PathLike[str]) -> Repair | None:
    """Cut a torn last line (no line end, not JSON) off a JSON Lines log, keeping a backup.

    Only the torn tail is removed; a whole line that is not a valid event,
    or a bad line elsewhere, is left for a person to fix (``negotiation
    validate`` lists it). Appends wait while it runs.

    Returns:
        What was removed, or ``None`` when the last line is whole.

    Raises:
        StoreError: ``path`` is a SQLite store (its appends are transactions:
            nothing is ever torn).
        OSError: the file cannot be read or written.
    """
    if is_sqlite(path):
        raise StoreError(f"{os.fspath(path)}: a SQLite store's appends are transactions; there is nothing to repair")
    with _exclusive(path):
        data = Path(path).read_bytes()
        keep = data.rfind(b"\n") + 1
        tail = data[keep:].decode("utf-8", errors="surrogateescape").removeprefix("\ufeff").removesuffix("\r")
        if not tail.strip() or _is_json(tail):
            return None
        backup = _backup(path)
        with open(path, "r+b") as stream:
            stream.truncate(keep)
            stream.flush()
            os.fsync(stream.fileno())
    return Repair(line=data.count(b"\n") + 1, removed=len(data) - keep, backup=backup)


def _is_json(text: str) -> bool:
    try:
        parse_line(text)
    except DecodeError:
        return False
    return True


@contextlib.contextmanager
def _exclusive(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold off every appender while a whole-log operation runs.

    A JSON Lines log is locked as appends lock it (``flock``). A SQLite store
    is first brought out of WAL mode, which fails while another connection
    has it open, and then held with a write lock.
    """
    if not is_sqlite(path):
        fd = os.open(path, os.O_RDONLY)
        try:
            with locked(fd):
                yield
        finally:
            os.close(fd)
        return
    name = os.fspath(path)
    SqliteStore(name, create=False).close()  # refuses what is not an event store
    db = sqlite3.connect(name, isolation_level=None, timeout=5.0)
    try:
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            if db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
                raise sqlite3.OperationalError("database is locked")
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise busy_or_not_a_store(name, exc) from exc
        yield
    finally:
        db.close()


def _read_intact(path: str | os.PathLike[str], keep_unknown: bool) -> tuple[Record, ...]:
    """The log's records, if its chain is not broken and no id has two contents."""
    verification = verify_log(path)
    if verification.first_bad is not None:
        raise StoreError(f"{verification}; refusing to rewrite the log, which would hide the break")
    records = read_log(path, keep_unknown=keep_unknown)
    seen: dict[str, bytes] = {}
    for item in records:
        if item.event_id is not None:
            key = content_key(to_record(item))
            if seen.setdefault(item.event_id, key) != key:
                raise DuplicateEventError(path=os.fspath(path), event_id=item.event_id, where="in this log")
    return records


def _write_new(path: str | os.PathLike[str], records: tuple[Record, ...]) -> int:
    """Write ``records`` as a new log of ``path``'s format, rename it over ``path``; return its record count."""
    if not is_sqlite(path):
        write_jsonl(path, records)
        return len(records)
    target = Path(path)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".sqlite")
    os.close(handle)
    os.unlink(temp)
    try:
        with SqliteStore(temp) as store:
            count = store.append(records)
        db = sqlite3.connect(temp)
        try:
            db.execute("PRAGMA journal_mode = DELETE")  # one file, with no write-ahead log beside it
        finally:
            db.close()
        os.replace(temp, target)
    finally:
        for leftover in (temp, f"{temp}-wal", f"{temp}-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return count


def _backup(path: str | os.PathLike[str]) -> Path:
    """Copy the log to the first free ``x.bak.jsonl``, ``x.bak-1.jsonl``, ... (the same extension)."""
    source = Path(path)
    backup = source.with_name(f"{source.stem}.bak{source.suffix}")
    number = 0
    while backup.exists():
        number += 1
        backup = source.with_name(f"{source.stem}.bak-{number}{source.suffix}")
    shutil.copy2(source, backup)
    return backup
