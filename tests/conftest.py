"""Shared fixtures and hypothesis profiles.

Profiles: ``dev`` (fast, the default) and ``ci`` (more examples), chosen by
the ``CI`` environment variable; override with ``HYPOTHESIS_PROFILE``.
``triage`` reports the first failure without shrinking it, for quick
yes-or-no runs such as checking that a deliberately broken fold is caught.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

import events

settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "triage", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate], database=None,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The folder of the seed logs."""
    return SEEDS


@pytest.fixture(scope="session")
def us_china() -> tuple[events.AnyEvent, ...]:
    """The 2025 US–China timeline seed log."""
    return events.read_jsonl(SEEDS / "us-china.jsonl")


@pytest.fixture(scope="session")
def london() -> tuple[events.AnyEvent, ...]:
    """The seed log of the London-talks article."""
    return events.read_jsonl(SEEDS / "london-talks-2025.jsonl")


HOSTILE = '</script><script>alert("x")</script><img src=x onerror=alert(1)>\u202e0 %'
"""Text a crafted log may hold: markup that would run a script, and a bidirectional override."""


@pytest.fixture(scope="session")
def hostile_log() -> tuple[events.AnyEvent, ...]:
    """A small USA-CHN log whose venue, summary, titles and source carry :data:`HOSTILE` text, whose measure is
    markup too (an identifier: no spaces), and whose source address is ``javascript:``."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    at = datetime(2025, 5, 1, tzinfo=UTC)
    source = events.Source(publisher=HOSTILE, title=HOSTILE, url="javascript:alert(2)")
    return (
        events.TariffChanged(event_id="crafted-layer", effective=date(2025, 5, 2), recorded=at, imposer="USA",
                             target="CHN", measure='</script><script>alert("m")</script><img/src=x/onerror=alert(1)>',
                             rate=Decimal(30), source=source),
        events.TalksHeld(event_id="crafted-talks", effective=date(2025, 5, 3), recorded=at, talks_id="t",
                         venue=HOSTILE, parties=("USA", "CHN"), starts=date(2025, 5, 3), ends=date(2025, 5, 3),
                         outcome=HOSTILE, source=source),
        events.LeadersSpoke(event_id="crafted-call", effective=date(2025, 5, 4), recorded=at, parties=("USA", "CHN"),
                            leaders=(HOSTILE,), mode=events.ContactMode.CALL, summary=HOSTILE,
                            source=events.Source(publisher="Desk", title="Call", url="https://example.org/call")),
        events.AccordReached(event_id="crafted-accord", effective=date(2025, 5, 4), recorded=at, accord_id="a",
                             title=HOSTILE, parties=("USA", "CHN"), window_start=date(2025, 5, 5), window_days=3,
                             source=source),
    )
