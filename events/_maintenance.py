"""Whole-log operations: convert between formats, upgrade to current versions, repair a torn tail.

Each writes the new log beside the old one and renames it into place, so a
failure leaves the old log as it was; upgrade and repair first keep a backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from attrs import frozen

from ._codec import Record, from_dict, parse_line, write_jsonl
from ._errors import DecodeError, StoreError
from ._sqlite_store import SqliteStore
from ._store import is_sqlite, read_log, verify_log

__all__ = ["Repair", "convert", "repair", "upgrade"]


def convert(source: str | os.PathLike[str], target: str | os.PathLike[str], *, keep_unknown: bool = False) -> int:
    """Copy every record of ``source`` into a new log ``target``; the formats follow the file names.

    Events are written at their current versions, with a hash chain;
    opaque records (with ``keep_unknown``) are written as they were. A
    JSON Lines log converted to SQLite and back reads as the same events.

    Returns:
        The number of records written.

    Raises:
        FileExistsError: ``target`` exists (it is never overwritten).
        StoreError: ``source``'s hash chain is broken (converting would hide it).
        DecodeError: a record of ``source`` does not decode.
    """
    if Path(target).exists():
        raise FileExistsError(17, "the target exists; it is never overwritten", os.fspath(target))
    records = _read_intact(source, keep_unknown)
    _write_new(target, records)
    return len(records)


def upgrade(path: str | os.PathLike[str], *, keep_unknown: bool = False) -> Path:
    """Rewrite a log with every event at its current version and a hash chain, keeping a backup.

    This is the only operation that rewrites a log's records; reading
    upcasts old records in memory and never writes.

    Returns:
        The backup of the old log (``LOG.bak``, or ``LOG.bak.1``, ... if taken).

    Raises:
        StoreError: the hash chain is broken (rewriting would hide it).
        DecodeError: a record does not decode; nothing is changed.
    """
    records = _read_intact(path, keep_unknown)
    backup = _backup(path)
    _write_new(path, records)
    return backup


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
    """Cut a torn last line (no line end, does not decode) off a JSON Lines log, keeping a backup.

    Only the torn tail is removed; a bad line elsewhere is left for a person
    to fix (``negotiation validate`` lists it).

    Returns:
        What was removed, or ``None`` when the last line is whole.

    Raises:
        StoreError: ``path`` is a SQLite store (its appends are transactions:
            nothing is ever torn).
        OSError: the file cannot be read or written.
    """
    if is_sqlite(path):
        raise StoreError(f"{os.fspath(path)}: a SQLite store's appends are transactions; there is nothing to repair")
    data = Path(path).read_bytes()
    if not data or data.endswith(b"\n"):
        return None
    keep = data.rfind(b"\n") + 1
    tail = data[keep:].decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    line = data.count(b"\n") + 1
    if not tail.strip():
        return None
    try:
        from_dict(parse_line(tail.removesuffix("\r")), keep_unknown=True)
        return None
    except DecodeError:
        pass
    backup = _backup(path)
    with open(path, "r+b") as stream:
        stream.truncate(keep)
        stream.flush()
        os.fsync(stream.fileno())
    return Repair(line=line, removed=len(data) - keep, backup=backup)


def _read_intact(path: str | os.PathLike[str], keep_unknown: bool) -> tuple[Record, ...]:
    verification = verify_log(path)
    if verification.first_bad is not None:
        raise StoreError(f"{verification}; refusing to rewrite the log, which would hide the break")
    return read_log(path, keep_unknown=keep_unknown)


def _write_new(path: str | os.PathLike[str], records: tuple[Record, ...]) -> None:
    """Write ``records`` as a new log of ``path``'s format, then rename it over ``path``."""
    if not is_sqlite(path):
        write_jsonl(path, records)
        return
    target = Path(path)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".sqlite")
    os.close(handle)
    os.unlink(temp)
    try:
        with SqliteStore(temp) as store:
            store.append(records)
        _checkpoint(temp)
        os.replace(temp, target)
    finally:
        for leftover in (temp, f"{temp}-wal", f"{temp}-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)


def _checkpoint(path: str | os.PathLike[str]) -> None:
    """Fold a SQLite database's write-ahead log into its main file, so the file alone is the whole store."""
    db = sqlite3.connect(os.fspath(path))
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode = DELETE")
    finally:
        db.close()


def _backup(path: str | os.PathLike[str]) -> Path:
    """Copy the log to the first free ``LOG.bak``, ``LOG.bak.1``, ...; a SQLite store is checkpointed first."""
    source = Path(path)
    backup = source.with_name(source.name + ".bak")
    number = 0
    while backup.exists():
        number += 1
        backup = source.with_name(f"{source.name}.bak.{number}")
    if is_sqlite(source):
        _checkpoint(source)
    shutil.copy2(source, backup)
    return backup
