"""Many negotiations replayed in parallel on a Dask cluster, one task per stream.

Needs the ``dask`` extra (``pip install 'negotiation-state[dask]'``, which
brings ``dask[distributed]``); ``import negotiation`` never imports Dask, only
``import negotiation.parallel`` does::

    from negotiation import parallel
    states = parallel.replay(["seeds/us-china.jsonl", "seeds/us-eu.jsonl"], as_of=date(2025, 6, 9))
    states["us-china"].tariff_rate("USA", "CHN")            # Decimal('30')

Every function runs one task per stream: the worker reads the stream's log
itself (so the log never travels through the scheduler) and sends back what
was asked (states, rows), which the standard library pickles. The answer of
each stream is exactly what the local function gives on the same log: equal
states, equal digests.

The cluster: ``client=None`` starts a :class:`distributed.LocalCluster` on
this machine (one single-threaded worker process per core; ``workers`` sets
how many) for the call and closes it after; pass a
:class:`distributed.Client` to use a running cluster, or a scheduler address
(``"tcp://host:8786"``) to connect to one. Workers of a remote cluster need
this library installed and the logs at the same locations (a shared file
system, or a store URL they can reach).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

try:
    import distributed
except ImportError as exc:  # pragma: no cover - exercised without dask only
    raise ImportError(
        "negotiation.parallel needs dask.distributed: install the 'dask' extra, e.g. pip install 'negotiation-state[dask]'"
    ) from exc

import events

from ._arrow import Rows
from ._errors import QueryError
from ._fold import replay as _replay
from ._rows import TariffRow
from ._rows import tariff_series as _tariff_series
from ._state import NegotiationState
from ._tariffs import QuotaChoice
from ._timeline import ONE_DAY
from ._timeline import timeline as _timeline

__all__ = ["Sources", "replay", "tariff_frame", "tariff_series", "timeline"]

Sources = str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | Mapping[str, str | os.PathLike[str]]
"""Where the streams are: one location, several, or stream names mapped to locations.

A location is anything :func:`events.open_store` opens: a log file
(``.jsonl``, ``.sqlite``, ``.db``), whose one stream is named by the file's
stem (``seeds/us-china.jsonl`` is ``us-china``), or a PostgreSQL URL: with
``#name``, that stream; without, every stream the store holds, each by its
name. Pass a mapping to choose the names (one stream per location).
"""

_T = TypeVar("_T")


def _stream_names(location: str) -> list[tuple[str, str | None]]:
    """The streams at one location: (name, stream to read, ``None`` for the location's own)."""
    with events.open_store(location, create=False) as store:
        if store.stream is not None:
            return [(store.stream, None)]
        return [(name, name) for name in store.streams()]


def _streams(sources: Sources) -> dict[str, tuple[str, str | None]]:
    """Stream name to (location, stream); two streams with one name are refused."""
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    named: dict[str, tuple[str, str | None]] = {}
    if isinstance(sources, Mapping):
        named.update((str(name), (os.fspath(location), None)) for name, location in sources.items())
    else:
        for given in sources:
            location = os.fspath(given)
            for name, stream in _stream_names(location):
                if name in named and named[name] != (location, stream):
                    raise QueryError("sources", [named[name][0], location], f"locations with distinct stream names; "
                                     f"both hold a stream named {name!r}: pass a mapping of names to locations")
                named[name] = (location, stream)
    if not named:
        raise QueryError("sources", sources, "at least one stream (no sources given, or stores that hold none)")
    return named


@contextlib.contextmanager
def _client(client: distributed.Client | str | None, workers: int | None) -> Iterator[distributed.Client]:
    if isinstance(client, distributed.Client):
        yield client
        return
    if client is not None:
        with distributed.Client(client) as connected:  # type: ignore[no-untyped-call]
            yield connected
        return
    count = workers or os.cpu_count() or 1
    with (
        distributed.LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,  # type: ignore[no-untyped-call]
        distributed.Client(cluster) as local,  # type: ignore[no-untyped-call]
    ):
        yield local


def _run(
    task: Callable[..., _T],
    sources: Sources,
    client: distributed.Client | str | None,
    workers: int | None,
    **options: Any,
) -> dict[str, _T]:
    named = _streams(sources)
    with _client(client, workers) as connected:
        futures = {
            name: connected.submit(task, location, stream, key=f"negotiation-{task.__name__}-{name}", pure=False,
                                   **options)
            for name, (location, stream) in named.items()
        }
        results: dict[str, _T] = {}
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except Exception as exc:
                exc.add_note(f"in stream {name!r} ({events.redact_location(named[name][0])})")
                raise
        return results


def _replay_task(location: str, stream: str | None, *, as_of: date, known_at: datetime | None) -> NegotiationState:
    return _replay(events.read_log(location, stream=stream), as_of=as_of, known_at=known_at)


def _timeline_task(
    location: str, stream: str | None, *, start: date, end: date, step: timedelta, known_at: datetime | None
) -> tuple[tuple[date, NegotiationState], ...]:
    return tuple(_timeline(events.read_log(location, stream=stream), start, end, step=step, known_at=known_at))


def _series_task(location: str, stream: str | None, *, start: date, end: date, **terms: Any) -> Rows[TariffRow]:
    return _tariff_series(events.read_log(location, stream=stream), start, end, **terms)


def replay(
    sources: Sources,
    *,
    as_of: date,
    known_at: datetime | None = None,
    client: distributed.Client | str | None = None,
    workers: int | None = None,
) -> dict[str, NegotiationState]:
    """:func:`negotiation.replay` of every stream, in parallel: stream name to its state on ``as_of``.

    Args:
        sources: The streams (see :data:`Sources`).
        as_of: The valid-time date of every state.
        known_at: The transaction-time cut-off (an aware datetime), or ``None``.
        client: A Dask client or scheduler address; ``None`` starts a local cluster.
        workers: Worker processes of the local cluster (default: one per core).

    Raises:
        QueryError: no streams, or two locations with the same stream name.
        StoreError, FileNotFoundError: a location is not a store (checked here, before any task runs).
        Whatever reading or replaying a stream raises (``FileNotFoundError``,
        ``events.DecodeError``, ``NegotiationError``, ...), with a note naming
        the stream and its location.
    """
    return _run(_replay_task, sources, client, workers, as_of=as_of, known_at=known_at)


def timeline(
    sources: Sources,
    *,
    start: date,
    end: date,
    step: timedelta = ONE_DAY,
    known_at: datetime | None = None,
    client: distributed.Client | str | None = None,
    workers: int | None = None,
) -> dict[str, tuple[tuple[date, NegotiationState], ...]]:
    """:func:`negotiation.timeline` of every stream, in parallel: stream name to its ``(day, state)`` pairs.

    Raises as :func:`replay` does.
    """
    return _run(_timeline_task, sources, client, workers, start=start, end=end, step=step, known_at=known_at)


def tariff_series(
    sources: Sources,
    *,
    start: date,
    end: date,
    imposer: str,
    target: str,
    product: str | None = None,
    known_at: datetime | None = None,
    base: Decimal | None = None,
    quota: QuotaChoice = None,
    client: distributed.Client | str | None = None,
    workers: int | None = None,
) -> dict[str, Rows[TariffRow]]:
    """:func:`negotiation.tariff_series` of every stream, in parallel: stream name to its daily rows.

    Rates are percent, as in the local function. Raises as :func:`replay` does.
    """
    return _run(
        _series_task, sources, client, workers, start=start, end=end, imposer=imposer, target=target,
        product=product, known_at=known_at, base=base, quota=quota,
    )


def tariff_frame(
    sources: Sources,
    *,
    start: date,
    end: date,
    imposer: str,
    target: str,
    product: str | None = None,
    known_at: datetime | None = None,
    base: Decimal | None = None,
    quota: QuotaChoice = None,
    client: distributed.Client | str | None = None,
    workers: int | None = None,
) -> Any:
    """Every stream's :func:`negotiation.frames.tariff_frame`, one pandas DataFrame with a ``stream`` column first.

    The workers send rows; the frame is built here by
    :func:`negotiation.frames.tariff_rows_frame`, with its dtypes (``stream``
    is ``category``): every layer seen in any stream gets a column, 0 where
    it was not in force. Needs pandas.
    Raises as :func:`replay` does.
    """
    import pandas as pd

    from . import frames  # pandas is imported only when a frame is asked for

    series = tariff_series(
        sources, start=start, end=end, imposer=imposer, target=target, product=product, known_at=known_at,
        base=base, quota=quota, client=client, workers=workers,
    )
    names = [name for name, rows in series.items() for _ in rows]
    frame = frames.tariff_rows_frame([row for rows in series.values() for row in rows])
    frame.insert(0, "stream", pd.Categorical(names, categories=list(series)))
    return frame
