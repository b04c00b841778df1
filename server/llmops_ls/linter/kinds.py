"""Which assistant reads a file, recognised from its path the way each tool finds it."""

from __future__ import annotations

import enum
from pathlib import PurePosixPath


class Tool(enum.StrEnum):
    """The assistant (and file flavour) a rules file is written for."""

    CLAUDE = "claude"  # CLAUDE.md, CLAUDE.local.md, .claude/CLAUDE.md
    CLAUDE_RULES = "claude-rules"  # .claude/rules/**/*.md, with optional `paths`
    AGENTS = "agents"  # AGENTS.md (Codex and others)
    GEMINI = "gemini"
    COPILOT = "copilot"  # .github/copilot-instructions.md
    # .github/instructions/**/*.instructions.md
    COPILOT_INSTRUCTIONS = "copilot-instructions"
    COPILOT_PROMPT = "copilot-prompt"  # .github/prompts/*.prompt.md
    CURSOR_LEGACY = "cursor-legacy"  # .cursorrules
    CURSOR = "cursor"  # .cursor/rules/**/*.mdc (and any .mdc file)
    WINDSURF_LEGACY = "windsurf-legacy"  # .windsurfrules
    WINDSURF = "windsurf"  # .windsurf/rules/*.md
    CLINE = "cline"  # .clinerules file or .clinerules/**/*.md
    AIDER = "aider"  # CONVENTIONS.md
    KIRO = "kiro"  # .kiro/steering/*.md
    ZED = "zed"  # .rules
    CONTINUE = "continue"  # .continue/rules/*.md
    GENERIC = "generic"  # a Markdown file named explicitly that no tool claims
    POLICY = "policy"  # llmops-policy.toml, policy.toml: the organisation policy (TOML)

    @property
    def has_front_matter(self) -> bool:
        """Whether the tool reads a front-matter block at the top of the file."""
        return self in _FRONT_MATTER_TOOLS

    @property
    def is_rules_file(self) -> bool:
        """Whether an assistant reads the file (the policy is read by llmops-ls)."""
        return self is not Tool.POLICY

    @property
    def supports_imports(self) -> bool:
        """Whether the tool expands `@path` imports (Claude Code's and Gemini CLI's)."""
        return self in (Tool.CLAUDE, Tool.CLAUDE_RULES, Tool.GEMINI)


#: File names of the organisation policy; a `policy.toml` is only linted as one when
#: it declares tiers (see `checks.policy`).
POLICY_FILE_NAMES = frozenset({"llmops-policy.toml", "policy.toml"})

_FRONT_MATTER_TOOLS = frozenset(
    {
        Tool.CLAUDE_RULES,
        Tool.COPILOT_INSTRUCTIONS,
        Tool.COPILOT_PROMPT,
        Tool.CURSOR,
        Tool.WINDSURF,
        Tool.CLINE,
        Tool.KIRO,
        Tool.CONTINUE,
    }
)


def classify(relative_path: str) -> Tool | None:
    """Recognise a rules file from its path relative to the workspace root."""
    path = PurePosixPath(relative_path.replace("\\", "/"))
    name = path.name
    parts = path.parts[:-1]
    lower = name.lower()

    if lower.endswith(".mdc"):
        return Tool.CURSOR
    if name in ("CLAUDE.md", "CLAUDE.local.md"):
        return Tool.CLAUDE
    if name in ("AGENTS.md", "AGENTS.override.md"):
        return Tool.AGENTS
    if name == "GEMINI.md":
        return Tool.GEMINI
    if name == ".cursorrules":
        return Tool.CURSOR_LEGACY
    if name == ".windsurfrules":
        return Tool.WINDSURF_LEGACY
    if name == ".clinerules":
        return Tool.CLINE
    if name == "CONVENTIONS.md":
        return Tool.AIDER
    if name == ".rules":
        return Tool.ZED
    if name in POLICY_FILE_NAMES:
        return Tool.POLICY
    if not lower.endswith(".md"):
        return None
    return _classify_in_folder(parts, name)


def _classify_in_folder(parts: tuple[str, ...], name: str) -> Tool | None:
    if _under(parts, ".claude", "rules"):
        return Tool.CLAUDE_RULES
    if _under(parts, ".github", "instructions") and name.endswith(".instructions.md"):
        return Tool.COPILOT_INSTRUCTIONS
    if _under(parts, ".github", "prompts") and name.endswith(".prompt.md"):
        return Tool.COPILOT_PROMPT
    if parts[-1:] == (".github",) and name == "copilot-instructions.md":
        return Tool.COPILOT
    if _under(parts, ".windsurf", "rules"):
        return Tool.WINDSURF
    if ".clinerules" in parts:
        return Tool.CLINE
    if _under(parts, ".kiro", "steering"):
        return Tool.KIRO
    if _under(parts, ".continue", "rules"):
        return Tool.CONTINUE
    return None


def _under(parts: tuple[str, ...], first: str, second: str) -> bool:
    """Whether `first/second/` appears in the folder parts."""
    return any(
        parts[i] == first and parts[i + 1] == second for i in range(len(parts) - 1)
    )


def project_root_of(relative_path: str, tool: Tool) -> PurePosixPath | None:
    """The folder a scoped rule's globs are matched from, when the path shows it.

    For `.cursor/rules/x.mdc` that is the folder holding `.cursor`; a loose `.mdc`
    file outside a rules folder has no project to match against and gives None.
    """
    path = PurePosixPath(relative_path)
    anchors = {
        Tool.CURSOR: ".cursor",
        Tool.CLAUDE_RULES: ".claude",
        Tool.COPILOT_INSTRUCTIONS: ".github",
        Tool.WINDSURF: ".windsurf",
        Tool.KIRO: ".kiro",
        Tool.CONTINUE: ".continue",
        Tool.CLINE: ".clinerules",
    }
    anchor = anchors.get(tool)
    if anchor is None:
        return None
    parts = path.parts
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == anchor:
            return PurePosixPath(*parts[:i]) if i else PurePosixPath(".")
    return None
