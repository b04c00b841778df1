"""Runs the checks over documents and applies suppressions and settings.

A check that raises is logged with its traceback and skipped; the other checks' findings
are still returned, and the failure is listed in `LintResult.failures` so that the
command line can exit with status 2.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from llmops_ls.linter import checks, suppressions
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.registry import CHECKS
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace

logger = logging.getLogger(__name__)

checks.load_all()


@dataclass(frozen=True, slots=True)
class CheckFailure:
    """A check that raised on a document."""

    path: str
    check: str
    error: str


@dataclass(slots=True)
class LintResult:
    """Findings of a run, sorted, with the files checked and any check failures."""

    findings: list[Finding] = field(default_factory=list)
    files: list[RulesDocument] = field(default_factory=list)
    failures: list[CheckFailure] = field(default_factory=list)


def lint_paths(
    workspace: Workspace, paths: Iterable[Path] | None, settings: LintSettings
) -> LintResult:
    """Discover the rules files under `paths` and lint each of them."""
    context = CheckContext(workspace, settings)
    result = LintResult()
    for path in workspace.discover(paths):
        doc = workspace.document(path)
        result.files.append(doc)
        findings, failures = lint_document(doc, context)
        result.findings.extend(findings)
        result.failures.extend(failures)
    result.findings.sort(key=Finding.sort_key)
    return result


def lint_document(
    doc: RulesDocument, context: CheckContext
) -> tuple[list[Finding], list[CheckFailure]]:
    """All findings for one document after suppressions, and the checks that failed."""
    failures: list[CheckFailure] = []
    raw: list[Finding] = []
    for check in CHECKS:
        if not any(context.enabled(rule) for rule in check.rules):
            continue
        if doc.read_error is not None and "file-unreadable" not in check.rules:
            continue
        try:
            found = check.function(doc, context)
            raw.extend(f for f in found if context.enabled(f.rule))
        except Exception as exc:  # one broken check must not silence the others
            logger.exception("check %s failed on %s", check.name, doc.relative)
            failures.append(CheckFailure(doc.relative, check.name, repr(exc)))
    return _apply_suppressions(doc, context, raw), failures


def _apply_suppressions(
    doc: RulesDocument, context: CheckContext, findings: list[Finding]
) -> list[Finding]:
    items = suppressions.parse(doc)
    if not items:
        return sorted(findings, key=Finding.sort_key)
    kept: list[Finding] = []
    for finding in findings:
        silenced = False
        for item in items:
            if item.covers(finding.rule, finding.start.line):
                item.used.add(finding.rule)
                silenced = True
        if not silenced:
            kept.append(finding)
    if context.enabled("unused-suppression"):
        kept.extend(_unused(doc, context, items))
    return sorted(kept, key=Finding.sort_key)


def _unused(
    doc: RulesDocument, context: CheckContext, items: list[suppressions.Suppression]
) -> Iterable[Finding]:
    for item in items:
        if item.unknown:
            names = ", ".join(item.unknown)
            yield context.finding(
                "unused-suppression",
                doc,
                item.start,
                item.end,
                f"suppression names unknown rules: {names}",
            )
        if item.rules is None:
            if not item.used:
                yield context.finding(
                    "unused-suppression",
                    doc,
                    item.start,
                    item.end,
                    f"`llmops-ls-{item.kind}` suppresses nothing here",
                )
            continue
        unused = sorted(
            rule for rule in item.rules - item.used if context.enabled(rule)
        )
        if unused:
            yield context.finding(
                "unused-suppression",
                doc,
                item.start,
                item.end,
                f"suppression of {', '.join(unused)} is unused: no such finding here",
            )
