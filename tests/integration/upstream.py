"""A local OpenAI-compatible upstream that records every request it receives.

LiteLLM forwards some deployments here, so a test can see exactly what reached the
provider side of the gateway. It answers with the model name it was asked for, so a
test can tell which deployment served a request. Model `slow-stream` streams one
chunk every `SLOW_CHUNK_SECONDS` for a long time and notes when its client went away:
between chunks it watches the socket, so a hang-up is seen within milliseconds, not at
the next write that fails.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLOW_CHUNK_SECONDS = 0.05
SLOW_CHUNKS = 2000


@dataclass
class Recorded:
    """What the upstream has seen."""

    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    peers: set[tuple[str, int]] = field(default_factory=set)
    slow_started: threading.Event = field(default_factory=threading.Event)
    slow_closed_at: list[float] = field(default_factory=list)
    #: A request whose body holds this text is answered slowly (see `_trickle`).
    slow_marker: bytes = b"slow-please"
    #: Seconds between two chunks of a slow answer (how soon a hang-up is seen).
    chunk_seconds: float = SLOW_CHUNK_SECONDS
    lock: threading.Lock = field(default_factory=threading.Lock)


def _chunk(model: str, content: str | None, finish: str | None = None) -> bytes:
    delta: dict[str, Any] = {} if content is None else {"content": content}
    data = {
        "id": "up-1",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(data)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    recorded: Recorded

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        with self.recorded.lock:
            self.recorded.bodies.append(body)
            self.recorded.paths.append(self.path)
            self.recorded.peers.add(self.client_address)
        request = json.loads(body)
        model = str(request.get("model"))
        if model == "slow-stream":
            self._slow(model)
        elif self.path.endswith("/completions") and "/chat/" not in self.path:
            self._text(model, f"fill from {model}")
        elif self.recorded.slow_marker in body and not request.get("stream"):
            self._trickle(model)
        elif request.get("stream"):
            self._stream(model, f"answer from {model}")
        else:
            self._json(model, f"answer from {model}")

    def _json(self, model: str, text: str) -> None:
        payload = json.dumps(
            {
                "id": "up-1",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": 12,
                    "completion_tokens": 4,
                    "total_tokens": 16,
                },
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        # Headers and body in one write: two small writes meet Nagle's algorithm and
        # the client's delayed ACK, and every answer would take 40 ms more.
        self._headers_buffer.append(b"\r\n" + payload)
        self.flush_headers()

    def _text(self, model: str, text: str) -> None:
        """A non-streamed `/v1/completions` answer."""
        payload = json.dumps(
            {
                "id": "up-2",
                "object": "text_completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "text": text,
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {
                    "prompt_tokens": 12,
                    "completion_tokens": 3,
                    "total_tokens": 15,
                },
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self._headers_buffer.append(b"\r\n" + payload)
        self.flush_headers()

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

    def _write(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream(self, model: str, text: str) -> None:
        self._start_stream()
        for word in text.split(" "):
            self._write(_chunk(model, word + " "))
        self._write(_chunk(model, None, "stop"))
        usage = {
            "id": "up-1",
            "object": "chat.completion.chunk",
            "model": model,
            "choices": [],
            "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
        }
        self._write(f"data: {json.dumps(usage)}\n\n".encode())
        self._write(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _trickle(self, model: str) -> None:
        """A non-streamed answer that takes long: JSON may start with whitespace, so
        one space at a time goes out until the client hangs up."""
        self._start_stream()
        self.recorded.slow_started.set()
        try:
            for _ in range(SLOW_CHUNKS):
                self._write(b" ")
                if self._hung_up_within(self.recorded.chunk_seconds):
                    raise ConnectionResetError
        except (BrokenPipeError, ConnectionResetError):
            self._note_hang_up()
            return
        self.wfile.write(b"0\r\n\r\n")

    def _slow(self, model: str) -> None:
        self._start_stream()
        self.recorded.slow_started.set()
        try:
            for index in range(SLOW_CHUNKS):
                self._write(_chunk(model, f"t{index} "))
                if self._hung_up_within(self.recorded.chunk_seconds):
                    raise ConnectionResetError
        except (BrokenPipeError, ConnectionResetError):
            self._note_hang_up()
            return
        self.wfile.write(b"0\r\n\r\n")

    def _hung_up_within(self, seconds: float) -> bool:
        """Wait `seconds`; True as soon as the client closes its end."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], left)
            if not readable:
                return False
            try:
                peeked = self.connection.recv(1, socket.MSG_PEEK)
            except OSError:
                return True
            if not peeked:
                return True
            # The client sent something mid-answer (it never does): keep waiting.
            time.sleep(left)
        return False

    def _note_hang_up(self) -> None:
        with self.recorded.lock:
            self.recorded.slow_closed_at.append(time.monotonic())
        self.close_connection = True


class Upstream:
    """The recording upstream on a free local port, served from a thread."""

    def __init__(self) -> None:
        self.recorded = Recorded()
        handler = type("Handler", (_Handler,), {"recorded": self.recorded})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (with `/v1`)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> Upstream:
        """Serve in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def all_bodies(self) -> bytes:
        """Every request body received so far, joined."""
        with self.recorded.lock:
            return b"\n".join(self.recorded.bodies)
