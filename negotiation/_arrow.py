"""Arrow for the plain rows: one fixed schema per row type, read alike by DuckDB, Polars and pyarrow.

The row functions (:func:`negotiation.tariff_series` and the others) return
:class:`Rows`: an immutable sequence of their dict rows that also exports
itself through the Arrow PyCapsule stream interface (``__arrow_c_stream__``)
and :meth:`Rows.to_arrow`. The schema of a row type has one home, the
:class:`typing.TypedDict` of the row: each field's annotation gives its Arrow
type, the same whatever the data, an empty result included:

==========================  ===================================================
annotation                  Arrow type
==========================  ===================================================
``date``                    ``date32``
``datetime`` (aware, UTC)   ``timestamp[us, tz=UTC]``
``Decimal`` (percent)       ``decimal128(18, 6)``: refused, never rounded, if it
                            has more than 6 decimal places or 12 integer digits
``int`` / ``bool``          ``int64`` / ``bool``
``str``                     ``string``
:data:`Category` (``str``)  ``dictionary<int32, string>``: party codes,
                            measures, statuses, accord ids
``tuple[X, ...]``           ``list<X not null>``
``dict[K, V]``              ``map<K, V not null>``
``X | None``                nullable; every other field is ``not null``
==========================  ===================================================

pyarrow is an optional dependency (the ``arrow`` extra): this module imports
it only inside :meth:`Rows.to_arrow` and :meth:`Rows.__arrow_c_stream__`, so
``import negotiation`` never does.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints, overload

import attrs

from ._errors import QueryError

if TYPE_CHECKING:
    from collections.abc import Sequence as _SequenceForTypes

    import pyarrow
else:
    from typing import Generic as _SequenceForTypes  # not a collections.abc.Sequence at run time: see Rows

__all__ = ["Category", "Rows"]

_R = TypeVar("_R")


class _Dictionary:
    """The marker of :data:`Category`: the column is dictionary-encoded."""


Category = Annotated[str, _Dictionary]
"""A text with few distinct values (a party code, a measure, a status): ``dictionary<int32, string>`` in Arrow."""

_PRECISION, _SCALE = 18, 6  # rates and changes, percent: decimal128(18, 6)
_STEP = Decimal(1).scaleb(-_SCALE)
_LIMIT = Decimal(1).scaleb(_PRECISION - _SCALE)
_INSTALL = "install the 'arrow' extra, e.g. pip install 'negotiation-state[arrow]'"


def _pyarrow() -> Any:
    """The pyarrow module, or an ImportError naming the extra."""
    try:
        import pyarrow
    except ImportError as exc:
        raise ImportError(f"Arrow export of negotiation rows needs pyarrow: {_INSTALL}", name=exc.name) from exc
    return pyarrow


def _optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` -> ``(X, True)``; any other hint -> ``(hint, False)``."""
    if get_origin(hint) in (Union, types.UnionType):
        rest = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return hint, False


@cache
def _columns(row_type: type) -> tuple[tuple[str, Any, bool], ...]:
    """The (name, hint, nullable) of each field of a row TypedDict, in declaration order."""
    return tuple((name, *_optional(hint)) for name, hint in get_type_hints(row_type, include_extras=True).items())


def _arrow_type(pa: Any, hint: Any) -> pyarrow.DataType:
    """The Arrow type of a (non-optional) field annotation; see the module's table."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated and args[1:] == (_Dictionary,):
        return pa.dictionary(pa.int32(), pa.string())
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return pa.list_(pa.field("item", _arrow_type(pa, args[0]), nullable=False))
    if origin is dict:
        return pa.map_(pa.field("key", _arrow_type(pa, args[0]), nullable=False),
                       pa.field("value", _arrow_type(pa, args[1]), nullable=False))
    scalars = {
        date: pa.date32(), datetime: pa.timestamp("us", tz="UTC"), Decimal: pa.decimal128(_PRECISION, _SCALE),
        bool: pa.bool_(), int: pa.int64(), str: pa.string(),
    }
    if hint in scalars:
        return scalars[hint]
    raise TypeError(f"no Arrow type for the row annotation {hint!r}")  # a new row field needs a line above


def _rate(value: Any, where: str) -> Decimal:
    """``value`` at the Arrow scale, exactly; a QueryError if that would round it or it is too large."""
    if isinstance(value, Decimal) and value.is_finite() and abs(value) < _LIMIT:
        exact = value.quantize(_STEP)
        if exact == value:
            return exact
    raise QueryError(where, value, f"a Decimal rate with at most {_SCALE} decimal places and {_PRECISION - _SCALE} "
                                   f"integer digits, to fit Arrow's decimal128({_PRECISION}, {_SCALE}) without rounding")


def _plain(hint: Any, nullable: bool, value: Any, where: str) -> Any:
    """``value`` ready for :func:`pyarrow.array` of the hint's type: rates checked, dicts as (key, value) pairs."""
    if value is None:
        if nullable:
            return None
        raise QueryError(where, value, "a value: the column is not nullable")
    origin, args = get_origin(hint), get_args(hint)
    if hint is Decimal:
        return _rate(value, where)
    if origin is tuple:
        return [_plain(args[0], False, item, f"{where}[{index}]") for index, item in enumerate(value)]
    if origin is dict:
        return [(key, _plain(args[1], False, item, f"{where}[{key!r}]")) for key, item in value.items()]
    return value


def _column(pa: Any, name: str, kind: pyarrow.DataType, values: list[Any]) -> pyarrow.Array:
    """One column as an Arrow array of type ``kind``; a QueryError naming the column if a value does not fit."""
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise QueryError(f"column {name!r}", str(exc), f"values of the Arrow type {kind}") from exc


@attrs.frozen(eq=False, kw_only=True)
class Rows(_SequenceForTypes[_R]):
    """The rows a row function returns: a read-only sequence of dicts that pyarrow, DuckDB and Polars read as Arrow.

    It behaves as the list it replaces (``len``, iteration, indexing, ``in``,
    ``index``, ``count``, a slice is :class:`Rows` again, equal to a list of
    the same rows; read-only) and adds:

    - ``__arrow_c_stream__(requested_schema=None)``, the Arrow PyCapsule
      stream interface: ``duckdb.sql("select * from rows")``,
      ``polars.DataFrame(rows)`` and ``pyarrow.table(rows)`` read it;
    - :meth:`to_arrow`, a :class:`pyarrow.Table`;
    - :meth:`arrow_schema`, its schema.

    The schema is fixed by the row type (see this module's table):
    ``date32`` dates, ``decimal128(18, 6)`` rates, dictionary-encoded codes
    and statuses, ``not null`` unless the field is optional. Rows of
    :func:`negotiation.tariff_table` add one ``decimal128(18, 6) not null``
    column per layer label, named by it, in the rows' order.

    Type checkers see a :class:`collections.abc.Sequence`; at run time it is
    deliberately not one (``isinstance(rows, Sequence)`` is false), because
    Polars reads a ``Sequence`` as Python rows and guesses their types,
    where it reads any other object with ``__arrow_c_stream__`` as Arrow.
    """

    _items: tuple[_R, ...] = attrs.field(alias="items")
    _row_type: type = attrs.field(alias="row_type")
    _rate_columns: bool = attrs.field(default=False, alias="rate_columns")

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> _R: ...

    @overload
    def __getitem__(self, index: slice) -> Rows[_R]: ...

    def __getitem__(self, index: int | slice) -> _R | Rows[_R]:
        if isinstance(index, slice):
            return attrs.evolve(self, items=self._items[index])
        return self._items[index]

    def __iter__(self) -> Iterator[_R]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[_R]:
        return reversed(self._items)

    def __contains__(self, value: object) -> bool:
        return value in self._items

    def index(self, value: Any, start: int = 0, stop: int = sys.maxsize) -> int:
        """The position of the first row equal to ``value`` (from ``start``, before ``stop``); ValueError if none."""
        return self._items.index(value, start, stop)

    def count(self, value: Any) -> int:
        """How many rows equal ``value``."""
        return self._items.count(value)

    def __eq__(self, other: object) -> bool:
        """Equal to a list, or to Rows, of equal rows (as the list it replaces)."""
        if isinstance(other, Rows):
            return self._items == other._items
        if isinstance(other, list):
            return list(self._items) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # rows are dicts, as unhashable as the list they replace

    def __repr__(self) -> str:
        return repr(list(self._items))

    def _fields(self) -> list[tuple[str, Any, bool]]:
        fields = list(_columns(self._row_type))
        if self._rate_columns and self._items:
            known = {name for name, _, _ in fields}
            first: Any = self._items[0]
            fields += [(name, Decimal, False) for name in first if name not in known]
        return fields

    def arrow_schema(self) -> pyarrow.Schema:
        """The :class:`pyarrow.Schema` of :meth:`to_arrow`: the row type's fixed schema (see :class:`Rows`).

        Raises:
            ImportError: pyarrow is not installed (the ``arrow`` extra).
        """
        pa = _pyarrow()
        return pa.schema([pa.field(name, _arrow_type(pa, hint), nullable=nullable)
                          for name, hint, nullable in self._fields()])

    def to_arrow(self) -> pyarrow.Table:
        """The rows as a :class:`pyarrow.Table` of :meth:`arrow_schema`, one Arrow row per row, in order.

        Values are exact: rates are ``decimal128(18, 6)`` with the same value
        (``Decimal("4.8")`` reads back as ``Decimal("4.800000")``, equal).

        Raises:
            ImportError: pyarrow is not installed (the ``arrow`` extra).
            QueryError: a rate with more than 6 decimal places or 12 integer
                digits (never rounded), or a missing value in a column that
                is not nullable; the message names the row and column.
        """
        pa = _pyarrow()
        schema = self.arrow_schema()
        rows: list[Any] = list(self._items)
        columns = [
            _column(pa, name, kind,
                    [_plain(hint, nullable, row[name], f"rows[{index}][{name!r}]") for index, row in enumerate(rows)])
            for (name, hint, nullable), kind in zip(self._fields(), schema.types, strict=True)
        ]
        return pa.Table.from_arrays(columns, schema=schema)

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream of :meth:`to_arrow` (cast to ``requested_schema`` if given, by pyarrow).

        Raises:
            As :meth:`to_arrow`.
        """
        return self.to_arrow().__arrow_c_stream__(requested_schema)
