"""Latency the language server adds in front of the gateway, and cancellation speed.

    .venv/bin/python benchmarks/gateway_overhead.py [--requests 300] [--cancels 20]
        [--first-after 2.0] [--no-inline-capability] [--lines 0] [--typing]

One run, side by side: the same inline-completion requests are sent to a local
OpenAI-compatible gateway directly (httpx, one pooled connection, as the server's own
client does) and through `llmops-ls serve` over stdio (`textDocument/inlineCompletion`),
in pairs, the first of a pair alternating between the two. Each pair asks for the
same text; each pair differs from the last so the server's completion cache never
answers. As an editor does, each request through the server follows a `didChange`,
which the server handles inside the measured time. Reported: latency p50/p95/p99 of
each path and the added latency (through the server minus direct): the percentiles of
the pairwise differences, and the differences of the two paths' percentiles. The
server keeps its telemetry in a fresh store for each run. The document is a one-line
function, or with `--lines N` that function below N lines of other code: at 200 lines
the prefix fills the default prompt budget (1,500 tokens), which the server counts on
each request, as it does in a real file. Between requests the function's name
changes, so every line near the cursor is new; with `--typing` only the cursor's
line changes, as while someone types on it.

The client advertises inline completions, as an editor that shows them does, so the
server gets its assistant ready after the start-up scan (`--no-inline-capability`
leaves that out, for comparison). The server's resident memory is read from
`/proc` just before its first request and after the last. The first request of each
path is timed on its own, `--first-after` seconds after the document is opened (a
developer opens a file and types before the first completion): through the server it
includes whatever of that preparation is left, directly it includes opening the
connection.

Cancellation: an inline request whose answer trickles in slowly is cancelled with
`$/cancelRequest` once the gateway has it; reported is the time from sending the
cancel notification to the gateway seeing its connection closed (the gateway writes
every millisecond, so it notices within about that).

The gateway is the test suite's recording upstream (tests/integration/upstream.py), a
stdlib HTTP server in its own process (in this one, it would compete with the direct
client for the GIL), so the figures are the server's overhead alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from llmops_ls.config.policy import DEFAULT_POLICY_PATH  # noqa: E402
from llmops_ls.gateway.fim import SYSTEM_PROMPT, build_fim  # noqa: E402
from llmops_ls.linter.tokens import count_tokens  # noqa: E402

FAST = "gpt-5.4-mini-2026-03-17"
# Runs the upstream in a child process; reports its port, then every slow answer's
# start and hang-up with the (system-wide) monotonic clock.
UPSTREAM_SCRIPT = """
import sys, time, threading
sys.path.insert(0, sys.argv[1])
from integration.upstream import Upstream
up = Upstream().start()
up.recorded.chunk_seconds = 0.001
print("port", up.port, flush=True)
seen = 0
while True:
    if up.recorded.slow_started.wait(0.0005):
        up.recorded.slow_started.clear()
        print("started", flush=True)
    if len(up.recorded.slow_closed_at) > seen:
        print("closed", up.recorded.slow_closed_at[seen], flush=True)
        seen += 1
"""


class UpstreamProcess:
    """The recording upstream in a child process."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.base_url = f"http://127.0.0.1:{port}"

    @classmethod
    async def start(cls) -> UpstreamProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            UPSTREAM_SCRIPT,
            str(HERE.parent / "tests"),
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        line = (await process.stdout.readline()).split()
        return cls(process, int(line[1]))

    async def next_event(self) -> list[bytes]:
        assert self.process.stdout is not None
        return (await asyncio.wait_for(self.process.stdout.readline(), 10)).split()

    async def stop(self) -> None:
        self.process.kill()
        await self.process.wait()


class RpcClient:
    """A minimal JSON-RPC client over the server's stdio (no pygls in the way)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._next_id = 0
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, env: dict[str, str]) -> RpcClient:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "llmops_ls",
            "serve",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=env,
        )
        return cls(process)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, method: str, params: Any) -> tuple[int, asyncio.Future[Any]]:
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[self._next_id] = future
        self._send(
            {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}
        )
        return self._next_id, future

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            header = await stdout.readuntil(b"\r\n\r\n")
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            message = json.loads(await stdout.readexactly(length))
            if "method" in message and "id" in message:
                # workspace/configuration, registerCapability, progress: answer null.
                result = (
                    [None] if message["method"] == "workspace/configuration" else None
                )
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            elif "id" in message and message["id"] in self._waiting:
                future = self._waiting.pop(message["id"])
                if not future.done():
                    future.set_result(message)

    async def close(self) -> None:
        _, future = self.request("shutdown", None)
        await future
        self.notify("exit", None)
        await self.process.wait()
        self._reader.cancel()


def resident_mib(pid: int) -> float | None:
    """A process's resident set size in MiB, from /proc (None elsewhere)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def preamble(lines: int) -> str:
    """`lines` lines of ordinary module code, to put above the completed function."""
    block = (
        "def parse_{n}(raw: str) -> dict[str, int]:\n"
        '    """Split `key=value` pairs of entry {n} and keep the integers."""\n'
        '    pairs = (item.split("=", 1) for item in raw.split(",") if item)\n'
        "    return {{key.strip(): int(value) for key, value in pairs}}\n"
        "\n"
    )
    text = "".join(block.format(n=n) for n in range(lines // 5 + 1))
    return "".join(text.splitlines(keepends=True)[:lines])


def cursor_line(index: int, typing: bool) -> str:
    """The line the cursor ends, where the completion goes."""
    return f"    return a + {index} * b" if typing else "    return "


def source(index: int, slow: bool = False, lines: int = 0, typing: bool = False) -> str:
    """The document: a function below `lines` lines, the cursor ending its last line.

    Each index gives another text. By default the function's name changes; with
    `typing`, only the cursor's line does, as while someone types on it.
    """
    marker = "# slow-please\n" if slow else ""
    name = "add" if typing else f"add_{index}"
    last = cursor_line(index, typing)
    return f"{marker}{preamble(lines)}def {name}(a, b):\n{last}\n"


async def run(  # noqa: PLR0915
    requests: int,
    cancels: int,
    first_after: float,
    *,
    inline_capability: bool = True,
    lines: int = 0,
    typing: bool = False,
) -> dict[str, Any]:
    upstream = await UpstreamProcess.start()
    base_url = upstream.base_url
    folder = Path(tempfile.mkdtemp())
    root = folder / "ws"
    (root / ".git").mkdir(parents=True)
    policy = folder / "policy.toml"
    policy.write_text(
        DEFAULT_POLICY_PATH.read_text().replace(
            'base_url = "http://127.0.0.1:4000"', f'base_url = "{base_url}"'
        )
    )
    env = {
        **os.environ,
        "LLMOPS_POLICY": str(policy),
        "LLMOPS_GATEWAY_KEY": "sk-bench-key",
        "LLMOPS_LS_CACHE_DIR": "",
        # A telemetry store of its own: a shared one would carry every earlier run's
        # events, and a run's figures would depend on how many came before it.
        "XDG_STATE_HOME": str(folder / "state"),
    }
    client = await RpcClient.start(env)
    _, init = client.request(
        "initialize",
        {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": {"textDocument": {"inlineCompletion": {}}}
            if inline_capability
            else {},
        },
    )
    await init
    client.notify("initialized", {})
    uri = (root / "calc.py").as_uri()
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "python",
                "version": 1,
                "text": source(0, lines=lines, typing=typing),
            }
        },
    )
    direct = httpx.AsyncClient(
        base_url=base_url, headers={"authorization": "Bearer sk-bench-key"}
    )
    version = 1

    async def through_server(index: int) -> float:
        nonlocal version
        version += 1
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": source(index, lines=lines, typing=typing)}],
            },
        )
        started = time.perf_counter()
        _, future = client.request(
            "textDocument/inlineCompletion",
            {
                "textDocument": {"uri": uri},
                "position": {
                    "line": lines + 1,
                    "character": len(cursor_line(index, typing)),
                },
                "context": {"triggerKind": 2},
            },
        )
        answer = await future
        elapsed = time.perf_counter() - started
        assert answer["result"]["items"], answer
        return elapsed

    async def straight(index: int) -> float:
        text = source(index, lines=lines, typing=typing)
        fim = build_fim(text[: text.rindex("\n")], "\n", 1500, count_tokens)
        body = {
            "model": FAST,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": fim.user_message("python", "calc.py")},
            ],
            "max_tokens": 64,
            "stop": ["\n\n\n"],
            "temperature": 0.0,
        }
        started = time.perf_counter()
        response = await direct.post("/v1/chat/completions", json=body)
        response.json()
        return time.perf_counter() - started

    await asyncio.sleep(first_after)
    rss_before_first = resident_mib(client.process.pid)
    first_server = await through_server(1)
    first_direct = await straight(1)
    # Warm both paths (imports, policy, connections) before measuring.
    for index in range(2, 11):
        await through_server(index)
        await straight(index)
    direct_seconds: list[float] = []
    server_seconds: list[float] = []
    for index in range(100, 100 + requests):
        # Which path goes first alternates: neither always finds the other's
        # connection, caches or CPU state freshly used.
        if index % 2:
            direct_seconds.append(await straight(index))
            server_seconds.append(await through_server(index))
        else:
            server_seconds.append(await through_server(index))
            direct_seconds.append(await straight(index))

    cancel_seconds: list[float] = []
    for index in range(cancels):
        version += 1
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": source(10_000 + index, slow=True)}],
            },
        )
        msg_id, future = client.request(
            "textDocument/inlineCompletion",
            {
                "textDocument": {"uri": uri},
                "position": {"line": 2, "character": 11},
                "context": {"triggerKind": 2},
            },
        )
        assert (await upstream.next_event())[0] == b"started"
        await asyncio.sleep(0.02)
        cancelled_at = time.monotonic()
        client.notify("$/cancelRequest", {"id": msg_id})
        await future
        closed = await upstream.next_event()
        assert closed[0] == b"closed", closed
        cancel_seconds.append(float(closed[1]) - cancelled_at)

    rss_at_end = resident_mib(client.process.pid)
    await direct.aclose()
    await client.close()
    await upstream.stop()
    added = [s - d for s, d in zip(server_seconds, direct_seconds, strict=True)]
    ms = 1000.0
    shares = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
    return {
        "inline_capability": inline_capability,
        "server_rss_mib": {
            "before_first_request": rss_before_first,
            "after_last_request": rss_at_end,
        },
        "first_request_ms": {
            "after_open_seconds": first_after,
            "through_server": first_server * ms,
            "direct": first_direct * ms,
        },
        "requests": requests,
        "direct_ms": {k: percentile(direct_seconds, q) * ms for k, q in shares.items()},
        "through_server_ms": {
            k: percentile(server_seconds, q) * ms for k, q in shares.items()
        },
        "added_ms": {
            **{
                f"{k}_of_differences": percentile(added, q) * ms
                for k, q in shares.items()
            },
            **{
                f"{k}_difference": (
                    percentile(server_seconds, q) - percentile(direct_seconds, q)
                )
                * ms
                for k, q in shares.items()
            },
        },
        "cancel_to_upstream_closed_ms": {
            "cancels": cancels,
            "p50": statistics.median(cancel_seconds or [0]) * ms,
            "max": max(cancel_seconds, default=0) * ms,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cancels", type=int, default=20)
    parser.add_argument("--first-after", type=float, default=2.0)
    parser.add_argument("--no-inline-capability", action="store_true")
    parser.add_argument(
        "--lines",
        type=int,
        default=0,
        help="lines of code above the completed function (the prompt grows with them)",
    )
    parser.add_argument(
        "--typing",
        action="store_true",
        help="change only the cursor's line between requests, not the line above it",
    )
    args = parser.parse_args()
    result = asyncio.run(
        run(
            args.requests,
            args.cancels,
            args.first_after,
            inline_capability=not args.no_inline_capability,
            lines=args.lines,
            typing=args.typing,
        )
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
