from pathlib import Path

from linting import write_tree
from llmops_ls.linter.loadchain import load_chain
from llmops_ls.linter.workspace import Workspace


def _chain(tmp_path: Path, files: dict[str, str | bytes], start: str) -> list[str]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    write_tree(tmp_path, files)
    workspace = Workspace(tmp_path)
    return [
        d.relative for d in load_chain(workspace.document(tmp_path / start), workspace)
    ]


def test_file_alone_for_tools_without_companions(tmp_path: Path) -> None:
    assert _chain(tmp_path, {"CONVENTIONS.md": "x\n"}, "CONVENTIONS.md") == [
        "CONVENTIONS.md"
    ]


def test_claude_imports_then_always_on_rules(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "CLAUDE.md": "@docs/a.md @missing.md\n",
        "docs/a.md": "@b.md\n",
        "docs/b.md": "B\n",
        ".claude/rules/always.md": "always\n",
        ".claude/rules/scoped.md": "---\npaths: src/**\n---\nscoped\n",
        "CLAUDE.local.md": "mine\n",
    }
    assert _chain(tmp_path, files, "CLAUDE.md") == [
        "CLAUDE.md",
        "docs/a.md",
        "docs/b.md",
        ".claude/rules/always.md",
        "CLAUDE.local.md",
    ]


def test_nested_claude_file_brings_its_ancestors(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "CLAUDE.md": "root\n",
        "pkg/CLAUDE.md": "pkg\n",
        "pkg/sub/CLAUDE.md": "sub\n",
        "other/CLAUDE.md": "other\n",
    }
    assert _chain(tmp_path, files, "pkg/sub/CLAUDE.md") == [
        "pkg/sub/CLAUDE.md",
        "CLAUDE.md",
        "pkg/CLAUDE.md",
    ]


def test_scoped_claude_rule_loads_with_the_project_memory(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "CLAUDE.md": "root\n",
        ".claude/rules/scoped.md": "---\npaths: src/**\n---\nscoped\n",
    }
    assert _chain(tmp_path, files, ".claude/rules/scoped.md") == [
        ".claude/rules/scoped.md",
        "CLAUDE.md",
    ]


def test_cursor_rule_brings_always_apply_rules_of_its_project(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        ".cursor/rules/a.mdc": "---\nglobs: src/**\n---\na\n",
        ".cursor/rules/b.mdc": "---\nalwaysApply: true\n---\nb\n",
        ".cursor/rules/c.mdc": "---\nalwaysApply: false\n---\nc\n",
        "web/.cursor/rules/d.mdc": "---\nalwaysApply: true\n---\nd\n",
    }
    assert _chain(tmp_path, files, ".cursor/rules/a.mdc") == [
        ".cursor/rules/a.mdc",
        ".cursor/rules/b.mdc",
    ]


def test_agents_files_from_root_down_with_override(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "AGENTS.md": "root\n",
        "svc/AGENTS.md": "svc\n",
        "svc/AGENTS.override.md": "override\n",
        "svc/api/AGENTS.md": "api\n",
    }
    assert _chain(tmp_path, files, "svc/api/AGENTS.md") == [
        "svc/api/AGENTS.md",
        "AGENTS.md",
        "svc/AGENTS.override.md",
    ]


def test_windsurf_copilot_and_kiro_always_on_files(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        ".windsurfrules": "legacy\n",
        ".windsurf/rules/on.md": "---\ntrigger: always_on\n---\non\n",
        ".windsurf/rules/glob.md": "---\ntrigger: glob\n---\nglob\n",
        ".github/copilot-instructions.md": "repo\n",
        ".github/instructions/all.instructions.md": '---\napplyTo: "**"\n---\nall\n',
        ".github/instructions/ts.instructions.md": '---\napplyTo: "**/*.ts"\n---\nts\n',
        ".kiro/steering/default.md": "no front matter: always\n",
        ".kiro/steering/manual.md": "---\ninclusion: manual\n---\nm\n",
    }
    assert _chain(tmp_path, files, ".windsurf/rules/glob.md") == [
        ".windsurf/rules/glob.md",
        ".windsurfrules",
        ".windsurf/rules/on.md",
    ]
    assert _chain(tmp_path, files, ".github/instructions/ts.instructions.md") == [
        ".github/instructions/ts.instructions.md",
        ".github/copilot-instructions.md",
        ".github/instructions/all.instructions.md",
    ]
    assert _chain(tmp_path, files, ".kiro/steering/manual.md") == [
        ".kiro/steering/manual.md",
        ".kiro/steering/default.md",
    ]


def test_gemini_imports_and_ancestors(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "GEMINI.md": "root\n",
        "app/GEMINI.md": "@./extra.md\n",
        "app/extra.md": "extra\n",
    }
    assert _chain(tmp_path, files, "app/GEMINI.md") == [
        "app/GEMINI.md",
        "app/extra.md",
        "GEMINI.md",
    ]


def test_chain_is_recomputed_after_a_file_changes(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"CLAUDE.md": "@a.md\n", "a.md": "a\n", "b.md": "b\n"})
    workspace = Workspace(tmp_path)
    path = tmp_path / "CLAUDE.md"
    assert [d.relative for d in load_chain(workspace.document(path), workspace)] == [
        "CLAUDE.md",
        "a.md",
    ]
    workspace.set_overlay(path, "@b.md\n")
    assert [d.relative for d in load_chain(workspace.document(path), workspace)] == [
        "CLAUDE.md",
        "b.md",
    ]


def _cursor_workspace(tmp_path: Path) -> Workspace:
    (tmp_path / ".git").mkdir()
    write_tree(
        tmp_path,
        {
            ".cursor/rules/a.mdc": "---\nalwaysApply: false\n---\na\n",
            ".cursor/rules/b.mdc": "---\nalwaysApply: true\n---\nb\n",
            ".cursor/rules/c.mdc": "---\nglobs: src/**\n---\nc\n",
        },
    )
    workspace = Workspace(tmp_path)
    # An open buffer: later edits change one file's content, not the file list.
    workspace.set_overlay(tmp_path / ".cursor/rules/a.mdc", "---\n---\na\n")
    return workspace


def _texts(workspace: Workspace, relative: str) -> list[str]:
    doc = workspace.document(workspace.root / relative)
    return [d.text for d in load_chain(doc, workspace)]


def test_chain_sees_the_new_text_of_an_always_loaded_rule(tmp_path: Path) -> None:
    workspace = _cursor_workspace(tmp_path)
    b = ".cursor/rules/b.mdc"
    assert _texts(workspace, ".cursor/rules/c.mdc")[1:] == [
        "---\nalwaysApply: true\n---\nb\n"
    ]
    workspace.set_overlay(tmp_path / b, "---\nalwaysApply: true\n---\nb2\n")
    assert _texts(workspace, ".cursor/rules/c.mdc")[1:] == [
        "---\nalwaysApply: true\n---\nb2\n"
    ]
    workspace.set_overlay(tmp_path / b, "---\nalwaysApply: true\n---\nb3\n")
    assert _texts(workspace, ".cursor/rules/c.mdc")[1:] == [
        "---\nalwaysApply: true\n---\nb3\n"
    ]


def test_editing_a_rule_keeps_the_chains_that_do_not_hold_it(tmp_path: Path) -> None:
    workspace = _cursor_workspace(tmp_path)
    c = workspace.document(tmp_path / ".cursor/rules/c.mdc")
    before = load_chain(c, workspace)
    workspace.set_overlay(tmp_path / ".cursor/rules/a.mdc", "---\n---\nedited\n")
    after = load_chain(c, workspace)
    assert [id(d) for d in after] == [id(d) for d in before]


def test_a_rule_turning_always_apply_joins_every_chain(tmp_path: Path) -> None:
    workspace = _cursor_workspace(tmp_path)
    a = tmp_path / ".cursor/rules/a.mdc"
    assert len(_texts(workspace, ".cursor/rules/c.mdc")) == 2
    workspace.set_overlay(a, "---\nalwaysApply: true\n---\na\n")
    assert _texts(workspace, ".cursor/rules/c.mdc") == [
        "---\nglobs: src/**\n---\nc\n",
        "---\nalwaysApply: true\n---\na\n",
        "---\nalwaysApply: true\n---\nb\n",
    ]
    workspace.set_overlay(a, "---\nalwaysApply: false\n---\na\n")
    assert len(_texts(workspace, ".cursor/rules/c.mdc")) == 2


def test_workspace_reports_single_file_changes_only(tmp_path: Path) -> None:
    workspace = _cursor_workspace(tmp_path)
    start = workspace.generation
    a = tmp_path / ".cursor/rules/a.mdc"
    workspace.set_overlay(a, "---\n---\nx\n")
    workspace.invalidate(a)
    assert workspace.changes_since(start) == [a, a]
    workspace.forget_file_list()
    assert workspace.changes_since(start) is None
    assert workspace.changes_since(workspace.generation) == []
