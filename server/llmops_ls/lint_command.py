"""`llmops-ls lint`: settings from the project file and the command line, then a run."""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from llmops_ls.config import project
from llmops_ls.errors import UsageError
from llmops_ls.linter.engine import LintResult, lint_paths, usable_cpus
from llmops_ls.linter.finding import Severity
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace, find_root
from llmops_ls.output.report import Report

MAX_FIX_PASSES = 5
_BOM = b"\xef\xbb\xbf"
# Worker processes for large runs; beyond a few, forking costs more than it saves.
MAX_JOBS = 4


@dataclass(frozen=True, slots=True)
class LintOptions:
    """What the command line asked for."""

    paths: list[Path]
    output_format: str = "text"
    fail_on: str = "error"
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False
    select: list[str] | None = None
    ignore: list[str] | None = None
    config: Path | None = None
    cache: bool = True
    colour: bool = False


def lint(options: LintOptions, out: TextIO) -> int:
    """Run the linter, write the report to `out`, return the exit status."""
    # A run allocates much and frees little before it ends: collections would only
    # cost time, and in forked workers, copies of every page they touch.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint(options, out)
    finally:
        if collecting:
            gc.enable()


def _lint(options: LintOptions, out: TextIO) -> int:
    root = find_root(options.paths[0])
    settings = _settings(root, options)
    workspace = Workspace(
        root, exclude=settings.exclude, max_file_bytes=settings.max_file_bytes
    )
    fixing = options.fix or options.diff
    jobs = 1 if fixing else min(usable_cpus(), MAX_JOBS)
    # Fixing needs every document in hand, so it lints everything afresh.
    cache = None
    if options.cache and not fixing:
        from llmops_ls.linter.resultcache import ResultCache

        cache = ResultCache.open(root, settings)
    result = lint_paths(
        workspace, _lint_roots(options.paths, root), settings, jobs=jobs, cache=cache
    )

    if fixing:
        result = _fix(workspace, options, settings, result, out)

    report = Report(root, result.findings, result.files_checked)
    # Each format is imported when chosen: SARIF alone reads the whole catalogue.
    if options.output_format == "json":
        from llmops_ls.output import json_format

        out.write(json_format.render(report))
    elif options.output_format == "sarif":
        from llmops_ls.output import sarif

        out.write(sarif.render(report))
    elif options.output_format == "github":
        from llmops_ls.output import github

        out.write(github.render(report))
    elif not options.diff:
        from llmops_ls.output import text

        out.write(text.render(report, colour=options.colour))

    if result.failures:
        return 2
    threshold = Severity.parse(options.fail_on)
    return 1 if any(f.severity >= threshold for f in result.findings) else 0


def _lint_roots(paths: list[Path], root: Path) -> list[Path] | None:
    """None when the paths are just the workspace root (a full run)."""
    if len(paths) == 1 and paths[0].resolve() == root:
        return None
    return paths


def _settings(root: Path, options: LintOptions) -> LintSettings:
    if options.config is not None:
        if not options.config.is_file():
            raise UsageError(f"no such configuration file: {options.config}")
        settings = project.read_text_settings(
            options.config,
            options.config.read_text(encoding="utf-8"),
            project.policy_locks(),
        )
    else:
        settings = project.load_settings(root)
    if options.select is not None:
        settings = replace(
            settings, select=frozenset(_names(options.select, "--select"))
        )
    if options.ignore is not None:
        extra = frozenset(_names(options.ignore, "--ignore"))
        settings = replace(settings, ignore=settings.ignore | extra)
    return settings


def _names(references: list[str], option: str) -> list[str]:
    from llmops_ls.linter import catalogue

    names: list[str] = []
    for reference in references:
        if reference.upper() == "ALL":
            names.extend(catalogue.load())
            continue
        rule = catalogue.resolve(reference)
        if rule is None:
            raise UsageError(f"{option}: unknown rule {reference!r}")
        names.append(rule.name)
    return names


def _fix(
    workspace: Workspace,
    options: LintOptions,
    settings: LintSettings,
    result: LintResult,
    out: TextIO,
) -> LintResult:
    """Apply fixes until none is left (or a few passes), then re-lint what changed."""
    from llmops_ls.linter.fixes import apply_fixes, unified_diff

    changed: dict[Path, tuple[str, str]] = {}
    for doc in result.files:
        findings = [f for f in result.findings if f.path == doc.relative]
        if not any(f.fix for f in findings) or doc.read_error or doc.invalid_utf8:
            # Writing back decoded text would replace undecodable bytes: leave it alone.
            continue
        original = current = doc.text
        for _ in range(MAX_FIX_PASSES):
            current, applied = apply_fixes(
                current, findings, unsafe=options.unsafe_fixes
            )
            if not applied:
                break
            workspace.set_overlay(doc.path, current)
            from llmops_ls.linter.context import CheckContext
            from llmops_ls.linter.engine import lint_document

            findings, _ = lint_document(
                workspace.document(doc.path), CheckContext(workspace, settings)
            )
        if current != original:
            changed[doc.path] = (original, current)

    for path, (before, after) in sorted(changed.items()):
        if options.diff:
            out.write(unified_diff(workspace.relative(path), before, after))
        else:
            # The byte-order mark the text was read without, if the file had one.
            with path.open("rb") as handle:
                bom = handle.read(3) == _BOM
            path.write_bytes((_BOM if bom else b"") + after.encode("utf-8"))
    if options.diff:
        for path in changed:
            workspace.set_overlay(path, None)
    return lint_paths(workspace, options.paths, settings)
