"""Registration of check functions under the names of the rules they report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmops_ls.linter.finding import Finding
from llmops_ls.linter.kinds import Tool

if TYPE_CHECKING:
    from llmops_ls.linter.context import CheckContext
    from llmops_ls.linter.document import RulesDocument

CheckFunction = Callable[["RulesDocument", "CheckContext"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    """A function and the rule names it may report."""

    function: CheckFunction
    rules: frozenset[str]
    # The kinds of file the check reads; None: every rules file, but not the policy.
    tools: frozenset[Tool] | None = None

    def applies_to(self, tool: Tool) -> bool:
        """Whether the check runs on files of this kind."""
        return tool.is_rules_file if self.tools is None else tool in self.tools

    @property
    def name(self) -> str:
        """A readable name for logs."""
        return f"{self.function.__module__}.{self.function.__name__}"


CHECKS: list[Check] = []


#: For `check(tools=...)`: a check that reads any file, the policy included.
EVERY_FILE = frozenset(Tool)


def check(
    *rules: str, tools: Iterable[Tool] | None = None
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function that reports the named rules (on rules files, or
    on the kinds of file `tools` names)."""

    def register(function: CheckFunction) -> CheckFunction:
        kinds = frozenset(tools) if tools is not None else None
        CHECKS.append(Check(function, frozenset(rules), kinds))
        return function

    return register
