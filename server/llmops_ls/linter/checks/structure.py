"""Checks on the shape of a file: template leftovers, unclosed code, empty files."""

from __future__ import annotations

import re
from collections.abc import Iterator

from llmops_ls.linter import directives
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Edit, Finding, Fix
from llmops_ls.linter.markdown import Fence
from llmops_ls.linter.registry import check

# Template leftovers in prose. Markers such as TODO count only where they open a line
# (after any list marker) and are followed by a colon, or stand alone, and TBD also as
# a field's value ("Owner: TBD"): a rule that talks about TODO comments ("never leave
# TODO comments") is not a leftover. A bracketed template says what to put in it
# ("[insert the API name]"): a bare "[Insert]" is the name of a key.
# Each marker is found at its capital D or X, letters rare in prose: two passes over
# the text find all four, faster than a regex per marker or an alternation, which
# tries every character. The empty groups tell the markers apart.
_MARKERS_D = re.compile(r"D(?:(?<=TOD)(?=O)()|(?<=TBD)())")
_MARKERS_X = re.compile(r"X(?:(?<=FIX)(?=ME)()|(?=XX)())")
# For each pattern and group: (offset of the marker from the letter, its length).
_MARKER_SPANS = (
    (_MARKERS_D, {1: (2, 4), 2: (2, 3)}),
    (_MARKERS_X, {1: (2, 5), 2: (0, 3)}),
)
_MARKER_LEAD = re.compile(r"[ \t]*(?:(?:[-*+>]|\d{1,3}[.)])[ \t]+)*(?:\*\*)?")
_MARKER_TAIL = re.compile(
    r"(?:\([^)\n]*\))?(?:\*\*)?(?:[ \t]*[:\-\u2013\u2014]|[ \t]*\r?$)", re.M
)
# The others are searched in the lower-cased text, each starting with a literal.
_TEMPLATES = (
    re.compile(
        r"\[(?:insert|add|enter|fill in|describe|replace|your|project|company"
        r"|team|app|product)\b[^\]\n]{2,60}\](?!\()"
    ),
    re.compile(
        r"<(?:project[ _-]?name|your[ _-][a-z][a-z _-]{0,40}"
        r"|insert[ _-][^<>\n]{1,40}|company[ _-]?name|app[ _-]?name"
        r"|repo(?:sitory)?[ _-]?name|team[ _-]?name)>"
    ),
    re.compile(r"lorem ipsum"),
)
# "your-" and "my-" names, found at their "y" (group 1: "your", group 2: "my").
_NAME_TEMPLATE = re.compile(
    r"y(?:our()|(?<=my)())[-_](?:project|app|repo|company|org|team)[-_]?name"
    r"(?![\w-])"
)
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_MUSTACHE = re.compile(r"\{\{\s*[A-Z][A-Z0-9_]*\s*\}\}")


@check("placeholder")
def check_placeholders(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report template text that was never filled in."""
    for start, end in sorted(_placeholders(doc)):
        if not doc.markdown.is_prose(start) or directives.in_code_span(doc, start):
            continue
        found = doc.text[start:end]
        yield ctx.finding(
            "placeholder",
            doc,
            start,
            end,
            f"template placeholder “{found}” was never filled in; the model reads it "
            "as an instruction or as a fact about the project",
        )


def _placeholders(doc: RulesDocument) -> Iterator[tuple[int, int]]:
    text = doc.text
    for pattern, spans in _MARKER_SPANS:
        for m in pattern.finditer(text):
            back, size = spans[m.lastindex or 1]
            start = m.start() - back
            end = start + size
            if (start and text[start - 1].isalnum()) or (
                end < len(text) and (text[end].isalnum() or text[end] in "-_")
            ):
                continue
            if size == 3 and text[start] == "T" and _is_field_value(text, start):
                yield start, end  # "Owner: TBD"
                continue
            line_start = text.rfind("\n", 0, start) + 1
            lead = _MARKER_LEAD.match(text, line_start)
            if lead is None or lead.end() != start:
                continue
            if _MARKER_TAIL.match(text, end):
                yield start, end
    lowered = directives.lowered(doc)
    for pattern in _TEMPLATES:
        for m in pattern.finditer(lowered):
            if _opens_word(lowered, m.start()):
                yield m.span()
    for m in _NAME_TEMPLATE.finditer(lowered):
        start = m.start() - (m.lastindex == 2)
        if _opens_word(lowered, start):
            yield start, m.end()
    for m in _MUSTACHE.finditer(text):
        yield m.span()


def _is_field_value(text: str, start: int) -> bool:
    """Whether a marker is the value of a `Name:` field ("Owner: TBD")."""
    before = text[max(0, start - 2) : start]
    return before.endswith(":") or before == ": "


def _opens_word(lowered: str, start: int) -> bool:
    """Whether a match starts a word rather than continuing a name ("x-your-app")."""
    before = lowered[start - 1] if start else " "
    return not (before.isalnum() or before in "-_")


@check("unclosed-fence")
def check_unclosed_fences(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report a code fence that never closes, turning the rest of the file into code."""
    fences = doc.markdown.fences
    for index, fence in enumerate(fences):
        if fence.closed:
            continue
        line = fence.open_line
        open_end = doc.source.line_end(line)
        text = doc.text
        newline = "" if text.endswith("\n") or not text else "\n"
        fix = Fix(
            f"close the code block with {fence.marker} at the end of the file",
            (Edit(len(text), len(text), f"{newline}{fence.marker}\n"),),
            safe=False,
        )
        yield ctx.finding(
            "unclosed-fence",
            doc,
            fence.start,
            open_end,
            _unclosed_message(doc, fence, fences[index - 1] if index else None),
            fix=fix,
        )


def _unclosed_message(doc: RulesDocument, fence: Fence, previous: Fence | None) -> str:
    line = fence.open_line + 1
    body = doc.text[doc.source.line_end(fence.open_line) : fence.end]
    if not body.strip() and not fence.info:
        hint = ""
        if previous is not None and previous.closed:
            last = doc.source.position(previous.end).line
            closing = doc.source.line_text(last).strip()
            if not closing.startswith(previous.marker):
                hint = (
                    f"; it was probably meant to close the block opened at line "
                    f"{previous.open_line + 1}, but it is indented less than that "
                    "block's list item"
                )
        return (
            f"this code fence opens a block that never closes{hint}; a renderer shows "
            "an empty code block to the end of the file"
        )
    return (
        f"code block opened at line {line} never closes: everything after it is read "
        "as code, so the instructions there are not seen as instructions; add a "
        f"closing {fence.marker} where the code ends"
    )


@check("empty-rules")
def check_empty(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report a rules file with nothing in it but front matter, headings or comments."""
    if doc.invalid_utf8:
        return
    if doc.markdown.fences:
        return
    for _, _, text in doc.markdown.prose_lines():
        stripped = text.strip()
        if stripped and not _HEADING.match(text) and stripped.strip("-*_=") != "":
            return
    block = doc.markdown.front_matter
    start = block.start if block is not None and block.closed else 0
    end = doc.source.line_end(doc.source.position(start).line)
    what = "is empty" if not doc.text.strip() else "has no instructions"
    yield ctx.finding(
        "empty-rules",
        doc,
        start,
        end,
        f"this rules file {what}: only front matter, headings or comments; it is "
        "loaded for nothing, or its content was lost",
    )
