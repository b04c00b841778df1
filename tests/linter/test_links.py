from pathlib import Path

from linting import LintFiles
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.engine import lint_document
from llmops_ls.linter.finding import Severity
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace

RULES = {"link-missing"}


def test_missing_relative_link_is_a_warning_on_the_target(
    lint_files: LintFiles,
) -> None:
    findings = lint_files(
        {"AGENTS.md": "See [guide](docs/guide.md) first.\n"}, rules=RULES
    )
    assert [(f.rule, f.severity) for f in findings] == [
        ("link-missing", Severity.WARNING)
    ]
    assert (findings[0].start.column, findings[0].end.column) == (12, 25)


def test_existing_file_and_folder_links_are_clean(lint_files: LintFiles) -> None:
    files = {
        "AGENTS.md": '[a](docs/a.md) [d](docs/) [img](./docs/a.md "title")\n',
        "docs/a.md": "A\n",
    }
    assert lint_files(files, rules=RULES) == []


def test_links_are_relative_to_the_file(lint_files: LintFiles) -> None:
    files = {"pkg/AGENTS.md": "[a](../docs/a.md) [b](docs/a.md)\n", "docs/a.md": "A\n"}
    findings = lint_files(files, rules=RULES)
    assert [f.start.column for f in findings] == [22]


def test_anchor_and_query_are_stripped_and_escapes_decoded(
    lint_files: LintFiles,
) -> None:
    files = {
        "AGENTS.md": "[a](my%20notes.md#intro) [b](a.md?plain=1) [c](#local)\n",
        "my notes.md": "n\n",
        "a.md": "a\n",
    }
    assert lint_files(files, rules=RULES) == []


def test_urls_mail_and_templates_are_not_checked(lint_files: LintFiles) -> None:
    text = (
        "[w](https://example.com/x.md) [m](mailto:a@b.c) [p](//cdn/x.js)"
        " [t](docs/{name}.md) [g](src/**/*.ts) [abs](/etc/hosts) [e]()\n"
    )
    assert lint_files({"AGENTS.md": text}, rules=RULES) == []


def test_links_in_code_are_not_checked(lint_files: LintFiles) -> None:
    text = "`[a](gone.md)`\n```\n[b](gone.md)\n```\n<!-- [c](gone.md) -->\n"
    assert lint_files({"AGENTS.md": text}, rules=RULES) == []


def test_reference_definitions_are_checked(lint_files: LintFiles) -> None:
    text = "Read [the guide][g].\n\n[g]: docs/guide.md\n[ok]: https://example.com\n"
    findings = lint_files({"CLAUDE.md": text}, rules=RULES)
    assert [(f.start.line, f.start.column) for f in findings] == [(2, 5)]


def test_cursor_mdc_links_resolve_from_the_project_root(lint_files: LintFiles) -> None:
    files = {
        ".cursor/rules/a.mdc": "[x](mdc:src/x.ts) [y](mdc:src/y.ts)\n",
        "src/x.ts": "x\n",
    }
    findings = lint_files(files, rules=RULES)
    assert [f.message.split("`")[1] for f in findings] == ["src/y.ts"]


def test_link_answers_are_forgotten_when_files_appear(tmp_path: Path) -> None:
    # Regression: link answers are memoised per workspace; a stale memo would keep
    # reporting a target after it was created.
    (tmp_path / ".git").mkdir()
    (tmp_path / "CLAUDE.md").write_text("See [the guide](docs/guide.md).\n")
    workspace = Workspace(tmp_path)
    context = CheckContext(workspace, LintSettings())
    path = tmp_path / "CLAUDE.md"

    before, _ = lint_document(workspace.document(path), context)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n")
    workspace.forget_file_list()
    after, _ = lint_document(workspace.document(path), context)

    assert [f.rule for f in before] == ["link-missing"]
    assert [f.rule for f in after if f.rule == "link-missing"] == []
