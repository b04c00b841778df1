"""Any bytes, any tree: the linter reports what it cannot read and never crashes."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linting import run_lint, write_tree
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.engine import lint_document, lint_paths
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace

ROOT = Path("/nonexistent-workspace")
KINDS = [
    "CLAUDE.md",
    "AGENTS.md",
    ".cursor/rules/a.mdc",
    ".github/instructions/x.instructions.md",
    ".github/prompts/p.prompt.md",
    ".windsurf/rules/w.md",
    ".kiro/steering/k.md",
    ".clinerules/c.md",
    ".claude/rules/r.md",
    ".continue/rules/c.md",
]
# Pieces that exercise the scanners' edge cases when shuffled together.
FRAGMENTS = [
    "---\n",
    "globs: **/*.ts, src/**\n",
    'alwaysApply: "yes"\n',
    "description:\n",
    "  - a\n",
    "```\n",
    "````md\n",
    "~~~\n",
    "<!--",
    "-->",
    "<!-- llmops-ls-disable ",
    "llmops-ls-enable -->",
    "@./x.md ",
    "@~/y.md\n",
    "[link](missing.md)",
    "`code`",
    "\u200b",
    "\U000e0041",
    "\u202e",
    "🏳️‍🌈",
    "AKIA",
    "sk-",
    "\r\n",
    "\t",
    "# h\n",
    "- always use tabs\n",
    "- never use tabs\n",
    "{{ env_var('X') }}",
    "\x00",
    "\ufeff",
]


def lint_text(relative: str, text: str) -> None:
    workspace = Workspace(ROOT, overlay={ROOT / relative: text})
    doc = workspace.document(ROOT / relative)
    findings, failures = lint_document(doc, CheckContext(workspace, LintSettings()))
    assert not failures, failures
    for f in findings:
        assert 0 <= f.start_offset <= f.end_offset <= len(text)
        assert (f.start.line, f.start.column) <= (f.end.line, f.end.column)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KINDS), st.text(max_size=400))
def test_any_text_lints_without_failure(relative: str, text: str) -> None:
    lint_text(relative, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KINDS), st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_shuffled_markdown_pieces_lint_without_failure(
    relative: str, pieces: list[str]
) -> None:
    lint_text(relative, "".join(pieces))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=300))
def test_any_bytes_on_disk_lint_without_failure(tmp_path: Path, data: bytes) -> None:
    write_tree(tmp_path, {"CLAUDE.md": data, ".cursor/rules/x.mdc": data})
    result = run_lint(tmp_path)
    assert not result.failures


def test_oversized_file_is_reported_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "CLAUDE.md"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    result = run_lint(tmp_path)
    assert [f.rule for f in result.findings] == ["file-unreadable"]
    assert "52,428,800 bytes" in result.findings[0].message


def test_symlink_loop_does_not_hang_the_walk(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/CLAUDE.md": "# Rules\n\nRun the tests.\n"})
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "self").symlink_to(tmp_path, target_is_directory=True)
    result = run_lint(tmp_path)
    assert [d.relative for d in result.files] == ["a/CLAUDE.md"]


def test_dangling_symlink_is_reported_as_unreadable(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").symlink_to(tmp_path / "gone.md")
    result = run_lint(tmp_path)
    assert [f.rule for f in result.findings] == ["file-unreadable"]


def test_folder_named_like_a_rules_file_is_walked_not_read(tmp_path: Path) -> None:
    write_tree(tmp_path, {"CLAUDE.md/AGENTS.md": b"\x00"})
    result = run_lint(tmp_path)
    assert [d.relative for d in result.files] == ["CLAUDE.md/AGENTS.md"]


def test_fifo_is_reported_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "GEMINI.md")
    result = run_lint(tmp_path)
    assert [f.rule for f in result.findings] == ["file-unreadable"]
    assert "not a regular file" in result.findings[0].message


def test_ten_thousand_files_workspace(tmp_path: Path) -> None:
    for i in range(100):
        folder = tmp_path / f"pkg{i}"
        folder.mkdir()
        for j in range(99):
            (folder / f"module{j}.py").write_text("x = 1\n")
        (folder / "AGENTS.md").write_text(f"# Package {i}\n\nRun `make test`.\n")
    result = run_lint(tmp_path)
    assert not result.failures
    assert len(result.files) == 100


def test_forked_workers_find_what_one_process_finds(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {}
    for i in range(80):
        files[f"p{i}/AGENTS.md"] = (
            b"\x00" if i % 7 == 0 else f"# P{i}\n\nTry to test.\n"
        )
    write_tree(tmp_path, files)
    workspace = Workspace(tmp_path)
    serial = lint_paths(workspace, None, LintSettings())
    forked = lint_paths(Workspace(tmp_path), None, LintSettings(), jobs=2)
    assert forked.files_checked == serial.files_checked == 80
    assert forked.findings == serial.findings
    assert any(f.rule == "file-unreadable" for f in forked.findings)


def test_an_interrupted_forked_lint_leaves_no_worker_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmops_ls.linter import engine

    write_tree(tmp_path, {f"p{i}/AGENTS.md": f"# P{i}\n\nRun it.\n" for i in range(80)})
    parent = os.getpid()
    lint_here = engine._lint_here
    calls = 0

    def interrupted(*args: Any, **kwargs: Any) -> engine.LintResult:
        nonlocal calls
        if os.getpid() != parent:
            time.sleep(60)  # a worker still busy when the parent is interrupted
        calls += 1
        if calls == 2:  # the parent's own share, after forking
            raise KeyboardInterrupt
        return lint_here(*args, **kwargs)

    forked: list[int] = []
    fork = os.fork

    def recording_fork() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(engine, "_lint_here", interrupted)
    monkeypatch.setattr(os, "fork", recording_fork)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        lint_paths(Workspace(tmp_path), None, LintSettings(), jobs=2)

    assert forked
    assert time.monotonic() - started < 30
    for pid in forked:  # already reaped: no zombie, nothing still running
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
