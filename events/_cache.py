"""A cache of decoded logs, so that reading an unchanged log again is fast.

Decoding checks every field of every record; a log read again unchanged,
by the same library, decodes to the same events. So :func:`check_log_cached`
keeps the decoded records of a log that read cleanly, and gives them back
for a log with the same bytes, read by a library with the same
:func:`schema_fingerprint`.

**Key.** An entry is named by a SHA-256 hash of the log's whole bytes (for a
SQLite store, of the database and of its write-ahead log), of the schema
fingerprint and of ``keep_unknown``. Hashing runs at about 1.4 GB/s on a
processor with SHA instructions (BLAKE2b: 0.5 GB/s on the same machine; on
a kept answer, hashing is most of the time left), far faster than
decoding, and no cheaper check (size, modification time, inode) is trusted
on its own: a file edited in place with the same size and its modification
time set back gets another hash. A log that changes while it is read (its
size, modification time, inode or status-change time differ before and
after) is not stored. Entry names start with the fingerprint; entries of
another fingerprint are removed when an entry is written, and so are the
least recently used ones once all pass 4 GiB.

**What is kept.** Only a log that decoded without an error or a warning (a
broken chain, say): its records and their line numbers. Anything else is
read as usual every time.

**Trust.** An entry is a pickle, so it must never be read from a file
someone else could have written. The folder is made with mode 0700 and is
used only if it is a real folder (not a link) owned by the user with no
access for group or others; each entry is authenticated with HMAC-SHA256
under a 32-byte key made on first use in a file of mode 0600 in the
folder, over the entry's name and content, and is unpickled only if the
HMAC matches. A truncated, corrupt or foreign entry is ignored (and
replaced); an unusable folder means no cache, never an error. Entries are
written to a temporary file and renamed into place, so readers see a
whole entry or none, also with several writers at once.

**Where.** ``$NEGOTIATION_CACHE_DIR``, else ``$XDG_CACHE_HOME/negotiation-state``,
else ``~/.cache/negotiation-state``. ``NEGOTIATION_CACHE=off`` turns it off
(so does ``negotiation ... --no-cache`` for one command); ``events`` keeps
decoded logs but no printed answer. Deleting the
folder, or ``negotiation cache clear``, is always safe.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import hmac
import os
import stat
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from ._codec import LogCheck

__all__ = ["AnswerSlot", "answer_slot", "cache_folder", "check_log_cached", "clear_cache", "schema_fingerprint"]

_MAGIC = b"negotiation-state log cache 1\n"
_KEY_FILE = "key"
_SUFFIX = ".log-cache"
_ANSWER_SUFFIX = ".answer-cache"
_MAX_ANSWER = 64 << 20
"""Answers longer than this (bytes of UTF-8) are not kept."""
_MAX_TOTAL = 4 << 30
"""When the entries pass this many bytes, the least recently used are removed (after writing one)."""
_OFF = {"off", "0", "no", "false"}
_CHUNK = 1 << 20


@functools.cache
def schema_fingerprint() -> str:
    """A hash of what decoding depends on: this package's source, Python's version and attrs' install (64 hex digits).

    Every module of ``events`` (the vocabulary, values, validators, codec
    and upcasters) is hashed, so any change of the schema or of how it is
    decoded gives another fingerprint, and cached logs decoded before it
    are not used. attrs (whose classes the cache holds) counts by its
    module's file and modification time, found without importing attrs:
    reading its version would import ``importlib.metadata``, and importing
    it costs more than the command line's kept answers take to print.
    """
    import importlib.util

    spec = importlib.util.find_spec("attr")
    if spec is None or spec.origin is None:  # a finder that names no file: attrs' own answer
        import attr

        origin = attr.__file__
    else:
        origin = spec.origin
    installed = os.stat(origin)
    digest = hashlib.blake2b(digest_size=32)
    digest.update(f"{sys.version} attrs {origin} {installed.st_size} {installed.st_mtime_ns}\n".encode())
    package = Path(__file__).resolve().parent
    for module in sorted(package.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()


def _answers_off() -> bool:
    """Whether ``NEGOTIATION_CACHE`` is ``events``: decoded logs are kept, answers never."""
    return os.environ.get("NEGOTIATION_CACHE", "").strip().lower() == "events"


def cache_folder() -> Path | None:
    """Where decoded logs are cached, or ``None`` when ``NEGOTIATION_CACHE`` is ``off``.

    ``$NEGOTIATION_CACHE_DIR``, else ``$XDG_CACHE_HOME/negotiation-state``,
    else ``~/.cache/negotiation-state``.
    """
    if os.environ.get("NEGOTIATION_CACHE", "").strip().lower() in _OFF:
        return None
    chosen = os.environ.get("NEGOTIATION_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "negotiation-state"


def _problem(folder: Path, *, create: bool) -> str | None:
    """Why ``folder`` cannot hold the cache, or ``None``; with ``create``, make it (mode 0700) if missing."""
    if create:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot create it: {exc.strerror or exc}"
    try:
        status = os.lstat(folder)
    except OSError as exc:
        return f"cannot use it: {exc.strerror or exc}"
    if not stat.S_ISDIR(status.st_mode):
        return "not a folder (a link or a file)"
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        return "owned by another user"
    if status.st_mode & 0o077:
        return f"group or others may use it (mode {stat.S_IMODE(status.st_mode):o}; chmod 700 it)"
    return None


def _entries(folder: Path) -> list[Path]:
    try:
        return [path for path in folder.iterdir() if path.name.endswith((_SUFFIX, _ANSWER_SUFFIX))]
    except OSError:
        return []


def clear_cache() -> int:
    """Remove every entry (decoded logs and answers) and the key from the cache folder; return how many entries.

    Only the cache's own files are removed, and nothing when the cache is off
    or the folder is not the user's own.
    """
    folder = cache_folder()
    if folder is None or not folder.exists() or _problem(folder, create=False) is not None:
        return 0
    removed = 0
    for entry in _entries(folder):
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()
            removed += 1
    with contextlib.suppress(FileNotFoundError):
        (folder / _KEY_FILE).unlink()
    return removed


def _key(folder: Path) -> bytes | None:
    """The folder's HMAC key: made whole on first use (mode 0600; written aside, then linked into place, so no
    reader sees half a key and the first writer wins), else read; ``None`` if unusable."""
    path = folder / _KEY_FILE
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    if not os.path.lexists(path):
        import tempfile  # here and below, not at the top: a kept answer is read without pickle or tempfile

        try:
            fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-key-")  # mode 0600
        except OSError:
            return None
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(os.urandom(32))  # what secrets.token_bytes gives
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
        except OSError:
            return None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    try:
        fd = os.open(path, os.O_RDONLY | nofollow)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as stream:
        status = os.fstat(stream.fileno())
        key = stream.read(33)
    if (not stat.S_ISREG(status.st_mode) or stat.S_IMODE(status.st_mode) & 0o077 or len(key) != 32
            or (hasattr(os, "getuid") and status.st_uid != os.getuid())):
        return None
    return key


def _status(path: str) -> tuple[int, ...] | None:
    """What changes when a file is written (size, times, inode), ``None`` if absent; mode first."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return (found.st_mode, found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev)


def _hash_into(digest: Any, stream: BinaryIO) -> None:
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)


def _files(path: str) -> list[str]:
    """The files a log's content may be in: the file, and a write-ahead log beside it (a SQLite store's
    ``-wal``; for any store, hashed when present), whatever the kind of store."""
    return [path, path + "-wal"]


def _entry_prefix() -> str:
    return schema_fingerprint()[:24] + "-"


def _content_key(path: str, keep_unknown: bool) -> tuple[str, list[tuple[int, ...] | None]] | None:
    """The entry name for the log's bytes as they are now, and the files' status; ``None`` for what is not a
    regular file (a pipe is read once, never cached) or cannot be read."""
    digest = hashlib.sha256()
    digest.update(f"{schema_fingerprint()} keep_unknown={keep_unknown}\n".encode())
    statuses = []
    for index, name in enumerate(_files(path)):
        status = _status(name)
        statuses.append(status)
        if status is None and index > 0:
            digest.update(b"\0absent\0")
            continue
        if status is None or not stat.S_ISREG(status[0]):
            return None
        try:
            with open(name, "rb") as stream:
                digest.update(b"\0file\0")
                _hash_into(digest, stream)
        except OSError:
            return None
    return _entry_prefix() + digest.hexdigest() + _SUFFIX, statuses


def _read_blob(folder: Path, name: str, key: bytes) -> memoryview | None:
    """An entry's content if it is whole and authentic (its HMAC, over its name and content, matches), else ``None``."""
    try:
        fd = os.open(folder / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            return None
        data = stream.read()
    head = len(_MAGIC) + 32
    if len(data) < head or not data.startswith(_MAGIC):
        return None
    content = memoryview(data)[head:]
    mac = hmac.new(key, name.encode() + b"\0" + content, "sha256").digest()
    if not hmac.compare_digest(mac, data[len(_MAGIC):head]):
        return None
    with contextlib.suppress(OSError):
        os.utime(folder / name)  # used now: the last to be removed when the folder grows too large
    return content


def _read_entry(folder: Path, name: str, key: bytes) -> Any:
    """A decoded log's entry, unpickled only once authentic; ``None`` if missing, damaged or foreign."""
    content = _read_blob(folder, name, key)
    if content is None:
        return None
    import pickle

    with _collector_paused():
        try:
            return pickle.loads(content)
        except Exception:  # authentic but unreadable (a library change the fingerprint missed): rebuilt
            return None


def _write_blob(folder: Path, name: str, key: bytes, payload: bytes) -> None:
    """Write an entry atomically (a temporary file renamed into place)."""
    import tempfile

    mac = hmac.new(key, name.encode() + b"\0" + payload, "sha256").digest()
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(_MAGIC + mac + payload)
        os.replace(temp, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _prune(folder)


def _prune(folder: Path) -> None:
    """Remove entries of another fingerprint (never used again), then the least recently used past the size limit."""
    sized = []
    for entry in _entries(folder):
        with contextlib.suppress(FileNotFoundError):
            if not entry.name.startswith(_entry_prefix()):
                entry.unlink()
                continue
            status = entry.stat()
            sized.append((status.st_mtime_ns, status.st_size, entry))
    total = sum(size for _, size, _ in sized)
    for _, size, entry in sorted(sized):
        if total <= _MAX_TOTAL:
            break
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()
        total -= size


def _write_entry(folder: Path, name: str, key: bytes, content: Any) -> None:
    import pickle

    _write_blob(folder, name, key, pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL))


class AnswerSlot:
    """Where the answer to one question about one log, as its bytes are now, is kept (see :func:`answer_slot`)."""

    def __init__(self, folder: Path, key: bytes, name: str, path: str, statuses: list[tuple[int, ...] | None]) -> None:
        self._folder, self._key, self._name, self._path, self._statuses = folder, key, name, path, statuses

    def get(self) -> str | None:
        """The answer kept, if any (authentic and whole)."""
        content = _read_blob(self._folder, self._name, self._key)
        if content is None:
            return None
        try:
            return bytes(content).decode("utf-8")
        except UnicodeDecodeError:
            return None

    def put(self, answer: str) -> bool:
        """Keep ``answer`` unless the log changed since the slot was made, or it is too long; return whether kept."""
        data = answer.encode("utf-8", errors="surrogateescape")
        if len(data) > _MAX_ANSWER or [_status(file) for file in _files(self._path)] != self._statuses:
            return False
        try:
            _write_blob(self._folder, self._name, self._key, data)
        except OSError:
            return False
        return True


def answer_slot(path: str | os.PathLike[str], question: str, *, keep_unknown: bool = False) -> AnswerSlot | None:
    """The slot for the answer to ``question`` about the log at ``path`` as its bytes are now, or ``None``.

    For a tool that answers the same question about an unchanged log again
    (the command line's ``replay``, ``timeline``, ``diff``, ``explain``):
    the entry is named by the log's content key (its bytes, the schema
    fingerprint and ``keep_unknown``, as :func:`check_log_cached`) and by a
    hash of ``question``, which must name everything the answer depends on
    beyond the log (the arguments, the answering code's own fingerprint).
    ``None`` when the cache is off (or ``NEGOTIATION_CACHE`` is ``events``:
    decoded logs only) or unusable, or the log is not a regular file. Kept like decoded logs: authenticated, written atomically,
    removed by :func:`clear_cache`.
    """
    name = os.fspath(path)
    folder = cache_folder()
    if folder is None or _answers_off() or _problem(folder, create=True) is not None:
        return None
    key = _key(folder)
    content = _content_key(name, keep_unknown) if key is not None else None
    if key is None or content is None:
        return None
    asked = hashlib.blake2b(question.encode("utf-8", errors="surrogateescape"), digest_size=16).hexdigest()
    entry = content[0].removesuffix(_SUFFIX) + "-" + asked + _ANSWER_SUFFIX
    return AnswerSlot(folder, key, entry, name, content[1])


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large object graph is built (it would rescan it many times)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_log_cached(path: str | os.PathLike[str], *, keep_unknown: bool = False,
                     stream: str | None = None) -> LogCheck:
    """:func:`events.check_log`, served from the cache when the log's bytes and the library are unchanged.

    Only a log file is cached (its bytes are the key): a store that is not a
    regular file here (a PostgreSQL URL) is read as ``check_log`` reads it.
    The result equals ``check_log(path, keep_unknown=keep_unknown, stream=stream)``: the
    same records, line numbers, errors and warnings. A log is stored only
    when it read without an error or a warning; see this module's docstring
    for the key, where the cache is, and why an entry is trusted.

    Raises:
        As :func:`events.check_log`. The cache itself never raises: a folder
        it cannot use, or an entry it cannot read or write, means reading
        the log as usual.
    """
    import pickle

    from ._codec import LogCheck
    from ._store import check_log

    name = os.fspath(path)
    if stream is not None or os.path.islink(name) or not os.path.isfile(name):
        return check_log(name, keep_unknown=keep_unknown, stream=stream)
    folder = cache_folder()
    usable = folder is not None and _problem(folder, create=True) is None
    key = _key(folder) if usable and folder is not None else None
    content = _content_key(name, keep_unknown) if key is not None else None
    if folder is None or key is None or content is None:
        return check_log(name, keep_unknown=keep_unknown)
    entry, before = content
    held = _read_entry(folder, entry, key)
    if (isinstance(held, tuple) and len(held) == 2 and isinstance(held[0], tuple) and isinstance(held[1], tuple)
            and len(held[0]) == len(held[1])):
        return LogCheck(events=held[0], lines=held[1], errors=())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = check_log(name, keep_unknown=keep_unknown)
    for warning in caught:  # as if read without the cache: under the caller's filters
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno,
                               source=warning.source)
    after = [_status(file) for file in _files(name)]
    if not caught and not found.errors and after == before:
        with contextlib.suppress(OSError, pickle.PicklingError):
            _write_entry(folder, entry, key, (found.events, found.lines))
    return found
