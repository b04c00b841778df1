"""A light structural scan of Markdown: front matter, fenced code, HTML comments.

Rules files are Markdown read by language models, not rendered pages, so this does not
build a full syntax tree: checks need to know which characters are prose, which are code
and which a rendered view hides, and they need it in microseconds per file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from llmops_ls.linter.source import SourceText

_FENCE_OPEN = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")
_LIST_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])( *)")
# A fence that starts a list item's content: "- ```ts".
_ITEM_FENCE_OPEN = re.compile(
    r"^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]{1,4})(`{3,}|~{3,})(.*)$"
)
# The container of an over-indented fence, whose closing fence may be indented freely.
_LENIENT = -1
# How far back to look for the list item that holds an indented fence.
_LIST_LOOKBACK_LINES = 200
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


@dataclass(frozen=True, slots=True)
class FrontMatterBlock:
    """The `---` block at the top of a file; offsets of the delimiters and the body."""

    start: int
    end: int
    body_start: int
    body_end: int
    body: str
    first_line: int
    closed: bool


@dataclass(frozen=True, slots=True)
class Fence:
    """A fenced code block; `end` is past the closing fence, or the end if unclosed."""

    start: int
    end: int
    open_line: int
    marker: str
    info: str
    closed: bool


@dataclass(frozen=True, slots=True)
class Comment:
    """An HTML comment outside code; `body` is the text between the delimiters."""

    start: int
    end: int
    body_start: int
    body: str
    closed: bool


@dataclass(slots=True)
class MarkdownMap:
    """Where the front matter, code blocks and comments of a file are."""

    source: SourceText
    front_matter: FrontMatterBlock | None = None
    fences: list[Fence] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    _hidden_starts: list[int] = field(default_factory=list)
    _hidden_ends: list[int] = field(default_factory=list)

    def in_code_block(self, offset: int) -> bool:
        """Whether an offset lies inside a fenced code block."""
        return any(f.start <= offset < f.end for f in self.fences)

    def is_prose(self, offset: int) -> bool:
        """Whether an offset is outside front matter, code blocks and comments."""
        i = bisect.bisect_right(self._hidden_starts, offset) - 1
        return i < 0 or offset >= self._hidden_ends[i]

    def prose_lines(self) -> Iterator[tuple[int, int, str]]:
        """Lines of prose as (line number, start offset, text); code spans are kept."""
        src = self.source
        for line in range(src.line_count):
            start = src.line_start(line)
            if not self.is_prose(start):
                continue
            text = src.line_text(line)
            if "<!--" in text or "-->" in text:
                text = _blank_hidden(self, start, text)
            yield line, start, text


def code_spans(line: str) -> list[tuple[int, int]]:
    """Column ranges of inline code spans (backtick runs) within one line."""
    if "`" not in line:
        return []
    return [(m.start(), m.end()) for m in _CODE_SPAN.finditer(line)]


def scan(source: SourceText, *, front_matter: bool = True) -> MarkdownMap:
    """Find the front matter, fences and comments of a Markdown text."""
    result = MarkdownMap(source)
    first_body_line = 0
    if front_matter:
        result.front_matter = _scan_front_matter(source)
        if result.front_matter is not None:
            first_body_line = source.position(result.front_matter.end).line
    _scan_blocks(result, first_body_line)
    hidden: list[tuple[int, int]] = []
    if result.front_matter is not None:
        hidden.append((result.front_matter.start, result.front_matter.end))
    hidden.extend((f.start, f.end) for f in result.fences)
    hidden.extend((c.start, c.end) for c in result.comments)
    hidden.sort()
    result._hidden_starts = [s for s, _ in hidden]
    result._hidden_ends = [e for _, e in hidden]
    return result


def _scan_front_matter(source: SourceText) -> FrontMatterBlock | None:
    if source.line_count == 0 or source.line_text(0).rstrip() != "---":
        return None
    body_start = (
        source.line_start(1) if len(source.line_starts) > 1 else len(source.text)
    )
    for line in range(1, source.line_count):
        if source.line_text(line).rstrip() in ("---", "..."):
            body_end = source.line_start(line)
            end = (
                source.line_start(line + 1)
                if line + 1 < len(source.line_starts)
                else len(source.text)
            )
            return FrontMatterBlock(
                0, end, body_start, body_end, source.text[body_start:body_end], 1, True
            )
    # Unclosed: a tool sees no front matter at all, so the whole file is body.
    return FrontMatterBlock(
        0, 0, body_start, len(source.text), source.text[body_start:], 1, False
    )


def _scan_blocks(result: MarkdownMap, first_line: int) -> None:
    source = result.source
    # Only lines holding a fence marker or a comment opener can start a block, so
    # find those with C-speed searches and visit nothing else.
    candidates = _lines_containing(source, ("```", "~~~", "<!--"), first_line)
    line = first_line
    for candidate in candidates:
        if candidate < line:
            continue
        line = candidate
        start = source.line_start(line)
        line_text = source.line_text(line)
        m = _FENCE_OPEN.match(line_text) or _ITEM_FENCE_OPEN.match(line_text)
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            indent = indent_width(m.group(1))
            if m.re is _ITEM_FENCE_OPEN:
                container = indent
            else:
                container = list_container(source, line, indent, first_line)
            if indent - container > 3:
                # Not a fence to CommonMark (indented code, or paragraph text),
                # but written as one and read as code; its closer may sit anywhere.
                container = _LENIENT
            line = _scan_fence(
                result,
                line,
                start,
                m.group(2),
                m.group(3).strip(),
                container=container,
            )
            continue
        at = line_text.find("<!--")
        if at != -1 and _outside_code_span(line_text, at):
            line = _scan_comment(result, line, start + at)
            continue
        line += 1


def _lines_with(source: SourceText, needle: str, first_line: int) -> Iterator[int]:
    """Lines at or after `first_line` holding `needle`, found lazily in order."""
    text = source.text
    starts = source.line_starts
    if first_line >= len(starts):
        return
    at = text.find(needle, starts[first_line])
    while at != -1:
        line = bisect.bisect_right(starts, at) - 1
        yield line
        if line + 1 >= len(starts):
            return
        at = text.find(needle, starts[line + 1])


def _lines_containing(
    source: SourceText, needles: tuple[str, ...], first_line: int
) -> list[int]:
    """Sorted numbers of the lines at or after `first_line` holding any needle."""
    text = source.text
    starts = source.line_starts
    lines: set[int] = set()
    for needle in needles:
        at = text.find(needle, starts[first_line] if first_line < len(starts) else 0)
        while at != -1:
            line = bisect.bisect_right(starts, at) - 1
            lines.add(line)
            # Skip to the next line: one hit per line is all the scan needs.
            next_start = starts[line + 1] if line + 1 < len(starts) else len(text)
            at = text.find(needle, next_start)
    return sorted(lines)


def _scan_fence(
    result: MarkdownMap,
    line: int,
    start: int,
    marker: str,
    info: str,
    *,
    container: int,
) -> int:
    """Find the end of a fence; `container` is the content column of its list item.

    Inside a list item the fence also ends, closed, where the item ends: at the first
    non-blank line indented less than the item's content (CommonMark's container rule).
    """
    source = result.source
    char, width = marker[0], len(marker)
    if container in (0, _LENIENT):
        # No list item can end this fence: only a line with the marker can close it.
        for close in _lines_with(source, char * 3, line + 1):
            text = source.line_text(close)
            stripped = text.strip()
            indent = 0 if container == _LENIENT else len(text) - len(text.lstrip())
            if container == 0 and "\t" in text[:indent]:
                indent = indent_width(text[:indent])
            if (
                stripped.startswith(char * width)
                and not stripped.strip(char)
                and indent <= 3
            ):
                end = source.line_end(close)
                result.fences.append(Fence(start, end, line, marker, info, True))
                return close + 1
        result.fences.append(Fence(start, len(source.text), line, marker, info, False))
        return source.line_count
    last = line
    for close in range(line + 1, source.line_count):
        text = source.line_text(close)
        stripped = text.strip()
        if not stripped:
            continue
        indent = indent_width(text[: len(text) - len(text.lstrip())])
        if indent < container:
            end = source.line_end(last)
            result.fences.append(Fence(start, end, line, marker, info, True))
            return last + 1
        last = close
        if (
            stripped.startswith(char * width)
            and not stripped.strip(char)
            and indent - container <= 3
        ):
            end = source.line_end(close)
            result.fences.append(Fence(start, end, line, marker, info, True))
            return close + 1
    result.fences.append(Fence(start, len(source.text), line, marker, info, False))
    return source.line_count


def indent_width(whitespace: str) -> int:
    """Columns of leading whitespace, tabs advancing to the next multiple of four."""
    if "\t" not in whitespace:
        return len(whitespace)
    return len(whitespace.expandtabs(4))


def list_container(source: SourceText, line: int, indent: int, first_line: int) -> int:
    """The content column of the list item an indented line belongs to, or 0."""
    if indent == 0:
        return 0
    for above in range(line - 1, max(first_line, line - _LIST_LOOKBACK_LINES) - 1, -1):
        text = source.line_text(above)
        if not text.strip():
            continue
        if "\t" in text:
            text = text.expandtabs(4)
        m = _LIST_ITEM.match(text)
        if m and (m.group(3) or m.end() == len(text)):
            spaces = len(m.group(3))
            content = m.end(2) + (spaces if 1 <= spaces <= 4 else 1)
            if content <= indent:
                return content
            continue
        if text[0] not in " \t":
            return 0
    return 0


def _scan_comment(result: MarkdownMap, line: int, start: int) -> int:
    source = result.source
    text = source.text
    close = text.find("-->", start + 4)
    if close == -1:
        end = len(text)
        result.comments.append(Comment(start, end, start + 4, text[start + 4 :], False))
        return source.line_count
    end = close + 3
    result.comments.append(
        Comment(start, end, start + 4, text[start + 4 : close], True)
    )
    end_line = source.position(end).line
    rest = text[end : source.line_end(end_line)]
    if "<!--" in rest:
        # Another comment starts on the closing line: rescan that line.
        return _scan_comment(result, end_line, end + rest.index("<!--"))
    return end_line + 1


def _outside_code_span(line: str, column: int) -> bool:
    return not any(s <= column < e for s, e in code_spans(line))


def _blank_hidden(result: MarkdownMap, start: int, text: str) -> str:
    """Replace the characters of comments on a prose line with spaces."""
    chars = list(text)
    for c in result.comments:
        lo = max(c.start, start) - start
        hi = min(c.end, start + len(text)) - start
        for i in range(max(lo, 0), max(hi, 0)):
            chars[i] = " "
    return "".join(chars)


def in_other_code(source: SourceText, line: int, column: int, first_line: int) -> bool:
    """Whether a column of a prose line is code in ways `scan` does not map.

    `scan` finds fences at the top level and in lists, and `code_spans` the spans of
    one line. A few checks (imports) also need indented code blocks, fences inside a
    blockquote, and code spans that run across a line break; each is looked for only
    around the line asked about.
    """
    text = source.line_text(line)
    stripped = text.lstrip(" \t")
    indent = indent_width(text[: len(text) - len(stripped)])
    if indent >= 4 and stripped:
        container = list_container(source, line, indent, first_line)
        if indent - container >= 4 and _opens_indented_code(source, line, first_line):
            return True
    if stripped.startswith(">") and _in_quoted_fence(source, line, first_line):
        return True
    return _in_wrapped_code_span(source, line, column, first_line)


def _opens_indented_code(source: SourceText, line: int, first_line: int) -> bool:
    """Whether the indented lines up to `line` follow a blank line (a code block
    cannot interrupt a paragraph)."""
    for above in range(line - 1, max(first_line, line - _LIST_LOOKBACK_LINES) - 1, -1):
        text = source.line_text(above)
        if not text.strip():
            return True
        if indent_width(text[: len(text) - len(text.lstrip(" \t"))]) < 4:
            return False
    return True  # the start of the body, or far enough up to be a block of its own


_QUOTE_PREFIX = re.compile(r"^[ ]{0,3}(?:>[ ]?)+")


def _in_quoted_fence(source: SourceText, line: int, first_line: int) -> bool:
    """Whether a blockquote line is inside a fence opened in the same blockquote."""
    inside = False
    marker = ""
    start = line
    while start > first_line and _QUOTE_PREFIX.match(source.line_text(start - 1)):
        start -= 1
    for number in range(start, line):
        quoted = _QUOTE_PREFIX.sub("", source.line_text(number), count=1).lstrip()
        if not inside:
            m = _FENCE_OPEN.match(quoted)
            if m:
                inside, marker = True, m.group(2)
        elif (
            quoted.startswith(marker[0] * len(marker))
            and not quoted.strip(marker[0]).strip()
        ):
            inside = False
    return inside


def _in_wrapped_code_span(
    source: SourceText, line: int, column: int, first_line: int
) -> bool:
    """Whether a column is inside a code span that starts or ends on another line of
    its paragraph."""
    first = line
    while first > first_line and source.line_text(first - 1).strip():
        first -= 1
        if line - first > _LIST_LOOKBACK_LINES:
            return False
    last = line
    while last + 1 < source.line_count and source.line_text(last + 1).strip():
        last += 1
        if last - line > _LIST_LOOKBACK_LINES:
            return False
    if first == last:
        return False
    lines = [source.line_text(number) for number in range(first, last + 1)]
    paragraph = "\n".join(lines)
    if "`" not in paragraph:
        return False
    offset = sum(len(text) + 1 for text in lines[: line - first]) + column
    return any(
        m.start() <= offset < m.end() for m in _WRAPPED_CODE_SPAN.finditer(paragraph)
    )


_WRAPPED_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
