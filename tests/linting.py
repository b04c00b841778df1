"""Helpers shared by the linter and command-line tests: write a tree, lint it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest

from llmops_ls import catalog
from llmops_ls.linter.engine import LintResult, lint_paths
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.resultcache import ResultCache
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace

LintFiles = Callable[..., list[Finding]]


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
    root: Path,
    settings: LintSettings | None = None,
    paths: list[Path] | None = None,
    cache: ResultCache | None = None,
) -> LintResult:
    """Lint a folder as the command line would (with a findings cache if given)."""
    settings = settings or LintSettings()
    workspace = Workspace(root, exclude=settings.exclude)
    return lint_paths(workspace, paths, settings, cache=cache)


def on_shipped_catalogue_day(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Make the policy rules' "today" the shipped catalogue's date; that date.

    Deprecation warnings and policy-stale-catalogue then say what they said on the
    day the catalogue was checked, whatever the day the tests run.
    """
    day = catalog.load().catalogue_date
    monkeypatch.setattr(catalog, "utc_today", lambda: day)
    return day
