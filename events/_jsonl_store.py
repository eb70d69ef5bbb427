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
from ._codec import Record, encode_lines, scan_jsonl, to_record
from ._errors import ConcurrencyError, DecodeError, DuplicateEventError, StoreError
from ._opaque import OpaqueRecord
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

    Each :meth:`append` writes whole lines in one write and flushes them to
    disk (``fsync``) before returning; existing lines are never rewritten.
    The store is opened by reading the whole file: a bad line raises there,
    naming the line, so nothing is ever appended to a damaged log. A torn
    last line (a crash mid-write) raises :class:`TornTailError`;
    ``negotiation repair`` removes it, keeping a backup. Appends chain their
    lines (``events/_chain.py``) unless the file holds unchained lines.

    Several processes may append to one file: each append takes an
    exclusive ``flock`` and first reads what others appended.

    Args:
        path: The file; created on the first append if missing.
        keep_unknown: Read records of unknown types or future versions as
            :class:`OpaqueRecord` instead of refusing the file.

    Raises:
        DecodeError: a line of the file does not decode (a
            :class:`TornTailError` for a torn last line).
        DuplicateEventError: two lines have one id and different content.
        OSError: the file cannot be read.
    """

    def __init__(self, path: str | os.PathLike[str], *, keep_unknown: bool = False) -> None:
        self._path = os.fspath(path)
        self._keep_unknown = keep_unknown
        self._ids: dict[str, tuple[int, bytes]] = {}
        self._version = 0
        self._size = 0
        self._lines = 0
        self._head: str | None = None
        self._chained: bool | None = None
        self._ends_with_newline = True
        self._identity: tuple[int, int] | None = None
        if Path(self._path).exists():
            with open(self._path, "rb") as stream, locked(stream.fileno(), shared=True):
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
            with open(self._path, "rb") as stream, locked(stream.fileno(), shared=True):
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
        with open(self._path, "rb") as stream, locked(stream.fileno(), shared=True):
            text = stream.read().decode("utf-8", errors="surrogateescape")
        for count, (_, _, item) in enumerate(scan_jsonl(text, self._path, self._keep_unknown), start=1):
            if isinstance(item, DecodeError):
                raise item
            if count > after:
                yield item

    def append(self, events: Iterable[Record], *, expected_version: int | None = None) -> int:
        """Append events (and kept opaque records) at the end, durably, all or nothing.

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
            DecodeError: another writer left a line that does not decode.
            TypeError: an item is not an event or opaque record.
            StoreError: ``expected_version`` is not ``None`` or an integer from 0.
            OSError: the write failed; the file is cut back to where it was.
        """
        check_expected(self._path, expected_version)
        records = [to_record(item) for item in checked_items(events)]
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND
        fd = os.open(self._path, flags, 0o644)
        try:
            with locked(fd):
                if not _same_file(fd, self._path):
                    raise StoreError(f"{self._path}: the file was replaced (upgraded?) while this append waited; "
                                     "nothing was written: open the store again")
                with os.fdopen(os.dup(fd), "rb") as stream:
                    self._catch_up(stream)
                if expected_version is not None and expected_version != self._version:
                    raise ConcurrencyError(path=self._path, expected=expected_version, actual=self._version)
                fresh = self._fresh(records)
                if not fresh:
                    return self._version
                chained = self._chained if self._chained is not None else True
                text, head = encode_lines(fresh, (self._head or GENESIS) if chained else None)
                data = (b"" if self._ends_with_newline else b"\n") + text.encode("utf-8")
                _write_all(fd, data, self._size)
                self._size += len(data)
                self._ends_with_newline = True
                for line, record in enumerate(fresh, start=self._lines + 1):
                    self._version += 1
                    self._index(record, line)
                self._lines += len(fresh)
                self._head, self._chained = head, chained
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
        """Read what was appended since this store last looked (by any writer)."""
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
        text = stream.read(size - self._size).decode("utf-8", errors="surrogateescape")
        for number, raw, item in scan_jsonl(text, self._path, self._keep_unknown, at_start=not self._size):
            number += self._lines
            if isinstance(item, DecodeError):
                raise item.located(line=number)
            record = to_record(item)
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
        self._lines += text.count("\n") + (0 if text.endswith("\n") else 1)
        self._ends_with_newline = text.endswith("\n")
        self._size = size


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


def _write_all(fd: int, data: bytes, size: int) -> None:
    """Write ``data`` at the end and fsync; on failure cut the file back to ``size`` bytes."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.ftruncate(fd, size)
        os.fsync(fd)
        raise
