"""Human-readable output: one line per finding and a summary."""

from __future__ import annotations

from collections import Counter

from llmops_ls.linter.finding import Severity
from llmops_ls.output.report import Report

_COLOURS = {
    Severity.ERROR: "\033[31m",
    Severity.WARNING: "\033[33m",
    Severity.INFO: "\033[36m",
    Severity.HINT: "\033[2m",
}
_BOLD, _RESET = "\033[1m", "\033[0m"


def render(report: Report, *, colour: bool = False) -> str:
    """`path:line:col: CODE severity name: message` per finding, then a summary."""
    lines = []
    for f in report.findings:
        where = (
            f"{report.display_path(f.path)}:{f.start.line + 1}:{f.start.column + 1}:"
        )
        label = f"{f.code} {f.severity.label}"
        fixable = " [*]" if f.fix is not None and f.fix.safe else ""
        if colour:
            where = f"{_BOLD}{where}{_RESET}"
            label = f"{_COLOURS[f.severity]}{label}{_RESET}"
        lines.append(f"{where} {label} {f.rule}: {f.message}{fixable}")
        for r in f.related:
            lines.append(
                f"    {report.display_path(r.path)}:{r.start.line + 1}:"
                f"{r.start.column + 1}: {r.message}"
            )
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def summary(report: Report) -> str:
    """One line: how many findings of each severity in how many files."""
    files = _count(report.files_checked, "file")
    if not report.findings:
        return f"No problems found in {files}."
    counts = Counter(f.severity for f in report.findings)
    parts = [
        _count(counts[s], s.label, plural=s is not Severity.INFO)
        for s in sorted(counts, reverse=True)
    ]
    fixable = sum(1 for f in report.findings if f.fix is not None and f.fix.safe)
    total = len(report.findings)
    text = f"Found {_count(total, 'problem')} ({', '.join(parts)}) in {files}."
    if fixable:
        text += f" {fixable} fixable with --fix."
    return text


def _count(number: int, noun: str, *, plural: bool = True) -> str:
    return f"{number} {noun}{'s' if plural and number != 1 else ''}"
