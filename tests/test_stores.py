"""The event store contract, run against every store; and the faults a store must survive.

Contract: ``version``, ``read(after=)``, ``append(events, expected_version=)``
with optimistic concurrency, duplicates, all-or-nothing appends. Faults: a
torn write, a crash mid-append, concurrent writers in several processes,
tampering with stored records.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import events
from events import strategies

STORES = {"jsonl": "log.jsonl", "sqlite": "log.sqlite"}
KINDS = [*sorted(STORES), pytest.param("postgres", marks=pytest.mark.postgres)]


def _location(kind: str, folder: Path, request) -> Path | str:
    """Where a new store of ``kind`` goes: a file in ``folder``, or a stream of a fresh PostgreSQL schema."""
    if kind == "postgres":
        return request.getfixturevalue("new_postgres")() + "#log"
    return folder / STORES[kind]


@pytest.fixture(params=KINDS)
def store_path(request, tmp_path) -> Path | str:
    """The location of a new store of each kind (a PostgreSQL one as a stream of its own schema)."""
    return _location(request.param, tmp_path, request)


def _open(path: Path | str) -> events.EventStore:
    return events.open_store(path)


def _contents(location: Path | str) -> object:
    """What a store holds, byte for byte where it is a file."""
    return location.read_bytes() if isinstance(location, Path) else list(events.open_store(location).raw())


def test_every_store_is_an_event_store(store_path):
    store = _open(store_path)
    assert isinstance(store, events.EventStore)
    assert (store.version, list(store.read())) == (0, [])


def test_append_then_read_in_order(store_path, london):
    store = _open(store_path)
    assert store.append(london[:4]) == 4
    assert store.append(london[4:], expected_version=4) == len(london)
    assert tuple(store.read()) == london
    assert tuple(store.read(after=9)) == london[9:]
    assert tuple(_open(store_path).read()) == london, "a reopened store reads the same"


def test_stale_expected_version_writes_nothing(store_path, london):
    first, second = _open(store_path), _open(store_path)
    first.append(london[:3])
    with pytest.raises(events.ConcurrencyError, match="expected version 0, but the store is at version 3"):
        second.append(london[3:5], expected_version=0)
    assert tuple(_open(store_path).read()) == london[:3]
    assert second.append(london[3:5], expected_version=3) == 5


def test_a_second_writer_appends_after_the_first(store_path, london):
    first, second = _open(store_path), _open(store_path)
    first.append(london[:2])
    second.append(london[2:4])
    first.append(london[4:6])
    assert tuple(_open(store_path).read()) == london[:6]
    assert events.verify_log(store_path).intact


def test_same_event_again_is_skipped(store_path, london):
    store = _open(store_path)
    store.append(london[:3])
    assert store.append(london[:4]) == 4
    assert tuple(store.read()) == london[:4]


def test_changed_event_under_a_stored_id_writes_nothing(store_path, london):
    store = _open(store_path)
    store.append(london[:3])
    before = _contents(store_path)
    changed = attrs.evolve(london[1], note="edited")
    with pytest.raises(events.DuplicateEventError, match=repr(london[1].event_id)):
        store.append([london[3], changed])
    assert _contents(store_path) == before
    assert tuple(_open(store_path).read()) == london[:3]


def test_changed_event_within_one_append_writes_nothing(store_path, london):
    store = _open(store_path)
    with pytest.raises(events.DuplicateEventError):
        store.append([london[0], london[1], attrs.evolve(london[0], note="other")])
    assert _open(store_path).version == 0


def test_non_events_refused_before_writing(store_path, london):
    store = _open(store_path)
    with pytest.raises(TypeError, match="expected events"):
        store.append([london[0], {"type": "TalksHeld"}])
    assert _open(store_path).version == 0


def test_negative_after_refused(store_path):
    with pytest.raises(events.StoreError, match="after"):
        list(_open(store_path).read(after=-1))


@pytest.mark.parametrize("kind", KINDS)
def test_every_store_chains_the_same_records_alike(tmp_path, us_china, seeds_dir, kind, request):
    """The chain is over record content: every store, any batches, and the seed file agree on the head."""
    location = _location(kind, tmp_path, request)
    store = events.open_store(location)
    store.append(us_china[:20])
    store.append(us_china[20:])
    assert events.verify_log(location).head == events.verify_log(seeds_dir / "us-china.jsonl").head


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=15)
@given(log=strategies.logs(max_events=12), cuts=st.lists(st.integers(0, 12), max_size=3))
def test_any_log_appended_in_batches_reads_back(tmp_path_factory, log, cuts, kind, request):
    """Property: appending a log in any batches to any store reads back the same events, chained.

    The log is appended as it became known (by recorded instant, referents before what refers to them), since a
    store refuses an event naming an id that nothing stored or appended with it defines.
    """
    log = sorted(log, key=lambda e: (e.recorded, bool(events.referenced_ids(e)), e.event_id))
    location = _location(kind, tmp_path_factory.mktemp("batches"), request)
    bounds = [0, *sorted(min(cut, len(log)) for cut in cuts), len(log)]
    store = events.open_store(location)
    for start, end in itertools.pairwise(bounds):
        store.append(log[start:end], expected_version=store.version)
    assert tuple(store.read()) == tuple(log)
    if log:
        assert tuple(events.read_log(location)) == tuple(log)
        assert events.verify_log(location).intact


# --- faults -----------------------------------------------------------------


def test_torn_last_line_is_found_on_open_and_repaired(tmp_path, london, seeds_dir):
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, london)
    whole = path.read_bytes()
    lines = whole.splitlines(keepends=True)
    torn = b"".join(lines[:-1]) + lines[-1][:57]
    path.write_bytes(torn)
    with pytest.raises(events.TornTailError, match=rf"log.jsonl, line {len(london)}.*no line end"):
        events.JsonlStore(path)
    with pytest.raises(events.TornTailError):
        events.read_log(path)
    assert path.read_bytes() == torn, "opening and reading never change a log"

    done = events.repair(path)
    assert done is not None and (done.line, done.removed) == (len(london), 57)
    assert done.backup.read_bytes() == torn
    assert path.read_bytes() == b"".join(lines[:-1])
    store = events.JsonlStore(path)
    assert store.append(london[-1:]) == len(london)
    assert path.read_bytes() == whole
    assert events.repair(path) is None


def test_whole_last_line_without_line_end_never_fuses(tmp_path, london):
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, london[:3])
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    assert events.repair(path) is None, "a whole line is not torn"
    events.JsonlStore(path).append(london[3:5])
    assert events.read_log(path) == london[:5]
    assert len(path.read_bytes().splitlines()) == 5


def test_failed_write_is_cut_back(tmp_path, london, monkeypatch):
    path = tmp_path / "log.jsonl"
    store = events.JsonlStore(path)
    store.append(london[:3])
    before = path.read_bytes()
    real_write = os.write

    def half_then_fail(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        store.append(london[3:])
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert events.JsonlStore(path).version == 3


def _append_in_process(path: str, prefix: str, count: int) -> None:
    store = events.open_store(path)
    template = events.read_jsonl(Path(__file__).resolve().parent.parent / "seeds" / "london-talks-2025.jsonl")[0]
    for number in range(count):
        store.append([attrs.evolve(template, event_id=f"{prefix}-{number}")])


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_writers_lose_and_duplicate_nothing(tmp_path, kind, request):
    """Four processes append 25 events each to one store at once."""
    path = str(_location(kind, tmp_path, request))
    events.open_store(path).close()
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_in_process, args=(path, f"w{n}", 25)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    ids = [event.event_id for event in events.read_log(path)]
    assert sorted(ids) == sorted(f"w{n}-{i}" for n in range(4) for i in range(25))
    assert events.verify_log(path).intact


def _chained_copy(tmp_path: Path, seeds_dir: Path) -> tuple[Path, list[bytes]]:
    path = tmp_path / "log.jsonl"
    path.write_bytes((seeds_dir / "london-talks-2025.jsonl").read_bytes())
    return path, path.read_bytes().splitlines(keepends=True)


def _edit(line: bytes) -> bytes:
    record = json.loads(line)
    record["note"] = record["note"] + " (edited)"
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (lambda lines: [*lines[:4], _edit(lines[4]), *lines[5:]], 5),
        (lambda lines: lines[:4] + lines[5:], 5),
        (lambda lines: [*lines[:4], _edit(lines[2]), *lines[4:]], 5),
        (lambda lines: [*lines[:4], lines[5], lines[4], *lines[6:]], 5),
        (lambda lines: [_edit(lines[0]), *lines[1:]], 1),
    ],
    ids=["edited", "removed", "inserted", "reordered", "first edited"],
)
def test_verify_names_the_first_tampered_line(tmp_path, seeds_dir, tamper, first_bad):
    path, lines = _chained_copy(tmp_path, seeds_dir)
    path.write_bytes(b"".join(tamper(lines)))
    found = events.verify_log(path)
    assert (found.intact, found.first_bad) == (False, first_bad)
    run = subprocess.run([sys.executable, "-m", "negotiation", "verify", str(path)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and f"line {first_bad}:" in run.stderr and "Traceback" not in run.stderr


def test_cut_tail_is_found_with_a_kept_head(tmp_path, seeds_dir):
    path, lines = _chained_copy(tmp_path, seeds_dir)
    head = events.verify_log(path).head
    path.write_bytes(b"".join(lines[:-2]))
    assert events.verify_log(path).intact, "a shorter chain is still a chain"
    found = events.verify_log(path, head=head)
    assert not found.intact and "does not contain head" in str(found)
    path.write_bytes(b"".join(lines))
    assert events.verify_log(path, head=head).intact


def test_seeds_are_chained_and_verify(seeds_dir):
    for path in sorted(seeds_dir.glob("*.jsonl")):
        found = events.verify_log(path)
        assert found.intact and found.records == len(events.read_jsonl(path)), path


def test_unchained_log_is_reported_as_unchained(tmp_path, seeds_dir):
    path = tmp_path / "old.jsonl"
    path.write_bytes((Path(__file__).parent / "data" / "london-talks-2025-v1.jsonl").read_bytes())
    found = events.verify_log(path)
    assert (found.chained, found.first_bad, found.intact) == (False, None, False)
    run = subprocess.run([sys.executable, "-m", "negotiation", "verify", str(path)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "unchained (11 records)" in run.stderr


def test_sqlite_forbids_update_and_delete_and_verify_finds_a_forced_edit(tmp_path, london):
    path = tmp_path / "log.sqlite"
    with events.SqliteStore(path) as store:
        store.append(london)
    db = sqlite3.connect(path)
    for statement in ("UPDATE records SET record = '{}' WHERE seq = 3", "DELETE FROM records WHERE seq = 3"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(statement)
    db.executescript("DROP TRIGGER records_no_update;")
    record = json.loads(db.execute("SELECT record FROM records WHERE seq = 4").fetchone()[0])
    record["note"] = "forged"
    db.execute("UPDATE records SET record = ? WHERE seq = 4", (json.dumps(record),))
    db.commit()
    db.close()
    found = events.verify_log(path)
    assert (found.first_bad, found.unit) == (4, "record")
    assert "record 4:" in str(found)


def test_sqlite_stores_transaction_time_as_instants(tmp_path, us_china):
    """recorded_us is microseconds since the epoch, so SQL orders by instant."""
    path = tmp_path / "log.sqlite"
    with events.SqliteStore(path) as store:
        store.append(us_china)
    db = sqlite3.connect(path)
    by_instant = [row[0] for row in db.execute("SELECT event_id FROM records ORDER BY recorded_us, seq")]
    db.close()
    expected = [e.event_id for e in sorted(us_china, key=lambda e: e.recorded)]
    assert by_instant == expected
    first = us_china[0]
    db = sqlite3.connect(path)
    stored = db.execute("SELECT recorded_us FROM records WHERE event_id = ?", (first.event_id,)).fetchone()[0]
    db.close()
    assert stored == int(first.recorded.timestamp()) * 1_000_000 + first.recorded.microsecond


def test_reading_a_sqlite_log_never_creates_or_changes_it(tmp_path, london):
    missing = tmp_path / "missing.sqlite"
    with pytest.raises(FileNotFoundError):
        events.read_log(missing)
    assert not missing.exists()
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.close()
    with pytest.raises(events.StoreError, match="not an event store"):
        events.read_log(other)
    not_sqlite = tmp_path / "text.sqlite"
    not_sqlite.write_text("hello\n")
    with pytest.raises(events.StoreError, match="not a SQLite event store|not an event store"):
        events.read_log(not_sqlite)
    assert not_sqlite.read_text() == "hello\n"


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@settings(max_examples=15)
@given(log=strategies.logs(max_events=10))
def test_convert_is_lossless_both_ways(tmp_path_factory, log, kind, request):
    """Property: JSON Lines -> SQLite or PostgreSQL -> JSON Lines gives the same events and the same bytes."""
    folder = tmp_path_factory.mktemp("convert")
    events.write_jsonl(folder / "a.jsonl", log)
    middle = _location(kind, folder, request)
    if not log and kind == "postgres":
        return  # a stream exists by its records: an empty one is not kept (a file is)
    assert events.convert(folder / "a.jsonl", middle) == len(log)
    assert events.read_log(middle) == tuple(log)
    events.convert(middle, folder / "c.jsonl")
    assert (folder / "c.jsonl").read_bytes() == (folder / "a.jsonl").read_bytes()


def test_convert_never_overwrites(tmp_path, seeds_dir):
    target = tmp_path / "x.sqlite"
    target.write_bytes(b"precious")
    run = subprocess.run([sys.executable, "-m", "negotiation", "convert", str(seeds_dir / "london-talks-2025.jsonl"),
                          str(target)], capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "never overwritten" in run.stderr
    assert target.read_bytes() == b"precious"


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("argv", [["replay", "--as-of", "2025-06-09"], ["validate"],
                                  ["timeline", "--from", "2025-05-10", "--to", "2025-05-15"],
                                  ["explain", "--as-of", "2025-06-09", "--imposer", "USA", "--target", "CHN"],
                                  ["diff", "2025-05-10", "2025-05-15"]])
def test_every_command_reads_every_store_alike(tmp_path, seeds_dir, argv, kind, request):
    source = seeds_dir / "us-china.jsonl"
    copy = _location(kind, tmp_path, request)
    events.convert(source, copy)
    outputs = []
    for path in (source, copy):
        run = subprocess.run([sys.executable, "-m", "negotiation", argv[0], str(path), *argv[1:]],
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout.replace(str(path), "LOG"))
    assert outputs[0] == outputs[1]


def test_duplicate_error_names_the_stored_line(tmp_path, london):
    """Line numbers stay right after appends, also after a last line without a line end."""
    path = tmp_path / "log.jsonl"
    events.write_jsonl(path, london[:2])
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    store = events.JsonlStore(path)
    store.append(london[2:5])
    for index in (1, 4):
        with pytest.raises(events.DuplicateEventError, match=f"line {index + 1}\\)"):
            store.append([attrs.evolve(london[index], note="changed")])
        with pytest.raises(events.DuplicateEventError, match=f"line {index + 1}\\)"):
            events.JsonlStore(path).append([attrs.evolve(london[index], note="changed")])


@pytest.mark.parametrize("expected", [-1, True, "3", 1.0])
def test_expected_version_must_be_a_count(store_path, london, expected):
    store = _open(store_path)
    with pytest.raises(events.StoreError, match="expected_version"):
        store.append(london[:1], expected_version=expected)
    assert _open(store_path).version == 0


def test_a_replaced_file_is_not_appended_to(tmp_path, london):
    """A store that read one file never appends to another put in its place."""
    path = tmp_path / "log.jsonl"
    store = events.JsonlStore(path)
    store.append(london[:2])
    events.write_jsonl(path, london[:6])
    with pytest.raises(events.StoreError, match="replaced"):
        store.append(london[6:8])
    assert events.read_log(path) == london[:6]
    assert events.JsonlStore(path).append(london[6:8]) == 8


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"   ", b"\n\n  "], ids=["mark only", "blanks", "blank lines"])
def test_repair_leaves_blank_tails_alone(tmp_path, data):
    path = tmp_path / "log.jsonl"
    path.write_bytes(data)
    assert events.repair(path) is None
    assert path.read_bytes() == data and not (tmp_path / "log.bak.jsonl").exists()


def test_version_counts_other_writers(store_path, london):
    """``version`` is how many records the store holds now, whoever appended them."""
    first, second = _open(store_path), _open(store_path)
    first.append(london[:4])
    assert second.version == 4
    assert second.append(london[4:6], expected_version=second.version) == 6


def test_follow_yields_each_new_record_once(store_path, london):
    """Every store follows: the records after ``after``, then each as it is appended, until ``idle`` seconds pass."""
    store = _open(store_path)
    store.append(london[:2])
    seen: list[events.Committed] = []
    follower = threading.Thread(target=lambda: seen.extend(_open(store_path).follow(after=1, idle=2.0)))
    follower.start()
    for start in (2, 4, 6):
        time.sleep(0.3)
        store.append(london[start:start + 2])
    follower.join(timeout=60)
    assert [c.version for c in seen] == [2, 3, 4, 5, 6, 7, 8] and tuple(c.record for c in seen) == london[1:8]
    assert {c.stream for c in seen} == {"log"}


def test_a_file_holds_one_stream_named_by_the_file(tmp_path, london):
    for name in STORES.values():
        store = events.open_store(tmp_path / name)
        store.append(london[:3], stream="log")
        assert (store.stream, store.streams()) == ("log", {"log": 3})
        with pytest.raises(events.StoreError, match="a log file holds one stream, 'log', not 'us-eu'"):
            store.append(london[3:4], stream="us-eu")
        with pytest.raises(events.StoreError, match="not 'us-eu'"):
            events.read_log(tmp_path / name, stream="us-eu")
        run = subprocess.run([sys.executable, "-m", "negotiation", "streams", str(tmp_path / name)],
                             capture_output=True, text=True, check=False)
        assert (run.returncode, run.stdout) == (0, "log  3 records\n")
