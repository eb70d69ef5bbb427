"""The cache of decoded logs (events/_cache.py): served only for the same bytes and the same library, never trusted
on its own word, never in the way."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
import warnings
from datetime import date
from pathlib import Path

import pytest

import events
import negotiation
from events import _cache
from negotiation._cli import main

from .conftest import SEEDS


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A cache folder of the test's own."""
    where = tmp_path / "cache"
    monkeypatch.setenv("NEGOTIATION_CACHE_DIR", str(where))
    monkeypatch.delenv("NEGOTIATION_CACHE", raising=False)
    return where


@pytest.fixture
def log(tmp_path) -> Path:
    """A copy of the US–China seed log."""
    path = tmp_path / "log.jsonl"
    shutil.copyfile(SEEDS / "us-china.jsonl", path)
    return path


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.log-cache"))


def _served(monkeypatch) -> list[str]:
    """Record each time the log is decoded (a miss), by replacing the reader the cache falls back to."""
    decoded: list[str] = []
    real = events.check_log

    def counting(path, *, keep_unknown=False):
        decoded.append(os.fspath(path))
        return real(path, keep_unknown=keep_unknown)

    monkeypatch.setattr("events._store.check_log", counting)
    return decoded


def test_a_hit_gives_back_equal_events(folder, log, monkeypatch):
    decoded = _served(monkeypatch)
    first = events.check_log_cached(log)
    second = events.check_log_cached(log)
    assert decoded == [str(log)]  # the second read is served from the cache
    assert second == first == events.check_log(log)
    assert events.dumps_jsonl(second.events) == events.dumps_jsonl(first.events)
    day = date(2025, 6, 9)
    assert negotiation.replay(second.events, as_of=day).digest == negotiation.replay(first.events, as_of=day).digest
    assert len(_entries(folder)) == 1
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "key").stat().st_mode) == 0o600


def test_same_size_and_time_but_other_bytes_is_a_miss(folder, log, monkeypatch):
    decoded = _served(monkeypatch)
    before = events.check_log_cached(log)
    status = log.stat()
    text = log.read_bytes()
    edited = text.replace(b'"rate": "20"', b'"rate": "21"', 1)
    assert edited != text and len(edited) == len(text)
    log.write_bytes(edited)
    os.utime(log, ns=(status.st_atime_ns, status.st_mtime_ns))  # same size, modification time set back
    assert (log.stat().st_size, log.stat().st_mtime_ns) == (status.st_size, status.st_mtime_ns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        after = events.check_log_cached(log)
    assert decoded == [str(log), str(log)]
    assert after != before
    assert [w.category for w in caught] == [events.ChainWarning]  # the edit breaks the chain, as read uncached


def test_another_schema_fingerprint_is_a_miss_and_drops_the_old_entries(folder, log, monkeypatch):
    decoded = _served(monkeypatch)
    events.check_log_cached(log)
    old = _entries(folder)
    monkeypatch.setattr(_cache, "schema_fingerprint", lambda: "f" * 64)
    found = events.check_log_cached(log)
    assert decoded == [str(log), str(log)]
    assert found == events.check_log(log)
    assert [entry.name for entry in _entries(folder)] != [entry.name for entry in old]
    assert len(_entries(folder)) == 1  # the entry of the other library is gone


def test_fingerprint_covers_the_package_and_is_stable():
    assert _cache.schema_fingerprint() == _cache.schema_fingerprint()
    assert len(_cache.schema_fingerprint()) == 64


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "foreign key"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(folder, log, monkeypatch, damage):
    decoded = _served(monkeypatch)
    expected = events.check_log_cached(log)
    (entry,) = _entries(folder)
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        entry.write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])
    elif damage == "empty":
        entry.write_bytes(b"")
    else:  # an entry authenticated under another key: never unpickled
        (folder / "key").write_bytes(b"k" * 32)
    assert events.check_log_cached(log) == expected
    assert decoded == [str(log), str(log)]
    assert events.check_log_cached(log) == expected  # rebuilt: served again
    assert decoded == [str(log), str(log)]


def test_an_unusable_folder_means_no_cache_not_an_error(tmp_path, log, monkeypatch):
    decoded = _served(monkeypatch)
    monkeypatch.delenv("NEGOTIATION_CACHE", raising=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NEGOTIATION_CACHE_DIR", str(blocker / "cache"))
    assert events.check_log_cached(log) == events.check_log(log)
    open_to_all = tmp_path / "shared"
    open_to_all.mkdir(mode=0o777)
    open_to_all.chmod(0o777)
    monkeypatch.setenv("NEGOTIATION_CACHE_DIR", str(open_to_all))
    assert events.check_log_cached(log) == events.check_log(log)
    assert not list(open_to_all.iterdir())  # never written where others may write
    assert "group or others" in str(events.cache_info())
    assert len(decoded) == 2


def test_cache_off_reads_as_usual(folder, log, monkeypatch):
    monkeypatch.setenv("NEGOTIATION_CACHE", "off")
    assert events.cache_folder() is None
    assert events.check_log_cached(log) == events.check_log(log)
    assert not folder.exists()


def test_a_log_with_problems_is_never_stored(folder, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes((SEEDS / "us-china.jsonl").read_bytes() + b'{"type": "Nope"}\n')
    found = events.check_log_cached(bad)
    uncached = events.check_log(bad)
    assert found.errors and [str(e) for e in found.errors] == [str(e) for e in uncached.errors]
    assert (found.events, found.lines) == (uncached.events, uncached.lines)
    assert not _entries(folder)


def test_a_sqlite_store_changed_through_its_write_ahead_log_is_a_miss(folder, tmp_path):
    store_path = tmp_path / "log.sqlite"
    log = events.read_log(SEEDS / "london-talks-2025.jsonl")
    with events.open_store(store_path) as store:
        store.append(log[:5])
        assert events.check_log_cached(store_path).events == log[:5]
        store.append(log[5:], expected_version=5)
        assert events.check_log_cached(store_path).events == log


def _reader(path: str, folder: str, queue) -> None:
    os.environ["NEGOTIATION_CACHE_DIR"] = folder  # importing this module imported conftest, which turns it off
    os.environ["NEGOTIATION_CACHE"] = "on"
    queue.put(events.dumps_jsonl(events.check_log_cached(path).events))


def test_concurrent_writers_leave_a_whole_entry(folder, log):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_reader, args=(str(log), str(folder), queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=120)
    expected = events.dumps_jsonl(events.check_log(log).events)
    assert results == [expected] * 4
    assert len(_entries(folder)) == 1
    assert not list(folder.glob(".tmp-*"))
    assert events.dumps_jsonl(events.check_log_cached(log).events) == expected


def test_command_line_cache_info_clear_and_no_cache(folder, log, capsys):
    assert main(["replay", str(log), "--as-of", "2025-06-09", "--no-cache"]) == 0
    assert not _entries(folder)
    capsys.readouterr()
    assert main(["replay", str(log), "--as-of", "2025-06-09"]) == 0
    first = capsys.readouterr().out
    assert main(["replay", str(log), "--as-of", "2025-06-09"]) == 0
    assert capsys.readouterr().out == first  # served from the cache: the same state
    assert main(["cache", "info"]) == 0
    info = capsys.readouterr().out
    assert str(folder) in info and "2 entries (decoded logs and answers)" in info
    assert main(["cache", "clear"]) == 0
    assert "2 entries removed" in capsys.readouterr().out
    assert not _entries(folder)


def _answered(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.answer-cache"))


def test_an_answer_is_kept_for_the_same_log_bytes_and_arguments_only(folder, log, capsys, monkeypatch):
    decoded = _served(monkeypatch)
    args = ["timeline", str(log), "--from", "2025-04-08", "--to", "2025-04-10", "--imposer", "USA", "--target", "CHN"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert len(decoded) == 1 and len(_answered(folder)) == 1  # the second run neither decoded nor folded
    assert main([*args[:-1], "MEX"]) == 0  # other arguments: another answer
    assert len(_answered(folder)) == 2
    capsys.readouterr()
    status = log.stat()
    log.write_bytes(log.read_bytes().replace(b'"rate": "125"', b'"rate": "126"', 1))
    os.utime(log, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert main(args) == 0  # same size and time, other bytes: answered anew, from the log as it is
    out, err = capsys.readouterr()
    assert out != first and "hash chain" in err
    assert len(_answered(folder)) == 2  # an answer printed with a warning is not kept


def test_a_forged_answer_is_never_printed(folder, log, capsys):
    args = ["replay", str(log), "--as-of", "2025-06-09"]
    assert main(args) == 0
    expected = capsys.readouterr().out
    (entry,) = _answered(folder)
    data = entry.read_bytes()
    forged = data.replace(b"30", b"31")
    assert forged != data
    entry.write_bytes(forged)  # a changed figure, without the key to authenticate it
    assert main(args) == 0
    assert capsys.readouterr().out == expected


def test_no_answer_is_kept_for_an_error_or_with_no_cache(folder, log, capsys):
    assert main(["replay", str(log), "--as-of", "2025-06-09", "--no-cache"]) == 0
    with pytest.raises(SystemExit):
        main(["timeline", str(log), "--from", "2025-01-01", "--to", "2025-01-02", "--imposer", "USA",
              "--target", "GBR", "--product", "870323", "--quota", "in", "--base", "-1"])
    assert not _answered(folder)


def test_cache_set_to_events_keeps_decoded_logs_but_no_answer(folder, log, capsys, monkeypatch):
    """NEGOTIATION_CACHE=events: the second run reads the kept events (no decode) and works its answer out again."""
    decoded = _served(monkeypatch)
    monkeypatch.setenv("NEGOTIATION_CACHE", "events")
    args = ["replay", str(log), "--as-of", "2025-06-09"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert len(decoded) == 1 and len(_entries(folder)) == 1  # one decode, kept; never an answer
    assert not _answered(folder)
    assert main(["cache", "info"]) == 0
    assert "decoded logs only, no answer kept (NEGOTIATION_CACHE=events)" in capsys.readouterr().out


def test_past_the_size_limit_the_least_recently_used_entries_go(folder, tmp_path, monkeypatch):
    logs = []
    for name in ("us-uk", "us-japan", "london-talks-2025"):
        path = tmp_path / f"{name}.jsonl"
        shutil.copyfile(SEEDS / f"{name}.jsonl", path)
        logs.append(path)
    events.check_log_cached(logs[0])
    (first,) = _entries(folder)
    events.check_log_cached(logs[1])
    (second,) = set(_entries(folder)) - {first}
    os.utime(first, ns=(1, 1))  # both long unused, the second less long
    os.utime(second, ns=(2, 2))
    events.check_log_cached(logs[0])  # a hit marks the first used now
    assert first.stat().st_mtime_ns > 2
    probe = tmp_path / "probe"
    monkeypatch.setenv("NEGOTIATION_CACHE_DIR", str(probe))
    events.check_log_cached(logs[2])
    (third_alone,) = _entries(probe)
    monkeypatch.setenv("NEGOTIATION_CACHE_DIR", str(folder))
    monkeypatch.setattr(_cache, "_MAX_TOTAL", first.stat().st_size + third_alone.stat().st_size)
    events.check_log_cached(logs[2])  # a new entry: past the limit, the least recently used (the second) goes
    kept = _entries(folder)
    assert first in kept and second not in kept and len(kept) == 2
