"""A rules file ready for checking: its text, tool, structure and front matter."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from llmops_ls.linter import frontmatter, markdown
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.source import SourceText


@dataclass(slots=True)
class RulesDocument:
    """One file as the checks see it.

    `path` is absolute; `relative` is the POSIX path from the workspace root and is what
    findings show. `read_error` is set when the file could not be read at all, in which
    case the text is empty and only the engine reports on it.
    """

    path: Path
    relative: str
    tool: Tool
    source: SourceText
    markdown: markdown.MarkdownMap
    front_matter: frontmatter.FrontMatter | None
    invalid_utf8: bool = False
    read_error: str | None = None
    size_bytes: int = 0
    cache: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The decoded text."""
        return self.source.text

    @property
    def body_start(self) -> int:
        """Offset of the first character after the front matter."""
        block = self.markdown.front_matter
        return block.end if block is not None and block.closed else 0


def build(
    path: Path,
    relative: str,
    tool: Tool,
    text: str,
    *,
    invalid_utf8: bool = False,
    read_error: str | None = None,
    size_bytes: int | None = None,
) -> RulesDocument:
    """Scan a text into a document."""
    source = SourceText(text)
    structure = markdown.scan(source, front_matter=tool.has_front_matter)
    parsed = None
    block = structure.front_matter
    if block is not None and block.closed:
        parsed = frontmatter.parse(block.body, block.body_start)
    return RulesDocument(
        path=path,
        relative=relative,
        tool=tool,
        source=source,
        markdown=structure,
        front_matter=parsed,
        invalid_utf8=invalid_utf8,
        read_error=read_error,
        size_bytes=len(text.encode("utf-8", "surrogatepass"))
        if size_bytes is None
        else size_bytes,
    )
