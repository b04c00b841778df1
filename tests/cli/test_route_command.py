"""`llmops-ls route`: a request as JSON on stdin, the decision as JSON on stdout."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from llmops_ls.cli import main
from llmops_ls.config import policy as policy_module
from llmops_ls.config import policy_file

HARD = {
    "kind": "agent_step",
    "prompt": "Migrate every module from requests to httpx and update the tests.",
    "attached_files": ["a.py", "b.py", "c.py", "d.py", "e.py"],
    "context_tokens": 20000,
}


@pytest.fixture(autouse=True)
def default_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LLMOPS_POLICY", raising=False)
    monkeypatch.setenv("LLMOPS_LS_CACHE_DIR", "")
    monkeypatch.setattr(policy_file, "SYSTEM_POLICY_PATH", tmp_path / "none.toml")


def route(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: object,
    *args: str,
) -> tuple[int, str, str]:
    text = request if isinstance(request, str) else json.dumps(request)
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    status = main(["route", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_prints_the_decision_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = route(monkeypatch, capsys, HARD)
    decision = json.loads(out)
    assert status == 0
    assert decision["tier"] == "frontier"
    assert decision["model"] == "claude-opus-4-7-20260416"
    assert decision["fallbacks"] == ["gpt-5.5-2026-04-23"]
    assert decision["reasons"]
    assert decision["policy"].endswith("default_policy.toml")


def test_optional_fields_may_be_omitted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    request = {"kind": "inline_completion", "prompt": "def add(a, b):\n    return "}
    status, out, _ = route(monkeypatch, capsys, request)
    assert status == 0
    assert json.loads(out)["tier"] == "fast"


def test_messages_count_as_conversation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = [{"role": "user", "content": "x " * 400}] * 10
    request = {"kind": "chat", "prompt": "And now?", "messages": messages}
    _, out, _ = route(monkeypatch, capsys, request)
    decision = json.loads(out)
    assert decision["input_tokens"] > 1000
    assert any("long conversation (10 turns)" in r for r in decision["reasons"])


def test_not_json_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = route(monkeypatch, capsys, "{kind: chat")
    assert (status, out) == (2, "")
    assert "not JSON" in err


def test_bad_field_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = route(monkeypatch, capsys, {"kind": "poem", "prompt": "x"})
    assert status == 2
    assert "kind" in err


def test_invalid_policy_is_reported(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('[tiers.fast]\nmodels = ["gpt-5.4"]\n', encoding="utf-8")
    monkeypatch.setenv("LLMOPS_POLICY", str(bad))
    status, _, err = route(monkeypatch, capsys, HARD)
    assert status == 2
    assert "tiers.fast.models[0]" in err
    assert "gpt-5.4-2026-03-05" in err


def test_route_is_not_imported_with_the_cli() -> None:
    import subprocess
    import sys

    code = (
        "import sys, llmops_ls.cli; "
        "print(any(m.startswith('llmops_ls.routing') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_recorded_spend_at_the_limit_refuses_the_request(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    import time

    from llmops_ls.telemetry.events import Attribution, RequestEvent
    from llmops_ls.telemetry.store import TelemetryStore

    database = tmp_path / "telemetry.db"
    monkeypatch.setenv("LLMOPS_TELEMETRY_DB", str(database))
    with TelemetryStore(database) as store:
        store.write_batch(
            [
                RequestEvent(
                    kind="chat",
                    tier="frontier",
                    model_served="claude-opus-4-7-20260416",
                    started_at=time.time() - 60,
                    cost=25.0,  # the default policy's daily limit per developer
                    attribution=Attribution("dana"),
                )
            ]
        )

    status, out, _ = route(monkeypatch, capsys, HARD, "--developer", "dana")
    decision = json.loads(out)
    assert status == 1
    assert decision["budgets_checked"] is True
    assert decision["budget"] == "developer_daily"
    assert decision["resets_at"].endswith("T00:00:00+00:00")

    status, out, _ = route(monkeypatch, capsys, HARD, "--developer", "erin")
    assert status == 0
    assert json.loads(out)["budgets_checked"] is True


def test_without_a_store_budgets_are_not_checked_and_none_is_created(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    database = tmp_path / "absent.db"
    monkeypatch.setenv("LLMOPS_TELEMETRY_DB", str(database))
    status, out, _ = route(monkeypatch, capsys, HARD)
    assert status == 0
    assert json.loads(out)["budgets_checked"] is False
    assert not database.exists()


def test_an_older_store_is_read_and_left_at_its_schema(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    import sqlite3
    import time

    from llmops_ls.telemetry import store as store_module
    from llmops_ls.telemetry.store import TelemetryStore

    database = tmp_path / "telemetry.db"
    monkeypatch.setenv("LLMOPS_TELEMETRY_DB", str(database))
    # What the release with schema 1 left: its own migration, then a day's spend.
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "SCHEMA_VERSION", 1)
        TelemetryStore(database).close()
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO events (event_id, started_at, kind, status, developer, cost) "
            "VALUES ('e1', ?, 'chat', 'ok', 'dana', 25.0)",
            (time.time() - 60,),
        )

    status, out, _ = route(monkeypatch, capsys, HARD, "--developer", "dana")
    decision = json.loads(out)
    assert status == 1
    assert decision["budgets_checked"] is True
    assert decision["budget"] == "developer_daily"

    with sqlite3.connect(database) as conn:
        version = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    assert version == (1,)
    assert "requested_tier" not in columns


def test_a_requested_tier_is_honoured_under_the_default_policy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    request = {"kind": "chat", "prompt": "What does zip() do?", "tier": "frontier"}
    status, out, _ = route(monkeypatch, capsys, request)
    decision = json.loads(out)
    assert status == 0
    assert (decision["tier"], decision["model"]) == (
        "frontier",
        "claude-opus-4-7-20260416",
    )
    assert decision["requested_tier"] == "frontier"
    assert "tier frontier requested (the router chose fast)" in decision["reasons"]


def test_a_policy_that_ignores_requests_keeps_the_router_tier(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    text = policy_module.DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(
        text.replace('requested_tier = "honour"', 'requested_tier = "ignore"'), "utf-8"
    )
    monkeypatch.setenv("LLMOPS_POLICY", str(policy))
    request = {"kind": "chat", "prompt": "What does zip() do?", "tier": "frontier"}
    _, out, _ = route(monkeypatch, capsys, request)
    decision = json.loads(out)
    assert decision["tier"] == "fast"
    assert any("not honoured" in r and '"ignore"' in r for r in decision["reasons"])


def test_an_unknown_requested_tier_names_the_known_ones(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    request = {"kind": "chat", "prompt": "What does zip() do?", "tier": "turbo"}
    status, out, err = route(monkeypatch, capsys, request)
    assert (status, out) == (2, "")
    assert (
        "unknown tier 'turbo': the policy's tiers are fast, standard, frontier" in err
    )
