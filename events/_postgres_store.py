"""An append-only event store in a PostgreSQL database, shared by many writers and followers (psycopg 3).

One table, ``negotiation_records``, holds every stream (negotiation) of a
database (in the first schema of the connection's ``search_path``)::

    seq        bigint   the global sequence: 1, 2, 3, ... in commit order, with no gaps
    stream     text     the negotiation, e.g. 'us-china'
    version    bigint   1, 2, 3, ... within the stream
    event_id   text     unique within the stream (NULL only for an opaque record without one)
    type, v             the record's type and schema version
    effective  date     valid time (indexed)
    recorded   timestamptz  transaction time (indexed)
    parties    text[]   the parties the record names (GIN-indexed: parties @> '{CHN}')
    record     text     the record as canonical JSON text (sorted keys), without the chain field
    body       jsonb    the same, for SQL (body->>'note')
    hash       text     the chain hash, chained within the stream (events/_chain.py)

Writers are serialised by ``LOCK TABLE ... IN EXCLUSIVE MODE`` (readers are
not blocked) and number rows under the lock, so a reader never sees a
later sequence number before an earlier one, and a rolled-back append
leaves no gap. Triggers refuse UPDATE, DELETE and TRUNCATE; the table
carries a comment that marks it as the library's. Each append sends a
``NOTIFY negotiation_records`` when it commits, the doorbell of
:meth:`PostgresStore.follow`.

The location is a libpq URL, ``postgresql://user:password@host:port/db``
(``postgres://`` too; any libpq parameter in the query, e.g.
``?host=/run/postgresql`` for a Unix socket), optionally followed by
``#stream``. A password never appears in a message: the location is shown
with it replaced by ``***``.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
import weakref
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Self

import attrs

from ._chain import GENESIS, HASH_FIELD, Verification, is_hash, record_hash, verify_records
from ._codec import LogCheck, Record, encode_line, from_dict, parse_line, to_record, warn_broken_chain
from ._errors import ConcurrencyError, DecodeError, DuplicateEventError, StoreError
from ._iso import parse_date, parse_instant
from ._opaque import OpaqueRecord
from ._references import Reference, defined_ids, refuse_unresolved
from ._store_base import Committed, check_after, check_expected, check_stream, checked_items

if TYPE_CHECKING:
    import contextlib

    import psycopg

__all__ = ["PostgresStore", "redact_location"]

_SCHEMES = ("postgresql://", "postgres://")

_TABLE = "negotiation_records"
_CHANNEL = "negotiation_records"
_MARK = "negotiation-state event store 1"
"""The comment on the table that says it is the library's (and which layout)."""

_SCHEMA = (
    f"""CREATE TABLE {_TABLE} (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    stream text NOT NULL,
    version bigint NOT NULL CHECK (version > 0),
    event_id text,
    type text NOT NULL,
    v integer,
    effective date,
    recorded timestamptz,
    parties text[] NOT NULL,
    record text NOT NULL,
    body jsonb NOT NULL,
    hash text NOT NULL,
    UNIQUE (stream, version),
    UNIQUE (stream, event_id)
)""",
    f"CREATE INDEX {_TABLE}_effective ON {_TABLE} (effective)",
    f"CREATE INDEX {_TABLE}_recorded ON {_TABLE} (recorded)",
    f"CREATE INDEX {_TABLE}_parties ON {_TABLE} USING gin (parties)",
    f"""CREATE FUNCTION {_TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'records are append-only: % is forbidden', TG_OP;
END $$""",
    f"""CREATE TRIGGER {_TABLE}_no_change BEFORE UPDATE OR DELETE ON {_TABLE}
    FOR EACH ROW EXECUTE FUNCTION {_TABLE}_append_only()""",
    f"""CREATE TRIGGER {_TABLE}_no_truncate BEFORE TRUNCATE ON {_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {_TABLE}_append_only()""",
    f"COMMENT ON TABLE {_TABLE} IS '{_MARK}'",
)

_COLUMNS = (("seq", "bigint"), ("stream", "text"), ("version", "bigint"), ("event_id", "text"), ("type", "text"),
            ("v", "integer"), ("effective", "date"), ("recorded", "timestamp with time zone"), ("parties", "text[]"),
            ("record", "text"), ("body", "jsonb"), ("hash", "text"))
"""The table's columns and their types, as ``format_type`` names them."""

_TRIGGERS = (f"{_TABLE}_no_change", f"{_TABLE}_no_truncate")

_PARTY_FIELDS = ("parties", "party", "imposer", "target", "issuer", "reporter", "bloc", "members",
                 "exempt_parties", "covers")
"""The record fields that name parties, gathered into the ``parties`` column."""

_PAGE = 1000
"""Rows read per query: reads go page by page, in bounded memory."""

_POLL = 5.0
"""Seconds a follower waits for a notification before it looks anyway."""

_RECONNECT_FOR = 60.0
"""Seconds a follower keeps trying to reconnect before it gives up."""

_WAIT = 60.0
"""Seconds an append waits for the write lock that another append holds."""

_LOCK_KEY = 0x4E454753
"""The advisory lock that serialises creating the table."""


def redact_location(location: str | os.PathLike[str]) -> str:
    """``location`` as messages may show it: a PostgreSQL URL's password (in the user part or a ``password=``
    parameter) as ``***``; any other location as it is."""
    location = os.fspath(location)
    if not location.startswith(_SCHEMES):
        return location
    parts = urllib.parse.urlsplit(location)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            netloc = f"{user.partition(':')[0]}:***@{host}"
    query = "&".join(f"{key}=***" if key.lower() == "password" else f"{key}={value}" if sep else key
                     for key, sep, value in (item.partition("=") for item in parts.query.split("&") if item))
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError("a PostgreSQL store needs psycopg: install the 'postgres' extra "
                         "(pip install 'negotiation-state[postgres]')") from None
    return psycopg


class PostgresStore:
    """An event store in a PostgreSQL database: many streams, many writers, followers notified of each commit.

    Each append is one transaction that takes the table's write lock
    (``EXCLUSIVE`` mode: readers go on), so concurrent writers, in any
    process on any machine, are serialised: nothing is lost or duplicated,
    and the global sequence and each stream's versions have no gaps. The
    database refuses UPDATE, DELETE and TRUNCATE. See the module's text for
    the table.

    Args:
        location: ``postgresql://user:password@host:port/db`` (or
            ``postgres://``), with any libpq parameters in the query, and
            optionally ``#stream``: the stream this store reads and appends
            to by default (see :class:`events.EventStore`).
        keep_unknown: Read records of unknown types or future versions as
            :class:`OpaqueRecord` instead of raising.
        create: Create the table if the database has none; if false, a
            database without it is refused (reading never writes).
        strict: Refuse a table whose append-only triggers are missing or
            disabled; false only to :meth:`verify` it (which names that too).

    Raises:
        StoreError: psycopg is missing (the ``postgres`` extra); the server
            cannot be reached or refuses the connection; the table is not
            the library's (its marking comment, columns or append-only
            triggers differ); with ``create`` false, there is no table; the
            stream name after ``#`` is not 1 to 200 printable characters.
            The location in the message never shows a password.
    """

    name: ClassVar[str] = "PostgreSQL"
    """The kind of store, in words."""
    unit: ClassVar[str] = "record"
    """What the numbers in its errors and verifications count: versions within a stream."""
    suffixes: ClassVar[tuple[str, ...]] = _SCHEMES
    """The beginnings of a PostgreSQL location."""
    repairable: ClassVar[bool] = False
    """Appends are transactions: nothing is ever torn."""

    def __init__(self, location: str, *, keep_unknown: bool = False, create: bool = True,
                 strict: bool = True) -> None:
        self._psycopg = _psycopg()
        parts = urllib.parse.urlsplit(location)
        self._dsn = urllib.parse.urlunsplit(parts._replace(fragment=""))
        self._password = parts.password or ""
        self._location = redact_location(self._dsn)
        self._stream = check_stream(self._location, urllib.parse.unquote(parts.fragment)) if parts.fragment else None
        self._keep_unknown = keep_unknown
        self._defined: dict[str, set[Reference]] = {}  # per stream: what its records define, for appends' references
        self._learned: dict[str, int] = {}  # per stream: the version up to which _defined holds
        self._db = self._connect()
        try:
            self._setup(create, strict)
        except BaseException:
            self._db.close()
            raise
        weakref.finalize(self, self._db.close)  # a dropped store closes its connection at once

    @staticmethod
    def matches(location: str) -> bool:
        """Whether ``location`` is a PostgreSQL URL (``postgresql://`` or ``postgres://``)."""
        return location.startswith(_SCHEMES)

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            connection: psycopg.Connection[Any] = self._psycopg.connect(self._dsn, autocommit=True,
                                                                        connect_timeout=10)
            return connection
        except self._psycopg.Error as exc:
            self._fail(exc, "cannot connect")

    def _fail(self, error: Exception, doing: str) -> NoReturn:
        """Raise a StoreError for a database error, never showing the password (nor chaining the error that might)."""
        text = " ".join(str(error).split())
        if self._password:
            text = text.replace(self._password, "***")
        raise StoreError(f"{self._location}: {doing} ({text})") from None

    def _setup(self, create: bool, strict: bool) -> None:
        db = self._db
        try:
            if create:
                with db.transaction():
                    db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))  # one creator; others wait, then see it
                    if db.execute("SELECT to_regclass(%s)", (_TABLE,)).fetchone() == (None,):
                        for statement in _SCHEMA:
                            db.execute(statement)
            problem, self._foreign = self._schema_problems()
        except self._psycopg.Error as exc:
            self._fail(exc, "cannot open the store")
        if problem is None and strict:
            problem = self._foreign
        if problem is not None:
            raise StoreError(f"{self._location}: not an event store ({problem}); it was left as it was")

    def _schema_problems(self) -> tuple[str | None, str | None]:
        """Why the database's table is not the library's, and why its safeguards are not (each ``None`` if so)."""
        db = self._db
        table = db.execute("SELECT to_regclass(%s)::oid", (_TABLE,)).fetchone()
        if table is None or table[0] is None:
            return f"no table {_TABLE} in the schemas of its search_path", None
        oid = table[0]
        comment = db.execute("SELECT obj_description(%s, 'pg_class')", (oid,)).fetchone()
        if comment is None or comment[0] != _MARK:
            return f"its table {_TABLE} is not marked as the library's", None
        columns = tuple(db.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                                   "WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                                   (oid,)).fetchall())
        if columns != _COLUMNS:
            return f"its table {_TABLE} has columns {columns}, not the library's", None
        triggers = {name for (name,) in db.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s "
                                                   "AND tgenabled <> 'D'", (oid,))}
        missing = [name for name in _TRIGGERS if name not in triggers]
        return None, f"its append-only trigger {missing[0]} is missing or disabled" if missing else None

    @property
    def location(self) -> str:
        """The location, as messages show it: any password as ``***``, and ``#stream`` if opened on one."""
        return self._named(self._stream)

    def _named(self, stream: str | None) -> str:
        return self._location if stream is None else f"{self._location}#{urllib.parse.quote(stream, safe='')}"

    @property
    def stream(self) -> str | None:
        """The stream named by the location (after ``#``), or ``None``: then reads cover every stream."""
        return self._stream

    def close(self) -> None:
        """Close the connection (the store may not be used after)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def version(self) -> int:
        """How many records the store's stream holds now; opened on no stream, the last global sequence number.

        Raises:
            StoreError: the database fails.
        """
        try:
            if self._stream is None:
                row = self._db.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {_TABLE}").fetchone()
            else:
                row = self._db.execute(f"SELECT COALESCE(MAX(version), 0) FROM {_TABLE} WHERE stream = %s",
                                       (self._stream,)).fetchone()
        except self._psycopg.Error as exc:
            self._fail(exc, "cannot read the store")
        assert row is not None
        return int(row[0])

    def streams(self) -> dict[str, int]:
        """Every stream that holds a record, and its version, by name.

        Raises:
            StoreError: the database fails.
        """
        try:
            rows = self._db.execute(f"SELECT stream, MAX(version) FROM {_TABLE} GROUP BY stream ORDER BY stream")
            return {name: int(version) for name, version in rows}
        except self._psycopg.Error as exc:
            self._fail(exc, "cannot read the store")

    def _given(self, stream: str | None) -> str | None:
        """The stream a read or append means: ``stream``, else the store's (``None``: every stream)."""
        return self._stream if stream is None else check_stream(self._location, stream)

    def _existing(self, stream: str | None) -> str:
        """The one stream a whole-log operation works on; it must hold records.

        Raises:
            StoreError: no stream is given and the store holds none or
                several; the stream given holds no record.
        """
        name = self._given(stream)
        held = self.streams()
        if name is None:
            if len(held) == 1:
                return next(iter(held))
            listed = f"{len(held)} streams ({', '.join(list(held)[:5])}{', ...' if len(held) > 5 else ''})" \
                if held else "no stream"
            raise StoreError(f"{self._location}: holds {listed}: name one, as {self._location}#NAME or stream=")
        if name not in held:
            others = f"; it holds {', '.join(list(held)[:5])}{', ...' if len(held) > 5 else ''}" if held else ""
            raise StoreError(f"{self._named(name)}: no such stream (no record of it is stored){others}")
        return name

    def _rows(self, stream: str | None, after: int,
              db: psycopg.Connection[Any] | None = None) -> Iterator[tuple[int, str, int, str, str]]:
        """Yield (seq, stream, version, record text, hash) after ``after`` (a version, or with no stream a seq), page by page."""
        connection = self._db if db is None else db
        key, where, given = ("seq", "", ()) if stream is None else ("version", "stream = %s AND ", (stream,))
        while True:
            rows = connection.execute(
                f"SELECT seq, stream, version, record, hash FROM {_TABLE} WHERE {where}{key} > %s "
                f"ORDER BY {key} LIMIT {_PAGE}", (*given, after)).fetchall()
            yield from rows
            if len(rows) < _PAGE:
                return
            after = rows[-1][0 if stream is None else 2]

    def _decoded(self, stream: str, version: int, text: str, chain: str) -> Record | DecodeError:
        try:
            record = _parsed(text)
            record[HASH_FIELD] = chain
            return from_dict(record, keep_unknown=self._keep_unknown)
        except DecodeError as exc:
            return exc.located(path=self._named(stream), line=version, unit="record")

    def read(self, *, after: int = 0, stream: str | None = None) -> Iterator[Record]:
        """Yield the stream's records after the first ``after``, in order; opened on no stream, every stream's
        records after global sequence number ``after``, in commit order.

        Raises:
            DecodeError: a stored record does not decode; names its stream and version.
            StoreError: ``after`` is negative; the database fails.
        """
        check_after(self._location, after)
        name = self._given(stream)
        try:
            for _, held, version, text, chain in self._rows(name, after):
                item = self._decoded(held, version, text, chain)
                if isinstance(item, DecodeError):
                    raise item
                yield item
        except self._psycopg.Error as exc:
            self._fail(exc, "cannot read the store")

    def scan(self, *, stream: str | None = None) -> Iterator[tuple[int, Record | DecodeError]]:
        """Yield (version, record or its error) for every record of a stream, collecting rather than raising.

        Raises:
            StoreError: see :meth:`load`.
        """
        name = self._existing(stream)
        try:
            for _, _, version, text, chain in self._rows(name, 0):
                yield version, self._decoded(name, version, text, chain)
        except self._psycopg.Error as exc:
            self._fail(exc, "cannot read the store")

    def load(self, *, stream: str | None = None) -> tuple[Record, ...]:
        """The whole stream, then its hash chain checked.

        Warns:
            ChainWarning: the chain is broken, or a query column disagrees with its record.

        Raises:
            DecodeError: at the first record that does not decode.
            StoreError: the stream holds no record, or no stream is named and
                the store holds several (see :class:`events.EventStore`); the database fails.
        """
        found = []
        for _, item in self.scan(stream=stream):
            if isinstance(item, DecodeError):
                raise item
            found.append(item)
        warn_broken_chain(self.verify(stream=stream))
        return tuple(found)

    def check(self, *, stream: str | None = None) -> LogCheck:
        """Decode every record of the stream that can be, collecting an error for each other one; warn of a broken chain."""
        checked = LogCheck.of(self.scan(stream=stream))
        if not checked.errors:
            warn_broken_chain(self.verify(stream=stream))
        return checked

    def raw(self, *, stream: str | None = None) -> Iterator[tuple[int, Any]]:
        """Yield (version, stored record as parsed JSON with its chain field) of the stream; ``None`` for a record that is not a JSON object."""
        name = self._existing(stream)
        try:
            for _, _, version, text, chain in self._rows(name, 0):
                try:
                    record = _parsed(text)
                except DecodeError:
                    yield version, None
                    continue
                record[HASH_FIELD] = chain
                yield version, record
        except self._psycopg.Error as exc:
            self._fail(exc, "cannot read the store")

    def verify(self, *, head: str | None = None, stream: str | None = None) -> Verification:
        """Check a stream's hash chain, and that its versions run 1, 2, 3, ... and its query columns match each record.

        Returns:
            The :class:`Verification`; a break names the record by its version in the stream.

        Raises:
            StoreError: see :meth:`load`.
            ValueError: ``head`` is not 64 hex digits.
        """
        name = self._existing(stream)
        columns: list[tuple[int, int, str]] = []  # the first row whose columns disagree: (version, count, problem)
        try:
            rows = self._db.execute(
                f"SELECT version, record, hash, event_id, type, v, effective, recorded, parties, body "
                f"FROM {_TABLE} WHERE stream = %s ORDER BY version", (name,))

            def records() -> Iterator[tuple[int, Any]]:
                previous = 0
                for count, (version, text, chain, *stored) in enumerate(rows, start=1):
                    try:
                        record: dict[str, Any] | None = _parsed(text)
                    except DecodeError:
                        record = None
                    if not columns:
                        problem = _column_problem(version, previous, record, text, stored)
                        if problem is not None:
                            columns.append((version, count, problem))
                    previous = version
                    yield version, None if record is None else {**record, HASH_FIELD: chain}

            found = verify_records(self._named(name), records(), unit="record", head=head)
        except self._psycopg.Error as exc:
            self._fail(exc, "cannot read the store")
        if columns and (found.first_bad is None or columns[0][0] < found.first_bad):
            version, count, problem = columns[0]
            found = Verification(path=self._named(name), records=count, chained=True, head=None, first_bad=version,
                                 unit="record", problem=problem)
        if self._foreign is not None:
            if found.first_bad is None:
                raise StoreError(f"{self._location}: not an event store ({self._foreign}); it was left as it was")
            found = attrs.evolve(found, problem=f"{found.problem}; besides, {self._foreign}")
        return found

    def append(self, events: Iterable[Record], *, expected_version: int | None = None,
               stream: str | None = None) -> int:
        """Append events (and kept opaque records) to a stream in one transaction, all or nothing.

        The transaction takes the table's write lock, so appends from every
        connection are serialised; an event whose id the stream holds with
        the same content is skipped (a retried append is harmless). Each
        append that adds records notifies followers as it commits.

        Args:
            events: What to append, in order.
            expected_version: The stream's version the caller last saw; if
                the stream has moved past it, nothing is written.
            stream: The stream to append to (default: the store's; a stream
                is made by its first append).

        Returns:
            The stream's version when the append commits.

        Raises:
            ConcurrencyError: ``expected_version`` is not the stream's version.
            DuplicateEventError: an id is stored in the stream (or repeated
                in ``events``) with different content.
            UnresolvedReferenceError: an event names an id that neither the
                stream nor the append defines.
            TypeError: an item is not an event or opaque record.
            StoreError: no stream is named; ``expected_version`` is not
                ``None`` or an integer from 0; a line would exceed
                ``MAX_LINE_BYTES`` (so that the stream converts to JSON
                Lines); the last stored hash is not a chain hash; another
                append held the write lock for 60 s; the database fails.
                Nothing is written in each case.
        """
        check_expected(self._location, expected_version)
        name = self._given(stream)
        if name is None:
            raise StoreError(f"{self._location}: name the stream to append to, as {self._location}#NAME or stream=")
        items = checked_items(events)
        records = [to_record(item) for item in items]
        try:
            with self._db.transaction():
                self._db.execute(f"SET LOCAL lock_timeout = '{_WAIT:.0f}s'")
                self._db.execute(f"LOCK TABLE {_TABLE} IN EXCLUSIVE MODE")
                return self._append_locked(name, items, records, expected_version)
        except self._psycopg.Error as exc:
            self._fail(exc, "nothing was written")

    def _append_locked(self, name: str, items: list[Record], records: list[dict[str, Any]],
                       expected_version: int | None) -> int:
        db = self._db
        where = self._named(name)
        last = db.execute(f"SELECT version, hash FROM {_TABLE} WHERE stream = %s ORDER BY version DESC LIMIT 1",
                          (name,)).fetchone()
        start, previous = (int(last[0]), last[1]) if last is not None else (0, GENESIS)
        if not is_hash(previous):
            raise StoreError(f"{where}, record {start}: the hash column holds no chain hash; nothing was written "
                             "(see `negotiation verify`)")
        if expected_version is not None and expected_version != start:
            raise ConcurrencyError(path=where, expected=expected_version, actual=start)
        self._learn(name, start)
        refuse_unresolved(where, self._defined[name], items)
        ids = [record["event_id"] for record in records if isinstance(record.get("event_id"), str)]
        stored = {event_id: (int(version), text) for event_id, version, text in db.execute(
            f"SELECT event_id, version, record FROM {_TABLE} WHERE stream = %s AND event_id = ANY(%s)", (name, ids))}
        row = db.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {_TABLE}").fetchone()
        assert row is not None
        seq, version = int(row[0]), start
        rows: list[tuple[Any, ...]] = []
        for record in records:
            text = _canonical(record)
            event_id = record.get("event_id")
            if isinstance(event_id, str):
                held = stored.get(event_id)
                if held is not None:
                    if held[1] != text:
                        raise DuplicateEventError(path=where, event_id=event_id,
                                                  where=f"record {held[0]}" if held[0] else "earlier in this append")
                    continue
                stored[event_id] = (0, text)
            chained = record_hash(previous, record)
            encode_line({**record, HASH_FIELD: chained})  # convertible to JSON Lines: within the size limit
            seq, version, previous = seq + 1, version + 1, chained
            rows.append((seq, name, version, *_derived(record), text, text, chained))
        if rows:
            with db.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {_TABLE} (seq, stream, version, event_id, type, v, effective, recorded, parties, "
                    "record, body, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)", rows)
            db.execute("SELECT pg_notify(%s, %s)", (_CHANNEL, name))
        return version

    def _learn(self, name: str, upto: int) -> None:
        """Learn what the stream's records after those already learned (up to ``upto``) define."""
        defined = self._defined.setdefault(name, set())
        learned = self._learned.get(name, 0)
        for _, _, version, text, chain in self._rows(name, learned):
            if version > upto:
                break
            item = self._decoded(name, version, text, chain)
            if not isinstance(item, (DecodeError, OpaqueRecord)):
                defined.update(defined_ids(item))
            learned = version
        self._learned[name] = learned

    def follow(self, *, after: int = 0, stream: str | None = None, idle: float | None = None) -> Iterator[Committed]:
        """Yield each record after ``after`` as it is committed, in order, each exactly once, waiting for more.

        A follower listens on its own connection (``LISTEN``): each commit
        rings it, and it then reads by sequence what is new, so nothing is
        missed or repeated; it also looks every 5 s without a ring. A lost
        connection is made again (for up to 60 s), and reading resumes
        after the last record yielded.

        Args:
            after: The stream's version (opened on no stream: the global
                sequence number) after which to start.
            stream: The stream to follow (default: the store's; ``None``
                with a store opened on none: every stream).
            idle: Stop after this many seconds with nothing new (``None``: never).

        Raises:
            DecodeError: a record does not decode.
            StoreError: ``after`` is negative; the server stayed out of reach for 60 s.
        """
        check_after(self._location, after)
        return self._follow(self._given(stream), after, idle)

    def _follow(self, name: str | None, after: int, idle: float | None) -> Iterator[Committed]:
        pg = self._psycopg
        listener: psycopg.Connection[Any] | None = None
        quiet_since = time.monotonic()
        lost_since: float | None = None
        try:
            while True:
                try:
                    if listener is None:
                        listener = pg.connect(self._dsn, autocommit=True, connect_timeout=10)
                        listener.execute(f"LISTEN {_CHANNEL}")
                    for seq, held, version, text, chain in self._rows(name, after, listener):
                        item = self._decoded(held, version, text, chain)
                        if isinstance(item, DecodeError):
                            raise item
                        after = seq if name is None else version
                        quiet_since = time.monotonic()
                        yield Committed(stream=held, version=version, position=seq, record=item)
                    lost_since = None
                    waited = time.monotonic() - quiet_since
                    if idle is not None and waited >= idle:
                        return
                    for _ in listener.notifies(timeout=_POLL if idle is None else min(_POLL, idle - waited),
                                               stop_after=1):
                        pass
                except pg.OperationalError as exc:
                    if listener is not None:
                        listener.close()
                    listener = None
                    lost_since = time.monotonic() if lost_since is None else lost_since
                    if time.monotonic() - lost_since > _RECONNECT_FOR:
                        self._fail(exc, f"the server was out of reach for {_RECONNECT_FOR:.0f} s while following")
                    time.sleep(0.2)
        finally:
            if listener is not None:
                listener.close()

    @staticmethod
    def log_file(location: str, follow_symlinks: bool) -> str:
        """The location itself: a database has no symbolic links."""
        return location

    @staticmethod
    def hold(location: str, *, writable: bool = False) -> contextlib.AbstractContextManager[int | None]:
        """Refuse: the database keeps the records append-only, so a stream is never rewritten in place.

        Raises:
            StoreError: always.
        """
        raise StoreError(f"{redact_location(location)}: a PostgreSQL store is never rewritten in place (its records are "
                         "append-only in the database); convert the stream into a new stream or file instead")

    @staticmethod
    def refuse_target(location: str, *, stream: str | None = None) -> None:
        """Refuse to convert into a stream that holds records (the location's ``#stream``, else ``stream``).

        Raises:
            StoreError: the stream holds records; the database cannot be reached or is not an event store.
        """
        with PostgresStore(location) as store:
            name = store._given(stream if store.stream is None else None)
            if name is not None and name in store.streams():
                raise StoreError(f"{store._named(name)}: the stream holds records; it is never overwritten")

    @staticmethod
    def write_log(location: str, records: tuple[Record, ...], *, exclusive: bool, stream: str | None = None) -> int:
        """Append ``records`` to a stream that must hold none (the location's ``#stream``, else ``stream``), in one transaction.

        Returns:
            The number of records stored (an event repeated with the same content is kept once).

        Raises:
            StoreError: the stream got records meanwhile (nothing is written); the database fails.
        """
        with PostgresStore(location) as store:
            name = stream if store.stream is None else store.stream
            try:
                return store.append(records, expected_version=0, stream=name)
            except ConcurrencyError:
                raise StoreError(f"{store._named(name)}: the stream got records while the log was converted; "
                                 "it is never overwritten, and nothing was written") from None


def _canonical(record: dict[str, Any]) -> str:
    """The record as canonical JSON text: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _parsed(text: str) -> dict[str, Any]:
    """The record column's JSON object, parsed as strictly as a line of a JSON Lines log."""
    record = parse_line(text)
    if not isinstance(record, dict):
        raise DecodeError("the record column holds JSON that is not an object")
    return record


def _derived(record: dict[str, Any]) -> tuple[str | None, str, int | None, date | None, datetime | None, list[str]]:
    """The query columns of a record: event_id, type, v, effective, recorded, parties."""
    event_id = record.get("event_id")
    version = record.get("v")
    parties: list[str] = []
    for field in _PARTY_FIELDS:
        value = record.get(field)
        for party in value if isinstance(value, list) else [value]:
            if isinstance(party, str) and party not in parties:
                parties.append(party)
    return (event_id if isinstance(event_id, str) else None, str(record.get("type")),
            version if type(version) is int else None, _date(record.get("effective")),
            _instant(record.get("recorded")), parties)


def _date(value: Any) -> date | None:
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        return None


def _instant(value: Any) -> datetime | None:
    try:
        return parse_instant(value)
    except (TypeError, ValueError):
        return None


def _column_problem(version: int, previous: int, record: dict[str, Any] | None, text: str,
                    stored: list[Any]) -> str | None:
    """What is wrong with a row's version or query columns, or ``None``."""
    if version != previous + 1:
        return (f"column 'version' holds {version}, expected {previous + 1}: records are missing before it, "
                "or it was inserted by hand")
    if record is None:
        return None  # the chain check names the record itself
    *held, body = stored
    names = ("event_id", "type", "v", "effective", "recorded", "parties")
    for name, value, expected in zip(names, held, _derived(record), strict=True):
        if value != expected:
            return (f"column {name!r} holds {value!r}, but its record says {expected!r}: the column was edited, "
                    "so SQL over it answers wrongly")
    if body != json.loads(text):
        return "column 'body' is not the record: the column was edited, so SQL over it answers wrongly"
    return None
