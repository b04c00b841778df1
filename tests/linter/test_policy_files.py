"""Policy files in the engine: found by name, linted by the policy rules only."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from linting import LintFiles, on_shipped_catalogue_day, run_lint, write_tree
from llmops_ls.linter.finding import Severity
from llmops_ls.linter.fixes import apply_fixes
from llmops_ls.linter.kinds import Tool, classify
from llmops_ls.linter.settings import LintSettings

UNPINNED = '[tiers.fast]\nmodels = ["gpt-5.4-mini", "gemini-3.5-flash-lite"]\n'


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """The lists of findings below hold on the shipped catalogue's day, not later."""
    return on_shipped_catalogue_day(monkeypatch)


def test_policy_files_are_classified_by_name() -> None:
    assert classify("llmops-policy.toml") is Tool.POLICY
    assert classify("deploy/llmops/policy.toml") is Tool.POLICY
    assert classify("pyproject.toml") is None
    assert not Tool.POLICY.is_rules_file


def test_llmops_policy_file_anywhere_is_linted(lint_files: LintFiles) -> None:
    findings = lint_files({"platform/llmops-policy.toml": UNPINNED})
    assert [(f.rule, f.path, f.start.line) for f in findings] == [
        ("policy-unpinned-model", "platform/llmops-policy.toml", 1)
    ]


def test_policy_toml_is_linted_only_when_it_declares_tiers(
    lint_files: LintFiles,
) -> None:
    other_tool = "[rules]\nallow = [\n"  # invalid TOML of someone else's policy.toml
    findings = lint_files({"a/policy.toml": other_tool, "b/policy.toml": UNPINNED})
    assert [(f.rule, f.path) for f in findings] == [
        ("policy-unpinned-model", "b/policy.toml")
    ]


def test_rules_file_checks_do_not_run_on_the_policy(lint_files: LintFiles) -> None:
    # As Markdown, this comment would be a placeholder and a vague directive.
    text = "# TODO: [insert team name] should try to be careful\n" + UNPINNED
    findings = lint_files({"llmops-policy.toml": text})
    assert {f.rule for f in findings} == {"policy-unpinned-model"}


def test_file_checks_still_run_on_the_policy(lint_files: LintFiles) -> None:
    findings = lint_files({"llmops-policy.toml": b"# caf\xe9\n" + UNPINNED.encode()})
    assert "invalid-encoding" in {f.rule for f in findings}


def test_alias_fix_pins_the_snapshot(lint_files: LintFiles) -> None:
    findings = lint_files({"llmops-policy.toml": UNPINNED})
    fixed, applied = apply_fixes(UNPINNED, findings)
    assert len(applied) == 1
    assert '"gpt-5.4-mini-2026-03-17", "gemini-3.5-flash-lite"' in fixed


def _soon_deprecated_policy(today: datetime.date) -> str:
    soon = today + datetime.timedelta(days=30)
    return (
        '[tiers.fast]\nmodels = ["acme-1-20250101", "gemini-3.5-flash-lite"]\n'
        '[[models]]\nid = "acme-1-20250101"\nprovider = "acme"\n'
        "context_window = 1000\ninput_per_million = 1\noutput_per_million = 1\n"
        f'deprecated = "{soon.isoformat()}"\n'
    )


def test_model_deprecated_soon_is_a_warning(
    lint_files: LintFiles, today: datetime.date
) -> None:
    (finding,) = lint_files({"llmops-policy.toml": _soon_deprecated_policy(today)})
    assert finding.rule == "policy-deprecated-model"
    assert finding.severity is Severity.WARNING


def test_severity_chosen_in_settings_applies_to_soon_deprecated_models(
    tmp_path: Path, today: datetime.date
) -> None:
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"llmops-policy.toml": _soon_deprecated_policy(today)})
    settings = LintSettings(severity={"policy-deprecated-model": Severity.ERROR})
    (finding,) = run_lint(tmp_path, settings).findings
    assert finding.severity is Severity.ERROR
