"""With one CPU to run on, a lint that must count tokens counts them in this process.

A worker loading the vocabulary beside the lint only helps when the two can run at
once; on one CPU it adds a process start and the pipe traffic, and forked lints would
each load the vocabulary again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from linting import write_tree
from llmops_ls.linter import engine, tokens
from llmops_ls.linter.settings import LintSettings, TokenBudgets
from llmops_ls.linter.workspace import Workspace

BUDGETS = LintSettings(budgets=TokenBudgets(file_tokens=100, chain_tokens=100_000))
RULE = (
    "---\ndescription: Style {i}\nalwaysApply: false\n---\n# Style {i}\n\nUse tabs.\n"
)


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No encoding loaded, nothing remembered, a private disk cache."""
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_memory", {})
    monkeypatch.setattr(tokens, "_requests", {})
    disk = tokens._DiskCache()
    disk.configure(tmp_path / "cache")
    monkeypatch.setattr(tokens, "_disk", disk)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """70 rules files, one of them over the file budget: enough to overlap and fork."""
    files: dict[str, str | bytes] = {
        f".cursor/rules/r{i:02}.mdc": RULE.format(i=i) for i in range(70)
    }
    files[".cursor/rules/r05.mdc"] = RULE.format(i=5) + "Prefer small functions. " * 60
    root = tmp_path / "project"
    write_tree(root, files)
    (root / ".git").mkdir()
    return root


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The encodings a worker process was started for, and `fork` for each fork."""
    calls: list[str] = []
    real_started = tokens._Worker._started
    real_fork = os.fork

    def worker_started(worker: tokens._Worker) -> object:
        if worker._process is None:  # asked again for each count once running
            calls.append(worker.encoding)
        return real_started(worker)

    def fork() -> int:
        calls.append("fork")
        return real_fork()

    monkeypatch.setattr(tokens._Worker, "_started", worker_started)
    monkeypatch.setattr(os, "fork", fork)
    return calls


def _cpus(monkeypatch: pytest.MonkeyPatch, count: int, *, affinity: bool) -> None:
    if affinity:
        monkeypatch.setattr(
            os, "sched_getaffinity", lambda pid: set(range(count)), raising=False
        )
    else:
        monkeypatch.delattr(os, "sched_getaffinity", raising=False)
        monkeypatch.setattr(os, "cpu_count", lambda: count)


@pytest.mark.parametrize("affinity", [True, False], ids=["affinity", "cpu_count"])
def test_one_cpu_counts_here_without_worker_or_fork(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: list[str],
    affinity: bool,
) -> None:
    _cpus(monkeypatch, 1, affinity=affinity)
    result = engine.lint_paths(Workspace(project), None, BUDGETS, jobs=2)

    assert started == []
    assert tokens.loaded_encodings() == {tokens.DEFAULT_ENCODING}
    assert not result.failures
    budget = [f for f in result.findings if f.rule == "token-budget"]
    assert [f.path for f in budget] == [".cursor/rules/r05.mdc"]
    assert result.files_checked == len(result.files) == 70


def test_one_cpu_finds_what_two_cpus_find(
    project: Path, monkeypatch: pytest.MonkeyPatch, started: list[str]
) -> None:
    _cpus(monkeypatch, 2, affinity=True)
    two = engine.lint_paths(Workspace(project), None, BUDGETS, jobs=2)
    # The worker loads the vocabulary while the forked lints run.
    assert started == [tokens.DEFAULT_ENCODING, "fork"]

    tokens.set_cache_dir(None)  # count again rather than read the first run's counts
    _cpus(monkeypatch, 1, affinity=True)
    one = engine.lint_paths(Workspace(project), None, BUDGETS, jobs=2)
    assert started == [tokens.DEFAULT_ENCODING, "fork"]
    assert one.findings == two.findings
    assert one.files_checked == two.files_checked == 70


def test_an_affinity_of_one_cpu_wins_over_the_machines_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `taskset -c 0` on a bigger machine: os.cpu_count() still says how many it has.
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert engine.usable_cpus() == 1
