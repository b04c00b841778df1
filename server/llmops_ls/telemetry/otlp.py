"""OTLP payloads from store rows: log records for events, metrics for aggregates.

Names follow the OpenTelemetry GenAI semantic conventions (`gen_ai.*`); what they do not
cover (tier, outcome, cost, attribution, rules-file version) is under `llmops.*`. Every
record carries `llmops.event_id`, the request's stable id, so a collector can drop
duplicates that at-least-once delivery produces: a request record is identified by
(`llmops.event_id`), an outcome record by (`llmops.event_id`, `llmops.outcome`).
"""

from __future__ import annotations

import bisect
import functools
import json
import struct
import time
from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    AGGREGATION_TEMPORALITY_DELTA,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
)

from llmops_ls import __version__

REQUEST_EVENT = "llmops.request"
OUTCOME_EVENT = "llmops.outcome"

#: gen_ai.operation.name for each request kind (the conventions' well-known values).
OPERATIONS = {
    "inline_completion": "text_completion",
    "chat": "chat",
    "edit": "chat",
    "agent_step": "invoke_agent",
}
# Bucket boundaries the conventions recommend for these histograms.
TOKEN_BOUNDARIES = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
                    4194304, 16777216, 67108864)  # fmt: skip
SECONDS_BOUNDARIES = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12,
                      10.24, 20.48, 40.96, 81.92)  # fmt: skip

_SEVERITY_INFO, _SEVERITY_ERROR = 9, 17
_SCOPE = InstrumentationScope(name="llmops_ls.telemetry", version=__version__)


def _value(value: Any) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, (list, tuple)):
        return AnyValue(array_value=ArrayValue(values=[_value(v) for v in value]))
    return AnyValue(string_value=str(value))


def _attributes(pairs: Iterable[tuple[str, Any]]) -> list[KeyValue]:
    return [KeyValue(key=k, value=_value(v)) for k, v in pairs if v is not None]


# Attributes are written in protobuf's wire format directly and merged into each
# LogRecord: building a KeyValue and an AnyValue object per attribute costs several
# times more. The tests parse every payload with opentelemetry-proto to keep it honest.
_ATTRIBUTES_TAG = b"\x32"  # LogRecord.attributes: field 6, length-delimited
_DOUBLE = struct.Struct("<d")
_ENCODED: dict[tuple[str, str], bytes] = {}
_ENCODED_LIMIT = 50_000


@functools.lru_cache(maxsize=512)
def _key_prefix(name: str) -> bytes:
    raw = name.encode()
    return b"\x0a" + _varint(len(raw)) + raw  # KeyValue.key: field 1


def _any_value(value: Any) -> bytes:
    kind = type(value)
    if kind is str:
        raw: bytes = value.encode()
        return b"\x0a" + _varint(len(raw)) + raw  # string_value: field 1
    if kind is int:
        return b"\x18" + _varint(value & 0xFFFF_FFFF_FFFF_FFFF)  # int_value: field 3
    if kind is float:
        return b"\x21" + _DOUBLE.pack(value)  # double_value: field 4, fixed64
    if kind is bool:
        return b"\x10\x01" if value else b"\x10\x00"  # bool_value: field 2
    return bytes(_value(value).SerializeToString())


def _encoded_attributes(pairs: Iterable[tuple[str, Any]]) -> bytes:
    parts = []
    cache = _ENCODED
    for name, value in pairs:
        if value is None:
            continue
        # Strings repeat from record to record (models, tier, team ...): their
        # encoded pairs are kept; the event id and the numbers never repeat.
        cacheable = type(value) is str and name != "llmops.event_id"
        if cacheable:
            encoded = cache.get((name, value))
            if encoded is not None:
                parts.append(encoded)
                continue
        any_value = _any_value(value)
        body = _key_prefix(name) + b"\x12" + _varint(len(any_value)) + any_value
        encoded = _ATTRIBUTES_TAG + _varint(len(body)) + body
        if cacheable:
            if len(cache) >= _ENCODED_LIMIT:
                cache.clear()
            cache[(name, value)] = encoded
        parts.append(encoded)
    return b"".join(parts)


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _SMALL_VARINTS[value]
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_SMALL_VARINTS = [bytes([i]) for i in range(0x80)]


@functools.lru_cache(maxsize=256)
def provider_of(model: str | None) -> str | None:
    """The provider of a catalogued model (gen_ai.provider.name), if known."""
    if model is None:
        return None
    from llmops_ls import catalog

    found = catalog.load().get(model)
    return found.provider if found is not None else None


def resource_attributes(workspace: str | None = None) -> list[KeyValue]:
    """Attributes of the resource every payload describes: this program."""
    return _attributes(
        [
            ("service.name", "llmops-ls"),
            ("service.version", __version__),
            ("host.name", workspace),
        ]
    )


@functools.lru_cache(maxsize=1024)
def _rules_attribute(raw: str) -> tuple[str, ...]:
    return tuple(f"{path}@{digest[:12]}" for path, digest in json.loads(raw))


def request_attributes(row: dict[str, Any]) -> list[tuple[str, Any]]:
    """The attributes of one request event row, as (name, value) pairs."""
    served = row["model_served"]
    provider = row["provider"] or provider_of(served or row["model_requested"])
    rules = _rules_attribute(row["rules_files"]) if row["rules_files"] else None
    error = row["error_class"] if row["status"] != "ok" else None
    return [
        ("llmops.event_id", row["event_id"]),
        ("gen_ai.operation.name", OPERATIONS.get(row["kind"], row["kind"])),
        ("gen_ai.provider.name", provider),
        ("gen_ai.request.model", row["model_requested"]),
        ("gen_ai.response.model", served),
        ("gen_ai.usage.input_tokens", row["input_tokens"]),
        ("gen_ai.usage.output_tokens", row["output_tokens"]),
        ("gen_ai.usage.cache_read.input_tokens", row["cached_tokens"] or None),
        ("gen_ai.response.time_to_first_chunk", _seconds(row["ttft_ms"])),
        ("error.type", error or (row["status"] if row["status"] != "ok" else None)),
        ("llmops.request.kind", row["kind"]),
        ("llmops.status", row["status"]),
        ("llmops.tier", row["tier"]),
        ("llmops.requested_tier", row["requested_tier"]),
        ("llmops.canary", bool(row["canary"])),
        ("llmops.fallback_count", row["fallback_count"]),
        ("llmops.cost_usd", float(row["cost"])),
        ("llmops.estimated_cost_usd", float(row["estimated_cost"]) or None),
        ("llmops.duration_s", _seconds(row["latency_ms"])),
        ("llmops.cache_hit", bool(row["cache_hit"])),
        ("llmops.redaction_count", row["redaction_count"]),
        ("llmops.rules_version", row["rules_version"]),
        ("llmops.rules_files", rules),
        ("llmops.outcome", row["outcome"]),
        ("llmops.accepted_chars", row["accepted_chars"]),
        ("llmops.decision_ms", row["decision_ms"]),
        ("llmops.developer", row["developer"]),
        ("llmops.team", row["team"]),
        ("llmops.project", row["project"]),
        ("llmops.repository", row["repository"]),
        ("llmops.workspace", row["workspace"]),
    ]


def outcome_attributes(row: dict[str, Any]) -> list[tuple[str, Any]]:
    """The attributes of one outcome row, as (name, value) pairs."""
    return [
        ("llmops.event_id", row["event_id"]),
        ("llmops.outcome", row["outcome"]),
        ("llmops.accepted_chars", row["accepted_chars"]),
        ("llmops.decision_ms", row["decision_ms"]),
    ]


def logs_request(
    table: str, rows: Sequence[dict[str, Any]], workspace: str | None = None
) -> ExportLogsServiceRequest:
    """An OTLP logs export of store rows from `events` or `outcomes`."""
    message = ExportLogsServiceRequest()
    resource_logs = message.resource_logs.add()
    resource_logs.resource.attributes.extend(resource_attributes(workspace))
    scope_logs = resource_logs.scope_logs.add()
    scope_logs.scope.CopyFrom(_SCOPE)
    observed = time.time_ns()
    add = scope_logs.log_records.add
    for row in rows:
        if table == "events":
            failed = row["status"] == "error"
            record = add(
                time_unix_nano=int(row["started_at"] * 1e9),
                observed_time_unix_nano=observed,
                severity_number=_SEVERITY_ERROR if failed else _SEVERITY_INFO,
                severity_text="ERROR" if failed else "INFO",
                event_name=REQUEST_EVENT,
            )
            record.body.string_value = f"{row['kind']} {row['status']}"
            record.MergeFromString(_encoded_attributes(request_attributes(row)))
        else:
            record = add(
                time_unix_nano=int(row["at"] * 1e9),
                observed_time_unix_nano=observed,
                severity_number=_SEVERITY_INFO,
                severity_text="INFO",
                event_name=OUTCOME_EVENT,
            )
            record.body.string_value = row["outcome"]
            record.MergeFromString(_encoded_attributes(outcome_attributes(row)))
    return message


class _Histogram:
    """Delta histogram points, one per attribute set."""

    def __init__(self, boundaries: Sequence[float]) -> None:
        self.boundaries = boundaries
        self.points: dict[tuple[tuple[str, Any], ...], list[float]] = {}

    def add(self, key: tuple[tuple[str, Any], ...], value: float) -> None:
        self.points.setdefault(key, []).append(value)

    def data_points(self, start: int, end: int) -> list[HistogramDataPoint]:
        points = []
        for key, values in self.points.items():
            counts = [0] * (len(self.boundaries) + 1)
            for value in values:
                counts[_bucket(self.boundaries, value)] += 1
            points.append(
                HistogramDataPoint(
                    attributes=_attributes(key),
                    start_time_unix_nano=start,
                    time_unix_nano=end,
                    count=len(values),
                    sum=float(sum(values)),
                    min=float(min(values)),
                    max=float(max(values)),
                    bucket_counts=counts,
                    explicit_bounds=list(self.boundaries),
                )
            )
        return points


def _bucket(boundaries: Sequence[float], value: float) -> int:
    # Buckets are (previous bound, bound]: a value on a bound belongs below it.
    return bisect.bisect_left(boundaries, value)


def metrics_request(
    rows: Sequence[dict[str, Any]], workspace: str | None = None
) -> ExportMetricsServiceRequest:
    """Delta metrics aggregating a batch of request event rows."""
    tokens = _Histogram(TOKEN_BOUNDARIES)
    duration = _Histogram(SECONDS_BOUNDARIES)
    first_chunk = _Histogram(SECONDS_BOUNDARIES)
    cost: dict[tuple[tuple[str, Any], ...], float] = {}
    requests: dict[tuple[tuple[str, Any], ...], int] = {}
    for row in rows:
        served = row["model_served"]
        key = (
            ("gen_ai.operation.name", OPERATIONS.get(row["kind"], row["kind"])),
            ("gen_ai.provider.name", row["provider"] or provider_of(served)),
            ("gen_ai.request.model", row["model_requested"]),
            ("gen_ai.response.model", served),
            ("error.type", row["error_class"] if row["status"] != "ok" else None),
            ("llmops.tier", row["tier"]),
            ("llmops.team", row["team"]),
            ("llmops.project", row["project"]),
        )
        if row["status"] == "ok":
            tokens.add((*key, ("gen_ai.token.type", "input")), row["input_tokens"])
            tokens.add((*key, ("gen_ai.token.type", "output")), row["output_tokens"])
        if row["latency_ms"] is not None:
            duration.add(key, row["latency_ms"] / 1000)
        if row["ttft_ms"] is not None:
            first_chunk.add(key, row["ttft_ms"] / 1000)
        cost[key] = cost.get(key, 0.0) + float(row["cost"])
        status_key = (*key, ("llmops.status", row["status"]))
        requests[status_key] = requests.get(status_key, 0) + 1

    start = int(min((r["started_at"] for r in rows), default=0) * 1e9)
    end = time.time_ns()
    metrics = [
        _histogram_metric(
            "gen_ai.client.token.usage", "{token}", "Input and output tokens used.",
            tokens.data_points(start, end),
        ),
        _histogram_metric(
            "gen_ai.client.operation.duration", "s", "GenAI operation duration.",
            duration.data_points(start, end),
        ),
        _histogram_metric(
            "gen_ai.client.operation.time_to_first_chunk", "s",
            "Time to receive the first chunk of a streamed response.",
            first_chunk.data_points(start, end),
        ),
        _sum_metric("llmops.client.cost", "{USD}", "Cost of requests in USD.",
                    cost, start=start, end=end),
        _sum_metric("llmops.client.requests", "{request}", "Requests by status.",
                    requests, start=start, end=end),
    ]  # fmt: skip
    message = ExportMetricsServiceRequest()
    resource_metrics = message.resource_metrics.add()
    resource_metrics.resource.attributes.extend(resource_attributes(workspace))
    scope_metrics = resource_metrics.scope_metrics.add()
    scope_metrics.scope.CopyFrom(_SCOPE)
    scope_metrics.metrics.extend(m for m in metrics if _has_points(m))
    return message


def _has_points(metric: Metric) -> bool:
    return bool(metric.histogram.data_points or metric.sum.data_points)


def _histogram_metric(
    name: str, unit: str, description: str, points: list[HistogramDataPoint]
) -> Metric:
    metric = Metric(name=name, unit=unit, description=description)
    metric.histogram.aggregation_temporality = AGGREGATION_TEMPORALITY_DELTA
    metric.histogram.data_points.extend(points)
    return metric


def _sum_metric(
    name: str,
    unit: str,
    description: str,
    values: dict[tuple[tuple[str, Any], ...], float]
    | dict[tuple[tuple[str, Any], ...], int],
    *,
    start: int,
    end: int,
) -> Metric:
    metric = Metric(name=name, unit=unit, description=description)
    metric.sum.aggregation_temporality = AGGREGATION_TEMPORALITY_DELTA
    metric.sum.is_monotonic = True
    for key, value in values.items():
        point = NumberDataPoint(
            attributes=_attributes(key),
            start_time_unix_nano=start,
            time_unix_nano=end,
        )
        if isinstance(value, int):
            point.as_int = value
        else:
            point.as_double = value
        metric.sum.data_points.append(point)
    return metric


def encode(
    message: ExportLogsServiceRequest | ExportMetricsServiceRequest, protocol: str
) -> bytes:
    """The body for `http/protobuf` or `http/json` (OTLP wants enums as integers)."""
    if protocol == "http/json":
        return json_format.MessageToJson(
            message, use_integers_for_enums=True, indent=None
        ).encode()
    return message.SerializeToString()


def _seconds(millis: float | None) -> float | None:
    return None if millis is None else millis / 1000
