"""End to end: a real OTLP receiver (rotel), then a faulty one and kill -9."""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from otlp_receiver import Faults, RecordingReceiver, parse_logs, parse_metrics

from llmops_ls.telemetry.events import Attribution, Outcome, OutcomeEvent, RequestEvent
from llmops_ls.telemetry.store import TelemetryStore
from llmops_ls.telemetry.uploader import Uploader, UploadSettings

logger = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rotel_agent() -> str:
    found = shutil.which("rotel-agent")
    if found:
        return found
    import rotel

    return str(Path(rotel.__file__).with_name("rotel-agent"))


@pytest.fixture
def rotel(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            rotel_agent(),
            "start",
            "--otlp-http-endpoint",
            f"127.0.0.1:{port}",
            "--exporter",
            "blackhole",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    yield endpoint
    process.terminate()
    process.wait(10)


def fill(store: TelemetryStore, events: int, outcomes: int) -> None:
    batch = [
        RequestEvent(
            kind=("inline_completion", "chat")[i % 2],
            attribution=Attribution("dev", team="web", project="shop"),
            tier=("fast", "standard")[i % 2],
            model_requested="claude-sonnet-4-6",
            model_served="claude-sonnet-4-6",
            input_tokens=200 + i,
            output_tokens=40,
            cost=0.002,
            latency_ms=400.0 + i,
            time_to_first_token_ms=150.0,
        )
        for i in range(events)
    ]
    store.write_batch(batch)
    store.write_batch(
        [OutcomeEvent(e.event_id, Outcome.ACCEPTED) for e in batch[:outcomes]]
    )


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json"])
def test_upload_to_rotel_every_payload_strictly_valid(
    rotel: str, protocol: str
) -> None:
    captured: list[httpx.Request] = []
    client = httpx.Client(event_hooks={"request": [captured.append]}, timeout=5)
    store = TelemetryStore(":memory:")
    fill(store, 250, 60)
    settings = UploadSettings(endpoint=rotel, protocol=protocol, batch_size=100)
    with client:
        result = Uploader(store, settings, client=client).flush(deadline_seconds=30)

    assert (result.sent_events, result.sent_outcomes) == (250, 60)
    assert (result.pending_events, result.rejected, result.metrics_failed) == (0, 0, 0)
    assert result.retries == 0
    records = 0
    for request in captured:
        body = gzip.decompress(request.content)
        content_type = request.headers["Content-Type"]
        if request.url.path == "/v1/logs":
            message = parse_logs(body, content_type)
            for scope in message.resource_logs[0].scope_logs:
                records += len(scope.log_records)
        else:
            assert parse_metrics(body, content_type).resource_metrics
    assert records == 310


_FLUSHER = textwrap.dedent(
    """
    import sys
    from llmops_ls.telemetry.store import TelemetryStore
    from llmops_ls.telemetry.uploader import Uploader, UploadSettings

    store = TelemetryStore(sys.argv[1])
    settings = UploadSettings(endpoint=sys.argv[2], batch_size=50,
                              timeout_seconds=0.5, backoff_base_seconds=0.05,
                              backoff_max_seconds=0.5)
    result = Uploader(store, settings).flush(deadline_seconds=120)
    print(result.pending_events + result.pending_outcomes)
    """
)


def test_faults_and_kill_9_mid_flush_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    with TelemetryStore(path) as store:
        fill(store, 3000, 1000)
    receiver = RecordingReceiver(
        Faults(
            unavailable=0.30, throttled=0.08, slow=0.04, slow_seconds=0.8, reset=0.04
        )
    )
    args = [sys.executable, "-c", _FLUSHER, str(path), receiver.endpoint]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    # 1. kill -9 the first flusher once part of the events are in.
    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while len(receiver.received.unique()) < 900 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert 0 < len(receiver.received.unique()) < 4000

    # 2. the receiver goes down; a new flusher starts against it, then it comes back.
    receiver.stop()
    second = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
    time.sleep(1.5)
    receiver.start()
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out
    assert out.strip() == "0"

    received = receiver.received
    receiver.stop()
    requests = {k for k in received.unique() if k[0] == "llmops.request"}
    outcomes = {k for k in received.unique() if k[0] == "llmops.outcome"}
    with TelemetryStore(path) as store:
        ids = {r["event_id"] for r in store.query("SELECT event_id FROM events")}
        assert store.counts().unsent_events == 0
        assert store.integrity_check() == "ok"
    assert {k[1] for k in requests} == ids
    assert len(outcomes) == 1000
    assert received.invalid == []
    assert received.statuses.get(503, 0) > 0 and received.statuses.get(429, 0) > 0
    assert received.resets > 0
    logger.warning(
        "fault run: %d raw records, %d unique, %d raw duplicates; statuses %s, "
        "%d resets",
        len(received.keys),
        len(received.unique()),
        received.duplicates,
        received.statuses,
        received.resets,
    )
