"""What the HTML report shows, gathered from one forward fold: plain, JSON-ready rows for the chart, the events
behind them, and what the figures cover.

Every figure comes from the library's own rows and breakdowns (:func:`negotiation.tariff_series`'s
:func:`~negotiation._rows.tariff_row`, :meth:`NegotiationState.breakdown`, :func:`~negotiation.accord_rows`);
nothing here adds up a tariff. Text from the log is made safe for a person (:func:`for_terminal`) where it
becomes a label; the HTML escaping is the page's (``negotiation/_report.py``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from attrs import frozen

from events import (
    EVERY_PARTNER,
    AccordExtended,
    AccordReached,
    AnyEvent,
    BaseRateSet,
    DelegationNamed,
    InstrumentChanged,
    LeadersSpoke,
    LogReviewed,
    Record,
    RulingIssued,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
)

from ._explain import ruling_verdict
from ._rows import TariffRow, accord_rows, layer_label, tariff_row
from ._safe import for_terminal
from ._state import InstrumentStatus, NegotiationState
from ._tariffs import Contribution, QuotaChoice, Reach
from ._timeline import timeline

__all__ = ["BASE_LABEL", "ReportData", "describe", "gather"]

_ONE_DAY = timedelta(days=1)

BASE_LABEL = "base (MFN)"
"""The stacked band of the base rate, drawn only where every day has a base."""


@frozen(kw_only=True)
class ReportData:
    """What one report shows.

    Attributes:
        title: The pair, the goods and the dates, in words.
        rows: :func:`negotiation.tariff_series` for the range, as it returns them.
        labels: The layers' labels, in stacking order (the base first when included).
        base_included: Whether every day has a base (MFN) rate, so that the chart stacks it and draws the duty.
        datasets: The chart's named datasets: lists of dicts of JSON values (``negotiation/_report_chart.py``).
        shown: Every event the report draws, by id, in (effective, recorded, id) order.
        coverage: What the figures cover, one sentence each.
        projection: The clock rules the projected days rest on, as ``(day, words)``.
    """

    title: str
    rows: list[TariffRow]
    labels: list[str]
    base_included: bool
    datasets: dict[str, list[dict[str, Any]]]
    shown: dict[str, AnyEvent]
    coverage: list[str]
    projection: list[tuple[date, str]]


def _text(value: object, width: int | None = None) -> str:
    """Text from the log as a label for a person: controls and bidirectional overrides escaped, optionally shortened."""
    text = for_terminal(str(value))
    return text if width is None or len(text) <= width else text[:width - 1].rstrip() + "…"


def _runs(days: Iterable[tuple[Hashable, date]]) -> list[tuple[Any, date, date]]:
    """Consecutive days of each key, as ``(key, first day, day after the last)``, in order of first day."""
    open_runs: dict[Hashable, list[Any]] = {}
    done: list[list[Any]] = []
    for key, day in days:
        run = open_runs.get(key)
        if run is not None and run[2] == day:
            run[2] = day + _ONE_DAY
        else:
            if run is not None:
                done.append(run)
            open_runs[key] = [key, day, day + _ONE_DAY]
    return [(run[0], run[1], run[2]) for run in sorted([*done, *open_runs.values()], key=lambda r: (r[1], str(r[0])))]


def _source(event: AnyEvent | None) -> str:
    """The publisher an event cites, or ``"no source"``."""
    return _text(event.source.publisher, 60) if event is not None and event.source is not None else "no source"


def _recorded(event: AnyEvent) -> str:
    return event.recorded.strftime("%Y-%m-%d %H:%M UTC")


def describe(event: AnyEvent) -> str:
    """An event in one line of words (not yet safe for HTML: the page escapes it)."""
    if isinstance(event, TariffChanged):
        words = f"{event.imposer} {event.measure} on {event.target} ({event.scope}): {event.rate} %"
        if event.suspension is not None:
            words += f", {event.suspension.rate} % until {event.suspension.until}"
        return words
    if isinstance(event, BaseRateSet):
        return f"{event.imposer} base (MFN) rate on HS {', '.join(event.scope.hs)}: {event.rate} %"
    if isinstance(event, AccordReached):
        closes = event.window_closes
        return (f"accord {event.accord_id} reached: {event.title}; window from {event.window_opens}"
                + (f" to deadline {closes}" if closes is not None else ", open-ended"))
    if isinstance(event, AccordExtended):
        return f"accord {event.accord_id} extended: new deadline {event.deadline}"
    if isinstance(event, (TalksScheduled, TalksHeld)):
        words = f"talks {event.talks_id} {'held' if isinstance(event, TalksHeld) else 'scheduled'} in {event.venue} from {event.starts}"
        words += f" to {event.ends}" if event.ends is not None else ""
        return words + (f": {event.outcome}" if isinstance(event, TalksHeld) and event.outcome else "")
    if isinstance(event, DelegationNamed):
        return f"{event.party} delegation to {event.talks_id}: {', '.join(m.name for m in event.members)}"
    if isinstance(event, LeadersSpoke):
        return f"leaders' {event.mode.value} ({', '.join(event.leaders)}): {event.summary}"
    if isinstance(event, RulingIssued):
        return f"{event.court}, {event.case}: {event.holding}"
    if isinstance(event, InstrumentChanged):
        on = f" on {event.target}" if event.target else ""
        return f"{event.issuer}{on} {event.kind.value} {event.action.value}: {event.title}"
    if isinstance(event, LogReviewed):
        return f"the log's sources reviewed through {event.reviewed_through}"
    if isinstance(event, StatementIssued):
        return f"{event.speaker} ({event.party}): {event.summary}"
    return type(event).__name__


def _contribution_words(contribution: Contribution, state: NegotiationState) -> str:
    """A layer's part of one day, for the tooltip: amount, why (when not simply added), event, source."""
    amount = "?" if contribution.amount is None else f"{contribution.amount} %"
    layer = contribution.layer
    why = "" if contribution.reach is Reach.COUNTED and contribution.reason.startswith("adds") else f" ({contribution.reason})"
    if layer.suspended and layer.suspension is not None:
        why += f" (full rate {layer.rate} %, {layer.suspension.rate} % until {layer.suspension.until})"
    return _text(f"{amount}{why}; {layer.event_id}, {_source(state.events.get(layer.event_id))}", 160)


_Lane = tuple[str, str, dict[str, str], str]
"""A band's lane on one day: its label, its status, its tooltip fields and the event it rests on."""


def _instrument_lanes(state: NegotiationState, imposer: str, target: str) -> Iterable[_Lane]:
    """Each instrument between the two parties (or of either on every partner) with its status on the state's day."""
    others = {imposer: {target, EVERY_PARTNER, None}, target: {imposer, EVERY_PARTNER, None}}
    others[imposer] |= {bloc.bloc for bloc in state.blocs.values() if target in bloc.members}
    for instrument in sorted(state.instruments.values(), key=lambda i: i.instrument_id):
        if instrument.target not in others.get(instrument.issuer, set()):
            continue
        if instrument.status in (InstrumentStatus.LIFTED, InstrumentStatus.LAPSED):
            continue
        lane = _text(f"{instrument.issuer}: {instrument.title}", 58)
        threat = ("" if instrument.rate is None
                  else f"names {instrument.rate} % (an instrument: never counted as a rate)")
        yield lane, instrument.status.value, {
            "what": _text(f"{instrument.kind.value}, {instrument.legal_status.value}: {instrument.title}", 160),
            "state": instrument.status.value + (f" until {instrument.until}" if instrument.until else ""),
            "rate": threat, "event": _text(instrument.event_ids[-1]),
            "source": _source(state.events.get(instrument.event_ids[-1])),
        }, instrument.event_ids[-1]


def _suspension_lanes(found: Sequence[Contribution], state: NegotiationState) -> Iterable[_Lane]:
    """The suspended part of each layer that reaches the goods: a measure held back, drawn as such, never as a rate."""
    for contribution in found:
        layer = contribution.layer
        if layer.suspended and layer.suspension is not None:
            yield _text(f"{layer.imposer}: {layer_label(layer)}, part suspended", 58), "layer part suspended", {
                "what": _text(f"{layer.measure} on {layer.target} ({layer.scope}): full rate {layer.rate} %; "
                              f"{layer.applied_rate} % applies until {layer.suspension.until}", 160),
                "state": f"suspended until {layer.suspension.until}", "rate": "",
                "event": _text(layer.event_id), "source": _source(state.events.get(layer.event_id)),
            }, layer.event_id


def gather(
    log: Iterable[Record], start: date, end: date, *, imposer: str, target: str, product: str | None,
    base: Decimal | None, quota: QuotaChoice, known_at: datetime | None,
) -> ReportData:
    """Fold ``log`` once over the days from ``start`` to ``end`` and collect what the report shows.

    Raises:
        As :func:`negotiation.tariff_series`.
    """
    states = [state for _, state in timeline(log, start, end, known_at=known_at)]
    rows = [tariff_row(state, imposer, target, product, base=base, quota=quota) for state in states]
    last = states[-1]
    shown: dict[str, AnyEvent] = {}

    def show(state: NegotiationState, event_id: str | None) -> None:
        if event_id is not None and event_id not in shown and event_id in state.events:
            shown[event_id] = state.events[event_id]

    base_included = all(row["base"] is not None for row in rows)
    labels = [BASE_LABEL] if base_included else []
    labels += sorted({label for row in rows for label in row["layers"]})
    field = {label: f"l{index}" for index, label in enumerate(labels)}
    layers: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    days: list[dict[str, Any]] = []
    lanes: list[tuple[tuple[str, str, str], date, dict[str, str]]] = []
    accord_days: list[tuple[tuple[str, str, date | None], date]] = []
    partial = False
    for state, row in zip(states, rows, strict=True):
        day = row["date"]
        found = state.breakdown(imposer, target, product, base=base, quota=quota)
        partial = partial or found.partial
        amounts = {BASE_LABEL: row["base"]} if base_included else {}
        amounts |= row["layers"]
        figure = row["duty"] if base_included and row["duty"] is not None else row["total"]
        layers += [{"date": day.isoformat(), "layer": label, "order": index, "amount": float(amounts.get(label) or 0)}
                   for index, label in enumerate(labels)]
        totals.append({"date": day.isoformat(), "value": float(figure), "text": f"{figure} %"})
        words = {field[label]: "no such layer on this day" for label in labels}
        words |= {field[layer_label(c.layer, target)]: _contribution_words(c, state) for c in found.contributions}
        if base_included:
            words[field[BASE_LABEL]] = _text(f"{row['base']} %; {found.base_event_id or 'given'}, "
                                             f"{_source(state.events.get(found.base_event_id or ''))}", 160)
        days.append({"x0": day.isoformat(), "x1": (day + _ONE_DAY).isoformat(), "day": day.isoformat(),
                     "figure": f"{figure} %", "projected": "yes: after the log's horizon" if row["projected"] else "no",
                     **words})
        for c in found.contributions:
            show(state, c.layer.event_id)
        show(state, found.base_event_id)
        for lane, status, tooltip, event_id in [*_instrument_lanes(state, imposer, target),
                                                *_suspension_lanes(found.contributions, state)]:
            lanes.append(((lane, status, tooltip["state"]), day, tooltip))
            show(state, event_id)
        for accord in accord_rows(state):
            if {imposer, target} <= set(state.accords[accord["accord_id"]].parties) and accord["status"] == "active":
                accord_days.append(((accord["accord_id"], accord["title"], accord["deadline"]), day))
    after = end + _ONE_DAY
    layers += [{**point, "date": after.isoformat()} for point in layers[-len(labels):]] if labels else []
    totals.append({**totals[-1], "date": after.isoformat()})

    tooltips = {(key, day): tooltip for key, day, tooltip in lanes}
    ranks = {lane: rank for rank, lane in enumerate(dict.fromkeys(key[0] for key, _, _ in lanes))}
    instruments = [
        {"lane": lane, "rank": ranks[lane], "status": status, "x0": first.isoformat(), "x1": stop.isoformat(),
         "from": first.isoformat(), "to": (stop - _ONE_DAY).isoformat(), **tooltips[((lane, status, _state), first)]}
        for (lane, status, _state), first, stop in _runs((key, day) for key, day, _ in lanes)
    ]
    accords, windows, marks = _accords(last, accord_days, imposer, target, start, end, show)
    markers = _markers(last, imposer, target, start, end, show)
    horizon = last.horizon
    show(last, horizon.review_event_id)
    projected = [row["date"] for row in rows if row["projected"]]
    projection = [(day, _text(words)) for day, words in horizon.projection if start <= day <= end]
    shaded = [{"x0": projected[0].isoformat(), "x1": after.isoformat(),
               "label": f"projected: after the log's horizon ({horizon.through})"}] if projected else []
    empty = [words for words, found in (("accords", accords), ("talks, leaders' contacts or rulings", markers),
                                        ("instruments or suspended layer parts", instruments)) if not found]
    coverage = _coverage(rows, last, imposer, target, product, base, base_included, known_at, empty=empty,
                         labels=[label for label in labels if label != BASE_LABEL], projected=projected,
                         partial=partial)
    scope = f"HS {product}" if product else "all goods"
    return ReportData(
        title=f"{imposer} tariffs on goods of {target} ({scope}), {start} to {end}",
        rows=rows, labels=labels, base_included=base_included,
        datasets={"layers": layers, "totals": totals, "days": days, "projection": shaded,
                  "accords": accords, "deadlines": windows + marks, "markers": markers, "instruments": instruments},
        shown=dict(sorted(shown.items(), key=lambda item: item[1].sort_key)),
        coverage=coverage, projection=projection,
    )


def _accords(
    last: NegotiationState, accord_days: list[tuple[tuple[str, str, date | None], date]], imposer: str, target: str,
    start: date, end: date, show: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The accords' active windows as segments (one per deadline as known each day), their deadlines and reached days."""
    segments = []
    setters: dict[tuple[str, date | None], AnyEvent] = {}
    for accord in last.accords.values():
        if not {imposer, target} <= set(accord.parties):
            continue
        opening = last.events.get(accord.event_id)
        if isinstance(opening, AccordReached):
            setters[(accord.accord_id, opening.window_closes)] = opening
        for extension_id in accord.extended_by:
            extension = last.events.get(extension_id)
            if isinstance(extension, AccordExtended):
                setters[(accord.accord_id, extension.deadline)] = extension
        show(last, accord.event_id)
        for extension_id in accord.extended_by:
            show(last, extension_id)
    for (accord_id, title, deadline), first, stop in _runs(accord_days):
        setter = setters.get((accord_id, deadline))
        extended = isinstance(setter, AccordExtended)
        segments.append({
            "accord": _text(accord_id), "x0": first.isoformat(), "x1": stop.isoformat(),
            "window": "extended window" if extended else "window as reached",
            "title": _text(title, 120), "from": first.isoformat(), "to": (stop - _ONE_DAY).isoformat(),
            "deadline": str(deadline) if deadline else "open-ended",
            "set_by": _text(f"{setter.event_id}, recorded {_recorded(setter)}, {_source(setter)}")
            if setter is not None else "",
        })
    deadlines = [
        {"accord": _text(accord_id), "day": deadline.isoformat(), "mark": "deadline",
         "what": _text(f"deadline {deadline} ({'extension' if isinstance(setter, AccordExtended) else 'as reached'})"),
         "event": _text(f"{setter.event_id}, recorded {_recorded(setter)}"), "source": _source(setter)}
        for (accord_id, deadline), setter in sorted(setters.items(), key=lambda item: (item[0][0], str(item[0][1])))
        if deadline is not None and start <= deadline <= end + _ONE_DAY
    ]
    reached = [
        {"accord": _text(accord.accord_id), "day": accord.reached.isoformat(), "mark": "reached",
         "what": _text(f"reached {accord.reached}: {accord.title}", 120),
         "event": _text(f"{accord.event_id}, recorded {_recorded(last.events[accord.event_id])}"),
         "source": _source(last.events.get(accord.event_id))}
        for accord in sorted(last.accords.values(), key=lambda a: a.accord_id)
        if {imposer, target} <= set(accord.parties) and start <= accord.reached <= end
    ]
    return segments, deadlines, reached


def _markers(last: NegotiationState, imposer: str, target: str, start: date, end: date, show: Any) -> list[dict[str, Any]]:
    """Talks, leaders' calls and meetings, and rulings on the imposer's measures, within the range."""
    pair = {imposer, target}
    found: list[dict[str, Any]] = []
    for talks in last.talks.values():
        ends = talks.ends or talks.starts
        if pair <= set(talks.parties) and talks.starts <= end and ends >= start:
            found.append({"kind": "talks", "day": max(talks.starts, start).isoformat(),
                          "label": _text(talks.venue.split(" (")[0], 24),
                          "what": _text(f"talks in {talks.venue}, {talks.status.value} {talks.starts}"
                                        + (f" to {talks.ends}" if talks.ends else "")
                                        + (f": {talks.outcome}" if talks.outcome else ""), 200),
                          "event": _text(talks.event_ids[-1]), "source": _source(last.events.get(talks.event_ids[-1]))})
            for event_id in talks.event_ids:
                show(last, event_id)
    for contact in last.leader_contacts:
        if pair <= set(contact.parties) and start <= contact.effective <= end:
            found.append({"kind": f"leaders' {contact.mode.value}", "day": contact.effective.isoformat(),
                          "label": "", "what": _text(describe(contact), 200),
                          "event": _text(contact.event_id), "source": _source(contact)})
            show(last, contact.event_id)
    for ruling in last.rulings.values():
        if ruling.imposer == imposer and start <= ruling.decided <= end:
            found.append({"kind": "ruling", "day": ruling.decided.isoformat(),
                          "label": "",
                          "what": _text(f"{ruling_verdict(ruling)}: {ruling.court}, {ruling.case}: {ruling.holding}", 200),
                          "event": _text(ruling.event_id), "source": _source(last.events.get(ruling.event_id))})
            show(last, ruling.event_id)
    return sorted(found, key=lambda marker: (marker["day"], marker["kind"], marker["event"]))


def _coverage(
    rows: list[TariffRow], last: NegotiationState, imposer: str, target: str, product: str | None,
    base: Decimal | None, base_included: bool, known_at: datetime | None, *, empty: list[str], labels: list[str],
    projected: list[date], partial: bool,
) -> list[str]:
    """The footnote: what the figures are, the base, the measures, the cut-off, the horizon."""
    goods = f"HS {product}" if product else "all goods (a product no HS-scoped layer names)"
    notes = [f"Figures: the ad valorem duties of {imposer} on goods of {target}, {goods}, in percent, on each day "
             f"from {rows[0]['date']} to {rows[-1]['date']} (both inclusive); drawn as floats, exact in the tooltips "
             "and in the embedded data."]
    if base_included:
        given = f"{base} % as given" if base is not None else "as the log records it"
        notes.append(f"Base included: the stack starts with the base (MFN) rate ({given}); the line is the duty, "
                     "base plus the additional duties.")
    else:
        why = ("no product was named, and a base rate is per product" if product is None
               else "the log records no base for this product on every day, and none was given")
        notes.append(f"Base not included: the figures are the additional duties over the base (MFN) rate ({why}).")
    held = ", ".join(labels) if labels else "none"
    notes.append(f"Measures the log holds that reach these goods in the range: {held}. Only the tariff layers the "
                 "log records are counted; instruments (threats, orders, suspended actions) are in their own band and "
                 "never counted as rates; rulings are marked and change no figure by themselves.")
    listed = sorted({layer_label(layer, target) for layer in last.tariff_layers(imposer, target)
                     if not layer.scope.all_goods} - set(labels))
    if listed:
        notes.append("Layers on listed products only, not in these figures: " + _text(", ".join(listed), 400) + ".")
    if empty:
        notes.append(f"The log holds no {', no '.join(empty)} for the pair in the range: not drawn.")
    if partial:
        notes.append(f"PARTIAL: the log says it records {imposer}'s measures on {target} only in part.")
    notes.append(f"As known at {known_at.isoformat()}: events recorded later are left out." if known_at is not None
                 else "As known now: every event in the log, whenever it was recorded.")
    horizon = last.horizon
    if horizon.through is None:
        notes.append("The log is empty: no horizon.")
    else:
        review = (f" (reviewed on {horizon.reviewed_on}, event {horizon.review_event_id})"
                  if horizon.review_event_id else "")
        notes.append(f"Horizon: the log's sources reach {horizon.through}{review}."
                     + (f" The {len(projected)} days from {projected[0]} on are shaded: a projection of the clock "
                        "rules the log holds, not known facts." if projected else " No day shown is after it."))
    return [_text(note) for note in notes]
