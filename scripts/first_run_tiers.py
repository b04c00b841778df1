"""Replay the hand router as it was when each labelled set was first run on it.

Usage: .venv/bin/python scripts/first_run_tiers.py [--out first_run_tiers.json]

For each of unseen ... unseen7 it extracts the server and benchmarks of the commit
that added the set (`git archive`, into a temporary folder; the work tree is not
touched), routes the set with that router and writes every row's tier to a JSON file
that `scripts/train_router.py --forward --first-runs FILE` reads. The router of the
commit that added a set is the one the set was written blind against; replayed figures
can differ slightly from those recorded at the time (unseen: 60.0 % here against
70.0 % recorded), since the first run may have used a slightly different tree.

Trees whose policy has a `routing.classifier` (from the commit that added unseen6 and
unseen7 on) route with it set to `signals`: their default was already `combined`, and
the hand router is the signals classifier. Older trees had only that one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ("unseen", "unseen2", "unseen3", "unseen4", "unseen5", "unseen6", "unseen7")

_REPLAY = """
import json, sys
sys.path[:0] = [sys.argv[1] + "/server", sys.argv[1] + "/benchmarks"]
import routing_eval as ev
from llmops_ls.config.policy import DEFAULT_POLICY_PATH, parse_policy
from llmops_ls.linter.tokens import count_tokens
from llmops_ls.routing.router import Caller, Router
text = DEFAULT_POLICY_PATH.read_text()
try:
    policy = parse_policy(text, DEFAULT_POLICY_PATH, ev.NOW.date()).policy
except TypeError:
    policy = parse_policy(text, DEFAULT_POLICY_PATH).policy
classifier = None
routing = getattr(policy, "routing", None)
if routing is not None and "classifier" in type(routing).model_fields:
    classifier = "signals"
    routing = routing.model_copy(update={"classifier": classifier})
    policy = policy.model_copy(update={"routing": routing})
router = Router(policy, count=count_tokens)
tiers = {}
for line in open(sys.argv[2]):
    if line.strip():
        row = json.loads(line)
        tiers[row["id"]] = router.route(ev.to_request(row), Caller("eval"), ev.NOW).tier
print(json.dumps({"classifier": classifier, "tiers": tiers}))
"""


def added_by(path: str) -> str:
    """The commit that added `path`."""
    out = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[-1]


def replay(name: str) -> tuple[str, str | None, dict[str, str]]:
    """The commit that added set `name`, the classifier forced on its policy (None
    when its policy has no choice of classifier), and each row's tier under it."""
    path = f"benchmarks/routing/{name}.jsonl"
    commit = added_by(path)
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(
            ["git", "archive", commit, "server", "benchmarks"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        out = subprocess.run(
            [sys.executable, "-c", _REPLAY, tree, str(ROOT / path)],
            # stderr is left to the terminal so a failing old tree shows its traceback
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        ).stdout
    routed = json.loads(out)
    return commit, routed["classifier"], routed["tiers"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("first_run_tiers.json"))
    args = parser.parse_args()
    result = {}
    for name in SETS:
        commit, classifier, tiers = replay(name)
        result[name] = {"commit": commit, "classifier": classifier, "tiers": tiers}
        forced = f", classifier={classifier}" if classifier else ""
        print(f"{name}: {len(tiers)} rows routed at {commit[:10]}{forced}")
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
