"""Delivering stored events over OTLP/HTTP, at least once, marked sent when accepted.

One flush takes the oldest unsent rows in batches, exports each as log records (and
request events also as delta metrics), and marks the batch sent once the collector
answered 2xx. Failures, as the OTLP specification sorts them:

- 429, 502, 503, 504 and connection errors (refused, reset, timed out) are retried
  within the flush's deadline, after `Retry-After` when the answer has one, else after
  an exponential backoff with full jitter;
- 400 means the collector will never take the batch: its records are counted as
  rejected, logged, and marked so they are not sent again;
- 413 halves the batch and tries again;
- any other answer (401, 403, 404, 500 ...) stops the flush and leaves the rows
  pending for the next one: a misconfigured endpoint or key loses nothing;
- a partial success (2xx with `rejected_log_records`) is not retried: the rejected
  count and the collector's message are logged.

A batch whose answer is lost (timeout, `kill -9` before marking) is sent again: the
collector may see a record twice, and drops it by `llmops.event_id`.
"""

from __future__ import annotations

import email.utils
import gzip
import ipaddress
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceResponse,
)

from llmops_ls.errors import LlmopsError
from llmops_ls.telemetry import otlp
from llmops_ls.telemetry.store import TelemetryStore

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class TelemetryError(LlmopsError):
    """The telemetry endpoint or its settings cannot be used."""


@dataclass(frozen=True, slots=True)
class UploadSettings:
    """Where and how to upload; built from the policy's `[telemetry]` table."""

    endpoint: str
    protocol: str = "http/protobuf"
    compression: str = "gzip"
    headers: Mapping[str, str] = field(default_factory=dict)
    batch_size: int = 1000
    timeout_seconds: float = 10.0
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0

    def __post_init__(self) -> None:
        check_endpoint(self.endpoint)

    @classmethod
    def from_policy(
        cls, telemetry: Any, environ: Mapping[str, str] | None = None
    ) -> UploadSettings | None:
        """Settings from a policy's `telemetry` table; None without an endpoint."""
        if telemetry.endpoint is None:
            return None
        environ = os.environ if environ is None else environ
        headers = {}
        credential = environ.get(telemetry.auth_env) if telemetry.auth_env else None
        if credential:
            headers[telemetry.auth_header] = credential
        return cls(
            endpoint=telemetry.endpoint,
            protocol=telemetry.protocol,
            compression=telemetry.compression,
            headers=headers,
            batch_size=telemetry.batch_size,
            timeout_seconds=telemetry.timeout_seconds,
        )


def check_endpoint(endpoint: str) -> None:
    """Refuse anything but HTTPS, except plain HTTP to a loopback address."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise TelemetryError(
        f"telemetry endpoint {endpoint!r} must use https:// (http:// only to a "
        "loopback address): events carry attribution and costs"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class FlushResult:
    """What a flush did, and what is left."""

    sent_events: int = 0
    sent_outcomes: int = 0
    rejected: int = 0
    requests: int = 0
    retries: int = 0
    bytes_sent: int = 0
    metrics_failed: int = 0
    pending_events: int = 0
    pending_outcomes: int = 0
    stopped: str | None = None
    """Why the flush ended with rows pending (deadline, an HTTP status...)."""


@dataclass(frozen=True, slots=True)
class _Answer:
    accepted: bool
    rejected: int = 0
    stop: str | None = None
    too_large: bool = False


class Uploader:
    """Sends what the store has not sent yet; one flush at a time per instance."""

    def __init__(
        self,
        store: TelemetryStore,
        settings: UploadSettings,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.settings = settings
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(settings.timeout_seconds)
        )
        self._sleep = sleep
        self._jitter = jitter
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def flush(self, deadline_seconds: float = 60.0) -> FlushResult:
        """Upload unsent rows until none is left, the deadline passes, or a stop."""
        result = FlushResult()
        deadline = time.monotonic() + deadline_seconds
        with self._lock:
            for table in ("events", "outcomes"):
                if not self._flush_table(table, deadline, result):
                    break
        counts = self.store.counts()
        result.pending_events = counts.unsent_events
        result.pending_outcomes = counts.unsent_outcomes
        logger.info(
            "telemetry flush: sent %d events, %d outcomes (%d rejected); "
            "pending %d events, %d outcomes%s",
            result.sent_events,
            result.sent_outcomes,
            result.rejected,
            result.pending_events,
            result.pending_outcomes,
            f"; stopped: {result.stopped}" if result.stopped else "",
        )
        return result

    def _flush_table(self, table: str, deadline: float, result: FlushResult) -> bool:
        size = self.settings.batch_size
        rows = self.store.unsent(table, size)
        # One sender thread: while a batch is on the wire, the next one is read and
        # encoded here, so the collector's time and ours overlap.
        with ThreadPoolExecutor(1, thread_name_prefix="llmops-otlp") as sender:
            metrics: Future[_Answer] | None = None
            try:
                while rows:
                    if time.monotonic() >= deadline:
                        result.stopped = "deadline"
                        return False
                    message = otlp.logs_request(table, rows)
                    logs = sender.submit(
                        self._export, "/v1/logs", message, deadline, result
                    )
                    upcoming = self.store.unsent(table, size, after=rows[-1]["seq"])
                    aggregates = (
                        otlp.metrics_request(rows) if table == "events" else None
                    )
                    answer = logs.result()
                    if answer.too_large and size > 1:
                        size = max(1, size // 2)
                        rows = self.store.unsent(table, size)
                        continue
                    if not answer.accepted:
                        result.stopped = answer.stop
                        return False
                    self.store.mark_sent(table, rows[0]["seq"], rows[-1]["seq"])
                    result.rejected += answer.rejected
                    if table == "events":
                        result.sent_events += len(rows)
                    else:
                        result.sent_outcomes += len(rows)
                    if aggregates is not None:
                        self._check_metrics(metrics, result)
                        metrics = sender.submit(
                            self._export, "/v1/metrics", aggregates, deadline, result
                        )
                    rows = upcoming
            finally:
                self._check_metrics(metrics, result)
        return True

    def _check_metrics(
        self, metrics: Future[_Answer] | None, result: FlushResult
    ) -> None:
        # Metrics are deltas derived from events already delivered: when they cannot
        # be sent, the events still count upstream, so nothing waits on them.
        if metrics is not None and not metrics.result().accepted:
            result.metrics_failed += 1
            logger.warning("telemetry metrics of a batch not sent")

    def _export(
        self, path: str, message: Any, deadline: float, result: FlushResult
    ) -> _Answer:
        body = otlp.encode(message, self.settings.protocol)
        headers = {
            "Content-Type": "application/json"
            if self.settings.protocol == "http/json"
            else "application/x-protobuf",
            **self.settings.headers,
        }
        if self.settings.compression == "gzip":
            # Level 1: most of the gain of gzip for a fraction of its time.
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        url = self.settings.endpoint + path
        attempt = 0
        while True:
            started = time.monotonic()
            wait: float | None
            # No request runs past the flush's deadline (a shutdown's, say).
            timeout = min(self.settings.timeout_seconds, deadline - started)
            if timeout <= 0:
                return _Answer(False, stop="deadline")
            try:
                response = self.client.post(
                    url, content=body, headers=headers, timeout=timeout
                )
            except httpx.TransportError as exc:
                logger.info("telemetry POST %s failed: %s", path, type(exc).__name__)
                wait = None
                status = None
            else:
                status = response.status_code
                logger.info(
                    "POST %s %d %.0f ms",
                    path,
                    status,
                    (time.monotonic() - started) * 1e3,
                )
                result.requests += 1
                if 200 <= status < 300:
                    result.bytes_sent += len(body)
                    return _Answer(True, rejected=self._partial(response, path))
                if status == 400:
                    logger.error(
                        "telemetry collector refused a batch (400): %s",
                        response.text[:300],
                    )
                    return _Answer(True, rejected=_record_count(message, path))
                if status == 413:
                    return _Answer(False, too_large=True, stop="413")
                if status not in RETRYABLE_STATUSES:
                    logger.error(
                        "telemetry upload stopped: %s answered %d; events stay pending",
                        url,
                        status,
                    )
                    return _Answer(False, stop=f"HTTP {status}")
                wait = retry_after(response.headers.get("Retry-After"))
            attempt += 1
            delay = wait if wait is not None else self._backoff(attempt)
            if time.monotonic() + delay >= deadline:
                return _Answer(
                    False, stop="deadline" if status is None else f"HTTP {status}"
                )
            result.retries += 1
            self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(
            self.settings.backoff_max_seconds,
            self.settings.backoff_base_seconds * 2 ** (attempt - 1),
        )
        return float(ceiling * self._jitter())

    def _partial(self, response: httpx.Response, path: str) -> int:
        if path != "/v1/logs" or not response.content:
            return 0
        try:
            if self.settings.protocol == "http/json":
                data = response.json().get("partialSuccess") or {}
                rejected = int(data.get("rejectedLogRecords", 0))
                message = str(data.get("errorMessage", ""))
            else:
                parsed = ExportLogsServiceResponse.FromString(response.content)
                rejected = parsed.partial_success.rejected_log_records
                message = parsed.partial_success.error_message
        except Exception as exc:
            # A 2xx is a success whatever its body says.
            logger.debug("unreadable telemetry response body: %s", exc)
            return 0
        if rejected or message:
            logger.warning(
                "telemetry collector rejected %d records of a batch: %s",
                rejected,
                message,
            )
        return rejected


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _record_count(message: Any, path: str) -> int:
    if path != "/v1/logs":
        return 0
    return sum(
        len(scope.log_records)
        for resource in message.resource_logs
        for scope in resource.scope_logs
    )
