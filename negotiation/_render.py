"""A state as text for a person. The same state always renders to the same text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from textwrap import shorten

from events import (
    EVERY_PARTNER,
    AccordExtended,
    AnyEvent,
    Combination,
    EventCorrected,
    EventRetracted,
    ExportControlChanged,
    TariffChanged,
)

from ._explain import Explanation, ruling_words
from ._safe import one_line
from ._state import Accord, Instrument, NegotiationState, Talks, TariffLayer
from ._tariffs import Contribution, Reach, all_goods_breakdowns, layer_terms
from ._timeline import Change, Citation, content_before
from ._words import field_changes, headline, instant

__all__ = ["change_pieces", "render_changes", "render_explanation", "render_text"]


def _joined(lines: Sequence[str]) -> str:
    """The lines as one text, each ending in a newline; a newline inside a line (from a log's text) is escaped, so
    that every line of the output is one the library wrote."""
    return "".join(one_line(line) + "\n" for line in lines)


def _pct(value: Decimal) -> str:
    return f"{value} %"


def _signed(value: Decimal) -> str:
    return f"{'+' if value > 0 else ''}{value} %"


def _layer(layer: TariffLayer, marks: Mapping[str, str], contribution: Contribution | None = None,
           target: str | None = None) -> str:
    """One layer: what it contributes (all-goods layers) or its applied rate (listed products), and its terms."""
    amount = layer.applied_rate if contribution is None else contribution.amount
    shown = "?" if amount is None else _pct(amount)
    if contribution is None and layer.quota is not None:
        shown = f"{layer.quota.in_quota_rate}/{layer.applied_rate} %"
    elif contribution is None and layer.combination is Combination.ALL_IN:
        shown = f"up to {_pct(layer.applied_rate)}"
    on = f" on {layer.target}" if target is not None and layer.target != target else ""
    line = f"    {layer.measure:<22} {shown:>7}  {layer.scope}{on}, since {layer.since}"
    suspension = layer.suspension
    if suspension is not None and layer.suspended:
        suspended = layer.rate - suspension.rate
        line += f"; {layer.rate} with {suspended} points suspended until {suspension.until}"
    if contribution is not None and (contribution.reach is not Reach.COUNTED or contribution.reason != f"adds {amount}"):
        line += f"; {contribution.reason}"
    elif contribution is not None and layer_terms(layer) != f"adds {layer.applied_rate}":
        line += f"; {layer_terms(layer)}"
    elif contribution is None and layer_terms(layer) != f"adds {layer.applied_rate}":
        line += f"; {layer_terms(layer)}"
    return line + f"  [{layer.event_id}{_corrected(marks, layer.event_id)}]"


def _corrections(state: NegotiationState) -> dict[str, str]:
    """Each fact of the state that rests on a correction, with ``"corrected <recorded> by <correction id>"``."""
    marks = {}
    for fact_id, correction_id in state.revisions.items():
        correction = state.log.get(correction_id)
        when = "" if correction is None else f" {instant(correction.recorded)}"
        marks[fact_id] = f"corrected{when} by {correction_id}"
    return marks


def _corrected(marks: Mapping[str, str], *ids: str) -> str:
    """``", corrected <T> by <id>"`` for a corrected event (naming each corrected one of several), else ``""``."""
    if len(ids) == 1:
        return f", {marks[ids[0]]}" if ids[0] in marks else ""
    return "".join(f", {event_id} {marks[event_id]}" for event_id in ids if event_id in marks)


def _tag(marks: Mapping[str, str], *ids: str) -> str:
    """For a line that names no event: ``"  [<id>, corrected <T> by <id>]"`` where one of its events is corrected."""
    corrected = [event_id for event_id in ids if event_id in marks]
    return "".join(f"  [{event_id}, {marks[event_id]}]" for event_id in corrected)


def _tariffs(state: NegotiationState, marks: Mapping[str, str]) -> list[str]:
    lines = ["Tariffs (ad valorem, percent: additional duties over the base (MFN) rate; each layer's rule on its line)"]
    pairs = sorted({(key[0], key[1]) for key in state.layers})  # keys: (imposer, target, measure, scope)
    listed: dict[tuple[str, str], list[TariffLayer]] = {}  # each pair's product layers, in tariff_layers' order
    for layer in state.tariff_layers():
        if not layer.scope.all_goods:
            listed.setdefault((layer.imposer, layer.target), []).append(layer)
    if not pairs:
        lines.append("  none")
    totals = all_goods_breakdowns(state, pairs)  # one pass over the layers for every pair
    for imposer, target in pairs:
        found = totals[(imposer, target)]
        total = found.summary() if found.missing else _pct(found.additional)
        mark = " (PROJECTION: after the log's horizon)" if state.projected else ""
        if found.partial:
            mark += f" (PARTIAL: the log records {imposer}'s measures on {target} only in part)"
        whose = ("every partner (WLD: the layers on all partners alike; each partner's own layers are under it)"
                 if target == EVERY_PARTNER else target)
        lines.append(f"  {imposer} on goods of {whose}: {total} on all goods{mark}")
        lines.extend(_layer(c.layer, marks, c, target) for c in found.contributions)
        product_layers = listed.get((imposer, target), ())
        if product_layers:
            lines.append("    on listed products only (a product's total: explain --product HS):")
            lines.extend("  " + _layer(layer, marks) for layer in product_layers)
    return lines


def _instrument(instrument: Instrument, marks: Mapping[str, str]) -> str:
    status = instrument.status.value
    if instrument.until is not None:
        status += f" until {instrument.until}"
    if instrument.starts is not None:
        status += f", start {instrument.starts}"
    extra = "".join([
        f"; names a rate of {instrument.rate} % (an instrument: never counted; only tariff layers set rates)"
        if instrument.rate is not None else "",
        f"; value {instrument.value.amount:,} {instrument.value.unit}" if instrument.value is not None else "",
    ])
    on = f" on {instrument.target}" if instrument.target else ""
    return (f"  {instrument.instrument_id} ({instrument.issuer}{on}): {instrument.title}; "
            f"{instrument.kind.value}, {instrument.legal_status.value}; {status}{extra}  "
            f"[{instrument.event_ids[-1]}{_corrected(marks, *instrument.event_ids)}]")


def _rules_data(state: NegotiationState, marks: Mapping[str, str]) -> list[str]:
    """Base rates, quotas, instruments and blocs: sections shown only for logs that have them."""
    lines: list[str] = []
    if state.base_rates:
        lines += _section("Base rates (MFN, column 1; ad valorem percent)", [
            f"  {rate.imposer} HS {rate.hs}: {_pct(rate.rate)} since {rate.since}  [{rate.event_id}{_corrected(marks, rate.event_id)}]"
            for _, rate in sorted(state.base_rates.items())
        ])
    if state.quotas:
        lines += _section("Tariff-rate quotas", [
            f"  {q.quota_id} ({q.imposer} on {q.target}, {q.scope}): "
            + "; ".join(f"{p.volume:,} {q.unit} from {p.start} to {p.end}" for p in q.periods)
            + f"  [{q.event_ids[-1]}{_corrected(marks, *q.event_ids)}]"
            for _, q in sorted(state.quotas.items())
        ])
    if state.instruments:
        lines += _section("Instruments (threats, deals, orders, regulations: never counted as rates)", [
            _instrument(i, marks) for _, i in sorted(state.instruments.items())
        ])
    if state.rulings:
        lines += _section("Rulings (a measure's legal status from the ruling's date; what was in force before stands)", [
            f"  {r.decided} {', '.join(r.measures)} of {r.imposer}: {ruling_words(r)}  [{r.event_id}{_corrected(marks, r.event_id)}]"
            for r in sorted(state.rulings.values(), key=lambda r: (r.decided, r.ruling_id))
        ])
    if state.blocs:
        lines += _section("Blocs", [
            f"  {b.bloc}: {', '.join(b.members)} (since {b.since})  [{b.event_id}{_corrected(marks, b.event_id)}]" for _, b in sorted(state.blocs.items())
        ])
    return lines


def _accord(state: NegotiationState, accord: Accord, marks: Mapping[str, str]) -> list[str]:
    parties = ", ".join(accord.parties)
    lines = [f"  {accord.accord_id}: {accord.title} ({parties}){_tag(marks, accord.event_id, *accord.extended_by)}"]
    window = f"window from {accord.window_start}"
    if accord.deadline is None:
        window += ", open-ended"
    else:
        window += f" to deadline {accord.deadline}"
        remaining = state.days_remaining(accord.accord_id)
        window += f"; {remaining} day{'' if remaining == 1 else 's'} remaining"
    times = len(accord.extended_by)
    extended = {0: "", 1: "; extended once", 2: "; extended twice"}.get(times, f"; extended {times} times")
    lines.append(f"    {accord.status.value}; reached {accord.reached}; {window}{extended}")
    lines.extend(f"    - {c.party}: {c.text}" for c in accord.commitments)
    return lines


def _talks(talks: Talks, marks: Mapping[str, str]) -> list[str]:
    dates = f"{talks.starts}" + (f" to {talks.ends}" if talks.ends else "")
    lines = [
        f"  {talks.talks_id}: {talks.venue}, {talks.status.value} {dates} ({', '.join(talks.parties)})"
        + _tag(marks, *talks.event_ids)
    ]
    for party, members in talks.delegations.items():
        names = "; ".join(
            f"{m.name} ({m.office}{', leads' if m.leads else ''})" for m in members
        )
        lines.append(f"    {party} delegation: {names}")
    if talks.outcome:
        lines.append(f"    outcome: {talks.outcome}")
    return lines


def _scheduled(event: AnyEvent, marks: Mapping[str, str]) -> str:
    what = type(event).__name__
    if isinstance(event, TariffChanged):
        what = f"{event.imposer} on {event.target} {event.measure} ({event.scope}) to {_pct(event.rate)}"
        if event.suspension is not None:
            what += f", {_pct(event.suspension.rate)} until {event.suspension.until}"
        if event.stored_version() > 1:
            what += f" ({layer_terms(_as_layer(event))})"
    elif isinstance(event, ExportControlChanged):
        what = f"{event.issuer} export control {event.control_id} {event.action.value}"
    elif isinstance(event, AccordExtended):
        what = f"accord {event.accord_id} extended to deadline {event.deadline}"
    return f"  scheduled {event.effective}: {what}  [{event.event_id}{_corrected(marks, event.event_id)}]"


def _as_layer(event: TariffChanged) -> TariffLayer:
    """The layer a scheduled tariff change will set, to describe its terms."""
    return TariffLayer(
        imposer=event.imposer, target=event.target, measure=event.measure, scope=event.scope, rate=event.rate,
        suspension=event.suspension, applied_rate=event.rate, since=event.effective, event_id=event.event_id,
        accord_id=event.accord_id, combination=event.combination, exempt=event.exempt,
        exempt_parties=event.exempt_parties, yields_to=event.yields_to, quota=event.quota, ends=event.ends,
    )


def _section(title: str, body: list[str]) -> list[str]:
    return ["", title, *(body or ["  none"])]


def render_text(state: NegotiationState) -> str:
    """Render a state for reading: tariffs with layers, accords, talks and the rest.

    Returns:
        Text ending in a newline; no paths, no run times: equal states
        render to equal text.
    """
    known = "as known now" if state.known_at is None else f"as known at {state.known_at.isoformat()}"
    lines = [f"Negotiation state on {state.as_of} ({known})", f"digest {state.digest}", *horizon_lines(state), ""]
    marks = _corrections(state)  # once: every section marks the facts that rest on a correction
    lines += _tariffs(state, marks)
    lines += _rules_data(state, marks)
    accords = [line for _, a in sorted(state.accords.items()) for line in _accord(state, a, marks)]
    lines += _section("Accords", accords)
    talks = sorted(state.talks.values(), key=lambda t: (t.starts, t.talks_id))
    lines += _section("Talks", [line for t in talks for line in _talks(t, marks)])
    lines += _section("Export controls", [
        f"  {c.control_id} ({c.issuer}): {c.status.value} since {c.since}"
        + (f" until {c.suspended_until}" if c.suspended_until else "")
        + f": {', '.join(c.items)}" + _tag(marks, *c.event_ids)
        for _, c in sorted(state.export_controls.items())
    ])
    lines += _section("Export licences approved", [
        f"  {e.effective} {e.issuer} {', '.join(e.items)}: "
        + ("number not disclosed" if e.count is None else f"{e.count}") + _tag(marks, e.event_id)
        for e in state.licence_approvals
    ])
    lines += _section("Latest trade data", [
        f"  {r.reporter} {r.period} (released {r.effective}): exports {_signed(r.exports_yoy)}"
        f" y/y, imports {_signed(r.imports_yoy)} y/y" + _tag(marks, r.event_id)
        for _, r in sorted(state.trade_data.items())
    ])
    lines += _section("Leaders' contacts", [
        f"  {e.effective} {e.mode.value}: {', '.join(e.leaders)}: {e.summary}" + _tag(marks, e.event_id)
        for e in state.leader_contacts
    ])
    lines += _section("Statements", [
        f"  {e.effective} {e.party}, {e.speaker}: {e.summary}" + _tag(marks, e.event_id) for e in state.statements
    ])
    scheduled = sorted(state.scheduled.values(), key=lambda e: e.sort_key)
    lines += _section("Announced, not yet effective", [_scheduled(e, marks) for e in scheduled])
    revised = _revision_lines(state)
    if revised:
        lines += _section("Corrections and retractions (each in force from when it was recorded)", revised)
    return _joined(lines)


def _revision_lines(state: NegotiationState) -> list[str]:
    """Each correction and retraction known at the state's cut-off: when it was recorded and what it changed."""
    known_at = state.known_at
    revisers = sorted((state.log[i] for ids in state.revised_by.values() for i in ids
                       if i in state.log and (known_at is None or state.log[i].recorded <= known_at)),
                      key=lambda e: (e.recorded, e.event_id))
    lines = []
    for reviser in revisers:
        if isinstance(reviser, EventCorrected):
            before, after = field_changes(content_before(state, reviser.corrects, reviser), reviser.replacement)
            what = f"corrected {reviser.corrects}: {before} -> {after}"
        elif isinstance(reviser, EventRetracted):
            named = state.log.get(reviser.retracts)
            what = (f"retracted {reviser.retracts}" if named is None else
                    f"retracted correction {named.event_id} of {named.corrects}" if isinstance(named, EventCorrected)
                    else f"retracted {headline(named)}")
        else:
            continue
        lines.append(f"  {instant(reviser.recorded)} {what}  [{reviser.event_id}]")
    return lines


def horizon_lines(state: NegotiationState) -> list[str]:
    """How far the log's knowledge reaches; for a date past it, a PROJECTION mark and the rules it rests on."""
    horizon = state.horizon
    if horizon.through is None:
        return []
    reviewed = ""
    if horizon.reviewed_through is not None:
        reviewed = f"; sources reviewed through {horizon.reviewed_through} on {horizon.reviewed_on} [{horizon.review_event_id}]"
    last = horizon.last_recorded.isoformat().replace("+00:00", "Z") if horizon.last_recorded else "never"
    lines = [f"horizon {horizon.through} ({reviewed.removeprefix('; ') + '; ' if reviewed else ''}latest event recorded {last})"]
    if state.projected:
        lines.append(f"PROJECTION: {state.as_of} is after the log's horizon ({horizon.through}): every figure below "
                     "rests on the clock rules the log holds, with no later fact known")
        lines.extend(f"  {day}: {words}" for day, words in horizon.projection)
        if not horizon.projection:
            lines.append("  no clock rule or scheduled fact takes effect after the horizon")
    return lines


def render_changes(found: Iterable[Change]) -> str:
    """One line per change (day, kind, subject, before -> after, its causes), then one line per cited event:
    its source, when it was recorded and, for a corrected fact, the correction and when it was recorded."""
    return "".join(change_pieces(found))


def change_pieces(found: Iterable[Change]) -> Iterator[str]:
    """:func:`render_changes`, a change's lines at a time (``"no changes"`` when there is none)."""
    empty = True
    for c in found:
        empty = False
        yield _joined([f"{c.day}  {c.kind.value:<14}  {c.subject}: {c.before or '(none)'} -> {c.after or '(none)'}"
                       f"  [{', '.join(c.causes)}]", *(f"      {_citation(cited)}" for cited in c.sources)])
    if empty:
        yield _joined(["no changes"])


def _citation(cited: Citation) -> str:
    """An event cited by a change: its source, recorded instant and any correction in force."""
    source = cited.source
    words = "no source cited" if source is None else f"{source.publisher}, {source.title}" + (
        f" <{source.url}>" if source.url else "")
    words += f"; recorded {instant(cited.recorded)}"
    if cited.corrected_by is not None and cited.corrected_at is not None:
        words += f"; corrected {instant(cited.corrected_at)} by {cited.corrected_by}"
    return f"{cited.event_id}: {words}"


def render_explanation(explanation: Explanation) -> str:
    """The question, the answer and its caveats (the known-at cut-off first), then each reason with its event,
    when that was recorded (and corrected), and its source."""
    lines = [explanation.question, f"  = {explanation.answer}", *(f"  ! {c}" for c in explanation.caveats)]
    for reason in explanation.reasons:
        event = f" [{reason.event_id}]" if reason.event_id else ""
        if reason.recorded is not None:
            event += f" (recorded {instant(reason.recorded)})"
        revised = f" (corrected by {reason.revision})" if reason.revision else ""
        if reason.revision and reason.revision_recorded is not None:
            revised = f" (corrected {instant(reason.revision_recorded)} by {reason.revision})"
        note = f"; {reason.note}" if reason.note else ""
        lines.append(f"  {reason.subject}: {reason.value}{event}{revised}{note}")
        if reason.source is not None:
            cited = f"{reason.source.publisher}, {reason.source.title}"
            lines.append(f"      source: {cited}" + (f" <{reason.source.url}>" if reason.source.url else ""))
        if reason.event_note:
            lines.append(f"      note: {shorten(reason.event_note, 240, placeholder=' …')}")
    return _joined(lines)
