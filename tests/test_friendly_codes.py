"""Codes as people write them: '1201.90' and 'usa' are normalised at the edges; logs hold only canonical codes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import events
import negotiation
from events import strategies
from negotiation._cli import main

JUNE_9 = date(2025, 6, 9)


@pytest.mark.parametrize(("written", "canonical"), [
    ("1201.90", "120190"), ("8703.23.01", "87032301"), ("8703.23.01.90", "8703230190"), ("8703 23 19", "87032319"),
    ("1201.9000", "12019000"), (" 120190\t", "120190"), ("120190", "120190"), ("12", "12"), ("1201", "1201"),
])
def test_hs_codes_as_printed_in_tariff_schedules(written, canonical):
    """Dots (the US HTS), spaces (the EU's CN) and surrounding whitespace go; the digits stay."""
    assert canonical == events.normalise_hs(written)


@pytest.mark.parametrize("written", ["12.01", "1201.9", "12019", "1201..90", "1201.90.", ".120190", "1201-90",
                                     "\uff11\uff12\uff10\uff11", "\u0661\u0662\u0660\u0661", "1201.90a", "", "123456789012",
                                     120190, None])
def test_malformed_hs_codes_are_refused_naming_the_value(written):
    """Odd digit counts, misplaced dots, non-ASCII digits, numbers: a ValueError that quotes the value."""
    with pytest.raises(ValueError, match="expected an HS code of 2, 4, 6, 8 or 10 digits") as info:
        events.normalise_hs(written)
    assert f"got {written!r}" in str(info.value)


@pytest.mark.parametrize(("written", "canonical"), [("usa", "USA"), (" Chn ", "CHN"), ("EUU", "EUU"), ("gBr\n", "GBR")])
def test_party_codes_in_any_case(written, canonical):
    assert canonical == events.normalise_party(written)


@pytest.mark.parametrize("written", ["US", "USAA", "U5A", "\u00dcSA", "U SA", "", 840, None])
def test_malformed_party_codes_are_refused_naming_the_value(written):
    with pytest.raises(ValueError, match="expected an alpha-3 party code") as info:
        events.normalise_party(written)
    assert f"got {written!r}" in str(info.value)


@given(code=strategies.hs_codes(), separator=st.sampled_from([".", " ", ""]), pad=st.sampled_from(["", " ", "\t "]))
def test_every_hs_code_written_as_a_schedule_prints_it_normalises_back(code, separator, pad):
    """The heading, then pairs of digits after a dot (or a space, or nothing): back to the canonical code, which is a fixed point."""
    written = code if len(code) == 2 else code[:4] + "".join(separator + code[i:i + 2] for i in range(4, len(code), 2))
    assert code == events.normalise_hs(pad + written + pad)
    assert code == events.normalise_hs(code)
    assert events.is_hs_code(code)


@given(text=st.text(st.sampled_from("0123456789. \t\u0661x"), max_size=14))
def test_normalise_hs_gives_a_canonical_code_or_refuses(text):
    """Whatever the text, the answer is a code events accept, or a ValueError; never something in between."""
    try:
        code = events.normalise_hs(text)
    except ValueError:
        return
    assert events.is_hs_code(code) and code == "".join(ch for ch in text if ch.isdigit())


def test_dotted_and_lowercase_codes_give_the_seed_answers(us_china):
    """Soybeans: China's 20 % on US goods on 2025-06-09 (10 all goods + 10 March list), however the codes are written."""
    state = negotiation.replay(us_china, as_of=JUNE_9)
    assert Decimal(20) == state.tariff_rate("CHN", "USA", "120190")
    assert Decimal(20) == state.tariff_rate("CHN", "USA", "1201.90") == state.tariff_rate("chn", "usa", " 1201.90 ")
    assert Decimal(30) == state.tariff_rate("usa", "chn")
    assert state.tariff_layers("chn", "usa", "1201.90") == state.tariff_layers("CHN", "USA", "120190")
    assert [("CN-counter-Mar", Decimal(10)), ("CN-counter-reciprocal", Decimal(10))] == [
        (layer.measure, layer.applied_rate) for layer in state.counted_layers("chn", "usa", "1201.90")]
    found = state.breakdown("chn", "usa", "1201.90")
    assert ("CHN", "USA", "120190") == (found.imposer, found.target, found.product)
    assert found == state.breakdown("CHN", "USA", "120190")
    explained = negotiation.explain(state, imposer="chn", target="usa", product="1201.90")
    assert explained == negotiation.explain(state, imposer="CHN", target="USA", product="120190")
    assert explained.question.startswith("CHN tariff on goods of USA, HS 120190, on 2025-06-09")


def test_dotted_codes_in_the_deal_logs_duty(seeds_dir):
    """A UK car written 8703.23: the same duty in and out of quota as 870323."""
    uk = negotiation.replay(events.read_log(seeds_dir / "us-uk.jsonl"), as_of=date(2025, 7, 1))
    assert (Decimal(10), Decimal("27.5")) == (uk.duty("usa", "gbr", "8703.23", quota="in"),
                                              uk.duty("USA", "GBR", "8703 23", quota="out"))


def test_rows_hold_the_canonical_codes(us_china):
    """tariff_series given 'usa', 'chn', '1201.90' returns the rows of USA, CHN, 120190."""
    friendly = negotiation.tariff_series(us_china, date(2025, 4, 9), date(2025, 4, 10), imposer="chn", target="usa",
                                         product="1201.90")
    canonical = negotiation.tariff_series(us_china, date(2025, 4, 9), date(2025, 4, 10), imposer="CHN", target="USA",
                                          product="120190")
    assert friendly == canonical
    assert [("CHN", "USA", "120190")] == sorted({(r["imposer"], r["target"], r["product"]) for r in friendly})
    state = negotiation.replay(us_china, as_of=JUNE_9)
    assert negotiation._rows.tariff_row(state, "chn", "usa", "1201.90") == negotiation._rows.tariff_row(
        state, "CHN", "USA", "120190")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"imposer": "US", "target": "CHN"}, "imposer='US': expected an alpha-3 party code"),
    ({"imposer": "USA", "target": "ch1"}, "target='ch1': expected an alpha-3 party code"),
    ({"imposer": "USA", "target": "CHN", "product": "1201.9"}, "product='1201.9': expected None or an HS code"),
    ({"imposer": "USA", "target": "CHN", "product": 120190}, "product=120190: expected None or an HS code"),
])
def test_malformed_codes_in_queries_are_refused(us_china, kwargs, message):
    """The state's methods and the row functions name the argument and the value."""
    state = negotiation.replay(us_china, as_of=JUNE_9)
    for call in (lambda: state.tariff_rate(**kwargs), lambda: state.breakdown(**kwargs),
                 lambda: state.tariff_layers(**kwargs),
                 lambda: negotiation.tariff_series(us_china, JUNE_9, JUNE_9, **kwargs)):
        with pytest.raises(negotiation.QueryError) as info:
            call()
        assert str(info.value).startswith(message)


def test_the_command_line_takes_friendly_codes(capsys, seeds_dir):
    """--imposer chn --target usa --product 1201.90 prints what CHN, USA, 120190 prints."""
    log = str(seeds_dir / "us-china.jsonl")
    outputs = []
    for codes in (["chn", "usa", "1201.90"], ["CHN", "USA", "120190"]):
        common = ["--imposer", codes[0], "--target", codes[1], "--product", codes[2]]
        assert 0 == main(["timeline", log, "--from", "2025-06-08", "--to", "2025-06-09", "--format", "csv", *common])
        assert 0 == main(["explain", log, "--as-of", "2025-06-09", *common])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "2025-06-09,20," in outputs[0]
    assert "CHN tariff on goods of USA, HS 120190" in outputs[0]


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--product", "1201.9", "expected an HS code of 2, 4, 6, 8 or 10 digits"),
    ("--imposer", "U5A", "expected an alpha-3 party code"),
])
def test_the_command_line_refuses_malformed_codes(capsys, seeds_dir, option, value, words):
    """Exit 2 (usage) with the option and the value named."""
    argv = ["timeline", str(seeds_dir / "us-china.jsonl"), "--from", "2025-06-09", "--to", "2025-06-09",
            "--imposer", "CHN", "--target", "USA", option, value]
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert 2 == info.value.code
    assert f"argument {option}: {words}" in err and repr(value) in err


def test_logs_still_hold_only_canonical_codes():
    """Events and log lines with 'usa' or '1201.90' are refused: normalising is for what people type, not for logs."""
    at = datetime(2025, 5, 1, tzinfo=UTC)
    with pytest.raises(events.EventValidationError, match="party"):
        events.StatementIssued(event_id="s", effective=date(2025, 5, 1), recorded=at, party="usa", speaker="x",
                               summary="y")
    with pytest.raises(events.EventValidationError, match="1201.90"):
        events.Scope(hs=("1201.90",))
    good = events.TariffChanged(event_id="t", effective=date(2025, 5, 1), recorded=at, imposer="USA", target="CHN",
                                measure="M", rate=Decimal(10), scope=events.Scope(hs=("120190",)))
    line = json.loads(events.dumps_jsonl([good]))
    for field, value in (("imposer", "usa"), ("scope", {"hs": ["1201.90"]})):
        with pytest.raises(events.DecodeError, match=field):
            events.loads_jsonl(json.dumps({**line, field: value}))
