"""Regression tests from trying to break the stores: each test is a class of fault, fixed as a class."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import attrs
import pytest

import events
import events._maintenance

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "london-talks-2025.jsonl"


def _negotiation(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "negotiation", *argv], capture_output=True, text=True, check=False)


def _append_one_by_one(path: str, count: int, acknowledged) -> None:
    template = events.read_jsonl(SEED)[0]
    store = events.open_store(path)
    for number in range(count):
        event = attrs.evolve(template, event_id=f"n-{number}")
        while True:
            try:
                store.append([event])
                break
            except events.StoreError:  # the file was replaced by an upgrade: open it again and retry
                store = events.open_store(path)
        acknowledged.value = number + 1


def _always_rewrite(monkeypatch) -> None:
    """Make upgrade rewrite even a current log, as it does an old one."""
    monkeypatch.setattr(events._maintenance, "_is_current", lambda path, records: False)


def test_upgrade_during_appends_loses_no_acknowledged_append(tmp_path, monkeypatch):
    """(A SQLite store open elsewhere is never upgraded: see test_upgrading_a_store_in_use_is_refused_cleanly.)"""
    _always_rewrite(monkeypatch)
    path = str(tmp_path / "log.jsonl")
    events.open_store(path).append(events.read_jsonl(SEED))
    context = multiprocessing.get_context("fork")
    acknowledged = context.Value("i", 0)
    writer = context.Process(target=_append_one_by_one, args=(path, 150, acknowledged))
    writer.start()
    upgrades = 0
    while writer.is_alive() and upgrades < 6:
        events.upgrade(path)
        upgrades += 1
    writer.join(timeout=120)
    assert writer.exitcode == 0
    ids = [event.event_id for event in events.read_log(path)]
    assert len(ids) == len(set(ids)) == 11 + acknowledged.value == 161


def test_an_open_store_never_appends_to_an_upgraded_file(tmp_path, london, monkeypatch):
    _always_rewrite(monkeypatch)
    store = events.open_store(tmp_path / "log.jsonl")
    store.append(london[:3])
    events.upgrade(tmp_path / "log.jsonl")
    with pytest.raises(events.StoreError, match="replaced"):
        store.append(london[3:5])
    assert len(events.read_log(tmp_path / "log.jsonl")) == 3


def test_repair_waits_for_an_append_in_progress(tmp_path, london):
    """A line half written by an appender holding the lock is not cut off as torn."""
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, london[:3])
    line = events.dumps_jsonl(london[:4]).splitlines(keepends=True)[3].encode()
    with open(path, "ab") as stream:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
        stream.write(line[:100])
        stream.flush()
        result: list[object] = []
        repairer = threading.Thread(target=lambda: result.append(events.repair(path)))
        repairer.start()
        repairer.join(timeout=1)
        assert repairer.is_alive(), "repair waits for the lock"
        stream.write(line[100:])
        stream.flush()
        fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
    repairer.join(timeout=30)
    assert result == [None]
    assert events.read_log(path) == london[:4]


@pytest.mark.parametrize("name", ["log.jsonl", "log.sqlite"])
def test_no_store_writes_a_line_it_could_not_read(tmp_path, london, name):
    store = events.open_store(tmp_path / name)
    store.append(london[:2])
    huge = attrs.evolve(london[2], note="x" * events.MAX_LINE_BYTES)
    with pytest.raises(events.StoreError, match="the limit is 1,048,576"):
        store.append([huge])
    assert events.read_log(tmp_path / name) == london[:2]
    with pytest.raises(events.StoreError, match="limit"):
        events.write_jsonl(tmp_path / "other.jsonl", [huge])
    assert not (tmp_path / "other.jsonl").exists()


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1.00000000000000000001", "99999999999999999999"])
def test_numbers_that_cannot_be_kept_exactly_are_refused(tmp_path, number):
    path = tmp_path / "log.jsonl"
    path.write_text('{"type": "FutureThing", "v": 1, "event_id": "f1", "x": ' + number + "}\n", encoding="utf-8")
    with pytest.raises(events.DecodeError, match="line 1: malformed JSON: (number|integer)"):
        events.read_log(path, keep_unknown=True)


def test_opaque_records_keep_their_numbers_through_upgrade(tmp_path, london):
    path = tmp_path / "log.jsonl"
    record = {"type": "FutureThing", "v": 1, "event_id": "f1", "x": 1e5, "y": 0.1, "z": [1, -2, 3.25]}
    events.write_jsonl(path, [*london, events.OpaqueRecord.of(record, "future")])
    assert _negotiation("upgrade", str(path), "--keep-unknown").returncode == 0
    assert events.read_log(path, keep_unknown=True)[-1].to_dict() == record
    assert _negotiation("validate", str(path), "--keep-unknown").returncode == 0


def test_opaque_record_with_a_lone_surrogate_is_refused_on_read(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"type": "FutureThing", "v": 1, "event_id": "s1", "x": "\\ud800"}\n', encoding="utf-8")
    with pytest.raises(events.DecodeError, match="line 1, event 's1': .*lone surrogates"):
        events.read_log(path, keep_unknown=True)


def test_events_refuse_lone_surrogates_when_built():
    template = events.read_jsonl(SEED)[0]
    with pytest.raises(events.EventValidationError, match="note"):
        attrs.evolve(template, note="bad \ud800 text")


def test_an_old_record_with_a_new_field_is_an_error():
    record = {"type": "LicensesApproved", "v": 1, "event_id": "l1", "effective": "2025-06-07",
              "recorded": "2025-06-07T09:00:00Z", "issuer": "CHN", "commodity": "rare earths",
              "items": ["magnets", "gallium"]}
    with pytest.raises(events.DecodeError) as info:
        events.from_dict(record)
    assert info.value.field == "items" and "not part of version 1" in str(info.value)


def test_a_whole_but_invalid_last_line_is_not_torn(tmp_path, london):
    """An editor's last line without a line end is reported as a bad line, and repair keeps it."""
    path = tmp_path / "log.jsonl"
    bad = json.dumps({**events.to_dict(london[0]), "event_id": "hand-written", "rate": "-5"})
    path.write_text(events.dumps_jsonl(london[:2]) + bad, encoding="utf-8")
    with pytest.raises(events.DecodeError) as info:
        events.read_log(path)
    assert not isinstance(info.value, events.TornTailError) and info.value.field == "rate"
    assert events.repair(path) is None and path.read_text(encoding="utf-8").endswith(bad)


def test_backups_keep_their_format(tmp_path, london, monkeypatch):
    _always_rewrite(monkeypatch)
    path = tmp_path / "log.sqlite"
    events.open_store(path).append(london)
    backup = events.upgrade(path)
    assert backup.name == "log.bak.sqlite"
    assert events.read_log(backup) == london and events.verify_log(backup).intact


@pytest.mark.parametrize("text", ["hello\n", "garbage", "# notes\n{}\n"])
def test_verify_refuses_what_is_not_a_log(tmp_path, text):
    path = tmp_path / "notes.jsonl"
    path.write_text(text, encoding="utf-8")
    found = events.verify_log(path)
    assert not found.intact and found.first_bad == 1 and "not a JSON object" in str(found)


def test_a_chained_log_with_a_broken_first_line_is_blamed_on_line_1(tmp_path, seeds_dir):
    path = tmp_path / "log.jsonl"
    lines = (seeds_dir / "london-talks-2025.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[0][:30] + "\n" + "".join(lines[1:]), encoding="utf-8")
    assert events.verify_log(path).first_bad == 1


def test_verify_head_in_any_case_and_garbage_is_usage(tmp_path, seeds_dir):
    log = str(seeds_dir / "london-talks-2025.jsonl")
    head = events.verify_log(log).head
    assert head is not None
    assert _negotiation("verify", log, "--head", head.upper()).returncode == 0
    for garbage in ("xyz", "z" * 64):
        run = _negotiation("verify", log, "--head", garbage)
        assert run.returncode == 2 and "64 hex digits" in run.stderr


def test_a_foreign_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "foreign.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, name TEXT)")
    db.commit()
    db.close()
    for argv in (["verify"], ["validate"], ["replay", "--as-of", "2025-06-09"], ["upgrade"]):
        run = _negotiation(argv[0], str(path), *argv[1:])
        assert run.returncode == 1 and "not an event store" in run.stderr and "Traceback" not in run.stderr
    with pytest.raises(events.StoreError, match="not an event store"):
        events.open_store(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.close()


def test_upgrading_a_store_in_use_is_refused_cleanly(tmp_path, london):
    path = tmp_path / "log.sqlite"
    store = events.SqliteStore(path)
    store.append(london)
    run = _negotiation("upgrade", str(path))
    assert run.returncode == 1 and "busy" in run.stderr and "Traceback" not in run.stderr
    store.close()
    assert _negotiation("upgrade", str(path)).returncode == 0


def test_convert_counts_what_the_target_holds(tmp_path, london):
    source = tmp_path / "dup.jsonl"
    source.write_text(events.dumps_jsonl([*london[:3], london[1]]), encoding="utf-8")
    assert events.convert(source, tmp_path / "dup.sqlite") == 3
    assert events.convert(source, tmp_path / "copy.jsonl") == 4


def test_one_id_two_contents_is_named_by_validate_and_convert(tmp_path, london):
    source = tmp_path / "clash.jsonl"
    opaque = events.OpaqueRecord.of({"type": "FutureThing", "v": 1, "event_id": london[0].event_id}, "future")
    events.write_jsonl(source, [*london[:3], opaque])
    run = _negotiation("validate", str(source), "--keep-unknown")
    assert run.returncode == 1 and f"line 4, event {london[0].event_id!r}: the id of line 1" in run.stderr
    run = _negotiation("convert", str(source), str(tmp_path / "clash.sqlite"), "--keep-unknown")
    assert run.returncode == 1 and f"{source}: event" in run.stderr and ".sqlite." not in run.stderr
    run = _negotiation("convert", str(source), str(tmp_path / "nowhere" / "x.sqlite"))
    assert run.returncode == 1 and "nowhere" in run.stderr and ".x.sqlite." not in run.stderr


def test_a_mark_in_the_middle_of_a_file_is_refused_also_when_catching_up(tmp_path, london):
    path = tmp_path / "log.jsonl"
    store = events.JsonlStore(path)
    store.append(london[:2])
    with open(path, "ab") as stream:
        stream.write(b"\xef\xbb\xbf" + events.dumps_jsonl(london[2:3]).encode())
    with pytest.raises(events.DecodeError, match="line 3"):
        store.append(london[3:4])
    with pytest.raises(events.DecodeError, match="line 3"):
        events.read_log(path)


def test_reading_after_a_huge_position_is_empty(tmp_path, london):
    for name in ("log.jsonl", "log.sqlite"):
        store = events.open_store(tmp_path / name)
        store.append(london)
        assert list(store.read(after=2**63)) == []


def test_validate_reports_a_broken_chain(tmp_path, seeds_dir):
    path = tmp_path / "log.jsonl"
    text = (seeds_dir / "london-talks-2025.jsonl").read_text(encoding="utf-8")
    path.write_text(text.replace("Hour approximate", "Hour approximately", 1), encoding="utf-8")
    run = _negotiation("validate", str(path))
    assert run.returncode == 1 and "hash does not match" in run.stderr and "negotiation verify" in run.stderr


def test_append_command_adds_events_and_keeps_the_chain(tmp_path, seeds_dir, london):
    log = tmp_path / "mine.jsonl"
    log.write_bytes((seeds_dir / "london-talks-2025.jsonl").read_bytes())
    statement = {"type": "StatementIssued", "v": 1, "event_id": "my-note-1", "effective": "2025-06-10",
                 "recorded": "2025-06-10T18:00:00Z", "party": "USA", "speaker": "Howard Lutnick",
                 "summary": "Talks going well."}
    run = subprocess.run([sys.executable, "-m", "negotiation", "append", str(log), "-"],
                         input=json.dumps(statement) + "\n", capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "1 record(s) appended; it holds 12" in run.stdout
    assert events.verify_log(log).intact and events.read_log(log)[-1].event_id == "my-note-1"
    again = _negotiation("append", str(log), str(seeds_dir / "london-talks-2025.jsonl"), "--expected-version", "12")
    assert again.returncode == 0 and "0 record(s) appended (11 already stored, skipped)" in again.stdout
    stale = _negotiation("append", str(log), str(seeds_dir / "london-talks-2025.jsonl"), "--expected-version", "3")
    assert stale.returncode == 1 and "expected version 3" in stale.stderr


def test_upgrade_leaves_a_current_log_alone(tmp_path, seeds_dir):
    for name in ("log.jsonl", "log.sqlite"):
        path = tmp_path / name
        events.convert(seeds_dir / "london-talks-2025.jsonl", path)
        before = path.read_bytes()
        run = _negotiation("upgrade", str(path))
        assert run.returncode == 0 and "already at current versions" in run.stdout
        assert path.read_bytes() == before and not list(tmp_path.glob("log.bak*"))


@pytest.mark.parametrize("target", ["copy.csv", "copy.txt", "copy"])
def test_convert_refuses_a_target_that_is_no_log_name(tmp_path, seeds_dir, target):
    run = _negotiation("convert", str(seeds_dir / "london-talks-2025.jsonl"), str(tmp_path / target))
    assert run.returncode == 1 and "--format csv" in run.stderr and not (tmp_path / target).exists()


def test_reading_a_store_as_json_lines_says_what_it_is(tmp_path, seeds_dir):
    store = tmp_path / "log.sqlite"
    events.convert(seeds_dir / "london-talks-2025.jsonl", store)
    misnamed = tmp_path / "log.jsonl"
    misnamed.write_bytes(store.read_bytes())
    with pytest.raises(events.DecodeError, match="a SQLite database, not JSON Lines"):
        events.read_jsonl(misnamed)
