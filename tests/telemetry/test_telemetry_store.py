"""The local store: schema, outcomes, redaction, spend, retention."""

from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path

import pytest

from llmops_ls.routing.budgets import BudgetScope
from llmops_ls.telemetry import store as store_module
from llmops_ls.telemetry.events import (
    Attribution,
    Outcome,
    OutcomeEvent,
    RequestEvent,
    RulesFile,
    new_event_id,
    rules_version,
)
from llmops_ls.telemetry.store import (
    SCHEMA_VERSION,
    USABLE_FROM,
    TelemetryStore,
    migrate,
)

ALICE = Attribution(developer="alice", team="web", project="shop", workspace="ws1")


def event(**changes: object) -> RequestEvent:
    values: dict[str, object] = {"kind": "inline_completion", "attribution": ALICE}
    values.update(changes)
    return RequestEvent(**values)  # type: ignore[arg-type]


@pytest.fixture
def store() -> TelemetryStore:
    return TelemetryStore(":memory:")


def test_event_ids_are_unique_uuid7_sorted_by_time() -> None:
    ids = [new_event_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(i[14] == "7" for i in ids)
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)


def test_rules_version_ignores_order_and_changes_with_content() -> None:
    a, b = RulesFile.of("CLAUDE.md", b"one"), RulesFile.of("AGENTS.md", b"two")
    assert rules_version((a, b)) == rules_version((b, a))
    assert rules_version((a, RulesFile.of("AGENTS.md", b"three"))) != rules_version(
        (a, b)
    )
    assert rules_version(()) is None


def test_fresh_store_is_at_the_current_schema(store: TelemetryStore) -> None:
    version = store.conn.execute("SELECT max(version) FROM schema_version").fetchone()
    assert version[0] == SCHEMA_VERSION
    assert migrate(store.db) == SCHEMA_VERSION  # idempotent


def newer_release_migrated(path: Path, version: int, usable_from: int | None) -> None:
    """What a later llmops-ls leaves: a higher schema and, maybe, who can use it."""
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
        conn.execute("DELETE FROM meta WHERE key = 'usable_from_schema'")
        if usable_from is not None:
            conn.execute(
                "INSERT INTO meta VALUES ('usable_from_schema', ?)", (str(usable_from),)
            )


@pytest.mark.parametrize("usable_from", [99, None])
def test_store_newer_than_the_code_is_refused(
    tmp_path: Path, usable_from: int | None
) -> None:
    path = tmp_path / "t.db"
    TelemetryStore(path).close()
    newer_release_migrated(path, 99, usable_from)
    with pytest.raises(RuntimeError, match="upgrade llmops-ls"):
        TelemetryStore(path)


def test_a_refused_newer_store_is_named_by_its_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "t.db"
    TelemetryStore(path).close()
    newer_release_migrated(path, 99, 99)
    with pytest.raises(RuntimeError) as refused:
        TelemetryStore(path)
    assert str(refused.value).startswith(f"telemetry store {path} has schema 99")
    with caplog.at_level("WARNING", logger=store_module.__name__):
        assert TelemetryStore.open_read_only(path) is None
    assert "Connection" not in caplog.text
    assert f"telemetry store {path} has schema 99" in caplog.text


def test_newer_store_marked_usable_by_this_release_is_used_as_it_is(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.db"
    TelemetryStore(path).close()
    newer_release_migrated(path, SCHEMA_VERSION + 1, SCHEMA_VERSION)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE events ADD COLUMN added_later TEXT")

    with TelemetryStore(path) as store:
        store.write_batch([RequestEvent(kind="chat", event_id="e1")])
        rows = list(store.query("SELECT event_id, added_later FROM events"))
        version = store.conn.execute("SELECT max(version) FROM schema_version")
        assert version.fetchone()[0] == SCHEMA_VERSION + 1
    assert rows == [{"event_id": "e1", "added_later": None}]


def schema_1_store(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store as the release with schema 1 left it, with alice's 3.0 on 2025-06-01."""
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "SCHEMA_VERSION", 1)
        TelemetryStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO events (event_id, started_at, kind, status, developer, cost) "
            "VALUES ('e1', ?, 'chat', 'ok', 'alice', 3.0)",
            (datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC).timestamp(),),
        )


def columns(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[1] for row in conn.execute("PRAGMA table_info(events)")}


def test_read_only_store_reads_an_older_schema_and_leaves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.db"
    schema_1_store(path, monkeypatch)
    day = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)

    store = TelemetryStore.open_read_only(path)
    assert store is not None
    with store:
        assert store.schema == 1
        end = day + datetime.timedelta(days=1)
        assert store.spent(BudgetScope.DEVELOPER_DAILY, "alice", day, end) == 3.0
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.conn.execute("DELETE FROM events")

    assert "requested_tier" not in columns(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (
            1,
        )
    # Opened the ordinary way, the same file is migrated: the check above can fail.
    TelemetryStore(path).close()
    assert "requested_tier" in columns(path)


def test_read_only_store_is_none_when_absent_empty_or_refused(
    tmp_path: Path,
) -> None:
    absent = tmp_path / "absent.db"
    assert TelemetryStore.open_read_only(absent) is None
    assert not absent.exists()

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert TelemetryStore.open_read_only(empty) is None
    assert columns(empty) == set()

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    assert TelemetryStore.open_read_only(garbage) is None

    newer = tmp_path / "newer.db"
    TelemetryStore(newer).close()
    newer_release_migrated(newer, 99, 99)
    assert TelemetryStore.open_read_only(newer) is None


def test_each_migration_says_who_can_still_use_the_store(tmp_path: Path) -> None:
    with TelemetryStore(tmp_path / "t.db") as store:
        assert store.meta("usable_from_schema") == str(USABLE_FROM[SCHEMA_VERSION])


def test_file_store_uses_wal(tmp_path: Path) -> None:
    with TelemetryStore(tmp_path / "t.db") as store:
        mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_event_round_trips_with_rules_and_attribution(store: TelemetryStore) -> None:
    rules = (RulesFile.of("CLAUDE.md", b"be brief"),)
    e = event(tier="fast", model_served="m1", cost=0.25, rules_files=rules)
    store.write_batch([e])
    (row,) = store.query("SELECT * FROM events")
    assert row["event_id"] == e.event_id
    assert row["team"] == "web" and row["project"] == "shop"
    assert row["rules_version"] == e.rules_version
    assert '"CLAUDE.md"' in row["rules_files"]
    assert row["cost"] == 0.25 and row["sent_at"] is None


def test_same_event_id_twice_is_kept_once(store: TelemetryStore) -> None:
    e = event()
    store.write_batch([e])
    store.write_batch([e])
    assert store.counts().events == 1


def test_text_is_dropped_unless_opted_in(store: TelemetryStore) -> None:
    store.write_batch([event(prompt_text="hello", completion_text="world")])
    (row,) = store.query("SELECT prompt_text, completion_text FROM events")
    assert row == {"prompt_text": None, "completion_text": None}


def test_opted_in_text_is_redacted() -> None:
    store = TelemetryStore(":memory:", store_text=True)
    key = "ghp_" + "R8x2Lq9ZbV4mN7tK1pW3sY6dF0hJ5gC2aE8u"
    store.write_batch([event(prompt_text=f"key {key} here", completion_text="ok")])
    (row,) = store.query("SELECT prompt_text, completion_text FROM events")
    assert key not in row["prompt_text"]
    assert "[REDACTED:" in row["prompt_text"]
    assert row["completion_text"] == "ok"


def test_outcome_updates_the_event_and_derives_decision_time(
    store: TelemetryStore,
) -> None:
    e = event()
    store.write_batch([e, OutcomeEvent(e.event_id, Outcome.SHOWN, at=100.0)])
    store.write_batch(
        [
            OutcomeEvent(
                e.event_id, Outcome.PARTIALLY_ACCEPTED, at=101.5, accepted_chars=7
            )
        ]
    )
    (row,) = store.query("SELECT * FROM events")
    assert row["outcome"] == "partially_accepted"
    assert row["accepted_chars"] == 7
    assert row["decision_ms"] == pytest.approx(1500.0)
    assert store.counts().outcomes == 2


def test_late_shown_does_not_overwrite_a_decision(store: TelemetryStore) -> None:
    e = event()
    store.write_batch([e, OutcomeEvent(e.event_id, Outcome.REJECTED, at=5.0)])
    store.write_batch([OutcomeEvent(e.event_id, Outcome.SHOWN, at=6.0)])
    (row,) = store.query("SELECT outcome FROM events")
    assert row["outcome"] == "rejected"


def test_spent_sums_costs_of_subject_within_window(store: TelemetryStore) -> None:
    day = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    at = day.timestamp()
    bob = Attribution(developer="bob", team="web")
    store.write_batch(
        [
            event(cost=1.0, started_at=at + 10),
            event(cost=2.0, started_at=at + 20, attribution=bob),
            event(cost=4.0, started_at=at - 10),  # the day before
        ]
    )
    end = day + datetime.timedelta(days=1)
    assert store.spent(BudgetScope.DEVELOPER_DAILY, "alice", day, end) == 1.0
    assert store.spent(BudgetScope.TEAM_MONTHLY, "web", day, end) == 3.0
    assert store.spent(BudgetScope.DEVELOPER_DAILY, "carol", day, end) == 0.0


def test_unsent_rows_come_oldest_first_and_mark_sent_by_range(
    store: TelemetryStore,
) -> None:
    store.write_batch([event() for _ in range(5)])
    batch = store.unsent("events", 3)
    assert [r["seq"] for r in batch] == [1, 2, 3]
    assert store.mark_sent("events", batch[0]["seq"], batch[-1]["seq"]) == 3
    assert [r["seq"] for r in store.unsent("events", 10)] == [4, 5]


def test_prune_removes_old_sent_events_and_keeps_old_unsent(
    store: TelemetryStore,
) -> None:
    store.write_batch([event(started_at=1000.0), event(started_at=1000.0)])
    store.mark_sent("events", 1, 1)
    result = store.prune(retention_days=1, max_bytes=10**9, max_unsent=100, now=10**6)
    assert result.expired == 1
    assert [r["seq"] for r in store.query("SELECT seq FROM events")] == [2]


def test_prune_over_size_removes_sent_before_unsent(tmp_path: Path) -> None:
    store = TelemetryStore(tmp_path / "t.db")
    store.write_batch([event(error_class="x" * 500) for _ in range(2000)])
    store.mark_sent("events", 1, 1000)
    result = store.prune(
        retention_days=365, max_bytes=store.size_bytes() // 2, max_unsent=10**6
    )
    counts = store.counts()
    assert result.over_size > 0 and result.dropped_unsent == 0
    assert counts.unsent_events == 1000
    assert counts.events < 2000


def test_hard_cap_drops_oldest_unsent_and_reports(
    store: TelemetryStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.write_batch([event() for _ in range(10)])
    result = store.prune(retention_days=30, max_bytes=10**9, max_unsent=6)
    assert result.dropped_unsent == 4
    assert store.counts().dropped_unsent == 4
    assert [r["seq"] for r in store.query("SELECT seq FROM events")] == list(
        range(5, 11)
    )
    assert "hard cap" in caplog.text


def test_local_telemetry_is_bounded_by_age_and_size_too(tmp_path: Path) -> None:
    # Without an endpoint nothing is ever sent: every row counts as done.
    store = TelemetryStore(tmp_path / "t.db")
    old = [event(started_at=1000.0) for _ in range(5)]
    store.write_batch(
        [*old, *(OutcomeEvent(e.event_id, Outcome.SHOWN, at=1000.0) for e in old)]
    )
    store.write_batch([event(started_at=10**6 - 60)])
    kept_as_unsent = store.prune(1, 10**9, 100, now=10**6)
    assert kept_as_unsent.expired == 0

    result = store.prune(1, 10**9, 100, now=10**6, uploading=False)
    assert result.expired == 10
    assert store.counts().events == 1
    store.write_batch([event(error_class="x" * 500) for _ in range(2000)])
    result = store.prune(
        365, store.size_bytes() // 2, 10**6, now=10**6, uploading=False
    )
    assert result.over_size > 0 and store.counts().events < 2001
    store.close()


def test_hard_cap_counts_outcomes_too(store: TelemetryStore) -> None:
    events = [event() for _ in range(9)]
    store.write_batch(
        [*events, *(OutcomeEvent(e.event_id, Outcome.SHOWN, at=1.0) for e in events)]
    )
    result = store.prune(retention_days=30, max_bytes=10**9, max_unsent=6)
    assert result.dropped_unsent == 6
    assert store._scalar("SELECT count(*) FROM outcomes") == 6
