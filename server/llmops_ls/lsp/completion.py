"""Completion of front-matter keys and their allowed values, per rules-file format."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types

from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.schemas import KeySpec, Schema, ValueKind, schema_for

if TYPE_CHECKING:
    from llmops_ls.lsp.session import Session

TRIGGER_CHARACTERS = [":", " "]
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*")
_KEY_PREFIX = re.compile(r"^[A-Za-z_][\w-]*$|^$")


class Completion:
    """Answers `textDocument/completion` inside a front-matter block."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def complete(self, params: types.CompletionParams) -> types.CompletionList | None:
        """Keys at the start of a front-matter line, allowed values after `key:`."""
        located = self.session.located(params.text_document.uri)
        if located is None:
            return None
        _, _, doc = located
        schema = schema_for(doc.tool)
        if schema is None or not _in_front_matter(doc, params.position.line):
            return None
        line = doc.source.line_text(params.position.line)
        offset = self.session.encoder.to_offset(doc.source, params.position)
        before = line[: offset - doc.source.line_start(params.position.line)]
        match = _KEY_LINE.match(before)
        if match is not None:
            spec = schema.key(match.group(1))
            if spec is None:
                return None
            return types.CompletionList(is_incomplete=False, items=_values(spec))
        if _KEY_PREFIX.match(before) is None:
            return None
        present = set(doc.front_matter.entries) if doc.front_matter else set()
        return types.CompletionList(is_incomplete=False, items=_keys(schema, present))


def _in_front_matter(doc: RulesDocument, line: int) -> bool:
    block = doc.markdown.front_matter
    if block is None:
        return False
    last_line = doc.source.position(block.body_end).line
    return block.first_line < line <= last_line or (
        not block.closed and line > block.first_line
    )


def _keys(schema: Schema, present: set[str]) -> list[types.CompletionItem]:
    items = []
    for index, spec in enumerate(schema.keys):
        if spec.name in present:
            continue
        items.append(
            types.CompletionItem(
                label=spec.name,
                kind=types.CompletionItemKind.Property,
                detail=f"{schema.doc}: {spec.kind.value}",
                documentation=types.MarkupContent(
                    kind=types.MarkupKind.Markdown, value=spec.doc
                ),
                insert_text=f"{spec.name}: ",
                sort_text=f"{index:03d}",
                tags=[types.CompletionItemTag.Deprecated]
                if spec.deprecated_by
                else None,
            )
        )
    return items


def _values(spec: KeySpec) -> list[types.CompletionItem]:
    allowed = spec.allowed
    if not allowed and spec.kind is ValueKind.BOOLEAN:
        allowed = ("true", "false")
    return [
        types.CompletionItem(
            label=value,
            kind=types.CompletionItemKind.EnumMember
            if spec.kind is ValueKind.ENUM
            else types.CompletionItemKind.Value,
            detail=spec.name,
            sort_text=f"{index:03d}",
        )
        for index, value in enumerate(allowed)
    ]
