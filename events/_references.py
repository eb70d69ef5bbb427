"""Which events define an id (an accord, talks, a control, a quota, an instrument) and which refer to one.

One home for the references of the vocabulary: the fold's checks
(``negotiation.find_problems``) and the stores' appends
(:func:`refuse_unresolved`) ask it. A reference
is a (field, id) pair: ``("accord_id", "geneva-2025")``. Corrections and
retractions refer to an event by its id (``"corrects"``, ``"retracts"``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ._errors import UnresolvedReferenceError
from ._opaque import OpaqueRecord
from ._revisions import AnyEvent, EventCorrected, EventRetracted
from ._values import ControlAction, InstrumentAction
from ._vocabulary import (
    AccordExtended,
    AccordReached,
    DelegationNamed,
    ExportControlChanged,
    InstrumentChanged,
    QuotaSet,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
)

__all__ = ["Reference", "defined_ids", "referenced_ids", "refuse_unresolved"]

Reference = tuple[str, str]
"""(field, id): e.g. ``("accord_id", "geneva-2025")``, or ``("corrects", "us-rate")`` for an event id."""

_DEFINING_INSTRUMENT = (InstrumentAction.ANNOUNCED, InstrumentAction.ADOPTED)


def defined_ids(event: AnyEvent) -> list[Reference]:
    """What ``event`` defines for others to refer to: its own id (to correct or retract), and an accord, talks,
    control, quota or instrument."""
    found = [("corrects", event.event_id), ("retracts", event.event_id)]
    if isinstance(event, AccordReached):
        found.append(("accord_id", event.accord_id))
    elif isinstance(event, (TalksScheduled, TalksHeld)):
        found.append(("talks_id", event.talks_id))
    elif isinstance(event, ExportControlChanged) and event.action is ControlAction.IMPOSED:
        found.append(("control_id", event.control_id))
    elif isinstance(event, QuotaSet):
        found.append(("quota.quota_id", event.quota_id))
    elif isinstance(event, InstrumentChanged) and event.action in _DEFINING_INSTRUMENT:
        found.append(("instrument_id", event.instrument_id))
    return found


def referenced_ids(event: AnyEvent) -> list[Reference]:
    """What ``event`` refers to: the accord, talks, control, quota, instrument or event it names."""
    if isinstance(event, EventCorrected):
        return [("corrects", event.corrects)]
    if isinstance(event, EventRetracted):
        return [("retracts", event.retracts)]
    found = []
    if isinstance(event, (AccordExtended, TariffChanged)) and event.accord_id is not None:
        found.append(("accord_id", event.accord_id))
    if isinstance(event, TariffChanged) and event.quota is not None:
        found.append(("quota.quota_id", event.quota.quota_id))
    if isinstance(event, DelegationNamed):
        found.append(("talks_id", event.talks_id))
    if isinstance(event, ExportControlChanged) and event.action is not ControlAction.IMPOSED:
        found.append(("control_id", event.control_id))
    if isinstance(event, InstrumentChanged) and event.action not in _DEFINING_INSTRUMENT:
        found.append(("instrument_id", event.instrument_id))
    return found


def refuse_unresolved(path: str, defined: set[Reference], items: Iterable[AnyEvent | OpaqueRecord]) -> None:
    """Refuse an append whose events name an id that neither ``defined`` (the log's) nor the append defines.

    Raises:
        UnresolvedReferenceError: the first such reference.
    """
    added = [item for item in items if not isinstance(item, OpaqueRecord)]
    known = defined | {ref for event in added for ref in defined_ids(event)}
    for event in added:
        for field, value in referenced_ids(event):
            if (field, value) not in known:
                raise UnresolvedReferenceError(path=path, event_id=event.event_id, field=field, value=value)
