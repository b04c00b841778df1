"""Latency and memory of `llmops-ls serve`, measured with a plain LSP client over stdio.

    .venv/bin/python benchmarks/lsp_latency.py [--edits 300] [--soak-edits 10000]

Figures:
- time from process start to the `initialize` reply;
- resident memory after the start-up scan of the Cursor corpus (copied into a temporary
  workspace's `.cursor/rules/`, next to a 2,000-line CLAUDE.md);
- didChange -> publishDiagnostics latency (p50, p95, max) for the 2,000-line CLAUDE.md
  and the largest corpus file, one incremental edit at a time, each awaited;
- resident memory during `--soak-edits` more edits of the CLAUDE.md, sampled every
  `--sample-every` edits, and its slope over the second half of the soak (MiB per
  1,000 edits, least squares): growth that levels off is caches filling, a slope
  that stays positive is a leak.
The edited file is not debounced: every didChange is linted and published at once.
Files that depend on the edited one are linted again once edits pause
(`dependents_quiet_ms`): every other Cursor rule reads the netlify rule's front
matter; they wait for a pause, which the back-to-back timed edits never leave.

Token counts are cached on disk between runs; the main server runs with that cache
off (`LLMOPS_LS_CACHE_DIR=""`), the cold case, in which the files over their byte
budget are counted by the server's count worker, a process of its own that holds the
o200k vocabulary (about 65 MiB) and is stopped after ten minutes unused. Its resident
memory is reported beside the server's (`count_worker_rss_*`); the server's own
figures leave it out. Opening a file that needs counts on every edit uses that worker,
or starts it again; the first edit's time (`first_edit_ms`) includes waiting for
that. A second server,
started first over a cache filled by a previous one, gives the resident memory of
the warm case (`rss_after_scan_warm_cache_mib`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from llmops_ls.lsp.relint_queue import QUIET_SECONDS

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "cursor-rules"
LARGEST = "netlify-official-cursorrules-prompt-file.mdc"


class Client:
    """A minimal JSON-RPC client over a subprocess's stdio."""

    def __init__(self, command: list[str], cwd: Path, cache_dir: str = "") -> None:
        self.started = time.perf_counter()
        env = {**os.environ, "LLMOPS_LS_CACHE_DIR": cache_dir}
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.next_id = 0
        self.initialize_ms = float("nan")
        self.scan_ms = float("nan")

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def read(self) -> dict[str, Any]:
        stdout = self.process.stdout
        assert stdout is not None
        length = 0
        while True:
            line = stdout.readline()
            if not line:
                raise EOFError("server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        message: dict[str, Any] = json.loads(stdout.read(length))
        if "method" in message and "id" in message:
            # Requests from the server (progress tokens, registrations, settings).
            result: Any = None
            if message["method"] == "workspace/configuration":
                result = [None for _ in message["params"]["items"]]
            self.send({"id": message["id"], "result": result})
        return message

    def wait(self, predicate: Any) -> dict[str, Any]:
        while True:
            message = self.read()
            if predicate(message):
                return message

    def rss_mib(self) -> float:
        return _rss_mib(self.process.pid)

    def children_rss_mib(self) -> float:
        """The resident memory of the server's own processes (its count worker)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return sum(_rss_mib(int(child)) for child in children)

    def close(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0  # ended since it was listed
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def claude_md(lines: int) -> str:
    """A realistic CLAUDE.md of about `lines` lines: sections, lists, code, imports.

    Every section says something different, as a real file does; repeating one
    section would make each edit report hundreds of duplicate-directive findings.
    """
    out = [
        "# Platform monorepo",
        "",
        "See @docs/architecture.md for the big picture.",
        "",
    ]
    verbs = ("Keep", "Document", "Test", "Review", "Benchmark", "Version", "Audit")
    things = ("handlers", "migrations", "fixtures", "queues", "caches", "schemas")
    section = 0
    while len(out) < lines - 12:
        section += 1
        verb = verbs[section % len(verbs)]
        thing = things[section % len(things)]
        out += [f"## Area {section}: {thing}", ""]
        out += [
            f"- {verb} the {thing} of area {section} in `src/area{section}/`.",
            f"- Area {section} owns port {8000 + section}; never hard-code it.",
            f"- Name feature flags `area{section}_<flag>`; remove them after launch.",
            f"- Ask the area-{section} owners before changing its public {thing}.",
            "",
            "```python",
            f"def handler_{section}(request: Request) -> Response:",
            "    return Response(status=204)",
            "```",
            "",
            f"Background for area {section}: [architecture](docs/architecture.md).",
            "",
        ]
    return "\n".join(out[:lines]) + "\n"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure_edits(
    client: Client,
    path: Path,
    edits: int,
    rss_samples: list[tuple[int, float]] | None = None,
    sample_every: int = 1000,
) -> list[float]:
    """Open a file, then time `edits` one-character edits to their diagnostics.

    With `rss_samples`, the server's resident memory is sampled every `sample_every`
    edits, as (edits so far, MiB).
    """
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "markdown",
                "version": 1,
                "text": text,
            }
        },
    )
    client.wait(lambda m: _diagnostics_for(m, uri, 1))
    lines = text.count("\n")
    timings: list[float] = []
    for version in range(2, edits + 2):
        line = (version * 7919) % max(lines - 1, 1)
        if version % 2 == 0:
            change = {"range": _range(line, 0, line, 0), "text": "x"}
        else:
            change = {"range": _range(line, 0, line, 1), "text": ""}
        started = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [change],
            },
        )
        client.wait(lambda m, v=version: _diagnostics_for(m, uri, v))
        timings.append((time.perf_counter() - started) * 1000)
        if rss_samples is not None and (version - 1) % sample_every == 0:
            rss_samples.append((version - 1, round(client.rss_mib(), 1)))
    return timings


def slope_per_1000(samples: list[tuple[int, float]]) -> float | None:
    """Least-squares growth of the second half of the samples, MiB per 1,000 edits."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2:
        return None
    xs = [float(x) for x, _ in half]
    ys = [y for _, y in half]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return covariance / spread * 1000


def _range(l1: int, c1: int, l2: int, c2: int) -> dict[str, Any]:
    return {
        "start": {"line": l1, "character": c1},
        "end": {"line": l2, "character": c2},
    }


def _diagnostics_for(message: dict[str, Any], uri: str, version: int) -> bool:
    if message.get("method") != "textDocument/publishDiagnostics":
        return False
    params = message["params"]
    return bool(params["uri"] == uri and params.get("version") == version)


def _scan_done(message: dict[str, Any]) -> bool:
    value = message.get("params", {}).get("value", {})
    return message.get("method") == "$/progress" and value.get("kind") == "end"


def _started(root: Path, cache_dir: str) -> Client:
    """A server for `root` that has answered `initialize` and finished its scan."""
    client = Client([sys.executable, "-m", "llmops_ls", "serve"], root, cache_dir)
    client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "capabilities": {
                "window": {"workDoneProgress": True},
                "workspace": {
                    "configuration": True,
                    "didChangeWatchedFiles": {"dynamicRegistration": True},
                },
            },
        },
    )
    client.wait(lambda m: m.get("id") == 1)
    client.initialize_ms = (time.perf_counter() - client.started) * 1000
    client.notify("initialized", {})
    scan_started = time.perf_counter()
    client.wait(_scan_done)
    client.scan_ms = (time.perf_counter() - scan_started) * 1000
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--soak-edits", type=int, default=10_000)
    parser.add_argument("--sample-every", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="llmops-bench-") as folder:
        root = Path(folder)
        (root / ".git").mkdir()
        rules = root / ".cursor" / "rules"
        rules.mkdir(parents=True)
        for source in sorted(args.corpus.glob("*.mdc")):
            shutil.copy(source, rules / source.name)
        (root / "docs").mkdir()
        (root / "docs" / "architecture.md").write_text("# Architecture\n\nServices.\n")
        big = root / "CLAUDE.md"
        big.write_text(claude_md(2000), encoding="utf-8")

        rss_warm = []
        with tempfile.TemporaryDirectory(prefix="llmops-bench-cache-") as cache:
            for _ in range(2):  # the first run fills the cache, the second finds it
                warm = _started(root, cache)
                rss_warm.append(warm.rss_mib())
                warm.close()

        client = _started(root, "")
        initialize_ms = client.initialize_ms
        scan_ms = client.scan_ms
        rss_after_scan = client.rss_mib()
        workers_after_scan = client.children_rss_mib()

        results: dict[str, Any] = {
            "files_scanned": len(list(rules.glob("*.mdc"))) + 1,
            "initialize_reply_ms": round(initialize_ms, 1),
            "scan_ms": round(scan_ms, 1),
            "rss_after_scan_mib": round(rss_after_scan, 1),
            "rss_after_scan_warm_cache_mib": round(rss_warm[-1], 1),
            "count_worker_rss_after_scan_mib": round(workers_after_scan, 1),
            "debounce_ms": 0,
            "dependents_quiet_ms": round(QUIET_SECONDS * 1000),
        }
        for label, path in (
            ("CLAUDE.md (2,000 lines)", big),
            (LARGEST, rules / LARGEST),
        ):
            timings = measure_edits(client, path, args.edits)
            results[label] = {
                "edits": len(timings),
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(percentile(timings, 0.95), 2),
                "max_ms": round(max(timings), 2),
                "first_edit_ms": round(timings[0], 2),
            }

        rss_before_soak = client.rss_mib()
        workers_before_soak = client.children_rss_mib()
        samples: list[tuple[int, float]] = []
        soak = measure_edits(client, big, args.soak_edits, samples, args.sample_every)
        rss_after_soak = client.rss_mib()
        workers_after_soak = client.children_rss_mib()
        slope = slope_per_1000(samples)
        results["soak"] = {
            "edits": len(soak),
            "rss_before_mib": round(rss_before_soak, 1),
            "rss_after_mib": round(rss_after_soak, 1),
            "count_worker_rss_before_mib": round(workers_before_soak, 1),
            "count_worker_rss_after_mib": round(workers_after_soak, 1),
            "rss_mib_at_edit": dict(samples),
            "second_half_slope_mib_per_1000_edits": (
                round(slope, 3) if slope is not None else None
            ),
            "p95_ms": round(percentile(soak, 0.95), 2) if soak else None,
        }
        client.close()

    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
