"""Hardening the SQLite store, class by class: each test is a regression test for one input.

1. Crafted files (a record column holding a BLOB, an integer, NULL or bytes
   that are not UTF-8; a seq column holding text): every command exits 1 or
   2 with one-line errors naming the file (and the record), never a
   traceback, within 5 s.
2. Ownership: a file is a store only if its schema, triggers and
   application_id say so; an append reports what the store holds, read back.
3. ``verify`` recomputes the query columns from the records.
4. Processes creating one new store at once all succeed.
5. FIFOs and missing folders are refused, never opened or waited on.
"""

from __future__ import annotations

import contextlib
import io
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

import events
import events._sqlite_store as sqlite_store
from negotiation._cli import main

# --- helpers ----------------------------------------------------------------------------------------------------

def _store(path: Path, records, *, journal: str = "delete") -> Path:
    """A store made by the library holding ``records``, left in ``journal`` mode (so that its bytes are one file)."""
    with events.SqliteStore(path) as store:
        store.append(records)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA journal_mode = {journal}")
    db.close()
    return path


def _table_sql(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT sql FROM sqlite_master WHERE name = 'records'").fetchone()[0]
    finally:
        db.close()


def _rewrite_table_sql(path: Path, sql: str) -> None:
    """Change the declared schema of ``records`` in place (as a crafted file can), keeping its rows."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA writable_schema = ON")
        version = db.execute("PRAGMA schema_version").fetchone()[0]
        db.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'records'", (sql,))
        db.execute(f"PRAGMA schema_version = {version + 1}")
        db.execute("PRAGMA writable_schema = OFF")
    finally:
        db.close()


def _next_hash(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()[0]
    finally:
        db.close()


def _smuggled(path: Path, london, value: object, *, raw_sql: str | None = None) -> Path:
    """A store the library made, with a 4th row whose record column holds ``value`` (any storage class).

    Its schema, triggers and application_id stay the library's: values that the declared types would
    convert (an integer, NULL) are written under a loose declaration that is then put back.
    """
    _store(path, london[:3])
    exact = _table_sql(path)
    loose = exact.replace("record TEXT NOT NULL", "record").replace("hash TEXT NOT NULL", "hash")
    _rewrite_table_sql(path, loose)
    db = sqlite3.connect(path, isolation_level=None)
    row = (4, "crafted-4", "StatementIssued", 1, "2025-06-09", 0)
    if raw_sql is None:
        db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*row, value, "0" * 64))
    else:
        db.execute(f"INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, {raw_sql}, ?)", (*row, "0" * 64))
    db.close()
    _rewrite_table_sql(path, exact)
    return path


def _loose(path: Path, london, column: str, value: object, *, raw_sql: str | None = None) -> Path:
    """A file with a ``records`` table of the library's column names, undeclared types, and one crafted row."""
    _store(path.with_name("source.sqlite"), london[:3])
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE records (seq, event_id, type, version, effective, recorded_us, record, hash)")
    with contextlib.closing(sqlite3.connect(path.with_name("source.sqlite"))) as source:
        for stored in source.execute("SELECT * FROM records ORDER BY seq"):
            db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", stored)
    row = {"seq": 4, "event_id": "crafted-4", "type": "StatementIssued", "version": 1, "effective": "2025-06-09",
           "recorded_us": 0, "record": "{}", "hash": "0" * 64}
    row[column] = value
    names = list(row)
    values = ", ".join(raw_sql if name == column and raw_sql else "?" for name in names)
    db.execute(f"INSERT INTO records VALUES ({values})",
               [row[name] for name in names if not (name == column and raw_sql)])
    db.close()
    return path


CRAFTED = {
    # (how the file is made, the record the errors name or None)
    "loose table, record BLOB": (lambda p, lo: _loose(p, lo, "record", b'{"type": "X"}'), None),
    "loose table, record integer": (lambda p, lo: _loose(p, lo, "record", 5), None),
    "loose table, record NULL": (lambda p, lo: _loose(p, lo, "record", None), None),
    "loose table, record not UTF-8": (lambda p, lo: _loose(p, lo, "record", None, raw_sql="CAST(X'7bff7d' AS TEXT)"),
                                      None),
    "loose table, seq text": (lambda p, lo: _loose(p, lo, "seq", "four"), None),
    "seq declared TEXT": (lambda p, lo: _typed_seq(p, lo), None),
    "library schema, record BLOB": (lambda p, lo: _smuggled(p, lo, b'{"type": "X"}'), 4),
    "library schema, record integer": (lambda p, lo: _smuggled(p, lo, 5), 4),
    "library schema, record NULL": (lambda p, lo: _smuggled(p, lo, None), 4),
    "library schema, record not UTF-8": (lambda p, lo: _smuggled(p, lo, None, raw_sql="CAST(X'7bff7d' AS TEXT)"), 4),
    "library schema, record not UTF-8 in a string": (
        lambda p, lo: _smuggled(p, lo, None, raw_sql="CAST(X'7b2261223a2262ff227d' AS TEXT)"), 4),
    "library schema, record a JSON number": (lambda p, lo: _smuggled(p, lo, "5"), 4),
    "library schema, hash BLOB": (lambda p, lo: _hash_blob(p, lo), 4),
    "library schema, seq 0": (lambda p, lo: _seq_zero(p, lo), 0),
}


def _typed_seq(path: Path, london) -> Path:
    _store(path, london[:3])
    _rewrite_table_sql(path, _table_sql(path).replace("seq INTEGER PRIMARY KEY", "seq TEXT PRIMARY KEY"))
    return path


def _hash_blob(path: Path, london) -> Path:
    _store(path, london[:3])
    record = events.to_dict(london[3])
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("INSERT INTO records VALUES (4, ?, ?, 1, ?, 0, ?, ?)",
               (london[3].event_id, record["type"], record["effective"],
                json.dumps(record, sort_keys=True, separators=(",", ":")), b"\x00" * 32))
    db.close()
    return path


def _seq_zero(path: Path, london) -> Path:
    _store(path, london[1:4])
    record = events.to_dict(london[0])
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("INSERT INTO records VALUES (0, ?, ?, 1, ?, 0, ?, ?)",
               (london[0].event_id, record["type"], record["effective"],
                json.dumps(record, sort_keys=True, separators=(",", ":")), "0" * 64))
    db.close()
    return path


def _commands(crafted: Path, good: Path, out: Path) -> list[list[str]]:
    """Every command that takes a log, on the crafted file (as the log, a source, a target or new events)."""
    log = str(crafted)
    return [
        ["replay", log, "--as-of", "2025-06-09"],
        ["replay", log, "--as-of", "2025-06-09", "--keep-unknown"],
        ["validate", log],
        ["timeline", log, "--from", "2025-06-01", "--to", "2025-06-10"],
        ["diff", log, "2025-06-01", "2025-06-10"],
        ["explain", log, "--as-of", "2025-06-09", "--imposer", "USA", "--target", "CHN"],
        ["plot", log, "--from", "2025-06-01", "--to", "2025-06-10", "--imposer", "USA", "--target", "CHN",
         "-o", str(out / "plot.png")],
        ["report", log, "--from", "2025-06-01", "--to", "2025-06-10", "-o", str(out / "report.html")],
        ["verify", log],
        ["upgrade", log],
        ["repair", log],
        ["convert", log, str(out / "copy.jsonl")],
        ["convert", log, str(out / "copy.sqlite")],
        ["append", log, str(good)],
        ["append", str(out / "new.sqlite"), log],
        ["append", str(out / "new.jsonl"), log],
    ]


def _run(argv: list[str]) -> tuple[int, str, str, float]:
    """Run the CLI in this process: exit code, stdout, stderr and seconds taken."""
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue(), time.monotonic() - started


def _rows(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return db.execute("SELECT seq, typeof(record), CAST(record AS BLOB), CAST(hash AS BLOB) FROM records "
                          "ORDER BY seq").fetchall()
    finally:
        db.close()


# --- 1. crafted files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_file_every_command_exits_cleanly_naming_file_and_record(tmp_path, london, name):
    make, record = CRAFTED[name]
    crafted = make(tmp_path / "crafted.sqlite", london)
    good = tmp_path / "good.jsonl"
    events.write_jsonl(good, london[5:7])
    rows = _rows(crafted) if record is not None else None
    before = crafted.read_bytes()
    failures = []
    for argv in _commands(crafted, good, tmp_path):
        for leftover in ("copy.jsonl", "copy.sqlite", "new.sqlite", "new.jsonl"):
            (tmp_path / leftover).unlink(missing_ok=True)
        code, _, err, seconds = _run(argv)
        lines = [line for line in err.splitlines() if line.strip()]
        problems = []
        if code not in (1, 2):
            problems.append(f"exit {code}")
        if "Traceback" in err or not lines:
            problems.append("a traceback or no error")
        if not all(str(crafted) in line for line in lines if not line.startswith("negotiation: warning")):
            problems.append("a line that does not name the file")
        if record is not None and argv[0] not in ("upgrade", "repair") and f"record {record}" not in err:
            problems.append(f"record {record} not named")
        if seconds >= 30:  # not a speed test: half the 60 s busy timeout tells a wait on a lock from an answer
            problems.append(f"{seconds:.1f} s, as if waiting on a lock")
        if problems:
            failures.append(f"{' '.join(argv[:1])} {argv[1:]}: {problems}: {err!r}")
        if record is None:
            assert crafted.read_bytes() == before, f"{argv}: a refused file is left as it was"
        else:
            assert _rows(crafted) == rows, f"{argv}: no stored row changes"
    assert not failures, "\n".join(failures)


def test_crafted_file_in_a_real_process_gives_no_traceback(tmp_path, london):
    good = tmp_path / "good.jsonl"
    events.write_jsonl(good, london[5:7])
    for name in ("library schema, record not UTF-8", "loose table, record BLOB"):
        crafted = CRAFTED[name][0](tmp_path / f"{len(name)}.sqlite", london)
        for argv in (["replay", str(crafted), "--as-of", "2025-06-09"], ["verify", str(crafted)],
                     ["append", str(crafted), str(good)]):
            run = subprocess.run([sys.executable, "-m", "negotiation", *argv], capture_output=True, text=True,
                                 check=False, timeout=30)
            assert run.returncode == 1 and "Traceback" not in run.stderr, (name, argv, run.stderr)
            assert str(crafted) in run.stderr


@pytest.mark.parametrize(("name", "words"), [
    ("library schema, record BLOB", "record 4: the record column holds a BLOB, not JSON text"),
    ("library schema, record integer", "record 4: the record column holds an integer, not JSON text"),
    ("library schema, record NULL", "record 4: the record column holds NULL, not JSON text"),
    ("library schema, record not UTF-8", "record 4: the record column is not valid UTF-8"),
    ("library schema, record a JSON number", "record 4: the record column holds JSON that is not an object"),
    ("library schema, hash BLOB", "record 4, event 'london-talks-statement-bessent', field 'hash'"),
    ("library schema, seq 0", "record 0: a sequence number below 1"),
])
def test_crafted_record_errors_in_python_name_the_record(tmp_path, london, name, words):
    crafted = CRAFTED[name][0](tmp_path / "crafted.sqlite", london)
    event_id = london[3].event_id
    words = words.replace("london-talks-statement-bessent", event_id)
    with pytest.raises(events.DecodeError) as info:
        events.read_log(crafted)
    assert words in str(info.value) and str(crafted) in str(info.value)
    assert any(words in str(error) for error in events.check_log(crafted).errors)
    with pytest.raises((events.DecodeError, events.StoreError), match="record (4|0)"):
        events.open_store(crafted).append(london[5:6])
    found = events.verify_log(crafted)
    assert not found.intact and found.first_bad == (0 if "seq 0" in name else 4)


@pytest.mark.parametrize("name", [name for name in sorted(CRAFTED) if not name.startswith("library")])
def test_crafted_table_is_not_an_event_store(tmp_path, london, name):
    crafted = CRAFTED[name][0](tmp_path / "crafted.sqlite", london)
    before = crafted.read_bytes()
    for attempt in (events.open_store, events.read_log, events.check_log, events.verify_log):
        with pytest.raises(events.StoreError, match=rf"{crafted}: not an event store \(its 'records' column seq"):
            attempt(crafted)
    assert crafted.read_bytes() == before


# --- 2. what is a store, and what an append reports ---------------------------------------------------------------


def test_append_reports_what_the_store_holds_read_back(tmp_path, london, monkeypatch):
    """A trigger that silently drops an insert: the append is refused, never counted as written."""
    path = _store(tmp_path / "log.sqlite", [], journal="wal")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TRIGGER drop_eleventh BEFORE INSERT ON records WHEN NEW.seq = 11 "
               "BEGIN SELECT RAISE(IGNORE); END")
    db.close()
    # Such a store is not the library's: refused (see below). Past that check, the read-back still catches it.
    monkeypatch.setattr(sqlite_store, "_ownership_problem", lambda app_id, objects: None)
    store = events.SqliteStore(path)
    with pytest.raises(events.StoreError, match=r"11 record\(s\) were written, but the store holds 10 of them"):
        store.append(london)
    assert store.version == 0 and events.read_log(path) == ()
    code, out, err, _ = _run(["append", str(path), str(Path(__file__).parent.parent / "seeds"
                                                       / "london-talks-2025.jsonl")])
    assert code == 1 and "holds 10 of them" in err and "appended" not in out
    assert store.append(london[:10]) == 10, "returns what the store holds"


def test_append_returns_the_version_read_back_with_other_writers(tmp_path, london):
    path = tmp_path / "log.sqlite"
    first, second = events.SqliteStore(path), events.SqliteStore(path)
    assert first.append(london[:3]) == 3
    assert second.append(london[3:5]) == 5
    assert first.append([*london[:5], london[5]]) == 6, "skipped duplicates are not counted, others' records are"


def test_a_trigger_added_after_opening_refuses_the_next_append(tmp_path, london):
    path = tmp_path / "log.sqlite"
    store = events.SqliteStore(path)
    store.append(london[:3])
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TRIGGER swallow BEFORE INSERT ON records BEGIN SELECT RAISE(IGNORE); END")
    db.close()
    before = _rows(path)
    with pytest.raises(events.StoreError, match="not an event store .*'swallow'.*nothing was written"):
        store.append(london[3:5])
    assert _rows(path) == before and len(before) == 3


MUTATIONS = {
    "insert trigger RAISE(IGNORE)": ("CREATE TRIGGER t BEFORE INSERT ON records BEGIN SELECT RAISE(IGNORE); END",
                                     "a trigger 't' that the library does not make"),
    "no update trigger": ("DROP TRIGGER records_no_update", "append-only trigger 'records_no_update' is missing"),
    "no delete trigger": ("DROP TRIGGER records_no_delete", "append-only trigger 'records_no_delete' is missing"),
    "update trigger that allows updates": (
        ("DROP TRIGGER records_no_update; CREATE TRIGGER records_no_update BEFORE UPDATE ON records "
         "BEGIN SELECT 1; END"), "append-only trigger 'records_no_update' is not the library's"),
    "no index": ("DROP INDEX records_recorded", "index 'records_recorded' is missing"),
    "another table": ("CREATE TABLE notes (x)", "a table 'notes' that the library does not make"),
    "another index": ("CREATE INDEX mine ON records (type)", "an index 'mine'"),
    "a view": ("CREATE VIEW v AS SELECT seq FROM records", "a view 'v'"),
    "another application": ("PRAGMA application_id = 42", "application_id is 42"),
    "a column more": ("ALTER TABLE records ADD COLUMN note TEXT", "columns the library does not make: note"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_database_is_a_store_only_if_schema_triggers_and_id_say_so(tmp_path, london, name):
    statement, words = MUTATIONS[name]
    path = _store(tmp_path / "log.sqlite", london[:4])
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(statement)
    db.close()
    before = path.read_bytes()
    for attempt in (events.open_store, events.read_log, events.check_log, lambda p: events.SqliteStore(p)):
        with pytest.raises(events.StoreError, match="not an event store") as info:
            attempt(path)
        assert words in str(info.value) and str(path) in str(info.value)
    with pytest.raises(events.StoreError, match=words.replace("(", r"\(").replace(")", r"\)")):
        events.verify_log(path)  # every row is right: refused like every other reader
    new = tmp_path / "new.jsonl"
    events.write_jsonl(new, london[5:6])
    code, _, err, _ = _run(["append", str(path), str(new)])
    assert code == 1 and "not an event store" in err and "Traceback" not in err
    assert path.read_bytes() == before and not Path(f"{path}-wal").exists(), "refused untouched"


def test_a_store_without_triggers_accepts_updates_so_it_is_refused(tmp_path, london):
    path = _store(tmp_path / "log.sqlite", london[:4])
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TRIGGER records_no_update")
    db.execute("UPDATE records SET effective = '2030-01-01' WHERE seq = 2")
    db.close()
    with pytest.raises(events.StoreError, match="append-only trigger 'records_no_update' is missing"):
        events.open_store(path)
    found = events.verify_log(path)  # a wrong row is still named, and the missing trigger with it
    assert found.first_bad == 2 and "column 'effective'" in found.problem and "records_no_update" in found.problem


def test_a_store_made_before_application_ids_opens_and_gets_its_id_on_the_next_append(tmp_path, london):
    """Earlier versions made the same schema and triggers, without an id: such a store is still ours."""
    path = _store(tmp_path / "old.sqlite", london[:4])
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA application_id = 0")
    db.close()
    before = path.read_bytes()

    def app_id() -> int:
        with contextlib.closing(sqlite3.connect(path)) as db:
            return db.execute("PRAGMA application_id").fetchone()[0]

    assert events.read_log(path) == london[:4] and events.verify_log(path).intact
    assert path.read_bytes() == before, "reading never writes the id"
    store = events.open_store(path)
    assert store.append(london[:4]) == 4 and app_id() == 0, "an append that writes nothing sets nothing"
    assert store.append(london[4:6]) == 6 and app_id() == events._sqlite_store.APPLICATION_ID
    assert events.read_log(path) == london[:6] and events.verify_log(path).intact


def test_statistics_from_analyze_leave_a_store_ours(tmp_path, london):
    path = _store(tmp_path / "log.sqlite", london[:4])
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("ANALYZE")
        db.commit()
    assert events.open_store(path).append(london[4:6]) == 6 and events.verify_log(path).intact


def test_a_new_store_carries_the_application_id(tmp_path):
    path = tmp_path / "new.sqlite"
    events.open_store(path).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == sqlite_store.APPLICATION_ID == 0x4E454753


def test_an_empty_database_of_another_application_is_not_made_a_store(tmp_path):
    path = tmp_path / "other.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA application_id = 7")
        db.commit()
    before = path.read_bytes()
    with pytest.raises(events.StoreError, match="application_id is 7"):
        events.open_store(path)
    assert path.read_bytes() == before


# --- 3. verify covers the query columns ------------------------------------------------------------------------------


def _edit_column(path: Path, seq: int, column: str, value: object) -> None:
    """Edit a query column behind the chain's back, putting the library's trigger back after."""
    db = sqlite3.connect(path, isolation_level=None)
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'records_no_update'").fetchone()[0]
    db.execute("DROP TRIGGER records_no_update")
    db.execute(f"UPDATE records SET {column} = ? WHERE seq = ?", (value, seq))
    db.execute(trigger)
    db.close()


@pytest.mark.parametrize(("column", "value"), [
    ("effective", "2031-01-01"), ("recorded_us", 0), ("type", "TariffChanged"), ("event_id", "other-id"),
    ("version", 9), ("effective", None), ("recorded_us", "2025-06-09"),
])
def test_verify_recomputes_each_query_column(tmp_path, london, column, value):
    path = _store(tmp_path / "log.sqlite", london)
    assert events.verify_log(path).intact
    with contextlib.closing(sqlite3.connect(path)) as db:
        stored = db.execute(f"SELECT {column} FROM records WHERE seq = 6").fetchone()[0]
    _edit_column(path, 6, column, value)
    found = events.verify_log(path)
    assert (found.intact, found.first_bad, found.unit) == (False, 6, "record")
    assert f"column {column!r} holds {value!r}, but its record says {stored!r}" in found.problem
    code, _, err, _ = _run(["verify", str(path)])
    assert code == 1 and f"{path}, record 6: column {column!r}" in err
    code, _, err, _ = _run(["validate", str(path)])
    assert code == 1 and f"record 6: column {column!r}" in err


def test_verify_names_the_first_disagreeing_row(tmp_path, london):
    path = _store(tmp_path / "log.sqlite", london)
    _edit_column(path, 8, "type", "TalksHeld")
    _edit_column(path, 3, "effective", "2025-01-01")
    assert events.verify_log(path).first_bad == 3


def test_verify_reports_the_chain_first_at_one_row(tmp_path, london):
    path = _store(tmp_path / "log.sqlite", london)
    with contextlib.closing(sqlite3.connect(path)) as db:
        record = json.loads(db.execute("SELECT record FROM records WHERE seq = 5").fetchone()[0])
    record["effective"] = "2025-01-01"
    _edit_column(path, 5, "record", json.dumps(record, sort_keys=True, separators=(",", ":")))
    found = events.verify_log(path)
    assert found.first_bad == 5 and "hash does not match" in found.problem


def test_verify_finds_a_row_inserted_out_of_sequence(tmp_path, london):
    """A well-chained record under a sequence number the library would not give (a gap) is named."""
    path = _store(tmp_path / "log.sqlite", london[:5])
    record = events.to_dict(london[5])
    chained = events._chain.record_hash(_next_hash(path), record)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("INSERT INTO records VALUES (9, ?, ?, ?, ?, ?, ?, ?)",
                   (*sqlite_store._derived(record), json.dumps(record, sort_keys=True, separators=(",", ":")),
                    chained))
        db.commit()
    found = events.verify_log(path)
    assert found.first_bad == 9 and "column 'seq' holds 9, expected 6" in found.problem
    with pytest.raises(events.StoreError, match="record 9: sequence numbers jump from 5 to 9"):
        events.open_store(path).append(london[6:7])


def test_the_readme_queries_answer_from_verified_columns(tmp_path, us_china):
    """Where verify says intact, the SQL over the query columns agrees with the records."""
    path = _store(tmp_path / "log.sqlite", us_china)
    assert events.verify_log(path).intact
    with contextlib.closing(sqlite3.connect(path)) as db:
        by_column = db.execute("SELECT event_id FROM records WHERE effective <= '2025-05-14' ORDER BY seq").fetchall()
    assert [row[0] for row in by_column] == [e.event_id for e in us_china if e.effective.isoformat() <= "2025-05-14"]


# --- 4. concurrent starts ----------------------------------------------------------------------------------------------

PROCESSES, STARTS = 8, 25


def _start_many(folder: str, number: int, barrier, failures) -> None:
    template = events.read_jsonl(Path(__file__).resolve().parent.parent / "seeds" / "london-talks-2025.jsonl")[0]
    for start in range(STARTS):
        barrier.wait(timeout=60)
        try:
            with events.SqliteStore(os.path.join(folder, f"start-{start}.sqlite")) as store:
                assert store.version in (0, 1)
                if number == start % PROCESSES:  # one of the starters also appends, while the others open
                    store.append([attrs.evolve(template, event_id=f"p{number}-s{start}")])
        except Exception as exc:
            failures.put(f"{type(exc).__name__}: {exc}")


def test_processes_creating_one_new_store_at_once_all_succeed(tmp_path):
    """8 processes x 25 starts: each round, every process opens one new path at the same moment (one appends)."""
    context = multiprocessing.get_context("fork")
    barrier, failures = context.Barrier(PROCESSES), context.Queue()
    started = time.monotonic()
    workers = [context.Process(target=_start_many, args=(str(tmp_path), n, barrier, failures))
               for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    seconds = time.monotonic() - started
    errors = []
    while not failures.empty():
        errors.append(failures.get())
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    assert errors == [], f"{len(errors)} of {PROCESSES * STARTS} starts failed: {sorted(set(errors))[:3]}"
    for start in range(STARTS):
        path = tmp_path / f"start-{start}.sqlite"
        assert [e.event_id for e in events.read_log(path)] == [f"p{start % PROCESSES}-s{start}"]
        assert events.verify_log(path).intact
        with contextlib.closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA application_id").fetchone()[0] == sqlite_store.APPLICATION_ID
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert seconds < 30
    print(f"{PROCESSES * STARTS} starts, {len(errors)} failed, {seconds:.2f} s")


def test_opening_waits_for_a_store_held_by_another_connection(tmp_path, london):
    """A store held with a write lock makes an opener wait (as an append does), not fail at once."""
    path = tmp_path / "log.sqlite"
    events.open_store(path).append(london[:2])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    opened: list[object] = []
    thread = threading.Thread(target=lambda: opened.append(events.SqliteStore(path).version), daemon=True)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive() and opened == [], "waits while the lock is held"
    holder.execute("COMMIT")
    holder.close()
    thread.join(timeout=30)
    assert opened == [2]


# --- 5. special files and missing folders -----------------------------------------------------------------------------


def _within(seconds: float, action):
    """Run ``action`` in a thread; fail (rather than hang) if it takes longer than ``seconds``."""
    result: list[object] = []

    def run() -> None:
        try:
            result.append(("value", action()))
        except BaseException as exc:
            result.append(("error", exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    assert result, f"still blocked after {seconds} s"
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("fifo", ["x.sqlite", "x.sqlite-wal", "x.sqlite-journal"])
def test_a_fifo_is_refused_without_being_opened(tmp_path, london, fifo):
    path = tmp_path / "x.sqlite"
    if fifo != "x.sqlite":
        _store(path, london[:2], journal="wal" if fifo.endswith("wal") else "delete")
        Path(f"{path}-wal").unlink(missing_ok=True)
    os.mkfifo(tmp_path / fifo)
    for action in (lambda: events.open_store(path), lambda: events.read_log(path), lambda: events.verify_log(path),
                   lambda: events.check_log(path), lambda: events.SqliteStore(path, create=False)):
        kind, value = _within(5, action)
        assert kind == "error" and isinstance(value, events.StoreError), value
        assert f"{tmp_path / fifo}: not an event store: it is a FIFO (named pipe)" in str(value)
    good = tmp_path / "good.jsonl"
    events.write_jsonl(good, london[:2])
    for argv in _commands(path, good, tmp_path):
        kind, value = _within(5, lambda argv=argv: _run(argv))
        assert kind == "value", value
        code, _, err, _ = value
        assert code in (1, 2) and "Traceback" not in err and len(err.splitlines()) == 1, (argv, err)
        assert "FIFO" in err or "not a regular file" in err or argv[0] == "repair", (argv, err)


def test_a_store_in_a_missing_folder_is_refused(tmp_path, london):
    path = tmp_path / "missing" / "x.sqlite"
    with pytest.raises(FileNotFoundError, match="No such folder") as info:
        events.open_store(path)
    assert info.value.filename == str(path)
    with pytest.raises(FileNotFoundError):
        events.read_log(path)
    assert not (tmp_path / "missing").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        events.open_store(tmp_path / "file" / "x.sqlite")
    good = tmp_path / "good.jsonl"
    events.write_jsonl(good, london[:2])
    for argv in _commands(path, good, tmp_path):
        code, _, err, seconds = _run(argv)
        assert code in (1, 2) and "Traceback" not in err and len(err.splitlines()) == 1, (argv, err)
        assert "missing" in err and seconds < 5
    run = subprocess.run([sys.executable, "-m", "negotiation", "append", str(path), str(good)],
                         capture_output=True, text=True, check=False, timeout=30)
    assert run.returncode == 1 and "Traceback" not in run.stderr and f"cannot use {path}: No such folder" in run.stderr
    assert not (tmp_path / "missing").exists()
