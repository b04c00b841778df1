"""Front matter: the tolerant parser, the schemas, and checks LL101-LL104 and LL108."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linting import LintFiles, run_lint, write_tree
from llmops_ls.linter.finding import Finding, Fix
from llmops_ls.linter.frontmatter import (
    STYLE_BLOCK,
    STYLE_EMPTY,
    STYLE_FLOW,
    STYLE_LITERAL,
    STYLE_MAPPING,
    parse,
    parse_scalar,
    parse_value,
    split_commas,
)
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.schemas import ValueKind, all_schemas, schema_for

MDC = ".cursor/rules/rule.mdc"


def apply_fix(text: str, fix: Fix) -> str:
    """The text after a fix's edits (applied from the end so offsets stay valid)."""
    for edit in sorted(fix.edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.new_text + text[edit.end :]
    return text


def covered(text: str, finding: Finding) -> str:
    return text[finding.start_offset : finding.end_offset]


def mdc(front: str, body: str = "Use early returns.\n") -> str:
    return f"---\n{front}---\n{body}"


# -- parser ------------------------------------------------------------------------


def test_parser_keeps_cursor_unquoted_globs_as_one_string() -> None:
    front = parse("globs: **/*.ts, src/**\n", 4)
    entry = front.entries["globs"]
    assert entry.value == "**/*.ts, src/**"
    assert (entry.value_start, entry.value_end) == (11, 26)
    assert not front.problems


def test_parser_reads_block_list_items_with_their_offsets() -> None:
    body = 'paths:\n  - "src/**"  # api\n  - lib/*.py\n'
    front = parse(body, 0)
    entry = front.entries["paths"]
    assert entry.style == STYLE_BLOCK
    assert entry.value == ["src/**", "lib/*.py"]
    assert [body[i.start : i.end] for i in entry.items] == ['"src/**"', "lib/*.py"]
    assert entry.items[0].quoted


def test_parser_reads_flow_list_spanning_lines() -> None:
    body = 'globs: [\n  "a/**",\n  "b/**"\n]\nalwaysApply: true\n'
    front = parse(body, 0)
    entry = front.entries["globs"]
    assert entry.style == STYLE_FLOW
    assert entry.value == ["a/**", "b/**"]
    assert [body[i.start : i.end] for i in entry.items] == ['"a/**"', '"b/**"']
    assert front.entries["alwaysApply"].value is True
    assert not front.problems


def test_parser_folds_continued_plain_scalar() -> None:
    front = parse("description: first part\n  second part\nglobs:\n", 0)
    assert front.entries["description"].value == "first part second part"
    assert front.entries["globs"].style == STYLE_EMPTY


def test_parser_reads_literal_block_and_nested_mapping() -> None:
    front = parse("description: |\n  one\n  two\nmeta:\n  a: 1\n  b: 2\n", 0)
    assert front.entries["description"].style == STYLE_LITERAL
    assert front.entries["description"].value == "one\ntwo"
    assert front.entries["meta"].style == STYLE_MAPPING
    assert not front.problems


def test_parser_reports_unreadable_line_and_unclosed_quote() -> None:
    front = parse('this is prose\ndescription: "never closed\n', 0)
    messages = [p.message for p in front.problems]
    assert any("cannot read this line" in m for m in messages)
    assert any("unclosed quote" in m for m in messages)


def test_parser_accepts_quote_closed_on_a_later_line() -> None:
    front = parse('description: "one\n  two"\n', 0)
    assert front.entries["description"].value == "one two"
    assert not front.problems


def test_parser_records_duplicates_and_keeps_the_first() -> None:
    front = parse("globs: a\nglobs: b\n", 0)
    assert front.entries["globs"].value == "a"
    assert [d.value for d in front.duplicates] == ["b"]


def test_parse_scalar_and_value_helpers() -> None:
    assert parse_scalar('"true"') == ("true", True)
    assert parse_scalar("TRUE") == (True, False)
    assert parse_scalar("12") == (12, False)
    assert parse_value('[a, "b,c"]') == (["a", "b,c"], False)
    assert split_commas("**/*.{ts,tsx}, src/**,") == ["**/*.{ts,tsx}", "src/**"]


# -- schemas -------------------------------------------------------------------------


def test_every_front_matter_tool_has_a_schema_and_others_none() -> None:
    for tool in Tool:
        assert (schema_for(tool) is not None) == tool.has_front_matter, tool


def test_schema_describes_keys_as_data() -> None:
    cursor = schema_for(Tool.CURSOR)
    assert cursor is not None
    assert cursor.names == ("description", "globs", "alwaysApply")
    always = cursor.key("alwaysApply")
    assert always is not None and always.kind is ValueKind.BOOLEAN
    kiro = schema_for(Tool.KIRO)
    assert kiro is not None
    inclusion = kiro.key("inclusion")
    assert inclusion is not None
    assert inclusion.allowed == ("always", "fileMatch", "manual", "auto")
    assert all(spec.doc for schema in all_schemas() for spec in schema.keys)


# -- LL101 frontmatter-invalid -----------------------------------------------------


def test_cursor_unquoted_globs_are_not_invalid(lint_files: LintFiles) -> None:
    text = mdc("description: x\nglobs: **/*.ts, src/**\nalwaysApply: false\n")
    assert lint_files({MDC: text}, rules={"frontmatter-invalid"}) == []


def test_unclosed_block_is_reported_at_the_opening_line(lint_files: LintFiles) -> None:
    text = "---\ndescription: API rules\nglobs: src/**\n\n# API\n"
    findings = lint_files({MDC: text}, rules={"frontmatter-invalid"})
    assert len(findings) == 1
    assert (findings[0].start.line, findings[0].start.column) == (0, 0)
    assert "never closed" in findings[0].message


def test_leading_thematic_break_is_not_an_unclosed_block(lint_files: LintFiles) -> None:
    text = "---\n# Title\n\nSome prose.\n"
    assert lint_files({MDC: text}, rules={"frontmatter-invalid"}) == []


def test_unreadable_line_is_reported_where_it_is(lint_files: LintFiles) -> None:
    text = mdc("description: x\nthis line has no colon\n")
    findings = lint_files({MDC: text}, rules={"frontmatter-invalid"})
    assert len(findings) == 1
    assert findings[0].start.line == 2
    assert covered(text, findings[0]) == "this line has no colon"


def test_missing_space_after_colon_has_a_safe_fix(lint_files: LintFiles) -> None:
    text = mdc("description: x\nalwaysApply:true\n")
    findings = lint_files({MDC: text}, rules={"frontmatter-invalid"})
    assert len(findings) == 1
    assert covered(text, findings[0]) == "alwaysApply:"
    fix = findings[0].fix
    assert fix is not None and fix.safe
    assert "alwaysApply: true\n" in apply_fix(text, fix)


def test_duplicate_key_points_at_the_second_with_related(lint_files: LintFiles) -> None:
    text = mdc("globs: a/**\ndescription: x\nglobs: b/**\n")
    findings = lint_files({MDC: text}, rules={"frontmatter-invalid"})
    assert len(findings) == 1
    assert (findings[0].start.line, findings[0].start.column) == (3, 0)
    assert covered(text, findings[0]) == "globs"
    assert findings[0].related[0].start.line == 1


def test_frontmatter_is_not_parsed_for_tools_without_it(lint_files: LintFiles) -> None:
    text = "---\nnot: [closed\n---\nBody.\n"
    assert lint_files({"AGENTS.md": text}, rules={"frontmatter-invalid"}) == []


# -- LL102 frontmatter-unknown-key -------------------------------------------------


def test_case_only_key_difference_gets_a_safe_rename(lint_files: LintFiles) -> None:
    text = mdc("description: x\nalwaysapply: true\n")
    findings = lint_files({MDC: text}, rules={"frontmatter-unknown-key"})
    assert len(findings) == 1
    finding = findings[0]
    assert "`alwaysApply`" in finding.message
    assert covered(text, finding) == "alwaysapply"
    assert (finding.start.line, finding.start.column) == (2, 0)
    assert finding.fix is not None and finding.fix.safe
    assert apply_fix(text, finding.fix) == mdc("description: x\nalwaysApply: true\n")


def test_close_misspelling_gets_an_unsafe_rename(lint_files: LintFiles) -> None:
    text = mdc("glob: src/**\n")
    findings = lint_files({MDC: text}, rules={"frontmatter-unknown-key"})
    assert len(findings) == 1
    assert "did you mean `globs`" in findings[0].message
    fix = findings[0].fix
    assert fix is not None and not fix.safe
    assert apply_fix(text, fix) == mdc("globs: src/**\n")


def test_other_tools_key_suggests_this_tools_key(lint_files: LintFiles) -> None:
    text = '---\nglobs: ["src/**"]\n---\nBody.\n'
    findings = lint_files(
        {".claude/rules/api.md": text}, rules={"frontmatter-unknown-key"}
    )
    assert len(findings) == 1
    assert "did you mean `paths`" in findings[0].message


def test_unrelated_unknown_key_lists_known_keys(lint_files: LintFiles) -> None:
    text = mdc("description: x\nauthor: me\n")
    findings = lint_files({MDC: text}, rules={"frontmatter-unknown-key"})
    assert len(findings) == 1
    assert findings[0].fix is None
    assert "`alwaysApply`" in findings[0].message


def test_no_rename_fix_when_target_key_exists(lint_files: LintFiles) -> None:
    text = mdc("alwaysApply: true\nalwaysapply: true\n")
    findings = lint_files({MDC: text}, rules={"frontmatter-unknown-key"})
    assert len(findings) == 1 and findings[0].fix is None


def test_known_keys_of_each_tool_are_accepted(lint_files: LintFiles) -> None:
    files = {
        MDC: mdc('description: x\nglobs: "**/*.ts"\nalwaysApply: false\n'),
        ".github/instructions/py.instructions.md": (
            '---\napplyTo: "**/*.py"\ndescription: x\nexcludeAgent: "code-review"\n'
            "---\nBody.\n"
        ),
        ".github/prompts/review.prompt.md": (
            "---\nagent: agent\nmodel: GPT-5\ntools: ['search', 'fetch']\n"
            "description: x\nargument-hint: a file\n---\nBody.\n"
        ),
        ".windsurf/rules/a.md": (
            "---\ntrigger: glob\nglobs: '*.py'\ndescription: x\n---\nB\n"
        ),
        ".kiro/steering/a.md": (
            "---\ninclusion: fileMatch\nfileMatchPattern: '*.py'\n---\nB\n"
        ),
        ".clinerules/a.md": "---\npaths:\n  - 'src/**'\n---\nB\n",
        ".continue/rules/a.md": (
            "---\nname: A\nglobs: ['*.py']\nregex: 'import'\nalwaysApply: false\n"
            "description: x\n---\nB\n"
        ),
    }
    assert lint_files(files, rules={"frontmatter-unknown-key"}) == []


# -- LL103 frontmatter-type ----------------------------------------------------------


def test_quoted_boolean_gets_a_safe_fix(lint_files: LintFiles) -> None:
    text = mdc('description: x\nalwaysApply: "true"\n')
    findings = lint_files({MDC: text}, rules={"frontmatter-type"})
    assert len(findings) == 1
    finding = findings[0]
    assert covered(text, finding) == '"true"'
    assert (finding.start.line, finding.start.column) == (2, 13)
    assert finding.fix is not None and finding.fix.safe
    assert apply_fix(text, finding.fix) == mdc("description: x\nalwaysApply: true\n")


def test_yes_for_a_boolean_gets_an_unsafe_fix(lint_files: LintFiles) -> None:
    text = mdc('description: x\nalwaysApply: "yes"\n')
    findings = lint_files({MDC: text}, rules={"frontmatter-type"})
    assert len(findings) == 1
    fix = findings[0].fix
    assert fix is not None and not fix.safe
    assert apply_fix(text, fix) == mdc("description: x\nalwaysApply: true\n")


def test_real_booleans_and_empty_values_are_not_type_errors(
    lint_files: LintFiles,
) -> None:
    text = mdc("description:\nglobs:\nalwaysApply: False\n")
    assert lint_files({MDC: text}, rules={"frontmatter-type"}) == []


def test_list_where_copilot_wants_one_string(lint_files: LintFiles) -> None:
    text = '---\napplyTo: ["**/*.ts", "**/*.tsx"]\n---\nBody.\n'
    path = ".github/instructions/ts.instructions.md"
    findings = lint_files({path: text}, rules={"frontmatter-type"})
    assert len(findings) == 1
    fix = findings[0].fix
    assert fix is not None and not fix.safe
    assert apply_fix(text, fix).startswith('---\napplyTo: "**/*.ts,**/*.tsx"\n---')


def test_globs_as_a_boolean_and_list_as_description(lint_files: LintFiles) -> None:
    text = mdc("description:\n  - one\nglobs: true\n")
    findings = lint_files({MDC: text}, rules={"frontmatter-type"})
    assert sorted(f.message.split("`")[1] for f in findings) == ["description", "globs"]


def test_prompt_tools_must_be_a_list(lint_files: LintFiles) -> None:
    text = "---\ntools: search, fetch\n---\nBody.\n"
    findings = lint_files(
        {".github/prompts/a.prompt.md": text}, rules={"frontmatter-type"}
    )
    assert len(findings) == 1
    assert covered(text, findings[0]) == "search, fetch"


# -- LL104 frontmatter-value -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "front", "bad"),
    [
        (".kiro/steering/a.md", "inclusion: sometimes\n", "sometimes"),
        (".windsurf/rules/a.md", "trigger: auto\n", "auto"),
        (
            ".github/instructions/a.instructions.md",
            'applyTo: "**"\nexcludeAgent: x\n',
            "x",
        ),
        (".github/prompts/a.prompt.md", "mode: chat\n", None),
    ],
)
def test_values_outside_the_allowed_set(
    lint_files: LintFiles, path: str, front: str, bad: str | None
) -> None:
    text = f"---\n{front}---\nBody.\n"
    findings = lint_files({path: text}, rules={"frontmatter-value"})
    if bad is None:  # prompt modes are open: custom agents have their own names
        assert findings == []
        return
    assert len(findings) == 1
    assert covered(text, findings[0]) == bad
    assert "is not one of" in findings[0].message


def test_case_only_enum_difference_gets_a_safe_fix(lint_files: LintFiles) -> None:
    text = "---\ninclusion: filematch\nfileMatchPattern: '*.py'\n---\nBody.\n"
    findings = lint_files({".kiro/steering/a.md": text}, rules={"frontmatter-value"})
    assert len(findings) == 1
    fix = findings[0].fix
    assert fix is not None and fix.safe
    assert "inclusion: fileMatch\n" in apply_fix(text, fix)


def test_windsurf_always_on_spelled_with_a_hyphen_gets_an_unsafe_fix(
    lint_files: LintFiles,
) -> None:
    text = "---\ntrigger: always-on\n---\nBody.\n"
    findings = lint_files({".windsurf/rules/a.md": text}, rules={"frontmatter-value"})
    assert len(findings) == 1
    fix = findings[0].fix
    assert fix is not None and not fix.safe
    assert "trigger: always_on\n" in apply_fix(text, fix)


def test_allowed_values_are_not_reported(lint_files: LintFiles) -> None:
    files = {
        ".kiro/steering/a.md": "---\ninclusion: manual\n---\nBody.\n",
        ".windsurf/rules/a.md": '---\ntrigger: "always_on"\n---\nBody.\n',
    }
    assert lint_files(files, rules={"frontmatter-value"}) == []


# -- LL108 frontmatter-unsupported ---------------------------------------------------


def test_front_matter_in_claude_md_is_reported(lint_files: LintFiles) -> None:
    text = "---\nglobs: src/**\nalwaysApply: true\n---\nUse tabs.\n"
    findings = lint_files({"CLAUDE.md": text}, rules={"frontmatter-unsupported"})
    assert len(findings) == 1
    assert (findings[0].start.line, findings[0].start.column) == (0, 0)
    assert "`globs`" in findings[0].message


def test_horizontal_rules_in_agents_md_are_not_front_matter(
    lint_files: LintFiles,
) -> None:
    text = "---\n\nUse tabs.\n\n---\n\nMore.\n"
    assert lint_files({"AGENTS.md": text}, rules={"frontmatter-unsupported"}) == []


def test_front_matter_in_an_unclaimed_markdown_file_is_left_alone(
    tmp_path: Path,
) -> None:
    (tmp_path / ".git").mkdir()
    note = tmp_path / "docs" / "page.md"
    write_tree(tmp_path, {"docs/page.md": "---\ntitle: Page\n---\nText.\n"})
    result = run_lint(tmp_path, paths=[note])
    assert [
        f.rule for f in result.findings if f.rule == "frontmatter-unsupported"
    ] == []
    assert [d.tool for d in result.files] == [Tool.GENERIC]


def test_front_matter_in_a_scoped_rule_is_not_unsupported(
    lint_files: LintFiles,
) -> None:
    text = mdc("description: x\n")
    assert lint_files({MDC: text}, rules={"frontmatter-unsupported"}) == []


# -- robustness --------------------------------------------------------------------

_FRONT_LINES = st.sampled_from(
    [
        "globs: **/*.ts, src/**",
        'description: "a, b',
        "  continued",
        "paths:",
        "  - 'src/**'",
        "- orphan",
        "tools: [a, 'b'",
        "]",
        "lit: |",
        "  # text",
        "alwaysApply:true",
        "alwaysApply: yes",
        "nested:",
        "  key: value",
        "# comment",
        "",
        "::",
        "\t- tabbed",
        "key: 'it''s'",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRONT_LINES, max_size=12), st.integers(min_value=0, max_value=50))
def test_parser_never_raises_and_offsets_stay_in_the_body(
    lines: list[str], offset: int
) -> None:
    body = "\n".join(lines) + "\n"
    front = parse(body, offset)
    end = offset + len(body)
    for entry in [*front.entries.values(), *front.duplicates]:
        assert body[entry.key_start - offset : entry.key_end - offset] == entry.key
        assert offset <= entry.value_start <= entry.value_end <= end
        for item in entry.items:
            assert entry.value_start <= item.start <= item.end <= end
    for problem in front.problems:
        assert offset <= problem.start <= problem.end <= end
