"""Value types carried by events: sources, product scopes, suspensions, commitments."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
from attrs import field, frozen

from . import _validators as v
from ._errors import EventValidationError

__all__ = [
    "ALL_GOODS",
    "Combination",
    "Commitment",
    "ControlAction",
    "Delegate",
    "Scope",
    "Source",
    "Suspension",
]


class Combination(enum.Enum):
    """How a tariff layer combines with the other layers on the same product.

    Only ``ADD`` exists today: the applied rates of all layers that cover a
    product add up (the US–China case: fentanyl + reciprocal + Section 301).
    The rule is a field of every ``TariffChanged`` so that other rules (a
    ceiling inclusive of MFN, a replacing sector tariff, a tariff-rate quota)
    can be added later without changing the existing event format.
    """

    ADD = "add"


class ControlAction(enum.Enum):
    """What an ``ExportControlChanged`` does to an export control.

    ``IMPOSED`` puts the control in force (or replaces its content);
    ``SUSPENDED`` pauses it until ``until`` (or indefinitely);
    ``LIFTED`` removes it.
    """

    IMPOSED = "imposed"
    SUSPENDED = "suspended"
    LIFTED = "lifted"


@frozen(kw_only=True)
class Source:
    """A citation for an event.

    Attributes:
        publisher: Who published it, e.g. ``"Federal Register"``.
        title: The document's or article's title.
        url: Where it can be read, or ``None`` (e.g. a print-only article).
        published: The publication date, if known.
    """

    publisher: str = field(validator=v.text)
    title: str = field(validator=v.text)
    url: str | None = field(default=None, validator=v.optional_text)
    published: date | None = field(default=None, validator=v.optional_day)


def _hs_prefixes(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(sorted(set(value)))
    return value


def _check_hs(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise EventValidationError(attribute.name, value, "a tuple of HS code prefixes")
    for code in value:
        v.hs_code(inst, attribute, code)


@frozen(kw_only=True, cache_hash=True)
class Scope:
    """The products a tariff layer covers: all goods, or HS code prefixes.

    A prefix covers every code that starts with it: ``"03"`` (chapter 3, fish)
    covers ``"030212"``. The prefixes are normalised (sorted, without
    duplicates), so two scopes naming the same prefixes are equal.

    Attributes:
        hs: HS prefixes of 2, 4, 6, 8 or 10 digits; empty means all goods.
    """

    hs: tuple[str, ...] = field(default=(), converter=_hs_prefixes, validator=_check_hs)

    @property
    def all_goods(self) -> bool:
        """``True`` when the scope is all goods (no HS prefixes)."""
        return not self.hs

    def covers(self, product: str) -> bool:
        """Whether this scope covers the HS code ``product`` (all goods cover every code)."""
        return not self.hs or any(product.startswith(prefix) for prefix in self.hs)

    def __str__(self) -> str:
        return "all goods" if not self.hs else "HS " + ", ".join(self.hs)


ALL_GOODS = Scope()
"""The scope of a layer that applies to every product."""


@frozen(kw_only=True)
class Suspension:
    """Part of a tariff layer suspended until a date.

    Before ``until`` the layer applies ``rate``; from ``until`` on (inclusive)
    the layer's full rate applies again, unless a later ``TariffChanged``
    moved the end. Example: the May 2025 accord set the US reciprocal layer at
    34 % with 24 points suspended: ``Suspension(rate=Decimal(10),
    until=date(2025, 8, 12))``.

    Attributes:
        rate: The rate that applies while suspended, ad valorem in percent.
        until: The first day on which the full rate applies again.
    """

    rate: Decimal = field(converter=v.to_decimal, validator=v.percent)
    until: date = field(validator=v.day)


@frozen(kw_only=True)
class Commitment:
    """One party's commitment under an accord, in words.

    Attributes:
        party: Who committed (alpha-3).
        text: What was committed.
    """

    party: str = field(validator=v.party)
    text: str = field(validator=v.text)


@frozen(kw_only=True)
class Delegate:
    """A member of a delegation.

    Attributes:
        name: The person's name.
        office: The office held, e.g. ``"Secretary of the Treasury"``.
        leads: Whether this person leads the delegation.
    """

    name: str = field(validator=v.text)
    office: str = field(validator=v.text)
    leads: bool = field(default=False, validator=v.boolean)
