"""Schema evolution: aliases for renamed event types and upcasters from old versions.

Every event type has a version (``Event.VERSION``, written as ``"v"`` on
each record). When a type changes, its version goes up and an *upcaster*
for the old version turns an old record into the next version's record;
reading applies upcasters step by step until the record is current. When a
type is renamed, an *alias* maps the old tag to the new one. Stored records
are never rewritten by reading: ``negotiation upgrade LOG`` does that, and
only when asked.

History of the vocabulary:

* ``LicensesApproved`` v1 became ``ExportLicencesApproved`` v2: renamed to
  the trade term (export licences), and the one ``commodity`` text became a
  list of ``items``, like ``ExportControlChanged.items``.
* ``TariffChanged`` v2 added ``exempt``, ``exempt_parties``, ``yields_to``,
  ``quota``, ``ends`` and the ``"all-in"`` combination. A layer that uses none of
  them is still written as version 1, so older readers keep reading it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._errors import DecodeError, UnknownRecordError
from ._revisions import EVENT_TYPES

__all__ = ["UPCASTING", "Upcasting"]

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a record's fields at version N into its fields at version N + 1 (no ``type``/``v``)."""


class Upcasting:
    """A registry of current versions, aliases and upcasters.

    Args:
        current: Each type tag's current version, e.g. ``{"TalksHeld": 1}``.
    """

    def __init__(self, current: Mapping[str, int]) -> None:
        self._current = dict(current)
        self._aliases: dict[str, str] = {}
        self._steps: dict[tuple[str, int], Upcaster] = {}
        self._moved: dict[tuple[str, int], dict[str, str]] = {}

    def alias(self, old: str, new: str) -> None:
        """Read records tagged ``old`` as type ``new`` (at the version they carry).

        Raises:
            ValueError: ``new`` is not a current type, or ``old`` is one.
        """
        if new not in self._current or old in self._current:
            raise ValueError(f"cannot alias {old!r} to {new!r}: the new tag must be current and the old one not")
        self._aliases[old] = new

    def register(self, tag: str, version: int, *,
                 moved: Mapping[str, str] | None = None) -> Callable[[Upcaster], Upcaster]:
        """Decorate the upcaster of ``tag`` records from ``version`` to ``version + 1``.

        Args:
            tag: The current type tag.
            version: The version the upcaster reads.
            moved: Where each field path of ``version + 1`` that the upcaster
                fills came from in ``version``, e.g. ``{"items[0]":
                "commodity"}``: an error found in the upcast record is then
                reported under the field the stored record has (see
                :meth:`origin`).

        Raises:
            ValueError: ``tag`` is not current, ``version`` is not below its
                current version, or the step is already registered.
        """
        if tag not in self._current or not 1 <= version < self._current[tag] or (tag, version) in self._steps:
            raise ValueError(f"cannot register an upcaster for {tag} version {version}")

        def register(step: Upcaster) -> Upcaster:
            self._steps[tag, version] = step
            self._moved[tag, version] = dict(moved or {})
            return step

        return register

    def origin(self, record: Mapping[str, Any], field: str | None) -> str | None:
        """The field of the stored ``record`` that a field path of its upcast (current) form came from.

        ``field`` is returned unchanged for a record stored at the current
        version, for an unknown type or version, and for a field no
        upcaster moved.
        """
        tag, version = record.get("type"), record.get("v")
        if field is None or not isinstance(tag, str) or type(version) is not int:
            return field
        tag = self._aliases.get(tag, tag)
        current = self._current.get(tag)
        if current is None or not 1 <= version < current:
            return field
        for step in range(current - 1, version - 1, -1):
            for new, old in sorted(self._moved.get((tag, step), {}).items(), key=lambda pair: -len(pair[0])):
                if field == new or field.startswith((f"{new}.", f"{new}[")):
                    field = old + field[len(new):]
                    break
        return field

    def routes(self, tag: str) -> Iterator[tuple[str, int, tuple[Upcaster, ...]]]:
        """Every (stored tag, stored version, upcasters in order) that :meth:`upgrade` reads as the current ``tag``.

        The stored tag is ``tag`` or one of its aliases; a version for which
        an upcaster is missing is left out.
        """
        tags = [tag, *sorted(old for old, new in self._aliases.items() if new == tag)]
        steps: tuple[Upcaster, ...] = ()
        for version in range(self._current[tag], 0, -1):
            if version < self._current[tag]:
                step = self._steps.get((tag, version))
                if step is None:
                    return
                steps = (step, *steps)
            for stored in tags:
                yield stored, version, steps

    def upgrade(self, record: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Bring a record to its type's current version.

        Args:
            record: A record as read, with ``"type"`` and ``"v"``.

        Returns:
            The current type tag and the fields at the current version
            (without ``"type"`` and ``"v"``).

        Raises:
            UnknownRecordError: the type is unknown, the version is newer
                than this library knows, or no upcaster reads it.
            DecodeError: the type is missing or null; the version is not an
                integer from 1; an upcaster found an old record malformed.
        """
        raw_id = record.get("event_id")
        event_id = raw_id if isinstance(raw_id, str) else None
        tag = record.get("type")
        known = ", ".join(sorted(self._current))
        if "type" not in record:
            raise DecodeError(f"required field is missing; expected one of {known}", event_id=event_id, field="type")
        if tag is None:
            raise DecodeError(f"expected an event type (a string), got null; one of {known}",
                              event_id=event_id, field="type")
        if not isinstance(tag, str) or (tag not in self._current and tag not in self._aliases):
            raise UnknownRecordError(f"unknown event type {tag!r}; expected one of {known}",
                                     event_id=event_id, field="type")
        tag = self._aliases.get(tag, tag)
        version = record.get("v")
        current = self._current[tag]
        if type(version) is not int or version < 1:
            raise DecodeError(f"expected a schema version (an integer from 1), got {version!r}",
                              event_id=event_id, field="v")
        if version > current:
            raise UnknownRecordError(
                f"{tag} schema version {version} is newer than this library reads (up to {current}): "
                "upgrade negotiation-state, or keep the record as opaque (keep_unknown / --keep-unknown)",
                event_id=event_id, field="v")
        fields = {key: value for key, value in record.items() if key not in ("type", "v")}
        while version < current:
            step = self._steps.get((tag, version))
            if step is None:
                raise UnknownRecordError(f"no upcaster reads {tag} version {version}", event_id=event_id, field="v")
            fields = step(fields)
            version += 1
        return tag, fields


UPCASTING = Upcasting({cls.TYPE: cls.VERSION for cls in EVENT_TYPES})
"""The registry the codec reads with."""

UPCASTING.alias("LicensesApproved", "ExportLicencesApproved")


@UPCASTING.register("ExportLicencesApproved", 1, moved={"items[0]": "commodity", "items": "commodity"})
def _licences_items(fields: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: one ``commodity`` text becomes ``items``, a list of one."""
    if "items" in fields:
        event_id = fields.get("event_id")
        raise DecodeError("unknown field (not part of version 1, which has 'commodity')",
                          event_id=event_id if isinstance(event_id, str) else None, field="items")
    if "commodity" not in fields:
        event_id = fields.get("event_id")
        raise DecodeError("required field is missing (version 1 record)",
                          event_id=event_id if isinstance(event_id, str) else None, field="commodity")
    upgraded = {key: value for key, value in fields.items() if key != "commodity"}
    upgraded["items"] = [fields["commodity"]]
    return upgraded


@UPCASTING.register("TariffChanged", 1)
def _tariff_terms(fields: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: the same fields (the new ones take their defaults); v1 knows only the ``"add"`` combination."""
    raw_id = fields.get("event_id")
    event_id = raw_id if isinstance(raw_id, str) else None
    for name in ("exempt", "exempt_parties", "yields_to", "quota", "ends"):
        if name in fields:
            raise DecodeError("unknown field (not part of version 1; write \"v\": 2)", event_id=event_id, field=name)
    if fields.get("combination", "add") != "add":
        raise DecodeError(f"expected \"add\" in a version 1 record, got {fields['combination']!r} (write \"v\": 2)",
                          event_id=event_id, field="combination")
    return fields
