"""Suppression comments, written in the file's own syntax (HTML comments in Markdown).

    <!-- llmops-ls-disable-next-line secret, LL402 -->   the next non-blank line
    <!-- llmops-ls-disable hidden-unicode -->            until the matching enable
    <!-- llmops-ls-enable hidden-unicode -->
    <!-- llmops-ls-disable-file token-budget -->          the whole file

Rules are named by name or code; no name means every rule. A suppression that silenced
nothing is itself reported, as `unused-suppression`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from llmops_ls.linter import catalogue
from llmops_ls.linter.document import RulesDocument

_DIRECTIVE = re.compile(
    r"^\s*llmops-ls-(disable-next-line|disable-file|disable|enable)\b(.*?)\s*$",
    re.DOTALL,
)


@dataclass(slots=True)
class Suppression:
    """One comment: the rules it names, the lines it covers, and what it silenced."""

    kind: str
    rules: frozenset[str] | None  # None: every rule
    first_line: int
    last_line: int
    start: int
    end: int
    unknown: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def covers(self, rule: str, line: int) -> bool:
        """Whether this suppression silences `rule` on `line`."""
        if self.rules is not None and rule not in self.rules:
            return False
        return self.first_line <= line <= self.last_line


def is_directive(comment_body: str) -> bool:
    """Whether an HTML comment's text is a suppression directive."""
    return _DIRECTIVE.match(comment_body) is not None


def parse(doc: RulesDocument) -> list[Suppression]:
    """The suppressions of a document, with the line ranges they cover."""
    result: list[Suppression] = []
    open_ranges: list[Suppression] = []
    last_line = max(doc.source.line_count - 1, 0)
    for comment in doc.markdown.comments:
        match = _DIRECTIVE.match(comment.body)
        if match is None:
            continue
        kind, names = match.group(1), match.group(2)
        rules, unknown = _resolve(names)
        line = doc.source.position(comment.start).line
        end_line = doc.source.position(comment.end).line
        if kind == "disable-next-line":
            target = _next_content_line(doc, end_line + 1)
            item = Suppression(
                kind, rules, target, target, comment.start, comment.end, unknown
            )
        elif kind == "disable-file":
            item = Suppression(
                kind, rules, 0, last_line, comment.start, comment.end, unknown
            )
        elif kind == "disable":
            item = Suppression(
                kind, rules, line, last_line, comment.start, comment.end, unknown
            )
            open_ranges.append(item)
        else:
            _close(open_ranges, rules, line)
            continue
        result.append(item)
    return result


def _resolve(names: str) -> tuple[frozenset[str] | None, list[str]]:
    words = [w for w in re.split(r"[\s,]+", names.strip()) if w]
    if not words:
        return None, []
    known: set[str] = set()
    unknown: list[str] = []
    for word in words:
        rule = catalogue.resolve(word)
        if rule is None:
            unknown.append(word)
        else:
            known.add(rule.name)
    return frozenset(known), unknown


def _close(
    open_ranges: list[Suppression], rules: frozenset[str] | None, line: int
) -> None:
    for item in reversed(open_ranges):
        if rules is None or item.rules is None or item.rules & rules:
            item.last_line = line
            open_ranges.remove(item)
            if rules is not None:
                return


def _next_content_line(doc: RulesDocument, line: int) -> int:
    source = doc.source
    while line < source.line_count and not source.line_text(line).strip():
        line += 1
    return line
