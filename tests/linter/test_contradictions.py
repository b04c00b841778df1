from linting import LintFiles

RULE = {"contradiction"}


def test_package_managers_prescribed_twice_contradict(lint_files: LintFiles) -> None:
    text = "# Setup\n\n- Use pnpm for dependencies.\n- Run `npm install` first.\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULE)
    assert len(findings) == 1
    (finding,) = findings
    assert finding.start.line == 3
    assert "use npm" in finding.message and "use pnpm" in finding.message
    assert finding.related[0].start.line == 2


def test_one_sentence_naming_the_rejected_option_is_consistent(
    lint_files: LintFiles,
) -> None:
    text = "- Use pnpm, never npm.\n- Use pnpm instead of npm or yarn.\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_npm_inside_pnpm_is_not_npm(lint_files: LintFiles) -> None:
    text = "- Use pnpm.\n- Run `pnpm install` after pulling.\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_forbidden_then_prescribed_manager_contradicts(lint_files: LintFiles) -> None:
    text = "- Never use yarn.\n- Run `yarn add` to add packages.\n"
    findings = lint_files({"AGENTS.md": text}, rules=RULE)
    assert [f.start.line for f in findings] == [1]
    assert "never use yarn" in findings[0].message


def test_mentions_in_code_blocks_are_not_directives(lint_files: LintFiles) -> None:
    text = "- Use pnpm.\n\n```sh\nnpm install\n```\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_npm_as_a_registry_is_not_a_choice(lint_files: LintFiles) -> None:
    text = "- Use pnpm.\n- Use npm packages with care.\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_alternatives_in_one_sentence_are_not_a_choice(lint_files: LintFiles) -> None:
    text = "- Use yarn.\n- Install with `npm install` or `yarn add`.\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_tabs_and_spaces_for_indentation_contradict(lint_files: LintFiles) -> None:
    text = "- Indent with tabs.\n- Use spaces for indentation.\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULE)
    assert len(findings) == 1
    assert "tabs for indentation" in findings[0].message


def test_two_and_four_space_indentation_contradict(lint_files: LintFiles) -> None:
    text = "- Use 2-space indentation.\n- Indent with four spaces.\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULE)
    assert len(findings) == 1
    assert "4-space" in findings[0].message and "2-space" in findings[0].message


def test_widths_for_different_languages_do_not_contradict(
    lint_files: LintFiles,
) -> None:
    text = (
        "## Python\n\n- Indent with 4 spaces.\n\n"
        "## TypeScript\n\n- Indent with 2 spaces.\n\n"
        "Java:\nIndent code with four spaces.\n\n"
        "JavaScript:\nIndent code with two spaces.\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_single_and_double_quotes_contradict(lint_files: LintFiles) -> None:
    text = "- Use single quotes for strings.\n- Always use double quotes.\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULE)
    assert len(findings) == 1
    assert "double quotes" in findings[0].message


def test_quotes_for_jsx_attributes_are_a_separate_rule(lint_files: LintFiles) -> None:
    text = "- Use single quotes.\n- Use double quotes for JSX attributes.\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_semicolons_and_no_semicolons_contradict(lint_files: LintFiles) -> None:
    text = "- Always use semicolons.\n- No semicolons at the end of statements.\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULE)
    assert len(findings) == 1
    assert "no semicolons" in findings[0].message


def test_jest_and_vitest_both_prescribed_contradict(lint_files: LintFiles) -> None:
    text = "- Use Jest for unit tests.\n- Write tests using Vitest.\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULE)
    assert len(findings) == 1


def test_jest_dom_with_vitest_is_not_jest(lint_files: LintFiles) -> None:
    text = "- Use Vitest.\n- Use jest-dom matchers.\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_always_and_never_on_the_same_action_contradict(lint_files: LintFiles) -> None:
    text = "- Always use default exports.\n- Never use default exports.\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULE)
    assert len(findings) == 1
    assert findings[0].start.line == 1
    assert "use default exports" in findings[0].message


def test_plain_imperative_against_dont_contradicts(lint_files: LintFiles) -> None:
    text = "- Don't use `any` in new code.\n- Use `any` in new code.\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULE)
    assert len(findings) == 1


def test_different_actions_do_not_contradict(lint_files: LintFiles) -> None:
    text = "- Never use default exports.\n- Use default exports for pages.\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_items_under_a_dont_heading_are_not_positive(lint_files: LintFiles) -> None:
    text = (
        "## Security\n- Never use `eval()` in templates\n\n"
        "## Do NOT\n- Use `eval()` in templates\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []


def test_contradiction_with_an_imported_file_points_there(
    lint_files: LintFiles,
) -> None:
    files = {
        "CLAUDE.md": "# Project\n\nSee @docs/style.md\n\n- Use double quotes.\n",
        "docs/style.md": "# Style\n\n- Use single quotes.\n",
    }
    findings = lint_files(files, rules=RULE)
    assert len(findings) == 1
    (finding,) = findings
    assert finding.path == "CLAUDE.md"
    assert "docs/style.md" in finding.message
    assert finding.related[0].path == "docs/style.md"
    assert finding.related[0].start.line == 2


def test_always_applied_cursor_rules_are_compared(lint_files: LintFiles) -> None:
    files = {
        ".cursor/rules/base.mdc": "---\nalwaysApply: true\n---\n- Use npm.\n",
        ".cursor/rules/ts.mdc": "---\nglobs: src/**\n---\n- Use yarn to add things.\n",
    }
    findings = lint_files(files, rules=RULE)
    assert [f.path for f in findings] == [".cursor/rules/ts.mdc"]
    assert findings[0].related[0].path == ".cursor/rules/base.mdc"


def test_a_legacy_section_holds_rules_not_prohibitions(lint_files: LintFiles) -> None:
    text = (
        "## Web app\n\n- Use vitest for unit tests.\n\n"
        "## Legacy admin panel\n\n- Use vitest for unit tests here too.\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules=RULE) == []
