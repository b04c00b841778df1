"""Checks on the glob patterns that scope a rule: invalid, or matching no file."""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from llmops_ls.linter import globs
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Edit, Finding, Fix
from llmops_ls.linter.frontmatter import STYLE_BLOCK, STYLE_FLOW, STYLE_PLAIN
from llmops_ls.linter.kinds import Tool, project_root_of
from llmops_ls.linter.registry import check
from llmops_ls.linter.schemas import schema_for
from llmops_ls.linter.workspace import Workspace


@dataclass(slots=True)
class _Project:
    """The files of one project root and the answers found for its patterns."""

    root: str
    top: Path
    index: globs.FileIndex
    unmatched: dict[str, object] = field(default_factory=dict)  # see Workspace.recall
    unlisted: globs.FileIndex | None = None  # top entries the file list leaves out


# Projects per workspace and root, rebuilt when the file list changes: most rules of
# a workspace share one project and repeat the same few patterns.
_PROJECTS: weakref.WeakKeyDictionary[
    Workspace, tuple[list[str], dict[str, _Project]]
] = weakref.WeakKeyDictionary()


@check("glob-invalid", "glob-no-match")
def check_globs(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report glob patterns that cannot work, and valid ones that match no file."""
    front = doc.front_matter
    schema = schema_for(doc.tool)
    if front is None or schema is None:
        return
    project: _Project | None = None
    want_matches = ctx.enabled("glob-no-match")
    for spec in schema.glob_keys():
        entry = front.get(spec.name)
        if entry is None or entry.style not in (STYLE_PLAIN, STYLE_FLOW, STYLE_BLOCK):
            continue
        for pattern in globs.entry_patterns(entry):
            problems = globs.problems(pattern.text)
            if problems:
                yield from _invalid(doc, ctx, spec.name, pattern, problems)
                continue
            if not want_matches or pattern.text.startswith("!"):
                continue
            if project is None:
                project = _project_for(doc, ctx.workspace)
                if project is None:
                    want_matches = False
                    continue
            if _unmatched(ctx.workspace, project, pattern.text):
                yield ctx.finding(
                    "glob-no-match",
                    doc,
                    pattern.start,
                    pattern.end,
                    f"`{pattern.text}` matches no file in the project; this rule "
                    "is never attached for it (a typo, or a folder that moved?)",
                )


def _unmatched(workspace: Workspace, project: _Project, pattern: str) -> bool:
    """Whether a pattern matches nothing in the project, on disk or listed (cached)."""
    return workspace.recall(
        project.unmatched,
        pattern,
        lambda: (
            not project.index.any_match(pattern)
            and not _ignored_match(workspace, project, pattern)
        ),
    )


def _invalid(
    doc: RulesDocument,
    ctx: CheckContext,
    key: str,
    pattern: globs.Pattern,
    problems: tuple[globs.GlobProblem, ...],
) -> Iterator[Finding]:
    if not pattern.text.strip():
        # Widen a zero-width range to the quotes or commas around it, so it shows.
        yield ctx.finding(
            "glob-invalid",
            doc,
            max(pattern.start - 1, 0),
            pattern.end + 1,
            f"empty pattern in `{key}` (two commas in a row, or an empty item)",
        )
        return
    for problem in problems:
        fix = None
        if problem.replacement is not None:
            fix = Fix(
                f"write `{problem.replacement}`",
                (Edit(pattern.start, pattern.end, problem.replacement),),
                safe=problem.message.startswith("`***`"),
            )
        yield ctx.finding(
            "glob-invalid",
            doc,
            pattern.start + problem.start,
            pattern.start + max(problem.end, problem.start + 1),
            f"`{pattern.text}`: {problem.message}",
            fix=fix,
        )


@functools.lru_cache(maxsize=1024)
def _root_of_folder(folder: str, tool: Tool) -> str | None:
    root = project_root_of(f"{folder}/rule.md" if folder else "rule.md", tool)
    return None if root is None else root.as_posix()


def _project_root(relative: str, tool: Tool) -> str | None:
    """`kinds.project_root_of`, computed once per folder: most rules share a folder."""
    folder, _, name = relative.rpartition("/")
    if name.startswith("."):  # `.clinerules` as a file is its own anchor
        root = project_root_of(relative, tool)
        return None if root is None else root.as_posix()
    return _root_of_folder(folder, tool)


def _ignored_match(workspace: Workspace, project: _Project, pattern: str) -> bool:
    """Whether a pattern names something that exists but the file list leaves out.

    The file list honours `.gitignore`, yet assistants still attach rules for ignored
    files a user opens (`.env`, `dist/`, `node_modules/`), so a pattern whose fixed
    leading folders exist only on disk, or that matches an ignored name at the top of
    the project, is not reported.
    """
    index = project.index
    glob = globs.compile_glob(pattern)
    prefix: list[str] = []
    for segment in glob.body.split("/")[:-1]:
        if any(ch in segment for ch in "*?[{\\"):
            break
        prefix.append(segment)
    if prefix:
        folder = "/".join(prefix)
        if index.has_folder(folder):
            return False
        on_disk = project.top.joinpath(*prefix)
        workspace.depend_on(on_disk)
        return on_disk.exists()
    workspace.depend_on(project.top)  # its entries, listed once per project
    if project.unlisted is None:
        project.unlisted = globs.FileIndex(
            [name for name in _top_names(project.top) if not _listed(index, name)]
        )
    return project.unlisted.any_match(pattern)


def _listed(index: globs.FileIndex, name: str) -> bool:
    if name.endswith("/x"):
        return index.has_folder(name[:-2])
    return index.has_path(name)


def _top_names(top: Path) -> list[str]:
    """Entries at the top of a project, folders as `name/x`."""
    names = []
    try:
        with os.scandir(top) as entries:
            for entry in entries:
                is_dir = entry.is_dir(follow_symlinks=False)
                names.append(f"{entry.name}/x" if is_dir else entry.name)
    except OSError:
        pass
    return names


def _project_for(doc: RulesDocument, workspace: Workspace) -> _Project | None:
    """The files under the rule's project root, or None for a rule with no project."""
    root = _project_root(doc.relative, doc.tool)
    if root is None or doc.relative.startswith("/"):
        return None
    files = workspace.all_files()
    cached = _PROJECTS.get(workspace)
    if cached is None or cached[0] is not files:
        cached = (files, {})
        _PROJECTS[workspace] = cached
    project = cached[1].get(root)
    if project is None:
        if root == ".":
            index = globs.FileIndex(files)
        else:
            prefix = root + "/"
            cut = len(prefix)
            index = globs.FileIndex([f[cut:] for f in files if f.startswith(prefix)])
        project = _Project(root, workspace.root / root, index)
        cached[1][root] = project
    return project
