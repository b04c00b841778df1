"""Shared fixtures: a throw-away workspace and a one-call linter over it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from llmops_ls.linter.engine import LintResult, lint_paths
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace

# The LiteLLM proxy of the integration tests, shared by tests/lsp as well.
pytest_plugins = ("integration.fixtures",)

LintFiles = Callable[..., list[Finding]]

# Token counts are cached on disk between runs; tests (and the servers they start)
# must neither read a developer's cache nor leave entries in it.
os.environ["LLMOPS_LS_CACHE_DIR"] = tempfile.mkdtemp(prefix="llmops-ls-tests-")


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    """Create files (and their folders) under root."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def run_lint(
    root: Path, settings: LintSettings | None = None, paths: list[Path] | None = None
) -> LintResult:
    """Lint a folder as the command line would."""
    settings = settings or LintSettings()
    workspace = Workspace(root, exclude=settings.exclude)
    return lint_paths(workspace, paths, settings)


@pytest.fixture
def lint_files(tmp_path: Path) -> LintFiles:
    """Write files into a fresh workspace, lint it, and return the findings.

    `rules=` keeps only findings of the named rules, so that a test reads as what it
    checks without depending on every other rule's opinion.
    """

    def run(
        files: dict[str, str | bytes],
        *,
        rules: set[str] | None = None,
        settings: LintSettings | None = None,
    ) -> list[Finding]:
        (tmp_path / ".git").mkdir(exist_ok=True)
        write_tree(tmp_path, files)
        result = run_lint(tmp_path, settings)
        assert not result.failures, result.failures
        if rules is None:
            return result.findings
        return [f for f in result.findings if f.rule in rules]

    return run
