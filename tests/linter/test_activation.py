"""Activation: rules nothing applies (LL105), scoping keys that do nothing (LL109)."""

from __future__ import annotations

import pytest

from linting import LintFiles

NEVER = {"activation-never"}
IGNORED = {"frontmatter-ignored-key"}
MDC = ".cursor/rules/rule.mdc"


def covered(text: str, start: int, end: int) -> str:
    return text[start:end]


# -- LL105 activation-never ----------------------------------------------------------


def test_cursor_rule_without_description_globs_or_always(lint_files: LintFiles) -> None:
    text = "---\ndescription:\nglobs:\nalwaysApply: false\n---\nBody.\n"
    findings = lint_files({MDC: text}, rules=NEVER)
    assert len(findings) == 1
    finding = findings[0]
    assert "@-mention" in finding.message
    assert (finding.start.line, finding.start.column) == (3, 13)
    assert covered(text, finding.start_offset, finding.end_offset) == "false"


def test_cursor_rule_without_any_front_matter(lint_files: LintFiles) -> None:
    findings = lint_files({MDC: "# Testing\nWrite tests.\n"}, rules=NEVER)
    assert len(findings) == 1
    assert (findings[0].start.line, findings[0].end.column) == (0, 9)


@pytest.mark.parametrize(
    "front",
    [
        "description: When writing tests\nglobs:\nalwaysApply: false\n",
        "description:\nglobs: src/**\nalwaysApply: false\n",
        "description:\nglobs:\nalwaysApply: true\n",
        'globs: ["tests/**"]\n',
    ],
)
def test_cursor_rules_that_activate_are_not_reported(
    lint_files: LintFiles, front: str
) -> None:
    assert lint_files({MDC: f"---\n{front}---\nBody.\n"}, rules=NEVER) == []


def test_copilot_instructions_without_apply_to(lint_files: LintFiles) -> None:
    path = ".github/instructions/style.instructions.md"
    findings = lint_files({path: "---\ndescription: Style\n---\nBody.\n"}, rules=NEVER)
    assert len(findings) == 1
    assert "applyTo" in findings[0].message
    assert (findings[0].start.line, findings[0].start.column) == (0, 0)


def test_copilot_instructions_with_apply_to(lint_files: LintFiles) -> None:
    path = ".github/instructions/style.instructions.md"
    text = '---\napplyTo: "**"\n---\nBody.\n'
    assert lint_files({path: text}, rules=NEVER) == []


def test_kiro_file_match_without_pattern(lint_files: LintFiles) -> None:
    text = "---\ninclusion: fileMatch\n---\nBody.\n"
    findings = lint_files({".kiro/steering/api.md": text}, rules=NEVER)
    assert len(findings) == 1
    assert (
        covered(text, findings[0].start_offset, findings[0].end_offset) == "fileMatch"
    )


def test_kiro_file_match_with_pattern_and_default_inclusion(
    lint_files: LintFiles,
) -> None:
    files = {
        ".kiro/steering/api.md": (
            '---\ninclusion: fileMatch\nfileMatchPattern: "api/**"\n---\nBody.\n'
        ),
        ".kiro/steering/tech.md": "# Tech\nPython 3.12.\n",
    }
    assert lint_files(files, rules=NEVER) == []


def test_kiro_auto_without_description(lint_files: LintFiles) -> None:
    text = "---\ninclusion: auto\nname: api\n---\nBody.\n"
    assert len(lint_files({".kiro/steering/api.md": text}, rules=NEVER)) == 1


def test_windsurf_glob_trigger_without_globs(lint_files: LintFiles) -> None:
    text = "---\ntrigger: glob\nglobs:\n---\nBody.\n"
    findings = lint_files({".windsurf/rules/py.md": text}, rules=NEVER)
    assert len(findings) == 1
    assert covered(text, findings[0].start_offset, findings[0].end_offset) == "glob"


def test_windsurf_model_decision_needs_a_description(lint_files: LintFiles) -> None:
    files = {
        ".windsurf/rules/a.md": "---\ntrigger: model_decision\n---\nBody.\n",
        ".windsurf/rules/b.md": (
            "---\ntrigger: model_decision\ndescription: For SQL work\n---\nBody.\n"
        ),
    }
    findings = lint_files(files, rules=NEVER)
    assert [f.path for f in findings] == [".windsurf/rules/a.md"]


def test_continue_rule_with_nothing_to_include_it_by(lint_files: LintFiles) -> None:
    files = {
        ".continue/rules/a.md": "---\nname: A\nalwaysApply: false\n---\nBody.\n",
        ".continue/rules/b.md": "---\nname: B\n---\nBody.\n",
    }
    findings = lint_files(files, rules=NEVER)
    assert [f.path for f in findings] == [".continue/rules/a.md"]


def test_claude_rule_without_paths_is_always_loaded(lint_files: LintFiles) -> None:
    files = {
        ".claude/rules/style.md": "# Style\nUse tabs.\n",
        ".clinerules/style.md": "# Style\nUse tabs.\n",
    }
    assert lint_files(files, rules=NEVER) == []


def test_unclosed_front_matter_is_left_to_frontmatter_invalid(
    lint_files: LintFiles,
) -> None:
    text = "---\ndescription:\nalwaysApply: false\n\nBody.\n"
    assert lint_files({MDC: text}, rules=NEVER) == []


# -- LL109 frontmatter-ignored-key -------------------------------------------------


def test_cursor_globs_ignored_when_always_applied(lint_files: LintFiles) -> None:
    text = "---\ndescription: x\nglobs: src/api/**\nalwaysApply: true\n---\nBody.\n"
    findings = lint_files({MDC: text}, rules=IGNORED)
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.start.line, finding.start.column) == (2, 7)
    assert covered(text, finding.start_offset, finding.end_offset) == "src/api/**"


@pytest.mark.parametrize(
    "front",
    [
        "globs: **/*\nalwaysApply: true\n",
        "globs:\nalwaysApply: true\n",
        "globs: src/**\nalwaysApply: false\n",
    ],
)
def test_cursor_globs_that_do_matter_or_match_all(
    lint_files: LintFiles, front: str
) -> None:
    assert lint_files({MDC: f"---\n{front}---\nBody.\n"}, rules=IGNORED) == []


def test_windsurf_globs_without_glob_trigger(lint_files: LintFiles) -> None:
    files = {
        ".windsurf/rules/a.md": "---\ntrigger: always_on\nglobs: '*.py'\n---\nBody.\n",
        ".windsurf/rules/b.md": "---\ntrigger: glob\nglobs: '*.py'\n---\nBody.\n",
    }
    findings = lint_files(files, rules=IGNORED)
    assert [f.path for f in findings] == [".windsurf/rules/a.md"]
    assert "always_on" in findings[0].message


def test_kiro_pattern_without_file_match_inclusion(lint_files: LintFiles) -> None:
    files = {
        ".kiro/steering/a.md": "---\nfileMatchPattern: '*.py'\n---\nBody.\n",
        ".kiro/steering/b.md": (
            "---\ninclusion: fileMatch\nfileMatchPattern: '*.py'\n---\nBody.\n"
        ),
    }
    findings = lint_files(files, rules=IGNORED)
    assert [f.path for f in findings] == [".kiro/steering/a.md"]
    assert "`always`" in findings[0].message


def test_continue_globs_ignored_when_always_applied(lint_files: LintFiles) -> None:
    text = "---\nname: A\nglobs: src/**\nalwaysApply: true\n---\nBody.\n"
    assert len(lint_files({".continue/rules/a.md": text}, rules=IGNORED)) == 1
