"""Checks on single directives: repeated instructions and hedged, vague wording."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from llmops_ls.linter import directives
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding, Related
from llmops_ls.linter.loadchain import load_chain
from llmops_ls.linter.registry import check

# Hedges, found by their last word (a fast substring search) and then checked
# against the words before it. Conditions the model has to guess:
_CONDITION_LEADS = {
    "possible": ("if", "where", "when", "whenever", "as much as"),
    "appropriate": ("when", "where", "as", "if"),
    "needed": ("as", "if", "when", "where"),
    "necessary": ("as", "if", "when", "where"),
    "feasible": ("where", "when", "if"),
    "applicable": ("where", "if", "when"),
    "makes sense": ("when it", "where it", "if it"),
}
# ... and words that make a rule optional.
_SOFT = ("try to ", "consider ", "generally", "ideally", "should probably")
_SUGGESTION = re.compile(r" +(?:\w+ing|whether|adding)\b")
_EXAMPLE_WORDS = ("e.g", "eg.", "such as", "for example", "including", "like ")
_VAGUE_WORDS = directives.scan_words(*_CONDITION_LEADS, *_SOFT, "etc.")


@check("duplicate-directive")
def check_duplicates(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report an instruction line repeated in the file or in a file loaded with it."""
    lines = directives.line_index(doc)
    counts = Counter(lines)
    for key, count in counts.items():
        if count < 2 or not directives.is_instruction_key(key):
            continue
        numbers = directives.instruction_lines(doc, key)
        for later in numbers[1:]:
            if _steps_of_different_procedures(doc, numbers[0], later):
                continue
            yield ctx.finding(
                "duplicate-directive",
                doc,
                *_line_span(doc, later),
                f"this instruction repeats line {numbers[0] + 1}; every copy is sent "
                "with each request, and copies drift apart when only one is edited",
                related=[_related_line(ctx, doc, numbers[0], "first stated here")],
            )
    chain = load_chain(doc, ctx.workspace)
    if len(chain) < 2:
        return
    for other in chain:
        if other is doc:
            continue
        # The other file is usually the smaller: look its keys up, not ours.
        shared = set(directives.line_index(other)).intersection(counts)
        for key in sorted(k for k in shared if directives.is_instruction_key(k)):
            mine = directives.instruction_lines(doc, key)
            theirs = directives.instruction_lines(other, key)
            if mine and theirs:
                yield ctx.finding(
                    "duplicate-directive",
                    doc,
                    *_line_span(doc, mine[0]),
                    f"this instruction is also in {other.relative}, which is loaded "
                    "with this file; keep it in one place",
                    related=[_related_line(ctx, other, theirs[0], "also stated here")],
                )


# A step of a procedure: a numbered item, or an item nested under another.
_STEP = re.compile(r"^(?:\s*\d{1,3}[.)]|\s{2,}[-*+])\s")


def _steps_of_different_procedures(doc: RulesDocument, first: int, later: int) -> bool:
    """Whether two equal lines are steps of procedures under different headings.

    "Merge back to develop" in both a release and a hotfix procedure is a step each
    of them needs, not a copy to remove. A rule (a top-level item) said again in
    another section still is one.
    """
    source = doc.source
    if not (
        _STEP.match(source.line_text(first)) and _STEP.match(source.line_text(later))
    ):
        return False
    return any(
        source.line_text(line).lstrip().startswith("#")
        for line in range(later - 1, first, -1)
    )


@check("vague-directive")
def check_vague(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report hedged instructions whose condition the model has to guess."""
    lowered = directives.lowered(doc)
    hits: list[tuple[int, int, str]] = []
    found = directives.word_hits(doc, _VAGUE_WORDS)
    for word in _VAGUE_WORDS:
        for at in found[word]:
            hit = _hedge_at(lowered, at)
            if hit is not None:
                hits.append(hit)
    sentences: set[int] = set()
    for start, end, kind in sorted(hits):
        if not doc.markdown.is_prose(start) or directives.in_code_span(doc, start):
            continue
        sentence_start, _ = directives.sentence_bounds(doc, start)
        if sentence_start in sentences or lowered[sentence_start] == "#":
            continue
        sentences.add(sentence_start)
        yield ctx.finding(
            "vague-directive",
            doc,
            start,
            end,
            _vague_message(doc.text[start:end].rstrip(". "), kind),
        )


def _hedge_at(lowered: str, at: int) -> tuple[int, int, str] | None:
    """The hedge phrase (start, end, kind) whose key word is at `at`, if it is one."""
    if at > 0 and lowered[at - 1].isalnum():
        return None
    for word, leads in _CONDITION_LEADS.items():
        if lowered.startswith(word, at):
            end = at + len(word)
            if end < len(lowered) and lowered[end].isalnum():
                return None
            before = lowered[max(0, at - 12) : at]
            for lead in leads:
                size = len(lead) + 1
                if before.endswith(lead + " ") and (
                    len(before) == size or not before[-size - 1].isalnum()
                ):
                    return at - size, end, "condition"
            return None
    if lowered.startswith("etc.", at):
        # "such as a, b, etc." announces examples: the list is meant to be open.
        # So does a parenthesised list: "(camelCase, snake_case, etc.)".
        line = lowered[lowered.rfind("\n", 0, at) + 1 : at]
        if line.count("(") > line.count(")") or any(w in line for w in _EXAMPLE_WORDS):
            return None
        return at, at + 4, "etc"
    word = next(w for w in _SOFT if lowered.startswith(w, at))
    end = at + len(word.rstrip())
    if end < len(lowered) and lowered[end].isalnum():
        return None
    if word == "consider " and not _SUGGESTION.match(lowered, end):
        # "Consider edge cases" asks to think about them; "consider using" suggests.
        return None
    return at, end, "soft"


def _vague_message(hedge: str, kind: str) -> str:
    if kind == "etc":
        return (
            "“etc.” leaves the list open: the model has to guess what else belongs "
            "in it; name the items, or say what they have in common"
        )
    if kind == "condition":
        return (
            f"“{hedge}” leaves the condition unstated: the model cannot tell when "
            "this applies; state the condition (for example “when a function "
            "exceeds 50 lines”)"
        )
    return (
        f"“{hedge}” makes this optional: the model cannot tell when it applies; "
        "state when it must be done, or make it a firm rule"
    )


def _line_span(doc: RulesDocument, line: int) -> tuple[int, int]:
    """A line's text after indentation and list markers."""
    start, _ = directives.sentence_bounds(doc, doc.source.line_start(line))
    end = doc.source.line_end(line)
    return min(start, end), end


def _related_line(
    ctx: CheckContext, doc: RulesDocument, line: int, message: str
) -> Related:
    return ctx.related(doc, *_line_span(doc, line), message)
