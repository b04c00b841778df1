"""Reading only the front matter block gives the same front matter as the whole text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from linting import write_tree
from llmops_ls.linter import document
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.workspace import Workspace, front_matter_part

LINES = st.sampled_from(
    [
        "---",
        "--- ",
        "---\r",
        "...",
        " ---",
        "alwaysApply: true",
        "globs: **/*.ts, src/**",
        "description: x",
        "  - item",
        "",
        "# Title",
        "Use pnpm.",
        "```",
    ]
)


@settings(max_examples=400)
@given(
    lines=st.lists(st.one_of(LINES, LINES, st.text(max_size=12)), max_size=12),
    final_newline=st.booleans(),
)
@example(lines=["---", "alwaysApply: true", "...", "body"], final_newline=True)
@example(lines=["---", "globs: a", "---"], final_newline=False)
@example(lines=[" ---", "globs: a", "---"], final_newline=True)
@example(lines=["---\r", "description: x", "--- "], final_newline=True)
def test_the_part_parses_to_the_same_front_matter(
    lines: list[str], final_newline: bool
) -> None:
    text = "\n".join(lines) + ("\n" if final_newline else "")
    path = Path("/w/.cursor/rules/r.mdc")
    whole = document.build(path, ".cursor/rules/r.mdc", Tool.CURSOR, text)
    part = document.build(
        path, ".cursor/rules/r.mdc", Tool.CURSOR, front_matter_part(text)
    )
    assert part.front_matter == whole.front_matter


def test_a_rule_read_for_its_front_matter_is_read_whole_when_asked(
    tmp_path: Path,
) -> None:
    body = "- Use pnpm.\n" * 50
    write_tree(
        tmp_path, {".cursor/rules/r.mdc": f"---\nalwaysApply: true\n---\n{body}"}
    )
    workspace = Workspace(tmp_path)
    path = tmp_path.resolve() / ".cursor/rules/r.mdc"
    head = workspace.front_matter_document(path)
    assert head.front_matter is not None and "alwaysApply" in head.front_matter.entries
    assert body not in head.text
    assert workspace.document(path).text.endswith(body)
