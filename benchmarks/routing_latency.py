"""Time spent routing one request, with each classifier, on the labelled requests.

Usage: .venv/bin/python benchmarks/routing_latency.py [--repeat 7] [--estimate-tokens]

Routes every row of every labelled set (`benchmarks/routing/*.jsonl`) under the
default policy with `routing.classifier` set to `signals`, `trained` and `combined`,
`--repeat` times each, and prints per classifier the median over rows of each row's
best time (so load from other work on the machine counts least), the mean, and the
95th percentile. It also times the trained model's own step (`TierModel.decide`)
apart from feature extraction.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from routing_eval import NOW, load, load_policy, make_router, to_request

from llmops_ls.config.policy import DEFAULT_POLICY_PATH
from llmops_ls.routing.classifier import classify
from llmops_ls.routing.features import RequestKind, extract
from llmops_ls.routing.router import Caller
from llmops_ls.routing.trained import load as load_tier_model

SETS = Path(__file__).with_name("routing")


def best_times(call: object, items: list[object], repeat: int) -> list[float]:
    """Each item's fastest time over `repeat` calls, in microseconds."""
    assert callable(call)
    best = [float("inf")] * len(items)
    for _ in range(repeat):
        for index, item in enumerate(items):
            start = time.perf_counter()
            call(item)
            best[index] = min(best[index], time.perf_counter() - start)
    return [b * 1e6 for b in best]


def summary(name: str, times: list[float]) -> None:
    """One line of figures."""
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(
        f"{name:<34} median {statistics.median(times):7.1f} us   "
        f"mean {statistics.mean(times):7.1f} us   p95 {p95:7.1f} us"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--estimate-tokens", action="store_true")
    args = parser.parse_args()
    rows = [r for path in sorted(SETS.glob("*.jsonl")) for r in load(path, "all")]
    requests = [to_request(r) for r in rows]
    caller = Caller("bench")
    print(f"{len(requests)} requests, best of {args.repeat} per request")
    results = {}
    for classifier in ("signals", "trained", "combined"):
        router = make_router(
            load_policy(DEFAULT_POLICY_PATH, classifier), args.estimate_tokens
        )
        results[classifier] = best_times(
            lambda r, router=router: router.route(r, caller, NOW),
            requests,
            args.repeat,
        )
        summary(f"route(), classifier {classifier}", results[classifier])
    for classifier in ("trained", "combined"):
        extra = [
            t - s for s, t in zip(results["signals"], results[classifier], strict=True)
        ]
        summary(f"{classifier} minus signals, per request", extra)
    model = load_tier_model()
    scored = [
        (r, f, classify(f, r.prompt))
        for r in requests
        if r.kind is not RequestKind.INLINE_COMPLETION
        for f in (extract(r),)
    ]
    summary(
        "TierModel.decide alone (not inline)",
        best_times(lambda item: model.decide(*item), scored, args.repeat),  # type: ignore[misc]
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
