"""Speed, memory and findings of `llmops-ls lint` beside agnix and skillsaw, in one run.

The corpus of real Cursor rules is copied into `.cursor/rules/` of a fresh workspace
(where all three tools look for Cursor rules), then each tool lints it `--runs` times.
Wall time is the median over the runs, and every run's wall time is listed with the
median user and system CPU; peak memory is the largest resident set size of the
tool's process (from `wait4`). Findings are counted per rule and severity from each
tool's JSON output.

    python benchmarks/lint_peers.py [--corpus DIR] [--runs N] [--json OUT]

The peers come from PyPI: `pip install -e '.[bench]'`.

llmops-ls runs in four states per round:
- first run: no cache folder at all, so every file is linted and the BPE vocabulary is
  loaded for the files over the byte bound of the token budget (a fresh machine);
- token counts cached, `--no-cache`: every file is linted, counts come from disk;
- findings cached, nothing changed: every file's findings come from the cache (a
  re-run, a pre-commit hook on an untouched tree, CI that keeps the cache folder);
- findings cached, one rule edited: before each run one rule gets a new line, in a
  copy of the workspace, and whatever depends on it is linted again.
The package's bytecode is compiled first, as an installed package's is.

Every tool runs with transparent huge pages turned off for its process tree
(`prctl(PR_SET_THP_DISABLE)`, inherited across fork and exec; `--thp` keeps them).
agnix's allocator asks for huge pages: about 22 of 2 MiB per run, counted by
`thp_fault_alloc` in `/proc/vmstat`, where llmops-ls and skillsaw add none. On this
virtual machine, with huge pages, 5 of 30 agnix runs spent over 0.05 s of system CPU
(up to 0.2 s, and up to 0.75 s in earlier runs of this benchmark) for about 0.03 s
of user CPU; with them off, none of 30 did (0.026 s at most). The cost seems to be
the kernel providing those pages, not agnix's work. The setting changes nothing for
a tool that uses no huge pages, so all tools run alike.
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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "cursor-rules"
BIN = Path(sys.executable).parent


@dataclass
class Measurement:
    """What one tool did on the corpus."""

    tool: str
    seconds: list[float] = field(default_factory=list)
    user_seconds: list[float] = field(default_factory=list)
    system_seconds: list[float] = field(default_factory=list)
    peak_rss_kib: int = 0
    by_rule: Counter[tuple[str, str]] = field(default_factory=Counter)
    files_with_errors: int = 0


@dataclass
class Run:
    """One run of a tool: times, memory and what it printed."""

    seconds: float
    user_seconds: float
    system_seconds: float
    peak_rss_kib: int
    output: str


PR_SET_THP_DISABLE = 41


def no_huge_pages() -> None:
    """No transparent huge pages for this process and every process it starts."""
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0):
        errno = ctypes.get_errno()
        raise SystemExit(f"cannot turn huge pages off: {os.strerror(errno)}; use --thp")


def run_once(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run a command: wall and CPU seconds, peak RSS (largest process), stdout."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL, env=env
        )
        _, _, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = 0
        out.seek(0)
        return Run(
            elapsed,
            usage.ru_utime,
            usage.ru_stime,
            usage.ru_maxrss,
            out.read().decode("utf-8", "replace"),
        )


def parse_llmops(output: str) -> tuple[Counter[tuple[str, str]], set[str]]:
    """Findings per (rule, severity) and files with an error, from llmops-ls JSON."""
    data = json.loads(output)
    counts: Counter[tuple[str, str]] = Counter()
    errors: set[str] = set()
    for f in data["findings"]:
        counts[(f"{f['code']} {f['name']}", f["severity"])] += 1
        if f["severity"] == "error":
            errors.add(f["path"])
    return counts, errors


def parse_agnix(output: str) -> tuple[Counter[tuple[str, str]], set[str]]:
    """Findings per (rule, severity) and the files with an error, from agnix JSON."""
    data = json.loads(output)
    counts: Counter[tuple[str, str]] = Counter()
    errors: set[str] = set()
    for d in data["diagnostics"]:
        counts[(d["rule"], d["level"])] += 1
        if d["level"] == "error":
            errors.add(d["file"])
    return counts, errors


def parse_skillsaw(output: str) -> tuple[Counter[tuple[str, str]], set[str]]:
    """Findings per (rule, severity) and the files with an error, from skillsaw JSON."""
    data = json.loads(output)
    counts: Counter[tuple[str, str]] = Counter()
    errors: set[str] = set()
    for v in data["violations"]:
        counts[(v["rule_id"], v["severity"])] += 1
        if v["severity"] == "error":
            errors.add(v["file_path"])
    return counts, errors


LLMOPS = [str(BIN / "llmops-ls"), "lint", ".", "--format", "json"]
TOKENS_ONLY = tempfile.mkdtemp(prefix="llmops-ls-bench-tokens-")
UNCHANGED = tempfile.mkdtemp(prefix="llmops-ls-bench-unchanged-")
EDITED = tempfile.mkdtemp(prefix="llmops-ls-bench-edited-")
FIRST_RUN = "llmops-ls, first run (no cache)"
EDIT_ONE = "llmops-ls, findings cached, one rule edited"
TOOLS: dict[str, tuple[list[str], Any, dict[str, str] | None]] = {
    FIRST_RUN: (LLMOPS, parse_llmops, {**os.environ, "LLMOPS_LS_CACHE_DIR": ""}),
    "llmops-ls, token counts cached, --no-cache": (
        [*LLMOPS, "--no-cache"],
        parse_llmops,
        {**os.environ, "LLMOPS_LS_CACHE_DIR": TOKENS_ONLY},
    ),
    "llmops-ls, findings cached, nothing changed": (
        LLMOPS,
        parse_llmops,
        {**os.environ, "LLMOPS_LS_CACHE_DIR": UNCHANGED},
    ),
    EDIT_ONE: (LLMOPS, parse_llmops, {**os.environ, "LLMOPS_LS_CACHE_DIR": EDITED}),
    "agnix": ([str(BIN / "agnix"), ".", "--format", "json"], parse_agnix, None),
    "skillsaw": (
        [str(BIN / "skillsaw"), "lint", ".", "--format", "json"],
        parse_skillsaw,
        None,
    ),
}


def edit_one(workspace: Path, round_number: int) -> None:
    """Change one rule a developer might be editing (a different one each round)."""
    rules = sorted((workspace / ".cursor" / "rules").glob("*.mdc"))
    rule = rules[(round_number * 37) % len(rules)]
    with rule.open("a", encoding="utf-8") as out:
        out.write(f"\n- Keep this rule current (edit {round_number}).\n")


def measure(workspace: Path, scratch: Path, runs: int) -> list[Measurement]:
    """Run every tool `runs` times, interleaved so that machine noise hits all alike.

    skillsaw's runs come after all the others', as they did when agnix was seen to
    run slower right after it. With `--thp`, some of agnix's runs spend 0.1-0.75 s
    in the kernel zeroing huge pages (see the module docstring), whatever ran
    before, so its wall times are bimodal. The edited mode works in
    `scratch`, a copy of the workspace, so that the others always see the untouched
    corpus.
    """
    results = {name: Measurement(name) for name in TOOLS}
    # Fill the caches once, and let agnix read the files once, outside the timing.
    for name, (command, _, env) in TOOLS.items():
        if name not in (FIRST_RUN, "skillsaw") and Path(command[0]).exists():
            run_once(command, scratch if name == EDIT_ONE else workspace, env)
    interleaved = [name for name in TOOLS if name != "skillsaw"]
    for names in (interleaved, ["skillsaw"]):
        for round_number in range(runs):
            for name in names:
                command, parse, env = TOOLS[name]
                if not Path(command[0]).exists():
                    continue
                where = workspace
                if name == EDIT_ONE:
                    edit_one(scratch, round_number)
                    where = scratch
                run = run_once(command, where, env)
                m = results[name]
                m.seconds.append(run.seconds)
                m.user_seconds.append(run.user_seconds)
                m.system_seconds.append(run.system_seconds)
                m.peak_rss_kib = max(m.peak_rss_kib, run.peak_rss_kib)
                counts, errors = parse(run.output)
                m.by_rule, m.files_with_errors = counts, len(errors)
    return [m for m in results.values() if m.seconds]


def report(results: list[Measurement], files: int) -> str:
    """A Markdown report: speed and memory, then findings per rule per tool."""
    base = next((m for m in results if m.tool == "agnix"), results[0])
    base_median = statistics.median(base.seconds)
    lines = [
        f"Corpus: {files} files. Runs per tool: {len(base.seconds)}.",
        "",
        f"| tool | median wall s | min wall s | ratio to {base.tool} | peak RSS MiB |"
        " findings | files with an error |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in results:
        median = statistics.median(m.seconds)
        lines.append(
            f"| {m.tool} | {median:.3f} | {min(m.seconds):.3f} | "
            f"{median / base_median:.2f} | {m.peak_rss_kib / 1024:.1f} | "
            f"{sum(m.by_rule.values())} | {m.files_with_errors} |"
        )
    lines += [
        "",
        "Each run, in order (wall s, then user + system CPU s):",
        "",
        "| tool | wall | median user | median system | max system |",
        "|---|---|---|---|---|",
    ]
    for m in results:
        walls = " ".join(f"{s:.3f}" for s in m.seconds)
        lines.append(
            f"| {m.tool} | {walls} | {statistics.median(m.user_seconds):.3f} | "
            f"{statistics.median(m.system_seconds):.3f} | "
            f"{max(m.system_seconds):.3f} |"
        )
    for m in results:
        if not m.by_rule:
            continue
        lines += [
            "",
            f"Findings of {m.tool}:",
            "",
            "| rule | severity | count |",
            "|---|---|---|",
        ]
        for (rule, severity), count in sorted(m.by_rule.items(), key=lambda kv: -kv[1]):
            lines.append(f"| {rule} | {severity} | {count} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write raw results here")
    parser.add_argument(
        "--thp",
        action="store_true",
        help="leave transparent huge pages on, as each tool would have them",
    )
    args = parser.parse_args()
    if not args.thp and sys.platform == "linux":
        no_huge_pages()  # inherited by the tools across fork and exec

    import compileall

    import llmops_ls

    compileall.compile_dir(Path(llmops_ls.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "corpus"
        rules = workspace / ".cursor" / "rules"
        rules.mkdir(parents=True)
        files = 0
        for source in sorted(args.corpus.glob("*.mdc")):
            shutil.copy(source, rules / source.name)
            files += 1
        (workspace / ".git").mkdir()
        scratch = Path(tmp) / "edited"
        shutil.copytree(workspace, scratch)
        results = measure(workspace, scratch, args.runs)

    pages = "on, as each tool asks" if args.thp else "off for every tool"
    sys.stdout.write(f"transparent huge pages: {pages}\n")
    sys.stdout.write(report(results, files))
    if args.json:
        raw = [
            {
                "tool": m.tool,
                "seconds": m.seconds,
                "peak_rss_kib": m.peak_rss_kib,
                "by_rule": {f"{r} [{s}]": c for (r, s), c in m.by_rule.items()},
            }
            for m in results
        ]
        args.json.write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
