"""Upload figures: events/s to a real local OTLP receiver, bytes on the wire, memory.

Fills a store with `--events` request events (and an outcome for a fifth of them),
then flushes everything to rotel (`--exporter blackhole`) over OTLP/HTTP protobuf with
gzip, sampling the process's resident memory every 100 ms during the flush.

Run: .venv/bin/python benchmarks/telemetry_upload.py [--events 1000000] [--json]
"""

from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from telemetry_write import event, rss_mib

from llmops_ls.telemetry.events import Outcome, OutcomeEvent
from llmops_ls.telemetry.store import TelemetryStore
from llmops_ls.telemetry.uploader import Uploader, UploadSettings


def start_rotel() -> tuple[subprocess.Popen[bytes], str]:
    import rotel

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    agent = Path(rotel.__file__).with_name("rotel-agent")
    process = subprocess.Popen(
        [str(agent), "start", "--otlp-http-endpoint", f"127.0.0.1:{port}",
         "--exporter", "blackhole"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="OTLP/JSON instead")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="llmops-bench-")) / "upload.db"
    rng = random.Random(5)
    with TelemetryStore(path) as store:
        for start in range(0, args.events, 50_000):
            batch = [
                event(i, rng) for i in range(start, min(args.events, start + 50_000))
            ]
            store.write_batch(batch)
            store.write_batch(
                [OutcomeEvent(e.event_id, Outcome.ACCEPTED) for e in batch[::5]]
            )

    rotel, endpoint = start_rotel()
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            samples.append(rss_mib())

    protocol = "http/json" if args.json else "http/protobuf"
    settings = UploadSettings(
        endpoint=endpoint, protocol=protocol, batch_size=args.batch
    )
    store = TelemetryStore(path)
    uploader = Uploader(store, settings)
    before = rss_mib()
    threading.Thread(target=sample, daemon=True).start()
    started = time.perf_counter()
    result = uploader.flush(deadline_seconds=3600)
    elapsed = time.perf_counter() - started
    done.set()
    uploader.close()
    rotel.terminate()
    rotel.wait(10)

    records = result.sent_events + result.sent_outcomes
    print(f"{protocol} + gzip, batches of {args.batch}: {result.sent_events:,} events "
          f"and {result.sent_outcomes:,} outcomes in {elapsed:.1f} s = "
          f"{result.sent_events / elapsed:,.0f} events/s "
          f"({records / elapsed:,.0f} records/s), {result.requests} requests, "
          f"{result.retries} retries, pending {result.pending_events}")  # fmt: skip
    print(f"on the wire (logs + metrics, gzip): {result.bytes_sent / 2**20:.1f} MiB, "
          f"{result.bytes_sent / records:.0f} bytes/record")  # fmt: skip
    quarter = max(1, len(samples) // 4)
    print(f"RSS before flush {before:.0f} MiB; during flush min {min(samples):.0f}, "
          f"max {max(samples):.0f} MiB; first quarter max "
          f"{max(samples[:quarter]):.0f}, last quarter max "
          f"{max(samples[-quarter:]):.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
