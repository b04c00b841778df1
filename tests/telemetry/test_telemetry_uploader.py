"""The uploader: what is retried, what is marked sent, payload contents."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceResponse,
)
from otlp_receiver import parse_logs, parse_metrics

from llmops_ls.telemetry.events import Attribution, Outcome, OutcomeEvent, RequestEvent
from llmops_ls.telemetry.store import TelemetryStore
from llmops_ls.telemetry.uploader import (
    TelemetryError,
    Uploader,
    UploadSettings,
    check_endpoint,
    retry_after,
)

Handler = Callable[[httpx.Request], httpx.Response]


def filled_store(n: int = 5) -> TelemetryStore:
    store = TelemetryStore(":memory:")
    events = [
        RequestEvent(
            kind="inline_completion",
            attribution=Attribution("alice", team="web"),
            tier="fast",
            model_requested="gpt-5.4-mini-2026-03-17",
            model_served="gpt-5.4-mini-2026-03-17",
            input_tokens=100,
            output_tokens=20,
            cost=0.001,
            latency_ms=300.0,
            time_to_first_token_ms=120.0,
        )
        for _ in range(n)
    ]
    store.write_batch(events)
    store.write_batch([OutcomeEvent(events[0].event_id, Outcome.ACCEPTED)])
    return store


def uploader(
    store: TelemetryStore,
    handler: Handler,
    sleeps: list[float] | None = None,
    **kw: object,
) -> Uploader:
    settings = UploadSettings(
        endpoint="http://127.0.0.1:4318",
        batch_size=2,
        **kw,  # type: ignore[arg-type]
    )
    return Uploader(
        store,
        settings,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        jitter=lambda: 1.0,
    )


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=ExportLogsServiceResponse().SerializeToString())


def test_everything_is_sent_and_marked() -> None:
    store = filled_store()
    result = uploader(store, ok).flush()
    assert (result.sent_events, result.sent_outcomes) == (5, 1)
    assert (result.pending_events, result.pending_outcomes) == (0, 0)
    assert store.counts().unsent_events == 0


def test_payload_uses_genai_names_and_carries_event_ids() -> None:
    bodies: dict[str, list[httpx.Request]] = {"/v1/logs": [], "/v1/metrics": []}

    def keep(request: httpx.Request) -> httpx.Response:
        bodies[request.url.path].append(request)
        return ok(request)

    store = filled_store(2)
    uploader(store, keep).flush()
    first = bodies["/v1/logs"][0]
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Content-Type"] == "application/x-protobuf"
    logs = parse_logs(gzip.decompress(first.content), "application/x-protobuf")
    record = logs.resource_logs[0].scope_logs[0].log_records[0]
    attrs = {a.key: a.value for a in record.attributes}
    assert record.event_name == "llmops.request"
    assert attrs["gen_ai.operation.name"].string_value == "text_completion"
    assert attrs["gen_ai.provider.name"].string_value == "openai"
    assert attrs["gen_ai.request.model"].string_value == "gpt-5.4-mini-2026-03-17"
    assert attrs["gen_ai.usage.input_tokens"].int_value == 100
    assert attrs["llmops.tier"].string_value == "fast"
    assert attrs["llmops.team"].string_value == "web"
    assert len(attrs["llmops.event_id"].string_value) == 36
    metrics = parse_metrics(
        gzip.decompress(bodies["/v1/metrics"][0].content), "application/x-protobuf"
    )
    names = {m.name for m in metrics.resource_metrics[0].scope_metrics[0].metrics}
    assert {
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.duration",
        "gen_ai.client.operation.time_to_first_chunk",
        "llmops.client.cost",
    } <= names


def test_json_protocol_sends_strict_otlp_json() -> None:
    seen: list[httpx.Request] = []

    def keep(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    uploader(filled_store(1), keep, protocol="http/json", compression="none").flush()
    logs = [r for r in seen if r.url.path == "/v1/logs"]
    assert logs[0].headers["Content-Type"] == "application/json"
    parsed = parse_logs(logs[0].content, "application/json")
    assert parsed.resource_logs[0].scope_logs[0].log_records


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses_are_retried(status: int) -> None:
    answers = iter([httpx.Response(status), httpx.Response(status)])

    def flaky(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or ok(request)

    sleeps: list[float] = []
    result = uploader(filled_store(1), flaky, sleeps).flush()
    assert result.sent_events == 1 and result.retries == 2
    assert sleeps == [0.5, 1.0]  # exponential backoff (jitter fixed at its maximum)


def test_retry_after_is_honoured() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"})])
    sleeps: list[float] = []
    uploader(filled_store(1), lambda r: next(answers, None) or ok(r), sleeps).flush()
    assert sleeps == [7.0]
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None


def test_connection_errors_are_retried() -> None:
    calls = []

    def refuse_once(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused")
        return ok(request)

    assert uploader(filled_store(1), refuse_once).flush().sent_events == 1


@pytest.mark.parametrize("status", [401, 403, 404, 500])
def test_other_statuses_stop_and_keep_events_pending(status: int) -> None:
    calls: list[int] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(status)

    store = filled_store(3)
    result = uploader(store, refuse).flush()
    assert len(calls) == 1
    assert result.sent_events == 0 and result.pending_events == 3
    assert result.stopped == f"HTTP {status}"


def test_bad_request_drops_the_batch_as_rejected() -> None:
    store = filled_store(3)
    result = uploader(store, lambda r: httpx.Response(400)).flush()
    assert result.rejected >= 3 and result.pending_events == 0


def test_partial_success_is_not_retried_and_is_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def partial(request: httpx.Request) -> httpx.Response:
        answer = ExportLogsServiceResponse()
        answer.partial_success.rejected_log_records = 1
        answer.partial_success.error_message = "attribute too long"
        return httpx.Response(200, content=answer.SerializeToString())

    calls = []
    result = uploader(filled_store(2), lambda r: calls.append(1) or partial(r)).flush()
    assert result.pending_events == 0 and result.rejected == 2  # one per logs batch
    assert "attribute too long" in caplog.text


def test_payload_too_large_halves_the_batch() -> None:
    sizes: list[int] = []

    def small_only(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/logs":
            message = parse_logs(gzip.decompress(request.content), "x-protobuf")
            count = len(message.resource_logs[0].scope_logs[0].log_records)
            sizes.append(count)
            if count > 1:
                return httpx.Response(413)
        return ok(request)

    result = uploader(filled_store(2), small_only).flush()
    assert result.sent_events == 2 and sizes[:2] == [2, 1]


def test_deadline_bounds_a_flush_against_a_dead_collector() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    result = uploader(filled_store(1), down).flush(deadline_seconds=0.0)
    assert result.pending_events == 1 and result.stopped == "deadline"


def test_plain_http_is_refused_except_to_loopback() -> None:
    check_endpoint("https://otel.example.com")
    check_endpoint("http://127.0.0.1:4318")
    check_endpoint("http://[::1]:4318")
    check_endpoint("http://localhost:4318")
    with pytest.raises(TelemetryError, match="https"):
        check_endpoint("http://otel.example.com:4318")


def test_auth_header_comes_from_the_named_variable(tmp_path: Path) -> None:
    from llmops_ls.config.policy import Telemetry

    config = Telemetry(endpoint="https://otel.example.com", auth_env="OTEL_KEY")
    settings = UploadSettings.from_policy(config, {"OTEL_KEY": "Bearer abc"})
    assert settings is not None
    assert settings.headers == {"Authorization": "Bearer abc"}
    assert UploadSettings.from_policy(Telemetry(), {}) is None
