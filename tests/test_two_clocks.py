"""Issue "two clocks and moving time": known-at, corrections, retractions, clock rules, timelines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

import events
import negotiation
from negotiation import AccordStatus

D = date.fromisoformat
UTC = UTC


def by_id(log, event_id):
    return next(e for e in log if e.event_id == event_id)


def correction(event_id, target, recorded, **changes):
    return events.EventCorrected(
        event_id=event_id, effective=recorded.date(), recorded=recorded, corrects=target.event_id,
        replacement=attrs.evolve(target, **changes),
    )


# --- known-at on the seed log ---------------------------------------------------------


def test_what_was_known_on_may_13_about_may_14(us_china):
    """Known at 05-13 12:00Z: 145 on 05-13, the cut to 30 scheduled for 05-14; as of 05-14, 30."""
    noon = datetime(2025, 5, 13, 12, tzinfo=UTC)
    on_13 = negotiation.replay(us_china, as_of=D("2025-05-13"), known_at=noon)
    on_14 = negotiation.replay(us_china, as_of=D("2025-05-14"), known_at=noon)
    assert (Decimal(145), D("2025-05-14"), Decimal(30)) == (
        on_13.tariff_rate("USA", "CHN"), on_13.scheduled["us-ieepa-reciprocal-geneva"].effective,
        on_14.tariff_rate("USA", "CHN"),
    )


def test_extension_known_late_means_lapse_only_before_it_was_recorded(us_china):
    """As of 08-12: known at 08-11 the accord lapsed and 54 applied; known now, it never lapsed (30)."""
    before = negotiation.replay(us_china, as_of=D("2025-08-12"), known_at=datetime(2025, 8, 11, 12, tzinfo=UTC))
    now = negotiation.replay(us_china, as_of=D("2025-08-12"))
    assert (AccordStatus.LAPSED, Decimal(54)) == (before.accords["geneva-2025"].status, before.tariff_rate("USA", "CHN"))
    assert (AccordStatus.ACTIVE, Decimal(30)) == (now.accords["geneva-2025"].status, now.tariff_rate("USA", "CHN"))


def test_november_changes_scheduled_after_the_orders(us_china):
    """On 11-05, the 11-10 fentanyl cut (EO 14357, recorded 11-04) is scheduled; the total is still 30."""
    state = negotiation.replay(us_china, as_of=D("2025-11-05"))
    assert (Decimal(30), D("2025-11-10")) == (
        state.tariff_rate("USA", "CHN"), state.scheduled["us-ieepa-fentanyl-2025-11"].effective
    )


# --- corrections and retractions ------------------------------------------------------------


def test_correction_applies_from_its_recorded_time(us_china):
    """A correction of the fentanyl rate shows for known-at after it, the original before."""
    original = by_id(us_china, "us-ieepa-fentanyl-20")
    fix = correction("fix-1", original, datetime(2025, 3, 20, tzinfo=UTC), rate=Decimal(25))
    log = [*us_china, fix]
    before = negotiation.replay(log, as_of=D("2025-03-25"), known_at=fix.recorded - timedelta(seconds=1))
    after = negotiation.replay(log, as_of=D("2025-03-25"), known_at=fix.recorded)
    assert (Decimal(20), Decimal(25)) == (before.tariff_rate("USA", "CHN"), after.tariff_rate("USA", "CHN"))
    assert ({}, {"us-ieepa-fentanyl-20": "fix-1"}) == (dict(before.revisions), dict(after.revisions))


def test_correction_can_move_the_effective_date(us_china):
    """A correction that moves the effective date orders the content by the new date."""
    original = by_id(us_china, "us-ieepa-fentanyl-10")
    fix = correction("fix-date", original, datetime(2025, 2, 20, tzinfo=UTC), effective=D("2025-02-07"))
    state = negotiation.replay([*us_china, fix], as_of=D("2025-02-05"))
    assert (Decimal(0), D("2025-02-07")) == (state.tariff_rate("USA", "CHN"), state.scheduled["us-ieepa-fentanyl-10"].effective)


def test_correction_of_a_correction(us_china):
    """A second correction of the same fact supersedes the first from its own recorded time."""
    original = by_id(us_china, "us-ieepa-fentanyl-20")
    first = correction("fix-1", original, datetime(2025, 3, 20, tzinfo=UTC), rate=Decimal(25))
    second = correction("fix-2", original, datetime(2025, 3, 22, tzinfo=UTC), rate=Decimal(20), note="rate confirmed")
    log = [*us_china, first, second]
    rates = [
        negotiation.replay(log, as_of=D("2025-03-25"), known_at=datetime(2025, 3, day, 12, tzinfo=UTC)).tariff_rate("USA", "CHN")
        for day in (19, 21, 23)
    ]
    assert [Decimal(20), Decimal(25), Decimal(20)] == rates


def test_retraction_withdraws_from_its_recorded_time(us_china):
    """Retracting a statement removes it from known-at after the retraction only."""
    statement = by_id(us_china, "trump-violation-2025-05-30")
    retraction = events.EventRetracted(
        event_id="retract-1", effective=D("2025-06-02"), recorded=datetime(2025, 6, 2, tzinfo=UTC),
        retracts=statement.event_id,
    )
    log = [*us_china, retraction]
    ids = [
        [s.event_id for s in negotiation.replay(log, as_of=D("2025-06-09"), known_at=known).statements]
        for known in (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 3, tzinfo=UTC))
    ]
    assert (True, False) == ("trump-violation-2025-05-30" in ids[0], "trump-violation-2025-05-30" in ids[1])


def test_retracting_a_correction_restores_the_version_before(us_china):
    """Withdrawing a correction brings back the content it replaced."""
    original = by_id(us_china, "us-ieepa-fentanyl-20")
    fix = correction("fix-1", original, datetime(2025, 3, 20, tzinfo=UTC), rate=Decimal(25))
    undo = events.EventRetracted(event_id="undo-1", effective=D("2025-03-21"), recorded=datetime(2025, 3, 21, tzinfo=UTC), retracts="fix-1")
    state = negotiation.replay([*us_china, fix, undo], as_of=D("2025-03-25"))
    assert (Decimal(20), {}) == (state.tariff_rate("USA", "CHN"), dict(state.revisions))


def test_correcting_an_unknown_event_is_an_error(us_china):
    """A correction naming no event in the log is refused, naming the id."""
    ghost = attrs.evolve(by_id(us_china, "us-ieepa-fentanyl-20"), event_id="no-such-event")
    fix = correction("fix-ghost", ghost, datetime(2025, 3, 20, tzinfo=UTC))
    with pytest.raises(negotiation.UnknownReferenceError, match="no-such-event"):
        negotiation.replay([*us_china, fix], as_of=D("2025-06-09"))


def test_correcting_a_correction_by_its_id_is_explained(us_china):
    """Naming a correction's id in ``corrects`` is refused with what to do instead."""
    original = by_id(us_china, "us-ieepa-fentanyl-20")
    fix = correction("fix-1", original, datetime(2025, 3, 20, tzinfo=UTC), rate=Decimal(25))
    wrong = events.EventCorrected(
        event_id="fix-2", effective=D("2025-03-22"), recorded=datetime(2025, 3, 22, tzinfo=UTC), corrects="fix-1",
        replacement=attrs.evolve(original, event_id="fix-1"),
    )
    problems = negotiation.find_problems([*us_china, fix, wrong])
    assert [("fix-2", "corrects")] == [(p.event_id, p.field) for p in problems]


def test_correction_codec_round_trip(us_china):
    """A correction with its nested replacement survives JSON Lines exactly."""
    fix = correction("fix-1", by_id(us_china, "us-ieepa-fentanyl-20"), datetime(2025, 3, 20, tzinfo=UTC), rate=Decimal(25))
    assert (fix,) == events.loads_jsonl(events.dumps_jsonl([fix]))


# --- timelines, changes, explain --------------------------------------------------------------


def test_timeline_equals_replay_each_day(us_china):
    """Each state of a timeline equals a replay to that day."""
    days = list(negotiation.timeline(us_china, D("2025-04-01"), D("2025-05-20")))
    assert [negotiation.replay(us_china, as_of=day) for day, _ in days] == [state for _, state in days]


def test_timeline_applies_each_event_once(us_china, monkeypatch):
    """Over a whole year, each fact is applied once, not once per day."""
    from negotiation import _builder

    calls: list[str] = []
    for kind, handler in list(_builder.FACT_HANDLERS.items()):
        monkeypatch.setitem(_builder.FACT_HANDLERS, kind, lambda b, e, h=handler: (calls.append(e.event_id), h(b, e)))
    last = list(negotiation.timeline(us_china, D("2025-01-01"), D("2025-12-31")))[-1][1]
    assert sorted(last.events) == sorted(calls)


def test_timeline_dates_and_step(us_china):
    """Explicit dates or a step of 7 days give those days only."""
    weekly = [day for day, _ in negotiation.timeline(us_china, D("2025-04-01"), D("2025-04-30"), step=timedelta(days=7))]
    chosen = [day for day, _ in negotiation.timeline(us_china, D("2025-01-01"), D("2025-12-31"), dates=[D("2025-06-09"), D("2025-04-10")])]
    assert ([D("2025-04-01"), D("2025-04-08"), D("2025-04-15"), D("2025-04-22"), D("2025-04-29")], [D("2025-04-10"), D("2025-06-09")]) == (weekly, chosen)


def test_changes_name_their_causes(us_china):
    """The 2025 changes of the US total on China, each with the event that caused it."""
    found = negotiation.changes(us_china, D("2025-01-01"), D("2025-12-31"))
    totals = [(c.day.isoformat(), c.after, c.causes[0]) for c in found
              if c.kind is negotiation.ChangeKind.TARIFF_TOTAL and c.subject == "USA on CHN, all goods"]
    assert [
        ("2025-02-04", "10", "us-ieepa-fentanyl-10"), ("2025-03-04", "20", "us-ieepa-fentanyl-20"),
        ("2025-04-05", "30", "us-ieepa-reciprocal-baseline"), ("2025-04-09", "104", "us-ieepa-reciprocal-84"),
        ("2025-04-10", "145", "us-ieepa-reciprocal-125"), ("2025-05-14", "30", "us-ieepa-reciprocal-geneva"),
        ("2025-11-10", "20", "us-ieepa-fentanyl-2025-11"),
    ] == totals


def test_changes_report_clock_rules():
    """A snap-back with no event on that day is caused by the clock."""
    log = [e for e in events.read_jsonl(_seed("us-china.jsonl")) if e.event_id != "us-ieepa-reciprocal-2025-08"]
    found = negotiation.changes(log, D("2025-08-12"), D("2025-08-12"))
    total = next(c for c in found if c.subject == "USA on CHN, all goods")
    assert ("30", "54", ("clock: suspension ended",)) == (total.before, total.after, total.causes)


def _seed(name):
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "seeds" / name


def test_explain_tariff_names_events_and_sources(us_china):
    """explain lists each layer of the 30 % with its event and source."""
    state = negotiation.replay(us_china, as_of=D("2025-06-09"))
    explanation = negotiation.explain(state, imposer="USA", target="CHN")
    rows = [(r.event_id, r.value, r.source.publisher if r.source else None) for r in explanation.reasons]
    assert ("30", [("us-ieepa-fentanyl-20", "20", "executiveactions.org"),
                   ("us-ieepa-reciprocal-geneva", "10", "Federal Register (govinfo.gov)")]) == (explanation.answer, rows)


def test_explain_accord_with_extensions(us_china):
    """explain of the Geneva accord on 2025-11-10 lists its two extensions."""
    state = negotiation.replay(us_china, as_of=D("2025-11-10"))
    explanation = negotiation.explain(state, accord_id="geneva-2025")
    assert ["geneva-accord", "geneva-accord-extended-2025-08", "geneva-accord-extended-2025-11", None] == [
        r.event_id for r in explanation.reasons
    ]


def test_explain_needs_one_question(us_china):
    """explain with neither or both questions is a QueryError."""
    state = negotiation.replay(us_china, as_of=D("2025-06-09"))
    with pytest.raises(negotiation.QueryError):
        negotiation.explain(state)
    with pytest.raises(negotiation.QueryError):
        negotiation.explain(state, imposer="USA", target="CHN", accord_id="geneva-2025")


def test_tariff_series_rows(us_china):
    """tariff_series gives plain rows: date, pair, product, total and layers in percent."""
    rows = negotiation.tariff_series(us_china, D("2025-05-13"), D("2025-05-14"), imposer="USA", target="CHN")
    assert [
        {"date": D("2025-05-13"), "imposer": "USA", "target": "CHN", "product": None, "total": Decimal(145),
         "base": None, "duty": None, "projected": False, "layers": {"IEEPA-fentanyl": Decimal(20), "IEEPA-reciprocal": Decimal(125)}},
        {"date": D("2025-05-14"), "imposer": "USA", "target": "CHN", "product": None, "total": Decimal(30),
         "base": None, "duty": None, "projected": False, "layers": {"IEEPA-fentanyl": Decimal(20), "IEEPA-reciprocal": Decimal(10)}},
    ] == rows
