"""What a check receives besides the document: workspace, settings, `finding`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmops_ls.linter import catalogue
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding, Fix, Related
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace

if TYPE_CHECKING:
    from llmops_ls.linter.kinds import Tool
    from llmops_ls.linter.registry import Check


@dataclass(slots=True)
class CheckContext:
    """Shared by all checks of one run."""

    workspace: Workspace
    settings: LintSettings
    # Answers per rule and per kind of file: asked for every finding and every file.
    _enabled: dict[str, bool] = field(default_factory=dict, init=False, repr=False)
    _checks: dict[Tool, list[Check]] = field(
        default_factory=dict, init=False, repr=False
    )

    def enabled(self, rule: str) -> bool:
        """Whether a rule runs under the current settings."""
        known = self._enabled.get(rule)
        if known is None:
            known = self._enabled[rule] = self._decide(rule)
        return known

    def _decide(self, rule: str) -> bool:
        info = catalogue.load().get(rule)
        if info is None or rule in self.settings.ignore:
            return False
        if self.settings.select is None:
            return info.default_enabled
        return rule in self.settings.select

    def checks_for(self, tool: Tool) -> list[Check]:
        """The registered checks that run on files of `tool` (an enabled rule each)."""
        known = self._checks.get(tool)
        if known is None:
            from llmops_ls.linter.registry import CHECKS

            known = self._checks[tool] = [
                check
                for check in CHECKS
                if check.applies_to(tool)
                and any(self.enabled(rule) for rule in check.rules)
            ]
        return known

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
