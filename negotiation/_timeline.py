"""States over many dates from one forward fold, and the changes between them."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs
from attrs import frozen

from events import (
    ALL_GOODS,
    EVERY_PARTNER,
    AnyEvent,
    EventCorrected,
    EventRetracted,
    ExportLicencesApproved,
    LeadersSpoke,
    LogReviewed,
    Record,
    Scope,
    Source,
    StatementIssued,
    TariffChanged,
    TradeDataReleased,
    converter,
)

from ._args import as_day, as_instant
from ._errors import QueryError
from ._explain import ruling_words
from ._fold import check_progress, prepare, slices
from ._horizon import projection_plan
from ._state import Instrument, InstrumentStatus, LayerTable, LedgerView, NegotiationState, Talks, TariffLayer
from ._tariffs import all_goods_breakdowns, layer_terms
from ._words import field_changes, headline, signed

__all__ = ["Change", "ChangeKind", "Citation", "changes", "content_before", "iter_changes", "timeline"]

ONE_DAY = timedelta(days=1)
_ANNOUNCED = operator.attrgetter("recorded", "event_id")


def _days(start: date, end: date, step: timedelta, dates: Iterable[date | str] | None) -> list[date]:
    if end < start:
        raise QueryError("end", end, f"a date on or after start {start}")
    if dates is not None:
        if isinstance(dates, (str, bytes)) or not isinstance(dates, Iterable):
            raise QueryError("dates", dates, "an iterable of dates (datetime.date or 'YYYY-MM-DD')")
        given = [as_day("dates", day) for day in dates]
        for day in given:
            if not start <= day <= end:
                raise QueryError("dates", day, f"datetime.date values (or ISO dates) from {start} to {end}")
        return sorted(set(given))
    if not isinstance(step, timedelta) or step.days < 1 or step % ONE_DAY:
        raise QueryError("step", step, "a whole number of days, at least one")
    count = (end - start) // step + 1
    return [start + index * step for index in range(count)]


def timeline(
    events: Iterable[Record],
    start: date | str,
    end: date | str,
    *,
    step: timedelta = ONE_DAY,
    dates: Iterable[date | str] | None = None,
    known_at: datetime | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[date, NegotiationState]]:
    """The state on each date from ``start`` to ``end`` (inclusive), from one forward fold.

    Each fact is applied once, on the first date on or after its effective
    date; between dates only the clock rules run. Every state equals
    ``replay(events, as_of=day, known_at=known_at)``.

    Args:
        events: The log, in any order (``events.read_log(path)`` reads a file).
        start: The first date: a ``datetime.date`` or ``"YYYY-MM-DD"``.
        end: The last date (inclusive), likewise.
        step: The spacing of dates, a whole number of days (default 1).
        dates: Instead of ``step``, these dates (sorted, deduplicated; each
            from ``start`` to ``end``; dates or ISO strings).
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
        QueryError: bad dates (a ``datetime`` is refused), step,
            ``known_at`` or ``progress``; ``events`` a path or a string.
        ConflictingEventError, UnknownReferenceError, InconsistentEventError:
            as :func:`replay` (reference problems surface when their date
            is reached).
    """
    start, end, known_at = as_day("start", start), as_day("end", end), as_instant("known_at", known_at)
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
    """What changed.

    A pair's all-goods total, a layer, an accord, an export control, talks
    (scheduled, held, delegations), an instrument, a ruling, a base rate, a
    quota, a bloc's members (records whose value the state holds); leaders'
    calls and meetings, statements, trade data releases, licence approvals
    and log reviews (occurrences: each one is a change on its day); and
    corrections and retractions (changes to the record, on the day they
    were issued).
    """

    TARIFF_TOTAL = "tariff total"
    TARIFF_LAYER = "tariff layer"
    ACCORD = "accord"
    EXPORT_CONTROL = "export control"
    TALKS = "talks"
    INSTRUMENT = "instrument"
    RULING = "ruling"
    BASE_RATE = "base rate"
    QUOTA = "quota"
    BLOC = "bloc"
    LEADERS = "leaders"
    STATEMENT = "statement"
    TRADE_DATA = "trade data"
    LICENCES = "licences"
    REVIEW = "log review"
    CORRECTION = "correction"
    RETRACTION = "retraction"


@frozen(kw_only=True)
class Citation:
    """An event behind a change: its id, type, transaction time and source.

    Attributes:
        event_id: The event.
        event_type: Its type tag, e.g. ``"TariffChanged"``.
        recorded: When it was recorded (transaction time, UTC).
        source: The citation of the content used (for a corrected fact,
            the corrected content's), or ``None``.
        corrected_by: The correction whose content is used, or ``None``.
        corrected_at: When that correction was recorded, or ``None``.
    """

    event_id: str
    event_type: str
    recorded: datetime
    source: Source | None
    corrected_by: str | None = None
    corrected_at: datetime | None = None


@frozen(kw_only=True)
class Change:
    """One change between the day before ``day`` and ``day``.

    Attributes:
        day: The first day of the new value (for a correction or a
            retraction, the day it was issued: its ``effective``).
        kind: What changed.
        subject: Which one, e.g. ``"USA on CHN, all goods"`` or an accord id.
        before: The old value in words, or ``None`` if it did not exist.
        after: The new value in words, or ``None`` if it ended.
        causes: The ids of the events applied that day that caused it, or a
            clock rule such as ``"clock: suspension ended"``.
        sources: One :class:`Citation` per event among the causes (and, for
            a correction or retraction, the fact it names), in that order.
        subject_id: The id of what changed (accord, talks, control,
            instrument, ruling, quota, bloc; the fact a correction or
            retraction names), or ``None``.
        imposer, target, measure, scope: The pair, measure and products,
            where the change is about them (tariffs, base rates, quotas,
            instruments, corrections of tariff layers), else ``None``.
        rate_before, rate_after: Percent: a layer's applied rate, a pair's
            all-goods additional duty (``None`` where it needs a base or a
            quota choice), a base rate; ``None`` for other kinds.
    """

    day: date
    kind: ChangeKind
    subject: str
    before: str | None
    after: str | None
    causes: tuple[str, ...]
    sources: tuple[Citation, ...] = ()
    subject_id: str | None = None
    imposer: str | None = None
    target: str | None = None
    measure: str | None = None
    scope: Scope | None = None
    rate_before: Decimal | None = None
    rate_after: Decimal | None = None

    @property
    def event_ids(self) -> tuple[str, ...]:
        """The ids of the events cited, in order."""
        return tuple(c.event_id for c in self.sources)

    @property
    def rules(self) -> tuple[str, ...]:
        """The causes that are not events: clock rules, such as ``"clock: deadline passed"``."""
        cited = set(self.event_ids)
        return tuple(cause for cause in self.causes if cause not in cited)

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON types: what ``negotiation diff --format json`` prints for it.

        Every key is always present (``null`` where it does not apply):
        ``kind`` (a :class:`ChangeKind` value), ``date`` (ISO), ``subject``,
        ``subject_id``, ``before``, ``after`` (words), ``rate_before``,
        ``rate_after`` (decimal strings, percent), ``imposer``, ``target``,
        ``measure``, ``scope`` (``"all"`` or a list of HS prefixes),
        ``event_ids``, ``rules`` (lists of strings) and ``sources``: one
        object per cited event with ``event_id``, ``event_type``,
        ``recorded`` (ISO instant, UTC), ``corrected_by``, ``corrected_at``
        and ``source`` (``publisher``, ``title``, ``url``, ``published``, or
        ``null``).
        """
        return {
            "kind": self.kind.value,
            "date": self.day.isoformat(),
            "subject": self.subject,
            "subject_id": self.subject_id,
            "before": self.before,
            "after": self.after,
            "rate_before": None if self.rate_before is None else str(self.rate_before),
            "rate_after": None if self.rate_after is None else str(self.rate_after),
            "imposer": self.imposer,
            "target": self.target,
            "measure": self.measure,
            "scope": None if self.scope is None else converter.unstructure(self.scope),
            "event_ids": list(self.event_ids),
            "rules": list(self.rules),
            "sources": [converter.unstructure(citation) for citation in self.sources],
        }


def _citation(state: NegotiationState, event: AnyEvent) -> Citation:
    correction_id = state.revisions.get(event.event_id)
    correction = state.log.get(correction_id) if correction_id is not None else None
    return Citation(event_id=event.event_id, event_type=event.TYPE, recorded=event.recorded, source=event.source,
                    corrected_by=correction_id, corrected_at=None if correction is None else correction.recorded)


def _cite(state: NegotiationState, causes: Iterable[str]) -> tuple[Citation, ...]:
    """A citation for each cause that is an event the state holds (its current content), in order, once each."""
    found = []
    for cause in dict.fromkeys(causes):
        event = state.events.get(cause) or state.scheduled.get(cause) or state.log.get(cause)
        if event is not None:
            found.append(_citation(state, event))
    return tuple(found)


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
    if previous.layers is current.layers:
        touched: set[Any] = set()
    elif isinstance(current.layers, LayerTable):  # only the keys whose entry was replaced: a day costs its changes
        touched = current.layers.changed_keys(previous.layers)
    else:
        touched = set(previous.layers) | set(current.layers)
    for key in sorted(touched, key=lambda k: (*k[:3], k[3].hs)):
        before, after = previous.layers.get(key), current.layers.get(key)
        words_before, words_after = _layer_words(before), _layer_words(after)
        if words_before == words_after:
            continue
        cause = _layer_cause(before, after, new, day)
        imposer, target, measure, scope = key
        found.append(Change(
            day=day, kind=ChangeKind.TARIFF_LAYER, subject=f"{imposer} on {target} {measure}, {scope}",
            before=words_before, after=words_after, causes=(cause,), sources=_cite(current, [cause]),
            imposer=imposer, target=target, measure=measure, scope=scope,
            rate_before=None if before is None else before.applied_rate,
            rate_after=None if after is None else after.applied_rate,
        ))
        if scope.all_goods:
            for pair in _pairs_reached(previous, current, imposer, target):
                pair_causes.setdefault(pair, []).append(cause)
    reached = sorted(pair_causes)
    totals = (all_goods_breakdowns(previous, reached), all_goods_breakdowns(current, reached)) if reached else ({}, {})
    for imposer, target in reached:
        old_total, new_total = totals[0][(imposer, target)], totals[1][(imposer, target)]  # one pass over each day's layers
        if old_total.summary() != new_total.summary():
            causes = tuple(dict.fromkeys(pair_causes[(imposer, target)]))
            found.append(Change(
                day=day, kind=ChangeKind.TARIFF_TOTAL, subject=f"{imposer} on {target}, all goods",
                before=old_total.summary(), after=new_total.summary(), causes=causes, sources=_cite(current, causes),
                imposer=imposer, target=target, scope=ALL_GOODS,
                rate_before=None if old_total.missing else old_total.additional,
                rate_after=None if new_total.missing else new_total.additional,
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
        found.append(Change(day=day, kind=ChangeKind.ACCORD, subject=accord_id, before=words[0], after=words[1],
                            causes=(cause,), sources=_cite(current, [cause]), subject_id=accord_id))
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
        found.append(Change(day=day, kind=ChangeKind.EXPORT_CONTROL, subject=control_id, before=words[0], after=words[1],
                            causes=(cause,), sources=_cite(current, [cause]), subject_id=control_id))
    found += _record_changes(previous, current)
    found += _occurrences(previous, current, new)
    return found


def _talks_words(talks: Talks) -> str:
    dates = f"{talks.starts}" + (f" to {talks.ends}" if talks.ends else "")
    words = f"{talks.status.value}, {talks.venue}, {dates}"
    if talks.delegations:
        named = [f"{party} ({len(members)} named" + "".join(f", led by {m.name}" for m in members if m.leads) + ")"
                 for party, members in sorted(talks.delegations.items())]
        words += f"; delegations: {', '.join(named)}"
    return words + (f"; outcome: {talks.outcome}" if talks.outcome else "")


def _instrument_words(instrument: Instrument) -> str:
    words = f"{instrument.status.value}"
    if instrument.until is not None:
        words += f" until {instrument.until}"
    if instrument.starts is not None:
        words += f", start {instrument.starts}"
    words += f" ({instrument.kind.value}, {instrument.legal_status.value})"
    if instrument.rate is not None:
        words += f"; names a rate of {instrument.rate} % (never counted)"
    return words


def _instrument_clock(now: Instrument) -> str:
    if now.status is InstrumentStatus.LAPSED:
        return "clock: announced start passed without adoption"
    return "clock: suspension ended"


def _section(kind: ChangeKind, previous: Mapping[Any, Any], current: NegotiationState, section: str,
             words: Callable[[Any], str], ids: Callable[[Any], tuple[str, ...]],
             details: Callable[[Any, Any], dict[str, Any]], clock: Callable[[Any], str] | None = None) -> list[Change]:
    """The records of one section of the state whose words changed, each with the events added to it (or the clock)."""
    now_map: Mapping[Any, Any] = getattr(current, section)
    found = []
    for key in sorted(set(previous) | set(now_map)):
        old, now = previous.get(key), now_map.get(key)
        if old is now:
            continue  # the record the day before, shared (records are frozen): unchanged
        before, after = (None if old is None else words(old)), (None if now is None else words(now))
        if before == after:
            continue
        old_ids, now_ids = (() if old is None else ids(old)), (() if now is None else ids(now))
        causes = tuple(i for i in now_ids if i not in old_ids)
        if not causes:
            causes = ((f"retraction or correction of {old_ids[-1]}",) if now is None or clock is None
                      else (clock(now),))
        record = now if now is not None else old
        found.append(Change(day=current.as_of, kind=kind, before=before, after=after, causes=causes,
                            sources=_cite(current, causes), **details(key, record)))
    return found


def _record_changes(previous: NegotiationState, current: NegotiationState) -> list[Change]:
    """Talks, instruments, rulings, base rates, quotas and blocs whose record changed (sections unchanged are skipped)."""
    found: list[Change] = []
    if previous.talks is not current.talks:
        found += _section(ChangeKind.TALKS, previous.talks, current, "talks", _talks_words, lambda t: t.event_ids,
                          lambda key, t: {"subject": key, "subject_id": key})
    if previous.instruments is not current.instruments:
        found += _section(ChangeKind.INSTRUMENT, previous.instruments, current, "instruments", _instrument_words,
                          lambda i: i.event_ids,
                          lambda key, i: {"subject": f"{key}: {i.title}", "subject_id": key, "imposer": i.issuer,
                                          "target": i.target}, _instrument_clock)
    if previous.rulings is not current.rulings:
        found += _section(ChangeKind.RULING, previous.rulings, current, "rulings", ruling_words,
                          lambda r: (r.event_id,),
                          lambda key, r: {"subject": f"{key} on {r.imposer} {', '.join(r.measures)}",
                                          "subject_id": key, "imposer": r.imposer})
    if previous.base_rates is not current.base_rates:
        rates = _section(ChangeKind.BASE_RATE, previous.base_rates, current, "base_rates", lambda b: str(b.rate),
                         lambda b: (b.event_id,),
                         lambda key, b: {"subject": f"{b.imposer} base (MFN) rate, HS {b.hs}", "imposer": b.imposer,
                                         "scope": Scope(hs=(b.hs,))})
        found += [attrs.evolve(c, rate_before=None if c.before is None else Decimal(c.before),
                               rate_after=None if c.after is None else Decimal(c.after)) for c in rates]
    if previous.quotas is not current.quotas:
        found += _section(ChangeKind.QUOTA, previous.quotas, current, "quotas",
                          lambda q: "; ".join(f"{p.volume:,} {q.unit} from {p.start} to {p.end}" for p in q.periods),
                          lambda q: q.event_ids,
                          lambda key, q: {"subject": f"{key} ({q.imposer} on {q.target}, {q.scope})", "subject_id": key,
                                          "imposer": q.imposer, "target": q.target, "scope": q.scope})
    if previous.blocs is not current.blocs:
        found += _section(ChangeKind.BLOC, previous.blocs, current, "blocs", lambda b: ", ".join(b.members),
                          lambda b: (b.event_id,), lambda key, b: {"subject": f"{key} members", "subject_id": key})
    return found


def _occurrences(previous: NegotiationState, current: NegotiationState, new: Iterable[AnyEvent]) -> list[Change]:
    """Each leaders' contact, statement, trade data release, licence approval and log review applied on the day."""
    found = []
    for event in new:
        before: str | None = None
        if isinstance(event, LeadersSpoke):
            kind, subject = ChangeKind.LEADERS, f"leaders' {event.mode.value} ({', '.join(event.parties)})"
            after = f"{', '.join(event.leaders)}" + (f": {event.summary}" if event.summary else "")
        elif isinstance(event, StatementIssued):
            kind, subject, after = ChangeKind.STATEMENT, f"{event.party}, {event.speaker}", event.summary
        elif isinstance(event, TradeDataReleased):
            kind, subject, after = ChangeKind.TRADE_DATA, f"{event.reporter} trade data", _release_words(event)
            earlier = previous.trade_data.get(event.reporter)
            before = None if earlier is None else _release_words(earlier)
        elif isinstance(event, ExportLicencesApproved):
            kind, subject = ChangeKind.LICENCES, f"{event.issuer} export licences: {', '.join(event.items)}"
            after = "approved, number not disclosed" if event.count is None else f"{event.count} approved"
        elif isinstance(event, LogReviewed):
            kind, subject = ChangeKind.REVIEW, "log review"
            after = f"sources reviewed through {event.reviewed_through}" + (
                f"; covers {', '.join(event.covers)}" if event.covers else "")
        else:
            continue
        found.append(Change(day=current.as_of, kind=kind, subject=subject, before=before, after=after,
                            causes=(event.event_id,), sources=(_citation(current, event),)))
    return found


def _release_words(release: TradeDataReleased) -> str:
    return (f"{release.period}: exports {signed(release.exports_yoy)} y/y, "
            f"imports {signed(release.imports_yoy)} y/y")


def _revisions(state: NegotiationState, start: date, end: date) -> dict[date, list[Change]]:
    """Each correction and retraction issued from ``start`` to ``end`` and known at the state's ``known_at``, by day."""
    known_at = state.known_at
    revisers = sorted((e for e in state.log.values() if isinstance(e, (EventCorrected, EventRetracted))
                       and start <= e.effective <= end and (known_at is None or e.recorded <= known_at)),
                      key=operator.attrgetter("effective", "recorded", "event_id"))
    found: dict[date, list[Change]] = {}
    for reviser in revisers:
        found.setdefault(reviser.effective, []).append(_revision(state, reviser))
    return found


def _revision(state: NegotiationState, reviser: EventCorrected | EventRetracted) -> Change:
    """A correction (the fields it changes, from the content in force before it) or a retraction (what it withdraws)."""
    cited: tuple[Citation, ...] = (Citation(event_id=reviser.event_id, event_type=reviser.TYPE, recorded=reviser.recorded,
                      source=reviser.source),)
    named = state.log[reviser.corrects if isinstance(reviser, EventCorrected) else reviser.retracts]
    fact = state.log.get(named.corrects) if isinstance(named, EventCorrected) else named
    if fact is not None:
        cited += (Citation(event_id=fact.event_id, event_type=fact.TYPE, recorded=fact.recorded, source=fact.source),)
    kind = ChangeKind.CORRECTION if isinstance(reviser, EventCorrected) else ChangeKind.RETRACTION
    if isinstance(reviser, EventCorrected):
        content = reviser.replacement
        before, after = field_changes(content_before(state, reviser.corrects, reviser), content)
        subject = f"{reviser.corrects} ({content.TYPE})"
    elif isinstance(named, EventCorrected):
        content = named.replacement
        subject = f"correction {named.event_id} of {named.corrects} ({content.TYPE})"
        before, after = headline(content), f"withdrawn: the version before {named.event_id} applies again"
    else:
        content = content_before(state, named.event_id, reviser)
        subject, before, after = f"{named.event_id} ({named.TYPE})", headline(content), None
    details: dict[str, Any] = {}
    if isinstance(content, TariffChanged):
        details = {"imposer": content.imposer, "target": content.target, "measure": content.measure,
                   "scope": content.scope}
    return Change(day=reviser.effective, kind=kind, subject=subject, before=before, after=after,
                  causes=(reviser.event_id,), sources=cited, subject_id=named.event_id, **details)


def content_before(state: NegotiationState, fact_id: str, reviser: AnyEvent) -> Any:
    """The content of ``fact_id`` in force just before ``reviser`` was recorded: its latest earlier correction
    not retracted before then, or the fact as logged."""
    def earlier(event: AnyEvent) -> bool:
        return (event.recorded, event.event_id) < (reviser.recorded, reviser.event_id)

    log, revised_by = state.log, state.revised_by
    corrections = [c for i in revised_by.get(fact_id, ()) if isinstance(c := log.get(i), EventCorrected) and earlier(c)]
    standing = sorted((c for c in corrections
                       if not any(isinstance(log.get(r), EventRetracted) and earlier(log[r])
                                  for r in revised_by.get(c.event_id, ()))),
                      key=lambda c: (c.recorded, c.event_id))
    return standing[-1].replacement if standing else log[fact_id]


def changes(
    events: Iterable[Record],
    start: date | str,
    end: date | str,
    *,
    known_at: datetime | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Change, ...]:
    """Every change of every kind (:class:`ChangeKind`) on days ``start`` to ``end``.

    Each day is compared with the day before it (so a change on ``start``
    itself is listed), from one forward fold: tariff totals and layers,
    accords, export controls, talks, instruments, rulings, base rates,
    quotas and blocs whose value changed; each leaders' contact,
    statement, trade data release, licence approval and log review of the
    day; then each correction and retraction issued that day (and known
    at ``known_at``). Each change names the events that caused it, with
    their sources and recorded instants (:class:`Citation`), or the clock
    rule (a suspension or a window ending) when no event did. The
    corrections known at ``known_at`` are in force on every day: a fact's
    corrected content is what changes, and its citation names the
    correction.

    ``progress``, if given, is called as ``progress(done, total)`` with the
    number of days compared so far and the number of days from ``start``
    to ``end``, at most about 100 times, the last time with ``(total, total)``.

    Raises:
        As :func:`timeline`.
    """
    return tuple(iter_changes(events, start, end, known_at=known_at, progress=progress))


def iter_changes(
    events: Iterable[Record],
    start: date | str,
    end: date | str,
    *,
    known_at: datetime | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Change]:
    """:func:`changes`, one change at a time, in the same order: memory holds one day's states, not every change.

    The arguments are checked before this returns; a problem found on a
    later day (an inconsistent log) is raised when that day is reached.

    Raises:
        As :func:`changes`.
    """
    start, end = as_day("start", start), as_day("end", end)
    if end < start:
        raise QueryError("end", end, f"a date on or after start {start}")
    check_progress(progress)
    days_compared = None if progress is None else (lambda done, total: progress(max(done - 1, 0), total - 1))
    return _changes(timeline(events, start - ONE_DAY, end, known_at=known_at, progress=days_compared), start, end)


def _changes(states: Iterator[tuple[date, NegotiationState]], start: date, end: date) -> Iterator[Change]:
    """The changes between each state of ``states`` (from the day before ``start`` to ``end``) and the one before."""
    previous: NegotiationState | None = None
    revised: dict[date, list[Change]] = {}
    for day, state in states:
        if previous is None:
            revised = _revisions(state, start, end)
        else:
            yield from _diff(previous, state)
            yield from revised.get(day, ())
        previous = state
