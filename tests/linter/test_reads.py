"""What linting a file is recorded to depend on, even when another file asked first."""

from __future__ import annotations

from pathlib import Path

from linting import write_tree
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.engine import lint_document
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Reads, Workspace


def reads_of(workspace: Workspace, relative: str) -> Reads:
    """Lint one file and return what it read."""
    context = CheckContext(workspace, LintSettings(select=None))
    workspace.start_recording()
    lint_document(workspace.document(workspace.root / relative), context)
    return workspace.stop_recording()


def test_a_file_depends_on_itself(tmp_path: Path) -> None:
    write_tree(tmp_path, {"CLAUDE.md": "# Rules\n\nUse pnpm.\n"})
    reads = reads_of(Workspace(tmp_path), "CLAUDE.md")
    assert tmp_path.resolve() / "CLAUDE.md" in reads.paths


def test_a_missing_link_target_is_a_dependency_of_every_file_linking_it(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "AGENTS.md": "See [the guide](docs/guide.md).\n",
            "docs/AGENTS.md": "See [the guide](guide.md).\n",
        },
    )
    workspace = Workspace(tmp_path)
    target = tmp_path.resolve() / "docs" / "guide.md"
    assert target in reads_of(workspace, "AGENTS.md").paths
    # The second file resolves the same target from the shared memo.
    assert target in reads_of(workspace, "docs/AGENTS.md").paths


def test_files_imported_further_down_are_dependencies_of_each_importer(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "CLAUDE.md": "@docs/a.md\n",
            "docs/a.md": "@b.md\n",
            "docs/b.md": "@missing.md\n",
        },
    )
    workspace = Workspace(tmp_path)
    root = tmp_path.resolve()
    # `a.md` walks its imports first, so the walk from CLAUDE.md reuses it.
    reads_of(workspace, "docs/a.md")
    reads = reads_of(workspace, "CLAUDE.md")
    assert {root / "docs/a.md", root / "docs/b.md", root / "docs/missing.md"} <= (
        reads.paths
    )


def test_always_applied_rules_are_read_by_every_rule_of_the_project(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            ".cursor/rules/always.mdc": "---\nalwaysApply: true\n---\nUse tabs.\n",
            ".cursor/rules/other.mdc": "---\nalwaysApply: false\n"
            "description: Python\n---\nUse spaces.\n",
            ".cursor/rules/third.mdc": "---\ndescription: Go\n---\nGo rules.\n",
        },
    )
    workspace = Workspace(tmp_path)
    rules = tmp_path.resolve() / ".cursor" / "rules"
    reads_of(workspace, ".cursor/rules/always.mdc")
    reads = reads_of(workspace, ".cursor/rules/third.mdc")
    # Whether `other.mdc` is always applied decides whether it joins the chain.
    assert rules / "other.mdc" in reads.paths
    assert reads.listed


def test_a_file_without_globs_or_links_does_not_list_the_workspace(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"CONVENTIONS.md": "Write tests first.\n"})
    assert not reads_of(Workspace(tmp_path), "CONVENTIONS.md").listed
