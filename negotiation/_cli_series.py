"""The rows of ``negotiation timeline``, written one at a time.

The columns (every pair's, or a pair's layers) and, for text, their widths
depend on every day of the range, and nothing may be written before the
whole range is known to be answerable. So the range is folded more than
once (:func:`negotiation.timeline`, each a forward fold): first to find the
columns (and to check every day), then to write each row as it is made.
Memory holds one state and the columns, whatever the length of the range.

Each day costs only what changed: the states of a timeline share their
layers, blocs and quotas until a day changes them, and a pair's layers, or
every pair's totals, are worked out again only then
(:func:`negotiation._tariffs.breakdown_series`, :func:`all_goods_breakdowns`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import events

from ._canonical import canonical_json
from ._rows import layer_label
from ._safe import for_spreadsheet, for_terminal
from ._state import NegotiationState
from ._tariffs import QuotaChoice, Reach, TariffBreakdown, all_goods_series, breakdown_series
from ._timeline import timeline

__all__ = ["timeline_output"]

_NEEDS_QUOTA = "needs --quota"
"""A cell whose figure depends on the side of a tariff-rate quota the command did not choose."""
_NEEDS_BASE = "needs base"
"""An every-pair cell whose all-goods total depends on the base rate (an all-in layer): no number is right."""

Progress = Callable[[int, int], None] | None


def _need(found: TariffBreakdown) -> str:
    return _NEEDS_QUOTA if any(c.reach is Reach.NEEDS_QUOTA for c in found.contributions) else _NEEDS_BASE


def _total_cell(found: TariffBreakdown) -> Decimal | str:
    """A total, or what it needs (a base or a quota choice) where a rule cannot give a number."""
    return _need(found) if found.missing else found.additional


def _breakdown_row(found: TariffBreakdown, labels: Sequence[str]) -> dict[str, Any]:
    """A pair timeline row; where a rule needs a base or a quota choice not given, the cell says so instead of a number."""
    need = _need(found)
    total = None if found.missing else found.additional
    amounts = {layer_label(c.layer, found.target): c.amount for c in found.contributions}
    return {
        "date": found.as_of, "total": need if total is None else total, "base": found.base,
        "duty": None if total is None or found.base is None else found.duty,
        "projected": found.projected,
        **{label: (need if amounts[label] is None else amounts[label]) if label in amounts else None
           for label in labels},
    }


def _cell(value: Any) -> str:
    return "" if value is None else str(events.converter.unstructure(value))


_DAY = "0000-00-00"
"""Where a row's date goes in the text made once for a run of days with equal rows (every date is as wide)."""

Fold = Callable[[int], Iterator[tuple[date, NegotiationState]]]
Bodies = Iterator[tuple[date, dict[str, Any]]]
"""Each day and its row without the date: the same object while the row does not change."""


class _Widths:
    """The widest cell of each column seen so far (text output)."""

    def __init__(self) -> None:
        self.widths: dict[str, int] = {"date": len(_DAY)}

    def see(self, row: dict[str, Any]) -> None:
        for key, value in row.items():
            width = len(_cell(value))
            if width > self.widths.get(key, 0):
                self.widths[key] = width

    def of(self, header: Sequence[str]) -> list[int]:
        return [max(len(key), self.widths.get(key, 0)) for key in header]


def _passes(log: Sequence[events.Record], start: date, end: date, known_at: datetime | None, progress: Progress,
            count: int) -> Fold:
    """Pass ``k`` of ``count`` over the range: a new timeline, its progress shown in days as a share of the whole."""
    def run(k: int) -> Iterator[tuple[date, NegotiationState]]:
        shown = None if progress is None else (lambda done, total: progress((k * total + done) // count, total))
        return timeline(log, start, end, known_at=known_at, progress=shown)
    return run


def _pair_breakdowns(fold: Fold, k: int, imposer: str, target: str, product: str | None, base: Decimal | None,
                     quota: QuotaChoice) -> Iterator[tuple[date, TariffBreakdown | None]]:
    """Each day and the pair's breakdown, or ``None`` where the row is the day before's: worked out again only on a
    day whose layers, blocs, quotas, base rates or projection changed (every day for ``quota="in"``: quota periods
    are dated)."""
    slot: list[NegotiationState] = []
    series = breakdown_series(iter(slot.pop, None), imposer, target, product, base=base, quota=quota)
    seen: tuple[Any, ...] | None = None
    for day, state in fold(k):
        key = (state.layers, state.blocs, state.quotas, state.base_rates, state.projected,
               state.as_of if quota == "in" else None)
        if seen is not None and all(a is b for a, b in zip(key, seen, strict=True)):
            yield day, None
            continue
        seen = key
        slot.append(state)
        yield day, next(series)


def _pair_bodies(fold: Fold, k: int, imposer: str, target: str, product: str | None, base: Decimal | None,
                 quota: QuotaChoice, labels: Sequence[str]) -> Bodies:
    body: dict[str, Any] = {}
    for day, found in _pair_breakdowns(fold, k, imposer, target, product, base, quota):
        if found is not None:
            body = _breakdown_row(found, labels)
            del body["date"]
        yield day, body


def _every_pair_bodies(fold: Fold, k: int, pairs: Sequence[tuple[str, str]]) -> Bodies:
    """Each day's every-pair row; worked out again only on a day whose layers, blocs or quotas changed (and then only
    for the pairs whose layers changed), or whose projection did."""
    slot: list[NegotiationState] = []
    series = all_goods_series(iter(slot.pop, None), pairs)
    seen: tuple[Any, ...] | None = None
    body: dict[str, Any] = {}
    cells: dict[tuple[str, str], tuple[TariffBreakdown, Decimal | str]] = {}
    for day, state in fold(k):
        key = (state.layers, state.blocs, state.quotas, state.projected)
        if seen is None or any(a is not b for a, b in zip(key, seen, strict=True)):
            seen = key
            slot.append(state)
            found = next(series)
            for pair, made in found.items():
                if pair not in cells or cells[pair][0] is not made:
                    cells[pair] = (made, _total_cell(made))
            body = {"projected": state.projected, **{f"{i} on {t}": cells[(i, t)][1] for i, t in pairs}}
        yield day, body


def timeline_output(
    log: Sequence[events.Record], start: date, end: date, *, imposer: str | None, target: str | None,
    product: str | None, base: Decimal | None, quota: QuotaChoice, known_at: datetime | None, fmt: str,
    progress: Progress = None,
) -> Iterator[str]:
    """The output of ``negotiation timeline``, a piece (a row, or the header) at a time.

    Every day is worked out (and any error raised) before this returns; the
    iterator then folds the range once more and makes each row as it is
    written. The text is what the command printed when it built every row
    first: CSV with a header, canonical JSON (one array of row objects), or
    aligned text.

    Raises:
        QueryError, NegotiationError: as :func:`negotiation.timeline` and
            :meth:`negotiation.NegotiationState.breakdown`.
    """
    widths = _Widths()
    if imposer is not None and target is not None:
        fold = _passes(log, start, end, known_at, progress, 2)
        labels: set[str] = set()
        for _, found in _pair_breakdowns(fold, 0, imposer, target, product, base, quota):
            if found is not None:
                labels.update(layer_label(c.layer, target) for c in found.contributions)
                widths.see(_breakdown_row(found, ()))
        ordered = sorted(labels)
        header = ["date", "total", "base", "duty", "projected", *ordered]
        bodies = _pair_bodies(fold, 1, imposer, target, product, base, quota, ordered)
    else:
        fold = _passes(log, start, end, known_at, progress, 3)
        pairs: set[tuple[str, str]] = set()
        layers = None
        for _, state in fold(0):
            if state.layers is not layers:
                layers = state.layers
                pairs.update((key[0], key[1]) for key in state.layers)  # keys: (imposer, target, measure, scope)
        ordered_pairs = sorted(pairs)
        last = None
        for _, body in _every_pair_bodies(fold, 1, ordered_pairs):  # every cell checked before writing
            if body is not last:
                widths.see(body)
                last = body
        header = ["date", "projected", *(f"{i} on {t}" for i, t in ordered_pairs)]
        bodies = _every_pair_bodies(fold, 2, ordered_pairs)
    if fmt == "json":
        return _json_rows(bodies)
    if fmt == "csv":
        return _csv_rows(header, bodies)
    return _text_rows(header, widths.of(header), bodies)


def _dated(bodies: Bodies, render: Callable[[dict[str, Any]], str]) -> Iterator[str]:
    """Each row's text: ``render`` once per run of equal rows, with :data:`_DAY` where the date goes."""
    last: dict[str, Any] | None = None
    text = ""
    for day, body in bodies:
        if body is not last:
            last, text = body, render(body)
        yield text.replace(_DAY, day.isoformat(), 1)


def _json_rows(bodies: Bodies) -> Iterator[str]:
    """One JSON array, canonical (as ``canonical_json`` of the whole list), written row by row."""
    def render(body: dict[str, Any]) -> str:
        # Keys are sorted: the date goes between the keys before "date" and those after it, so it is the first _DAY.
        before = canonical_json(events.converter.unstructure({k: v for k, v in body.items() if k < "date"}))
        after = canonical_json(events.converter.unstructure({k: v for k, v in body.items() if k > "date"}))
        parts = [part for part in (before[1:-1], f'"date":"{_DAY}"', after[1:-1]) if part]
        return for_terminal("{" + ",".join(parts) + "}", json=True)

    yield "["
    for index, text in enumerate(_dated(bodies, render)):
        yield text if index == 0 else "," + text
    yield "]\n"


def _csv_rows(header: list[str], bodies: Bodies) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def render(body: dict[str, Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_DAY, *(for_spreadsheet(_cell(body[key])) for key in header[1:])])
        return buffer.getvalue()

    yield render({key: key for key in header[1:]}).replace(_DAY, for_spreadsheet(header[0]), 1)
    yield from _dated(bodies, render)


def _text_rows(header: list[str], widths: list[int], bodies: Bodies) -> Iterator[str]:
    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip() + "\n"

    yield line(header)
    yield from _dated(bodies, lambda body: line([_DAY, *(_cell(body[key]) for key in header[1:])]))
