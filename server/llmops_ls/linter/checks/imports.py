"""Checks on `@path` imports: missing, outside the workspace, cyclic, too deep."""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding, Related, Severity
from llmops_ls.linter.imports import (
    DOCUMENT_EXTENSIONS,
    Import,
    Step,
    file_exists,
    find_imports,
    imported_files,
    is_inside,
    is_loadable,
    max_depth,
    read_as,
    resolve,
    walk_imports,
)
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.registry import check
from llmops_ls.linter.workspace import Workspace

# Files whose whole purpose is to hold credentials; templates of them are fine.
_SECRET_NAME = re.compile(
    r"""^(?:
        \.env(?:\.(?!example$|sample$|template$|dist$|defaults?$)[\w.-]+)?
        | .*\.(?:pem|key|p12|pfx|jks|keystore|ppk)
        | id_(?:rsa|dsa|ecdsa|ed25519)
        | \.(?:npmrc|pypirc|netrc|git-credentials|htpasswd)
        | credentials(?:\.json)?
        | secrets?\.(?:json|ya?ml|toml|env)
        | service[-_]account.*\.json
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# A cycle search gives up after this many files; real import graphs are far smaller.
_MAX_FILES_SEARCHED = 200


def _tool_name(tool: Tool) -> str:
    return "Gemini CLI" if tool is Tool.GEMINI else "Claude Code"


@check(
    "import-missing",
    "import-outside-workspace",
    "import-cycle",
    "import-depth",
    "import-secret",
    "import-not-text",
)
def check_imports(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report imports that load nothing, load the wrong thing, or loop."""
    imports = find_imports(doc)
    if not imports:
        return
    for imp in imports:
        yield from _check_one(doc, ctx, imp)
    yield from _missing_further(doc, ctx)
    yield from _cycles(doc, ctx)
    yield from _too_deep(doc, ctx)


def _missing_further(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Missing files that imported files import, on the import that leads to them.

    An imported file that is a rules file of its own is linted on its own; the others
    (`docs/*.md`, say) are read only through this file, so their broken imports are
    reported here, with the trail.
    """
    if not ctx.enabled("import-missing"):
        return
    workspace = ctx.workspace
    for step in walk_imports(doc, workspace).loaded:
        if step.depth == 0 or step.doc.tool is not Tool.GENERIC:
            continue  # the file itself, or a rules file linted on its own
        trail = step.trail()
        first = trail[1].via
        if first is None:
            continue
        reader = read_as(step.doc, workspace, doc.tool)
        for imp in find_imports(reader):
            target = resolve(imp, reader, workspace)
            if not is_inside(target, workspace) or file_exists(target, workspace):
                continue
            if not _reportable(imp, reader, workspace):
                continue
            shown = imp.path.rstrip(".,;:!?)]}'\">") or imp.path
            yield ctx.finding(
                "import-missing",
                doc,
                first.start,
                first.end,
                f"{step.doc.relative}, loaded through this import, imports `{shown}`,"
                f" which does not exist; {_tool_name(doc.tool)} skips it silently",
                related=[
                    *_step_related(trail[2:], ctx),
                    ctx.related(
                        reader, imp.start, imp.end, f"`{shown}` does not exist"
                    ),
                ],
            )


def _check_one(doc: RulesDocument, ctx: CheckContext, imp: Import) -> Iterator[Finding]:
    workspace = ctx.workspace
    tool = _tool_name(doc.tool)
    target = resolve(imp, doc, workspace)

    if _SECRET_NAME.match(target.name):
        yield ctx.finding(
            "import-secret",
            doc,
            imp.start,
            imp.end,
            f"`{imp.raw}` imports `{target.name}`, a file of credentials: its contents"
            " would be sent to the model provider with every request",
        )
        return

    if not is_inside(target, workspace):
        if (
            imp.path.startswith("/")
            and _reads_as_specifier(imp.path)
            and not _first_folder_exists(imp, doc, workspace)
        ):
            return  # `@/components/ui`: the `@/` path alias of TypeScript projects
        yield from _outside(doc, ctx, imp)
        return

    if file_exists(target, workspace):
        if not is_loadable(target, doc.tool):
            yield ctx.finding(
                "import-not-text",
                doc,
                imp.start,
                imp.end,
                f"{tool} skips imported files with the extension `{target.suffix}`:"
                f" `{imp.path}` is never loaded",
            )
        return
    yield from _missing(doc, ctx, imp, target)


def _missing(
    doc: RulesDocument, ctx: CheckContext, imp: Import, target: Path
) -> Iterator[Finding]:
    workspace = ctx.workspace
    tool = _tool_name(doc.tool)
    if imp.trailing:
        trimmed = imp.path[: -len(imp.trailing)]
        intended = dataclasses.replace(imp, path=trimmed)
        if trimmed and file_exists(resolve(intended, doc, workspace), workspace):
            yield ctx.finding(
                "import-missing",
                doc,
                imp.start,
                imp.end,
                f"{tool} reads `{imp.trailing}` as part of the path, so it looks for"
                f" `{imp.path}`, which does not exist, and `{trimmed}` is not loaded;"
                " put a space after the path",
            )
            return
    if not _reportable(imp, doc, workspace):
        return
    end = imp.end - len(imp.trailing) if imp.raw.endswith(imp.trailing) else imp.end
    shown = imp.path.rstrip(".,;:!?)]}'\">") or imp.path
    if ctx.workspace.is_dir(target):
        message = (
            f"`{shown}` is a folder; an import loads one file, so nothing is loaded"
        )
    else:
        where = ctx.workspace.relative(target.parent) or "."
        message = (
            f"imported file `{shown}` does not exist (looked in `{where}/`);"
            f" {tool} skips it silently"
        )
    yield ctx.finding("import-missing", doc, imp.start, end, message)


def _reportable(imp: Import, doc: RulesDocument, workspace: Workspace) -> bool:
    """Whether a missing import is a file reference gone wrong, worth reporting.

    `@alice` and `@scope/pkg` are mentions or packages as often as files, so they count
    only when their first folder exists. `@types/node/index.d.ts`, `@mui/material/
    styles` and `@/components/ui` (the usual path alias) name code the way imports in
    source do; with no such first folder, they are not files either.
    """
    folder_exists = _first_folder_exists(imp, doc, workspace)
    if _reads_as_specifier(imp.path) and not folder_exists:
        return False
    return imp.confident or folder_exists


def _reads_as_specifier(path: str) -> bool:
    """Whether a path could be a module specifier: not written as a relative path,
    with a folder, and not ending in a document's extension."""
    path = path.rstrip(".,;:!?)]}'\">")
    if path.startswith(("./", "../", "~/")):
        return False
    if not path.startswith("/") and "/" not in path:
        return False
    return PurePosixPath(path).suffix.lower() not in DOCUMENT_EXTENSIONS


def _first_folder_exists(imp: Import, doc: RulesDocument, workspace: Workspace) -> bool:
    """Whether the first folder of an import's path exists where it is looked for."""
    path = imp.path
    if "/" not in path.strip("/"):
        return False
    first = path.lstrip("/").split("/", 1)[0]
    folder = Path("/") if path.startswith("/") else doc.path.parent
    return workspace.is_dir(folder / first)


def _outside(doc: RulesDocument, ctx: CheckContext, imp: Import) -> Iterator[Finding]:
    # A personal file may point anywhere: it is not shared with anyone.
    if doc.path.name == "CLAUDE.local.md":
        return
    if doc.tool is Tool.GEMINI:
        message = (
            f"`{imp.path}` is outside the project: Gemini CLI refuses imports from"
            " outside the project root, so it is never loaded"
        )
    elif imp.is_home:
        message = (
            f"`{imp.path}` is in your home folder: it loads only for people who"
            " have that file, never in CI; keep shared instructions in the repository"
        )
    else:
        message = (
            f"`{imp.path}` is outside the workspace: teammates and CI will not have it,"
            " and Claude Code asks for approval before loading files from outside"
            " the project"
        )
    finding = ctx.finding("import-outside-workspace", doc, imp.start, imp.end, message)
    if (
        imp.is_home
        and doc.tool is not Tool.GEMINI
        and "import-outside-workspace" not in ctx.settings.severity
    ):
        # Documented as the way to pull personal instructions: worth knowing, not a
        # problem, unless the project raised the rule's severity itself.
        finding = dataclasses.replace(finding, severity=Severity.INFO)
    yield finding


# -- cycles ------------------------------------------------------------------------


def _cycles(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """One finding per import of `doc` that leads back to `doc`."""
    if not ctx.enabled("import-cycle"):
        return
    for imp, target in imported_files(doc, ctx.workspace):
        if target.path == doc.path:
            yield ctx.finding(
                "import-cycle",
                doc,
                imp.start,
                imp.end,
                f"import cycle: {doc.relative} -> {doc.relative} (a file importing"
                " itself adds nothing)",
            )
            continue
        edges = _edges_back(doc, target, ctx)
        if edges is None:
            continue
        names = " -> ".join(
            [doc.relative, *(holder.relative for holder, _ in edges), doc.relative]
        )
        following = [holder for holder, _ in edges[1:]] + [doc]
        related = [
            ctx.related(
                holder,
                edge.start,
                edge.end,
                f"{holder.relative} imports {importee.relative}",
            )
            for (holder, edge), importee in zip(edges, following, strict=True)
        ]
        yield ctx.finding(
            "import-cycle",
            doc,
            imp.start,
            imp.end,
            f"import cycle: {names}; each file loads once, so the cycle only hides"
            " which file is meant to come first",
            related=related,
        )


def _edges_back(
    doc: RulesDocument, start: RulesDocument, ctx: CheckContext
) -> list[tuple[RulesDocument, Import]] | None:
    """The shortest trail of imports from `start` back to `doc`, as (file, import)."""
    parents: dict[Path, tuple[RulesDocument, Import] | None] = {start.path: None}
    queue = deque([start])
    while queue and len(parents) < _MAX_FILES_SEARCHED:
        current = queue.popleft()
        for imp, target in imported_files(current, ctx.workspace, doc.tool):
            if target.path == doc.path:
                edges = [(current, imp)]
                link = parents[current.path]
                while link is not None:
                    edges.append(link)
                    link = parents[link[0].path]
                return edges[::-1]
            if target.path not in parents:
                parents[target.path] = (current, imp)
                queue.append(target)
    return None


# -- depth -------------------------------------------------------------------------


def _too_deep(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """One finding per top-level import whose chain runs past the tool's depth limit."""
    if not ctx.enabled("import-depth"):
        return
    walk = walk_imports(doc, ctx.workspace)
    reported: set[int] = set()
    limit = max_depth(doc.tool)
    for step in walk.too_deep:
        trail = step.trail()
        first = trail[1].via
        if first is None or first.start in reported:
            continue
        reported.add(first.start)
        names = " -> ".join(s.doc.relative for s in trail)
        yield ctx.finding(
            "import-depth",
            doc,
            first.start,
            first.end,
            f"{step.doc.relative} is {step.depth} imports deep ({names});"
            f" {_tool_name(doc.tool)} stops at depth {limit} and silently does not"
            " load it",
            related=list(_step_related(trail[2:], ctx)),
        )


def _step_related(steps: list[Step], ctx: CheckContext) -> Iterator[Related]:
    for step in steps:
        if step.via is not None and step.parent is not None:
            yield ctx.related(
                step.parent.doc,
                step.via.start,
                step.via.end,
                f"{step.parent.doc.relative} imports {step.doc.relative}",
            )
