"""Registration of check functions under the names of the rules they report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmops_ls.linter.finding import Finding

if TYPE_CHECKING:
    from llmops_ls.linter.context import CheckContext
    from llmops_ls.linter.document import RulesDocument

CheckFunction = Callable[["RulesDocument", "CheckContext"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    """A function and the rule names it may report."""

    function: CheckFunction
    rules: frozenset[str]

    @property
    def name(self) -> str:
        """A readable name for logs."""
        return f"{self.function.__module__}.{self.function.__name__}"


CHECKS: list[Check] = []


def check(*rules: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function that reports the named rules."""

    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(function, frozenset(rules)))
        return function

    return register
