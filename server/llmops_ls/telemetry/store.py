"""The local telemetry store: one SQLite file, written in batches, read by reports.

Durability: WAL journal with `synchronous=NORMAL`, so a committed batch survives the
process being killed at any point (not a power cut: the last transactions before one
may be lost, never the file). Each batch is one transaction; a batch cut short by
`kill -9` is rolled back when the file is next opened.

Threads: one `TelemetryStore` is one connection; give each thread its own (the writer
thread, the uploader, a report). SQLite serialises their writes; `busy_timeout` makes
a writer wait instead of failing while another commits.

Retention (`prune`): sent rows older than the retention period go first; above the
size limit the oldest sent rows go next; unsent rows stay until their number passes the
hard cap, and then the oldest are dropped and counted (`dropped_unsent`). Telemetry that
stays local (no endpoint) is never sent, so then every row counts as sent here.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from llmops_ls.linter.secrets import redact
from llmops_ls.routing.budgets import BudgetScope
from llmops_ls.telemetry.events import OutcomeEvent, RequestEvent

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2
DEFAULT_FILE_NAME = "telemetry.db"
# How long a connection waits for another's write lock before failing.
BUSY_SECONDS = 30.0
_BUSY_TIMEOUT = f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}"

EVENT_COLUMNS = (
    "event_id",
    "started_at",
    "ended_at",
    "kind",
    "tier",
    "model_requested",
    "model_served",
    "provider",
    "canary",
    "fallback_count",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost",
    "estimated_cost",
    "latency_ms",
    "ttft_ms",
    "status",
    "error_class",
    "cache_hit",
    "redaction_count",
    "rules_files",
    "rules_version",
    "developer",
    "team",
    "project",
    "repository",
    "workspace",
    "prompt_text",
    "completion_text",
    "requested_tier",
)
OUTCOME_COLUMNS = ("event_id", "outcome", "at", "accepted_chars", "decision_ms")

_INSERT_EVENT = (
    f"INSERT OR IGNORE INTO events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
)
_INSERT_OUTCOME = (
    f"INSERT OR IGNORE INTO outcomes ({', '.join(OUTCOME_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in OUTCOME_COLUMNS)})"
)
# A later `shown` never overwrites a decision; the time to decide is derived from
# the `shown` time when the editor did not measure it.
_APPLY_OUTCOME = """
UPDATE events SET
    outcome = :outcome,
    outcome_at = :at,
    shown_at = CASE WHEN :outcome = 'shown' THEN :at ELSE shown_at END,
    accepted_chars = coalesce(:accepted_chars, accepted_chars),
    decision_ms = CASE WHEN :outcome = 'shown' THEN decision_ms
        ELSE coalesce(:decision_ms, (:at - shown_at) * 1000.0) END
WHERE event_id = :event_id AND (:outcome != 'shown' OR outcome IS NULL)
"""


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """How many rows the store holds, and how many still wait for upload."""

    events: int
    outcomes: int
    unsent_events: int
    unsent_outcomes: int
    dropped_unsent: int
    size_bytes: int


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What one `prune` removed."""

    expired: int
    over_size: int
    dropped_unsent: int


def default_store_path(environ: dict[str, str] | None = None) -> Path:
    """`$LLMOPS_TELEMETRY_DB`, else `$XDG_STATE_HOME/llmops-ls/telemetry.db`."""
    env = dict(os.environ) if environ is None else environ
    if env.get("LLMOPS_TELEMETRY_DB"):
        return Path(env["LLMOPS_TELEMETRY_DB"])
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "llmops-ls" / DEFAULT_FILE_NAME


class TelemetryStore:
    """One connection to the telemetry database; see the module doc for threading."""

    def __init__(
        self, path: str | Path, store_text: bool = False, *, read_only: bool = False
    ) -> None:
        self.path = str(path)
        self.store_text = store_text
        if read_only:
            # Opened as it is: no row, journal mode or schema step is written, so a
            # command that only reads leaves the store as the server left it. (SQLite
            # may still create the empty -wal and -shm files of a store in WAL mode.)
            uri = f"{Path(self.path).resolve().as_uri()}?mode=ro"
            conn = sqlite3.connect(
                uri, uri=True, timeout=BUSY_SECONDS, check_same_thread=False
            )
            self.db = sqlite_utils.Database(conn)
            self.conn = conn
            try:
                conn.execute(_BUSY_TIMEOUT)
                self.schema = schema_version(conn)
                if self.schema == 0:
                    raise RuntimeError(f"telemetry store {self.path} has no schema")
                if self.schema > SCHEMA_VERSION:
                    _check_usable(conn, self.schema)
            except BaseException:
                conn.close()
                raise
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        self._configure()
        self.schema = migrate(self.db)

    @classmethod
    def open_read_only(cls, path: str | Path) -> TelemetryStore | None:
        """The store at `path` as it is, never migrated; None when none is readable.

        An older schema is read as it stands (every schema has the columns spend
        needs); a file that is absent, holds no schema or is refused by `migrate`'s
        rules for newer schemas gives None.
        """
        if not Path(path).is_file():
            return None
        try:
            return cls(path, read_only=True)
        except (sqlite3.Error, RuntimeError) as exc:
            logger.warning("telemetry store %s not read: %s", path, exc)
            return None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> TelemetryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _configure(self) -> None:
        # auto_vacuum only takes effect on a database without tables; it lets
        # `prune` hand freed pages back to the file system.
        self.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        if self.path != ":memory:":
            self._enable_wal()
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute(_BUSY_TIMEOUT)

    def _enable_wal(self) -> None:
        """Switch the file to WAL, waiting out other processes switching it too.

        Changing the journal mode needs the file to itself, and SQLite reports a
        process that holds it for the same change as "database is locked" at once,
        without waiting `busy_timeout`; so the change is tried again, briefly, until
        the file is in WAL mode, whoever switched it.
        """
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                self.db.enable_wal()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(0.005)

    # Writing

    def write_batch(self, items: Iterable[RequestEvent | OutcomeEvent]) -> int:
        """Write events and outcomes in one transaction; returns how many were given."""
        events: list[tuple[Any, ...]] = []
        outcomes: list[OutcomeEvent] = []
        for item in items:
            if isinstance(item, RequestEvent):
                events.append(self._event_row(item))
            else:
                outcomes.append(item)
        with self.conn:
            if events:
                self.conn.executemany(_INSERT_EVENT, events)
            if outcomes:
                self.conn.executemany(
                    _INSERT_OUTCOME,
                    [
                        (
                            o.event_id,
                            o.outcome.value,
                            o.at,
                            o.accepted_chars,
                            o.decision_ms,
                        )
                        for o in outcomes
                    ],
                )
                self.conn.executemany(
                    _APPLY_OUTCOME,
                    [
                        {
                            "event_id": o.event_id,
                            "outcome": o.outcome.value,
                            "at": o.at,
                            "accepted_chars": o.accepted_chars,
                            "decision_ms": o.decision_ms,
                        }
                        for o in outcomes
                    ],
                )
        return len(events) + len(outcomes)

    def _event_row(self, event: RequestEvent) -> tuple[Any, ...]:
        who = event.attribution
        prompt = completion = None
        if self.store_text:
            # Text is kept only on the policy's say-so, and never with secrets in it.
            if event.prompt_text is not None:
                prompt = redact(event.prompt_text)[0]
            if event.completion_text is not None:
                completion = redact(event.completion_text)[0]
        rules = (
            json.dumps([[f.path, f.sha256] for f in event.rules_files])
            if event.rules_files
            else None
        )
        return (
            event.event_id,
            event.started_at,
            event.ended_at,
            event.kind,
            event.tier,
            event.model_requested,
            event.model_served,
            event.provider,
            int(event.canary),
            event.fallback_count,
            event.input_tokens,
            event.output_tokens,
            event.cached_tokens,
            event.cost,
            event.estimated_cost,
            event.latency_ms,
            event.time_to_first_token_ms,
            event.status.value,
            event.error_class,
            int(event.cache_hit),
            event.redaction_count,
            rules,
            event.rules_version,
            who.developer,
            who.team,
            who.project,
            who.repository,
            who.workspace,
            prompt,
            completion,
            event.requested_tier,
        )

    # Upload bookkeeping

    def unsent(self, table: str, limit: int, after: int = 0) -> list[dict[str, Any]]:
        """The oldest `limit` rows of `events` or `outcomes` not accepted upstream.

        `after` skips rows up to that seq (the batch being sent while this one is
        prepared).
        """
        _check_table(table)
        cursor = self.conn.execute(
            f"SELECT * FROM {table} WHERE sent_at IS NULL AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (after, limit),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def mark_sent(self, table: str, first_seq: int, last_seq: int) -> int:
        """Mark unsent rows with seq in [first, last] as accepted; how many were."""
        _check_table(table)
        # Rows are taken oldest first, so every unsent row in the range was in the
        # batch; rows written since have higher numbers.
        with self.conn:
            cursor = self.conn.execute(
                f"UPDATE {table} SET sent_at = ? "
                "WHERE sent_at IS NULL AND seq BETWEEN ? AND ?",
                (time.time(), first_seq, last_seq),
            )
        return cursor.rowcount

    # Reading

    def counts(self) -> StoreCounts:
        """Row counts, unsent counts, dropped events and the file size."""
        one = self._scalar
        return StoreCounts(
            events=one("SELECT count(*) FROM events"),
            outcomes=one("SELECT count(*) FROM outcomes"),
            unsent_events=one("SELECT count(*) FROM events WHERE sent_at IS NULL"),
            unsent_outcomes=one("SELECT count(*) FROM outcomes WHERE sent_at IS NULL"),
            dropped_unsent=int(self.meta("dropped_unsent") or 0),
            size_bytes=self.size_bytes(),
        )

    def spent(self, scope: BudgetScope, subject: str, start: Any, end: Any) -> float:
        """Cost recorded for a developer or team in [start, end) (a `SpendSource`)."""
        column = "developer" if scope is BudgetScope.DEVELOPER_DAILY else "team"
        row = self.conn.execute(
            f"SELECT total(cost) FROM events WHERE {column} = ? "
            "AND started_at >= ? AND started_at < ?",
            (subject, start.timestamp(), end.timestamp()),
        ).fetchone()
        return float(row[0])

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read-only query as dictionaries (reports)."""
        yield from self.db.query(sql, params)

    def integrity_check(self) -> str:
        """SQLite's own verdict on the file: `ok` when sound."""
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def size_bytes(self) -> int:
        """Bytes the database pages take, free pages excluded."""
        pages = self._scalar("PRAGMA page_count")
        free = self._scalar("PRAGMA freelist_count")
        return (pages - free) * self._scalar("PRAGMA page_size")

    def meta(self, key: str) -> str | None:
        """A value kept in the `meta` table."""
        row = self.conn.execute(
            "SELECT value FROM meta WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def _scalar(self, sql: str) -> int:
        return int(self.conn.execute(sql).fetchone()[0])

    # Retention

    def prune(
        self,
        retention_days: float,
        max_bytes: int,
        max_unsent: int,
        now: float | None = None,
        *,
        uploading: bool = True,
    ) -> PruneResult:
        """Apply the retention rules of the module doc; log when unsent rows drop.

        Without `uploading` (no endpoint), rows are never sent and every row is
        subject to the age and size limits.
        """
        cutoff = (time.time() if now is None else now) - retention_days * 86400
        done = "sent_at IS NOT NULL" if uploading else "1"
        with self.conn:
            expired = self.conn.execute(
                f"DELETE FROM events WHERE {done} AND started_at < ?",
                (cutoff,),
            ).rowcount
            expired += self.conn.execute(
                f"DELETE FROM outcomes WHERE {done} AND at < ?",
                (cutoff,),
            ).rowcount
        over_size = self._prune_to_size(max_bytes, done)
        dropped = self._cap_unsent(max_unsent) if uploading else 0
        self.conn.execute("PRAGMA incremental_vacuum")
        return PruneResult(expired=expired, over_size=over_size, dropped_unsent=dropped)

    def _prune_to_size(self, max_bytes: int, done: str) -> int:
        size = self.size_bytes()
        rows = self._scalar("SELECT count(*) FROM events") or 1
        if size <= max_bytes:
            return 0
        # Deleting by estimated row size in one statement beats measuring per row;
        # 10 % extra keeps the next prune from starting right away.
        excess = math.ceil((size - max_bytes) / (size / rows) * 1.1)
        with self.conn:
            removed = self.conn.execute(
                "DELETE FROM events WHERE seq IN (SELECT seq FROM events "
                f"WHERE {done} ORDER BY seq LIMIT ?)",
                (excess,),
            ).rowcount
            removed += self.conn.execute(
                "DELETE FROM outcomes WHERE seq IN (SELECT seq FROM outcomes "
                f"WHERE {done} ORDER BY seq LIMIT ?)",
                (excess,),
            ).rowcount
        return removed

    def _cap_unsent(self, max_unsent: int) -> int:
        extra = 0
        for table in ("events", "outcomes"):
            unsent = self._scalar(f"SELECT count(*) FROM {table} WHERE sent_at IS NULL")
            if unsent > max_unsent:
                extra += self._drop_oldest_unsent(table, unsent - max_unsent)
        if not extra:
            return 0
        total = int(self.meta("dropped_unsent") or 0) + extra
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('dropped_unsent', ?)",
                (str(total),),
            )
        logger.warning(
            "telemetry store hard cap reached: dropped %d unsent rows (%d in all); "
            "check the telemetry endpoint or raise telemetry.max_unsent_events",
            extra,
            total,
        )
        return extra

    def _drop_oldest_unsent(self, table: str, count: int) -> int:
        _check_table(table)
        with self.conn:
            return self.conn.execute(
                f"DELETE FROM {table} WHERE seq IN (SELECT seq FROM {table} "
                "WHERE sent_at IS NULL ORDER BY seq LIMIT ?)",
                (count,),
            ).rowcount


def _check_table(table: str) -> None:
    if table not in ("events", "outcomes"):
        raise ValueError(f"no such telemetry table: {table}")


def _migrate_1(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            started_at REAL NOT NULL,
            ended_at REAL,
            kind TEXT NOT NULL,
            tier TEXT,
            model_requested TEXT,
            model_served TEXT,
            provider TEXT,
            canary INTEGER NOT NULL DEFAULT 0,
            fallback_count INTEGER NOT NULL DEFAULT 0,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            cost REAL NOT NULL DEFAULT 0,
            estimated_cost REAL NOT NULL DEFAULT 0,
            latency_ms REAL,
            ttft_ms REAL,
            status TEXT NOT NULL,
            error_class TEXT,
            cache_hit INTEGER NOT NULL DEFAULT 0,
            redaction_count INTEGER NOT NULL DEFAULT 0,
            rules_files TEXT,
            rules_version TEXT,
            developer TEXT NOT NULL,
            team TEXT,
            project TEXT,
            repository TEXT,
            workspace TEXT,
            prompt_text TEXT,
            completion_text TEXT,
            outcome TEXT,
            outcome_at REAL,
            shown_at REAL,
            accepted_chars INTEGER,
            decision_ms REAL,
            sent_at REAL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE outcomes (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL,
            outcome TEXT NOT NULL,
            at REAL NOT NULL,
            accepted_chars INTEGER,
            decision_ms REAL,
            sent_at REAL,
            UNIQUE (event_id, outcome)
        )
        """
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE INDEX events_started ON events (started_at)")
    db.execute("CREATE INDEX events_developer ON events (developer, started_at)")
    db.execute("CREATE INDEX events_team ON events (team, started_at)")
    db.execute("CREATE INDEX events_unsent ON events (seq) WHERE sent_at IS NULL")
    db.execute("CREATE INDEX outcomes_unsent ON outcomes (seq) WHERE sent_at IS NULL")


def _migrate_2(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE events ADD COLUMN requested_tier TEXT")


MIGRATIONS = {1: _migrate_1, 2: _migrate_2}
#: For each schema, the oldest schema whose llmops-ls can still use a store at it. A
#: step that only adds nullable columns or tables keeps older releases working: a
#: developer with an older and a newer llmops-ls open on one store loses nothing.
USABLE_FROM = {1: 1, 2: 1}


def _check_usable(conn: sqlite3.Connection, current: int) -> None:
    """Refuse a store at a newer schema unless it is marked usable by this one."""
    row = conn.execute(
        "SELECT value FROM meta WHERE key = 'usable_from_schema'"
    ).fetchone()
    usable_from = int(row[0]) if row and str(row[0]).isdigit() else current
    if usable_from > SCHEMA_VERSION:
        # The connection itself does not show which file it opened.
        name = conn.execute("PRAGMA database_list").fetchone()[2]
        raise RuntimeError(
            f"telemetry store {name} has schema {current}, which llmops-ls with "
            f"schema {SCHEMA_VERSION} cannot use (it needs {usable_from} or later); "
            "upgrade llmops-ls"
        )


def schema_version(conn: sqlite3.Connection) -> int:
    """The store's schema version, read without changing anything; 0 before any."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if found is None:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema to `SCHEMA_VERSION`, one transaction per step; the version.

    A store a newer llmops-ls has migrated further is used as it is when that
    release marked it usable by this one (`usable_from_schema`), and refused
    otherwise.

    Each step takes the write lock first (`BEGIN IMMEDIATE`) and reads the version
    under it, so that processes opening the store at once (an editor restoring several
    windows) run each step once. Its DDL runs inside that transaction too: the
    `sqlite3` module would otherwise commit `ALTER TABLE` on its own, and a process
    killed before the version is written would leave a column that the next step
    fails to add again.
    """
    conn = db.conn
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            current = int(row[0] or 0)
            if current > SCHEMA_VERSION:
                _check_usable(conn, current)
            elif current < SCHEMA_VERSION:
                MIGRATIONS[current + 1](db)
                conn.execute(
                    "INSERT INTO schema_version (version) VALUES (?)", (current + 1,)
                )
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) "
                    "VALUES ('usable_from_schema', ?)",
                    (str(USABLE_FROM[current + 1]),),
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        if current >= SCHEMA_VERSION:
            return current
        logger.info("telemetry store migrated to schema %d", current + 1)
