"""Translation between the linter's values and LSP types.

The linter counts columns in code points; LSP positions count in the encoding agreed at
initialisation (UTF-16 unless the client offered UTF-8 or UTF-32). Every position sent
or received goes through `PositionEncoder`, so an emoji before a finding cannot shift
its range.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types

from llmops_ls.linter import catalogue
from llmops_ls.linter.finding import Edit, Finding, Related, Severity
from llmops_ls.linter.source import Position, SourceText
from llmops_ls.lsp.paths import resolved

SOURCE = "llmops-ls"

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}
_UNNECESSARY_RULES = frozenset({"unused-suppression"})


class PositionEncoder:
    """Converts code-point columns to and from the client's position encoding."""

    def __init__(self, encoding: str | None) -> None:
        self.encoding = str(encoding or types.PositionEncodingKind.Utf16)

    def units(self, text: str) -> int:
        """Length of `text` in the client's code units."""
        if text.isascii() or self.encoding == types.PositionEncodingKind.Utf32:
            return len(text)
        if self.encoding == types.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def to_client(self, source: SourceText, position: Position) -> types.Position:
        """An LSP position for a code-point position of `source`."""
        if position.line >= len(source.line_starts):
            return types.Position(line=position.line, character=0)
        start = source.line_starts[position.line]
        prefix = source.text[start : start + position.column]
        return types.Position(line=position.line, character=self.units(prefix))

    def range(self, source: SourceText, start: Position, end: Position) -> types.Range:
        """An LSP range between two code-point positions."""
        return types.Range(self.to_client(source, start), self.to_client(source, end))

    def offset_range(self, source: SourceText, start: int, end: int) -> types.Range:
        """An LSP range between two offsets."""
        return self.range(source, source.position(start), source.position(end))

    def to_offset(self, source: SourceText, position: types.Position) -> int:
        """The offset of an LSP position, clamped to its line."""
        if position.line >= len(source.line_starts):
            return len(source.text)
        line = source.line_text(position.line)
        if line.isascii() or self.encoding == types.PositionEncodingKind.Utf32:
            column = position.character
        else:
            column, units = 0, 0
            for char in line:
                if units >= position.character:
                    break
                units += self.units(char)
                column += 1
        return source.offset(Position(position.line, column))


def uri_to_path(uri: str) -> Path | None:
    """The file a `file:` URI names, or None for other schemes (untitled, git...)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def path_to_uri(path: Path) -> str:
    """A `file:` URI for an absolute path."""
    return resolved(path).as_uri()


Locate = Callable[[str], tuple[Path, SourceText | None]]


def diagnostic(
    finding: Finding, source: SourceText, encoder: PositionEncoder, locate: Locate
) -> types.Diagnostic:
    """The LSP diagnostic of a finding of a document whose text is `source`.

    `locate` turns the workspace-relative path of a related place into its absolute
    path and text, so that related ranges are encoded against the right file.
    """
    rule = catalogue.load().get(finding.rule)
    related = [_related(item, encoder, locate) for item in finding.related]
    return types.Diagnostic(
        range=encoder.range(source, finding.start, finding.end),
        message=finding.message,
        severity=_SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=rule.help_url)
        if rule is not None
        else None,
        source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary]
        if finding.rule in _UNNECESSARY_RULES
        else None,
        related_information=related or None,
        data={"rule": finding.rule},
    )


def _related(
    item: Related, encoder: PositionEncoder, locate: Locate
) -> types.DiagnosticRelatedInformation:
    path, source = locate(item.path)
    if source is None:
        location_range = types.Range(
            types.Position(item.start.line, item.start.column),
            types.Position(item.end.line, item.end.column),
        )
    else:
        location_range = encoder.range(source, item.start, item.end)
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=path_to_uri(path), range=location_range),
        message=item.message,
    )


def text_edits(
    edits: tuple[Edit, ...] | list[Edit], source: SourceText, encoder: PositionEncoder
) -> list[types.TextEdit]:
    """LSP text edits for offset-based edits of one document."""
    return [
        types.TextEdit(
            range=encoder.offset_range(source, edit.start, edit.end),
            new_text=edit.new_text,
        )
        for edit in edits
    ]
