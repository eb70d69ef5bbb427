"""Provenance: which events (and sources) make up a tariff total or an accord's status."""

from __future__ import annotations

from attrs import frozen

from events import AccordReached, Source

from ._errors import QueryError, UnknownReferenceError
from ._state import AccordStatus, NegotiationState

__all__ = ["Explanation", "Reason", "explain"]


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
    """

    subject: str
    value: str
    event_id: str | None
    revision: str | None
    source: Source | None
    note: str


@frozen(kw_only=True)
class Explanation:
    """An answer with its reasons.

    Attributes:
        question: What was asked, in words.
        answer: The answer, e.g. ``"30"`` or ``"active, deadline 2025-08-12"``.
        reasons: The parts of the answer, each with its event and source.
    """

    question: str
    answer: str
    reasons: tuple[Reason, ...]


def _reason(state: NegotiationState, subject: str, value: str, event_id: str | None, note: str) -> Reason:
    event = state.events.get(event_id) if event_id is not None else None
    return Reason(
        subject=subject, value=value, event_id=event_id,
        revision=state.revisions.get(event_id) if event_id is not None else None,
        source=event.source if event is not None else None, note=note,
    )


def explain(
    state: NegotiationState,
    *,
    imposer: str | None = None,
    target: str | None = None,
    product: str | None = None,
    accord_id: str | None = None,
) -> Explanation:
    """Explain a tariff total (``imposer`` and ``target``, optionally ``product``) or an accord.

    For a tariff: one reason per layer of
    :meth:`NegotiationState.counted_layers` (rates in percent), with the event that set it, its
    source and any suspension. For an accord: the event that reached it,
    each extension, and the clock rule behind its status.

    Raises:
        QueryError: neither or both of a tariff pair and ``accord_id``; bad codes.
        UnknownReferenceError: an unknown ``accord_id``.
    """
    wants_tariff = imposer is not None or target is not None
    if wants_tariff == (accord_id is not None) or (wants_tariff and (imposer is None or target is None)):
        raise QueryError("accord_id", accord_id, "either imposer and target, or accord_id")
    if accord_id is not None and product is not None:
        raise QueryError("product", product, "None when explaining an accord")
    if accord_id is not None:
        return _explain_accord(state, accord_id)
    assert imposer is not None and target is not None
    reasons = []
    for layer in state.counted_layers(imposer, target, product):
        note = f"since {layer.since}"
        if layer.suspension is not None:
            if layer.suspended:
                note += (f"; {layer.rate} with {layer.rate - layer.suspension.rate} points suspended"
                         f" until {layer.suspension.until} (clock: full rate from then on)")
            else:
                note += f"; suspension ended {layer.suspension.until} (clock): full rate"
        reasons.append(_reason(state, f"{layer.measure}, {layer.scope}", str(layer.applied_rate), layer.event_id, note))
    scope = f"HS {product}" if product else "all goods"
    return Explanation(
        question=f"{imposer} tariff on goods of {target}, {scope}, on {state.as_of} (percent; layers add up)",
        answer=str(state.tariff_rate(imposer, target, product)),
        reasons=tuple(reasons),
    )


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
    answer = f"{accord.status.value}, deadline {accord.deadline}" + (
        f", {remaining} days remaining" if remaining is not None else ""
    )
    return Explanation(question=f"status of accord {accord_id} on {state.as_of}", answer=answer, reasons=tuple(reasons))
