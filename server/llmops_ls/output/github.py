"""GitHub Actions workflow commands, which show findings as annotations on the diff."""

from __future__ import annotations

from llmops_ls.linter.finding import Severity
from llmops_ls.output.report import Report

_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.HINT: "notice",
}


def render(report: Report) -> str:
    """One `::error file=...::message` line per finding."""
    lines = []
    for f in report.findings:
        props = ",".join(
            [
                f"file={_property(report.display_path(f.path))}",
                f"line={f.start.line + 1}",
                f"col={f.start.column + 1}",
                f"endLine={f.end.line + 1}",
                f"endColumn={f.end.column + 1}",
                f"title={_property(f'{f.code} {f.rule}')}",
            ]
        )
        lines.append(f"::{_LEVELS[f.severity]} {props}::{_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
