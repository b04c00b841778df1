"""Document links and go-to-definition for `@imports` and local Markdown links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types

from llmops_ls.linter import imports
from llmops_ls.linter.document import RulesDocument
from llmops_ls.lsp import convert

if TYPE_CHECKING:
    from llmops_ls.lsp.project import Project
    from llmops_ls.lsp.session import Session

# `[text](target "title")`, the target optionally in angle brackets.
_MARKDOWN_LINK = re.compile(
    r"\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(\s*(?:<([^>\n]+)>|([^)\s]+))(?:\s+\"[^\"\n]*\")?\s*\)"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True, slots=True)
class Target:
    """A span of a document that names another file, and that file."""

    start: int
    end: int
    path: Path
    kind: str  # "import" or "link"
    raw: str


def find_targets(doc: RulesDocument, project: Project) -> list[Target]:
    """The imports and local links of a document whose files exist, in order."""
    workspace = project.workspace
    found: list[Target] = []
    for imp in imports.find_imports(doc):
        path = imports.resolve(imp, doc, workspace)
        if workspace.exists(path):
            found.append(Target(imp.start, imp.end, path, "import", imp.raw))
    if "](" in doc.text:
        for match in _MARKDOWN_LINK.finditer(doc.text):
            group = 1 if match.group(1) is not None else 2
            raw = match.group(group)
            start = match.start(group)
            if not doc.markdown.is_prose(match.start()) or start < doc.body_start:
                continue
            linked = _local_target(raw, doc, project)
            if linked is not None and workspace.exists(linked):
                found.append(Target(start, start + len(raw), linked, "link", raw))
    return sorted(found, key=lambda t: t.start)


def target_at(targets: list[Target], offset: int) -> Target | None:
    """The target whose span holds an offset (its end included: a cursor after it)."""
    return next((t for t in targets if t.start <= offset <= t.end), None)


def _local_target(raw: str, doc: RulesDocument, project: Project) -> Path | None:
    if raw.startswith("#") or _SCHEME.match(raw) or raw.startswith("//"):
        return None
    relative = unquote(raw.split("#", 1)[0].split("?", 1)[0])
    if not relative:
        return None
    if relative.startswith("/"):
        return (project.root / relative.lstrip("/")).resolve()
    return (doc.path.parent / relative).resolve()


class Links:
    """Answers `textDocument/documentLink` and `textDocument/definition`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def document_links(
        self, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        """A link for every import and local Markdown link whose file exists."""
        located = self.session.located(params.text_document.uri)
        if located is None:
            return None
        project, _, doc = located
        encoder = self.session.encoder
        return [
            types.DocumentLink(
                range=encoder.offset_range(doc.source, t.start, t.end),
                target=convert.path_to_uri(t.path),
                tooltip=f"{'import' if t.kind == 'import' else 'link'}: "
                f"{project.workspace.relative(t.path)}",
            )
            for t in find_targets(doc, project)
        ]

    def definition(self, params: types.DefinitionParams) -> list[types.Location] | None:
        """The file an import or a link under the cursor points at."""
        located = self.session.located(params.text_document.uri)
        if located is None:
            return None
        project, _, doc = located
        offset = self.session.encoder.to_offset(doc.source, params.position)
        target = target_at(find_targets(doc, project), offset)
        if target is None:
            return None
        start = types.Position(line=0, character=0)
        return [
            types.Location(
                uri=convert.path_to_uri(target.path), range=types.Range(start, start)
            )
        ]
