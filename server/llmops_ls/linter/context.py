"""What a check receives besides the document: workspace, settings, `finding`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from llmops_ls.linter import catalogue
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding, Fix, Related
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace


@dataclass(slots=True)
class CheckContext:
    """Shared by all checks of one run."""

    workspace: Workspace
    settings: LintSettings

    def enabled(self, rule: str) -> bool:
        """Whether a rule runs under the current settings."""
        rules = catalogue.load()
        info = rules.get(rule)
        if info is None or rule in self.settings.ignore:
            return False
        if self.settings.select is None:
            return info.default_enabled
        return rule in self.settings.select

    def finding(
        self,
        rule: str,
        doc: RulesDocument,
        start: int,
        end: int,
        message: str,
        *,
        fix: Fix | None = None,
        related: Iterable[Related] = (),
    ) -> Finding:
        """A finding of `rule` between two offsets of `doc`."""
        info = catalogue.load()[rule]
        severity = self.settings.severity.get(rule, info.severity)
        end = max(start, end)
        return Finding(
            rule=rule,
            code=info.code,
            severity=severity,
            path=doc.relative,
            start_offset=start,
            end_offset=end,
            start=doc.source.position(start),
            end=doc.source.position(end),
            message=message,
            fix=fix,
            related=tuple(related),
        )

    def related(
        self, doc: RulesDocument, start: int, end: int, message: str
    ) -> Related:
        """A pointer to another place, for a finding's related information."""
        return Related(
            doc.relative, doc.source.position(start), doc.source.position(end), message
        )
