"""Size limits that assistants publish for their rules files, with where each is stated.

Only limits a vendor documents (or hard-codes and shows to users) are listed. Checked
and left out: Gemini CLI, Cline, Kiro, Continue, Zed and aider publish no size limit
for their rules files. Windsurf's older documentation also capped global and workspace
rules at 12,000 characters together; global rules live outside the workspace, and the
current page states only the per-file limit, so that total is not checked.

Characters are counted as Unicode code points, the way the documents word it (tools
written in JavaScript count UTF-16 units, which differ only outside the Basic
Multilingual Plane, mostly emoji), and after any front matter: it holds settings rather
than rule text, so a file near a limit gets the benefit of the doubt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from llmops_ls.linter.kinds import Tool


class Unit(enum.Enum):
    """What a limit counts."""

    CHARACTERS = "characters"
    LINES = "lines"
    BYTES = "bytes"


@dataclass(frozen=True, slots=True)
class SizeLimit:
    """A published maximum for one kind of rules file.

    `truncates` says the tool stops reading past the limit (reported as an error);
    otherwise the limit is advice or a warning the tool itself shows. `chained` limits
    apply to the files a tool concatenates, not to one file (Codex's AGENTS.md chain).
    `statement` (with `{maximum}` to fill in) and `effect` make up the message.
    """

    product: str
    tools: frozenset[Tool]
    maximum: int
    unit: Unit
    truncates: bool
    statement: str
    effect: str
    source: str
    chained: bool = False

    def describe(self) -> str:
        """The limit as a sentence: "Windsurf reads at most 6,000 characters ..."."""
        return self.statement.format(maximum=f"{self.maximum:,}")


WINDSURF_RULE = SizeLimit(
    product="Windsurf",
    tools=frozenset({Tool.WINDSURF}),
    maximum=12_000,
    unit=Unit.CHARACTERS,
    truncates=True,
    statement="Windsurf reads at most {maximum} characters of a rule file",
    effect="Cascade never sees the rest, from here on",
    source="https://docs.windsurf.com/windsurf/cascade/memories",
)

WINDSURF_LEGACY = SizeLimit(
    product="Windsurf",
    tools=frozenset({Tool.WINDSURF_LEGACY}),
    maximum=6_000,
    unit=Unit.CHARACTERS,
    truncates=True,
    statement="Windsurf reads at most {maximum} characters of .windsurfrules",
    effect="Cascade never sees the rest, from here on",
    source="https://docs.windsurf.com/plugins/cascade/memories",
)

CODEX_CHAIN = SizeLimit(
    product="Codex",
    tools=frozenset({Tool.AGENTS}),
    maximum=32 * 1024,
    unit=Unit.BYTES,
    truncates=True,
    statement=(
        "Codex reads at most {maximum} bytes of AGENTS.md files, counted from the "
        "project root down (`project_doc_max_bytes`)"
    ),
    effect="it silently stops reading here",
    source="https://developers.openai.com/codex/guides/agents-md",
    chained=True,
)

CURSOR_RULE = SizeLimit(
    product="Cursor",
    tools=frozenset({Tool.CURSOR, Tool.CURSOR_LEGACY}),
    maximum=500,
    unit=Unit.LINES,
    truncates=False,
    statement="Cursor's documentation advises keeping a rule to {maximum} lines",
    effect="split it into smaller rules that each apply only where needed",
    source="https://docs.cursor.com/context/rules",
)

# Claude Code hard-codes this and prints "Large CLAUDE.md will impact performance
# (N chars > 40.0k)" at startup; it does not truncate (anthropics/claude-code#56406).
CLAUDE_MEMORY = SizeLimit(
    product="Claude Code",
    tools=frozenset({Tool.CLAUDE}),
    maximum=40_000,
    unit=Unit.CHARACTERS,
    truncates=False,
    statement="Claude Code warns at startup above {maximum} characters of CLAUDE.md",
    effect="it is loaded into every session; move detail into files read on demand",
    source="https://github.com/anthropics/claude-code/issues/56406",
)

# Only code review stops here; Copilot Chat and the coding agent read the whole file.
# One docs page dropped the sentence in early 2026 (github/docs#42761); the code review
# page still stated it afterwards (quoted in supabase/supabase#43926).
COPILOT_REVIEW = SizeLimit(
    product="Copilot code review",
    tools=frozenset({Tool.COPILOT, Tool.COPILOT_INSTRUCTIONS}),
    maximum=4_000,
    unit=Unit.CHARACTERS,
    truncates=False,
    statement=(
        "Copilot code review reads only the first {maximum} characters of an "
        "instruction file"
    ),
    effect="review ignores the rest, from here on (Chat and the coding agent read it)",
    source=(
        "https://docs.github.com/en/copilot/how-tos/use-copilot-agents/"
        "request-a-code-review/use-code-review"
    ),
)

LIMITS = (
    WINDSURF_RULE,
    WINDSURF_LEGACY,
    CODEX_CHAIN,
    CURSOR_RULE,
    CLAUDE_MEMORY,
    COPILOT_REVIEW,
)


def limits_for(tool: Tool) -> tuple[SizeLimit, ...]:
    """The published limits that apply to a kind of rules file."""
    return _BY_TOOL.get(tool, ())


_BY_TOOL: dict[Tool, tuple[SizeLimit, ...]] = {
    tool: tuple(limit for limit in LIMITS if tool in limit.tools) for tool in Tool
}
