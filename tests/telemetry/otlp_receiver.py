"""A recording OTLP/HTTP receiver for tests: counts every record, injects faults."""

from __future__ import annotations

import contextlib
import gzip
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)


@dataclass
class Faults:
    """Shares of requests answered badly (drawn per request from a seeded RNG)."""

    unavailable: float = 0.0  # 503
    throttled: float = 0.0  # 429 with Retry-After
    retry_after: str = "0"
    slow: float = 0.0  # answer after `slow_seconds` (beyond the client's timeout)
    slow_seconds: float = 0.0
    reset: float = 0.0  # close the connection without an answer
    seed: int = 7


@dataclass
class Received:
    """What the receiver took in: every record key, raw, in order."""

    keys: list[tuple[str, str, str]] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    resets: int = 0
    metric_requests: int = 0
    invalid: list[str] = field(default_factory=list)

    def unique(self) -> set[tuple[str, str, str]]:
        return set(self.keys)

    @property
    def duplicates(self) -> int:
        return len(self.keys) - len(self.unique())


def parse_logs(body: bytes, content_type: str) -> ExportLogsServiceRequest:
    """Strictly parse a logs payload: JSON must name only known fields."""
    if "json" in content_type:
        return json_format.Parse(body.decode(), ExportLogsServiceRequest())
    message = ExportLogsServiceRequest.FromString(body)
    if message.SerializeToString() != body:
        raise ValueError("protobuf payload has fields the schema does not know")
    return message


def parse_metrics(body: bytes, content_type: str) -> ExportMetricsServiceRequest:
    """Strictly parse a metrics payload."""
    if "json" in content_type:
        return json_format.Parse(body.decode(), ExportMetricsServiceRequest())
    message = ExportMetricsServiceRequest.FromString(body)
    if message.SerializeToString() != body:
        raise ValueError("protobuf payload has fields the schema does not know")
    return message


def record_keys(message: ExportLogsServiceRequest) -> list[tuple[str, str, str]]:
    """(event name, event id, outcome) of every log record."""
    keys = []
    for resource in message.resource_logs:
        for scope in resource.scope_logs:
            for record in scope.log_records:
                attrs = {a.key: a.value.string_value for a in record.attributes}
                outcome = attrs.get("llmops.outcome", "")
                if record.event_name == "llmops.request":
                    outcome = ""
                keys.append((record.event_name, attrs["llmops.event_id"], outcome))
    return keys


class RecordingReceiver:
    """An OTLP/HTTP receiver on 127.0.0.1 that can be stopped and started again."""

    def __init__(self, faults: Faults | None = None, port: int = 0) -> None:
        self.faults = faults or Faults()
        self.received = Received()
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with receiver._lock:
                    receiver._connections.add(self.connection)

            def do_POST(self) -> None:
                receiver._handle(self)

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        # Keep-alive connections outlive the server; close them as a real outage would.
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _draw(self) -> str:
        f = self.faults
        with self._lock:
            x = self._rng.random()
        for name, share in (
            ("503", f.unavailable),
            ("429", f.throttled),
            ("slow", f.slow),
            ("reset", f.reset),
        ):
            if x < share:
                return name
            x -= share
        return "ok"

    def _answer(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        with self._lock:
            self.received.statuses[status] = self.received.statuses.get(status, 0) + 1
        handler.send_response(status)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.send_header("Content-Type", "application/x-protobuf")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        raw = handler.rfile.read(length)
        fault = self._draw()
        if fault == "reset":
            with self._lock:
                self.received.resets += 1
            sock = handler.connection
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            sock.close()
            handler.close_connection = True
            return
        if fault == "503":
            self._answer(handler, 503)
            return
        if fault == "429":
            self._answer(handler, 429, headers={"Retry-After": self.faults.retry_after})
            return
        body = (
            gzip.decompress(raw)
            if handler.headers.get("Content-Encoding") == "gzip"
            else raw
        )
        content_type = handler.headers.get("Content-Type", "")
        try:
            if handler.path == "/v1/logs":
                keys = record_keys(parse_logs(body, content_type))
            else:
                parse_metrics(body, content_type)
                keys = []
        except Exception as exc:
            with self._lock:
                self.received.invalid.append(repr(exc))
            self._answer(handler, 400)
            return
        # Taken in before answering: a slow answer the client gave up on still counts,
        # which is how at-least-once delivery produces duplicates.
        with self._lock:
            self.received.keys.extend(keys)
            if handler.path != "/v1/logs":
                self.received.metric_requests += 1
        if fault == "slow":
            time.sleep(self.faults.slow_seconds)
        self._answer(handler, 200, ExportLogsServiceResponse().SerializeToString())
