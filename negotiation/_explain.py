"""Provenance: which events (and sources) make up a tariff total or an accord's status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from attrs import frozen

from events import (
    EVERY_PARTNER,
    AccordExtended,
    AccordReached,
    AnyEvent,
    EventCorrected,
    EventRetracted,
    Source,
    TariffChanged,
)

from ._args import as_codes
from ._errors import QueryError, UnknownReferenceError
from ._state import AccordStatus, NegotiationState, Ruling
from ._tariffs import QuotaChoice, Reach, TariffBreakdown
from ._words import headline, instant

__all__ = ["Explanation", "Reason", "explain", "ruling_verdict", "ruling_words"]


@frozen(kw_only=True)
class Reason:
    """One part of an answer and where it comes from.

    Attributes:
        subject: What this part is, e.g. ``"IEEPA-reciprocal, all goods"``.
        value: Its value in words, e.g. ``"10"`` (percent for tariffs).
        event_id: The event that set it, or ``None`` for a clock rule.
        revision: The correction that supplied the event's content, or ``None``.
        source: The event's citation, or ``None``.
        note: How the value follows, e.g. a suspension and its end date.
        event_note: The event's own note (how its dates were worked out,
            what the source says), or ``""``.
        recorded: When the event was recorded (transaction time, UTC), or
            ``None`` for a clock rule or a value given with the query.
        revision_recorded: When ``revision`` was recorded, or ``None``.
    """

    subject: str
    value: str
    event_id: str | None
    revision: str | None
    source: Source | None
    note: str
    event_note: str = ""
    recorded: datetime | None = None
    revision_recorded: datetime | None = None


@frozen(kw_only=True)
class Explanation:
    """An answer with its reasons.

    Attributes:
        question: What was asked, in words.
        answer: The answer, e.g. ``"30"`` or ``"active, deadline 2025-08-12"``.
        reasons: The parts of the answer, each with its event and source.
        caveats: What the answer rests on beyond the facts: first the
            ``known_at`` cut-off (or, with none, the latest instant the log
            records), then corrections and retractions of the facts involved
            recorded after the cut-off (not used), a date past the log's
            horizon (with the clock rules projected), rulings on the measures.
    """

    question: str
    answer: str
    reasons: tuple[Reason, ...]
    caveats: tuple[str, ...] = ()


def _reason(state: NegotiationState, subject: str, value: str, event_id: str | None, note: str) -> Reason:
    event = state.events.get(event_id) if event_id is not None else None
    revision = state.revisions.get(event_id) if event_id is not None else None
    correction = state.log.get(revision) if revision is not None else None
    return Reason(
        subject=subject, value=value, event_id=event_id, revision=revision,
        source=event.source if event is not None else None, note=note,
        event_note=event.note if event is not None else "",
        recorded=event.recorded if event is not None else None,
        revision_recorded=correction.recorded if correction is not None else None,
    )


def _revision_reasons(state: NegotiationState, involved: set[str],
                      relevant: Callable[[AnyEvent], bool]) -> tuple[tuple[Reason, ...], tuple[str, ...]]:
    """The retractions known at the cut-off of facts (or corrections) that would bear on the answer, as reasons;
    and the corrections and retractions recorded after the cut-off of the facts involved, as caveats (not used)."""
    reasons, caveats = [], []
    known_at = state.known_at
    for fact_id in sorted(state.revised_by):
        for reviser_id in state.revised_by[fact_id]:
            reviser, named = state.log.get(reviser_id), state.log.get(fact_id)
            if reviser is None or named is None:
                continue
            content = named.replacement if isinstance(named, EventCorrected) else named
            fact = named.corrects if isinstance(named, EventCorrected) else fact_id
            if not (fact in involved or (content.effective <= state.as_of and relevant(content))):
                continue
            if known_at is not None and reviser.recorded > known_at:
                what = "correction" if isinstance(reviser, EventCorrected) else "retraction"
                caveats.append(f"not used: {what} {reviser_id} of {fact_id}, recorded {instant(reviser.recorded)}, "
                               f"after the cut-off")
            elif isinstance(reviser, EventRetracted):
                withdrawn = (f"withdraws correction {fact_id} of {fact}: the version before it applies"
                             if isinstance(named, EventCorrected) else
                             f"withdraws {fact_id} (recorded {instant(named.recorded)}): not counted")
                reasons.append(Reason(
                    subject="retracted" if fact == fact_id else "retracted correction", value=headline(content),
                    event_id=reviser_id, revision=None, source=reviser.source, note=withdrawn,
                    event_note=reviser.note, recorded=reviser.recorded))
    return tuple(reasons), tuple(caveats)


def explain(
    state: NegotiationState,
    *,
    imposer: str | None = None,
    target: str | None = None,
    product: str | None = None,
    accord_id: str | None = None,
    base: Decimal | None = None,
    quota: QuotaChoice = None,
) -> Explanation:
    """Explain a tariff (``imposer`` and ``target``, optionally ``product``) or an accord.

    For a tariff: the base (MFN) rate first where it is given or recorded
    (with the ``BaseRateSet`` event and its source), then one reason per
    layer that reaches the product (:meth:`NegotiationState.breakdown`):
    its contribution in percent (``0`` with the reason where it yields to
    another measure, is exempt, or is replaced; ``?`` where it needs a base
    or a quota choice), the rule that gives it, the event that set it, its
    source and any suspension. The answer is the additional duty, and the
    total duty where the base is known; where a base or quota choice is
    missing, what it depends on. For an accord: the event that reached
    it, each extension, and the clock rule behind its status.

    Codes are taken as by :meth:`NegotiationState.breakdown` (``"usa"``,
    ``"1201.90"``) and named in their canonical form.

    Raises:
        QueryError: ``state`` not a state; neither or both of a tariff pair
            and ``accord_id``; bad codes, base or quota choice; ``base`` or
            ``quota`` with an accord.
        UnknownReferenceError: an unknown ``accord_id``.
        InconsistentEventError: two layers yield to each other on the product.
    """
    if not isinstance(state, NegotiationState):
        raise QueryError("state", state, "a NegotiationState: negotiation.replay(events.read_log(path), as_of=...)")
    imposer, target, product = as_codes(imposer, target, product)
    wants_tariff = imposer is not None or target is not None
    if wants_tariff == (accord_id is not None) or (wants_tariff and (imposer is None or target is None)):
        raise QueryError("accord_id", accord_id, "either imposer and target, or accord_id")
    if accord_id is not None:
        for name, value in (("product", product), ("base", base), ("quota", quota)):
            if value is not None:
                raise QueryError(name, value, "None when explaining an accord")
        return _explain_accord(state, accord_id)
    assert imposer is not None and target is not None
    found = state.breakdown(imposer, target, product, base=base, quota=quota)
    reasons = []
    if found.base is not None:
        given = "given with the query" if found.base_event_id is None else "recorded base (MFN, column 1) rate"
        reasons.append(_reason(state, "base (MFN)", str(found.base), found.base_event_id, given))
    for contribution in found.contributions:
        layer = contribution.layer
        note = f"{contribution.reason}; since {layer.since}"
        if layer.suspension is not None and contribution.reach is not Reach.EXEMPT_PARTNER:
            if layer.suspended:
                note += (f"; {layer.rate} with {layer.rate - layer.suspension.rate} points suspended"
                         f" until {layer.suspension.until} (clock: full rate from then on)")
            else:
                note += f"; suspension ended {layer.suspension.until} (clock): full rate"
        on = "" if layer.target == target else f" on {layer.target}"
        value = "?" if contribution.amount is None else str(contribution.amount)
        reasons.append(_reason(state, f"{layer.measure}{on}, {layer.scope}", value, layer.event_id, note))
    scope = f"HS {product}" if product else "all goods"
    answer = found.summary()
    if not found.missing and found.base is not None:
        answer += f" additional; duty {found.duty} with the base {found.base}"
    rulings = [f"{layer.measure} ({layer.event_id}): {ruling_words(ruling)}" for c in found.contributions
               for layer in (c.layer,) for ruling in state.rulings_on(layer)]
    targets = {target, EVERY_PARTNER, *(b.bloc for b in state.blocs.values() if target in b.members)}

    def bears(event: AnyEvent) -> bool:
        return (isinstance(event, TariffChanged) and event.imposer == imposer and event.target in targets
                and (event.scope.covers(product) if product else event.scope.all_goods))

    retracted, unused = _revision_reasons(state, {r.event_id for r in reasons if r.event_id}, bears)
    caveats = _caveats(state, (imposer, target))
    return Explanation(
        question=(f"{imposer} tariff on goods of {target}, {scope}, on {state.as_of} "
                  "(percent; additional duties over the base (MFN) rate, layer by layer)"),
        answer=answer,
        reasons=tuple(reasons) + retracted + _ruling_reasons(state, found),
        caveats=(*caveats[:1], *unused, *caveats[1:], *rulings, *(
            [f"PARTIAL: the log records {imposer}'s measures on {target} only in part (it covers "
             f"{', '.join(state.horizon.covers)}): only the layers it holds are counted"] if found.partial else [])),
    )


def ruling_verdict(ruling: Ruling) -> str:
    """What a ruling did, in two or three words: held unlawful, ordered refunds, or ruled."""
    return "held unlawful" if ruling.unlawful else "ordered refunds" if ruling.refunds else "ruled"


def ruling_words(ruling: Ruling) -> str:
    """A ruling in one line: what, when, which court and case; whose relief; refunds."""
    relief = "" if ruling.relief_for_all else " (relief for the named plaintiffs only; still collected from others)"
    refunds = "; refunds of the duties paid ordered" if ruling.refunds and ruling.unlawful else ""
    return (f"{ruling_verdict(ruling)} on {ruling.decided} by the {ruling.court}, {ruling.case} "
            f"[{ruling.ruling_id}]{relief}{refunds}")


def _ruling_reasons(state: NegotiationState, found: TariffBreakdown) -> tuple[Reason, ...]:
    """One reason per ruling on the imposer's measures, with its source: on a layer that counts here, or on
    measures that no longer reach these goods (what the ruling changed)."""
    rulings = sorted((r for r in state.rulings.values() if r.imposer == found.imposer),
                     key=lambda r: (r.decided, r.ruling_id))
    reasons = []
    for ruling in rulings:
        touched = [c.layer.measure for c in found.contributions if ruling in state.rulings_on(c.layer)]
        scope = (f"on {', '.join(dict.fromkeys(touched))}, still collected on this day" if touched
                 else "no layer of these measures reaches these goods on this day")
        reasons.append(_reason(state, f"ruling on {', '.join(ruling.measures)}", ruling_verdict(ruling), ruling.event_id,
                               f"{ruling_words(ruling)}; {scope}"))
    return tuple(reasons)


def _caveats(state: NegotiationState, pair: tuple[str, str] | None = None) -> tuple[str, ...]:
    """The known-at cut-off and, past the horizon, the projection with its rules (for a tariff, those on its layers)."""
    found = []
    if state.known_at is not None:
        found.append(f"as known at {state.known_at.isoformat()}: events recorded later are not used")
    else:
        last = state.horizon.last_recorded
        found.append("as known now: every event in the log is used"
                     + (f" (the latest recorded {instant(last)})" if last is not None else " (none)"))
    if state.projected:
        found.append(f"PROJECTION: {state.as_of} is after the log's horizon ({state.horizon.through}): no fact after "
                     "it is known; the answer rests on what the log held then and on the clock rules listed")
        rules = state.horizon.projection
        if pair is not None:
            imposer, target = pair
            mine = [(d, w) for d, w in rules if f"{imposer} " in w and (f" on {target} " in w or " on WLD " in w)]
            if len(mine) < len(rules):
                found.append(f"{len(rules) - len(mine)} other rule(s) of the log fire after the horizon "
                             "(accords, controls, instruments, other pairs): see `negotiation replay`")
            rules = tuple(mine)
        found.extend(f"{day}: {words}" for day, words in rules)
    return tuple(found)


def _explain_accord(state: NegotiationState, accord_id: str) -> Explanation:
    if not isinstance(accord_id, str):
        raise QueryError("accord_id", accord_id, "an accord id (str)")
    accord = state.accords.get(accord_id)
    if accord is None:
        reached_later = any(isinstance(e, AccordReached) and e.accord_id == accord_id for e in state.log.values())
        known = ", ".join(sorted(state.accords)) or "none"
        expected = (f"an accord reached by {state.as_of} (this one is reached later, or known later)"
                    if reached_later else f"one of: {known}")
        raise UnknownReferenceError(None, "accord_id", accord_id, expected)
    window = f"window from {accord.window_start}"
    reasons = [_reason(state, "reached", str(accord.reached), accord.event_id, window)]
    for extension_id in accord.extended_by:
        extension = state.events[extension_id]
        reasons.append(_reason(state, "extended", f"deadline {extension.deadline}", extension_id, ""))  # type: ignore[union-attr]
    rule = {
        AccordStatus.PENDING: f"clock: the window opens on {accord.window_start}",
        AccordStatus.ACTIVE: "clock: within the window" if accord.deadline else "open-ended",
        AccordStatus.LAPSED: f"clock: the deadline {accord.deadline} passed with no extension known",
    }[accord.status]
    reasons.append(Reason(subject="status", value=accord.status.value, event_id=None, revision=None, source=None, note=rule))
    remaining = state.days_remaining(accord_id)
    answer = f"{accord.status.value}, " + (f"deadline {accord.deadline}" if accord.deadline else "open-ended") + (
        f", {remaining} days remaining" if remaining is not None else ""
    )

    def bears(event: AnyEvent) -> bool:
        return isinstance(event, (AccordReached, AccordExtended)) and event.accord_id == accord_id

    retracted, unused = _revision_reasons(state, {accord.event_id, *accord.extended_by}, bears)
    caveats = _caveats(state)
    return Explanation(question=f"status of accord {accord_id} on {state.as_of}", answer=answer,
                       reasons=(*reasons[:-1], *retracted, reasons[-1]), caveats=(*caveats[:1], *unused, *caveats[1:]))
