"""The public surface: sorted ``__all__``, no leaks, and ``events`` independent of ``negotiation``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import events
import negotiation


@pytest.mark.parametrize("module", [events, negotiation])
def test_all_sorted_and_complete(module):
    """``__all__`` is sorted, and every name in it exists."""
    names = list(module.__all__)
    assert (sorted(names), []) == (names, [n for n in names if not hasattr(module, n)])


def test_every_event_type_exported_and_tagged():
    """Each concrete event type is exported, in EVENT_TYPES, with a unique tag equal to its name."""
    exported = {
        getattr(events, name) for name in events.__all__
        if isinstance(getattr(events, name), type) and issubclass(getattr(events, name), events.Event)
        and getattr(events, name) is not events.Event
    }
    assert exported == set(events.EVENT_TYPES)
    assert [cls.__name__ for cls in events.EVENT_TYPES] == [cls.TYPE for cls in events.EVENT_TYPES]


def test_events_does_not_import_negotiation():
    """A tool that only writes logs needs only ``events``."""
    code = "import sys, events, events.strategies; print('negotiation' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False" == done.stdout.strip()
