"""What the cache of decoded logs holds (``negotiation cache info``): apart from ``events/_cache.py``, whose answer
slots the command line reads at start-up without attrs."""

from __future__ import annotations

import contextlib
from pathlib import Path

from attrs import frozen

from ._cache import _answers_off, _entries, _problem, cache_folder, schema_fingerprint

__all__ = ["CacheInfo", "cache_info"]


@frozen(kw_only=True)
class CacheInfo:
    """What :func:`cache_info` found.

    Attributes:
        folder: The cache folder, or ``None`` when the cache is off.
        usable: Whether the folder can be used (see ``reason``).
        reason: Why not, or ``None``.
        entries: How many entries it holds (decoded logs and answers, of any fingerprint).
        size: Their total size, bytes.
        fingerprint: This library's :func:`schema_fingerprint`.
    """

    folder: Path | None
    usable: bool
    reason: str | None
    entries: int
    size: int
    fingerprint: str

    def __str__(self) -> str:
        if self.folder is None:
            return "log cache: off (NEGOTIATION_CACHE=off)"
        state = "in use" if self.usable else f"not used: {self.reason}"
        if self.usable and _answers_off():
            state += "; decoded logs only, no answer kept (NEGOTIATION_CACHE=events)"
        return (f"log cache: {self.folder} ({state}); {self.entries} entries (decoded logs and answers), "
                f"{self.size:,} bytes; "
                f"schema fingerprint {self.fingerprint[:16]}")


def cache_info() -> CacheInfo:
    """The cache folder, whether it is used, and what it holds."""
    folder = cache_folder()
    if folder is None:
        return CacheInfo(folder=None, usable=False, reason="off", entries=0, size=0, fingerprint=schema_fingerprint())
    reason = _problem(folder, create=False) if folder.exists() else None
    entries = _entries(folder) if reason is None and folder.exists() else []
    size = 0
    for entry in entries:
        with contextlib.suppress(OSError):
            size += entry.stat().st_size
    return CacheInfo(folder=folder, usable=reason is None, reason=reason, entries=len(entries), size=size,
                     fingerprint=schema_fingerprint())
