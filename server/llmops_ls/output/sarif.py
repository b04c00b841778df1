"""SARIF 2.1.0, as GitHub code scanning and other viewers accept it."""

from __future__ import annotations

import json
from typing import Any

from llmops_ls import __version__
from llmops_ls.linter import catalogue
from llmops_ls.linter.finding import Severity
from llmops_ls.output.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}


def render(report: Report) -> str:
    """One run with the full rule catalogue and a result per finding."""
    rules = sorted(catalogue.load().values(), key=lambda r: r.code)
    index = {rule.name: i for i, rule in enumerate(rules)}
    results = [_result(report, f, index[f.rule]) for f in report.findings]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "llmops-ls",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/llmops-ls/llmops-ls",
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(rule: catalogue.Rule) -> dict[str, Any]:
    help_text = f"{rule.summary}\n\n{rule.rationale}"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "helpUri": rule.help_url,
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": ["ai-rules"]},
    }


def _result(report: Report, f: Any, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [_location(report, f.path, f.start, f.end)],
    }
    if f.related:
        result["relatedLocations"] = [
            {
                "id": i,
                **_location(report, r.path, r.start, r.end),
                "message": {"text": r.message},
            }
            for i, r in enumerate(f.related)
        ]
    return result


def _location(report: Report, path: str, start: Any, end: Any) -> dict[str, Any]:
    region = {
        "startLine": start.line + 1,
        "startColumn": start.column + 1,
        "endLine": end.line + 1,
        "endColumn": end.column + 1,
    }
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": report.display_path(path)},
            "region": region,
        }
    }
