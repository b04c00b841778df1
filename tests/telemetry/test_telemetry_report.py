"""`llmops-ls report` and `llmops-ls flush` over a temporary store."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from otlp_receiver import RecordingReceiver

from llmops_ls.cli import main
from llmops_ls.config.policy import DEFAULT_POLICY_PATH
from llmops_ls.telemetry.events import (
    Attribution,
    Outcome,
    OutcomeEvent,
    RequestEvent,
    RulesFile,
    rules_version,
)
from llmops_ls.telemetry.report import build_report, percentile
from llmops_ls.telemetry.report_html import render_html
from llmops_ls.telemetry.store import TelemetryStore

DAY = datetime.datetime(2025, 6, 2, tzinfo=datetime.UTC).timestamp()


def sample(store: TelemetryStore) -> None:
    rules = (RulesFile.of("CLAUDE.md", b"v1"),)
    events = [
        RequestEvent(kind="inline_completion", tier="fast", model_served="m-fast",
                     started_at=DAY + i, latency_ms=100.0 * (i + 1), cost=0.01,
                     input_tokens=10, output_tokens=5, rules_files=rules,
                     time_to_first_token_ms=50.0, attribution=Attribution("a"))
        for i in range(4)
    ] + [
        RequestEvent(kind="chat", tier="frontier", model_served="m-big",
                     started_at=DAY - 86400, latency_ms=3000.0, cost=0.5)
    ]  # fmt: skip
    outcomes = [
        OutcomeEvent(events[0].event_id, Outcome.ACCEPTED),
        OutcomeEvent(events[1].event_id, Outcome.PARTIALLY_ACCEPTED, accepted_chars=3),
        OutcomeEvent(events[2].event_id, Outcome.REJECTED),
        OutcomeEvent(events[3].event_id, Outcome.SHOWN),
    ]
    store.write_batch([*events, *outcomes])


def test_acceptance_counts_only_decided_completions() -> None:
    store = TelemetryStore(":memory:")
    sample(store)
    report = build_report(store, None)
    (fast,) = [g for g in report.by_tier if g.key == "fast"]
    assert (fast.requests, fast.decided, fast.accepted) == (4, 3, 2)
    assert fast.acceptance_rate == pytest.approx(2 / 3)
    assert fast.latency_p50_ms == 200.0 and fast.latency_p95_ms == 400.0
    assert [d.key for d in report.by_day] == ["2025-06-01", "2025-06-02"]
    assert report.total.cost == pytest.approx(0.54)
    version = rules_version((RulesFile.of("CLAUDE.md", b"v1"),))
    assert {g.key for g in report.by_rules_version} == {"(no rules files)", version}


def test_since_filters_by_start_time() -> None:
    store = TelemetryStore(":memory:")
    sample(store)
    assert build_report(store, DAY).total.requests == 4


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == 4.0


def test_html_is_self_contained_with_three_charts() -> None:
    store = TelemetryStore(":memory:")
    sample(store)
    html = render_html(build_report(store, None))
    assert html.count("<svg") == 3
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "Acceptance by model and tier" in html and "m-fast · fast" in html


def _cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str = "") -> Path:
    db = tmp_path / "t.db"
    monkeypatch.setenv("LLMOPS_TELEMETRY_DB", str(db))
    if policy:
        path = tmp_path / "policy.toml"
        default = DEFAULT_POLICY_PATH.read_text()
        path.write_text(default + policy)
        monkeypatch.setenv("LLMOPS_POLICY", str(path))
    with TelemetryStore(db) as store:
        sample(store)
    return db


def test_report_command_prints_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli(tmp_path, monkeypatch)
    assert main(["report", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["requests"] == 5
    assert main(["report", "--since", "tomorrow"]) == 2


def test_flush_without_endpoint_keeps_everything_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli(tmp_path, monkeypatch)
    assert main(["flush"]) == 0
    assert "no telemetry endpoint" in capsys.readouterr().out


def test_flush_sends_and_prints_what_is_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver = RecordingReceiver()
    try:
        _cli(
            tmp_path, monkeypatch, f'\n[telemetry]\nendpoint = "{receiver.endpoint}"\n'
        )
        assert main(["flush"]) == 0
    finally:
        receiver.stop()
    out = capsys.readouterr().out
    assert "sent 5 events and 4 outcomes" in out
    assert "pending: 0 events, 0 outcomes" in out
    assert len(receiver.received.unique()) == 9


def test_policy_refuses_plain_http_endpoint(tmp_path: Path) -> None:
    from llmops_ls.config.policy import Telemetry

    with pytest.raises(ValueError, match="https"):
        Telemetry(endpoint="http://collector.example.com:4318")
    assert Telemetry(endpoint="http://127.0.0.1:4318/").endpoint == (
        "http://127.0.0.1:4318"
    )
