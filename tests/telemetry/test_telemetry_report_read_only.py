"""`llmops-ls report` reads the store as it is: it never creates nor migrates one.

The language server may be writing the store, and an older llmops-ls may still use
it: a command that only reads must leave the file as it found it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from llmops_ls.cli import main
from llmops_ls.telemetry import store as store_module
from llmops_ls.telemetry.report import build_report
from llmops_ls.telemetry.store import TelemetryStore

STARTED = datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC).timestamp()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the report looks for the store: a folder that does not exist yet."""
    path = tmp_path / "state" / "telemetry.db"
    monkeypatch.setenv("LLMOPS_TELEMETRY_DB", str(path))
    return path


def schema_1_store(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store as the release with schema 1 left it, with one decided completion."""
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "SCHEMA_VERSION", 1)
        TelemetryStore(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO events (event_id, started_at, kind, tier, model_served, "
            "status, developer, input_tokens, output_tokens, cost, latency_ms, "
            "outcome, rules_version) VALUES ('e1', ?, 'inline_completion', 'fast', "
            "'m-fast', 'ok', 'alice', 10, 5, 0.25, 120.0, 'accepted', 'v1')",
            (STARTED,),
        )
    conn.close()  # the last connection to close folds the WAL into the file


def schema_and_columns(path: Path) -> tuple[int, set[str]]:
    with closing(sqlite3.connect(path)) as conn:
        version = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    return version[0], columns


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("output_format", ["text", "json", "html"])
def test_report_on_an_absent_store_is_empty_and_creates_nothing(
    db: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    assert main(["report", "--format", output_format]) == 0

    out, err = capsys.readouterr()
    assert not db.exists() and not db.parent.exists()
    assert f"no telemetry store at {db}" in err
    if output_format == "json":
        assert json.loads(out)["total"]["requests"] == 0
    elif output_format == "text":
        assert "requests 0  errors 0" in out


def test_report_on_an_empty_file_is_empty_and_leaves_it_empty(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db.parent.mkdir()
    db.touch()  # what a store being created at this very moment looks like

    assert main(["report"]) == 0
    assert db.stat().st_size == 0
    assert "requests 0" in capsys.readouterr().out


def test_report_on_a_schema_1_store_reads_it_and_leaves_it_at_schema_1(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db.parent.mkdir()
    schema_1_store(db, monkeypatch)
    before = digest(db)

    assert main(["report", "--format", "json"]) == 0

    total = json.loads(capsys.readouterr().out)["total"]
    assert (total["requests"], total["accepted"], total["cost"]) == (1, 1, 0.25)
    version, columns = schema_and_columns(db)
    assert version == 1
    assert "requested_tier" not in columns
    assert digest(db) == before


def test_report_on_a_store_too_new_to_use_names_it_and_exits_2(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db.parent.mkdir()
    TelemetryStore(db).close()
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("INSERT INTO schema_version VALUES (99)")
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('usable_from_schema', '99')")

    assert main(["report"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert f"telemetry store {db} has schema 99" in err
    assert "upgrade llmops-ls" in err


def test_report_on_a_file_that_is_no_store_names_it_and_exits_2(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db.parent.mkdir()
    db.write_bytes(b"not a database" * 100)

    assert main(["report"]) == 2
    assert f"telemetry store {db} cannot be read" in capsys.readouterr().err
    assert db.read_bytes() == b"not a database" * 100


def test_a_column_newer_than_the_store_is_read_as_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every column the report reads exists since schema 1; this store lacks one to
    # stand for a store older than a column a later report will read.
    path = tmp_path / "t.db"
    schema_1_store(path, monkeypatch)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("ALTER TABLE events DROP COLUMN rules_version")

    store = TelemetryStore.open_read_only(path)
    assert store is not None
    with store:
        report = build_report(store, None)
    assert report.total.requests == 1
    assert [g.key for g in report.by_rules_version] == ["(no rules files)"]
