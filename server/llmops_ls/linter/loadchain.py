"""Which files an assistant loads together with a given rules file.

The chain answers "when this file is in effect, what else is in the model's context?",
for token budgets and for contradictions across files. The document comes first, then
the other files in the order the tool loads them, each file once. Only files inside the
workspace count: user-level files (`~/.claude/CLAUDE.md`, `~/.gemini/GEMINI.md`) differ
from one machine to the next and would make findings depend on who runs the linter.

Per tool:

- Claude Code: the file's `@imports` (depth-first, depth-limited); then, for each
  folder from the workspace root down to the file's project folder, `CLAUDE.md`,
  `.claude/CLAUDE.md`, every `.claude/rules/**/*.md` without `paths` (always loaded),
  and `CLAUDE.local.md`, each with its imports. A `.claude/rules` file with `paths` is
  loaded only when matching files are read, but then along with all of those.
- Gemini CLI: the file's imports, then `GEMINI.md` of each folder from the root down.
- Codex (AGENTS.md): one file per folder from the root down to the file's folder,
  `AGENTS.override.md` taking the place of `AGENTS.md` where both exist.
- Cursor: the rule, every `alwaysApply: true` rule of the same project, and a legacy
  `.cursorrules` at the project root.
- Windsurf: `.windsurfrules` and `.windsurf/rules/*.md` with `trigger: always_on`.
- Copilot: `.github/copilot-instructions.md` and `.github/instructions` files whose
  `applyTo` is `**` (they apply to every file, so to every request).
- Kiro: steering files whose `inclusion` is `always` (the default when absent).
- Cline: every `.clinerules/` file without `paths`.
- Any other file: the file alone.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.imports import walk_imports
from llmops_ls.linter.kinds import Tool, project_root_of
from llmops_ls.linter.workspace import Workspace

_AlwaysKey = tuple[str, Callable[[RulesDocument], bool]]


@dataclass(slots=True)
class _Memo:
    """Per-workspace results, repaired or dropped when the workspace changes."""

    generation: int
    # Values are `Workspace.recall` entries: lists of documents and of paths.
    chains: dict[Path, Any] = field(default_factory=dict)
    always: dict[_AlwaysKey, Any] = field(default_factory=dict)


_MEMOS: weakref.WeakKeyDictionary[Workspace, _Memo] = weakref.WeakKeyDictionary()


def load_chain(doc: RulesDocument, workspace: Workspace) -> list[RulesDocument]:
    """The document first, then every file loaded along with it, without repeats."""
    memo = _memo(workspace)

    def build() -> list[RulesDocument]:
        chain = _Chain(doc.path)
        chain.add(doc)
        _BUILDERS.get(doc.tool, _alone)(doc, workspace, chain, memo)
        return chain.docs

    cached = workspace.recall(memo.chains, doc.path, build)
    # Documents stay valid until the generation changes, which drops the memo.
    return [doc, *cached[1:]]


def _memo(workspace: Workspace) -> _Memo:
    memo = _MEMOS.get(workspace)
    if memo is not None and memo.generation != workspace.generation:
        changed = workspace.changes_since(memo.generation)
        if changed is not None and _repair(memo, workspace, changed):
            memo.generation = workspace.generation
        else:
            memo = None
    if memo is None:
        memo = _Memo(workspace.generation)
        _MEMOS[workspace] = memo
    return memo


def _repair(memo: _Memo, workspace: Workspace, changed: list[Path]) -> bool:
    """Bring a memo up to date after edits to `changed`; False to start over.

    An edit rebuilding every chain would re-read every rule of a large project on
    each keystroke. Only chains holding an edited file can change, unless the edit
    moves a file into or out of an always-loaded set, which changes every chain.
    """
    files: list[str] | None = None
    for path in set(changed):
        relative = workspace.relative(path)
        for (folder, predicate), entry in memo.always.items():
            members: list[Path] = entry.value
            prefix = "" if folder == "." else folder + "/"
            if not relative.startswith(prefix):
                continue
            if files is None:
                files = workspace.all_files()
            index = bisect.bisect_left(files, relative)
            listed = index < len(files) and files[index] == relative
            doc = workspace.document(path) if listed else None
            now = (
                doc is not None
                and relative.lower().endswith((".md", ".mdc"))
                and doc.read_error is None
                and predicate(doc)
            )
            if now != (path in members):
                return False
    stale = set(changed)
    for key in [k for k, entry in memo.chains.items() if entry.reads & stale]:
        del memo.chains[key]
    return True


@dataclass(slots=True)
class _Chain:
    """Documents in load order, each once."""

    first: Path
    docs: list[RulesDocument] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)

    def add(self, doc: RulesDocument) -> None:
        """Append a document unless it is already in, or unreadable (but not first)."""
        if doc.path in self.seen or (self.docs and doc.read_error is not None):
            return
        self.seen.add(doc.path)
        self.docs.append(doc)

    def add_with_imports(self, doc: RulesDocument, workspace: Workspace) -> None:
        """Append a document and the files it imports, in the tool's order."""
        for step in walk_imports(doc, workspace).loaded:
            self.add(step.doc)


_Builder = Callable[[RulesDocument, Workspace, _Chain, _Memo], None]


def _alone(
    doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo
) -> None:
    """Tools without imports or always-on companions load the file by itself."""
    del doc, workspace, chain, memo


def _folders_down_to(folder: PurePosixPath) -> list[PurePosixPath]:
    """The workspace root and each folder below it down to `folder`, root first."""
    parts = [] if str(folder) == "." else list(folder.parts)
    return [
        PurePosixPath(*parts[:i]) if i else PurePosixPath(".")
        for i in range(len(parts) + 1)
    ]


def _existing(workspace: Workspace, relative: PurePosixPath) -> RulesDocument | None:
    path = workspace.root / relative
    if not workspace.exists(path):
        return None
    doc = workspace.document(path)
    return None if doc.read_error is not None else doc


def _claude(
    doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo
) -> None:
    """Imports first, then the project's memory from the root down (see module doc)."""
    chain.add_with_imports(doc, workspace)
    relative = PurePosixPath(doc.relative)
    if doc.tool is Tool.CLAUDE_RULES:
        project = project_root_of(doc.relative, doc.tool) or relative.parent
    elif relative.parent.name == ".claude":
        project = relative.parent.parent
    else:
        project = relative.parent
    if not workspace.contains(workspace.root / project):
        return
    for folder in _folders_down_to(project):
        for name in ("CLAUDE.md", ".claude/CLAUDE.md"):
            found = _existing(workspace, folder / name)
            if found is not None:
                chain.add_with_imports(found, workspace)
        for path in _always_on(
            workspace, memo, folder / ".claude" / "rules", _no_paths
        ):
            chain.add_with_imports(workspace.document(path), workspace)
        found = _existing(workspace, folder / "CLAUDE.local.md")
        if found is not None:
            chain.add_with_imports(found, workspace)


def _gemini(
    doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo
) -> None:
    """Imports, then GEMINI.md of each folder from the root down."""
    del memo
    chain.add_with_imports(doc, workspace)
    for folder in _folders_down_to(PurePosixPath(doc.relative).parent):
        found = _existing(workspace, folder / "GEMINI.md")
        if found is not None:
            chain.add_with_imports(found, workspace)


def _agents(
    doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo
) -> None:
    """Codex concatenates one instructions file per folder, root first."""
    del memo
    for folder in _folders_down_to(PurePosixPath(doc.relative).parent):
        found = _existing(workspace, folder / "AGENTS.override.md") or _existing(
            workspace, folder / "AGENTS.md"
        )
        if found is not None:
            chain.add(found)


def _project_of(doc: RulesDocument, tool: Tool) -> PurePosixPath | None:
    """The project a rule of `tool` belongs to; a legacy file's own folder."""
    if doc.tool is tool:
        return project_root_of(doc.relative, doc.tool)
    return PurePosixPath(doc.relative).parent


def _cursor(
    doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo
) -> None:
    """The rule, the project's always-applied rules, and a legacy `.cursorrules`."""
    project = _project_of(doc, Tool.CURSOR)
    if project is None:
        return
    for path in _always_on(
        workspace, memo, project / ".cursor" / "rules", _always_apply
    ):
        chain.add(workspace.document(path))
    legacy = _existing(workspace, project / ".cursorrules")
    if legacy is not None:
        chain.add(legacy)


def _windsurf(
    doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo
) -> None:
    """`.windsurfrules` and the `always_on` rules of the project."""
    project = _project_of(doc, Tool.WINDSURF)
    if project is None:
        return
    legacy = _existing(workspace, project / ".windsurfrules")
    if legacy is not None:
        chain.add(legacy)
    for path in _always_on(
        workspace, memo, project / ".windsurf" / "rules", _always_on_trigger
    ):
        chain.add(workspace.document(path))


def _copilot(
    doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo
) -> None:
    """Repository instructions plus instructions files that apply to every file."""
    if doc.tool is Tool.COPILOT_INSTRUCTIONS:
        project = project_root_of(doc.relative, doc.tool)
    else:
        project = PurePosixPath(doc.relative).parent.parent
    if project is None:
        return
    found = _existing(workspace, project / ".github" / "copilot-instructions.md")
    if found is not None:
        chain.add(found)
    for path in _always_on(
        workspace, memo, project / ".github" / "instructions", _apply_to_all
    ):
        chain.add(workspace.document(path))


def _kiro(doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo) -> None:
    """Steering files included always (Kiro's default)."""
    project = project_root_of(doc.relative, doc.tool)
    if project is None:
        return
    for path in _always_on(
        workspace, memo, project / ".kiro" / "steering", _kiro_always
    ):
        chain.add(workspace.document(path))


def _cline(
    doc: RulesDocument, workspace: Workspace, chain: _Chain, memo: _Memo
) -> None:
    """Every `.clinerules/` file without `paths` is active in every task."""
    project = project_root_of(doc.relative, doc.tool)
    if project is None or PurePosixPath(doc.relative).name == ".clinerules":
        return
    for path in _always_on(workspace, memo, project / ".clinerules", _no_paths):
        chain.add(workspace.document(path))


_BUILDERS: dict[Tool, _Builder] = {
    Tool.CLAUDE: _claude,
    Tool.CLAUDE_RULES: _claude,
    Tool.GEMINI: _gemini,
    Tool.AGENTS: _agents,
    Tool.CURSOR: _cursor,
    Tool.CURSOR_LEGACY: _cursor,
    Tool.WINDSURF: _windsurf,
    Tool.WINDSURF_LEGACY: _windsurf,
    Tool.COPILOT: _copilot,
    Tool.COPILOT_INSTRUCTIONS: _copilot,
    Tool.COPILOT_PROMPT: _copilot,
    Tool.KIRO: _kiro,
    Tool.CLINE: _cline,
}


# -- always-on companions ---------------------------------------------------------


def _always_on(
    workspace: Workspace,
    memo: _Memo,
    folder: PurePosixPath,
    predicate: Callable[[RulesDocument], bool],
) -> list[Path]:
    """Rules files under `folder` that the predicate says are always loaded, sorted."""
    prefix = "" if folder.as_posix() == "." else folder.as_posix() + "/"

    def members() -> list[Path]:
        result: list[Path] = []
        for relative in _files_under(workspace, prefix):
            doc = workspace.front_matter_document(workspace.root / relative)
            if doc.read_error is None and predicate(doc):
                result.append(doc.path)
        return result

    return workspace.recall(memo.always, (folder.as_posix(), predicate), members)


def _files_under(workspace: Workspace, prefix: str) -> Iterable[str]:
    return (
        relative
        for relative in workspace.all_files()
        if relative.startswith(prefix) and relative.lower().endswith((".md", ".mdc"))
    )


def _value(doc: RulesDocument, key: str) -> object:
    if doc.front_matter is None:
        return None
    entry = doc.front_matter.get(key)
    return None if entry is None else entry.value


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _always_apply(doc: RulesDocument) -> bool:
    return doc.tool is Tool.CURSOR and _truthy(_value(doc, "alwaysApply"))


def _no_paths(doc: RulesDocument) -> bool:
    value = _value(doc, "paths")
    return value is None or value in ("", [])


def _always_on_trigger(doc: RulesDocument) -> bool:
    return doc.tool is Tool.WINDSURF and _value(doc, "trigger") == "always_on"


def _apply_to_all(doc: RulesDocument) -> bool:
    if doc.tool is not Tool.COPILOT_INSTRUCTIONS:
        return False
    value = _value(doc, "applyTo")
    items = value if isinstance(value, list) else str(value or "").split(",")
    return any(str(item).strip().strip("'\"") in ("**", "**/*") for item in items)


def _kiro_always(doc: RulesDocument) -> bool:
    value = _value(doc, "inclusion")
    return doc.tool is Tool.KIRO and (value is None or value == "always")
