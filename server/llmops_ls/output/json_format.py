"""Machine-readable output: one JSON object with the findings (1-based positions)."""

from __future__ import annotations

import json
from typing import Any

from llmops_ls import __version__
from llmops_ls.linter.finding import Finding
from llmops_ls.output.report import Report


def render(report: Report) -> str:
    """The findings and a summary as JSON, one finding per line."""
    findings = [finding_dict(report, f) for f in report.findings]
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    head = {
        "version": __version__,
        "files_checked": report.files_checked,
        "summary": counts,
    }
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    # One finding per line: as easy to read and diff as indented JSON, and written
    # by the C encoder (indentation switches to the pure-Python one).
    items = ",\n".join(f"    {json.dumps(f, ensure_ascii=False)}" for f in findings)
    body = f'  "findings": [\n{items}\n  ]' if items else '  "findings": []'
    return "{\n" + "\n".join(lines) + "\n" + body + "\n}\n"


def finding_dict(report: Report, f: Finding) -> dict[str, Any]:
    """One finding with the fields documented in docs/cli.md."""
    item: dict[str, Any] = {
        "path": report.display_path(f.path),
        "line": f.start.line + 1,
        "column": f.start.column + 1,
        "end_line": f.end.line + 1,
        "end_column": f.end.column + 1,
        "code": f.code,
        "name": f.rule,
        "severity": f.severity.label,
        "message": f.message,
    }
    if f.fix is not None:
        item["fix"] = {
            "description": f.fix.description,
            "safe": f.fix.safe,
            "edits": [
                {"start_offset": e.start, "end_offset": e.end, "new_text": e.new_text}
                for e in f.fix.edits
            ],
        }
    if f.related:
        item["related"] = [
            {
                "path": report.display_path(r.path),
                "line": r.start.line + 1,
                "column": r.start.column + 1,
                "message": r.message,
            }
            for r in f.related
        ]
    return item
