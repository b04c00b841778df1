"""The front-matter keys each tool reads, as data: names, value kinds, allowed values.

Checks validate against these schemas and the language server completes keys and
values from them, so each entry says what the tool's own documentation says. A tool
whose files have no front matter has no schema (`schema_for` gives None).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from llmops_ls.linter.kinds import Tool


class ValueKind(enum.StrEnum):
    """The shape of value a key takes."""

    STRING = "string"
    BOOLEAN = "boolean"
    ENUM = "enum"  # one of `KeySpec.allowed`
    GLOBS = "globs"  # glob patterns: a comma-separated string and/or a list
    STRING_LIST = "string-list"  # a list of names (or a comma-separated string)


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One front-matter key of one tool.

    `allowed` lists the values of an enum; when `open` is set they are suggestions
    (the tool also accepts names defined elsewhere, such as custom agents). For lists,
    `accepts_string` and `accepts_list` say which spellings the tool reads.
    `mistaken_for` names keys of other tools that people write meaning this one.
    """

    name: str
    kind: ValueKind
    doc: str
    allowed: tuple[str, ...] = ()
    open: bool = False
    accepts_string: bool = True
    accepts_list: bool = True
    mistaken_for: tuple[str, ...] = ()
    deprecated_by: str | None = None


@dataclass(frozen=True, slots=True)
class Schema:
    """The keys one tool reads from a rules file's front matter."""

    tool: Tool
    keys: tuple[KeySpec, ...]
    doc: str

    def key(self, name: str) -> KeySpec | None:
        """The spec of a key, by its exact name."""
        for spec in self.keys:
            if spec.name == name:
                return spec
        return None

    @property
    def names(self) -> tuple[str, ...]:
        """The key names, in documentation order."""
        return tuple(spec.name for spec in self.keys)

    def glob_keys(self) -> tuple[KeySpec, ...]:
        """The keys whose values are glob patterns."""
        return tuple(spec for spec in self.keys if spec.kind is ValueKind.GLOBS)


def _description(doc: str) -> KeySpec:
    return KeySpec("description", ValueKind.STRING, doc)


_GLOB_KEYS = ("globs", "paths", "applyTo", "fileMatchPattern", "glob", "files")

_CURSOR = Schema(
    Tool.CURSOR,
    (
        _description(
            "What the rule is for; the agent reads it to decide whether to attach a "
            "rule that is neither always applied nor matched by globs."
        ),
        KeySpec(
            "globs",
            ValueKind.GLOBS,
            "Patterns of files that attach the rule when they are in context; one "
            "comma-separated string (unquoted `**/*.ts, src/**` is fine) or a list.",
            mistaken_for=_GLOB_KEYS,
        ),
        KeySpec(
            "alwaysApply",
            ValueKind.BOOLEAN,
            "`true` sends the rule with every request (globs are then ignored).",
            allowed=("true", "false"),
        ),
    ),
    "Cursor project rule (.cursor/rules/*.mdc)",
)

_COPILOT_INSTRUCTIONS = Schema(
    Tool.COPILOT_INSTRUCTIONS,
    (
        KeySpec(
            "applyTo",
            ValueKind.GLOBS,
            "Comma-separated glob patterns, relative to the workspace root, of the "
            "files the instructions apply to; `**` for all files. Without it the file "
            "is not applied automatically.",
            accepts_list=False,
            mistaken_for=_GLOB_KEYS,
        ),
        _description("A short description shown on hover in the chat view."),
        KeySpec("name", ValueKind.STRING, "Display name; defaults to the file name."),
        KeySpec(
            "excludeAgent",
            ValueKind.ENUM,
            "Keep the file from one agent: `code-review` or `coding-agent`.",
            allowed=("code-review", "coding-agent"),
        ),
    ),
    "Copilot path-specific instructions (.github/instructions/*.instructions.md)",
)

_PROMPT_AGENTS = ("ask", "edit", "agent")

_COPILOT_PROMPT = Schema(
    Tool.COPILOT_PROMPT,
    (
        _description("A short description of what the prompt does."),
        KeySpec(
            "name", ValueKind.STRING, "The name typed after `/` to run the prompt."
        ),
        KeySpec(
            "argument-hint",
            ValueKind.STRING,
            "Hint shown in the chat input about the arguments the prompt expects.",
        ),
        KeySpec(
            "agent",
            ValueKind.ENUM,
            "The agent that runs the prompt: `ask`, `edit`, `agent`, or the name of a "
            "custom agent.",
            allowed=_PROMPT_AGENTS,
            open=True,
        ),
        KeySpec(
            "mode",
            ValueKind.ENUM,
            "Older name of `agent`: `ask`, `edit` or `agent`.",
            allowed=_PROMPT_AGENTS,
            open=True,
            deprecated_by="agent",
        ),
        KeySpec(
            "model", ValueKind.STRING, "The language model to run the prompt with."
        ),
        KeySpec(
            "tools",
            ValueKind.STRING_LIST,
            "Names of the tools or tool sets the prompt may use.",
            accepts_string=False,
        ),
    ),
    "GitHub Copilot prompt file (.github/prompts/*.prompt.md)",
)

_CLAUDE_RULES = Schema(
    Tool.CLAUDE_RULES,
    (
        KeySpec(
            "paths",
            ValueKind.GLOBS,
            "Glob patterns of the files the rule applies to; without it the rule is "
            "loaded in every session, like CLAUDE.md.",
            mistaken_for=_GLOB_KEYS,
        ),
        _description("What the rule is about (informational)."),
    ),
    "Claude Code rule (.claude/rules/*.md)",
)

_WINDSURF = Schema(
    Tool.WINDSURF,
    (
        KeySpec(
            "trigger",
            ValueKind.ENUM,
            "When the rule is active: `always_on`, `manual` (when @-mentioned), "
            "`model_decision` (the model decides from the description) or `glob`.",
            allowed=("always_on", "manual", "model_decision", "glob"),
            mistaken_for=("inclusion", "activation", "mode", "type"),
        ),
        KeySpec(
            "globs",
            ValueKind.GLOBS,
            "Patterns of files that activate a `trigger: glob` rule.",
            mistaken_for=_GLOB_KEYS,
        ),
        _description("What the rule is for; read by `trigger: model_decision`."),
    ),
    "Windsurf rule (.windsurf/rules/*.md)",
)

_KIRO = Schema(
    Tool.KIRO,
    (
        KeySpec(
            "inclusion",
            ValueKind.ENUM,
            "When the steering file is included: `always` (the default), `fileMatch` "
            "(with fileMatchPattern), `manual` (when referenced with #) or `auto` "
            "(Kiro decides from name and description).",
            allowed=("always", "fileMatch", "manual", "auto"),
            mistaken_for=("trigger", "activation", "mode", "type"),
        ),
        KeySpec(
            "fileMatchPattern",
            ValueKind.GLOBS,
            "Glob pattern (or list of patterns) for `inclusion: fileMatch`.",
            mistaken_for=_GLOB_KEYS,
        ),
        KeySpec("name", ValueKind.STRING, "Name of the steering file for `auto`."),
        _description("What the steering file covers; read by `inclusion: auto`."),
    ),
    "Kiro steering file (.kiro/steering/*.md)",
)

_CLINE = Schema(
    Tool.CLINE,
    (
        KeySpec(
            "paths",
            ValueKind.GLOBS,
            "Glob patterns that make the rule conditional: it is active only while "
            "matching files are in context.",
            mistaken_for=_GLOB_KEYS,
        ),
    ),
    "Cline rule (.clinerules/*.md)",
)

_CONTINUE = Schema(
    Tool.CONTINUE,
    (
        KeySpec("name", ValueKind.STRING, "Display name of the rule."),
        KeySpec(
            "globs",
            ValueKind.GLOBS,
            "Patterns of files that include the rule when they are in context.",
            mistaken_for=_GLOB_KEYS,
        ),
        KeySpec(
            "regex",
            ValueKind.STRING_LIST,
            "Regular expressions matched against file contents to include the rule.",
        ),
        _description(
            "What the rule is for; the agent reads it when alwaysApply is false."
        ),
        KeySpec(
            "alwaysApply",
            ValueKind.BOOLEAN,
            "`true` always includes the rule; `false` includes it on matching globs "
            "or when the agent asks for it; unset includes it when it has no globs "
            "or they match.",
            allowed=("true", "false"),
        ),
    ),
    "Continue rule (.continue/rules/*.md)",
)

_SCHEMAS = {
    schema.tool: schema
    for schema in (
        _CURSOR,
        _COPILOT_INSTRUCTIONS,
        _COPILOT_PROMPT,
        _CLAUDE_RULES,
        _WINDSURF,
        _KIRO,
        _CLINE,
        _CONTINUE,
    )
}


def schema_for(tool: Tool) -> Schema | None:
    """The front-matter schema of a tool; None when its files have no front matter."""
    return _SCHEMAS.get(tool)


def all_schemas() -> tuple[Schema, ...]:
    """Every schema, for documentation and completion."""
    return tuple(_SCHEMAS.values())
