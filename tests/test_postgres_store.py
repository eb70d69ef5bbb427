"""The PostgreSQL store against a real server the suite starts: streams, bad input, concurrent writers, a writer
killed mid-transaction, followers across reconnects, the follow command, and convert giving back the same bytes.

(The store contract itself runs against PostgreSQL in tests/test_stores.py.)
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import attrs
import psycopg
import pytest

import events
from events import PostgresStore

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
TABLE = "negotiation_records"


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "negotiation", *argv], capture_output=True, text=True,
                          timeout=120, check=False)


def _numbered(template: events.AnyEvent, prefix: str, count: int) -> list[events.AnyEvent]:
    return [attrs.evolve(template, event_id=f"{prefix}-{number}") for number in range(count)]


def _sql(location: str, query: str, *params: object) -> list[tuple]:
    with psycopg.connect(location.partition("#")[0], autocommit=True) as db:
        cursor = db.execute(query, params or None)
        return cursor.fetchall() if cursor.description else []


# --- streams ---------------------------------------------------------------------------------------------------------


def test_one_store_holds_many_streams(postgres_url, us_china, london, seeds_dir):
    store = events.open_store(postgres_url)
    assert store.append(us_china[:30], stream="us-china") == 30
    assert store.append(london, stream="london") == len(london)
    assert store.append(us_china[30:], stream="us-china", expected_version=30) == len(us_china)
    assert store.streams() == {"london": len(london), "us-china": len(us_china)}
    assert tuple(store.read(stream="us-china")) == us_china
    assert tuple(store.read(stream="london", after=4)) == london[4:]
    assert tuple(store.read()) == (*us_china[:30], *london, *us_china[30:]), "every stream, in commit order"
    assert store.version == len(us_china) + len(london), "opened on no stream: the global sequence"
    assert events.read_log(postgres_url + "#us-china") == us_china
    assert events.read_log(postgres_url, stream="london") == london
    assert events.verify_log(postgres_url, stream="us-china").head == events.verify_log(seeds_dir / "us-china.jsonl").head
    with pytest.raises(events.StoreError, match=r"holds 2 streams \(london, us-china\): name one"):
        events.read_log(postgres_url)
    with pytest.raises(events.StoreError, match=r"#us-eu: no such stream .*it holds london, us-china"):
        events.read_log(postgres_url + "#us-eu")
    run = _cli("streams", postgres_url)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"london    {len(london)} records\nus-china  {len(us_china)} records\n"


def test_an_event_id_is_unique_per_stream(postgres_url, london):
    store = events.open_store(postgres_url)
    store.append(london[:2], stream="a")
    assert store.append(london[:2], stream="b") == 2, "the same ids in another stream are another negotiation's"
    with pytest.raises(events.DuplicateEventError, match=r"#a: event .* is already stored \(record 1\)"):
        store.append([attrs.evolve(london[0], note="changed")], stream="a")
    assert store.streams() == {"a": 2, "b": 2}


def test_the_sql_columns_answer_both_clocks_and_the_parties(postgres_url, us_china):
    events.open_store(postgres_url + "#us-china").append(us_china)
    both = _sql(postgres_url, f"SELECT event_id FROM {TABLE} WHERE effective <= '2025-05-14' "
                "AND recorded <= '2025-05-12T23:59:59Z' ORDER BY seq")
    assert [row[0] for row in both] == [e.event_id for e in us_china if e.effective.isoformat() <= "2025-05-14"
                                        and e.recorded.isoformat() <= "2025-05-12T23:59:59+00:00"]
    assert len(both) == 32
    britain = _sql(postgres_url, f"SELECT event_id FROM {TABLE} WHERE parties @> '{{GBR}}' ORDER BY seq")
    assert [row[0] for row in britain] == ["us-s232-aluminium-25-gbr", "us-s232-aluminium-50-wld",
                                           "us-s232-steel-25-gbr", "us-s232-steel-50-wld"], "targets and exemptions"
    note = _sql(postgres_url, f"SELECT body->>'note', record FROM {TABLE} WHERE version = 1")[0]
    assert note[0] == us_china[0].note and note[1].startswith('{"accord_id":null,"combination":"add","effective":"2025-02-04"')
    plans = " ".join(row[0] for row in _sql(postgres_url, "SELECT indexdef FROM pg_indexes WHERE tablename = %s", TABLE))
    assert "(effective)" in plans and "(recorded)" in plans and "gin (parties)" in plans


# --- bad input -------------------------------------------------------------------------------------------------------


def test_the_database_refuses_update_delete_and_truncate(postgres_url, london):
    events.open_store(postgres_url + "#s").append(london)
    for statement in (f"UPDATE {TABLE} SET type = 'x'",
                      f"DELETE FROM {TABLE} WHERE version = 3", f"TRUNCATE {TABLE}"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            _sql(postgres_url, statement)
    assert events.read_log(postgres_url + "#s") == london


def test_verify_finds_a_forced_edit_and_a_disabled_trigger(postgres_url, london):
    events.open_store(postgres_url + "#s").append(london)
    _sql(postgres_url, f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_no_change")
    _sql(postgres_url, f"UPDATE {TABLE} SET record = jsonb_set(record::jsonb, '{{note}}', '\"forged\"')::text "
         "WHERE version = 4")
    with pytest.raises(events.StoreError, match="not an event store .*trigger .*no_change is missing or disabled"):
        events.open_store(postgres_url + "#s")
    found = events.verify_log(postgres_url + "#s")
    assert (found.first_bad, found.unit) == (4, "record")
    assert "#s, record 4: hash does not match" in str(found) and "besides, its append-only trigger" in str(found)
    run = _cli("verify", postgres_url + "#s")
    assert run.returncode == 1 and "record 4" in run.stderr and "Traceback" not in run.stderr


def test_verify_finds_an_edited_query_column(postgres_url, london):
    events.open_store(postgres_url + "#s").append(london)
    _sql(postgres_url, f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_no_change")
    _sql(postgres_url, f"UPDATE {TABLE} SET parties = '{{FRA}}' WHERE version = 2")
    _sql(postgres_url, f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_no_change")
    found = events.verify_log(postgres_url + "#s")
    assert found.first_bad == 2 and "column 'parties' holds ['FRA']" in found.problem


def test_a_record_that_does_not_decode_is_named(postgres_url, london):
    store = events.open_store(postgres_url + "#s")
    store.append(london[:2])
    _sql(postgres_url, f"INSERT INTO {TABLE} SELECT 3, 's', 3, 'x', 'TalksHeld', 1, NULL, NULL, '{{}}', "
         "'{\"type\": \"TalksHeld\", \"v\": 1}', '{}', repeat('0', 64)")
    with pytest.raises(events.DecodeError, match=r"#s, record 3.*"):
        events.read_log(postgres_url + "#s")
    checked = events.check_log(postgres_url + "#s")
    assert len(checked.events) == 2 and len(checked.errors) == 1 and "record 3" in str(checked.errors[0])
    assert events.verify_log(postgres_url + "#s").first_bad == 3


@pytest.mark.parametrize(("stream", "message"), [("", "a stream name is 1 to 200"), (" x", "without spaces"),
                                                  ("a\x00b", "printable"), ("x" * 201, "1 to 200")])
def test_a_bad_stream_name_is_refused(postgres_url, london, stream, message):
    with pytest.raises(events.StoreError, match=message):
        events.open_store(postgres_url).append(london[:1], stream=stream)
    assert events.open_store(postgres_url).streams() == {}


def test_appends_need_a_stream_and_reads_a_table(postgres_url, london):
    with pytest.raises(events.StoreError, match="no table negotiation_records"):
        events.read_log(postgres_url + "#s")
    assert _sql(postgres_url, "SELECT to_regclass(%s)", TABLE) == [(None,)], "reading never creates"
    with pytest.raises(events.StoreError, match="name the stream to append to"):
        events.open_store(postgres_url).append(london)


def test_a_table_that_is_not_the_librarys_is_left_alone(postgres_url, london):
    _sql(postgres_url, f"CREATE TABLE {TABLE} (x int)")
    _sql(postgres_url, f"INSERT INTO {TABLE} VALUES (7)")
    for attempt in (lambda: events.open_store(postgres_url + "#s"), lambda: events.read_log(postgres_url + "#s")):
        with pytest.raises(events.StoreError, match="not an event store .*not marked as the library's"):
            attempt()
    assert _sql(postgres_url, f"SELECT x FROM {TABLE}") == [(7,)]


def test_a_password_never_shows(tmp_path):
    secret = "pa55-w0rd-never-shown"
    for location in (f"postgresql://bob:{secret}@/db?host={tmp_path}#s",
                     f"postgres://bob@/db?host={tmp_path}&password={secret}",
                     f"postgresql://bob:{secret}@localhost:notaport/db"):
        with pytest.raises(events.StoreError) as caught:
            events.open_store(location)
        assert secret not in str(caught.value) and "***" in str(caught.value)
        assert secret not in "".join(traceback.format_exception(caught.value)), "nor in a traceback"
        run = _cli("replay", location, "--as-of", "2025-06-01")
        assert run.returncode == 1 and secret not in run.stderr + run.stdout and "Traceback" not in run.stderr


def test_upgrade_and_repair_refuse_a_database(postgres_url, london):
    events.open_store(postgres_url + "#s").append(london)
    with pytest.raises(events.StoreError, match="never rewritten in place"):
        events.upgrade(postgres_url + "#s")
    with pytest.raises(events.StoreError, match="a PostgreSQL store's appends are transactions"):
        events.repair(postgres_url + "#s")


def test_convert_never_writes_into_a_stream_that_holds_records(postgres_url, seeds_dir, london):
    events.open_store(postgres_url + "#us-china").append(london[:1])
    run = _cli("convert", str(seeds_dir / "us-china.jsonl"), postgres_url)
    assert run.returncode == 1 and "#us-china: the stream holds records; it is never overwritten" in run.stderr
    assert events.open_store(postgres_url).streams() == {"us-china": 1}


# --- convert: the same bytes back -------------------------------------------------------------------------------------


def test_convert_to_postgres_and_back_gives_the_same_bytes(postgres_url, seeds_dir, tmp_path):
    source = seeds_dir / "us-china.jsonl"
    run = _cli("convert", str(source), postgres_url)
    assert run.returncode == 0, run.stderr
    assert events.open_store(postgres_url).streams() == {"us-china": len(events.read_jsonl(source))}
    assert _cli("convert", postgres_url + "#us-china", str(tmp_path / "back.jsonl")).returncode == 0
    assert (tmp_path / "back.jsonl").read_bytes() == source.read_bytes()
    assert _cli("convert", postgres_url, str(tmp_path / "back.sqlite")).returncode == 0, "its only stream"
    assert _cli("convert", str(tmp_path / "back.sqlite"), postgres_url + "#again").returncode == 0
    assert _cli("convert", postgres_url, str(tmp_path / "again.jsonl"), "--stream", "again").returncode == 0
    assert (tmp_path / "again.jsonl").read_bytes() == source.read_bytes()
    run = _cli("convert", postgres_url, str(tmp_path / "which.jsonl"))
    assert run.returncode == 1 and "holds 2 streams (again, us-china)" in run.stderr


def test_every_seed_goes_through_postgres_unchanged(new_postgres, seeds_dir, tmp_path):
    location = new_postgres()
    for path in sorted(seeds_dir.glob("*.jsonl")):
        events.convert(path, location)
        events.convert(location, tmp_path / path.name, stream=path.stem)
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


# --- concurrent writers ------------------------------------------------------------------------------------------------


def _write(location: str, prefix: str, count: int, expect: bool, acknowledged: str) -> None:
    """Append ``count`` events one at a time; note each acknowledged id (with ``expect``: retry on a stale version)."""
    store = events.open_store(location)
    template = events.read_jsonl(ROOT / "seeds" / "london-talks-2025.jsonl")[0]
    with open(acknowledged, "a") as done:
        for event in _numbered(template, prefix, count):
            while True:
                try:
                    store.append([event], expected_version=store.version if expect else None)
                except events.ConcurrencyError:
                    continue
                break
            done.write(event.event_id + "\n")
            done.flush()


@pytest.mark.parametrize("expect", [False, True], ids=["without expected_version", "with expected_version"])
def test_four_writer_processes_lose_and_duplicate_nothing(postgres_url, tmp_path, expect):
    location = postgres_url + "#shared"
    events.open_store(location).close()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write, args=(location, f"w{n}", 25, expect, str(tmp_path / f"w{n}.txt")))
               for n in range(4)]
    for writer in writers:
        writer.start()
    seen = 0  # a reader meanwhile: sequence numbers appear in order, never one before another
    while any(writer.is_alive() for writer in writers) or seen < 100:
        new = [row[0] for row in _sql(postgres_url, f"SELECT seq FROM {TABLE} WHERE seq > %s ORDER BY seq", seen)]
        assert new == list(range(seen + 1, seen + 1 + len(new))), "a gap seen by a reader"
        seen += len(new)
        if not new and not any(writer.is_alive() for writer in writers):
            break
        time.sleep(0.01)
    for writer in writers:
        writer.join(timeout=120)
    assert [writer.exitcode for writer in writers] == [0, 0, 0, 0]
    acknowledged = sorted(line for n in range(4) for line in (tmp_path / f"w{n}.txt").read_text().split())
    stored = [event.event_id for event in events.read_log(location)]
    assert sorted(stored) == acknowledged == sorted(f"w{n}-{i}" for n in range(4) for i in range(25))
    rows = _sql(postgres_url, f"SELECT seq, version FROM {TABLE} ORDER BY seq")
    assert rows == [(i, i) for i in range(1, 101)], "one order: no gap, no repeat"
    assert events.verify_log(location).intact


def _append_then_hang(location: str, batch: list[events.AnyEvent], ready: str) -> None:
    """Append ``batch``, but stop inside the transaction (rows written, not committed) and wait to be killed."""
    store = events.open_store(location)
    original = PostgresStore._append_locked

    def hang(self, *args):
        version = original(self, *args)
        Path(ready).write_text(str(version))
        time.sleep(600)

    PostgresStore._append_locked = hang
    store.append(batch)


def test_a_writer_killed_mid_transaction_leaves_nothing_half_written(postgres_url, london, tmp_path):
    location = postgres_url + "#s"
    events.open_store(location).append(london[:3])
    ready = tmp_path / "ready"
    writer = multiprocessing.get_context("spawn").Process(target=_append_then_hang,
                                                          args=(location, list(london[3:9]), str(ready)))
    writer.start()
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert writer.is_alive() and time.monotonic() < deadline, "the writer never got inside its transaction"
        time.sleep(0.02)
    assert ready.read_text() == "9", "six rows written inside the transaction"
    assert events.read_log(location) == london[:3], "readers go on while a writer holds the lock, and see nothing of it"
    os.kill(writer.pid, signal.SIGKILL)
    writer.join(timeout=30)
    assert events.read_log(location) == london[:3]
    started = time.monotonic()
    assert events.open_store(location).append(london[3:], expected_version=3) == len(london)
    assert time.monotonic() - started < 10, "the dead writer's lock was released"
    assert events.read_log(location) == london and events.verify_log(location).intact
    assert _sql(postgres_url, f"SELECT array_agg(seq ORDER BY seq) FROM {TABLE}") == [(list(range(1, len(london) + 1)),)]


# --- following ---------------------------------------------------------------------------------------------------------


def _write_slowly(location: str, count: int) -> None:
    store = events.open_store(location)
    template = events.read_jsonl(ROOT / "seeds" / "london-talks-2025.jsonl")[0]
    for event in _numbered(template, "live", count):
        store.append([event])
        time.sleep(0.02)


def test_a_follower_sees_every_record_once_across_reconnects(postgres_url):
    location = postgres_url + "#live"
    events.open_store(location).close()
    follower = events.open_store(postgres_url + "&application_name=negotiation-follower-test#live")
    writer = multiprocessing.get_context("spawn").Process(target=_write_slowly, args=(location, 60))
    writer.start()
    seen: list[events.Committed] = []
    cuts = 0
    for committed in follower.follow(idle=60):
        seen.append(committed)
        if len(seen) % 12 == 0:  # the server drops the follower's connections: it reconnects and goes on
            cuts += len(_sql(postgres_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                           "WHERE application_name = 'negotiation-follower-test'"))
        if len(seen) == 60:
            break
    writer.join(timeout=60)
    assert writer.exitcode == 0 and cuts >= 4
    assert [c.version for c in seen] == list(range(1, 61))
    assert [c.record.event_id for c in seen] == [f"live-{n}" for n in range(60)]
    assert {c.stream for c in seen} == {"live"} and [c.position for c in seen] == list(range(1, 61))


def test_following_every_stream_yields_each_with_its_stream(postgres_url, london):
    store = events.open_store(postgres_url)
    store.append(london[:2], stream="a")
    store.append(london[:1], stream="b")
    found = [(c.stream, c.version, c.position) for c in store.follow(after=1, idle=0.5)]
    assert found == [("a", 2, 2), ("b", 1, 3)]


def test_the_follow_command_prints_an_append_from_another_process_within_a_second(postgres_url, london, tmp_path):
    location = postgres_url + "#london"
    events.open_store(location).append(london[:5])
    new = tmp_path / "new.jsonl"
    events.write_jsonl(new, london[5:6])
    with subprocess.Popen([sys.executable, "-m", "negotiation", "follow", location, "--as-of", "2025-06-10",
                           "--idle", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as follow:
        lines: queue.Queue[tuple[float, str]] = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put((time.monotonic(), line)) for line in follow.stdout])
        reader.start()
        try:
            assert "following london after 5" in follow.stderr.readline()
            run = _cli("append", location, str(new))
            appended = time.monotonic()
            assert run.returncode == 0, run.stderr
            printed, line = lines.get(timeout=30)
            assert line.startswith(f"london #6  {london[5].effective}  {type(london[5]).__name__}  "
                                   f"{london[5].event_id}")
            assert printed - appended < 1.0, f"printed {printed - appended:.2f} s after the append"
            assert lines.get(timeout=30)[1].startswith("  "), "then the changes it makes"
        finally:
            follow.terminate()
            follow.wait(30)
            reader.join(30)
