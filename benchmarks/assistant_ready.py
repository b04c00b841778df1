"""How long getting the assistant ready takes, and how long it holds the server up.

The server prepares the assistant (imports of the gateway client, the token
vocabulary) in a worker thread while its own thread goes on answering. Each run is a
fresh interpreter: one thread calls `prepare_assistant`, the main thread sleeps 1 ms
at a time and notes the longest it waited for its turn (work that holds the
interpreter lock shows as a long wait). Printed per run, then the medians.

    python benchmarks/assistant_ready.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

_ONE_RUN = """
import json, threading, time
from llmops_ls.app import prepare_assistant

done = threading.Event()
took = []

def prepare():
    started = time.perf_counter()
    prepare_assistant()
    took.append(time.perf_counter() - started)
    done.set()

thread = threading.Thread(target=prepare)
last = time.perf_counter()
longest = 0.0
thread.start()
while not done.is_set():
    time.sleep(0.001)
    now = time.perf_counter()
    longest = max(longest, now - last)
    last = now
thread.join()
with open("/proc/self/status") as status:
    rss_kib = int(status.read().split("VmRSS:")[1].split()[0])
result = {"prepare": took[0], "longest_wait": longest, "rss_mib": rss_kib / 1024}
print(json.dumps(result))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        output = subprocess.run(
            [sys.executable, "-c", _ONE_RUN], capture_output=True, text=True, check=True
        ).stdout
        runs.append(json.loads(output))
        print(
            "prepared in {prepare:.3f} s, longest wait {longest_wait:.3f} s, "
            "resident {rss_mib:.1f} MiB".format(**runs[-1])
        )
    print(
        f"median: prepared in {statistics.median(r['prepare'] for r in runs):.3f} s, "
        f"longest wait {statistics.median(r['longest_wait'] for r in runs):.3f} s"
    )


if __name__ == "__main__":
    main()
