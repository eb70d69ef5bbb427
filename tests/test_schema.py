"""The JSON Schema of a log line: a valid schema that accepts every valid line and refuses bad ones as the library does."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema.exceptions import best_match

import events
from events import strategies
from negotiation._cli import main

SCHEMA = events.json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
HASH = "0123456789abcdef" * 4


def seed_lines(seeds_dir) -> list[dict[str, Any]]:
    return [json.loads(line) for path in sorted(seeds_dir.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_error(line: Any) -> jsonschema.ValidationError | None:
    return best_match(VALIDATOR.iter_errors(line))


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert "https://json-schema.org/draft/2020-12/schema" == SCHEMA["$schema"]
    assert {"$id", "title", "description"} <= SCHEMA.keys()
    assert "upcasters" in SCHEMA["description"]


def test_one_alternative_per_event_type_at_its_current_version():
    """Each tag selects its own closed object, with ``type`` and ``v`` constant and the chain field allowed.

    A type with fields of a later version (``TariffChanged``) takes the
    older version too, with those fields absent.
    """
    assert [cls.TYPE for cls in events.EVENT_TYPES] == SCHEMA["properties"]["type"]["enum"]
    for cls in events.EVENT_TYPES:
        alternative = SCHEMA["$defs"][cls.TYPE]
        versions = {"enum": [cls.VERSION - 1, cls.VERSION]} if cls.LATER_FIELDS else {"const": cls.VERSION}
        assert ({"const": cls.TYPE}, versions) == (
            alternative["properties"]["type"], alternative["properties"]["v"])
        assert (False, True) == (alternative["additionalProperties"], "hash" in alternative["properties"])
    tariff = SCHEMA["$defs"]["TariffChanged"]
    assert ["type", "v", "event_id", "effective", "recorded", "imposer", "target", "measure", "rate"] == (
        tariff["required"])


def test_json_schema_returns_a_fresh_copy():
    """Changing one result does not change the next."""
    first = events.json_schema()
    first["$defs"]["TariffChanged"]["properties"]["rate"]["pattern"] = "."
    assert SCHEMA == events.json_schema()


def test_every_seed_line_validates(seeds_dir):
    lines = seed_lines(seeds_dir)
    assert len(lines) > 50
    assert [] == [(line["event_id"], first_error(line).message) for line in lines if first_error(line)]


@given(strategies.logs(max_events=30))
def test_every_generated_event_validates_with_and_without_its_chain_field(log):
    stored = [json.loads(line) for line in events.dumps_jsonl(log).splitlines()]
    assert all("hash" in line for line in stored)
    for line in [events.to_dict(event) for event in log] + stored:
        assert first_error(line) is None, line


def _seed(seeds_dir, kind: str) -> dict[str, Any]:
    return next(line for line in seed_lines(seeds_dir) if line["type"] == kind)


def _correction(fact: dict[str, Any]) -> dict[str, Any]:
    return {"type": "EventCorrected", "v": 1, "event_id": "fix-1", "effective": "2025-12-01",
            "recorded": "2025-12-01T00:00:00Z", "corrects": fact["event_id"],
            "replacement": {key: value for key, value in fact.items() if key != "hash"}}


def _renamed(line: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {(new if key == old else key): value for key, value in line.items()}


def _without(line: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in line.items() if name != key}


BAD_LINES = {
    # name: (make the bad line from a seed TariffChanged, the path of the best error)
    "unknown type": (lambda t: {**t, "type": "TariffRaised"}, ["type"]),
    "misspelled field": (lambda t: _renamed(t, "rate", "rat"), []),
    "missing required field": (lambda t: _without(t, "imposer"), []),
    "naive timestamp": (lambda t: {**t, "recorded": "2025-03-03T23:00:00"}, ["recorded"]),
    "rate NaN": (lambda t: {**t, "rate": "NaN"}, ["rate"]),
    "negative rate": (lambda t: {**t, "rate": "-5"}, ["rate"]),
    "rate with an exponent": (lambda t: {**t, "rate": "3E+1"}, ["rate"]),
    "rate as a number": (lambda t: {**t, "rate": 30}, ["rate"]),
    "rate above the bound": (lambda t: {**t, "rate": "1000000.5"}, ["rate"]),
    "rate with seven places": (lambda t: {**t, "rate": "0.0000001"}, ["rate"]),
    "lowercase party": (lambda t: {**t, "imposer": "usa"}, ["imposer"]),
    "hash of the wrong form": (lambda t: {**t, "hash": t["hash"].upper()}, ["hash"]),
    "replacement that is not a fact": (
        lambda t: {**_correction(t), "replacement": {**_correction(t)["replacement"], "type": "EventRetracted"}},
        ["replacement", "type"]),
    "misspelled field in the replacement": (
        lambda t: {**_correction(t), "replacement": _renamed(_correction(t)["replacement"], "rate", "rat")},
        ["replacement"]),
    "wrong v": (lambda t: {**t, "v": 3}, ["v"]),
    "empty scope": (lambda t: {**t, "scope": []}, ["scope"]),
    "HS prefix of odd length": (lambda t: {**t, "scope": ["120"]}, ["scope", 0]),
    "unknown combination": (lambda t: {**t, "combination": "max"}, ["combination"]),
    "misspelled field in the source": (
        lambda t: {**t, "source": _renamed(t["source"], "publisher", "publsher")}, ["source"]),
    "a day that does not exist": (lambda t: {**t, "effective": "2025-02-30"}, ["effective"]),
    "not an object": (lambda t: [t], []),
}


@pytest.mark.parametrize("name", BAD_LINES)
def test_a_bad_line_is_refused_by_the_schema_and_the_library(seeds_dir, name):
    """Each bad line is a real one the library refuses too; the schema's best error points at the field."""
    make, path = BAD_LINES[name]
    line = make(_seed(seeds_dir, "TariffChanged"))
    assert first_error(_correction(_seed(seeds_dir, "TariffChanged"))) is None
    with pytest.raises(events.DecodeError):
        events.from_dict(line)
    error = first_error(line)
    assert error is not None
    assert path == list(error.absolute_path), error.message


def test_a_replacement_carrying_a_chain_field_is_refused_by_the_schema(seeds_dir):
    """The chain belongs to the stored record: a fact nested in a correction has no ``"hash"``."""
    tariff = _seed(seeds_dir, "TariffChanged")
    error = first_error({**_correction(tariff), "replacement": tariff})
    assert error is not None
    assert ["replacement"] == list(error.absolute_path)


def test_a_replacement_carrying_a_chain_field_is_refused_by_the_library(seeds_dir):
    tariff = _seed(seeds_dir, "TariffChanged")
    with pytest.raises(events.DecodeError) as info:
        events.from_dict({**_correction(tariff), "replacement": tariff})
    assert info.value.field == "replacement.hash"


def test_a_misspelled_field_is_named_in_an_error(seeds_dir):
    line = _renamed(_seed(seeds_dir, "TariffChanged"), "rate", "rat")
    assert any("'rat' was unexpected" in error.message for error in VALIDATOR.iter_errors(line))


@pytest.mark.parametrize(("kind", "field", "value"), [
    ("TalksScheduled", "parties", ["USA", "USA"]),
    ("TalksScheduled", "parties", []),
    ("TalksScheduled", "venue", "   "),
    ("LeadersSpoke", "mode", "letter"),
    ("ExportLicencesApproved", "items", []),
    ("ExportLicencesApproved", "count", -1),
    ("ExportLicencesApproved", "count", True),
    ("AccordReached", "window_days", 0),
    ("TradeDataReleased", "period", "2025-13"),
    ("TradeDataReleased", "exports_yoy", "+4.8"),
    ("DelegationNamed", "members", [{"name": "A", "office": "B", "leads": "yes"}]),
])
def test_validator_rules_are_in_the_schema(seeds_dir, kind, field, value):
    """A field's validator narrows its type: the schema refuses what the validator refuses."""
    line = {**_seed(seeds_dir, kind), field: value}
    with pytest.raises(events.DecodeError):
        events.from_dict(line)
    assert first_error(line) is not None


def test_old_versions_are_the_librarys_business(seeds_dir):
    """A v1 ``LicensesApproved`` is read by the library (upcast) but not described by the schema."""
    root = seeds_dir.parent / "tests" / "data" / "london-talks-2025-v1.jsonl"
    old = next(json.loads(line) for line in root.read_text(encoding="utf-8").splitlines()
               if '"LicensesApproved"' in line)
    assert isinstance(events.from_dict(old), events.ExportLicencesApproved)
    assert first_error(old) is not None


def _after_construction(error: BaseException) -> bool:
    """Whether ``error`` comes from a rule an event checks after its fields (``__attrs_post_init__``)."""
    seen: list[BaseException] = [error]
    while seen:
        exc = seen.pop()
        trace = exc.__traceback__
        while trace is not None:
            if trace.tb_frame.f_code.co_name == "__attrs_post_init__":
                return True
            trace = trace.tb_next
        seen.extend(exc.exceptions if isinstance(exc, BaseExceptionGroup) else [])
        seen.extend([exc.__cause__] if exc.__cause__ is not None else [])
    return False


_VALUES = st.sampled_from([
    None, True, 0, -1, 2, 1.5, "", " ", "x", "NaN", "-5", "07", "3E+1", "usa", "USA", "CHN", "2025-01-01",
    "2025-02-30", "2025-01-01T00:00", "2025-01-01T00:00Z", "2025-13", "all", HASH, [], ["USA"], ["12"], {},
])


@st.composite
def mutated_lines(draw) -> dict[str, Any]:
    """A valid line with one change somewhere inside it: a key removed or added, or a value replaced."""
    log = draw(strategies.logs(max_events=12).filter(bool))
    line = copy.deepcopy(json.loads(draw(st.sampled_from(events.dumps_jsonl(log).splitlines()))))
    node: Any = line
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys)) if keys else None
        if key is None or not isinstance(node[key], (dict, list)) or draw(st.booleans()):
            break
        node = node[key]
    action = draw(st.sampled_from(["replace", "remove", "add"] if key is not None else ["add"]))
    if action == "replace":
        node[key] = draw(_VALUES)
    elif action == "remove":
        del node[key]
    elif isinstance(node, dict):
        node[draw(st.sampled_from(["extra", "hash", "type", "v", "note", "Rate"]))] = draw(_VALUES)
    else:
        node.append(draw(_VALUES))
    return line


@given(mutated_lines())
def test_schema_and_library_agree_on_mutated_lines(line):
    """What the schema accepts the library accepts, save rules across fields, and the reverse.

    """
    accepted = first_error(line) is None
    try:
        events.from_dict(line)
    except events.DecodeError as exc:
        assert not accepted or _after_construction(exc), (line, exc)
    else:
        assert accepted, (line, first_error(line))


def test_cli_prints_the_schema(capsys):
    assert 0 == main(["schema"])
    out, err = capsys.readouterr()
    assert ("", SCHEMA) == (err, json.loads(out))
    assert out == json.dumps(SCHEMA, indent=2, sort_keys=True) + "\n"


def test_a_later_version_with_no_later_term_is_refused_by_both(seeds_dir):
    """A TariffChanged line at "v": 2 that uses no version-2 term: the library refuses it (writing it back would
    change its bytes), and so does the schema (found by the mutated-lines property in CI)."""
    line = {**_seed(seeds_dir, "TariffChanged"), "v": 2}
    assert events.from_dict({**line, "v": 1}).stored_version() == 1
    with pytest.raises(events.DecodeError, match="uses no field of a later version"):
        events.from_dict(line)
    assert first_error(line) is not None
    assert first_error({**line, "ends": "2026-01-01"}) is None
