"""An append-only event store in one JSON Lines file."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ._chain import GENESIS, HASH_FIELD
from ._codec import LineReader, Record, encode_lines, fast_session, open_log, refuse_special, scan_lines, to_record
from ._errors import ConcurrencyError, DecodeError, DuplicateEventError, StoreError
from ._opaque import OpaqueRecord
from ._references import Reference, defined_ids, refuse_unresolved
from ._vocabulary import Event

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: one writer at a time is the caller's duty
    fcntl = None  # type: ignore[assignment]

__all__ = ["JsonlStore", "check_after", "check_expected", "checked_items", "content_key", "locked"]


def content_key(record: dict[str, object]) -> bytes:
    """A digest of a record's content (without chain fields), to tell same-id records apart."""
    body = json.dumps({k: v for k, v in record.items() if k != HASH_FIELD}, sort_keys=True, ensure_ascii=True)
    return hashlib.blake2b(body.encode("ascii"), digest_size=16).digest()


class JsonlStore:
    """An event log in a JSON Lines file that only ever grows.

    Each :meth:`append` is all or nothing, also when the process is killed
    or the machine stops mid-write: the batch's lines are written at the end
    with the first byte of the first line held back (a NUL byte in its
    place) and flushed to disk (``fsync``); then that byte (``{``) is
    written and flushed. Until then every reader of this library sees a
    line beginning with a NUL byte and leaves it and what follows out, as
    an append that never happened; the next append (or ``negotiation
    repair``) cuts it off. Older versions of the library, and other JSON
    Lines tools, refuse such a log at that line instead of reading half a
    batch. Committed lines are never rewritten; a finished append's lines
    are ordinary JSON Lines.

    The store is opened by reading the whole file as a stream (one line in
    memory at a time): a bad line raises there, naming the line, so nothing
    is ever appended to a damaged log. A torn last line (left by a writer
    without this protocol) raises :class:`TornTailError`; ``negotiation
    repair`` removes it, keeping a backup. Appends chain their lines
    (``events/_chain.py``) unless the file holds unchained lines. The file
    must be a regular file (a symbolic link to one is followed).

    Several processes may append to one file: each append takes an
    exclusive ``flock`` and first reads what others appended.

    Args:
        path: The file; created on the first append if missing.
        keep_unknown: Read records of unknown types or future versions as
            :class:`OpaqueRecord` instead of refusing the file.

    Raises:
        DecodeError: a line of the file does not decode (a
            :class:`TornTailError` for a torn last line); the file is not a
            regular file (a device, a pipe, a socket).
        DuplicateEventError: two lines have one id and different content.
        IsADirectoryError: ``path`` is a folder.
        OSError: the file cannot be read.
    """

    def __init__(self, path: str | os.PathLike[str], *, keep_unknown: bool = False) -> None:
        self._path = os.fspath(path)
        self._keep_unknown = keep_unknown
        self._ids: dict[str, tuple[int, bytes]] = {}
        self._defined: set[Reference] = set()  # what the stored events define, for appends' references
        self._version = 0
        self._size = 0
        self._lines = 0
        self._head: str | None = None
        self._chained: bool | None = None
        self._ends_with_newline = True
        self._identity: tuple[int, int] | None = None
        if Path(self._path).exists():
            with open_log(self._path, pipes=False) as stream, locked(stream.fileno(), shared=True):
                self._catch_up(stream)

    @property
    def path(self) -> str:
        """The file."""
        return self._path

    @property
    def version(self) -> int:
        """How many records the file holds now (0 for an empty log), counting other writers' appends.

        Raises:
            DecodeError, DuplicateEventError, StoreError: another writer left
                the file in a state this store refuses (see :meth:`append`).
        """
        if Path(self._path).exists():
            with open_log(self._path, pipes=False) as stream, locked(stream.fileno(), shared=True):
                self._catch_up(stream)
        return self._version

    def read(self, *, after: int = 0) -> Iterator[Record]:
        """Yield the stored records after the first ``after``, in the order they were appended.

        Raises:
            DecodeError: a line no longer decodes (the file was edited).
            StoreError: ``after`` is negative.
        """
        check_after(self._path, after)
        if not Path(self._path).exists():
            return
        items = []
        with open_log(self._path, pipes=False) as stream, locked(stream.fileno(), shared=True), fast_session():
            for _, _, item in scan_lines(LineReader(stream), self._path, self._keep_unknown):
                if isinstance(item, DecodeError):
                    raise item
                items.append(item)
        yield from items[after:]

    def append(self, events: Iterable[Record], *, expected_version: int | None = None) -> int:
        """Append events (and kept opaque records) at the end, durably, all or nothing.

        An event whose id is already stored with the same content is skipped
        (a retried append is harmless). All or nothing holds also if the
        process is killed mid-write: the batch is then not part of the log
        (readers leave it out, and the next append cuts it off), so the
        version stays what it was before the append, and retrying with the
        same ``expected_version`` is right.

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
            DecodeError: another writer left a line that does not decode; the
                file is not a regular file.
            TypeError: an item is not an event or opaque record.
            StoreError: ``expected_version`` is not ``None`` or an integer from 0.
            OSError: the write failed; the file is cut back to where it was.
        """
        check_expected(self._path, expected_version)
        items = checked_items(events)
        records = [to_record(item) for item in items]
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(self._path, flags, 0o644)
        try:
            refuse_special(fd, self._path)
            with locked(fd):
                if not _same_file(fd, self._path):
                    raise StoreError(f"{self._path}: the file was replaced (upgraded?) while this append waited; "
                                     "nothing was written: open the store again")
                with os.fdopen(os.dup(fd), "rb") as stream:
                    self._catch_up(stream)
                if os.fstat(fd).st_size > self._size:  # an append interrupted by a crash: it never happened
                    os.ftruncate(fd, self._size)
                    os.fsync(fd)
                if expected_version is not None and expected_version != self._version:
                    raise ConcurrencyError(path=self._path, expected=expected_version, actual=self._version)
                refuse_unresolved(self._path, self._defined, items)
                fresh = self._fresh(records)
                if not fresh:
                    return self._version
                chained = self._chained if self._chained is not None else True
                text, head = encode_lines(fresh, (self._head or GENESIS) if chained else None)
                prefix = b"" if self._ends_with_newline else b"\n"
                data = text.encode("utf-8")
                _write_batch(fd, prefix, data, self._size)
                self._size += len(prefix) + len(data)
                self._ends_with_newline = True
                for line, record in enumerate(fresh, start=self._lines + 1):
                    self._version += 1
                    self._index(record, line)
                self._lines += len(fresh)
                self._head, self._chained = head, chained
                self._defined.update(ref for item in items if not isinstance(item, OpaqueRecord)
                                     for ref in defined_ids(item))
                return self._version
        finally:
            os.close(fd)

    def _fresh(self, records: list[dict[str, object]]) -> list[dict[str, object]]:
        """The records not stored yet; raises DuplicateEventError for a changed one."""
        fresh: list[dict[str, object]] = []
        batch: dict[str, tuple[int, bytes]] = {}
        for record in records:
            event_id = record.get("event_id")
            if not isinstance(event_id, str):
                fresh.append(record)
                continue
            key = content_key(record)
            stored = self._ids.get(event_id) or batch.get(event_id)
            if stored is not None and stored[1] != key:
                raise DuplicateEventError(path=self._path, event_id=event_id, where=_where(stored[0]))
            if stored is None:
                batch[event_id] = (0, key)
                fresh.append(record)
        return fresh

    def _index(self, record: dict[str, object], line: int) -> None:
        event_id = record.get("event_id")
        if isinstance(event_id, str):
            self._ids.setdefault(event_id, (line, content_key(record)))

    def _catch_up(self, stream: BinaryIO) -> None:
        """Read what was appended since this store last looked (by any writer), up to an interrupted append."""
        status = os.fstat(stream.fileno())
        if self._identity not in (None, (status.st_dev, status.st_ino)):
            raise StoreError(f"{self._path}: the file was replaced (by write_jsonl, an editor, a copy) since this "
                             "store read it; nothing was written: open the store again")
        self._identity = (status.st_dev, status.st_ino)
        size = status.st_size
        if size == self._size:
            return
        if size < self._size:
            raise StoreError(f"{self._path}: the file shrank from {self._size} to {size} bytes since it was read; "
                             "an append-only log was rewritten")
        if not self._ends_with_newline:
            raise StoreError(f"{self._path}: another writer appended after an unterminated line")
        stream.seek(self._size)
        reader = LineReader(stream, start=self._size, lines=self._lines, end=size)
        with fast_session():
            for number, raw, item in scan_lines(reader, self._path, self._keep_unknown):
                if isinstance(item, DecodeError):
                    raise item
                record = to_record(item)
                if not isinstance(item, OpaqueRecord):
                    self._defined.update(defined_ids(item))
                event_id = record.get("event_id")
                stored = self._ids.get(event_id) if isinstance(event_id, str) else None
                if stored is not None and stored[1] != content_key(record):
                    raise DuplicateEventError(path=self._path, event_id=str(event_id),
                                              where=f"{_where(stored[0])}, and again on line {number}")
                carried = raw.get(HASH_FIELD)
                if self._chained is None:
                    self._chained = carried is not None
                self._version += 1
                self._index(record, number)
                self._head = carried if self._chained else None
        self._lines = reader.lines
        self._ends_with_newline = reader.ends_with_newline
        self._size = reader.offset  # an interrupted append after it is left for the next append to cut off


def _where(line: int) -> str:
    return f"line {line}" if line else "earlier in this append"


def check_after(path: str, after: object) -> None:
    """Refuse a ``read(after=)`` position that is not an integer from 0."""
    if type(after) is not int or after < 0:
        raise StoreError(f"{path}: after must be a non-negative integer, got {after!r}")


def check_expected(path: str, expected_version: object) -> None:
    """Refuse an ``expected_version`` that is not ``None`` or an integer from 0."""
    if expected_version is not None and (type(expected_version) is not int or expected_version < 0):
        raise StoreError(f"{path}: expected_version must be None or an integer from 0, got {expected_version!r}")


def checked_items(items: Iterable[Record]) -> list[Record]:
    checked = list(items)
    for item in checked:
        if not isinstance(item, (Event, OpaqueRecord)):
            raise TypeError(f"expected events, got {item!r}")
    return checked


@contextlib.contextmanager
def locked(fd: int, *, shared: bool = False) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``fd`` (appends, upgrade and repair take it), or a shared one (reads)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _same_file(fd: int, path: str) -> bool:
    """Whether ``fd`` is still the file at ``path`` (it was not replaced or removed)."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _write_batch(fd: int, prefix: bytes, data: bytes, size: int) -> None:
    """Write ``prefix + data`` at offset ``size``, all or nothing, and fsync; on failure cut back to ``size``.

    ``data`` is whole lines, starting with ``{``. It is written with that
    first byte held back as a NUL byte and flushed; only then is the ``{``
    written and flushed. A crash before that leaves a line that begins with
    NUL, which readers leave out and the next append cuts off (see
    :class:`events._codec.LineReader`).
    """
    if not data.startswith(b"{"):
        raise ValueError("a batch of JSON Lines records starts with '{'")
    try:
        _write_at(fd, prefix + b"\x00" + data[1:], size)
        os.fsync(fd)
        _write_at(fd, data[:1], size + len(prefix))
        os.fsync(fd)
    except BaseException:
        os.ftruncate(fd, size)
        os.fsync(fd)
        raise


def _write_at(fd: int, data: bytes, offset: int) -> None:
    os.lseek(fd, offset, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
