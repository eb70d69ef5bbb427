"""An append-only event store in one JSON Lines file."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Self

from ._chain import GENESIS, HASH_FIELD, Verification, verify_records
from ._codec import (
    LineReader,
    LogCheck,
    Record,
    check_jsonl,
    dumps_jsonl,
    encode_lines,
    fast_session,
    open_log,
    parse_line,
    read_jsonl,
    refuse_special,
    scan_lines,
    to_record,
    write_jsonl,
)
from ._errors import ConcurrencyError, DecodeError, DuplicateEventError, StoreError
from ._files import log_file, publish, refuse_target, still_there, umask
from ._opaque import OpaqueRecord
from ._references import Reference, defined_ids, refuse_unresolved
from ._store_base import (
    Committed,
    check_after,
    check_expected,
    checked_items,
    content_key,
    file_stream,
    poll,
    single_stream,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: one writer at a time is the caller's duty
    fcntl = None  # type: ignore[assignment]

__all__ = ["JsonlStore", "locked"]



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

    The file holds one stream, named by the file without its extension
    (``us-china`` for ``us-china.jsonl``); see :class:`events.EventStore`.

    Args:
        path: The file; created on the first append if missing.
        keep_unknown: Read records of unknown types or future versions as
            :class:`OpaqueRecord` instead of refusing the file.
        create: If false, the store is opened to read: the file is not read
            until asked (:meth:`load`, :meth:`check` and :meth:`verify` read
            it as a stream, and also take a pipe such as ``/dev/stdin``).
        strict: Unused: a file has no safeguards besides its chain (for
            :class:`events.EventStore`'s sake).

    Raises:
        DecodeError: a line of the file does not decode (a
            :class:`TornTailError` for a torn last line); the file is not a
            regular file (a device, a pipe, a socket).
        DuplicateEventError: two lines have one id and different content.
        IsADirectoryError: ``path`` is a folder.
        OSError: the file cannot be read.
    """

    name: ClassVar[str] = "JSON Lines"
    """The kind of store, in words."""
    unit: ClassVar[str] = "line"
    """What the numbers in its errors and verifications count."""
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl", ".ndjson")
    """File name endings of a new JSON Lines log (readers take any name no other store claims)."""
    repairable: ClassVar[bool] = True
    """A write cut short can leave a torn line at the end, which :func:`events.repair` removes."""

    def __init__(self, path: str | os.PathLike[str], *, keep_unknown: bool = False, create: bool = True,
                 strict: bool = True) -> None:
        self._path = os.fspath(path)
        self._stream = file_stream(self._path)
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
        if create and Path(self._path).exists():
            with open_log(self._path, pipes=False) as stream, locked(stream.fileno(), shared=True):
                self._catch_up(stream)

    @staticmethod
    def matches(location: str) -> bool:
        """Whether ``location`` names a JSON Lines log by its ending (.jsonl, .ndjson)."""
        return Path(location).suffix.lower() in JsonlStore.suffixes

    @property
    def path(self) -> str:
        """The file."""
        return self._path

    @property
    def location(self) -> str:
        """The file, as named in messages."""
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
        """How many records the file holds now (0 for an empty log), counting other writers' appends.

        Raises:
            DecodeError, DuplicateEventError, StoreError: another writer left
                the file in a state this store refuses (see :meth:`append`).
        """
        if Path(self._path).exists():
            with open_log(self._path, pipes=False) as stream, locked(stream.fileno(), shared=True):
                self._catch_up(stream)
        return self._version

    def read(self, *, after: int = 0, stream: str | None = None) -> Iterator[Record]:
        """Yield the stored records after the first ``after``, in the order they were appended.

        Raises:
            DecodeError: a line no longer decodes (the file was edited).
            StoreError: ``after`` is negative; ``stream`` is not the file's.
        """
        check_after(self._path, after)
        single_stream(self._path, self._stream, stream)
        if not Path(self._path).exists():
            return
        items = []
        with open_log(self._path, pipes=False) as handle, locked(handle.fileno(), shared=True), fast_session():
            for _, _, item in scan_lines(LineReader(handle), self._path, self._keep_unknown):
                if isinstance(item, DecodeError):
                    raise item
                items.append(item)
        yield from items[after:]

    def append(self, events: Iterable[Record], *, expected_version: int | None = None,
               stream: str | None = None) -> int:
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
            StoreError: ``expected_version`` is not ``None`` or an integer from
                0; ``stream`` is not the file's.
            OSError: the write failed; the file is cut back to where it was.
        """
        check_expected(self._path, expected_version)
        single_stream(self._path, self._stream, stream)
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
                with os.fdopen(os.dup(fd), "rb") as handle:
                    self._catch_up(handle)
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

    def load(self, *, stream: str | None = None) -> tuple[Record, ...]:
        """The whole log, read as :func:`events.read_jsonl` reads it (as a stream; a pipe too), chain checked.

        Warns:
            ChainWarning: the hash chain is broken at a record that decodes.

        Raises:
            As :func:`events.read_jsonl`; StoreError: ``stream`` is not the file's.
        """
        single_stream(self._path, self._stream, stream)
        return read_jsonl(self._path, keep_unknown=self._keep_unknown)

    def check(self, *, stream: str | None = None) -> LogCheck:
        """Decode every line that can be, collecting an error for each other one (see :func:`events.check_jsonl`)."""
        single_stream(self._path, self._stream, stream)
        return check_jsonl(self._path, keep_unknown=self._keep_unknown)

    def verify(self, *, head: str | None = None, stream: str | None = None) -> Verification:
        """Check the hash chain without decoding events (see :func:`events.verify_log`); a bad line breaks it."""
        single_stream(self._path, self._stream, stream)
        return verify_records(self._path, _parsed_lines(self._path), head=head)

    def raw(self, *, stream: str | None = None) -> Iterator[tuple[int, Any]]:
        """Each line's number and parsed JSON (chain field included; ``None`` for a bad line), as a stream."""
        single_stream(self._path, self._stream, stream)
        return _parsed_lines(self._path)

    def follow(self, *, after: int = 0, stream: str | None = None, idle: float | None = None) -> Iterator[Committed]:
        """Yield each record after the first ``after`` as it is appended, looking for new ones five times a second.

        Stops after ``idle`` seconds with nothing new (``None``: never).

        Raises:
            StoreError: ``after`` is negative; ``stream`` is not the file's.
            DecodeError: a line does not decode.
        """
        check_after(self._path, after)
        single_stream(self._path, self._stream, stream)
        return poll(lambda done: self.read(after=done), self._stream, after, idle)

    def close(self) -> None:
        """Nothing to release: each operation opens and closes the file."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @staticmethod
    def log_file(location: str, follow_symlinks: bool) -> str:
        """The regular file maintenance works on (see :func:`events._files.log_file`)."""
        return log_file(location, follow_symlinks)

    @staticmethod
    @contextlib.contextmanager
    def hold(path: str, *, writable: bool = False) -> Iterator[int | None]:
        """Hold off every appender while a whole-log operation runs; yield the locked file.

        The log is opened without following a symbolic link, refused unless
        it is a regular file, and locked as appends lock it (``flock``); if
        it was replaced while the lock was awaited, the new file is locked
        instead.
        """
        flags = (os.O_RDWR if writable else os.O_RDONLY) | getattr(os, "O_NOFOLLOW", 0) | \
            getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        while True:
            try:
                fd = os.open(path, flags)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise StoreError(f"{path}: became a symbolic link; nothing was changed") from exc
                raise
            try:
                refuse_special(fd, path)
                with locked(fd):
                    try:
                        still_there(path, fd)
                    except StoreError:
                        continue  # replaced (upgraded) while we waited: lock the new file
                    yield fd
                    return
            finally:
                os.close(fd)

    refuse_target = staticmethod(refuse_target)

    @staticmethod
    def write_log(path: str, records: tuple[Record, ...], *, exclusive: bool, stream: str | None = None) -> int:
        """Write ``records`` as a new chained log and put it at ``path``; return its record count.

        Written beside ``path`` first. Without ``exclusive`` it is renamed
        over ``path`` (which replaces the name, never following a link);
        with it, it is published only if nothing is at ``path`` (see
        :func:`events._files.publish`). ``stream`` is the file's anyway.
        """
        if not exclusive:
            write_jsonl(path, records)
            return len(records)
        target = Path(path)
        data = dumps_jsonl(records).encode("utf-8")
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            os.fchmod(handle, 0o666 & ~umask())
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            publish(temp, target)
        finally:
            os.unlink(temp)
        return len(records)

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
