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

import os
from collections.abc import Callable
from pathlib import Path

from attrs import frozen

from ._chain import HASH_FIELD
from ._codec import Line, LineReader, Record, is_torn, parse_line, to_record
from ._errors import DecodeError, DuplicateEventError, StoreError
from ._files import backup, still_there
from ._store import open_store, raw_records, read_log, store_kind, verify_log
from ._store_base import content_key

__all__ = ["Repair", "convert", "repair", "upgrade"]


def convert(source: str | os.PathLike[str], target: str | os.PathLike[str], *, keep_unknown: bool = False,
            follow_symlinks: bool = False, stream: str | None = None) -> int:
    """Copy every record of a stream of ``source`` into a new log ``target``; the kinds follow the locations.

    Events are written at their current versions, with a hash chain;
    opaque records (with ``keep_unknown``) are written as they were. A
    JSON Lines log converted to SQLite or PostgreSQL and back gives the same
    bytes. A file ``target`` is written beside its final name and appears
    there whole, created exclusively (a hard link, or ``O_EXCL``): a file or
    symbolic link put there meanwhile is never overwritten or followed. A
    PostgreSQL ``target`` gets a new stream, named after ``#`` in its URL or
    else as the source's stream (``us-china`` for ``us-china.jsonl``), in
    one transaction, only if that stream holds nothing.

    Args:
        source: The log to read (a regular file, or a PostgreSQL URL).
        target: The new log.
        keep_unknown: Copy records of unknown types or future versions as they are.
        follow_symlinks: Read ``source`` also if it is a symbolic link.
        stream: The stream of ``source`` to copy (default: its own, or the
            only one of a PostgreSQL store; see :class:`EventStore`).

    Returns:
        The number of records in ``target``: a SQLite store keeps an event
        repeated with the same content once.

    Raises:
        FileExistsError: ``target`` exists, also as a dangling symbolic
            link, or was created while ``source`` was read (it is never
            overwritten).
        StoreError: ``target``'s name ends in neither a JSON Lines nor a
            SQLite extension and is not a PostgreSQL URL; its PostgreSQL
            stream holds records (or got some while ``source`` was read).
        FileNotFoundError: ``source``, or ``target``'s folder, does not exist.
        StoreError: ``source`` is a symbolic link (without
            ``follow_symlinks``) or not a regular file; its hash chain is
            broken (converting would hide it); a line would exceed
            ``MAX_LINE_BYTES``.
        DuplicateEventError: ``source`` has one id with different contents.
        DecodeError: a record of ``source`` does not decode.
    """
    kind = store_kind(target, new=True)
    location = os.fspath(target)
    name = store_kind(source).log_file(os.fspath(source), follow_symlinks)
    with open_store(name, keep_unknown=keep_unknown, create=False) as store:
        stream = _one_stream(store.location, store.stream if stream is None else stream, store.streams)
    kind.refuse_target(location, stream=stream)
    records = _read_intact(name, keep_unknown, stream)
    return kind.write_log(location, records, exclusive=True, stream=stream)


def _one_stream(location: str, stream: str | None, streams: Callable[[], dict[str, int]]) -> str:
    """``stream``, or the only stream of a store opened on none; refuse a store of several."""
    if stream is not None:
        return stream
    names = list(streams())
    if len(names) != 1:
        held = f"{len(names)} streams ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})" if names \
            else "no stream"
        raise StoreError(f"{location}: holds {held}: name the one to copy (stream=, --stream, or #name)")
    return names[0]


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
    kind = store_kind(path)
    name = kind.log_file(os.fspath(path), follow_symlinks)
    with kind.hold(name) as fd:
        records = _read_intact(name, keep_unknown)
        if _is_current(name, records):
            return None
        kept = backup(name, fd)
        still_there(name, fd)
        kind.write_log(name, records, exclusive=False)
    return kept


def _is_current(path: str, records: tuple[Record, ...]) -> bool:
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
        StoreError: ``path`` is a SQLite or PostgreSQL store (its appends
            are transactions: nothing is ever torn); a symbolic link (without
            ``follow_symlinks``); not a regular file; there is something to
            cut but the file is not an event log (a line other than the one
            to cut is not a record).
        FileNotFoundError: there is no such file.
        OSError: the file cannot be read or written.
    """
    kind = store_kind(path)
    if not kind.repairable:
        raise StoreError(f"{os.fspath(path)}: a {kind.name} store's appends are transactions; there is nothing to repair")
    name = kind.log_file(os.fspath(path), follow_symlinks)
    with kind.hold(name, writable=True) as fd:
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
        kept = backup(name, fd)
        os.ftruncate(fd, cut)
        os.fsync(fd)
    assert number is not None
    return Repair(line=number, removed=size - cut, backup=kept)


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


def _read_intact(path: str, keep_unknown: bool, stream: str | None = None) -> tuple[Record, ...]:
    """The stream's records, if its chain is not broken and no id has two contents."""
    verification = verify_log(path, stream=stream)
    if verification.first_bad is not None:
        if (verification.problem or "").startswith("not a JSON object"):  # a line that does not parse
            read_log(path, keep_unknown=keep_unknown, stream=stream)  # raises its own error: too long, not JSON, ...
        raise StoreError(f"{verification}; refusing to rewrite the log, which would hide the break")
    records = read_log(path, keep_unknown=keep_unknown, stream=stream)
    seen: dict[str, bytes] = {}
    for item in records:
        if item.event_id is not None:
            key = content_key(to_record(item))
            if seen.setdefault(item.event_id, key) != key:
                raise DuplicateEventError(path=os.fspath(path), event_id=item.event_id, where="in this log")
    return records
