"""Text of a rules file and conversions between offsets and line/column positions."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Position:
    """A zero-based line and a zero-based column counted in code points."""

    line: int
    column: int

    def __reduce__(self) -> tuple[type, tuple[int, int]]:
        """Pickled as constructor arguments: loads faster than field by field."""
        return Position, (self.line, self.column)


@dataclass(slots=True)
class SourceText:
    """Decoded text with a line index; offsets are code-point indices into `text`."""

    text: str
    line_starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        lengths = (len(line) + 1 for line in self.text.split("\n"))
        self.line_starts = [0, *itertools.accumulate(lengths)][:-1]

    @property
    def line_count(self) -> int:
        """Number of lines; a trailing newline does not start an extra line."""
        if self.text.endswith("\n"):
            return len(self.line_starts) - 1
        return len(self.line_starts)

    def position(self, offset: int) -> Position:
        """The position of an offset, clamped to the text."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return Position(line, offset - self.line_starts[line])

    def offset(self, position: Position) -> int:
        """The offset of a position, clamped to its line."""
        if position.line >= len(self.line_starts):
            return len(self.text)
        start = self.line_starts[max(position.line, 0)]
        end = self.line_end(position.line)
        return min(start + max(position.column, 0), end)

    def line_start(self, line: int) -> int:
        """Offset of the first character of a line."""
        return self.line_starts[line]

    def line_end(self, line: int) -> int:
        """Offset just past the last character of a line, before its newline."""
        if line + 1 < len(self.line_starts):
            end = self.line_starts[line + 1] - 1
            if end > 0 and self.text[end - 1] == "\r":
                end -= 1
            return end
        return len(self.text)

    def line_text(self, line: int) -> str:
        """A line without its line ending."""
        return self.text[self.line_start(line) : self.line_end(line)]


def decode(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8 (dropping a BOM); the flag says whether any bytes were invalid."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True
