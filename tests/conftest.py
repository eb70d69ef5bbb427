"""Shared fixtures and hypothesis profiles.

Profiles: ``dev`` (fast, the default) and ``ci`` (more examples), chosen by
the ``CI`` environment variable; override with ``HYPOTHESIS_PROFILE``.
``triage`` reports the first failure without shrinking it, for quick
yes-or-no runs such as checking that a deliberately broken fold is caught.
"""

from __future__ import annotations

import os
import tempfile
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

# The suite never writes into the user's cache of decoded logs: the cache is off, and its folder a private one
# (subprocesses inherit both); tests of the cache turn it on in a folder of their own.
os.environ["NEGOTIATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="negotiation-cache-test-")
os.environ["NEGOTIATION_CACHE"] = "off"

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
