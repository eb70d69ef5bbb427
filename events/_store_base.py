"""What every event store shares: argument checks, content keys, streams and following by polling.

A neutral home, so that no store imports another store's module.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from attrs import frozen

from ._chain import HASH_FIELD
from ._codec import Record
from ._errors import StoreError
from ._opaque import OpaqueRecord
from ._vocabulary import Event

__all__ = ["Committed", "check_after", "check_expected", "check_stream", "checked_items", "content_key",
           "file_stream", "poll", "single_stream"]


@frozen(kw_only=True)
class Committed:
    """A record as a store committed it: what :meth:`EventStore.follow` yields.

    Attributes:
        stream: The stream (negotiation) the record belongs to, e.g. ``"us-china"``.
        version: Its place in that stream: 1 for the stream's first record.
        position: Its place in the whole store (the global sequence; in a
            one-stream file, equal to ``version``).
        record: The decoded event (or opaque record).
    """

    stream: str
    version: int
    position: int
    record: Record


def content_key(record: dict[str, object]) -> bytes:
    """A digest of a record's content (without chain fields), to tell same-id records apart."""
    body = json.dumps({k: v for k, v in record.items() if k != HASH_FIELD}, sort_keys=True, ensure_ascii=True)
    return hashlib.blake2b(body.encode("ascii"), digest_size=16).digest()


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


_STREAM_LIMIT = 200
"""The longest stream name, in characters."""


def check_stream(location: str, stream: object) -> str:
    """Refuse a stream name that is not text of 1 to 200 printable characters (no control characters)."""
    if not isinstance(stream, str) or not 0 < len(stream) <= _STREAM_LIMIT or not stream.isprintable() \
            or stream != stream.strip():
        raise StoreError(f"{location}: a stream name is 1 to {_STREAM_LIMIT} printable characters without "
                         f"spaces at either end, got {stream!r}")
    return stream


def file_stream(path: str) -> str:
    """The one stream of a log file: its name without the extension (``us-china`` for ``seeds/us-china.jsonl``)."""
    return Path(path).stem or Path(path).name


def single_stream(location: str, held: str, asked: str | None) -> str:
    """The stream of a one-stream store: ``held``, also when asked for by name; another name is refused.

    Raises:
        StoreError: ``asked`` is neither ``None`` nor ``held``.
    """
    if asked is not None and asked != held:
        check_stream(location, asked)
        raise StoreError(f"{location}: a log file holds one stream, {held!r}, not {asked!r}; "
                         "several streams share a PostgreSQL store")
    return held


def poll(read: Callable[[int], Iterable[Record]], stream: str, after: int, idle: float | None, *,
         interval: float = 0.2) -> Iterator[Committed]:
    """Follow a one-stream store by reading what is new every ``interval`` seconds.

    ``read(n)`` gives the records after the first ``n``. Stops after
    ``idle`` seconds with nothing new (never if ``None``).
    """
    quiet_since = time.monotonic()
    while True:
        for record in read(after):
            after += 1
            quiet_since = time.monotonic()
            yield Committed(stream=stream, version=after, position=after, record=record)
        if idle is not None and time.monotonic() - quiet_since >= idle:
            return
        time.sleep(interval if idle is None else max(0.0, min(interval, idle - (time.monotonic() - quiet_since))))
