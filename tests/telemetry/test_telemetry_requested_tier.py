"""The tier a developer asked for: from the router to the store and the OTLP export."""

from __future__ import annotations

import datetime
import gzip
import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceResponse,
)
from otlp_receiver import parse_logs

from llmops_ls.config.policy import parse_policy
from llmops_ls.routing.features import Request, RequestKind
from llmops_ls.routing.recording import RequestRecord
from llmops_ls.routing.router import Caller, Decision, Router
from llmops_ls.telemetry import store as store_module
from llmops_ls.telemetry.events import Attribution
from llmops_ls.telemetry.store import SCHEMA_VERSION, TelemetryStore, _migrate_1
from llmops_ls.telemetry.uploader import Uploader, UploadSettings
from llmops_ls.telemetry.writer import TelemetryWriter

NOW = datetime.datetime(2026, 12, 3, 15, 30, tzinfo=datetime.UTC)
POLICY = """
[routing]
requested_tier = "raise_only"
[tiers.fast]
models = ["gpt-5.4-mini-2026-03-17"]
[tiers.frontier]
models = ["claude-opus-4-7-20260416"]
min_score = 0.65
"""
ALICE = Caller("alice", "web")
HARD = (
    "Redesign how the payment and ledger services share state across modules so "
    "concurrent settlements cannot race; weigh the trade-offs of locking against an "
    "event log."
)


def routed_and_sent(writer: TelemetryWriter, router: Router, request: Request) -> str:
    decision = router.route(request, ALICE, NOW)
    assert isinstance(decision, Decision)
    writer.record_request(
        RequestRecord(
            request_id=f"r-{request.requested_tier}",
            developer="alice",
            team="web",
            kind="chat",
            tier=decision.tier,
            model=decision.model,
            outcome="ok",
            model_requested=decision.model,
            requested_tier=decision.requested_tier,
        )
    )
    return decision.tier


def test_requested_tier_is_stored_and_exported(tmp_path: Path) -> None:
    policy = parse_policy(POLICY, Path("p.toml"), NOW.date()).policy
    writer = TelemetryWriter(
        tmp_path / "t.db", attribution=Attribution("alice"), interval_seconds=0.02
    )
    router = Router(policy)
    try:
        asked = Request(RequestKind.CHAT, HARD, requested_tier="fast")
        plain = Request(RequestKind.CHAT, "What does zip() do?")
        # A cheaper tier is not honoured under `raise_only`, and recorded all the same.
        assert routed_and_sent(writer, router, asked) == "frontier"
        assert routed_and_sent(writer, router, plain) == "fast"
        assert writer.flush()
    finally:
        writer.close()

    bodies: list[bytes] = []

    def keep(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/logs":
            bodies.append(gzip.decompress(request.content))
        return httpx.Response(
            200, content=ExportLogsServiceResponse().SerializeToString()
        )

    with TelemetryStore(tmp_path / "t.db") as store:
        stored = {
            r["event_id"]: r["requested_tier"]
            for r in store.query("SELECT * FROM events")
        }
        Uploader(
            store,
            UploadSettings(endpoint="http://127.0.0.1:4318"),
            client=httpx.Client(transport=httpx.MockTransport(keep)),
            sleep=lambda s: None,
            jitter=lambda: 1.0,
        ).flush()

    assert stored == {"r-fast": "fast", "r-None": None}
    records = parse_logs(bodies[0], "application/x-protobuf").resource_logs[0]
    exported = {}
    for record in records.scope_logs[0].log_records:
        attrs = {a.key: a.value for a in record.attributes}
        if record.event_name == "llmops.request":
            tier = attrs.get("llmops.requested_tier")
            exported[attrs["llmops.event_id"].string_value] = (
                tier.string_value if tier is not None else None
            )
    assert exported == {"r-fast": "fast", "r-None": None}


def test_a_schema_1_store_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    _migrate_1(sqlite_utils.Database(conn))
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute(
        "INSERT INTO events (event_id, started_at, kind, status, developer) "
        "VALUES ('old', 1.0, 'chat', 'ok', 'alice')"
    )
    conn.commit()
    conn.close()

    with TelemetryStore(path) as store:
        rows = list(store.query("SELECT event_id, requested_tier FROM events"))
        version = store.conn.execute("SELECT max(version) FROM schema_version")
        assert version.fetchone()[0] == SCHEMA_VERSION == 2
    assert rows == [{"event_id": "old", "requested_tier": None}]


def _schema_1_store(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")  # as every store has been made
    _migrate_1(sqlite_utils.Database(conn))
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.commit()
    conn.close()


def test_a_step_stopped_half_way_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    _schema_1_store(path)

    def killed_after_the_column(db: sqlite_utils.Database) -> None:
        store_module._migrate_2(db)
        raise KeyboardInterrupt  # as a process killed before the version is written

    monkeypatch.setitem(store_module.MIGRATIONS, 2, killed_after_the_column)
    with pytest.raises(KeyboardInterrupt):
        TelemetryStore(path)
    monkeypatch.undo()

    conn = sqlite3.connect(path)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    conn.close()
    assert "requested_tier" not in columns
    assert version == 1
    with TelemetryStore(path) as store:
        assert list(store.query("SELECT requested_tier FROM events")) == []


# Processes opening one store at once.
OPENERS = 3


def _open_together(path: str, barrier: Any, answers: Any) -> None:
    barrier.wait()
    try:
        TelemetryStore(path).close()
    except Exception as error:  # reported to the test, which names it
        answers.put(f"{type(error).__name__}: {error}")
    else:
        answers.put("ok")


@pytest.mark.parametrize("old", [True, False], ids=["schema 1", "no file yet"])
def test_processes_opening_a_store_at_once_all_succeed(
    tmp_path: Path, old: bool
) -> None:
    context = multiprocessing.get_context("spawn")
    for round_number in range(5):
        path = tmp_path / f"store-{round_number}.db"
        if old:
            _schema_1_store(path)
        barrier, answers = context.Barrier(OPENERS), context.Queue()
        processes = [
            context.Process(target=_open_together, args=(str(path), barrier, answers))
            for _ in range(OPENERS)
        ]
        for process in processes:
            process.start()
        results = [answers.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(60)
        assert results == ["ok"] * OPENERS


def test_a_new_store_waits_for_another_process_holding_its_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process takes the new file's write lock (as one creating the store
    # does) just before this one switches it to WAL: SQLite refuses the switch at
    # once, not after busy_timeout.
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    release = threading.Timer(0.3, other.execute, ("COMMIT",))
    enable_wal = sqlite_utils.Database.enable_wal

    def locked_first(db: sqlite_utils.Database) -> None:
        if release.ident is None:  # only before the first try
            other.execute("BEGIN IMMEDIATE")
            release.start()
        enable_wal(db)

    monkeypatch.setattr(sqlite_utils.Database, "enable_wal", locked_first)
    try:
        with TelemetryStore(path) as store:
            mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        if release.ident is not None:
            release.join()
        other.close()
    assert mode == "wal"
