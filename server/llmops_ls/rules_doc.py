"""Rule documentation from the catalogue: terminal text, JSON, Markdown pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmops_ls.linter.catalogue import Rule


def rule_dict(rule: Rule) -> dict[str, Any]:
    """A rule as JSON-ready data."""
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.label,
        "summary": rule.summary,
        "rationale": rule.rationale,
        "fixable": rule.fixable,
        "default_enabled": rule.default_enabled,
        "help_url": rule.help_url,
        "example": {
            "path": rule.example.path,
            "bad": rule.example.bad,
            "good": rule.example.good,
        },
    }


def rule_text(rule: Rule) -> str:
    """A rule for the terminal."""
    fixable = "yes" if rule.fixable else "no"
    return (
        f"{rule.code} {rule.name} ({rule.severity.label}, fixable: {fixable})\n\n"
        f"{rule.summary}\n\n{rule.rationale}\n\n"
        f"Triggers it ({rule.example.path}):\n{_indent(rule.example.bad)}\n"
        f"Fixed:\n{_indent(rule.example.good)}\n"
        f"More: {rule.help_url}\n"
    )


def rule_markdown(rule: Rule) -> str:
    """A rule's documentation page."""
    fence = "````" if "```" in rule.example.bad + rule.example.good else "```"
    fixable = "yes" if rule.fixable else "no"
    state = "on" if rule.default_enabled else "off"
    language = "toml" if rule.example.path.endswith(".toml") else "markdown"
    if language == "toml":
        # TOML files have no suppression comments: the project file turns a rule off.
        suppressing = (
            f"In `.llmops.toml`:\n\n{fence}toml\n[lint]\n"
            f'ignore = ["{rule.name}"]\n{fence}\n'
        )
    else:
        suppressing = (
            f"{fence}markdown\n<!-- llmops-ls-disable-next-line {rule.name} -->\n"
            f"{fence}\n"
        )
    return (
        f"<!-- Generated from rules/{rule.name}.toml by "
        "`python -m llmops_ls.rules_doc`; edit that file instead. -->\n"
        f"# {rule.name} ({rule.code})\n\n"
        f"Default severity: **{rule.severity.label}** · fixable: {fixable} · "
        f"on by default: {state}\n\n"
        f"{rule.summary}\n\n## Why it matters\n\n{rule.rationale}\n\n"
        f"## Example\n\nIn `{rule.example.path}`, this triggers the rule:\n\n"
        f"{fence}{language}\n{rule.example.bad.strip()}\n{fence}\n\n"
        f"Fixed:\n\n{fence}{language}\n{rule.example.good.strip()}\n{fence}\n\n"
        f"## Suppressing it\n\n{suppressing}"
    )


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.rstrip("\n").split("\n"))


def write_pages(folder: Path) -> list[Path]:
    """Write one page per rule and an index; returns the files written."""
    from llmops_ls.linter import catalogue

    folder.mkdir(parents=True, exist_ok=True)
    rules = sorted(catalogue.load().values(), key=lambda r: r.code)
    written = []
    for rule in rules:
        page = folder / f"{rule.name}.md"
        page.write_text(rule_markdown(rule), encoding="utf-8")
        written.append(page)
    index = folder / "README.md"
    index.write_text(index_markdown(rules), encoding="utf-8")
    written.append(index)
    return written


def index_markdown(rules: list[Rule]) -> str:
    """The table of all rules."""
    rows = "".join(
        f"| {r.code} | [{r.name}]({r.name}.md) | {r.severity.label} | "
        f"{'yes' if r.fixable else ''} | {r.summary} |\n"
        for r in rules
    )
    return (
        "<!-- Generated from rules/*.toml by `python -m llmops_ls.rules_doc`. -->\n"
        "# Rules\n\n| code | name | severity | fix | summary |\n|---|---|---|---|---|\n"
        + rows
    )


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/rules")
    for written_path in write_pages(target):
        sys.stderr.write(f"wrote {written_path}\n")
