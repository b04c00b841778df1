"""The writer: non-blocking recording, batching, the sink adapters, kill -9."""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from llmops_ls.routing.budgets import BudgetScope
from llmops_ls.routing.recording import FeedbackRecord, RequestRecord
from llmops_ls.telemetry.events import Attribution, RequestEvent
from llmops_ls.telemetry.store import TelemetryStore
from llmops_ls.telemetry.writer import TelemetryWriter


@pytest.fixture
def writer(tmp_path: Path):  # type: ignore[no-untyped-def]
    w = TelemetryWriter(
        tmp_path / "t.db",
        attribution=Attribution("alice", team="web", project="shop"),
        interval_seconds=0.02,
    )
    yield w
    w.close()


def rows(path: Path, sql: str = "SELECT * FROM events ORDER BY seq") -> list[dict]:  # type: ignore[type-arg]
    with TelemetryStore(path) as store:
        return list(store.query(sql))


def test_record_returns_before_anything_is_written(tmp_path: Path) -> None:
    w = TelemetryWriter(tmp_path / "t.db", interval_seconds=60)
    w.record(RequestEvent(kind="chat"))
    assert w.pending == 1
    assert rows(tmp_path / "t.db") == []
    w.close()
    assert len(rows(tmp_path / "t.db")) == 1


def test_flush_writes_everything_queued(writer: TelemetryWriter) -> None:
    for _ in range(5000):
        writer.record(RequestEvent(kind="chat"))
    assert writer.flush(10)
    assert len(rows(Path(writer.path))) == 5000


def test_a_full_queue_wakes_the_writer_before_the_interval(tmp_path: Path) -> None:
    w = TelemetryWriter(tmp_path / "t.db", interval_seconds=60, max_batch=10)
    for _ in range(10):
        w.record(RequestEvent(kind="chat"))
    deadline = time.monotonic() + 5
    while w.written < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert w.written == 10
    w.close()


def test_request_record_carries_its_decision_and_is_shown(
    writer: TelemetryWriter,
) -> None:
    writer.record_request(
        RequestRecord(
            request_id="r1",
            developer="alice",
            team="web",
            kind="inline_completion",
            tier="fast",
            model="m-served",
            outcome="ok",
            fallbacks_used=1,
            input_tokens=120,
            output_tokens=30,
            cost=0.01,
            latency_seconds=0.5,
            first_token_seconds=0.2,
            redactions=2,
            model_requested="m-canary",
            canary=True,
            estimated_cost=0.004,
        )
    )
    writer.record_feedback(
        FeedbackRecord("r1", "inline_completion", "partial", accepted_chars=12)
    )
    writer.flush()
    (row,) = rows(Path(writer.path))
    assert row["event_id"] == "r1"
    assert row["model_requested"] == "m-canary" and row["model_served"] == "m-served"
    assert row["canary"] == 1 and row["fallback_count"] == 1
    assert row["team"] == "web" and row["project"] == "shop"
    assert row["latency_ms"] == pytest.approx(500) and row["ttft_ms"] == pytest.approx(
        200
    )
    assert row["redaction_count"] == 2 and row["estimated_cost"] == 0.004
    assert row["outcome"] == "partially_accepted" and row["accepted_chars"] == 12
    assert row["decision_ms"] is not None and row["decision_ms"] >= 0


def test_cached_answer_is_a_cache_hit_and_implicit_feedback_is_ignored(
    writer: TelemetryWriter,
) -> None:
    writer.record_request(
        RequestRecord("r2", "alice", None, "inline_completion", "fast", "m", "cached")
    )
    writer.record_feedback(
        FeedbackRecord("r2", "inline_completion", "rejected", implicit=True)
    )
    writer.flush()
    (row,) = rows(Path(writer.path))
    assert row["cache_hit"] == 1 and row["status"] == "ok"
    assert row["outcome"] == "ignored"


def test_refused_request_is_recorded_without_shown(writer: TelemetryWriter) -> None:
    writer.record_request(
        RequestRecord("r3", "alice", "web", "chat", None, None, "refused")
    )
    writer.flush()
    (row,) = rows(Path(writer.path))
    assert row["status"] == "refused" and row["outcome"] is None


def test_spent_counts_stored_and_queued_costs(tmp_path: Path) -> None:
    w = TelemetryWriter(tmp_path / "t.db", interval_seconds=60)
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1)
    w.record(RequestEvent(kind="chat", attribution=Attribution("alice"), cost=2.0))
    assert w.spent(BudgetScope.DEVELOPER_DAILY, "alice", start, end) == 2.0
    w.flush()
    assert w.spent(BudgetScope.DEVELOPER_DAILY, "alice", start, end) == 2.0
    w.close()


def test_a_cost_being_written_is_counted_once(tmp_path: Path) -> None:
    w = TelemetryWriter(tmp_path / "t.db", interval_seconds=60)
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1)
    writing, release = threading.Event(), threading.Event()
    real_write = w._store.write_batch

    def slow_write(batch: list[object]) -> None:
        writing.set()
        release.wait(5)
        real_write(batch)  # type: ignore[arg-type]

    w._store.write_batch = slow_write  # type: ignore[method-assign]
    w.record(RequestEvent(kind="chat", attribution=Attribution("alice"), cost=30.0))
    w._wake.set()
    assert writing.wait(5)  # the batch has left the queue, not yet reached the store
    seen: list[float] = []
    reader = threading.Thread(
        target=lambda: seen.append(
            w.spent(BudgetScope.DEVELOPER_DAILY, "alice", start, end)
        )
    )
    reader.start()
    time.sleep(0.05)
    release.set()
    reader.join(5)
    assert seen == [30.0]
    w.flush()
    assert w.spent(BudgetScope.DEVELOPER_DAILY, "alice", start, end) == 30.0
    w.close()


def test_a_batch_that_fails_to_write_for_a_while_is_kept_and_written_later(
    tmp_path: Path,
) -> None:
    w = TelemetryWriter(tmp_path / "t.db", interval_seconds=0.02)
    real_write = w._store.write_batch
    failures = [sqlite3.OperationalError("database or disk is full")] * 3

    def flaky_write(batch: list[object]) -> None:
        if failures:
            raise failures.pop()
        real_write(batch)  # type: ignore[arg-type]

    w._store.write_batch = flaky_write  # type: ignore[method-assign]
    for n in range(4):
        w.record(RequestEvent(kind="chat", event_id=f"r{n}"))
    assert w.flush(5)
    assert [r["event_id"] for r in rows(tmp_path / "t.db")] == ["r0", "r1", "r2", "r3"]
    assert (w.failed_batches, w.dropped) == (3, 0)
    w.close()


def test_write_failure_is_logged_and_the_writer_carries_on(
    writer: TelemetryWriter, caplog: pytest.LogCaptureFixture
) -> None:
    writer.record("not an event")  # type: ignore[arg-type]
    writer.flush()
    writer.record(RequestEvent(kind="chat"))
    writer.flush()
    assert writer.failed_batches == 1
    assert "telemetry events failed" in caplog.text
    assert len(rows(Path(writer.path))) == 1


_CHILD = textwrap.dedent(
    """
    import sys, time
    from llmops_ls.telemetry.events import RequestEvent
    from llmops_ls.telemetry.writer import TelemetryWriter

    path, run = sys.argv[1], sys.argv[2]
    writer = TelemetryWriter(path, interval_seconds=0.05, max_batch=5000)
    n = 0
    while True:
        for _ in range(200):
            writer.record(RequestEvent(kind="chat", event_id=f"{run}-{n:09d}",
                                       error_class="x" * 200))
            n += 1
        sys.stdout.write(f"{n}\\n")
        sys.stdout.flush()
        time.sleep(0.02)
    """
)


@pytest.mark.parametrize("kill_after_seconds", [0.35, 0.8, 1.3])
def test_kill_9_mid_write_loses_at_most_the_last_window_and_never_corrupts(
    tmp_path: Path, kill_after_seconds: float
) -> None:
    path = tmp_path / "t.db"
    previous = 0
    for run in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path), f"run{run}"],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert child.stdout is not None
        started = time.monotonic()
        recorded = 0
        while time.monotonic() - started < kill_after_seconds + 5:
            line = child.stdout.readline()
            if not line:
                break
            recorded = int(line)
            if recorded > 0 and time.monotonic() - started > kill_after_seconds:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        child.stdout.close()

        with TelemetryStore(path) as store:
            assert store.integrity_check() == "ok"
            ids = [
                r["event_id"]
                for r in store.query(
                    "SELECT event_id FROM events WHERE event_id LIKE ? ORDER BY seq",
                    (f"run{run}-%",),
                )
            ]
            total = store.counts().events
        # Batches commit in order: what survived is a gap-free prefix of the run.
        assert ids == [f"run{run}-{n:09d}" for n in range(len(ids))]
        assert total == previous + len(ids)
        previous = total
        # At 10,000 events/s a 50 ms window and one batch stay well under 5,000.
        assert recorded - len(ids) <= 5000, (recorded, len(ids))


def test_overlapping_requests_of_one_developer_keep_their_own_decisions(
    writer: TelemetryWriter,
) -> None:
    # A newer inline request is routed while the older one is still in flight.
    def record(request_id: str, model: str, estimate: float) -> RequestRecord:
        return RequestRecord(
            request_id,
            "alice",
            None,
            "inline_completion",
            "fast",
            model,
            "ok",
            model_requested=model,
            estimated_cost=estimate,
        )

    writer.record_request(record("older", "m-a", 0.001))
    writer.record_request(record("newer", "m-b", 0.002))
    writer.flush()

    stored = {
        row["event_id"]: (row["model_requested"], row["estimated_cost"])
        for row in rows(Path(writer.path))
    }
    assert stored == {"older": ("m-a", 0.001), "newer": ("m-b", 0.002)}
