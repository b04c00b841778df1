"""Settings the linter runs with, already validated (see `llmops_ls.config`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmops_ls.linter.finding import Severity


@dataclass(frozen=True, slots=True)
class TokenBudgets:
    """Token budgets: one file alone, and a file with all that loads along with it."""

    file_tokens: int = 8000
    chain_tokens: int = 20000


@dataclass(frozen=True, slots=True)
class LintSettings:
    """Which rules run, at what severity, on which files.

    `select` and `ignore` hold rule names (codes are resolved when settings are read);
    `select=None` means every rule that is on by default.
    """

    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    budgets: TokenBudgets = TokenBudgets()
    exclude: tuple[str, ...] = ()
    max_file_bytes: int = 5 * 1024 * 1024
