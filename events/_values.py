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
    "Amount",
    "Combination",
    "Commitment",
    "ControlAction",
    "Delegate",
    "InstrumentAction",
    "InstrumentKind",
    "LegalStatus",
    "QuotaPeriod",
    "Scope",
    "Source",
    "Suspension",
    "TariffQuota",
]


class Combination(enum.Enum):
    """What a tariff layer contributes to the duty on a product, given the base (MFN) rate.

    ``ADD``: its applied rate, on top of the base and the other layers
    (IEEPA, Section 301, Section 122, the US–China layers).
    ``ALL_IN``: "the higher of the base or X": ``max(0, X - base)``, so
    that base plus this layer is ``max(base, X)`` (EO 14326's EU rate from
    2025-08-07; EO 14345's Japanese rate; the EU and Japanese Section 232
    auto deals at 15 %; UK auto parts at 10 %). It needs the base rate.

    The rules themselves live in one place, ``negotiation/_tariffs.py``.
    """

    ADD = "add"
    ALL_IN = "all-in"


class InstrumentKind(enum.Enum):
    """What kind of instrument an ``InstrumentChanged`` describes."""

    THREAT = "threat"
    LETTER = "letter"
    POLITICAL_DEAL = "political deal"
    JOINT_STATEMENT = "joint statement"
    EXECUTIVE_ORDER = "executive order"
    PROCLAMATION = "proclamation"
    NOTICE = "notice"
    REGULATION = "regulation"


class LegalStatus(enum.Enum):
    """An instrument's legal force: ``BINDING`` (law, order, regulation),
    ``NON_BINDING`` (a political deal, a joint statement), ``NO_LEGAL_EFFECT``
    (a post, a letter, a threat)."""

    BINDING = "binding"
    NON_BINDING = "non-binding"
    NO_LEGAL_EFFECT = "no legal effect"


class InstrumentAction(enum.Enum):
    """What an ``InstrumentChanged`` does: announce, adopt, suspend or lift an instrument."""

    ANNOUNCED = "announced"
    ADOPTED = "adopted"
    SUSPENDED = "suspended"
    LIFTED = "lifted"


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
class TariffQuota:
    """The in-quota rate of a tariff layer under a tariff-rate quota.

    The layer's ``rate`` is the out-of-quota rate; ``in_quota_rate`` applies
    to entries within the quota's volume (``QuotaSet`` with ``quota_id``).
    Example: UK passenger cars (HS 8703) under EO 14309: Section 232 at
    7.5 % in quota, 25 % out of quota.

    Attributes:
        quota_id: The quota, as set by a ``QuotaSet`` event.
        in_quota_rate: Percent, below the layer's rate.
    """

    quota_id: str = field(validator=v.identifier)
    in_quota_rate: Decimal = field(converter=v.to_decimal, validator=v.percent)


@frozen(kw_only=True)
class QuotaPeriod:
    """One period of a tariff-rate quota: its volume from ``start`` to ``end`` (inclusive).

    Raises:
        EventValidationError: ``end`` before ``start``.
    """

    start: date = field(validator=v.day)
    end: date = field(validator=v.day)
    volume: Decimal = field(converter=v.to_decimal, validator=v.quantity)

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise EventValidationError("end", self.end, f"a date on or after start {self.start}")


@frozen(kw_only=True)
class Amount:
    """A quantity with its unit, e.g. ``Amount(amount=Decimal(93_000_000_000), unit="EUR")``.

    Attributes:
        amount: Non-negative, at most 10**15, at most 6 places.
        unit: A currency code or a unit in words (``"EUR"``, ``"vehicles"``).
    """

    amount: Decimal = field(converter=v.to_decimal, validator=v.quantity)
    unit: str = field(validator=v.text)


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
