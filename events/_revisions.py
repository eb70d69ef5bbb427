"""Corrections and retractions: events about other events.

They change what the log says from their own ``recorded`` instant on, in
transaction time only: a known-at replay before a correction was recorded
shows the original content; one after shows the corrected content. Their
own ``effective`` is the day they were issued and does not order anything.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeAlias

import attrs
from attrs import field, frozen

from . import _validators as v
from ._errors import EventValidationError
from ._vocabulary import FACT_TYPES, Event, Fact

__all__ = ["EVENT_TYPES", "AnyEvent", "EventCorrected", "EventRetracted"]


def _fact(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) not in FACT_TYPES:
        raise EventValidationError(attribute.name, value, "a fact event (not a correction or retraction)")


@frozen(kw_only=True)
class EventCorrected(Event):
    """Replaces the content of the event ``corrects`` from this event's ``recorded`` on.

    ``replacement`` is the whole corrected event, with the same
    ``event_id``; its own dates order it in the fold (a correction may move
    the effective date). A later correction of the same event supersedes
    an earlier one: that is how a correction is corrected.

    Raises:
        EventValidationError: ``replacement.event_id`` differs from
            ``corrects``; the replacement is itself a correction or
            retraction; the replacement was recorded after the correction.
    """

    TYPE: ClassVar[str] = "EventCorrected"
    VERSION: ClassVar[int] = 1

    corrects: str = field(validator=v.identifier)
    replacement: Fact = field(validator=_fact)

    def __attrs_post_init__(self) -> None:
        if self.replacement.event_id != self.corrects:
            raise EventValidationError(
                "replacement.event_id", self.replacement.event_id, f"the corrected id {self.corrects!r}"
            )
        if self.replacement.recorded > self.recorded:
            raise EventValidationError(
                "replacement.recorded", self.replacement.recorded,
                f"an instant no later than the correction's recorded {self.recorded.isoformat()}",
            )


@frozen(kw_only=True)
class EventRetracted(Event):
    """Withdraws the event ``retracts`` from this event's ``recorded`` on.

    Naming a fact withdraws it with all its corrections; naming a
    correction withdraws only that correction (the version before it
    applies again). A retraction is final: to restore a fact, log it anew.
    """

    TYPE: ClassVar[str] = "EventRetracted"
    VERSION: ClassVar[int] = 1

    retracts: str = field(validator=v.identifier)


AnyEvent: TypeAlias = Fact | EventCorrected | EventRetracted
"""Any concrete event type."""

EVENT_TYPES: tuple[type[Event], ...] = tuple(
    sorted((*FACT_TYPES, EventCorrected, EventRetracted), key=lambda cls: cls.TYPE)
)
"""Every concrete event type, in the order of their type tags."""
