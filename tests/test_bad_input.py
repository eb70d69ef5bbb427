"""Regression tests from trying to break the library: each row is a class of bad input.

Every bad line is refused with a DecodeError naming the field (or the line,
for JSON that is not an event); the CLI exits 1 without a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

import events
import negotiation

STATEMENT = {
    "type": "StatementIssued", "v": 1, "event_id": "s1", "effective": "2025-06-08",
    "recorded": "2025-06-08T14:00:00Z", "party": "USA", "speaker": "x", "summary": "y",
}
TARIFF = {
    "type": "TariffChanged", "v": 1, "event_id": "t1", "effective": "2025-06-08",
    "recorded": "2025-06-08T14:00:00Z", "imposer": "USA", "target": "CHN", "measure": "m", "rate": "30",
}
ACCORD = {
    "type": "AccordReached", "v": 1, "event_id": "a1", "effective": "2025-05-12",
    "recorded": "2025-05-12T07:00:00Z", "accord_id": "geneva", "title": "t", "parties": ["USA", "CHN"],
}

BAD_LINES = [
    ("type tag is a list", {**STATEMENT, "type": ["StatementIssued"]}, "type"),
    ("type tag is an object", {**STATEMENT, "type": {"a": 1}}, "type"),
    ("version is a bool", {**STATEMENT, "v": True}, "v"),
    ("version is a float", {**STATEMENT, "v": 1.0}, "v"),
    ("source is a string", {**STATEMENT, "source": "Reuters"}, "source"),
    ("ISO week date", {**STATEMENT, "effective": "2025-W20-3"}, "effective"),
    ("basic-format date", {**STATEMENT, "effective": "20250608"}, "effective"),
    ("year 1 with an offset", {**STATEMENT, "recorded": "0001-01-01T00:30:00+01:00"}, "recorded"),
    ("date before 1900", {**STATEMENT, "effective": "1899-12-31"}, "effective"),
    ("event id with NUL", {**STATEMENT, "event_id": "a\u0000b"}, "event_id"),
    ("event id zero-width space", {**STATEMENT, "event_id": "\u200b"}, "event_id"),
    ("rate with underscore", {**TARIFF, "rate": "3_0"}, "rate"),
    ("rate with spaces", {**TARIFF, "rate": " 30\n"}, "rate"),
    ("rate in Arabic-Indic digits", {**TARIFF, "rate": "\u0663\u0660"}, "rate"),
    ("rate in exponent form", {**TARIFF, "rate": "1E+400"}, "rate"),
    ("rate too large", {**TARIFF, "rate": "1000001"}, "rate"),
    ("rate too precise", {**TARIFF, "rate": "0.0000001"}, "rate"),
    ("empty scope list", {**TARIFF, "scope": []}, "scope"),
    ("scope in Arabic-Indic digits", {**TARIFF, "scope": ["\u0661\u0662\u0660\u0661"]}, "scope.hs"),
    ("window far beyond 2999", {**ACCORD, "window_days": 3_000_000}, "window_days"),
    ("member field wrong type", {**STATEMENT, "type": "DelegationNamed", "talks_id": "t", "party": "USA",
                                  "members": [{"name": "a", "office": "b", "leads": "yes"}],
                                  "speaker": None, "summary": None}, None),
]


@pytest.mark.parametrize(("line", "field"), [row[1:] for row in BAD_LINES], ids=[row[0] for row in BAD_LINES])
def test_bad_line_refused_naming_field(line, field):
    """The line is refused with a DecodeError naming the field at fault."""
    clean = {key: value for key, value in line.items() if value is not None}
    with pytest.raises(events.DecodeError) as info:
        events.from_dict(clean)
    if field is not None:
        assert field == info.value.field


def test_list_item_errors_name_the_index():
    """An error inside a list names the item's index."""
    line = {**STATEMENT, "type": "DelegationNamed", "talks_id": "t", "party": "USA",
            "members": [{"name": "a", "office": "b"}, {"name": "c", "office": "d", "leads": "yes"}]}
    del line["speaker"], line["summary"]
    with pytest.raises(events.DecodeError) as info:
        events.from_dict(line)
    assert "members[1].leads" == info.value.field


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"type": "StatementIssued", "type": "TalksHeld"}', "duplicate key 'type'"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("[1, 2]", "JSON object"),
        ("42", "JSON object"),
    ],
    ids=["duplicate keys", "deep nesting", "array", "number"],
)
def test_lines_that_are_not_events(text, words):
    """Duplicate keys, deep nesting and non-objects are refused with line 1 named."""
    with pytest.raises(events.DecodeError) as info:
        events.loads_jsonl(text + "\n")
    assert (1, True) == (info.value.line, words in str(info.value))


@pytest.mark.parametrize("row", BAD_LINES[:6], ids=[row[0] for row in BAD_LINES[:6]])
def test_cli_exits_1_without_traceback(tmp_path, row):
    """Both commands exit 1 on bad lines, with the line number and no traceback."""
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(row[1]) + "\n", encoding="utf-8")
    for command in (["replay", str(path), "--as-of", "2025-06-09"], ["validate", str(path)]):
        done = subprocess.run([sys.executable, "-m", "negotiation", *command], capture_output=True, text=True)
        assert (1, False, True) == (done.returncode, "Traceback" in done.stderr, "line 1" in done.stderr)


def test_equal_values_written_differently_are_one_event():
    """30, 30.0 and 3E+1 decode to one canonical value: duplicates agree, output is order-free."""
    plain, padded = events.from_dict(TARIFF), events.from_dict({**TARIFF, "rate": "30.0"})
    first = negotiation.replay([plain, padded], as_of=date(2025, 6, 9))
    second = negotiation.replay([padded, plain], as_of=date(2025, 6, 9))
    assert (plain, first.digest, "30") == (padded, second.digest, str(padded.rate))


def test_negative_zero_is_zero():
    """-0 is stored as 0."""
    assert "0" == str(events.from_dict({**TARIFF, "rate": "-0"}).rate)


@pytest.mark.parametrize(
    ("field", "value"),
    [("items", "gallium"), ("items", {"gallium"}), ("items", None)],
)
def test_strings_and_sets_are_not_split_into_tuples(field, value):
    """A string or a set where a tuple is expected is refused, not split into letters or hash order."""
    with pytest.raises(events.EventValidationError, match=field):
        events.ExportControlChanged(
            event_id="c", effective=date(2025, 1, 1), recorded=datetime(2025, 1, 1, tzinfo=UTC),
            issuer="CHN", control_id="c", action=events.ControlAction.IMPOSED, **{field: value},
        )


def test_parties_as_a_set_refused():
    """Parties given as a set (hash order) are refused."""
    with pytest.raises(events.EventValidationError, match="parties"):
        events.LeadersSpoke(
            event_id="l", effective=date(2025, 1, 1), recorded=datetime(2025, 1, 1, tzinfo=UTC),
            parties={"USA", "CHN"}, leaders=("a",), mode=events.ContactMode.CALL,
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda: negotiation.replay([{}], as_of=date(2025, 1, 1)),
        lambda: negotiation.apply(negotiation.NegotiationState.empty(date(2025, 1, 1)), "x"),
        lambda: negotiation.replay([], as_of=date(2025, 1, 1), known_at=datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))),
    ],
    ids=["dict as event", "string as event", "known_at beyond year 9999 in UTC"],
)
def test_query_errors_are_the_library_s(call):
    """Wrong arguments raise QueryError, not a bare AttributeError or OverflowError."""
    with pytest.raises(negotiation.QueryError):
        call()


@pytest.mark.parametrize(
    "call",
    [lambda: events.loads_jsonl(b"{}"), lambda: events.dumps_jsonl(["x"])],
    ids=["bytes to loads_jsonl", "string to dumps_jsonl"],
)
def test_codec_type_errors(call):
    """Wrong Python types to the codec raise TypeError with a message, not AttributeError."""
    with pytest.raises(TypeError, match="expected"):
        call()


def test_days_remaining_of_a_non_string(london):
    """days_remaining of a list is an UnknownReferenceError, not a TypeError."""
    state = negotiation.replay(london, as_of=date(2025, 6, 9))
    with pytest.raises(negotiation.UnknownReferenceError):
        state.days_remaining(["geneva-2025"])  # type: ignore[arg-type]


def test_accord_reached_twice_refused(london):
    """A second AccordReached for one accord id is inconsistent, naming both events."""
    accord = next(e for e in london if isinstance(e, events.AccordReached))
    again = attrs.evolve(accord, event_id="geneva-again", recorded=accord.recorded + timedelta(hours=1))
    with pytest.raises(negotiation.InconsistentEventError, match="geneva-accord"):
        negotiation.replay([*london, again], as_of=date(2025, 6, 9))


def test_extension_that_shortens_refused(us_china):
    """An AccordExtended whose deadline is not after the current one is inconsistent, in replay and validate."""
    extension = next(e for e in us_china if e.event_id == "geneva-accord-extended-2025-11")
    short = attrs.evolve(extension, effective=date(2025, 11, 1), deadline=date(2025, 11, 5))
    log = [short if e is extension else e for e in us_china]
    problems = negotiation.find_problems(log)
    assert [("geneva-accord-extended-2025-11", "deadline")] == [(p.event_id, p.field) for p in problems]
    with pytest.raises(negotiation.InconsistentEventError, match="2025-11-10"):
        negotiation.replay(log, as_of=date(2025, 12, 31))


def test_talks_reported_before_they_ended_refused():
    """TalksHeld effective before its last day is refused."""
    with pytest.raises(events.EventValidationError, match="effective"):
        events.TalksHeld(
            event_id="h", effective=date(2025, 6, 9), recorded=datetime(2025, 6, 11, tzinfo=UTC),
            talks_id="t", venue="London", parties=("USA", "CHN"), starts=date(2025, 6, 9), ends=date(2025, 6, 10),
        )


def test_trade_period_after_release_refused():
    """Data released for a period that has not begun is refused."""
    with pytest.raises(events.EventValidationError, match="period"):
        events.TradeDataReleased(
            event_id="t", effective=date(2025, 6, 9), recorded=datetime(2025, 6, 9, tzinfo=UTC),
            reporter="CHN", period="2025-07", exports_yoy=Decimal(1), imports_yoy=Decimal(1),
        )


def test_latest_trade_data_compares_period_ends():
    """A May release is later than a Q1 release, whatever the strings sort like."""
    base = {"recorded": datetime(2025, 6, 9, tzinfo=UTC), "reporter": "CHN",
            "exports_yoy": Decimal(1), "imports_yoy": Decimal(1)}
    quarter = events.TradeDataReleased(event_id="q", effective=date(2025, 4, 15), period="2025-Q1", **base)
    month = events.TradeDataReleased(event_id="m", effective=date(2025, 6, 9), period="2025-05", **base)
    assert "2025-05" == negotiation.replay([quarter, month], as_of=date(2025, 6, 30)).trade_data["CHN"].period


def test_scheduled_includes_event_recorded_exactly_at_known_at(us_china):
    """known_at is inclusive for scheduled events too."""
    cut = next(e for e in us_china if e.event_id == "us-ieepa-reciprocal-geneva")
    state = negotiation.replay(us_china, as_of=date(2025, 5, 13), known_at=cut.recorded)
    assert cut.event_id in state.scheduled


def test_apply_detects_conflicts_with_events_not_yet_visible(us_china):
    """apply refuses a conflicting id even when the held event is beyond known_at or the date."""
    known_at = datetime(2025, 5, 1, tzinfo=UTC)
    state = negotiation.replay(us_china, as_of=date(2025, 5, 1), known_at=known_at)
    later = next(e for e in us_china if e.event_id == "us-ieepa-fentanyl-2025-11")
    clash = attrs.evolve(later, rate=Decimal(5), effective=date(2025, 4, 1), recorded=known_at - timedelta(days=1))
    with pytest.raises(negotiation.ConflictingEventError):
        negotiation.apply(state, clash)


def test_validate_names_the_conflicting_line(tmp_path, london):
    """With lines A, B, A where B reuses A's id, validate names line 2."""
    first = london[0]
    other = attrs.evolve(first, note="different")
    path = tmp_path / "dup.jsonl"
    events.write_jsonl(path, [first, other, first])
    done = subprocess.run([sys.executable, "-m", "negotiation", "validate", str(path)], capture_output=True, text=True)
    assert (1, True) == (done.returncode, f"dup.jsonl, line 2, event {first.event_id!r}" in done.stderr)


# --- found by probing corrections, timelines and the new commands ----------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "LOG", "9999-12-31", "9999-12-31"],
        ["timeline", "LOG", "--from", "9999-12-31", "--to", "9999-12-31"],
        ["timeline", "LOG", "--from", "2025-05-14", "--to", "2025-05-13"],
        ["replay", "LOG", "--as-of", "0001-01-01"],
        ["replay", "LOG", "--as-of", "2025-06-09", "--known-at", "9999-12-31T23:00-05:00"],
        ["explain", "LOG", "--as-of", "2025-06-09", "--accord", "geneva-2025", "--product", "1201"],
    ],
    ids=["diff at year 9999", "timeline at year 9999", "reversed range", "year 1", "known-at past year 9999",
         "accord with product"],
)
def test_cli_out_of_range_or_contradictory_is_usage(seeds_dir, argv):
    """Dates outside 1900-2999, reversed ranges and contradictory options exit 2, no traceback."""
    argv = [str(seeds_dir / "us-china.jsonl") if a == "LOG" else a for a in argv]
    done = subprocess.run([sys.executable, "-m", "negotiation", *argv], capture_output=True, text=True)
    assert (2, False) == (done.returncode, "Traceback" in done.stderr)


@pytest.mark.parametrize(
    "call",
    [
        lambda log: negotiation.changes(log, date.min, date(2025, 1, 1)),
        lambda log: list(negotiation.timeline(log, date.max, date.max)),
        lambda log: list(negotiation.timeline(log, date(2025, 1, 1), date(2025, 2, 1), dates=[date(2025, 1, 5), "x"])),
        lambda log: negotiation.explain(negotiation.replay(log, as_of=date(2025, 6, 9)), accord_id=["geneva-2025"]),
        lambda log: negotiation.apply("x", log[0]),
    ],
    ids=["changes from date.min", "timeline at date.max", "a string among dates", "accord id as a list", "apply to a string"],
)
def test_api_query_errors(us_china, call):
    """Bad query arguments raise QueryError, not OverflowError, TypeError or AttributeError."""
    with pytest.raises(negotiation.QueryError):
        call(list(us_china))


def _tariff(**changes):
    fields = {"event_id": "t1", "effective": date(2025, 6, 10), "recorded": datetime(2025, 3, 1, tzinfo=UTC),
              "imposer": "USA", "target": "CHN", "measure": "M1", "rate": Decimal(20)}
    return events.TariffChanged(**{**fields, **changes})


def _fix(target, event_id="fx1", day=5, **changes):
    recorded = datetime(2025, 3, day, tzinfo=UTC)
    return events.EventCorrected(event_id=event_id, effective=recorded.date(), recorded=recorded,
                                 corrects=target.event_id, replacement=attrs.evolve(target, **changes))


def test_correction_of_a_fact_not_yet_in_force_changes_no_digest():
    """A correction of a fact neither in force nor scheduled leaves the state and digest alone."""
    fact = _tariff()
    with_fix = negotiation.replay([fact, _fix(fact, rate=Decimal(25))], as_of=date(2025, 1, 1))
    without = negotiation.replay([fact], as_of=date(2025, 1, 1))
    assert (without, without.digest, {}) == (with_fix, with_fix.digest, dict(with_fix.revisions))


def test_correction_cannot_change_the_type():
    """A correction whose replacement is another event type is inconsistent."""
    fact = _tariff()
    other = events.StatementIssued(event_id="t1", effective=fact.effective, recorded=fact.recorded,
                                   party="USA", speaker="x", summary="y")
    fix = events.EventCorrected(event_id="fx1", effective=date(2025, 3, 5), recorded=datetime(2025, 3, 5, tzinfo=UTC),
                                corrects="t1", replacement=other)
    with pytest.raises(negotiation.InconsistentEventError, match="replacement"):
        negotiation.replay([fact, fix], as_of=date(2025, 7, 1))


def test_retracting_a_retraction_is_explained():
    """Retracting a retraction is refused as inconsistent, not as an unknown id."""
    fact = _tariff()
    first = events.EventRetracted(event_id="r1", effective=date(2025, 3, 5), recorded=datetime(2025, 3, 5, tzinfo=UTC), retracts="t1")
    second = events.EventRetracted(event_id="r2", effective=date(2025, 3, 6), recorded=datetime(2025, 3, 6, tzinfo=UTC), retracts="r1")
    assert [("r2", "InconsistentEventError")] == [(p.event_id, type(p).__name__) for p in negotiation.find_problems([fact, first, second])]


def test_error_from_corrected_content_names_the_correction_line(tmp_path):
    """A bad reference introduced by a correction is reported with the correction's line."""
    fact = _tariff()
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, [fact, _fix(fact, accord_id="nope")])
    done = subprocess.run([sys.executable, "-m", "negotiation", "validate", str(path)], capture_output=True, text=True)
    assert (1, True) == (done.returncode, "as corrected on line 2" in done.stderr)


def test_restatement_is_not_a_change():
    """A second event setting a layer to the level it has is not listed as a change."""
    first = _tariff(effective=date(2025, 4, 1))
    again = _tariff(event_id="t2", effective=date(2025, 4, 5))
    assert [date(2025, 4, 1), date(2025, 4, 1)] == [c.day for c in negotiation.changes([first, again], date(2025, 3, 30), date(2025, 4, 10))]
