from pathlib import Path

import pytest

from linting import LintFiles, write_tree
from llmops_ls.linter.finding import Severity
from llmops_ls.linter.imports import find_imports, resolve, walk_imports
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace

IMPORT_RULES = {
    "import-missing",
    "import-outside-workspace",
    "import-cycle",
    "import-depth",
    "import-secret",
    "import-not-text",
}


def _imports(tmp_path: Path, text: str, name: str = "CLAUDE.md") -> list[str]:
    write_tree(tmp_path, {name: text})
    doc = Workspace(tmp_path).document(tmp_path / name)
    return [imp.path for imp in find_imports(doc)]


# -- finding imports -----------------------------------------------------------------


def test_imports_are_found_at_line_start_and_after_whitespace(tmp_path: Path) -> None:
    text = "@README.md\nSee @docs/a.md and @./b.md, then @~/x.md or @/abs/y.md\n"
    assert _imports(tmp_path, text) == [
        "README.md",
        "docs/a.md",
        "./b.md,",
        "~/x.md",
        "/abs/y.md",
    ]


def test_emails_and_urls_are_not_imports(tmp_path: Path) -> None:
    text = "Mail me@example.com or see https://x.com/@alice and foo@bar/baz.md\n"
    assert _imports(tmp_path, text) == []


def test_code_spans_fences_and_comments_are_not_read(tmp_path: Path) -> None:
    text = "Use `@docs/a.md` here.\n```\n@docs/b.md\n```\n<!-- @docs/c.md -->\n"
    assert _imports(tmp_path, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Text.\n\n    @docs/a.md\n",  # an indented code block
        "- item\n\n      @docs/a.md\n",  # one inside a list item
        "> ```\n> @docs/a.md\n> ```\n",  # a fence inside a blockquote
        "- Multi `span\n@docs/a.md` end.\n",  # a code span across a line break
    ],
)
def test_code_the_markdown_map_does_not_hold_is_not_read(
    tmp_path: Path, text: str
) -> None:
    assert _imports(tmp_path, text) == []


def test_indented_text_inside_a_paragraph_is_read(tmp_path: Path) -> None:
    text = "Read this first\n    @docs/a.md\n\n- item\n\n  @docs/b.md\n"
    assert _imports(tmp_path, text) == ["docs/a.md", "docs/b.md"]


def test_fragment_is_cut_and_escaped_space_kept(tmp_path: Path) -> None:
    assert _imports(tmp_path, "@docs/a.md#setup and @my\\ notes.md\n") == [
        "docs/a.md",
        "my notes.md",
    ]


def test_emphasis_and_link_text_around_an_import_are_not_part_of_it(
    tmp_path: Path,
) -> None:
    text = "**@docs/a.md** and [@docs/b.md](https://example.com)\n"
    assert _imports(tmp_path, text) == ["docs/a.md", "docs/b.md"]


def test_files_of_tools_without_imports_have_none(tmp_path: Path) -> None:
    assert _imports(tmp_path, "@docs/a.md\n", name=".cursor/rules/a.mdc") == []
    assert _imports(tmp_path, "@docs/a.md\n", name="AGENTS.md") == []


def test_gemini_keeps_the_fragment_and_reads_imports(tmp_path: Path) -> None:
    assert _imports(tmp_path, "@./docs/a.md#x\n", name="GEMINI.md") == ["./docs/a.md#x"]


def test_resolve_is_relative_to_the_importing_file_and_expands_home(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"pkg/CLAUDE.md": "@../docs/a.md @~/notes.md\n"})
    workspace = Workspace(tmp_path)
    doc = workspace.document(tmp_path / "pkg/CLAUDE.md")
    first, home = find_imports(doc)
    assert resolve(first, doc, workspace) == tmp_path.resolve() / "docs/a.md"
    assert resolve(home, doc, workspace) == Path.home() / "notes.md"


# -- import-missing ------------------------------------------------------------------


def test_missing_import_is_an_error_on_the_token(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"CLAUDE.md": "Rules\nSee @docs/gone.md now\n"}, rules=IMPORT_RULES
    )
    assert [(f.rule, f.severity) for f in findings] == [
        ("import-missing", Severity.ERROR)
    ]
    f = findings[0]
    assert (f.start.line, f.start.column, f.end.column) == (1, 4, 17)
    assert "docs/gone.md" in f.message


def test_existing_import_is_clean(lint_files: LintFiles) -> None:
    files = {"CLAUDE.md": "@docs/a.md\n", "docs/a.md": "A\n"}
    assert lint_files(files, rules=IMPORT_RULES) == []


def test_mentions_decorators_and_npm_scopes_are_not_reported(
    lint_files: LintFiles,
) -> None:
    text = (
        "Ask @alice. Use @Component and @Next.js. Run npm i @types/node"
        " @scope/pkg @README\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules=IMPORT_RULES) == []


def test_module_specifiers_and_path_aliases_are_not_reported(
    lint_files: LintFiles,
) -> None:
    text = (
        "Import UI from @/components/ui and hooks from @/hooks.\n"
        "Styles come from @mui/material/styles/index.js and types from"
        " @types/node/index.d.ts.\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules=IMPORT_RULES) == []


def test_a_missing_file_in_an_existing_folder_is_reported_whatever_its_type(
    lint_files: LintFiles,
) -> None:
    files = {"CLAUDE.md": "See @src/helpers.ts and @notes/plan.md\n", "src/a.ts": ""}
    found = lint_files(files, rules=IMPORT_RULES)
    assert [(f.rule, f.start.column) for f in found] == [
        ("import-missing", 4),
        ("import-missing", 24),
    ]


def test_trailing_full_stop_that_hides_an_existing_file_is_reported(
    lint_files: LintFiles,
) -> None:
    files = {"CLAUDE.md": "Read @docs/a.md.\n", "docs/a.md": "A\n"}
    findings = lint_files(files, rules=IMPORT_RULES)
    assert [f.rule for f in findings] == ["import-missing"]
    assert "`.`" in findings[0].message
    assert findings[0].end.column == 16


def test_missing_import_ending_a_sentence_is_located_without_the_full_stop(
    lint_files: LintFiles,
) -> None:
    findings = lint_files({"CLAUDE.md": "Read @docs/gone.md.\n"}, rules=IMPORT_RULES)
    assert [(f.start.column, f.end.column) for f in findings] == [(5, 18)]


def test_import_of_a_folder_is_reported(lint_files: LintFiles) -> None:
    files = {"CLAUDE.md": "@./docs\n", "docs/a.md": "A\n"}
    findings = lint_files(files, rules=IMPORT_RULES)
    assert [f.rule for f in findings] == ["import-missing"]
    assert "folder" in findings[0].message


def test_missing_import_in_a_claude_rule_is_reported(lint_files: LintFiles) -> None:
    files = {".claude/rules/api.md": "---\npaths: src/**\n---\n@../../docs/x.md\n"}
    findings = lint_files(files, rules=IMPORT_RULES)
    assert [f.rule for f in findings] == ["import-missing"]


def test_gemini_does_not_read_tilde_imports(tmp_path: Path) -> None:
    assert _imports(tmp_path, "@~/notes.md @./a.md\n", name="GEMINI.md") == ["./a.md"]


# -- import-outside-workspace --------------------------------------------------------


def test_parent_folder_import_outside_the_workspace_is_a_warning(
    lint_files: LintFiles,
) -> None:
    findings = lint_files({"CLAUDE.md": "@../other/style.md\n"}, rules=IMPORT_RULES)
    assert [(f.rule, f.severity) for f in findings] == [
        ("import-outside-workspace", Severity.WARNING)
    ]


def test_home_import_is_only_information(lint_files: LintFiles) -> None:
    findings = lint_files({"CLAUDE.md": "@~/.claude/me.md\n"}, rules=IMPORT_RULES)
    assert [(f.rule, f.severity) for f in findings] == [
        ("import-outside-workspace", Severity.INFO)
    ]


def test_home_import_takes_a_configured_severity(lint_files: LintFiles) -> None:
    settings = LintSettings(severity={"import-outside-workspace": Severity.ERROR})
    findings = lint_files(
        {"CLAUDE.md": "@~/.claude/me.md\n"}, rules=IMPORT_RULES, settings=settings
    )
    assert [f.severity for f in findings] == [Severity.ERROR]


def test_personal_claude_local_file_may_import_from_anywhere(
    lint_files: LintFiles,
) -> None:
    files = {"CLAUDE.local.md": "@~/.claude/me.md @../sandbox.md\n"}
    assert lint_files(files, rules=IMPORT_RULES) == []


# -- import-cycle --------------------------------------------------------------------


def test_cycle_is_reported_with_its_steps(lint_files: LintFiles) -> None:
    files = {
        "CLAUDE.md": "Top @docs/a.md\n",
        "docs/a.md": "A @b.md\n",
        "docs/b.md": "B @../CLAUDE.md\n",
    }
    findings = lint_files(files, rules=IMPORT_RULES)
    assert [f.rule for f in findings] == ["import-cycle"]
    f = findings[0]
    assert "CLAUDE.md -> docs/a.md -> docs/b.md -> CLAUDE.md" in f.message
    assert (f.start.column, f.end.column) == (4, 14)
    assert [(r.path, r.start.column) for r in f.related] == [
        ("docs/a.md", 2),
        ("docs/b.md", 2),
    ]


def test_self_import_is_a_cycle(lint_files: LintFiles) -> None:
    findings = lint_files({"CLAUDE.md": "Intro\n@CLAUDE.md\n"}, rules=IMPORT_RULES)
    assert [f.rule for f in findings] == ["import-cycle"]


def test_diamond_is_not_a_cycle(lint_files: LintFiles) -> None:
    files = {
        "CLAUDE.md": "@a.md @b.md\n",
        "a.md": "@c.md\n",
        "b.md": "@c.md\n",
        "c.md": "C\n",
    }
    assert lint_files(files, rules=IMPORT_RULES) == []


# -- import-depth --------------------------------------------------------------------


def _chain_files(length: int) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"CLAUDE.md": "@d/1.md\n"}
    for i in range(1, length + 1):
        files[f"d/{i}.md"] = f"@{i + 1}.md\n" if i < length else "end\n"
    return files


def test_chain_deeper_than_claude_loads_is_reported_on_the_first_import(
    lint_files: LintFiles,
) -> None:
    findings = lint_files(_chain_files(5), rules=IMPORT_RULES)
    assert [f.rule for f in findings] == ["import-depth"]
    f = findings[0]
    assert f.start.column == 0 and "d/5.md is 5 imports deep" in f.message
    assert [r.path for r in f.related] == ["d/1.md", "d/2.md", "d/3.md", "d/4.md"]


def test_chain_of_four_imports_is_loaded_whole(lint_files: LintFiles) -> None:
    assert lint_files(_chain_files(4), rules=IMPORT_RULES) == []


def test_gemini_loads_one_level_deeper(lint_files: LintFiles) -> None:
    files = _chain_files(5)
    files["GEMINI.md"] = files.pop("CLAUDE.md")
    assert lint_files(files, rules=IMPORT_RULES) == []


def test_walk_loads_depth_first_without_repeats(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"CLAUDE.md": "@a.md @b.md\n", "a.md": "@b.md\n", "b.md": "@a.md\n"},
    )
    workspace = Workspace(tmp_path)
    walk = walk_imports(workspace.document(tmp_path / "CLAUDE.md"), workspace)
    assert [s.doc.relative for s in walk.loaded] == ["CLAUDE.md", "a.md", "b.md"]
    assert [s.depth for s in walk.loaded] == [0, 1, 2]


# -- import-secret and import-not-text -----------------------------------------------


@pytest.mark.parametrize(
    "name", [".env", ".env.local", "deploy/id_rsa", "secrets.yaml"]
)
def test_credentials_files_are_errors_even_when_absent(
    lint_files: LintFiles, name: str
) -> None:
    findings = lint_files({"CLAUDE.md": f"Settings: @{name}\n"}, rules=IMPORT_RULES)
    assert [(f.rule, f.severity) for f in findings] == [
        ("import-secret", Severity.ERROR)
    ]


def test_env_template_is_not_a_secret(lint_files: LintFiles) -> None:
    files = {"CLAUDE.md": "@.env.example\n", ".env.example": "KEY=\n"}
    assert "import-secret" not in {f.rule for f in lint_files(files)}


def test_image_import_is_never_loaded(lint_files: LintFiles) -> None:
    files = {"CLAUDE.md": "@docs/arch.png\n", "docs/arch.png": "x"}
    findings = lint_files(files, rules=IMPORT_RULES)
    assert [f.rule for f in findings] == ["import-not-text"]
    assert "`.png`" in findings[0].message


def test_cursor_rules_never_get_import_findings(lint_files: LintFiles) -> None:
    files = {
        ".cursor/rules/a.mdc": "---\nalwaysApply: true\n---\n@docs/gone.md @.env\n"
    }
    assert lint_files(files, rules=IMPORT_RULES) == []


def test_a_missing_file_an_imported_file_imports_is_reported_on_the_import(
    lint_files: LintFiles,
) -> None:
    files = {
        "CLAUDE.md": "# P\n\nRead @docs/a.md first.\n",
        "docs/a.md": "Then read @./nope.md and @b.md\n",
        "docs/b.md": "fine\n",
    }
    (finding,) = lint_files(files, rules=IMPORT_RULES)
    assert (finding.rule, finding.path, finding.start.line) == (
        "import-missing",
        "CLAUDE.md",
        2,
    )
    assert "docs/a.md" in finding.message and "./nope.md" in finding.message
    assert finding.related[-1].path == "docs/a.md"


def test_an_imported_rules_file_reports_its_own_imports(lint_files: LintFiles) -> None:
    files = {
        "CLAUDE.md": "@.claude/rules/style.md\n",
        ".claude/rules/style.md": "@nope/missing.md\n",
    }
    found = lint_files(files, rules=IMPORT_RULES)
    assert [f.path for f in found] == [".claude/rules/style.md"]
