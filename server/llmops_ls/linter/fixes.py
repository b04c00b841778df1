"""Applying fixes to text, and showing them as a diff."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from llmops_ls.linter.finding import Edit, Finding


def apply_fixes(
    text: str, findings: Iterable[Finding], *, unsafe: bool = False
) -> tuple[str, list[Finding]]:
    """Apply fixes that overlap no earlier one; returns the text and the findings fixed.

    Fixes are taken in file order; one whose edits touch a range already edited is left
    for the next pass, because its offsets may no longer hold.
    """
    chosen: list[Finding] = []
    edits: list[Edit] = []
    taken: list[tuple[int, int]] = []
    for finding in sorted(findings, key=lambda f: f.start_offset):
        fix = finding.fix
        if fix is None or (not fix.safe and not unsafe):
            continue
        spans = [(e.start, e.end) for e in fix.edits]
        if any(_overlaps(span, other) for span in spans for other in taken):
            continue
        chosen.append(finding)
        edits.extend(fix.edits)
        taken.extend(spans)
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.new_text + text[edit.end :]
    return text, chosen


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    if a == b:
        return True
    return a[0] < b[1] and b[0] < a[1]


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of one file's change, as `git apply` and `patch` read it.

    Lines end at `\n` only (not at the other line breaks `str.splitlines` knows), and
    a last line without one is marked as such.
    """
    lines = difflib.unified_diff(
        _lines(before), _lines(after), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in lines
    )


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    ended = [line + "\n" for line in lines[:-1]]
    return [*ended, lines[-1]] if lines[-1] else ended
