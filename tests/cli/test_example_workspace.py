"""The example workspace the README's first command lints shows what the README says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workspace"


def test_the_example_shows_each_problem_the_readme_names() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "llmops_ls", "lint", "--no-cache", "--format", "json"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # some findings are errors
    findings = json.loads(done.stdout)["findings"]
    by_rule: dict[str, list[str]] = {}
    for finding in findings:
        by_rule.setdefault(finding["name"], []).append(finding["message"])

    assert by_rule["secret"]  # a leaked key
    assert by_rule["hidden-directive"]  # an instruction in an HTML comment
    assert any("tag characters" in m for m in by_rule["hidden-unicode"])
    assert by_rule["import-missing"]  # a missing @import
    contradictions = " ".join(by_rule["contradiction"])
    assert "indentation" in contradictions
    assert "pnpm" in contradictions and "npm" in contradictions
    assert by_rule["activation-never"]  # a Cursor rule that can never activate
    assert any("did you mean" in m for m in by_rule["frontmatter-unknown-key"])
