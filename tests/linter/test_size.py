"""Size checks: token budgets (token-budget) and tools' published limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from linting import LintFiles
from llmops_ls.linter import tokens
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding, Severity
from llmops_ls.linter.settings import LintSettings, TokenBudgets
from llmops_ls.linter.workspace import Workspace

BUDGET = {"token-budget"}
LIMIT = {"tool-size-limit"}

CURSOR_FRONT = "---\ndescription: d\nglobs: src/**\nalwaysApply: false\n---\n"
ALWAYS_FRONT = "---\ndescription: d\nalwaysApply: true\n---\n"


@pytest.fixture(autouse=True)
def private_token_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts go to a throw-away cache; nothing is loaded or remembered from before."""
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_memory", {})
    disk = tokens._DiskCache()
    disk.configure(tmp_path / "token-cache")
    monkeypatch.setattr(tokens, "_disk", disk)


def budgets(file_tokens: int = 8000, chain_tokens: int = 20000) -> LintSettings:
    return LintSettings(budgets=TokenBudgets(file_tokens, chain_tokens))


def lines(count: int, width: int = 9) -> str:
    """`count` lines of `width` characters plus a newline each."""
    return ("x" * width + "\n") * count


def where(finding: Finding) -> tuple[int, int]:
    return finding.start.line, finding.start.column


# -- token budget: one file ------------------------------------------------------------


def test_file_over_the_token_budget_is_reported_with_its_count(
    lint_files: LintFiles,
) -> None:
    text = "# Data\n\n" + ",".join(["0"] * 4100) + "\n"  # 1 token per character
    findings = lint_files({"AGENTS.md": text}, rules=BUDGET)
    assert len(findings) == 1
    expected = tokens.count_tokens(text)
    assert expected > 8000
    message = findings[0].message
    assert f"{expected:,} tokens" in message
    assert "8,000" in message and "o200k_base" in message
    assert findings[0].severity is Severity.WARNING


def test_file_exactly_at_the_budget_is_fine(lint_files: LintFiles) -> None:
    text = "hello world\n"
    assert tokens.count_tokens(text) == 3
    assert lint_files({"AGENTS.md": text}, rules=BUDGET, settings=budgets(3)) == []


def test_file_one_token_over_the_budget_is_reported(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"AGENTS.md": "hello world\n"}, rules=BUDGET, settings=budgets(2)
    )
    assert len(findings) == 1
    assert findings[0].message.startswith("3 tokens")


def test_finding_sits_on_the_first_line_after_front_matter(
    lint_files: LintFiles,
) -> None:
    text = CURSOR_FRONT + "\n# Payments\n\nUse the ledger for every refund.\n"
    findings = lint_files(
        {".cursor/rules/pay.mdc": text}, rules=BUDGET, settings=budgets(3)
    )
    assert len(findings) == 1
    assert where(findings[0]) == (6, 0)
    assert (findings[0].end.line, findings[0].end.column) == (6, len("# Payments"))


def test_front_matter_is_not_counted_for_tools_that_strip_it(
    lint_files: LintFiles,
) -> None:
    body = "# Payments\n"
    text = CURSOR_FRONT + body
    limit = tokens.count_tokens(body)
    assert tokens.count_tokens(text) > limit
    assert (
        lint_files(
            {".cursor/rules/pay.mdc": text}, rules=BUDGET, settings=budgets(limit)
        )
        == []
    )


def test_claude_counts_are_called_estimates(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"CLAUDE.md": "hello world\n"}, rules=BUDGET, settings=budgets(1)
    )
    assert "an estimate for Claude" in findings[0].message


def test_no_encoding_is_loaded_when_every_file_fits_in_bytes(
    lint_files: LintFiles,
) -> None:
    almost = "word " * 1599 + "\n"  # 7,996 bytes: under 8,000 tokens for certain
    findings = lint_files(
        {
            "CLAUDE.md": "# Rules\n\nRun `make test`.\n",
            "AGENTS.md": almost,
            ".cursor/rules/a.mdc": ALWAYS_FRONT + almost,
            ".cursor/rules/b.mdc": CURSOR_FRONT + "Use tabs.\n",
        },
        rules=BUDGET,
    )
    assert findings == []
    assert tokens.loaded_encodings() == frozenset()


# -- token budget: load chains ---------------------------------------------------------


def test_chain_over_the_budget_names_its_largest_files(lint_files: LintFiles) -> None:
    always = ALWAYS_FRONT + "# House style\n\n" + "Prefer small functions. " * 20 + "\n"
    scoped = CURSOR_FRONT + "# Payments\n\nUse the ledger.\n"
    findings = lint_files(
        {".cursor/rules/always.mdc": always, ".cursor/rules/pay.mdc": scoped},
        rules=BUDGET,
        settings=budgets(file_tokens=1000, chain_tokens=50),
    )
    on_pay = [f for f in findings if f.path.endswith("pay.mdc")]
    assert len(on_pay) == 1
    message = on_pay[0].message
    assert message.startswith("with the file loaded along with it, this file costs")
    assert "50" in message and message.index("always.mdc") < message.index("pay.mdc")
    assert [r.path for r in on_pay[0].related] == [".cursor/rules/always.mdc"]
    assert where(on_pay[0]) == (5, 0)


def test_chain_exactly_at_the_budget_is_fine(lint_files: LintFiles) -> None:
    always_body = "# House style\n"
    scoped_body = "# Payments\n"
    total = tokens.count_tokens(always_body) + tokens.count_tokens(scoped_body)
    findings = lint_files(
        {
            ".cursor/rules/always.mdc": ALWAYS_FRONT + always_body,
            ".cursor/rules/pay.mdc": CURSOR_FRONT + scoped_body,
        },
        rules=BUDGET,
        settings=budgets(file_tokens=1000, chain_tokens=total),
    )
    assert findings == []


def test_a_file_alone_is_left_to_the_file_budget(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"AGENTS.md": "hello world\n"},
        rules=BUDGET,
        settings=budgets(file_tokens=1000, chain_tokens=1),
    )
    assert findings == []


def test_chain_is_taken_from_load_chain(
    lint_files: LintFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmops_ls.linter.checks import size

    def fake_chain(doc: RulesDocument, workspace: Workspace) -> list[RulesDocument]:
        others = [workspace.document(workspace.root / "docs" / "big.md")]
        return [doc, *others] if doc.relative == "CLAUDE.md" else [doc]

    monkeypatch.setattr(size, "load_chain", fake_chain)
    findings = lint_files(
        {"CLAUDE.md": "See docs.\n", "docs/big.md": "hello world " * 30},
        rules=BUDGET,
        settings=budgets(file_tokens=1000, chain_tokens=40),
    )
    assert len(findings) == 1
    assert "docs/big.md 61" in findings[0].message


# -- published limits ------------------------------------------------------------------


def test_windsurf_rule_at_12000_characters_is_fine(lint_files: LintFiles) -> None:
    text = lines(1200)  # 12,000 characters
    assert lint_files({".windsurf/rules/style.md": text}, rules=LIMIT) == []


def test_windsurf_rule_one_character_over_is_an_error_where_it_is_cut(
    lint_files: LintFiles,
) -> None:
    findings = lint_files({".windsurf/rules/style.md": lines(1200) + "y"}, rules=LIMIT)
    assert len(findings) == 1
    assert findings[0].severity is Severity.ERROR
    assert where(findings[0]) == (1200, 0)
    assert "12,000" in findings[0].message and "12,001" in findings[0].message


def test_windsurf_front_matter_does_not_count_toward_the_limit(
    lint_files: LintFiles,
) -> None:
    front = "---\ntrigger: always_on\n---\n"
    path = ".windsurf/rules/style.md"
    assert lint_files({path: front + lines(1200)}, rules=LIMIT) == []
    findings = lint_files({path: front + lines(1200) + "y"}, rules=LIMIT)
    assert where(findings[0]) == (1203, 0)
    assert "12,001 after its front matter" in findings[0].message


def test_windsurfrules_file_is_cut_at_6000_characters(lint_files: LintFiles) -> None:
    assert lint_files({".windsurfrules": lines(600)}, rules=LIMIT) == []
    findings = lint_files({".windsurfrules": lines(600) + "y\n"}, rules=LIMIT)
    assert [(f.severity, where(f)) for f in findings] == [(Severity.ERROR, (600, 0))]


def test_limit_inside_a_line_marks_the_rest_of_that_line(lint_files: LintFiles) -> None:
    findings = lint_files(
        {".windsurfrules": "x" * 5995 + "\n" + "tail of rules\n"}, rules=LIMIT
    )
    assert where(findings[0]) == (1, 4)
    assert (findings[0].end.line, findings[0].end.column) == (1, len("tail of rules"))


def test_cursor_rule_of_500_lines_is_fine(lint_files: LintFiles) -> None:
    text = CURSOR_FRONT + lines(495)
    assert lint_files({".cursor/rules/big.mdc": text}, rules=LIMIT) == []


def test_cursor_rule_of_501_lines_is_a_warning_on_line_501(
    lint_files: LintFiles,
) -> None:
    text = CURSOR_FRONT + lines(496)
    findings = lint_files({".cursor/rules/big.mdc": text}, rules=LIMIT)
    assert [(f.severity, where(f)) for f in findings] == [(Severity.WARNING, (500, 0))]
    assert "500 lines" in findings[0].message and "501" in findings[0].message


def test_claude_md_over_40000_characters_is_a_warning(lint_files: LintFiles) -> None:
    assert lint_files({"CLAUDE.md": lines(4000)}, rules=LIMIT) == []
    findings = lint_files({"CLAUDE.md": lines(4000) + "y"}, rules=LIMIT)
    assert [(f.severity, where(f)) for f in findings] == [(Severity.WARNING, (4000, 0))]
    assert "Claude Code" in findings[0].message


@pytest.mark.parametrize(
    "path",
    [".github/copilot-instructions.md", ".github/instructions/a.instructions.md"],
)
def test_copilot_review_reads_4000_characters(lint_files: LintFiles, path: str) -> None:
    assert lint_files({path: lines(400)}, rules=LIMIT) == []
    findings = lint_files({path: lines(400) + "y"}, rules=LIMIT)
    assert [(f.severity, where(f)) for f in findings] == [(Severity.WARNING, (400, 0))]
    assert "code review" in findings[0].message


def test_tools_without_a_published_limit_are_not_checked(lint_files: LintFiles) -> None:
    big = lines(10_000)
    findings = lint_files({"GEMINI.md": big, ".clinerules": big}, rules=LIMIT)
    assert findings == []


def test_chosen_severity_overrides_the_error(lint_files: LintFiles) -> None:
    settings = LintSettings(severity={"tool-size-limit": Severity.INFO})
    findings = lint_files(
        {".windsurfrules": lines(601)}, rules=LIMIT, settings=settings
    )
    assert [f.severity for f in findings] == [Severity.INFO]


# -- Codex: one byte budget over the AGENTS.md chain ----------------------------------


def test_agents_md_of_32768_bytes_is_fine(lint_files: LintFiles) -> None:
    assert lint_files({"AGENTS.md": lines(3276) + "x" * 7 + "\n"}, rules=LIMIT) == []


def test_agents_md_one_byte_over_is_cut_there(lint_files: LintFiles) -> None:
    text = lines(3276) + "x" * 8 + "\n"  # 32,769 bytes
    findings = lint_files({"AGENTS.md": text}, rules=LIMIT)
    assert [(f.severity, where(f)) for f in findings] == [(Severity.ERROR, (3276, 8))]
    assert "32,768 bytes" in findings[0].message


def test_bytes_of_agents_files_above_count_first(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"AGENTS.md": lines(2000), "pkg/AGENTS.md": lines(1300)},  # 20,000 + 13,000
        rules=LIMIT,
    )
    assert len(findings) == 1
    finding = findings[0]
    assert finding.path == "pkg/AGENTS.md"
    assert where(finding) == (1276, 8)  # 12,768 bytes into the file
    assert "use 20,000" in finding.message
    assert [r.path for r in finding.related] == ["AGENTS.md"]


def test_agents_files_above_that_fill_the_budget_leave_nothing(
    lint_files: LintFiles,
) -> None:
    findings = lint_files(
        {"AGENTS.md": lines(3277), "pkg/AGENTS.md": "Use pnpm.\n"}, rules=LIMIT
    )
    by_path = {f.path: f for f in findings}
    assert where(by_path["pkg/AGENTS.md"]) == (0, 0)
    assert "none of this one is read" in by_path["pkg/AGENTS.md"].message


def test_the_cut_falls_on_a_character_boundary(lint_files: LintFiles) -> None:
    text = "é" * 16_384 + "é\n"  # two bytes each: the limit falls after 16,384 of them
    findings = lint_files({"AGENTS.md": text}, rules=LIMIT)
    assert where(findings[0]) == (0, 16_384)


def test_override_is_read_instead_of_agents_md(lint_files: LintFiles) -> None:
    findings = lint_files(
        {
            "AGENTS.md": lines(2000),
            "pkg/AGENTS.override.md": lines(1300),
            "pkg/AGENTS.md": lines(5000),
        },
        rules=LIMIT,
    )
    assert [f.path for f in findings] == ["pkg/AGENTS.override.md"]


def test_blank_agents_files_take_no_budget(lint_files: LintFiles) -> None:
    findings = lint_files(
        {
            "AGENTS.override.md": "\n\n",
            "AGENTS.md": lines(5000),
            "pkg/AGENTS.md": lines(3276),
        },
        rules=LIMIT,
    )
    assert findings == []


def test_nested_git_repository_starts_a_new_chain(lint_files: LintFiles) -> None:
    findings = lint_files(
        {
            "AGENTS.md": lines(3000),
            "vendor/lib/.git/HEAD": "ref\n",
            "vendor/lib/AGENTS.md": lines(1000),
        },
        rules=LIMIT,
    )
    assert findings == []
