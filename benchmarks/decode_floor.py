"""The decode floor: ``orjson.loads`` plus a plain cattrs structure into validator-free attrs classes.

A user who trusted every line of a log could decode it this way instead of
``events.read_jsonl``. The classes are generated from ours
(``attrs.make_class`` from ``attrs.fields`` of every event type and of the
value types they hold), with the same fields, defaults and frozen, slotted,
keyword-only shape, but no validators or converters. The converter is
cattrs' preconfigured orjson converter (dates and timestamps by
``fromisoformat``, enums by value) with three hooks this data's JSON form
needs and cattrs has no default for: ``Decimal`` from its string, a scope
from ``"all"`` or a list of HS prefixes, and the event type by the line's
``"type"`` tag. Nothing is checked: no duplicate keys, bounds, identifiers,
unknown fields, versions or hash chain, and errors carry no line number.

Imported only when the ``bench`` extra (orjson) is installed.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import orjson
from cattrs.preconf.orjson import make_converter
from cattrs.strategies import configure_tagged_union

import events
from events import AnyEvent

__all__ = ["PLAIN_TYPES", "as_plain_data", "decode", "same_content"]


def _plain_classes() -> tuple[dict[type, type], list[Any]]:
    """A validator-free copy of every event type and every attrs class their fields hold, by our class.

    Returns:
        The copies by our class, and the unions of two or more copied
        classes that their fields hold (a correction's ``replacement``).
    """
    made: dict[type, type] = {}
    unions: list[Any] = []

    def copy(cls: type) -> type:
        if cls in made:
            return made[cls]
        attrs.resolve_types(cls)
        fields = {
            field.name: attrs.field(default=field.default, kw_only=True, type=rewrite(field.type))
            for field in attrs.fields(cls)
        }
        made[cls] = attrs.make_class(f"Plain{cls.__name__}", fields, frozen=True, slots=True)
        return made[cls]

    def rewrite(kind: Any) -> Any:
        if attrs.has(kind):
            return copy(kind)
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if not args:
            return kind
        rewritten = tuple(rewrite(arg) for arg in args)
        if origin is types.UnionType or origin is typing.Union:
            union = typing.Union[rewritten]  # noqa: UP007 - a union built from a tuple of types
            if sum(attrs.has(arg) for arg in rewritten) > 1 and union not in unions:
                unions.append(union)
            return union
        return origin[rewritten]

    for kind in events.EVENT_TYPES:
        copy(kind)
    return made, unions


PLAIN_TYPES, _NESTED_UNIONS = _plain_classes()
"""Our attrs class → its validator-free copy (``PlainTariffChanged`` for ``TariffChanged``, ...)."""

_ANY_PLAIN = typing.Union[tuple(PLAIN_TYPES[kind] for kind in events.EVENT_TYPES)]  # noqa: UP007
_PLAIN_SCOPE = PLAIN_TYPES[events.Scope]


def _converter() -> Any:
    converter = make_converter()
    converter.register_structure_hook(Decimal, lambda value, _: Decimal(value))
    converter.register_structure_hook(_PLAIN_SCOPE, lambda value, _: _PLAIN_SCOPE(hs=() if value == "all" else tuple(value)))
    for union in (*_NESTED_UNIONS, _ANY_PLAIN):
        configure_tagged_union(union, converter, tag_generator=lambda cls: cls.__name__.removeprefix("Plain"),
                               tag_name="type")
    return converter


_CONVERTER = _converter()


def decode(path: Path) -> list[Any]:
    """Every line of the JSON Lines file at ``path`` as a plain event: ``orjson.loads`` then cattrs' structure."""
    structure = _CONVERTER.structure
    loads = orjson.loads
    with open(path, "rb") as file:
        return [structure(loads(line), _ANY_PLAIN) for line in file]


def as_plain_data(item: Any) -> Any:
    """A plain or library event as nested builtins (``attrs.asdict``), with its class name, for comparing the two."""
    return (type(item).__name__.removeprefix("Plain"), attrs.asdict(item))


def same_content(plain: Sequence[Any], ours: Sequence[AnyEvent], *, every: int = 1) -> bool:
    """Whether ``plain`` holds the same events as ``ours``, field by field (checking every ``every``-th pair)."""
    if len(plain) != len(ours):
        return False
    return all(as_plain_data(plain[i]) == as_plain_data(ours[i]) for i in range(0, len(ours), every))
