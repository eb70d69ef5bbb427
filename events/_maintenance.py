"""Whole-log operations: convert between formats, upgrade to current versions, repair a torn tail.

Each writes the new log beside the old one and renames it into place, so a
failure leaves the old log as it was; upgrade and repair first keep a backup.

None of them follows a symbolic link to a file it creates: backups and
targets are created exclusively (``O_CREAT | O_EXCL``, which never follows a
link, even a dangling one), and a target that appears while ``convert``
reads is never overwritten. A log that is itself a symbolic link is refused
unless ``follow_symlinks=True`` (``--follow-symlinks``): then the file it
names is worked on, and its backup is kept beside that file. Logs must be
regular files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from attrs import frozen

from ._chain import HASH_FIELD
from ._codec import (
    Line,
    LineReader,
    Record,
    dumps_jsonl,
    is_torn,
    parse_line,
    refuse_special,
    to_record,
    write_jsonl,
)
from ._errors import DecodeError, DuplicateEventError, StoreError
from ._jsonl_store import content_key, locked
from ._sqlite_store import SQLITE_SUFFIXES, SqliteStore, busy_or_not_a_store
from ._store import JSONL_SUFFIXES, is_sqlite, raw_records, read_log, verify_log

__all__ = ["Repair", "convert", "repair", "upgrade"]


def convert(source: str | os.PathLike[str], target: str | os.PathLike[str], *, keep_unknown: bool = False,
            follow_symlinks: bool = False) -> int:
    """Copy every record of ``source`` into a new log ``target``; the formats follow the file names.

    Events are written at their current versions, with a hash chain;
    opaque records (with ``keep_unknown``) are written as they were. A
    JSON Lines log converted to SQLite and back reads as the same events.
    ``target`` is written beside its final name and appears there whole,
    created exclusively (a hard link, or ``O_EXCL``): a file or symbolic
    link put there meanwhile is never overwritten or followed.

    Args:
        source: The log to read (a regular file).
        target: The new log.
        keep_unknown: Copy records of unknown types or future versions as they are.
        follow_symlinks: Read ``source`` also if it is a symbolic link.

    Returns:
        The number of records in ``target``: a SQLite store keeps an event
        repeated with the same content once.

    Raises:
        FileExistsError: ``target`` exists, also as a dangling symbolic
            link, or was created while ``source`` was read (it is never
            overwritten).
        StoreError: ``target``'s name ends in neither a JSON Lines nor a
            SQLite extension.
        FileNotFoundError: ``source``, or ``target``'s folder, does not exist.
        StoreError: ``source`` is a symbolic link (without
            ``follow_symlinks``) or not a regular file; its hash chain is
            broken (converting would hide it); a line would exceed
            ``MAX_LINE_BYTES``.
        DuplicateEventError: ``source`` has one id with different contents.
        DecodeError: a record of ``source`` does not decode.
    """
    if Path(target).suffix.lower() not in (*JSONL_SUFFIXES, *SQLITE_SUFFIXES):
        raise StoreError(f"{os.fspath(target)}: name a new log .jsonl or .ndjson (JSON Lines), or .sqlite, "
                         ".sqlite3 or .db (SQLite); for a table of rates, use `negotiation timeline --format csv`")
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "the target exists; it is never overwritten", os.fspath(target))
    folder = Path(target).resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(2, "No such folder", str(folder))
    name = _log_file(source, follow_symlinks)
    records = _read_intact(name, keep_unknown)
    return _write_new(target, records, exclusive=True)


def upgrade(path: str | os.PathLike[str], *, keep_unknown: bool = False,
            follow_symlinks: bool = False) -> Path | None:
    """Rewrite a log with every event at its current version and a hash chain, keeping a backup.

    This is the only operation that rewrites a log's records; reading
    upcasts old records in memory and never writes. Appends wait while it
    runs; a store opened before refuses to append afterwards (the file was
    replaced) rather than write to the old one.

    Args:
        path: The log (a regular file).
        keep_unknown: Keep records of unknown types or future versions as they are.
        follow_symlinks: If ``path`` is a symbolic link, upgrade the file it
            names (the link stays a link; the backup is kept beside that
            file). Without it, a link is refused.

    Returns:
        The backup of the old log (``x.bak.jsonl`` for ``x.jsonl``, then
        ``x.bak-1.jsonl``, ...; it keeps the extension, so the tools read it;
        created exclusively, so an existing file or link of that name is
        skipped, never written through), or ``None`` when the log was
        already current and chained (it is then left untouched).

    Raises:
        StoreError: ``path`` is a symbolic link (without ``follow_symlinks``)
            or not a regular file; the hash chain is broken (rewriting would
            hide it); a SQLite store is in use by another connection.
        DuplicateEventError: the log has one id with different contents.
        DecodeError: a record does not decode; nothing is changed.
        FileNotFoundError: there is no such file.
    """
    name = _log_file(path, follow_symlinks)
    with _exclusive(name) as fd:
        records = _read_intact(name, keep_unknown)
        if _is_current(name, records):
            return None
        backup = _backup(name, fd)
        _still_there(name, fd)
        _write_new(name, records)
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
        line: The line number of the torn line, or of the first line of
            the interrupted append.
        removed: How many bytes were cut off the end.
        backup: The copy of the log as it was.
    """

    line: int
    removed: int
    backup: Path


def repair(path: str | os.PathLike[str], *, follow_symlinks: bool = False) -> Repair | None:
    """Cut a torn last line, or an interrupted append, off a JSON Lines event log, keeping a backup.

    A torn line is a last line without a line end that stops inside a
    string or an object (see :func:`events._codec.is_torn`): what a write
    cut short leaves. An interrupted append is a batch that
    :class:`JsonlStore` had not finished (readers already leave it out).
    Only these are removed, and only from an event log: every other line
    must be a JSON object with ``"type"`` and ``"v"``, else nothing is
    changed and the first other line is named. A whole line that is not a
    valid event (also a complete last line that is bad JSON, such as one
    holding ``NaN``) is not torn: it is left for a person to fix
    (``negotiation validate`` lists it). Appends wait while it runs. The
    file is read as a stream.

    Args:
        path: The log (a regular file).
        follow_symlinks: If ``path`` is a symbolic link, repair the file it
            names (the backup is kept beside it). Without it, a link is refused.

    Returns:
        What was removed, or ``None`` when there is no torn last line and
        no interrupted append (nothing is changed).

    Raises:
        StoreError: ``path`` is a SQLite store (its appends are
            transactions: nothing is ever torn); a symbolic link (without
            ``follow_symlinks``); not a regular file; there is something to
            cut but the file is not an event log (a line other than the one
            to cut is not a record).
        FileNotFoundError: there is no such file.
        OSError: the file cannot be read or written.
    """
    if is_sqlite(path):
        raise StoreError(f"{os.fspath(path)}: a SQLite store's appends are transactions; there is nothing to repair")
    name = _log_file(path, follow_symlinks)
    with _exclusive(name, writable=True) as fd:
        assert fd is not None
        with os.fdopen(os.dup(fd), "rb") as stream:
            reader = LineReader(stream)
            last: Line | None = None
            stranger: int | None = None
            for line in reader:
                torn = line.unterminated and line.text is not None and is_torn(line.text) and not _is_json(line.text)
                if not torn and stranger is None and not _is_record(line):
                    stranger = line.number
                last = line if torn else None
        if reader.uncommitted is not None:
            cut, number = reader.uncommitted, reader.uncommitted_line
        elif last is not None:
            cut, number = last.offset, last.number
        else:
            return None
        if stranger is not None:
            raise StoreError(f"{name}, line {stranger}: not an event record (a JSON object with \"type\" and \"v\"): "
                             f"repair cuts line {number} off only if every other line is one; nothing was changed")
        size = os.fstat(fd).st_size
        backup = _backup(name, fd)
        os.ftruncate(fd, cut)
        os.fsync(fd)
    assert number is not None
    return Repair(line=number, removed=size - cut, backup=backup)


def _is_record(line: Line) -> bool:
    if line.text is None:
        return False
    try:
        raw = parse_line(line.text)
    except DecodeError:
        return False
    return isinstance(raw, dict) and "type" in raw and "v" in raw


def _is_json(text: str) -> bool:
    try:
        parse_line(text)
    except DecodeError:
        return False
    return True


def _log_file(path: str | os.PathLike[str], follow_symlinks: bool) -> str:
    """The regular file a maintenance operation works on: ``path``, or with ``follow_symlinks`` what it links to.

    Raises:
        StoreError: ``path`` is a symbolic link (without ``follow_symlinks``) or not a regular file.
        FileNotFoundError: there is no such file.
    """
    name = os.fspath(path)
    if os.path.islink(name):
        if not follow_symlinks:
            raise StoreError(f"{name}: a symbolic link (to {os.readlink(name)}); maintenance does not work through "
                             "links: name the log itself, or pass follow_symlinks=True (--follow-symlinks); "
                             "nothing was changed")
        name = os.path.realpath(name)
    mode = os.stat(name).st_mode
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"
        raise StoreError(f"{name}: not a regular file but {kind}; a log is a regular file; nothing was changed")
    return name


def _still_there(name: str, fd: int | None) -> None:
    """Refuse to replace ``name`` unless it is still the file ``fd`` holds (not swapped for another, or a link)."""
    if fd is None:
        return
    try:
        named = os.lstat(name)
    except FileNotFoundError:
        named = None
    opened = os.fstat(fd)
    if named is None or (named.st_dev, named.st_ino) != (opened.st_dev, opened.st_ino):
        raise StoreError(f"{name}: the file was replaced or removed while it was being upgraded; nothing was changed")


@contextlib.contextmanager
def _exclusive(path: str | os.PathLike[str], *, writable: bool = False) -> Iterator[int | None]:
    """Hold off every appender while a whole-log operation runs; yield the locked file (JSON Lines) or ``None``.

    A JSON Lines log is opened without following a symbolic link, refused
    unless it is a regular file, and locked as appends lock it (``flock``);
    if it was replaced while the lock was awaited, the new file is locked
    instead. A SQLite store is first brought out of WAL mode, which fails
    while another connection has it open, and then held with a write lock.
    """
    if not is_sqlite(path):
        name = os.fspath(path)
        flags = (os.O_RDWR if writable else os.O_RDONLY) | getattr(os, "O_NOFOLLOW", 0) | \
            getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        while True:
            try:
                fd = os.open(name, flags)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise StoreError(f"{name}: became a symbolic link; nothing was changed") from exc
                raise
            try:
                refuse_special(fd, name)
                with locked(fd):
                    try:
                        _still_there(name, fd)
                    except StoreError:
                        continue  # replaced (upgraded) while we waited: lock the new file
                    yield fd
                    return
            finally:
                os.close(fd)
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
        yield None
    finally:
        db.close()


def _read_intact(path: str | os.PathLike[str], keep_unknown: bool) -> tuple[Record, ...]:
    """The log's records, if its chain is not broken and no id has two contents."""
    verification = verify_log(path)
    if verification.first_bad is not None:
        if not is_sqlite(path) and (verification.problem or "").startswith("not a JSON object"):
            read_log(path, keep_unknown=keep_unknown)  # raises the line's own error: too long, not JSON, ...
        raise StoreError(f"{verification}; refusing to rewrite the log, which would hide the break")
    records = read_log(path, keep_unknown=keep_unknown)
    seen: dict[str, bytes] = {}
    for item in records:
        if item.event_id is not None:
            key = content_key(to_record(item))
            if seen.setdefault(item.event_id, key) != key:
                raise DuplicateEventError(path=os.fspath(path), event_id=item.event_id, where="in this log")
    return records


def _write_new(path: str | os.PathLike[str], records: tuple[Record, ...], *, exclusive: bool = False) -> int:
    """Write ``records`` as a new log of ``path``'s format and put it at ``path``; return its record count.

    The log is written beside ``path`` first. Without ``exclusive`` it is
    renamed over ``path`` (which replaces the name, never following a link);
    with it, it is published only if nothing is at ``path`` (see :func:`_publish`).
    """
    target = Path(path)
    if not is_sqlite(path):
        if not exclusive:
            write_jsonl(path, records)
            return len(records)
        data = dumps_jsonl(records).encode("utf-8")
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            os.fchmod(handle, 0o666 & ~_umask())
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            _publish(temp, target)
        finally:
            os.unlink(temp)
        return len(records)
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
            _publish(temp, target)
        else:
            os.replace(temp, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return count


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(temp: str, target: Path) -> None:
    """Give the finished file ``temp`` the name ``target`` only if nothing has it: never overwrite, never follow.

    A hard link does it atomically; where links are not supported, the
    target is created with ``O_CREAT | O_EXCL`` and the file copied into it.

    Raises:
        FileExistsError: something (a file, a link, even a dangling one) has the name.
    """
    try:
        os.link(temp, target, follow_symlinks=False)
        return
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "the target appeared while the log was converted; it is never "
                              "overwritten", os.fspath(target)) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        out = os.open(target, flags, 0o666)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "the target appeared while the log was converted; it is never "
                              "overwritten", os.fspath(target)) from None
    try:
        with open(temp, "rb") as source, os.fdopen(out, "wb") as stream:
            shutil.copyfileobj(source, stream, 1 << 20)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        os.unlink(target)
        raise


def _backup(path: str | os.PathLike[str], fd: int | None = None) -> Path:
    """Copy the log to the first free ``x.bak.jsonl``, ``x.bak-1.jsonl``, ... (the same extension).

    Each name is tried with ``O_CREAT | O_EXCL | O_NOFOLLOW``: a name that
    exists, as a file or as a link (dangling or not), is skipped, never
    written through. The copy keeps the log's permissions and times and is
    flushed to disk. ``fd``: the log, open (else it is opened by name,
    without following a link).
    """
    source = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    number = 0
    while True:
        backup = source.with_name(f"{source.stem}.bak{f'-{number}' if number else ''}{source.suffix}")
        try:
            out = os.open(backup, flags, 0o600)
            break
        except FileExistsError:
            number += 1
    own = fd is None
    if fd is None:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(fd)
        offset = 0
        while chunk := os.pread(fd, 1 << 20, offset):
            view = memoryview(chunk)
            while view:
                view = view[os.write(out, view):]
            offset += len(chunk)
        os.fchmod(out, stat.S_IMODE(status.st_mode))
        os.utime(out, ns=(status.st_atime_ns, status.st_mtime_ns))
        os.fsync(out)
    except BaseException:
        os.close(out)
        os.unlink(backup)
        raise
    finally:
        if own:
            os.close(fd)
    os.close(out)
    return backup
