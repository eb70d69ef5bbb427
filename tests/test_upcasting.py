"""Schema evolution: old records upcast on read, renamed types through aliases, opaque records by opt-in."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import events
import negotiation
from events._upcasting import Upcasting

LEGACY = Path(__file__).parent / "data" / "london-talks-2025-v1.jsonl"
"""The London seed log as version 0.1.0 wrote it: unchained, with LicensesApproved v1."""

LICENCES_V1 = {
    "type": "LicensesApproved", "v": 1, "event_id": "l1", "effective": "2025-06-07",
    "recorded": "2025-06-07T09:00:00Z", "issuer": "CHN", "commodity": "rare earths", "count": None,
}
FUTURE = {"type": "TalksHeld", "v": 9, "event_id": "f1", "effective": "2025-06-10"}
UNKNOWN = {"type": "SanctionsListed", "v": 1, "event_id": "u1", "effective": "2025-06-10", "entity": "X"}


def _negotiation(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "negotiation", *argv], capture_output=True, text=True, check=False)


GOLDEN = Path(__file__).resolve().parent / "data" / "london-talks-2025-golden.jsonl"
"""The London log as it stood when the version-1 copy was made (the seed has changed since)."""


def test_old_log_reads_as_the_current_seed():
    assert events.read_jsonl(LEGACY) == events.read_jsonl(GOLDEN)


def test_renamed_type_and_old_field_are_upcast():
    event = events.from_dict(LICENCES_V1)
    assert isinstance(event, events.ExportLicencesApproved)
    assert event.items == ("rare earths",)
    assert events.to_dict(event)["type"] == "ExportLicencesApproved" and events.to_dict(event)["v"] == 2


def test_old_record_missing_its_old_field_is_an_error():
    record = {key: value for key, value in LICENCES_V1.items() if key != "commodity"}
    with pytest.raises(events.DecodeError) as info:
        events.from_dict(record)
    assert (info.value.field, info.value.event_id) == ("commodity", "l1")


def test_misspelled_field_in_an_old_record_is_an_error():
    with pytest.raises(events.DecodeError) as info:
        events.from_dict({**LICENCES_V1, "cuont": 3})
    assert info.value.field == "cuont" and "unknown field" in str(info.value)


def test_upcasters_apply_step_by_step():
    registry = Upcasting({"Thing": 3})
    registry.alias("OldThing", "Thing")
    registry.register("Thing", 1)(lambda fields: {**fields, "trail": [*fields["trail"], "1->2"]})
    registry.register("Thing", 2)(lambda fields: {**fields, "trail": [*fields["trail"], "2->3"]})
    assert registry.upgrade({"type": "OldThing", "v": 1, "trail": []}) == ("Thing", {"trail": ["1->2", "2->3"]})
    assert registry.upgrade({"type": "Thing", "v": 2, "trail": []}) == ("Thing", {"trail": ["2->3"]})
    with pytest.raises(events.UnknownRecordError, match="newer"):
        registry.upgrade({"type": "Thing", "v": 4})
    with pytest.raises(ValueError, match="cannot register"):
        registry.register("Thing", 3)


def test_a_missing_step_is_unreadable():
    registry = Upcasting({"Thing": 3})
    registry.register("Thing", 2)(lambda fields: fields)
    with pytest.raises(events.UnknownRecordError, match="no upcaster reads Thing version 1"):
        registry.upgrade({"type": "Thing", "v": 1})


def test_reading_never_rewrites_an_old_log(tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_bytes(LEGACY.read_bytes())
    events.read_log(path)
    events.JsonlStore(path)
    assert _negotiation("replay", str(path), "--as-of", "2025-06-09").returncode == 0
    assert path.read_bytes() == LEGACY.read_bytes()


def test_upgrade_rewrites_with_current_versions_and_a_chain(tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_bytes(LEGACY.read_bytes())
    run = _negotiation("upgrade", str(path))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "old.bak.jsonl").read_bytes() == LEGACY.read_bytes()
    text = path.read_text(encoding="utf-8")
    assert "LicensesApproved" not in text and '"type": "ExportLicencesApproved", "v": 2' in text
    assert events.read_jsonl(path) == events.read_jsonl(GOLDEN)
    assert events.verify_log(path).intact
    path.write_bytes(LEGACY.read_bytes())
    assert _negotiation("upgrade", str(path)).returncode == 0
    assert (tmp_path / "old.bak-1.jsonl").read_bytes() == LEGACY.read_bytes(), "a second backup never overwrites the first"
    assert (tmp_path / "old.bak.jsonl").read_bytes() == LEGACY.read_bytes()


@pytest.mark.parametrize("record", [FUTURE, UNKNOWN], ids=["future version", "unknown type"])
def test_unreadable_records_are_errors_unless_kept(record, london):
    text = events.dumps_jsonl(london) + json.dumps(record) + "\n"
    with pytest.raises(events.UnknownRecordError) as info:
        events.loads_jsonl(text)
    assert info.value.line == len(london) + 1 and info.value.field in ("type", "v")
    kept = events.loads_jsonl(text, keep_unknown=True)
    opaque = kept[-1]
    assert isinstance(opaque, events.OpaqueRecord)
    assert (opaque.event_id, opaque.to_dict()) == (record["event_id"], record)
    with pytest.warns(negotiation.OpaqueRecordWarning, match=record["event_id"]):
        state = negotiation.replay(kept, as_of=date(2025, 6, 9))
    assert state == negotiation.replay(london, as_of=date(2025, 6, 9))


def test_opaque_records_survive_conversion_both_ways(tmp_path, london):
    source = tmp_path / "a.jsonl"
    source.write_text(events.dumps_jsonl([*london, events.OpaqueRecord.of(UNKNOWN, "unknown")]), encoding="utf-8")
    assert events.verify_log(source).intact
    assert _negotiation("convert", str(source), str(tmp_path / "b.sqlite")).returncode == 1
    assert not (tmp_path / "b.sqlite").exists()
    assert _negotiation("convert", str(source), str(tmp_path / "b.sqlite"), "--keep-unknown").returncode == 0
    assert _negotiation("convert", str(tmp_path / "b.sqlite"), str(tmp_path / "c.jsonl"), "--keep-unknown").returncode == 0
    assert (tmp_path / "c.jsonl").read_bytes() == events.dumps_jsonl(
        events.read_jsonl(source, keep_unknown=True)).encode()
    assert events.read_log(tmp_path / "c.jsonl", keep_unknown=True)[-1].to_dict() == UNKNOWN


def test_cli_skips_kept_records_with_a_warning(tmp_path, london):
    path = tmp_path / "a.jsonl"
    path.write_text(events.dumps_jsonl(london) + json.dumps(FUTURE) + "\n", encoding="utf-8")
    refused = _negotiation("replay", str(path), "--as-of", "2025-06-09")
    assert refused.returncode == 1
    assert f"line {len(london) + 1}" in refused.stderr and "field 'v'" in refused.stderr
    kept = _negotiation("replay", str(path), "--as-of", "2025-06-09", "--keep-unknown")
    assert kept.returncode == 0 and "warning: skipped 1 opaque record(s)" in kept.stderr and "f1" in kept.stderr
