"""How tariff layers combine: the one home of the rules.

For one product of one partner on one day, the total ad valorem duty is the
base (the importer's MFN, column-1 rate) plus each layer's contribution.
:func:`breakdown` decides, for every layer that could reach the product,
what it contributes and why, in this order (each step is written once,
here; totals, ``explain``, the text and JSON output, ``changes``, the rows,
the frames and the plots all ask this module):

1. **Reach.** A layer of the imposer on the partner itself, on a bloc the
   partner belongs to on the day (``EUU``), or on every partner (``WLD``),
   whose scope covers the product. With no product, the all-goods layers.
2. **Exempt partner.** A layer whose ``exempt_parties`` names the partner
   or its bloc counts 0 ("Section 232 steel at 50 %, the UK excepted").
3. **Named partner first.** A layer on a named partner replaces the same
   measure's layer on its bloc or on every partner, and a bloc's layer
   replaces the every-partner one, wherever its scope covers the product
   (EO 14257's Annex I rates take the place of the 10 % baseline).
4. **Exempt products.** A layer counts 0 on a product under one of its
   ``exempt`` prefixes (EU civil aircraft from 2025-09-01).
5. **Yields to.** A layer counts 0 on a product that an applying layer of a
   measure in its ``yields_to`` covers (reciprocal duties never apply to
   Section 232 goods). Two layers that yield to each other on one product
   are an inconsistent log.
6. **Quota.** A layer with a tariff-rate quota applies its in-quota rate
   (``quota="in"``) or its full rate (``quota="out"``); the query must say
   which.
7. **Combination** (:data:`RULES`): ``ADD`` contributes its applied rate;
   ``ALL_IN`` contributes ``max(0, X - base)``, so that base plus the layer
   is "the higher of the base or X" (EO 14326, EO 14345).

Source of the rules: ``../shared/facts/more-2025.md`` sections 1 to 4 (CBP
CSMS #65829726 on the all-in rate; HTS 9903.01.33 on Section 232 goods).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from attrs import frozen

from events import (
    EVERY_PARTNER,
    Combination,
    canonical_decimal,
    measure_covers,
)

from ._args import as_party, as_product
from ._errors import InconsistentEventError, QueryError

if TYPE_CHECKING:
    from ._state import NegotiationState, TariffLayer

__all__ = [
    "RULES",
    "Contribution",
    "Reach",
    "Rule",
    "TariffBreakdown",
    "all_goods_breakdowns",
    "all_goods_series",
    "breakdown",
    "breakdown_series",
    "layer_terms",
]

QuotaChoice = Literal["in", "out"] | None


@frozen(kw_only=True)
class Rule:
    """One way a layer combines: what it contributes given its rate and the base.

    Attributes:
        combination: The member of :class:`events.Combination` it implements.
        needs_base: Whether it needs the base rate.
        contribute: ``(rate, base) -> contribution``, percent; ``base`` is
            ``None`` only when ``needs_base`` is false.
        words: How the layer reads, given its rate, e.g. ``"all-in 15"``.
    """

    combination: Combination
    needs_base: bool
    contribute: Callable[[Decimal, Decimal | None], Decimal]
    words: Callable[[Decimal], str]


def _all_in(rate: Decimal, base: Decimal | None) -> Decimal:
    assert base is not None
    return max(Decimal(0), rate - base)


RULES: Mapping[Combination, Rule] = {
    Combination.ADD: Rule(
        combination=Combination.ADD, needs_base=False,
        contribute=lambda rate, _base: rate, words=lambda rate: f"adds {rate}",
    ),
    Combination.ALL_IN: Rule(
        combination=Combination.ALL_IN, needs_base=True, contribute=_all_in,
        words=lambda rate: f"all-in {rate} (the higher of the base or {rate})",
    ),
}
"""The rule of each :class:`events.Combination` member (a test checks that none is missing)."""


class Reach(enum.Enum):
    """What a layer does to the product asked about, and so why it contributes what it does."""

    COUNTED = "counted"
    EXEMPT_PARTNER = "exempt partner"
    REPLACED = "replaced"
    EXEMPT_PRODUCT = "exempt product"
    YIELDS = "yields"
    NEEDS_QUOTA = "needs quota"
    NEEDS_BASE = "needs base"


@frozen(kw_only=True)
class Contribution:
    """What one layer adds to the duty on the product, and why.

    Attributes:
        layer: The layer.
        reach: Counted, or why it counts zero or cannot be counted yet.
        rate: The layer's rate that applies here, percent (suspension and
            quota taken into account), or ``None`` if no quota was chosen.
        amount: Its contribution, percent: 0 for a layer that does not
            apply, ``None`` when the rule needs a base or a quota choice
            the query lacks.
        reason: In words, e.g. ``"yields to S232-autos (us-s232-autos-25-wld)"``.
    """

    layer: TariffLayer
    reach: Reach
    rate: Decimal | None
    amount: Decimal | None
    reason: str


@frozen(kw_only=True)
class TariffBreakdown:
    """The tariff of one imposer on one partner's product on one day, layer by layer.

    Attributes:
        imposer: Who levies (alpha-3).
        target: Whose goods (alpha-3 or a bloc code).
        product: The HS code asked about, or ``None`` for a good that no
            HS-scoped layer or carve-out names ("all goods").
        as_of: The state's date.
        base: The base (MFN) rate in percent, or ``None`` if unknown.
        base_event_id: The ``BaseRateSet`` event it comes from, or ``None``
            (given by the caller, or unknown).
        quota: The quota choice: ``"in"``, ``"out"`` or ``None``.
        contributions: One per layer that reaches the product, sorted by
            (measure, target, scope).
        projected: Whether ``as_of`` is after the log's horizon: the figures
            rest on the clock rules the log holds, not on a known fact.
        partial: Whether the log says it does not record this pair's
            measures in full (``LogReviewed.covers``): the figures count only
            the layers the log holds.
    """

    imposer: str
    target: str
    product: str | None
    as_of: date
    base: Decimal | None
    base_event_id: str | None
    quota: QuotaChoice
    contributions: tuple[Contribution, ...]
    projected: bool = False
    partial: bool = False

    @property
    def subject(self) -> str:
        """E.g. ``"USA on goods of GBR, HS 870323"``."""
        return f"{self.imposer} on goods of {self.target}, {'HS ' + self.product if self.product else 'all goods'}"

    @property
    def missing(self) -> tuple[str, ...]:
        """What the additional duty still needs, in words (empty when it is determined)."""
        return tuple(dict.fromkeys(_needs(c) for c in self.contributions if c.amount is None))

    @property
    def additional(self) -> Decimal:
        """The additional duties over the base, percent: the sum of the contributions.

        Raises:
            QueryError: a counted layer needs a base or a quota choice the
                query did not give; the message names the layer and the product.
        """
        if self.missing:
            raise self._undetermined(self.missing[0])
        return canonical_decimal(sum((c.amount for c in self.contributions if c.amount is not None), Decimal(0)))

    @property
    def duty(self) -> Decimal:
        """The total ad valorem duty, percent: the base plus :attr:`additional`.

        Raises:
            QueryError: the base is unknown, or :attr:`additional` cannot be determined.
        """
        additional = self.additional
        if self.base is None:
            raise self._undetermined("the base (MFN) rate: the log records none for this product")
        return canonical_decimal(self.base + additional)

    def _undetermined(self, what: str) -> QueryError:
        argument = "quota" if what.startswith("a quota") else "base"
        value = self.quota if argument == "quota" else self.base
        layers = ", ".join(c.layer.event_id for c in self.contributions if c.amount is None) or "none"
        hint = ("pass quota='in' or quota='out'" if argument == "quota" and value is None
                else "ask with quota='out', or record the quota's period" if argument == "quota"
                else "pass base= (percent)")
        return QueryError(argument, value, f"{what} for {self.subject} on {self.as_of} (layers: {layers}); {hint}")

    def summary(self) -> str:
        """The additional duty in words: ``"30"``, or what it depends on (never a guess)."""
        if self.missing:
            return "depends on " + "; ".join(self.missing)
        return str(self.additional)


def _needs(contribution: Contribution) -> str:
    """What an undetermined contribution needs, naming the layer by its measure and target."""
    layer = contribution.layer
    if contribution.reach is Reach.NEEDS_QUOTA:
        assert layer.quota is not None
        if contribution.rate is not None:
            return (f"a quota period: no period of quota {layer.quota.quota_id} ({layer.measure} on {layer.target}) "
                    "is recorded for this day, so no in-quota rate is known")
        return (f"a quota choice: {layer.measure} on {layer.target} is {layer.quota.in_quota_rate} in quota "
                f"{layer.quota.quota_id}, {layer.applied_rate} out")
    return f"the base (MFN) rate: {layer.measure} on {layer.target} is all-in {contribution.rate}"


def layer_terms(layer: TariffLayer) -> str:
    """The layer's own terms in words: its rule, quota, carve-outs, exempt partners and precedence."""
    if layer.quota is not None:
        rule = RULES[layer.combination]
        terms = [f"{rule.words(layer.quota.in_quota_rate)} in quota {layer.quota.quota_id}, "
                 f"{rule.words(layer.applied_rate)} out of quota"]
    else:
        terms = [RULES[layer.combination].words(layer.applied_rate)]
    if layer.exempt:
        terms.append("except HS " + ", ".join(layer.exempt))
    if layer.exempt_parties:
        terms.append("not on goods of " + ", ".join(layer.exempt_parties))
    if layer.yields_to:
        terms.append("yields to " + ", ".join(layer.yields_to))
    if layer.ends is not None:
        terms.append(f"ends {layer.ends} (statutory limit)")
    return "; ".join(terms)


def _specificity(target: str, partner: str) -> int:
    """2 for a layer on the partner itself, 1 on one of its blocs, 0 on every partner."""
    return 2 if target == partner else 0 if target == EVERY_PARTNER else 1


def _layer_order(layer: TariffLayer) -> tuple[str, str, tuple[str, ...]]:
    return layer.measure, layer.target, layer.scope.hs


def _blocs_of(state: NegotiationState, target: str) -> set[str]:
    """The blocs ``target`` belongs to on the state's date."""
    return {bloc.bloc for bloc in state.blocs.values() if target in bloc.members}


def _reaching(state: NegotiationState, imposer: str, target: str, product: str | None,
              blocs: set[str]) -> list[TariffLayer]:
    targets = {target, EVERY_PARTNER, *blocs}
    layers = state.layers  # picked by key (imposer, target, measure, scope): only the records that reach are built
    found = [
        layers[key] for key in layers
        if key[0] == imposer and key[1] in targets
        and (key[3].covers(product) if product is not None else key[3].all_goods)
    ]
    return sorted(found, key=_layer_order)


def _base(state: NegotiationState, imposer: str, product: str | None) -> tuple[Decimal | None, str | None]:
    """The base rate the log records for ``product``: the longest HS prefix's."""
    if product is None:
        return None, None
    for length in range(len(product), 1, -2):
        found = state.base_rates.get((imposer, product[:length]))
        if found is not None:
            return found.rate, found.event_id
    return None, None


def _checked_base(base: Any) -> Decimal:
    """A base rate as given: a Decimal from 0 to 1,000,000 percent with at most 6 places, in canonical form."""
    if (not isinstance(base, Decimal) or not base.is_finite() or not 0 <= base <= 1_000_000
            or base.as_tuple().exponent < -6):  # type: ignore[operator]
        raise QueryError("base", base, "None or a Decimal (percent) from 0 to 1000000 with at most 6 places, "
                                       "e.g. Decimal('2.5')")
    return canonical_decimal(base)


def breakdown(
    state: NegotiationState,
    imposer: str,
    target: str,
    product: str | None = None,
    *,
    base: Decimal | None = None,
    quota: QuotaChoice = None,
) -> TariffBreakdown:
    """Every layer that reaches ``product`` of ``target`` on the state's date, and what each contributes.

    Never raises for a missing base or quota choice: such a contribution is
    ``None`` and :attr:`TariffBreakdown.missing` says what it needs (its
    :attr:`~TariffBreakdown.additional` and :attr:`~TariffBreakdown.duty`
    raise). The steps are those of this module's docstring.

    Args:
        state: The state.
        imposer: Who levies (alpha-3, any case: ``"usa"`` is ``"USA"``).
        target: Whose goods (alpha-3, or a bloc code; any case).
        product: An HS code of 2 to 10 digits, dotted as in tariff
            schedules or not (``"1201.90"`` is ``"120190"``), or ``None``
            for all goods. The breakdown holds the canonical codes.
        base: The base (MFN) rate in percent; ``None``: the one the log
            records for the product (by its longest HS prefix), if any.
        quota: ``"in"`` or ``"out"`` of a tariff-rate quota, or ``None``.

    Raises:
        QueryError: malformed codes, a base that is not a non-negative
            ``Decimal``, a quota choice other than ``"in"``, ``"out"`` or ``None``.
        InconsistentEventError: layers that reach the product yield to each
            other in a cycle; one measure reaches the partner through two
            blocs; a layer's quota is of another pair.
    """
    imposer, target, product, base = _checked_query(imposer, target, product, base, quota)
    base_event_id = None
    if base is None:
        base, base_event_id = _base(state, imposer, product)
    blocs = _blocs_of(state, target)
    layers = _reaching(state, imposer, target, product, blocs)
    return _combined(state, imposer, target, product, layers, blocs, base, base_event_id, quota)


def _checked_query(imposer: Any, target: Any, product: Any, base: Any,
                   quota: Any) -> tuple[str, str, str | None, Decimal | None]:
    """Check a breakdown's arguments: the codes in canonical form (``"usa"`` is ``"USA"``, ``"1201.90"`` is
    ``"120190"``) and the base in canonical form (or ``None``)."""
    imposer, target, product = as_party("imposer", imposer), as_party("target", target), as_product(product)
    if target == imposer:
        raise QueryError("target", target, f"a party other than the imposer {imposer}")
    checked = None if base is None else _checked_base(base)
    if quota not in ("in", "out", None):
        raise QueryError("quota", quota, "'in', 'out' or None")
    return imposer, target, product, checked


def breakdown_series(
    states: Iterable[NegotiationState],
    imposer: str,
    target: str,
    product: str | None = None,
    *,
    base: Decimal | None = None,
    quota: QuotaChoice = None,
) -> Iterator[TariffBreakdown]:
    """Each state's ``breakdown(state, imposer, target, product, base=base, quota=quota)``, in order.

    Equal to calling :func:`breakdown` on each state, but the arguments are
    checked once and the layers that reach the product are looked up again
    only when a state's layers or blocs are not the previous state's (the
    states of a timeline share them until they change), so a long series
    costs each day only the layers that reach the product.

    Raises:
        As :func:`breakdown`.
    """
    imposer, target, product, base = _checked_query(imposer, target, product, base, quota)
    seen: tuple[Any, Any] | None = None
    blocs: set[str] = set()
    layers: list[TariffLayer] = []
    for state in states:
        if seen is None or state.layers is not seen[0] or state.blocs is not seen[1]:
            seen = (state.layers, state.blocs)
            blocs = _blocs_of(state, target)
            layers = _reaching(state, imposer, target, product, blocs)
        found_base, base_event_id = (base, None) if base is not None else _base(state, imposer, product)
        yield _combined(state, imposer, target, product, layers, blocs, found_base, base_event_id, quota)


def all_goods_breakdowns(
    state: NegotiationState, pairs: Iterable[tuple[str, str]] | None = None,
) -> dict[tuple[str, str], TariffBreakdown]:
    """Each pair's all-goods breakdown on the state's date, from one pass over the layers.

    Pair for pair equal to ``breakdown(state, imposer, target)`` (no
    product, no base given, no quota choice), but the layers and blocs are
    read once and grouped by pair, so each pair costs only the layers that
    reach it: O(layers + blocs + pairs x reaching layers), where asking
    :func:`breakdown` for every pair costs O(pairs x layers).

    Args:
        state: The state.
        pairs: The (imposer, target) pairs to answer, alpha-3 or bloc codes;
            ``None``: every pair of the state's layers (any scope).

    Returns:
        Pair to breakdown, in the order of ``pairs`` (sorted when ``None``).

    Raises:
        QueryError: a malformed code, or a pair whose target is its imposer.
        InconsistentEventError: as :func:`breakdown`, for the first pair
            (in order) whose layers have no combination rule.
    """
    return next(all_goods_series([state], pairs))


def all_goods_series(
    states: Iterable[NegotiationState], pairs: Iterable[tuple[str, str]] | None = None,
) -> Iterator[dict[tuple[str, str], TariffBreakdown]]:
    """:func:`all_goods_breakdowns` of each state, in order, working out again only the pairs whose layers changed.

    A pair none of whose reaching layers changed since the state before
    (the states of a timeline share the records that did not change), with
    the same blocs and quotas, keeps the breakdown *object* made for the
    state before: its figures are the same, but its ``as_of`` and
    ``projected`` are those of the day its layers last changed. So a long
    series costs, after one pass over each state's layers, only the pairs
    whose layers changed.

    Args:
        states: The states, e.g. of :func:`negotiation.timeline`.
        pairs: As :func:`all_goods_breakdowns` (``None``: each state's own pairs).

    Raises:
        As :func:`all_goods_breakdowns`.
    """
    fixed = None if pairs is None else [_checked_query(imposer, target, None, None, None)[:2]
                                        for imposer, target in _pair_shapes(pairs)]
    held: dict[tuple[str, str], TariffBreakdown] = {}
    before: dict[tuple[str, str], list[TariffLayer]] = {}
    context: tuple[Any, Any] | None = None
    for state in states:
        if context is None or state.blocs is not context[0] or state.quotas is not context[1]:
            context = (state.blocs, state.quotas)
            held.clear()
            before = {}
        grouped: dict[tuple[str, str], list[TariffLayer]] = {}
        every: set[tuple[str, str]] = set()
        table = state.layers  # by key (imposer, target, measure, scope): only all-goods records are built
        for key in table:
            pair = (key[0], key[1])
            every.add(pair)
            if key[3].all_goods:
                grouped.setdefault(pair, []).append(table[key])
        changed = {key for key in grouped.keys() | before.keys() if not _same(grouped.get(key), before.get(key))}
        before = grouped
        memberships: dict[str, set[str]] = {}
        for bloc in state.blocs.values():
            for member in bloc.members:
                memberships.setdefault(member, set()).add(bloc.bloc)
        if fixed is None:
            asked = sorted(every)
            for imposer, target in asked:
                _checked_query(imposer, target, None, None, None)
        else:
            asked = fixed
        found: dict[tuple[str, str], TariffBreakdown] = {}
        for imposer, target in asked:
            blocs = memberships.get(target, set())
            reached = {target, EVERY_PARTNER, *blocs}
            kept = held.get((imposer, target))
            if kept is not None and not any((imposer, code) in changed for code in reached):
                found[(imposer, target)] = kept
                continue
            layers = sorted((layer for code in reached for layer in grouped.get((imposer, code), ())), key=_layer_order)
            found[(imposer, target)] = _combined(state, imposer, target, None, layers, set(blocs), None, None, None)
        held = dict(found)  # a pair not asked today is worked out again when next asked
        yield found


def _pair_shapes(pairs: Any) -> list[tuple[Any, Any]]:
    """``pairs`` as a list of (imposer, target); a :class:`QueryError` for another shape (a single pair
    ``("USA", "CHN")`` given where a list of pairs is asked, a triple, a string)."""
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Iterable):
        raise QueryError("pairs", pairs, "an iterable of (imposer, target) pairs, as in [('USA', 'CHN')]")
    listed = list(pairs)
    for pair in listed:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise QueryError("pairs", pair, "each item an (imposer, target) pair, as in [('USA', 'CHN')]")
    return [(imposer, target) for imposer, target in listed]


def _same(first: list[TariffLayer] | None, second: list[TariffLayer] | None) -> bool:
    """Whether two lists hold the same layer objects, in order (``None``: no list)."""
    if first is None or second is None:
        return first is second
    return len(first) == len(second) and all(a is b for a, b in zip(first, second, strict=True))


def _combined(
    state: NegotiationState, imposer: str, target: str, product: str | None, layers: Sequence[TariffLayer],
    blocs: set[str], base: Decimal | None, base_event_id: str | None, quota: QuotaChoice,
) -> TariffBreakdown:
    """Steps 2 to 7 of this module's rules for the layers that reach the product (step 1), sorted by (measure, target, scope)."""
    partners = {target, *blocs}
    reach: dict[int, tuple[Reach, str]] = {}
    for index, layer in enumerate(layers):
        exempted = partners & set(layer.exempt_parties) if layer.target != target else set()
        if exempted:
            reach[index] = (Reach.EXEMPT_PARTNER, f"not on goods of {', '.join(sorted(exempted))}")
    _one_bloc_per_measure(layers, reach, target, product)
    for index, layer in enumerate(layers):
        if index in reach:
            continue
        rank = _specificity(layer.target, target)
        named = [other for i, other in enumerate(layers) if i not in reach and other.measure == layer.measure
                 and _specificity(other.target, target) > rank]
        if named:
            reach[index] = (Reach.REPLACED, f"replaced by the {layer.measure} layer on {named[-1].target} ({named[-1].event_id})")
    for index, layer in enumerate(layers):
        if index not in reach and product is not None:
            carved = [prefix for prefix in layer.exempt if product.startswith(prefix)]
            if carved:
                reach[index] = (Reach.EXEMPT_PRODUCT, f"exempt: HS {carved[0]} carved out")
    applying = [i for i in range(len(layers)) if i not in reach]
    yields = {i: [j for j in applying if j != i and any(measure_covers(name, layers[j].measure)
                                                          for name in layers[i].yields_to)] for i in applying}
    cycle = _cycle(yields)
    if cycle:
        where = f"HS {product}" if product else "all goods"
        names = " -> ".join(f"{layers[i].measure} ({layers[i].event_id})" for i in cycle)
        raise InconsistentEventError(
            layers[cycle[0]].event_id, "yields_to", layers[cycle[0]].yields_to,
            f"no cycle of layers yielding to each other on {where} (found {names})",
        )
    for index in applying:
        if yields[index]:
            winner = layers[yields[index][0]]
            reach[index] = (Reach.YIELDS, f"yields to {winner.measure} ({winner.event_id})")
    contributions = tuple(
        _contribution(state, layer, reach.get(index), base, quota, product) for index, layer in enumerate(layers)
    )
    return TariffBreakdown(
        imposer=imposer, target=target, product=product, as_of=state.as_of, base=base,
        base_event_id=base_event_id, quota=quota, contributions=contributions, projected=state.projected,
        partial=state.horizon.partial(imposer, target, tuple(sorted(blocs))),
    )


def _cycle(edges: Mapping[int, list[int]]) -> list[int]:
    """A cycle in the graph of who yields to whom, as a path whose first node is repeated at its end, or ``[]``."""
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    path: list[int] = []

    def visit(node: int) -> list[int]:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return []


def _one_bloc_per_measure(layers: Sequence[TariffLayer], reach: Mapping[int, Any], target: str, product: str | None) -> None:
    """Layers of one measure reaching the partner through two different blocs have no rule to combine them."""
    seen: dict[str, TariffLayer] = {}
    for index, layer in enumerate(layers):
        if index in reach or layer.target in (target, EVERY_PARTNER):
            continue
        other = seen.setdefault(layer.measure, layer)
        if other.target != layer.target:
            where = f"HS {product}" if product else "all goods"
            raise InconsistentEventError(
                layer.event_id, "target", layer.target,
                f"one bloc's layer of {layer.measure} reaching {target} on {where}; "
                f"{other.event_id} reaches it through {other.target} too",
            )


def _contribution(
    state: NegotiationState, layer: TariffLayer, zero: tuple[Reach, str] | None, base: Decimal | None,
    quota: QuotaChoice, product: str | None,
) -> Contribution:
    rate: Decimal | None = layer.applied_rate
    if zero is not None:
        return Contribution(layer=layer, reach=zero[0], rate=rate, amount=Decimal(0), reason=zero[1] + ": counts 0")
    where = f"HS {product}" if product else "all goods"
    record = state.quotas.get(layer.quota.quota_id) if layer.quota is not None else None
    if record is not None and (record.imposer, record.target) != (layer.imposer, layer.target):
        raise InconsistentEventError(layer.event_id, "quota.quota_id", record.quota_id,
                                     f"a quota of {layer.imposer} on {layer.target} (it is of {record.imposer} "
                                     f"on {record.target})")
    outside = (layer.quota is not None and record is not None
               and not (record.scope.covers(product) if product is not None else record.scope.all_goods))
    if outside:
        assert layer.quota is not None and record is not None
        rate = layer.applied_rate
        rule = RULES[layer.combination]
        if rule.needs_base and base is None:
            return Contribution(layer=layer, reach=Reach.NEEDS_BASE, rate=rate, amount=None,
                                reason=f"{rule.words(rate)}: needs the base (MFN) rate")
        return Contribution(layer=layer, reach=Reach.COUNTED, rate=rate,
                            amount=canonical_decimal(rule.contribute(rate, base)),
                            reason=f"{rule.words(rate)}: outside the scope of quota {layer.quota.quota_id} ({record.scope})")
    if layer.quota is not None:
        if quota is None:
            return Contribution(
                layer=layer, reach=Reach.NEEDS_QUOTA, rate=None, amount=None,
                reason=(f"{layer.quota.in_quota_rate} in quota {layer.quota.quota_id}, {layer.applied_rate} out: "
                        "needs a quota choice"),
            )
        if quota == "in" and (record is None or record.period_on(state.as_of) is None):
            return Contribution(
                layer=layer, reach=Reach.NEEDS_QUOTA, rate=layer.quota.in_quota_rate, amount=None,
                reason=f"no period of quota {layer.quota.quota_id} covers {state.as_of}: no in-quota volume is recorded",
            )
        rate = layer.quota.in_quota_rate if quota == "in" else layer.applied_rate
    assert rate is not None
    rule = RULES[layer.combination]
    quota_words = ""
    if layer.quota is not None:
        quota_words = f" ({'in' if quota == 'in' else 'out of'} quota {layer.quota.quota_id})"
    if rule.needs_base and base is None:
        return Contribution(
            layer=layer, reach=Reach.NEEDS_BASE, rate=rate, amount=None,
            reason=f"{rule.words(rate)}{quota_words}: needs the base (MFN) rate, none recorded for {where}",
        )
    amount = canonical_decimal(rule.contribute(rate, base))
    if rule.needs_base:
        reason = f"{rule.words(rate)}{quota_words}: base {base}, adds {amount}"
    else:
        reason = f"{rule.words(rate)}{quota_words}"
    return Contribution(layer=layer, reach=Reach.COUNTED, rate=rate, amount=amount, reason=reason)
