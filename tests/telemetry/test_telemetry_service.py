"""The service: writer, attribution and the last upload on shutdown."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from otlp_receiver import RecordingReceiver

from llmops_ls.config.policy import DEFAULT_POLICY_PATH, parse_policy
from llmops_ls.routing.recording import RequestRecord
from llmops_ls.telemetry.service import TelemetryService, store_path
from llmops_ls.telemetry.store import TelemetryStore


def test_close_writes_the_queue_and_uploads_it(tmp_path: Path) -> None:
    receiver = RecordingReceiver()
    db = tmp_path / "t.db"
    text = DEFAULT_POLICY_PATH.read_text() + (
        f'\n[telemetry]\nendpoint = "{receiver.endpoint}"\nstore_path = "{db}"\n'
        'team = "platform"\nflush_interval_seconds = 3600\n'
    )
    policy = parse_policy(text, tmp_path / "policy.toml").policy
    env = {"CODER_WORKSPACE_OWNER_NAME": "alice", "CODER_WORKSPACE_NAME": "box"}
    try:
        service = TelemetryService.start(
            policy, tmp_path, project_team="web", environ=env
        )
        assert service.writer.attribution.developer == "alice"
        assert service.writer.attribution.team == "web"
        service.writer.record_request(
            RequestRecord("r1", "alice", None, "chat", "standard", "m", "ok")
        )
        service.close()
    finally:
        receiver.stop()
    keys = receiver.received.unique()
    assert ("llmops.request", "r1", "") in keys
    with TelemetryStore(db) as store:
        (row,) = store.query("SELECT workspace, team, sent_at FROM events")
    assert row["workspace"] == "box" and row["team"] == "web"
    assert row["sent_at"] is not None


def test_the_environment_names_the_store_before_the_policy(tmp_path: Path) -> None:
    text = DEFAULT_POLICY_PATH.read_text() + '\n[telemetry]\nstore_path = "~/p.db"\n'
    with_path = parse_policy(text, tmp_path / "policy.toml").policy
    without = parse_policy(DEFAULT_POLICY_PATH.read_text(), tmp_path / "p.toml").policy
    env = {"LLMOPS_TELEMETRY_DB": str(tmp_path / "env.db"), "HOME": str(tmp_path)}
    state = {"XDG_STATE_HOME": str(tmp_path / "state"), "HOME": str(tmp_path)}

    assert store_path(with_path, env) == tmp_path / "env.db"
    assert store_path(without, env) == tmp_path / "env.db"
    assert store_path(with_path, state) == Path("~/p.db").expanduser()
    assert store_path(without, state) == tmp_path / "state" / "llmops-ls" / (
        "telemetry.db"
    )


def test_shutdown_keeps_to_its_budget_when_the_collector_never_answers(
    tmp_path: Path,
) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the backlog; nothing is ever read
    port = silent.getsockname()[1]
    text = DEFAULT_POLICY_PATH.read_text() + (
        f'\n[telemetry]\nendpoint = "http://127.0.0.1:{port}"\n'
        f'store_path = "{tmp_path / "t.db"}"\nflush_interval_seconds = 3600\n'
        "shutdown_timeout_seconds = 1\ntimeout_seconds = 20\n"
    )
    policy = parse_policy(text, tmp_path / "policy.toml").policy
    service = TelemetryService.start(policy, tmp_path, environ={})
    service.writer.record_request(
        RequestRecord("r1", "alice", None, "chat", "standard", "m", "ok")
    )
    started = time.monotonic()
    try:
        service.close()
    finally:
        silent.close()
    # Twenty seconds of request timeout, one of shutdown budget: the budget wins
    # (the margin is for a loaded machine, not for the timeout).
    assert time.monotonic() - started < 8
    with TelemetryStore(tmp_path / "t.db") as store:
        (row,) = store.query("SELECT event_id, sent_at FROM events")
    assert (row["event_id"], row["sent_at"]) == ("r1", None)
