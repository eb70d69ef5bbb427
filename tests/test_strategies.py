"""The strategies users import: every event type is drawn, and what is drawn is valid."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import attrs
from hypothesis import Phase, given, settings

import events
import negotiation
from events import strategies

EXPORTED_EVENT_TYPES = sorted(
    (
        obj for name in events.__all__
        if isinstance(obj := getattr(events, name), type) and attrs.has(obj)
        and "event_id" in attrs.fields_dict(obj) and obj is not events.OpaqueRecord and obj.TYPE
    ),
    key=lambda cls: cls.__name__,
)


def test_only_event_classes_carry_event_id():
    """Top-level classes with an event_id are exactly the event types (and their base Event).

    OpaqueRecord carries the id of a record that is not read as an event.
    """
    assert list(events.EVENT_TYPES) == EXPORTED_EVENT_TYPES


def test_logs_draw_every_event_type():
    """logs() produces every event type the package exports (100 logs, fixed seed)."""
    seen: set[type] = set()

    @settings(max_examples=100, database=None, derandomize=True, phases=[Phase.generate])
    @given(log=strategies.logs())
    def collect(log):
        seen.update(type(event) for event in log)

    collect()
    assert [cls.__name__ for cls in EXPORTED_EVENT_TYPES] == sorted(cls.__name__ for cls in seen)


@given(log=strategies.logs(max_events=30, parties=("USA", "CHN")))
def test_logs_are_consistent(log):
    """A drawn log has no problems (known-at safe too), unique ids, and only the given parties."""
    assert () == negotiation.find_problems(log)
    assert len({e.event_id for e in log}) == len(log)
    codes = {getattr(e, name) for e in log for name in ("imposer", "target", "party", "issuer", "reporter", "bloc")
             if hasattr(e, name)}
    assert codes - {None} <= {"USA", "CHN"}


@given(event=strategies.tariffs_changed(start=date(2025, 3, 1), end=date(2025, 3, 31)))
def test_date_bounds_respected(event):
    """Effective dates stay within the bounds given."""
    assert date(2025, 3, 1) <= event.effective <= date(2025, 3, 31)


def test_strategies_need_hypothesis_message():
    """Without hypothesis, importing the module says which extra to install."""
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import events.strategies\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'test' extra" in out


@given(log=strategies.logs(max_events=30, parties=("USA", "CHN", "EUU"), terms=True))
def test_logs_with_terms_are_consistent(log):
    """A drawn log with version-2 tariff terms has no problems, and its quota references resolve."""
    assert () == negotiation.find_problems(log)
    quotas = {e.quota_id for e in log if isinstance(e, events.QuotaSet)}
    assert {e.quota.quota_id for e in log if isinstance(e, events.TariffChanged) and e.quota} <= quotas
