from linting import LintFiles
from llmops_ls.linter import markdown
from llmops_ls.linter.source import SourceText


def _fences(text: str) -> list[tuple[int, int, bool]]:
    source = SourceText(text)
    scanned = markdown.scan(source, front_matter=False)
    return [
        (f.open_line, source.position(f.end).line, f.closed) for f in scanned.fences
    ]


def test_placeholders_of_templates_are_reported(lint_files: LintFiles) -> None:
    text = (
        "# [Insert project name]\n\nTODO: describe the stack.\n"
        "- Project: {{PROJECT_NAME}}\n- Owner: <your name>\n- Status: TBD\n"
        "- Repo: your-project-name\n\nLorem ipsum dolor sit amet.\n"
    )
    findings = lint_files({"CLAUDE.md": text}, rules={"placeholder"})
    found = [text[f.start_offset : f.end_offset] for f in findings]
    assert found == [
        "[Insert project name]",
        "TODO",
        "{{PROJECT_NAME}}",
        "<your name>",
        "TBD",
        "your-project-name",
        "Lorem ipsum",
    ]


def test_rules_about_todo_comments_are_not_leftovers(lint_files: LintFiles) -> None:
    text = (
        "- Never leave TODO comments in code.\n"
        '- **TODO Comments**: add comments starting with "TODO:".\n'
        "- If you can't finish code, add TODO: comments\n"
        "- Use the [CXXXX] format for case ids.\n"
        "- Mark dates that are not known yet as TBD in the changelog.\n"
        "- Press [Insert] to toggle overwrite mode.\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules={"placeholder"}) == []


def test_template_syntax_in_code_is_not_a_placeholder(lint_files: LintFiles) -> None:
    text = (
        "- Render with `{{ USER_NAME }}` in templates.\n- Wrap pages in <Layout>.\n\n"
        "```html\n<p>{{ TITLE }}</p>\n<!-- TODO: x -->\n```\n"
        "- See [Insert mode](docs/vim.md).\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules={"placeholder"}) == []


def test_unclosed_fence_is_an_error_on_its_opening_line(lint_files: LintFiles) -> None:
    text = "# Style\n\n```ts\nconst a = 1;\n\n- Prefer named exports.\n"
    findings = lint_files({"CLAUDE.md": text}, rules={"unclosed-fence"})
    assert len(findings) == 1
    (finding,) = findings
    assert finding.severity.label == "error"
    assert (finding.start.line, finding.end.line) == (2, 2)
    assert finding.end.column == len("```ts")


def test_unclosed_fence_fix_appends_a_closer_and_is_unsafe(
    lint_files: LintFiles,
) -> None:
    text = "Intro\n\n~~~~py\nx = 1"
    (finding,) = lint_files({"CLAUDE.md": text}, rules={"unclosed-fence"})
    assert finding.fix is not None and not finding.fix.safe
    (edit,) = finding.fix.edits
    fixed = text[: edit.start] + edit.new_text + text[edit.end :]
    assert fixed == "Intro\n\n~~~~py\nx = 1\n~~~~\n"
    assert all(f.closed for f in markdown.scan(SourceText(fixed)).fences)


def test_longer_and_nested_fences_close_properly(lint_files: LintFiles) -> None:
    text = "````md\n```js\nx\n```\n````\n\n- a\n    ```js\n    y\n    ```\n"
    assert lint_files({"CLAUDE.md": text}, rules={"unclosed-fence"}) == []


def test_stray_fence_after_a_list_block_gets_a_hint(lint_files: LintFiles) -> None:
    text = "1. Errors:\n   ```tsx\n   x\n  }\n  ```\n"
    findings = lint_files({"CLAUDE.md": text}, rules={"unclosed-fence"})
    assert [f.start.line for f in findings] == [4]
    assert "meant to close the block opened at line 2" in findings[0].message


def test_fence_in_a_list_item_ends_with_the_item() -> None:
    # Regression: a fence left open inside a list item ran to the end of the file.
    text = "- Usage:\n  ```svelte\n\nNext section\n\n- Tree:\n  ```\n  src/\n  ```\n"
    assert _fences(text) == [(1, 1, True), (6, 8, True)]


def test_fence_indented_under_a_tab_numbered_item_is_code() -> None:
    text = "1.\tDeclare values:\n    ```kotlin\n    val a = 1\n    ``` \n2.\tNext\n"
    assert _fences(text) == [(1, 3, True)]


def test_fence_opening_a_list_item_is_code() -> None:
    text = "  - ```ts\n      const x = 1\n    ```\n  - next\n"
    assert _fences(text) == [(0, 2, True)]


def test_top_level_indented_fence_still_needs_a_closer() -> None:
    text = "  ```\ncode at column zero\n"
    assert _fences(text) == [(0, 2, False)]


def test_file_with_only_front_matter_and_headings_is_empty(
    lint_files: LintFiles,
) -> None:
    text = (
        "---\ndescription: Style\nalwaysApply: true\n---\n# Style\n\n<!-- later -->\n"
    )
    findings = lint_files({".cursor/rules/style.mdc": text}, rules={"empty-rules"})
    assert len(findings) == 1
    assert findings[0].start.line == 0


def test_empty_file_is_empty_and_a_code_block_is_content(
    lint_files: LintFiles,
) -> None:
    files = {"CLAUDE.md": "", "AGENTS.md": "# Commands\n\n```sh\nmake test\n```\n"}
    findings = lint_files(files, rules={"empty-rules"})
    assert [f.path for f in findings] == ["CLAUDE.md"]
    assert "is empty" in findings[0].message


def test_every_marker_and_name_template_is_found_at_its_place(
    lint_files: LintFiles,
) -> None:
    text = (
        "FIXME: pick a linter.\n- XXX\n- TODO\n- Owner: TBD (ask)\n"
        "- Name: my_app_name or your_repo_name\n- Not: XXXX, FIXMEs, xmy-app-name\n"
    )
    findings = lint_files({"CLAUDE.md": text}, rules={"placeholder"})
    found = [(f.start.line, text[f.start_offset : f.end_offset]) for f in findings]
    assert found == [
        (0, "FIXME"),
        (1, "XXX"),
        (2, "TODO"),
        (3, "TBD"),
        (4, "my_app_name"),
        (4, "your_repo_name"),
    ]
