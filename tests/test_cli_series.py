"""The streamed ``negotiation timeline`` and the one-pass every-pair totals.

``tests/data/cli-golden.json`` holds the SHA-256 of what each command printed
when the command line built every row before printing (before the rows were
streamed): the streamed output must be the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
from contextlib import redirect_stdout
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import events
import negotiation
from events import strategies
from negotiation import _cli as cli_module
from negotiation._cli import main
from negotiation._tariffs import all_goods_breakdowns, all_goods_series, breakdown_series

from .conftest import ROOT

SEEDS = ROOT / "seeds"

GOLDEN = json.loads((ROOT / "tests" / "data" / "cli-golden.json").read_text())


@pytest.mark.parametrize("case", GOLDEN, ids=[" ".join(case["args"]) for case in GOLDEN])
def test_streamed_output_equals_the_output_built_whole(case, monkeypatch, tmp_path):
    """timeline (every pair, a pair, a product, a base, a quota side, known-at) and diff, in every format; then with
    the cache on, twice (the second answered from it)."""
    monkeypatch.chdir(ROOT)
    for cached in (False, True, True):
        if cached:
            monkeypatch.setenv("NEGOTIATION_CACHE", "on")
            monkeypatch.setenv("NEGOTIATION_CACHE_DIR", str(tmp_path / "cache"))
        out = io.StringIO()
        with redirect_stdout(out):
            code = main(case["args"])
        assert code == case["exit"]
        assert hashlib.sha256(out.getvalue().encode("utf-8")).hexdigest() == case["sha256"]
    assert len(list((tmp_path / "cache").glob("*.answer-cache"))) == 1


@pytest.mark.parametrize("case", [case for case in GOLDEN if case["args"][0] == "diff"],
                         ids=[" ".join(case["args"]) for case in GOLDEN if case["args"][0] == "diff"])
def test_diff_folded_again_to_write_equals_the_output_built_whole(case, monkeypatch):
    """A diff with more changes than it holds (here: any) folds the range again to write them: the same bytes."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NEGOTIATION_CACHE", "off")
    monkeypatch.setattr(cli_module, "_HELD_CHANGES", 0)
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(case["args"])
    assert code == case["exit"]
    assert hashlib.sha256(out.getvalue().encode("utf-8")).hexdigest() == case["sha256"]


@given(log=strategies.logs(terms=True), start=st.dates(date(2025, 1, 1), date(2025, 12, 31)),
       span=st.integers(0, 40))
def test_changes_one_at_a_time_equal_the_whole_list(log, start, span):
    """iter_changes yields exactly changes' tuple, in order, or raises the same error."""
    end = start + timedelta(days=span)
    try:
        whole = negotiation.changes(log, start, end)
    except negotiation.NegotiationError as exc:
        with pytest.raises(type(exc)):
            list(negotiation.iter_changes(log, start, end))
        return
    assert tuple(negotiation.iter_changes(log, start, end)) == whole


def _pairs(states):
    return sorted({(layer.imposer, layer.target) for state in states for layer in state.layers.values()})


@given(log=strategies.logs(terms=True), start=st.dates(date(2025, 1, 1), date(2025, 12, 31)),
       span=st.integers(0, 60))
def test_one_pass_totals_equal_each_pair_asked_alone(log, start, span):
    """Every pair's one-pass breakdown (and so its total) equals breakdown / tariff_rate asked for that pair alone,
    on every day of a timeline; the series keeps equal figures where it reuses a day's breakdown."""
    try:
        states = [state for _, state in negotiation.timeline(log, start, start + timedelta(days=span))]
    except negotiation.NegotiationError:
        return  # a log the fold refuses has no totals to compare
    pairs = _pairs(states)
    series = all_goods_series(states, pairs)
    for state, from_series in zip(states, series, strict=True):
        try:
            alone = {pair: state.breakdown(*pair) for pair in pairs}
        except negotiation.InconsistentEventError as exc:
            with pytest.raises(negotiation.InconsistentEventError) as raised:
                all_goods_breakdowns(state, pairs)
            assert raised.value.event_id == exc.event_id
            return
        one_pass = all_goods_breakdowns(state, pairs)
        assert one_pass == alone
        assert state.breakdowns(pairs) == one_pass  # the public one-pass query
        own = all_goods_breakdowns(state)
        assert state.breakdowns() == own
        assert list(own) == sorted({(layer.imposer, layer.target) for layer in state.layers.values()})
        for pair, found in one_pass.items():
            assert from_series[pair].contributions == found.contributions
            assert from_series[pair].summary() == found.summary()
            if not found.missing:
                assert found.additional == state.tariff_rate(*pair)


def test_public_one_pass_query_on_the_seed_log():
    """On 2025-06-09 the US all-goods rate on Chinese goods is 30 (IEEPA-fentanyl 20 + IEEPA-reciprocal 10 of 34),
    asked of every pair at once; friendly codes are accepted and a pair of one party is refused."""
    state = negotiation.replay(events.read_jsonl(SEEDS / "us-china.jsonl"), as_of=date(2025, 6, 9))
    every = state.breakdowns()
    assert every[("USA", "CHN")].additional == Decimal("30")
    assert every[("USA", "CHN")] == state.breakdown("USA", "CHN")
    assert list(state.breakdowns([("usa", "chn")])) == [("USA", "CHN")]
    with pytest.raises(negotiation.QueryError):
        state.breakdowns([("USA", "USA")])


@pytest.mark.parametrize("pairs", [("USA", "CHN"), [("USA", "CHN", "8703")], ["USACHN"], "UC", 5, [None], [("USA",)]])
def test_one_pass_query_refuses_what_is_not_a_list_of_pairs(pairs):
    """breakdowns(pairs) refuses, with a QueryError naming ``pairs``, a shape that is not (imposer, target) pairs:
    one pair given alone, a triple, a string, a number (was a ValueError or TypeError from unpacking)."""
    state = negotiation.replay(events.read_jsonl(SEEDS / "us-china.jsonl"), as_of=date(2025, 6, 9))
    with pytest.raises(negotiation.QueryError, match=r"^pairs="):
        state.breakdowns(pairs)


@given(log=strategies.logs(terms=True), start=st.dates(date(2025, 1, 1), date(2025, 12, 31)),
       span=st.integers(0, 60), data=st.data())
def test_breakdown_series_equals_breakdown_each_day(log, start, span, data):
    """A pair's series equals its breakdown asked on each state (a product, quota side and base drawn too)."""
    try:
        states = [state for _, state in negotiation.timeline(log, start, start + timedelta(days=span))]
    except negotiation.NegotiationError:
        return
    layers = [layer for state in states for layer in state.layers.values()]
    if not layers:
        return
    layer = data.draw(st.sampled_from(layers))
    products = [None] + [prefix.ljust(6, "0") for prefix in layer.scope.hs[:1]]  # all goods, or a code it covers
    product = data.draw(st.sampled_from(products))
    quota = data.draw(st.sampled_from([None, "in", "out"]))
    try:
        alone = [state.breakdown(layer.imposer, layer.target, product, quota=quota) for state in states]
    except negotiation.InconsistentEventError:
        return
    assert list(breakdown_series(states, layer.imposer, layer.target, product, quota=quota)) == alone


@pytest.mark.parametrize("seed", ["us-china", "us-eu", "us-uk"])
def test_one_pass_series_equals_each_pair_on_each_day_of_the_seeds(seed, seeds_dir):
    """On the seeds (blocs, every-partner layers, all-in layers, quotas), every day from 2025 to 2026: the series'
    figures equal each pair asked alone."""
    log = events.read_log(seeds_dir / f"{seed}.jsonl")
    states = [state for _, state in negotiation.timeline(log, date(2025, 1, 1), date(2026, 12, 31))]
    members = {(imposer, member) for state in states for bloc in state.blocs.values() for member in bloc.members
               for imposer, _ in _pairs([state])}
    pairs = sorted(set(_pairs(states)) | members)  # a member state is reached through its bloc's layers
    assert any(target in ("EUU", "WLD") for _, target in pairs)
    for state, found in zip(states, all_goods_series(states, pairs), strict=True):
        for pair in pairs:
            alone = state.breakdown(*pair)
            assert (found[pair].contributions, found[pair].summary()) == (alone.contributions, alone.summary())


@given(log=strategies.logs(terms=True), start=st.dates(date(2025, 1, 1), date(2025, 12, 31)),
       span=st.integers(1, 60))
def test_changed_keys_hold_every_layer_that_changed_from_one_day_to_the_next(log, start, span):
    """diff compares only LayerTable.changed_keys: every key whose layer differs between consecutive days is there
    (reading records in between, which builds them in place, included)."""
    try:
        states = [state for _, state in negotiation.timeline(log, start, start + timedelta(days=span))]
    except negotiation.NegotiationError:
        return
    for index, (before, after) in enumerate(itertools.pairwise(states)):
        if index % 2:
            list(before.layers.values())  # builds every record of the day before in place
        keys = set(before.layers) | set(after.layers)
        differing = {key for key in keys if before.layers.get(key) != after.layers.get(key)}
        if before.layers is after.layers:
            assert not differing
        else:
            assert differing <= after.layers.changed_keys(before.layers)
