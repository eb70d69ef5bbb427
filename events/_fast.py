"""The codec's fast path: one stored record to its event, every check made once per distinct value.

:meth:`FastDecoder.record` turns the JSON text of one stored record into its
event, or returns ``None`` when it cannot *prove* the record valid; the
caller then decodes that record the slow way (``events/_codec.py``), which
finds the error and words it (file, line, event id, field). So the fast
path never accepts what the slow path refuses, and returns an equal event:

* It parses with orjson, which is as strict as the codec's parser (no
  ``NaN``, no lone surrogates, valid UTF-8) but in three ways, each closed
  here: orjson keeps the last of repeated keys (refused unless
  :func:`_keys_unrepeated` proves there are none), reads integers up to
  2**64 - 1 (refused past the codec's range, which SQLite stores) and
  reads floats that their digits do not give exactly (no field of an
  event takes a float, so a record holding one is never decoded here).
* Each field's value goes through exactly what the slow path runs on it:
  the codec's cattrs structure hook for the field's type, then the field's
  attrs converter and validator. The result is kept per distinct JSON
  string (a date, a party code, a rate) or null, so a log that repeats its
  values checks each once, and its events share one object per value.
  Value objects (a source, a suspension) are kept per distinct content.
* An instance is built by setting its slots; then its
  ``__attrs_post_init__`` checks the fields together, as attrs'
  ``__init__`` does after the validators.
* Upcasting runs the registry's own upcasters, and the check that a
  record is not written at a later version than its content needs is the
  codec's.

The decoders are generated (``exec``) from the attrs fields, as attrs and
cattrs generate theirs: an event's, per type and *shape* (the keys of its
records, in order, as a writer writes them), so that a record's values
are read in one step; nothing about a field is written here by hand.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from types import MemberDescriptorType, NoneType, UnionType
from typing import Any

import attrs
import orjson

from ._chain import HASH_FIELD, is_hash
from ._revisions import EVENT_TYPES
from ._upcasting import UPCASTING
from ._values import Scope
from ._vocabulary import Event, Fact

__all__ = ["FastDecoder"]

_CAP = 1 << 14
"""The most distinct values a cache keeps; a full cache starts again (memory stays bounded)."""

_SHAPES = 64
"""The most shapes (key orders) generated per type and version; records of further shapes decode slowly."""

_INT_RANGE = 2**63
"""The codec's integer range (-2**63 .. 2**63 - 1), which orjson's reaches past."""

_SORTED = orjson.OPT_SORT_KEYS
_META = ("type", "v")
"""The keys of a stored record that are not fields of its event (besides the chain field)."""


class _Missing:
    """The mark of a key that a JSON object does not hold."""


_MISSING = _Missing()
_KEYED = frozenset({str, NoneType, _Missing})
"""What the raw values of a value object must be for the object to be kept per distinct content."""


class _Unproven(Exception):
    """The fast path cannot show the record valid: the slow path decides, and words any error."""


def _keys_unrepeated(text: bytes | str, body: bytes, left_out: int) -> bool:
    """Whether no JSON object in ``text`` repeats a key, given ``body``: orjson's serialization of its parse.

    ``left_out`` is the number of top-level keys of ``text`` that ``body``
    leaves out (their values hold no colon). Proof: a colon in valid JSON
    text is the separator after a key or a character of a string. Without
    the escape ``\\u003a`` (``\\u003A``; refused here), every colon of a
    decoded string stands in the text as itself, and orjson writes it as
    itself. So the text holds as many colons as its keys plus the colons of
    its strings, and ``body`` as many as the keys parsed plus the colons of
    the strings that were kept. A repeated key is parsed once and the
    value it had first is dropped, so the text then has more colons than
    ``body``; with no repeated key, the counts are equal.
    """
    if isinstance(text, str):
        if "\\" in text and "\\u003" in text:
            return False
        return text.count(":") == body.count(b":") + left_out
    if b"\\" in text and b"\\u003" in text:
        return False
    return text.count(b":") == body.count(b":") + left_out


class FastDecoder:
    """Decoders generated for every event type from the codec's converter.

    Args:
        converter: The codec's cattrs converter (its hooks are the checks of scalar values).
    """

    def __init__(self, converter: Any) -> None:
        self._converter = converter
        self._caches: list[dict[Any, Any]] = []
        self._shared: dict[tuple[Any, ...], dict[Any, Any]] = {}
        self._lists: dict[tuple[Any, ...], dict[tuple[str, ...], Any]] = {}
        self._values: dict[type, Callable[[Any], Any]] = {}
        self._routes: dict[tuple[str, int], tuple[type[Event], tuple[Any, ...], dict[tuple[str, ...], Any]]] = {}
        for cls in EVENT_TYPES:
            shapes: dict[tuple[str, ...], Any] = {}  # one per type: the fields at the current version
            for tag, version, steps in UPCASTING.routes(cls.TYPE):
                self._routes[tag, version] = (cls, steps, shapes)

    def clear(self) -> None:
        """Forget the values kept (the events decoded keep theirs)."""
        for cache in self._caches:
            cache.clear()

    def record(self, text: bytes | str, *, stored_hash: str | None = None) -> tuple[dict[str, Any], Any, bytes] | None:
        """Decode one stored record (a JSON Lines line, a SQLite record column), or ``None`` if unproven.

        Args:
            text: The record's JSON text.
            stored_hash: The chain field, if it is stored beside the text
                (SQLite), in which case the text must not hold one.

        Returns:
            The parsed record (with its chain field, as the slow path's
            parser gives it), its event, and the record without its chain
            field as orjson writes it with sorted keys (see
            ``events/_chain.py``).
        """
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if data.__class__ is not dict:
            return None
        carried = data.pop(HASH_FIELD, _MISSING)
        left_out = carried is not _MISSING
        if stored_hash is not None:
            if left_out:
                return None
            carried = stored_hash
        if carried is not _MISSING and not is_hash(carried):
            return None
        try:
            event = self._record(data)
        except Exception:  # anything unproven: the slow path decides, and words the error
            return None
        body = orjson.dumps(data, option=_SORTED)
        if not _keys_unrepeated(text, body, left_out):
            return None
        if carried is not _MISSING:
            data[HASH_FIELD] = carried
        return data, event, body

    def _record(self, data: dict[str, Any]) -> Any:
        """A record without its chain field, to its current event; raises if unproven."""
        tag, version = data.get("type"), data.get("v")
        if tag.__class__ is not str or version.__class__ is not int:
            raise _Unproven
        route = self._routes.get((tag, version))
        if route is None:
            raise _Unproven
        cls, steps, shapes = route
        fields = data
        if steps:
            fields = data.copy()
            del fields["type"], fields["v"]
            for step in steps:
                fields = step(fields)
            if "type" in fields or "v" in fields:
                raise _Unproven
        shape = tuple(fields)
        decode = shapes.get(shape)
        if decode is None:
            decode = self._shape(cls, shape, shapes)
        event = decode(fields)
        if version == cls.VERSION and event.stored_version() < cls.VERSION:
            raise _Unproven
        return event

    def _nested_event(self, raw: Any) -> Any:
        """A fact nested in a correction: a tagged record, never with a chain field."""
        if raw.__class__ is not dict or HASH_FIELD in raw:
            raise _Unproven
        return self._record(raw)

    # -- generation ---------------------------------------------------------------------------

    def _shape(self, cls: type, shape: tuple[str, ...], shapes: dict[tuple[str, ...], Any]) -> Any:
        """The decoder of ``cls`` records whose keys are ``shape``, in order; made and kept on first use."""
        if len(shapes) >= _SHAPES:
            raise _Unproven
        fields = attrs.fields(cls)
        known = {field.name for field in fields}
        if not set(shape) <= known | set(_META) or any(
                field.default is attrs.NOTHING and field.name not in shape for field in fields):
            decode: Any = _refuse  # an unknown key, or a required field missing: the slow path says which
        else:
            raws = {key: f"r{position}" for position, key in enumerate(shape)}
            lines = ["def decode(d):", f"    {', '.join(raws.values())}, = d.values()"]
            decode = self._generate(cls, raws, lines)
        shapes[shape] = decode
        return decode

    def _value_decoder(self, cls: type) -> Callable[[Any], Any]:
        """The decoder of a value object (a source, a suspension): from any raw JSON value, kept per content."""
        found = self._values.get(cls)
        if found is None:
            fields = attrs.fields(cls)
            raws = {field.name: f"r{index}" for index, field in enumerate(fields)}
            instances: dict[tuple[Any, ...], Any] = {}
            self._caches.append(instances)
            kinds = " and ".join(f"{raw}.__class__ in _K" for raw in raws.values())
            lines = ["def decode(d):", "    if d.__class__ is not dict:", "        raise _U",
                     *(f"    {raw} = d.get({name!r}, _M)" for name, raw in raws.items()),
                     # a key beside the fields is refused below, when the fields present do not count len(d)
                     f"    key = ({', '.join(raws.values())}, len(d))",
                     f"    if {kinds}:",
                     "        found = _I.get(key)",
                     "        if found is not None:",
                     "            return found",
                     "    present = 0",
                     *(f"    present += {raw} is not _M" for raw in raws.values()),
                     "    if present != len(d):",
                     "        raise _U"]
            found = self._values[cls] = self._generate(cls, raws, lines, instances=instances, absent=True)
        return found

    def _generate(self, cls: type, raws: dict[str, str], lines: list[str], *,
                  instances: dict[tuple[Any, ...], Any] | None = None, absent: bool = False) -> Any:
        """Complete ``lines`` (which set the raw value of each field present to the variable ``raws[name]``).

        A field not in ``raws`` takes its default; with ``absent``, a raw
        variable may also be ``_M``, for a field the record does not hold. With
        ``instances``, the instance is kept under ``key`` when its raw
        values are strings or null.
        """
        hints = typing.get_type_hints(cls)
        fields = attrs.fields(cls)
        names: dict[str, Any] = {"_M": _MISSING, "_U": _Unproven, "_new": object.__new__, "_cls": cls,
                                 "_K": _KEYED, "_CAP": _CAP, "_R": _INT_RANGE, "_I": instances}
        for index, field in enumerate(fields):
            if field.alias != field.name or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                raise TypeError(f"{cls.__name__}.{field.name}: the fast decoder reads plain fields only")
            if field.converter is not None and not callable(field.converter):
                raise TypeError(f"{cls.__name__}.{field.name}: the fast decoder runs plain converters only")
            descriptor = getattr(cls, field.name)
            if not isinstance(descriptor, MemberDescriptorType):
                raise TypeError(f"{cls.__name__}.{field.name}: not a slot")
            names[f"_S{index}"] = descriptor.__set__
            raw = raws.get(field.name)
            if raw is None:  # absent from every record of this shape
                names[f"_D{index}"] = self._default(field)
                lines.append(f"    x{index} = _D{index}")
                continue
            code = self._field_code(index, field, hints[field.name], raw, names)
            if absent:
                if field.default is attrs.NOTHING:
                    lines += [f"    if {raw} is _M:", "        raise _U"]
                else:
                    names[f"_D{index}"] = self._default(field)
                    lines += [f"    if {raw} is _M:", f"        x{index} = _D{index}"]
                lines += ["    else:", *("    " + line for line in code)]
            else:
                lines += code
        lines.append("    o = _new(_cls)")
        lines += [f"    _S{index}(o, x{index})" for index in range(len(fields))]
        post_init = getattr(cls, "__attrs_post_init__", None)
        if post_init is not None:
            names["_P"] = post_init
            lines.append("    _P(o)")
        if instances is not None:
            kinds = " and ".join(f"{raw}.__class__ in _K" for raw in raws.values())
            lines += [f"    if {kinds}:", "        if len(_I) >= _CAP:", "            _I.clear()", "        _I[key] = o"]
        lines.append("    return o")
        compiled = compile("\n".join(lines) + "\n", f"<fast decoder {cls.__module__}.{cls.__qualname__}>", "exec")
        exec(compiled, names)  # generated from the attrs fields, as attrs and cattrs generate theirs
        return names["decode"]

    def _field_code(self, index: int, field: attrs.Attribute[Any], kind: Any, raw: str,
                    names: dict[str, Any]) -> list[str]:
        """The lines that set ``x<index>`` to the checked value of the field's raw JSON value ``raw``."""
        x = f"x{index}"
        convert, validate = field.converter, field.validator
        structure, hook, direct = self._structure(kind)
        compute = self._compute(structure, field)
        names.update({f"_F{index}": compute, f"_A{index}": field})
        try:  # null is one value: made once here, or refused (the slow path says why)
            names[f"_N{index}"] = compute(None)
            null = f"_N{index}"
        except Exception:
            null = "_U"
        if direct is not None:  # a value object, a tuple of them, a nested fact: decoded by this module
            names[f"_E{index}"] = direct  # null is made above; any other raw value but an object or array is refused
            lines = [f"    if {raw} is None:", f"        {x} = {null}" if null != "_U" else "        raise _U",
                     "    else:", f"        {x} = _E{index}({raw})"]
            if convert is not None:
                lines.append(f"        {x} = _CV{index}({x})")
            if validate is not None:
                lines.append(f"        _V{index}(None, _A{index}, {x})")
            names.update({f"_CV{index}": convert, f"_V{index}": validate})
            return lines
        # A scalar: its value kept per raw string (and null), shared by the fields of one type,
        # converter and validator: the value depends on nothing else (the attribute is only named in errors).
        texts = self._shared.get((kind, convert, validate))
        if texts is None:
            texts = self._shared[kind, convert, validate] = {}
            self._caches.append(texts)
        names.update({f"_C{index}": texts, f"_H{index}": hook, f"_T{index}": kind, f"_CV{index}": convert,
                      f"_V{index}": validate})
        lines = []
        made = [f"        {x} = _H{index}({raw}, _T{index})"]
        if convert is not None:
            made.append(f"        {x} = _CV{index}({x})")
        if validate is not None:
            made.append(f"        _V{index}(None, _A{index}, {x})")
        if self._lists_of_strings(hook, kind):
            lists = self._lists.get((kind, convert, validate))
            if lists is None:
                lists = self._lists[kind, convert, validate] = {}
                self._caches.append(lists)
            names[f"_G{index}"] = self._by_list(lists, compute)
            lines += [f"    if {raw}.__class__ is list:", f"        {x} = _G{index}({raw})", "    else:"]
            made = ["    " + line for line in made]
            indent = "    "
        else:
            indent = ""
        # null is never kept: where it is refused, it is looked up in vain, and refused when made.
        # One lookup: a kept value, or _M (never a value); a list or object raises (unhashable): unproven.
        inner = indent + ("    " if null != "_U" else "")
        lines += [*([f"{indent}    if {raw} is None:", f"{indent}        {x} = {null}", f"{indent}    else:"]
                    if null != "_U" else []),
                  f"{inner}    {x} = _C{index}.get({raw}, _M)",
                  f"{inner}    if {x} is _M:",
                  f"{inner}        if {raw}.__class__ is int and not -_R <= {raw} < _R:",
                  f"{inner}            raise _U",
                  *(inner[len(indent):] + line for line in made),
                  f"{inner}        if {raw}.__class__ is str:",
                  f"{inner}            if len(_C{index}) >= _CAP:",
                  f"{inner}                _C{index}.clear()",
                  f"{inner}            _C{index}[{raw}] = {x}"]
        return lines

    def _lists_of_strings(self, hook: Any, kind: Any) -> bool:
        """Whether the scalar ``kind`` is read from a JSON array (a scope, a tuple of strings)."""
        return kind is Scope or (typing.get_origin(kind) is tuple and not attrs.has(typing.get_args(kind)[0]))

    def _default(self, field: attrs.Attribute[Any]) -> Any:
        """A field's default, converted and validated as attrs' ``__init__`` does."""
        convert = typing.cast(Callable[[Any], Any] | None, field.converter)  # a plain function (see _generate)
        value = convert(field.default) if convert is not None else field.default
        if field.validator is not None:
            field.validator(None, field, value)
        return value

    @staticmethod
    def _compute(structure: Callable[[Any], Any], field: attrs.Attribute[Any]) -> Callable[[Any], Any]:
        """Raw JSON value to checked value, as the slow path makes it: structure, converter, validator."""
        convert = typing.cast(Callable[[Any], Any] | None, field.converter)  # a plain function (see _generate)
        validate = field.validator

        def compute(raw: Any) -> Any:
            if raw.__class__ is int and not -_INT_RANGE <= raw < _INT_RANGE:
                raise _Unproven
            value = structure(raw)
            if convert is not None:
                value = convert(value)
            if validate is not None:
                validate(None, field, value)
            return value

        return compute

    @staticmethod
    def _by_list(lists: dict[tuple[str, ...], Any], compute: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """``compute`` for a raw JSON array, kept per distinct array of strings."""

        def by_list(raw: list[Any]) -> Any:
            key = tuple(raw)
            try:
                value = lists.get(key, _MISSING)
            except TypeError:  # an unhashable item: never kept
                return compute(raw)
            if value is _MISSING:
                value = compute(raw)
                if all(item.__class__ is str for item in key):
                    if len(lists) >= _CAP:
                        lists.clear()
                    lists[key] = value
            return value

        return by_list

    def _structure(self, kind: Any) -> tuple[Callable[[Any], Any], Any, Callable[[Any], Any] | None]:
        """The structure step for a field's type, and the codec's hook or this module's decoder that it calls.

        A scalar is structured by the codec's cattrs hook for its type
        (returned second); value objects, optional ones, tuples of them and
        nested facts by this module's decoders (the decoder of a raw value
        that is not null is returned third).
        """
        if kind is Fact:
            return self._nested_event, None, self._nested_event
        args = typing.get_args(kind)
        if attrs.has(kind) and kind is not Scope:
            value = self._value_decoder(kind)
            return value, None, value
        if (typing.get_origin(kind) is typing.Union or isinstance(kind, UnionType)) and len(args) == 2 \
                and args[1] is NoneType and attrs.has(args[0]) and args[0] is not Scope:
            value = self._value_decoder(args[0])
            return (lambda raw: None if raw is None else value(raw)), None, value
        if typing.get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis and attrs.has(args[0]):
            item = self._value_decoder(args[0])

            def items(raw: Any) -> tuple[Any, ...]:
                if raw.__class__ is not list:
                    raise _Unproven
                return tuple([item(element) for element in raw])

            return items, None, items
        hook = self._converter.get_structure_hook(kind)
        return (lambda raw: hook(raw, kind)), hook, None


def _refuse(_: Any) -> Any:
    """The decoder of a shape no record of its type may have."""
    raise _Unproven
