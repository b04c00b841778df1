"""Shared fixtures: a throw-away workspace and a one-call linter over it.

Helpers live in `linting.py`, not here: several folders have a `conftest.py`, and only
one of them can be imported under that name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from linting import LintFiles, run_lint, write_tree
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.settings import LintSettings

# The LiteLLM proxy of the integration tests, shared by tests/lsp as well.
pytest_plugins = ("integration.fixtures",)

# Token counts are cached on disk between runs; tests (and the servers they start)
# must neither read a developer's cache nor leave entries in it.
os.environ["LLMOPS_LS_CACHE_DIR"] = tempfile.mkdtemp(prefix="llmops-ls-tests-")
# Likewise the telemetry store of servers started without an explicit one.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="llmops-ls-tests-state-")


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
