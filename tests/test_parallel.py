"""Many negotiations in parallel on Dask, and states that pickle with the standard library.

The parallel answers are checked against the local functions on the same
logs: equal states, equal digests, equal rows.
"""

from __future__ import annotations

import pickle
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import events
import negotiation
from events import strategies

distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")

from negotiation import frames, parallel  # noqa: E402 - needs distributed, checked above

SEEDS = Path(__file__).parent.parent / "seeds"
STREAMS = {path.stem: path for path in sorted(SEEDS.glob("us-*.jsonl"))}


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("day", [date(2025, 5, 13), date(2025, 9, 1), date(2026, 12, 1)])
def test_seed_states_pickle_with_their_digest(name, day):
    state = negotiation.replay(events.read_log(STREAMS[name]), as_of=day)
    back = pickle.loads(pickle.dumps(state))
    assert back == state
    assert back.digest == state.digest
    assert back.horizon == state.horizon and back.log == state.log and back.revised_by == state.revised_by
    assert back.to_text() == state.to_text()
    assert type(back.layers) is type(state.layers)  # read-only again
    with pytest.raises(TypeError):
        back.layers[next(iter(back.layers))] = None  # type: ignore[index]


@given(log=strategies.logs(max_events=25), day=st.dates(date(2025, 1, 1), date(2025, 12, 31)))
def test_any_state_pickles_with_its_digest(log, day):
    state = negotiation.replay(log, as_of=day)
    back = pickle.loads(pickle.dumps(state))
    assert back == state and back.digest == state.digest


def test_timeline_states_pickle():
    log = events.read_log(STREAMS["us-china"])
    for day, state in negotiation.timeline(log, date(2025, 4, 1), date(2025, 4, 20)):
        back = pickle.loads(pickle.dumps(state))
        assert back.digest == negotiation.replay(log, as_of=day).digest


def test_parallel_replay_equals_local_replays(client):
    day = date(2025, 6, 9)
    got = parallel.replay(list(STREAMS.values()), as_of=day, client=client)
    assert sorted(got) == sorted(STREAMS)
    for name, path in STREAMS.items():
        local = negotiation.replay(events.read_log(path), as_of=day)
        assert got[name] == local
        assert got[name].digest == local.digest
    assert got["us-china"].tariff_rate("USA", "CHN") == 30  # README: IEEPA-fentanyl 20 + IEEPA-reciprocal 10


def test_parallel_replay_keeps_the_known_at_cut_off(client):
    noon = events.parse_instant("2025-05-13T12:00:00Z")
    got = parallel.replay({"talks": STREAMS["us-china"]}, as_of=date(2025, 5, 13), known_at=noon, client=client)
    assert got["talks"].known_at == noon
    assert got["talks"].tariff_rate("USA", "CHN") == 145  # README: before the Geneva cut was known


def test_parallel_timeline_and_series_equal_local(client):
    start, end = date(2025, 4, 1), date(2025, 6, 30)
    lines = parallel.timeline(STREAMS, start=start, end=end, step=timedelta(days=7), client=client)
    series = parallel.tariff_series(STREAMS, start=start, end=end, imposer="USA", target="CHN", client=client)
    for name, path in STREAMS.items():
        log = events.read_log(path)
        local = tuple(negotiation.timeline(log, start, end, step=timedelta(days=7)))
        assert [day for day, _ in lines[name]] == [day for day, _ in local]
        assert [state.digest for _, state in lines[name]] == [state.digest for _, state in local]
        assert series[name] == negotiation.tariff_series(log, start, end, imposer="USA", target="CHN")


def test_parallel_frame_has_every_stream(client):
    start, end = date(2025, 4, 1), date(2025, 4, 30)
    chosen = {name: STREAMS[name] for name in ("us-china", "us-eu")}
    frame = parallel.tariff_frame(chosen, start=start, end=end, imposer="USA", target="CHN", client=client)
    assert str(frame["stream"].dtype) == "category" and list(frame.columns[:2]) == ["stream", "date"]
    assert frame["stream"].value_counts().to_dict() == {"us-china": 30, "us-eu": 30}
    china = frame[frame["stream"] == "us-china"].drop(columns="stream").reset_index(drop=True)
    local = frames.tariff_frame(events.read_log(STREAMS["us-china"]), start, end, imposer="USA", target="CHN")
    assert china[list(local.columns)].equals(local)


def test_a_scheduler_address_is_a_client(client):
    got = parallel.replay(STREAMS["us-uk"], as_of=date(2025, 7, 1), client=client.scheduler.address)
    assert got["us-uk"].digest == negotiation.replay(events.read_log(STREAMS["us-uk"]), as_of=date(2025, 7, 1)).digest


def test_a_missing_stream_names_itself(client, tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        parallel.replay({"gone": tmp_path / "gone.jsonl"}, as_of=date(2025, 6, 9), client=client)
    assert any("'gone'" in note for note in caught.value.__notes__)


def test_two_sources_with_one_name_are_refused(tmp_path):
    other = tmp_path / "us-china.jsonl"
    shutil.copyfile(STREAMS["us-china"], other)
    with pytest.raises(negotiation.QueryError, match="both hold a stream named 'us-china'"):
        parallel.replay([STREAMS["us-china"], other], as_of=date(2025, 6, 9), client="unused")
    with pytest.raises(negotiation.QueryError, match="no sources given"):
        parallel.replay([], as_of=date(2025, 6, 9), client="unused")


@pytest.mark.postgres
def test_a_store_without_a_stream_name_is_every_stream(client, postgres_url):
    """A PostgreSQL URL with no #stream stands for each stream it holds, each replayed by its own task."""
    store_url = postgres_url
    with events.open_store(store_url) as store:
        for name in ("us-china", "us-uk"):
            store.append(events.read_log(STREAMS[name]), stream=name)
    day = date(2025, 7, 1)
    got = parallel.replay(store_url, as_of=day, client=client)
    assert sorted(got) == ["us-china", "us-uk"]
    for name in got:
        assert got[name].digest == negotiation.replay(events.read_log(STREAMS[name]), as_of=day).digest
    one = parallel.replay([store_url + "#us-uk", STREAMS["us-eu"]], as_of=day, client=client)
    assert sorted(one) == ["us-eu", "us-uk"]
