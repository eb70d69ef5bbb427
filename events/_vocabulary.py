"""The event types: immutable, dated, sourced facts about a negotiation.

Every event has two dates (see ``../shared/DESIGN.md``, "Two clocks"):

* ``effective`` (valid time, a ``date``): the day the fact holds in the world,
  e.g. 2025-05-14 for the tariff cut of the May 2025 accord.
* ``recorded`` (transaction time, an aware ``datetime`` normalised to UTC):
  when the fact became public, e.g. 2025-05-12 for that cut.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias

import attrs
from attrs import field, frozen

from . import _validators as v
from ._errors import EventValidationError
from ._values import (
    ALL_GOODS,
    Amount,
    Combination,
    Commitment,
    ControlAction,
    Delegate,
    InstrumentAction,
    InstrumentKind,
    LegalStatus,
    QuotaPeriod,
    Scope,
    Source,
    Suspension,
    TariffQuota,
    _hs_prefixes,
)

__all__ = [
    "AccordExtended",
    "AccordReached",
    "BaseRateSet",
    "BlocMembersSet",
    "ContactMode",
    "DelegationNamed",
    "Event",
    "ExportControlChanged",
    "EVERY_PARTNER",
    "FACT_TYPES",
    "Fact",
    "InstrumentChanged",
    "LayerKey",
    "LeadersSpoke",
    "LogReviewed",
    "ExportLicencesApproved",
    "QuotaSet",
    "RulingIssued",
    "StatementIssued",
    "TalksHeld",
    "TalksScheduled",
    "TariffChanged",
    "TradeDataReleased",
]

LayerKey: TypeAlias = tuple[str, str, str, Scope]
"""Identity of a tariff layer: (imposer, target, measure, scope)."""

EVERY_PARTNER = "WLD"
"""The target of a layer that applies to goods of every partner (the World Bank and UN code for the world).

``TariffChanged(target="WLD", exempt_parties=("GBR",), ...)`` states a
measure on all partners but the United Kingdom in one event (Section 232
steel and aluminium, autos; the 10 % baseline).
"""

_PERIOD = re.compile(r"(?!0000)([0-9]{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?")  # year 0 is no date


def _period_start(period: str) -> date:
    """The first day of a period ``YYYY``, ``YYYY-MM`` or ``YYYY-Qn``."""
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year, month, quarter = match.groups()
    first_month = int(month) if month else 3 * int(quarter) - 2 if quarter else 1
    return date(int(year), first_month, 1)


def _period_end(period: str) -> date:
    """The last day of a period ``YYYY``, ``YYYY-MM`` or ``YYYY-Qn``."""
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year, month, quarter = match.groups()
    last_month = int(month) if month else 3 * int(quarter) if quarter else 12
    following = date(int(year) + last_month // 12, last_month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _instances(kind: type) -> Any:
    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple) or not all(isinstance(item, kind) for item in value):
            raise EventValidationError(attribute.name, value, f"a tuple of {kind.__name__}")

    return check


def _optional_instance(kind: type) -> Any:
    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, kind):
            raise EventValidationError(attribute.name, value, f"None or a {kind.__name__}")

    return check


def _instance(kind: type) -> Any:
    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind):
            raise EventValidationError(attribute.name, value, f"a {kind.__name__}")

    return check


def _period(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not (isinstance(value, str) and _PERIOD.fullmatch(value)):
        raise EventValidationError(
            attribute.name, value, "a period 'YYYY', 'YYYY-MM' or 'YYYY-Qn'"
        )


def _not_before(value: date | None, name: str, bound: date, bound_name: str) -> None:
    if value is not None and value < bound:
        raise EventValidationError(name, value, f"a date on or after {bound_name} {bound}")


@frozen(kw_only=True)
class Event:
    """Fields every event has. Not itself an event type.

    Attributes:
        event_id: Unique in a log; a non-empty string without whitespace.
        effective: Valid time: the day the fact holds (inclusive).
        recorded: Transaction time: when the fact became public, aware,
            normalised to UTC.
        source: Where the fact comes from, or ``None``.
        note: Free text: how a date was worked out, caveats, conflicts.
    """

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 0
    LATER_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields left out when :meth:`stored_version` is below ``VERSION`` (they hold their defaults then)."""

    event_id: str = field(validator=v.identifier)
    effective: date = field(validator=v.day)
    recorded: datetime = field(converter=v.to_utc, validator=v.aware)
    source: Source | None = field(default=None, validator=_optional_instance(Source))
    note: str = field(default="", validator=v.any_text)

    @property
    def sort_key(self) -> tuple[date, datetime, str]:
        """The fold's total order: (effective, recorded, event_id)."""
        return (self.effective, self.recorded, self.event_id)

    def stored_version(self) -> int:
        """The schema version this event is written at: the lowest that holds every field it uses.

        An event that uses no field added in a later version is written at
        the older version, exactly as before (``TariffChanged`` without any
        version-2 field is written as version 1).
        """
        return self.VERSION


@frozen(kw_only=True)
class TalksScheduled(Event):
    """Talks announced for a place and dates.

    ``effective`` is the day the schedule was set (usually the announcement);
    ``starts``/``ends`` are the talks' own dates (``ends`` inclusive).
    """

    TYPE: ClassVar[str] = "TalksScheduled"
    VERSION: ClassVar[int] = 1

    talks_id: str = field(validator=v.identifier)
    venue: str = field(validator=v.text)
    parties: tuple[str, ...] = field(converter=v.to_tuple, validator=v.parties)
    starts: date = field(validator=v.day)
    ends: date | None = field(default=None, validator=v.optional_day)

    def __attrs_post_init__(self) -> None:
        _not_before(self.ends, "ends", self.starts, "starts")


@frozen(kw_only=True)
class DelegationNamed(Event):
    """A party names (or changes) its delegation to talks."""

    TYPE: ClassVar[str] = "DelegationNamed"
    VERSION: ClassVar[int] = 1

    talks_id: str = field(validator=v.identifier)
    party: str = field(validator=v.party)
    members: tuple[Delegate, ...] = field(converter=v.to_tuple, validator=_instances(Delegate))

    def __attrs_post_init__(self) -> None:
        if not self.members:
            raise EventValidationError("members", self.members, "at least one Delegate")
        names = [member.name for member in self.members]
        if len(set(names)) != len(names):
            raise EventValidationError("members", names, "delegates with distinct names")


@frozen(kw_only=True)
class TalksHeld(Event):
    """Talks took place from ``starts`` to ``ends`` (inclusive); ``outcome`` in words.

    ``effective`` is the day the talks ended or later (when they were
    reported), never before ``ends``.
    """

    TYPE: ClassVar[str] = "TalksHeld"
    VERSION: ClassVar[int] = 1

    talks_id: str = field(validator=v.identifier)
    venue: str = field(validator=v.text)
    parties: tuple[str, ...] = field(converter=v.to_tuple, validator=v.parties)
    starts: date = field(validator=v.day)
    ends: date = field(validator=v.day)
    outcome: str = field(default="", validator=v.any_text)

    def __attrs_post_init__(self) -> None:
        _not_before(self.ends, "ends", self.starts, "starts")
        _not_before(self.effective, "effective", self.ends, "ends")


class ContactMode(enum.Enum):
    """How leaders spoke: by phone (``CALL``) or in person (``MEETING``)."""

    CALL = "call"
    MEETING = "meeting"


@frozen(kw_only=True)
class LeadersSpoke(Event):
    """Heads of state or government spoke (a call or a meeting)."""

    TYPE: ClassVar[str] = "LeadersSpoke"
    VERSION: ClassVar[int] = 1

    parties: tuple[str, ...] = field(converter=v.to_tuple, validator=v.parties)
    leaders: tuple[str, ...] = field(converter=v.to_tuple, validator=v.texts)
    mode: ContactMode = field(validator=_instance(ContactMode))
    summary: str = field(default="", validator=v.any_text)


@frozen(kw_only=True)
class AccordReached(Event):
    """Parties reached an accord, optionally with a window for further talks.

    ``effective`` is the day the accord was reached. The window opens on
    ``window_start`` (default: ``effective``), the day the commitments take
    effect, and closes on its *deadline*: the first day after the window.
    Give either ``window_days`` (the deadline is ``window_start +
    window_days``) or an explicit ``deadline``, or neither (open-ended).

    Example: the Geneva joint statement was reached on 2025-05-12, its
    commitments took effect on 2025-05-14, ``window_days=90``: the deadline
    is 2025-08-12.

    Raises:
        EventValidationError: both ``window_days`` and ``deadline`` given; a
            window start before the accord; a deadline not after the window
            start.
    """

    TYPE: ClassVar[str] = "AccordReached"
    VERSION: ClassVar[int] = 1

    accord_id: str = field(validator=v.identifier)
    title: str = field(validator=v.text)
    parties: tuple[str, ...] = field(converter=v.to_tuple, validator=v.parties)
    commitments: tuple[Commitment, ...] = field(
        default=(), converter=v.to_tuple, validator=_instances(Commitment)
    )
    window_start: date | None = field(default=None, validator=v.optional_day)
    window_days: int | None = field(
        default=None, validator=attrs.validators.optional(v.positive_int)
    )
    deadline: date | None = field(default=None, validator=v.optional_day)

    def __attrs_post_init__(self) -> None:
        if self.window_days is not None and self.deadline is not None:
            raise EventValidationError(
                "deadline", self.deadline, "None when window_days is given (one or the other)"
            )
        _not_before(self.window_start, "window_start", self.effective, "effective")
        room = (v.LATEST - self.window_opens).days
        if self.window_days is not None and self.window_days > room:
            raise EventValidationError(
                "window_days", self.window_days, f"at most {room} (a deadline by {v.LATEST})"
            )
        if self.deadline is not None and self.deadline <= self.window_opens:
            raise EventValidationError(
                "deadline", self.deadline, f"a date after the window start {self.window_opens}"
            )

    @property
    def window_opens(self) -> date:
        """The first day of the window: ``window_start`` or else ``effective``."""
        return self.window_start if self.window_start is not None else self.effective

    @property
    def window_closes(self) -> date | None:
        """The deadline (first day after the window), or ``None`` if open-ended."""
        if self.deadline is not None:
            return self.deadline
        if self.window_days is not None:
            return date.fromordinal(self.window_opens.toordinal() + self.window_days)
        return None


@frozen(kw_only=True)
class AccordExtended(Event):
    """An accord's window is extended to a new deadline (first day after it)."""

    TYPE: ClassVar[str] = "AccordExtended"
    VERSION: ClassVar[int] = 1

    accord_id: str = field(validator=v.identifier)
    deadline: date = field(validator=v.day)

    def __attrs_post_init__(self) -> None:
        if self.deadline <= self.effective:
            raise EventValidationError(
                "deadline", self.deadline, f"a date after effective {self.effective}"
            )


@frozen(kw_only=True)
class TariffChanged(Event):
    """Sets one tariff layer to a new level from ``effective`` on.

    A layer is identified by (imposer, target, measure, scope); this event
    sets exactly that layer, with all its terms: a later event on the same
    layer replaces them (to add a carve-out, set the layer again with a
    longer ``exempt``; it stays one layer). ``rate`` is the layer's new
    level, not an increment: ad valorem, in percent, as ``Decimal`` (``30``
    means 30 %). A rate of 0 with no suspension removes the layer.

    Attributes:
        imposer: Who levies the tariff (alpha-3).
        target: Whose goods it applies to (alpha-3), a bloc (``"EUU"``: its
            members on the day) or :data:`EVERY_PARTNER` (``"WLD"``).
        measure: The legal measure, e.g. ``"IEEPA-fentanyl"``,
            ``"IEEPA-reciprocal"``, ``"S232-autos"``, ``"S301"``.
        scope: All goods (default) or HS code prefixes.
        rate: The full level of the layer, percent (for an ``ALL_IN`` layer,
            the all-in level X; with a quota, the out-of-quota rate).
        suspension: Part of the rate suspended until a date, or ``None``.
        accord_id: The accord this change implements, or ``None``. The
            accord may be later in valid time (a retroactive measure) if it
            is recorded no later than this event.
        combination: What the layer contributes: ``ADD`` (its rate) or
            ``ALL_IN`` (``max(0, rate - base)``). Version 2.
        exempt: HS prefixes carved out of ``scope`` (each inside it). Version 2.
        exempt_parties: Partners the layer does not apply to (with a
            ``"WLD"`` or bloc target). Version 2.
        yields_to: Measures that take precedence: the layer counts 0 on a
            product that a layer of one of these measures covers. A name
            covers itself and its sub-measures (``"S232"`` covers
            ``"S232-autos"``). Version 2.
        quota: A tariff-rate quota: the in-quota rate; ``rate`` applies out
            of quota. Version 2.
        ends: A statutory end: the first day the layer no longer applies
            (Section 122 allows 150 days unless Congress extends it), or
            ``None``. The clock removes the layer on that day; to extend it,
            set the layer again, effective before the end, with a later
            ``ends``. Version 2.

    Raises:
        EventValidationError: imposer equals target; a suspended rate not
            below ``rate``; a suspension ending on or before ``effective``;
            an exemption outside the scope; an exempt party that is the
            imposer or the target; a layer yielding to its own measure; an
            in-quota rate not below ``rate``; a quota with a suspension.
    """

    TYPE: ClassVar[str] = "TariffChanged"
    VERSION: ClassVar[int] = 2
    LATER_FIELDS: ClassVar[tuple[str, ...]] = ("exempt", "exempt_parties", "yields_to", "quota", "ends")

    imposer: str = field(validator=v.party)
    target: str = field(validator=v.party)
    measure: str = field(validator=v.identifier)
    rate: Decimal = field(converter=v.to_decimal, validator=v.percent)
    scope: Scope = field(default=ALL_GOODS, validator=_instance(Scope))
    suspension: Suspension | None = field(
        default=None, validator=_optional_instance(Suspension)
    )
    accord_id: str | None = field(default=None, validator=v.optional_identifier)
    combination: Combination = field(default=Combination.ADD, validator=_instance(Combination))
    exempt: tuple[str, ...] = field(default=(), converter=_hs_prefixes, validator=v.hs_codes)
    exempt_parties: tuple[str, ...] = field(default=(), converter=v.to_tuple, validator=v.party_codes)
    yields_to: tuple[str, ...] = field(default=(), converter=v.to_tuple, validator=v.identifiers)
    quota: TariffQuota | None = field(default=None, validator=_optional_instance(TariffQuota))
    ends: date | None = field(default=None, validator=v.optional_day)

    def __attrs_post_init__(self) -> None:
        if self.imposer == self.target:
            raise EventValidationError("target", self.target, "a party other than the imposer")
        if self.imposer == EVERY_PARTNER:
            raise EventValidationError("imposer", self.imposer, "a party (WLD, every partner, is only a target)")
        if self.ends is not None and self.ends <= self.effective:
            raise EventValidationError("ends", self.ends, f"a date after effective {self.effective}")
        for code in self.exempt:
            if not self.scope.covers(code) or code in self.scope.hs:
                raise EventValidationError("exempt", code, f"an HS prefix strictly inside the scope ({self.scope})")
        if self.removes and self.stored_version() > 1:
            raise EventValidationError("rate", self.rate, "a rate above 0 on a layer with version-2 terms "
                                       "(a removal, rate 0, carries no terms)")
        for party in self.exempt_parties:
            if party in (self.imposer, self.target):
                raise EventValidationError("exempt_parties", party, "a party other than the imposer and the target")
        for name in self.yields_to:
            if measure_covers(name, self.measure):
                raise EventValidationError("yields_to", name, f"a measure other than the layer's own ({self.measure})")
        if self.quota is not None:
            if self.quota.in_quota_rate >= self.rate:
                raise EventValidationError(
                    "quota.in_quota_rate", self.quota.in_quota_rate, f"a rate below the layer's rate {self.rate}"
                )
            if self.suspension is not None:
                raise EventValidationError("suspension", self.suspension, "None on a layer with a quota")
        s = self.suspension
        if s is None:
            return
        if s.rate >= self.rate:
            raise EventValidationError(
                "suspension.rate", s.rate, f"a rate below the layer's rate {self.rate}"
            )
        if s.until <= self.effective:
            raise EventValidationError(
                "suspension.until", s.until, f"a date after effective {self.effective}"
            )

    @property
    def layer_key(self) -> LayerKey:
        """The layer this event sets: (imposer, target, measure, scope)."""
        return (self.imposer, self.target, self.measure, self.scope)

    @property
    def removes(self) -> bool:
        """``True`` when the event removes its layer (rate 0, no suspension)."""
        return self.rate == 0 and self.suspension is None

    def stored_version(self) -> int:
        """1 when the event uses no version-2 term (additive, no carve-out, precedence or quota), else 2."""
        plain = (self.combination is Combination.ADD and not self.exempt and not self.exempt_parties
                 and not self.yields_to and self.quota is None and self.ends is None)
        return 1 if plain else 2


def measure_covers(name: str, measure: str) -> bool:
    """Whether the measure name ``name`` covers ``measure``: itself or a sub-measure (``S232`` covers ``S232-autos``)."""
    return measure == name or measure.startswith(name + "-")


@frozen(kw_only=True)
class BaseRateSet(Event):
    """The importer's base rate (MFN, column 1 general) on HS codes, from ``effective`` on.

    The base is what every partner without a preference pays before any
    additional layer; the total duty on a product is the base plus the
    layers' contributions, and ``ALL_IN`` layers need it. A product's base
    is that of the longest prefix covering it. Example: the US column-1 rate
    on passenger cars (HS 8703) is 2.5 %.

    Attributes:
        imposer: The importing party (alpha-3).
        scope: HS prefixes (never all goods: rates differ by line).
        rate: Ad valorem percent (an ad valorem equivalent for specific duties).

    Raises:
        EventValidationError: an all-goods scope.
    """

    TYPE: ClassVar[str] = "BaseRateSet"
    VERSION: ClassVar[int] = 1

    imposer: str = field(validator=v.party)
    scope: Scope = field(validator=_instance(Scope))
    rate: Decimal = field(converter=v.to_decimal, validator=v.percent)

    def __attrs_post_init__(self) -> None:
        if self.scope.all_goods:
            raise EventValidationError("scope", "all", "HS code prefixes (a base rate differs by tariff line)")
        if self.imposer == EVERY_PARTNER:
            raise EventValidationError("imposer", self.imposer, "an importing party (WLD, every partner, is only a target)")


@frozen(kw_only=True)
class QuotaSet(Event):
    """A tariff-rate quota and its periods, from ``effective`` on (a later event replaces them).

    Example: the US quota on UK passenger cars under EO 14309: 65,205
    vehicles from 2025-06-30 to 2025-12-31, 100,000 a year from 2026.

    Attributes:
        quota_id: Names the quota; layers refer to it (``TariffQuota.quota_id``).
        imposer: Who administers it (alpha-3).
        target: Whose goods (alpha-3).
        scope: The HS codes it covers.
        unit: What the volume counts, e.g. ``"vehicles"``, ``"tonnes"``.
        periods: The periods, in order, not overlapping.

    Raises:
        EventValidationError: no period; periods out of order or overlapping;
            imposer equals target.
    """

    TYPE: ClassVar[str] = "QuotaSet"
    VERSION: ClassVar[int] = 1

    quota_id: str = field(validator=v.identifier)
    imposer: str = field(validator=v.party)
    target: str = field(validator=v.party)
    scope: Scope = field(validator=_instance(Scope))
    unit: str = field(validator=v.text)
    periods: tuple[QuotaPeriod, ...] = field(converter=v.to_tuple, validator=_instances(QuotaPeriod))

    def __attrs_post_init__(self) -> None:
        if self.imposer == self.target:
            raise EventValidationError("target", self.target, "a party other than the imposer")
        if self.imposer == EVERY_PARTNER:
            raise EventValidationError("imposer", self.imposer, "a party (WLD, every partner, is only a target)")
        if not self.periods:
            raise EventValidationError("periods", self.periods, "at least one QuotaPeriod")
        for before, after in zip(self.periods, self.periods[1:], strict=False):
            if after.start <= before.end:
                raise EventValidationError("periods", after.start, f"periods in order, not overlapping (after {before.end})")


@frozen(kw_only=True)
class InstrumentChanged(Event):
    """An instrument is announced, adopted, suspended or lifted: a threat, a deal, an order, a regulation.

    An instrument is not a tariff layer: a threatened rate never counts in a
    duty; only a ``TariffChanged`` sets a layer. The clock moves an
    instrument: a suspension ends on ``until`` (it is adopted again) unless
    renewed; an announced ``starts`` date that passes without adoption
    makes it lapse.

    Attributes:
        instrument_id: Names the instrument across events.
        issuer: Who issues it (alpha-3).
        target: Whose goods or which partner it aims at, or ``None``.
        kind: A threat, a letter, a political deal, an executive order, ...
        legal_status: Binding, non-binding, or of no legal effect.
        action: What this event does.
        title: Its name, e.g. ``"Implementing Regulation (EU) 2025/1564"``.
        starts: The announced or planned start, or ``None``.
        until: For ``SUSPENDED``: the first day it applies again (``None``: indefinitely).
        rate: A rate it threatens or would impose, percent, or ``None``; never counted.
        value: The trade it covers or commits, or ``None``.
        description: Free text.

    Raises:
        EventValidationError: ``until`` without ``SUSPENDED`` or not after
            ``effective``; ``starts`` before ``effective``.
    """

    TYPE: ClassVar[str] = "InstrumentChanged"
    VERSION: ClassVar[int] = 1

    instrument_id: str = field(validator=v.identifier)
    issuer: str = field(validator=v.party)
    kind: InstrumentKind = field(validator=_instance(InstrumentKind))
    legal_status: LegalStatus = field(validator=_instance(LegalStatus))
    action: InstrumentAction = field(validator=_instance(InstrumentAction))
    title: str = field(validator=v.text)
    target: str | None = field(default=None, validator=attrs.validators.optional(v.party))
    starts: date | None = field(default=None, validator=v.optional_day)
    until: date | None = field(default=None, validator=v.optional_day)
    rate: Decimal | None = field(default=None, converter=attrs.converters.optional(v.to_decimal),
                                 validator=attrs.validators.optional(v.percent))
    value: Amount | None = field(default=None, validator=_optional_instance(Amount))
    description: str = field(default="", validator=v.any_text)

    def __attrs_post_init__(self) -> None:
        if self.target is not None and self.target == self.issuer:
            raise EventValidationError("target", self.target, "None or a party other than the issuer")
        if self.until is not None and self.action is not InstrumentAction.SUSPENDED:
            raise EventValidationError("until", self.until, "None unless action is 'suspended'")
        if self.until is not None and self.until <= self.effective:
            raise EventValidationError("until", self.until, f"a date after effective {self.effective}")
        _not_before(self.starts, "starts", self.effective, "effective")


@frozen(kw_only=True)
class RulingIssued(Event):
    """A court ruling on measures: it changes their legal status from ``effective`` on, not the past.

    What was in force before the ruling stays in force in every replay of
    those days; the state records which layers were ruled unlawful and from
    when, and whether the duties paid under them are to be refunded.
    Ending the collection of a duty is a ``TariffChanged`` (rate 0) of its
    own date. Example: the Supreme Court held on 2026-02-20 that IEEPA does
    not authorise tariffs (*Learning Resources, Inc. v. Trump*, No. 24-1287);
    CBP stopped collecting from 2026-02-24; the Court of International Trade
    ordered refunds on 2026-03-04.

    Attributes:
        ruling_id: Names the ruling.
        court: E.g. ``"Supreme Court of the United States"``.
        case: The case name and number.
        holding: What the court held, in our words.
        imposer: Whose measures (alpha-3).
        measures: The measures it affects; a name covers its sub-measures
            (``"IEEPA"`` covers ``"IEEPA-fentanyl"``).
        unlawful: Whether it holds the measures unlawful.
        relief_for_all: Whether the relief reaches every importer
            (``False``: the named plaintiffs only, the measure still collected
            from everyone else).
        refunds: Whether it orders refunds of duties paid under the measures.
    """

    TYPE: ClassVar[str] = "RulingIssued"
    VERSION: ClassVar[int] = 1

    ruling_id: str = field(validator=v.identifier)
    court: str = field(validator=v.text)
    case: str = field(validator=v.text)
    holding: str = field(validator=v.text)
    imposer: str = field(validator=v.party)
    measures: tuple[str, ...] = field(converter=v.to_tuple, validator=v.identifiers)
    unlawful: bool = field(default=True, validator=v.boolean)
    relief_for_all: bool = field(default=True, validator=v.boolean)
    refunds: bool = field(default=False, validator=v.boolean)

    def __attrs_post_init__(self) -> None:
        if not self.measures:
            raise EventValidationError("measures", self.measures, "at least one measure name")


@frozen(kw_only=True)
class LogReviewed(Event):
    """The log's sources were reviewed on ``effective`` and reach through ``reviewed_through``.

    Past the log's horizon (the later of ``reviewed_through`` and the last
    day a fact was recorded) the state is a projection of the clock rules
    the log holds, and every output says so. The ``note`` says what was
    searched and what was not found.

    Attributes:
        reviewed_through: The date the sources reach (the last verified fact found).
        covers: The parties (or blocs) whose measures on each other the log
            is about, recorded as far as its sources go (the note says what
            is not modelled); a pair outside them is marked partial (the log
            may hold only the layers it shares with other logs). Empty: not said.

    Raises:
        EventValidationError: ``reviewed_through`` after the review (``effective``).
    """

    TYPE: ClassVar[str] = "LogReviewed"
    VERSION: ClassVar[int] = 1

    reviewed_through: date = field(validator=v.day)
    covers: tuple[str, ...] = field(default=(), converter=v.to_tuple, validator=v.party_codes)

    def __attrs_post_init__(self) -> None:
        if self.reviewed_through > self.effective:
            raise EventValidationError(
                "reviewed_through", self.reviewed_through, f"a date on or before the review {self.effective}"
            )


@frozen(kw_only=True)
class BlocMembersSet(Event):
    """A bloc's member states from ``effective`` on; a layer on the bloc applies to each member.

    Example: the European Union (``"EUU"``) and its 27 member states since
    2020-02-01.

    Raises:
        EventValidationError: the bloc among its own members.
    """

    TYPE: ClassVar[str] = "BlocMembersSet"
    VERSION: ClassVar[int] = 1

    bloc: str = field(validator=v.party)
    members: tuple[str, ...] = field(converter=v.to_tuple, validator=v.parties)

    def __attrs_post_init__(self) -> None:
        if self.bloc == EVERY_PARTNER:
            raise EventValidationError("bloc", self.bloc, "a bloc code other than WLD (every partner)")
        if self.bloc in self.members or EVERY_PARTNER in self.members:
            raise EventValidationError("members", self.members, "member states other than the bloc itself and WLD")


@frozen(kw_only=True)
class ExportControlChanged(Event):
    """An export control is imposed, suspended or lifted.

    Attributes:
        issuer: The controlling party (alpha-3).
        control_id: Identifies the control across events, e.g. the
            announcement number.
        action: ``IMPOSED``, ``SUSPENDED`` (until ``until``, or
            indefinitely) or ``LIFTED``.
        items: What is controlled, in words (elements, products).
        until: For ``SUSPENDED``: the first day the control applies again.
        description: Free text.
    """

    TYPE: ClassVar[str] = "ExportControlChanged"
    VERSION: ClassVar[int] = 1

    issuer: str = field(validator=v.party)
    control_id: str = field(validator=v.identifier)
    action: ControlAction = field(validator=_instance(ControlAction))
    items: tuple[str, ...] = field(default=(), converter=v.to_tuple, validator=v.texts)
    until: date | None = field(default=None, validator=v.optional_day)
    description: str = field(default="", validator=v.any_text)

    def __attrs_post_init__(self) -> None:
        if self.until is not None and self.action is not ControlAction.SUSPENDED:
            raise EventValidationError("until", self.until, "None unless action is 'suspended'")
        if self.until is not None and self.until <= self.effective:
            raise EventValidationError("until", self.until, f"a date after effective {self.effective}")


@frozen(kw_only=True)
class ExportLicencesApproved(Event):
    """Export licences approved by an issuer for one or more items.

    ``items`` names what the licences cover, in the words of the source
    (e.g. ``("rare earth magnets",)``), like ``ExportControlChanged.items``.
    ``count`` is the number approved, or ``None`` when not disclosed.

    Version history: version 1 was named ``ExportLicencesApproved`` and had one
    ``commodity`` text instead of ``items``; such records are read through
    an alias and an upcaster (``events/_upcasting.py``).
    """

    TYPE: ClassVar[str] = "ExportLicencesApproved"
    VERSION: ClassVar[int] = 2

    issuer: str = field(validator=v.party)
    items: tuple[str, ...] = field(converter=v.to_tuple, validator=v.some_texts)
    count: int | None = field(default=None, validator=v.optional_count)


@frozen(kw_only=True)
class TradeDataReleased(Event):
    """Official trade figures released for a period.

    ``exports_yoy`` and ``imports_yoy`` are changes year on year in percent
    (``Decimal("4.8")`` means +4.8 %, ``Decimal("-3.4")`` means −3.4 %).
    ``period`` is ``"YYYY"``, ``"YYYY-MM"`` or ``"YYYY-Qn"`` and must have
    begun by the release (``effective``).
    """

    TYPE: ClassVar[str] = "TradeDataReleased"
    VERSION: ClassVar[int] = 1

    reporter: str = field(validator=v.party)
    period: str = field(validator=_period)
    exports_yoy: Decimal = field(converter=v.to_decimal, validator=v.change_percent)
    imports_yoy: Decimal = field(converter=v.to_decimal, validator=v.change_percent)

    def __attrs_post_init__(self) -> None:
        if self.period_start > self.effective:
            raise EventValidationError(
                "period", self.period, f"a period that began by the release date {self.effective}"
            )

    @property
    def period_start(self) -> date:
        """The first day of ``period``."""
        return _period_start(self.period)

    @property
    def period_end(self) -> date:
        """The last day of ``period`` (``2025-Q1`` ends on 2025-03-31)."""
        return _period_end(self.period)

@frozen(kw_only=True)
class StatementIssued(Event):
    """A public statement by an official, in our own words."""

    TYPE: ClassVar[str] = "StatementIssued"
    VERSION: ClassVar[int] = 1

    party: str = field(validator=v.party)
    speaker: str = field(validator=v.text)
    summary: str = field(validator=v.text)


Fact: TypeAlias = (
    TalksScheduled
    | BaseRateSet
    | BlocMembersSet
    | InstrumentChanged
    | LogReviewed
    | QuotaSet
    | RulingIssued
    | DelegationNamed
    | TalksHeld
    | LeadersSpoke
    | AccordReached
    | AccordExtended
    | TariffChanged
    | ExportControlChanged
    | ExportLicencesApproved
    | TradeDataReleased
    | StatementIssued
)
"""Any event that states a fact about the negotiation (not a correction or retraction)."""

FACT_TYPES: tuple[type[Event], ...] = (
    AccordExtended,
    AccordReached,
    BaseRateSet,
    BlocMembersSet,
    DelegationNamed,
    ExportControlChanged,
    InstrumentChanged,
    LeadersSpoke,
    ExportLicencesApproved,
    LogReviewed,
    QuotaSet,
    RulingIssued,
    StatementIssued,
    TalksHeld,
    TalksScheduled,
    TariffChanged,
    TradeDataReleased,
)
"""Every fact type, in the order of their type tags."""
