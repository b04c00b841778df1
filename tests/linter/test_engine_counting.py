"""A run that must count tokens loads the vocabulary once, in a worker, at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from linting import write_tree
from llmops_ls.linter import engine, tokens
from llmops_ls.linter.document import RulesDocument
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
    # With one usable CPU the lint counts in its own process (see
    # test_tokens_one_cpu); these tests are about the worker, which needs two.
    monkeypatch.setattr(engine, "usable_cpus", lambda: 2)


def _project(root: Path) -> None:
    files: dict[str, str | bytes] = {
        f".cursor/rules/r{i:02}.mdc": RULE.format(i=i) for i in range(70)
    }
    files[".cursor/rules/r05.mdc"] = RULE.format(i=5) + "Prefer small functions. " * 60
    write_tree(root / "project", files)
    (root / "project" / ".git").mkdir()


@pytest.mark.parametrize("jobs", [1, 2], ids=["here", "forked"])
def test_counts_come_from_one_worker_started_before_linting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    _project(tmp_path)
    root = tmp_path / "project"
    started_first: list[bool] = []
    lint_document = engine.lint_document

    def spy(doc: RulesDocument, context: object) -> object:
        if not started_first:
            workers = tokens._workers.get() or {}
            worker = workers.get(tokens.DEFAULT_ENCODING)
            started_first.append(worker is not None and worker._process is not None)
        return lint_document(doc, context)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "lint_document", spy)
    counted = engine.lint_paths(Workspace(root), None, BUDGETS, jobs=jobs)
    assert started_first == [True]
    assert tokens.loaded_encodings() == frozenset()
    assert counted.files_checked == 70

    monkeypatch.setattr(engine, "lint_document", lint_document)
    tokens.set_cache_dir(None)  # count again, in this process
    tokens.preload()
    serial = engine.lint_paths(Workspace(root), None, BUDGETS)
    assert counted.findings == serial.findings
    budget = [f for f in counted.findings if f.rule == "token-budget"]
    assert [f.path for f in budget] == [".cursor/rules/r05.mdc"]
    if jobs == 1:
        # The file to count is linted last, but the documents keep the discovery
        # order. (Forked lints keep their documents in the children.)
        assert [d.relative for d in counted.files] == [d.relative for d in serial.files]


def test_counts_found_in_the_cache_start_no_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    root = tmp_path / "project"
    first = engine.lint_paths(Workspace(root), None, BUDGETS, jobs=2)
    monkeypatch.setattr(tokens, "_memory", {})  # what a new process knows: the disk

    def no_worker(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker was started for a count found on disk")

    monkeypatch.setattr(tokens, "_start_worker", no_worker)
    again = engine.lint_paths(Workspace(root), None, BUDGETS, jobs=2)
    assert again.findings == first.findings
    assert tokens.loaded_encodings() == frozenset()


def test_a_file_under_the_budget_in_bytes_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    root = tmp_path / "project"
    monkeypatch.setattr(tokens, "_start_worker", lambda *args: None)
    roomy = LintSettings(budgets=TokenBudgets(file_tokens=10_000))
    workspace = Workspace(root)
    assert engine._uncounted(workspace, workspace.discover(), roomy) == set()
    assert tokens.requests_made() == 0


def test_with_little_else_to_lint_the_count_is_made_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, str | bytes] = {
        ".cursor/rules/big.mdc": RULE.format(i=0) + "Prefer small functions. " * 60,
        ".cursor/rules/small.mdc": RULE.format(i=1),
    }
    write_tree(tmp_path / "project", files)
    monkeypatch.setattr(tokens, "_start_worker", lambda *args: None)
    result = engine.lint_paths(Workspace(tmp_path / "project"), None, BUDGETS)
    assert [f.path for f in result.findings if f.rule == "token-budget"] == [
        ".cursor/rules/big.mdc"
    ]
    assert tokens.loaded_encodings() == {tokens.DEFAULT_ENCODING}


def test_shares_are_even_in_bytes_and_keep_the_order(tmp_path: Path) -> None:
    sizes = [900, 10, 10, 10, 500, 400, 10, 300, 20, 10]
    paths = []
    for index, size in enumerate(sizes):
        path = tmp_path / f"r{index}.mdc"
        path.write_bytes(b"x" * size)
        paths.append(path)

    shares = engine._shares(paths, 2, 0)
    assert sorted(shares[0] + shares[1]) == sorted(paths)
    loads = [sum(p.stat().st_size for p in share) for share in shares]
    # 1,200 and 970 bytes; alternate files would have given 1,340 and 830.
    assert abs(loads[0] - loads[1]) <= 300
    for share in shares:
        assert share == [p for p in paths if p in share]

    # The first share starts with the files this process lints after it.
    shares = engine._shares(paths, 2, 1500)
    loads = [sum(p.stat().st_size for p in share) for share in shares]
    assert loads == [340, 1830]
