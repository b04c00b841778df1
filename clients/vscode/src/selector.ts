// Which files the server is started for: every rules file an assistant reads, the
// organisation policy and the project file, as the server's own classifier knows them
// (server/llmops_ls/linter/kinds.py).
import type { DocumentFilter } from "vscode-languageclient/node";

/** Glob patterns of the files llmops-ls lints, relative to any folder. */
export const RULES_FILE_PATTERNS: readonly string[] = [
  "**/CLAUDE.md",
  "**/CLAUDE.local.md",
  "**/AGENTS.md",
  "**/AGENTS.override.md",
  "**/GEMINI.md",
  "**/CONVENTIONS.md",
  "**/.cursorrules",
  "**/.windsurfrules",
  "**/.clinerules",
  "**/.rules",
  "**/*.mdc",
  "**/.github/copilot-instructions.md",
  "**/.github/instructions/**/*.instructions.md",
  "**/.github/prompts/**/*.prompt.md",
  "**/.claude/rules/**/*.md",
  "**/.windsurf/rules/**/*.md",
  "**/.clinerules/**/*.md",
  "**/.kiro/steering/**/*.md",
  "**/.continue/rules/**/*.md",
];

/** The organisation policy and the project file; their errors are diagnostics too. */
export const CONFIG_FILE_PATTERNS: readonly string[] = [
  "**/llmops-policy.toml",
  "**/policy.toml",
  "**/.llmops.toml",
  "**/pyproject.toml",
];

/**
 * The language client's document selector.
 *
 * Markdown files are all sent because an imported file (`@docs/api.md`) is linted and
 * hovered as part of its importer's load chain; the server ignores the others. With
 * `allFiles`, every file on disk is sent so that inline completions reach code too.
 */
export function documentSelector(allFiles: boolean): DocumentFilter[] {
  if (allFiles) {
    return [{ scheme: "file" }];
  }
  return [
    { scheme: "file", language: "markdown" },
    ...[...RULES_FILE_PATTERNS, ...CONFIG_FILE_PATTERNS].map((pattern) => ({
      scheme: "file",
      pattern,
    })),
  ];
}
