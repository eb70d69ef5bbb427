"""States over many dates from one forward fold, and the changes between them."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

import attrs
from attrs import frozen

from events import EVERY_PARTNER, AnyEvent, Record, TariffChanged

from ._errors import QueryError
from ._fold import check_day, check_progress, check_query, prepare, slices
from ._horizon import projection_plan
from ._state import LedgerView, NegotiationState, TariffLayer
from ._tariffs import all_goods_breakdowns, layer_terms

__all__ = ["Change", "ChangeKind", "changes", "timeline"]

ONE_DAY = timedelta(days=1)
_ANNOUNCED = operator.attrgetter("recorded", "event_id")


def _days(start: date, end: date, step: timedelta, dates: Iterable[date] | None) -> list[date]:
    check_day("end", end)
    if end < start:
        raise QueryError("end", end, f"a date on or after start {start}")
    if dates is not None:
        given = list(dates)
        for day in given:
            if not isinstance(day, date) or isinstance(day, datetime) or not start <= day <= end:
                raise QueryError("dates", day, f"datetime.date values from {start} to {end}")
        return sorted(set(given))
    if not isinstance(step, timedelta) or step.days < 1 or step % ONE_DAY:
        raise QueryError("step", step, "a whole number of days, at least one")
    count = (end - start) // step + 1
    return [start + index * step for index in range(count)]


def timeline(
    events: Iterable[Record],
    start: date,
    end: date,
    *,
    step: timedelta = ONE_DAY,
    dates: Iterable[date] | None = None,
    known_at: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[date, NegotiationState]]:
    """The state on each date from ``start`` to ``end`` (inclusive), from one forward fold.

    Each fact is applied once, on the first date on or after its effective
    date; between dates only the clock rules run. Every state equals
    ``replay(events, as_of=day, known_at=known_at)``.

    Args:
        events: The log, in any order.
        start: The first date.
        end: The last date (inclusive).
        step: The spacing of dates, a whole number of days (default 1).
        dates: Instead of ``step``, these dates (sorted, deduplicated; each
            from ``start`` to ``end``).
        known_at: The transaction-time cut-off, as in :func:`replay`.
        progress: Called as ``progress(done, total)`` with the number of
            dates produced and the number of dates, at most about 100 times,
            the last time with ``(total, total)`` when the iterator is
            exhausted; or ``None``.

    Returns:
        An iterator of ``(date, state)`` pairs, in date order. The log is
        checked before the first pair is produced. The states share the
        records that did not change between them.

    Raises:
        QueryError: bad dates, step, ``known_at`` or ``progress``.
        ConflictingEventError, UnknownReferenceError, InconsistentEventError:
            as :func:`replay` (reference problems surface when their date
            is reached).
    """
    known_at = check_query(start, known_at)
    check_progress(progress)
    days = _days(start, end, step, dates)
    if not days:
        if progress is not None:
            progress(0, 0)
        return iter(())
    builder, contents = prepare(events, days[0], known_at, plan=False)
    announced = sorted(contents, key=_ANNOUNCED)
    through = builder.horizon.through
    plan_due = through is not None and days[-1] > through
    if plan_due and through is not None and through < days[0]:
        builder.as_of = through  # nothing folded yet: start on the horizon's day to take the plan there
    due = announce = 0
    fold, schedule = builder.fold, builder.schedule

    def move_to(day: date) -> None:
        nonlocal due, announce
        builder.advance(day)
        count = len(contents)
        while due < count and contents[due].effective <= day:
            fold(contents[due])
            due += 1
        end_of_day = datetime.combine(day + ONE_DAY, time(), UTC)
        count = len(announced)
        while announce < count and announced[announce].recorded < end_of_day:
            content = announced[announce]
            announce += 1
            if content.effective > day:
                schedule(content)

    def states() -> Iterator[tuple[date, NegotiationState]]:
        nonlocal plan_due
        for begin, stop in slices(len(days), progress):
            for day in days[begin:stop]:
                if plan_due and through is not None and day > through:
                    move_to(through)  # the horizon's own state, once, to list what lies past it
                    plan = projection_plan(builder.freeze(), contents)
                    builder.horizon = attrs.evolve(builder.horizon, projection=plan)
                    plan_due = False
                move_to(day)
                yield day, builder.freeze()

    return states()


class ChangeKind(enum.Enum):
    """What changed: a pair's all-goods total, a layer, an accord, an export control."""

    TARIFF_TOTAL = "tariff total"
    TARIFF_LAYER = "tariff layer"
    ACCORD = "accord"
    EXPORT_CONTROL = "export control"


@frozen(kw_only=True)
class Change:
    """One change between the day before ``day`` and ``day``.

    Attributes:
        day: The first day of the new value.
        kind: What changed.
        subject: Which one, e.g. ``"USA on CHN, all goods"`` or an accord id.
        before: The old value in words, or ``None`` if it did not exist.
        after: The new value in words, or ``None`` if it ended.
        causes: The ids of the events applied that day that caused it, or a
            clock rule such as ``"clock: suspension ended"``.
    """

    day: date
    kind: ChangeKind
    subject: str
    before: str | None
    after: str | None
    causes: tuple[str, ...]


def _layer_words(layer: TariffLayer | None) -> str | None:
    if layer is None:
        return None
    words = f"{layer.applied_rate}"
    if layer.suspension is not None and layer.suspended:
        words += f" ({layer.rate} with {layer.rate - layer.suspension.rate} points suspended until {layer.suspension.until})"
    terms = layer_terms(layer)
    return words if terms == f"adds {layer.applied_rate}" else f"{words} ({terms})"


def _layer_cause(previous: TariffLayer | None, current: TariffLayer | None, new: Sequence[AnyEvent], day: date) -> str:
    if current is not None and (previous is None or previous.event_id != current.event_id):
        return current.event_id
    if current is None and previous is not None:
        removing = [e.event_id for e in new if isinstance(e, TariffChanged) and e.layer_key == previous.key]
        if removing:
            return removing[-1]
        if previous.ends is not None and previous.ends <= day:
            return f"clock: statutory limit reached ({previous.ends})"
        return f"retraction or correction of {previous.event_id}"
    return "clock: suspension ended"


def _pairs_reached(previous: NegotiationState, current: NegotiationState, imposer: str,
                   target: str) -> list[tuple[str, str]]:
    """The pairs a layer on ``target`` reaches: itself, and, for every partner or a bloc, each pair of the
    imposer's layers (on either day) on a partner it covers, so a pair's total names every cause of its change."""
    members = {m for state in (previous, current) for bloc in state.blocs.values() if bloc.bloc == target
               for m in bloc.members}
    if target != EVERY_PARTNER and not members:
        return [(imposer, target)]  # a named partner: no scan of the layers
    pairs = {key[:2] for state in (previous, current) for key in state.layers if key[0] == imposer}
    return sorted({(imposer, target)} | {(i, t) for i, t in pairs
                                         if (target == EVERY_PARTNER and t != imposer) or t in members})


def _diff(previous: NegotiationState, current: NegotiationState) -> list[Change]:
    day = current.as_of
    added = current.events.added_since(previous.events) if isinstance(current.events, LedgerView) else None
    new = added if added is not None else [e for key, e in current.events.items() if previous.events.get(key) is not e]
    found: list[Change] = []
    pair_causes: dict[tuple[str, str], list[str]] = {}
    touched = set() if previous.layers is current.layers else set(previous.layers) | set(current.layers)
    for key in sorted(touched, key=lambda k: (*k[:3], k[3].hs)):
        before, after = previous.layers.get(key), current.layers.get(key)
        if _layer_words(before) == _layer_words(after):
            continue
        cause = _layer_cause(before, after, new, day)
        imposer, target, measure, scope = key
        found.append(Change(
            day=day, kind=ChangeKind.TARIFF_LAYER, subject=f"{imposer} on {target} {measure}, {scope}",
            before=_layer_words(before), after=_layer_words(after), causes=(cause,),
        ))
        if scope.all_goods:
            for pair in _pairs_reached(previous, current, imposer, target):
                pair_causes.setdefault(pair, []).append(cause)
    reached = sorted(pair_causes)
    totals = (all_goods_breakdowns(previous, reached), all_goods_breakdowns(current, reached)) if reached else ({}, {})
    for imposer, target in reached:
        before_rate = totals[0][(imposer, target)].summary()  # every pair from one pass over each day's layers
        after_rate = totals[1][(imposer, target)].summary()
        if before_rate != after_rate:
            found.append(Change(
                day=day, kind=ChangeKind.TARIFF_TOTAL, subject=f"{imposer} on {target}, all goods",
                before=before_rate, after=after_rate, causes=tuple(dict.fromkeys(pair_causes[(imposer, target)])),
            ))
    same_accords = previous.accords is current.accords  # states share what did not change: nothing to compare
    for accord_id in () if same_accords else sorted(set(previous.accords) | set(current.accords)):
        old, now = previous.accords.get(accord_id), current.accords.get(accord_id)
        words = [None if a is None else f"{a.status.value}, " + (f"deadline {a.deadline}" if a.deadline else "open-ended")
                 for a in (old, now)]
        if words[0] == words[1]:
            continue
        if now is not None and (old is None or old.extended_by != now.extended_by):
            cause = now.extended_by[-1] if old is not None else now.event_id
        elif now is None:
            cause = f"retraction or correction of {old.event_id}"  # type: ignore[union-attr]
        else:
            cause = "clock: deadline passed" if now.status.value == "lapsed" else "clock: window opened"
        found.append(Change(day=day, kind=ChangeKind.ACCORD, subject=accord_id, before=words[0], after=words[1], causes=(cause,)))
    same_controls = previous.export_controls is current.export_controls
    for control_id in () if same_controls else sorted(set(previous.export_controls) | set(current.export_controls)):
        old_c, now_c = previous.export_controls.get(control_id), current.export_controls.get(control_id)
        words = [None if c is None else c.status.value for c in (old_c, now_c)]
        if words[0] == words[1] and (old_c is None or old_c.event_ids == now_c.event_ids):  # type: ignore[union-attr]
            continue
        if now_c is not None and (old_c is None or old_c.event_ids != now_c.event_ids):
            cause = now_c.event_ids[-1]
        elif now_c is None:
            lifting = [e.event_id for e in new if getattr(e, "control_id", None) == control_id]
            cause = lifting[-1] if lifting else f"retraction or correction of {old_c.event_ids[-1]}"  # type: ignore[union-attr]
        else:
            cause = "clock: suspension ended"
        found.append(Change(day=day, kind=ChangeKind.EXPORT_CONTROL, subject=control_id, before=words[0], after=words[1], causes=(cause,)))
    return found


def changes(
    events: Iterable[Record],
    start: date,
    end: date,
    *,
    known_at: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Change, ...]:
    """Every change of a tariff total, layer, accord or export control on days ``start`` to ``end``.

    Each day is compared with the day before it (so a change on ``start``
    itself is listed), from one forward fold. Each change names the events
    applied that day that caused it, or the clock rule (a suspension or a
    window ending) when no event did.

    ``progress``, if given, is called as ``progress(done, total)`` with the
    number of days compared so far and the number of days from ``start``
    to ``end``, at most about 100 times, the last time with ``(total, total)``.

    Raises:
        As :func:`timeline`.
    """
    check_day("start", start)
    check_day("end", end)
    if end < start:
        raise QueryError("end", end, f"a date on or after start {start}")
    check_progress(progress)
    days_compared = None if progress is None else (lambda done, total: progress(max(done - 1, 0), total - 1))
    found: list[Change] = []
    previous: NegotiationState | None = None
    for _day, state in timeline(events, start - ONE_DAY, end, known_at=known_at, progress=days_compared):
        if previous is not None:
            found.extend(_diff(previous, state))
        previous = state
    return tuple(found)
