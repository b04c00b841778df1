"""Telemetry recording and storage figures.

- cost of `record()` (and of the gateway's `record_request`) on an asyncio event loop,
  p50 and p99, while the writer thread is busy writing;
- sustained store write rate through the writer (record -> committed);
- bytes per event on disk, store size and process memory with 1,000,000 events.

Run: .venv/bin/python benchmarks/telemetry_write.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from llmops_ls.routing.recording import RequestRecord
from llmops_ls.telemetry.events import Attribution, RequestEvent, RulesFile
from llmops_ls.telemetry.store import TelemetryStore
from llmops_ls.telemetry.writer import TelemetryWriter

RULES = (RulesFile.of("CLAUDE.md", b"v1"), RulesFile.of(".cursor/rules/a.mdc", b"x"))
WHO = Attribution("alice@example.com", "web", "shop", "https://git.example.com/a/shop",
                  "dev-box")  # fmt: skip
MODELS = ("gpt-5.4-mini-2026-03-17", "claude-sonnet-4-6")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def event(i: int, rng: random.Random) -> RequestEvent:
    model = MODELS[i % 2]
    return RequestEvent(
        kind="inline_completion", attribution=WHO, tier="fast", model_requested=model,
        model_served=model, provider="openai", input_tokens=rng.randint(100, 4000),
        output_tokens=rng.randint(5, 300), cost=rng.random() / 100,
        latency_ms=rng.random() * 900, time_to_first_token_ms=rng.random() * 300,
        rules_files=RULES,
    )  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * p / 100) - 1)]


async def record_cost(
    writer: TelemetryWriter, n: int
) -> tuple[list[float], list[float]]:
    rng = random.Random(1)
    events = [event(i, rng) for i in range(n)]
    records = [
        RequestRecord(f"r{i}", "alice", "web", "inline_completion", "fast", MODELS[0],
                      "ok", input_tokens=100, output_tokens=20, cost=0.001,
                      latency_seconds=0.3, first_token_seconds=0.1)
        for i in range(n)
    ]  # fmt: skip
    clock = time.perf_counter_ns
    raw, sink = [], []
    for i in range(n):
        start = clock()
        writer.record(events[i])
        raw.append((clock() - start) / 1000)
        start = clock()
        writer.record_request(records[i])
        sink.append((clock() - start) / 1000)
        if i % 100 == 0:
            await asyncio.sleep(0)  # let the loop breathe as an editor's would
    return raw, sink


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="llmops-bench-"))

    writer = TelemetryWriter(folder / "record.db")
    raw, sink = asyncio.run(record_cost(writer, 100_000))
    writer.close(60)
    print(f"record(event): p50 {percentile(raw, 50):.2f} us, "
          f"p99 {percentile(raw, 99):.2f} us, max {max(raw):.0f} us")  # fmt: skip
    print(
        f"record_request(RequestRecord), converted, plus 'shown': "
        f"p50 {percentile(sink, 50):.2f} us, p99 {percentile(sink, 99):.2f} us"
    )

    rng = random.Random(2)
    base_rss = rss_mib()
    writer = TelemetryWriter(folder / "big.db", max_batch=5000)
    chunk = 50_000
    started = time.perf_counter()
    for start in range(0, args.events, chunk):
        batch = [event(i, rng) for i in range(start, min(args.events, start + chunk))]
        for item in batch:
            writer.record(item)
        # Keep the producer from running far ahead, as real traffic never could.
        while writer.pending > 100_000:
            time.sleep(0.01)
    writer.flush(600)
    elapsed = time.perf_counter() - started
    peak = rss_mib()
    writer.close(60)
    print(
        f"sustained write rate: {args.events / elapsed:,.0f} events/s "
        f"({args.events:,} events in {elapsed:.1f} s, building them included)"
    )

    with TelemetryStore(folder / "big.db") as store:
        counts = store.counts()
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = sum(p.stat().st_size for p in folder.glob("big.db*"))
    print(f"store with {counts.events:,} events: {size / 2**20:.0f} MiB on disk, "
          f"{size / counts.events:.0f} bytes/event; RSS {base_rss:.0f} -> "
          f"{peak:.0f} MiB while writing")  # fmt: skip
    print(f"(files in {folder})")


if __name__ == "__main__":
    main()
