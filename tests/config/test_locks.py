"""What the organisation policy locks, the project file and editor cannot set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llmops_ls.config import project
from llmops_ls.linter.finding import Severity

# Built at run time so that no complete key sits in the repository.
AWS_KEY = "AKIA" + "Z7Q3XKLM4PN2RB5T"


def test_locked_keys_are_left_out_and_named_as_written() -> None:
    table = {
        "team": "web",
        "lint": {
            "ignore": ["vague-directive"],
            "severity": {"LL301": "info", "placeholder": "error"},
            "budgets": {"file_tokens": 100},
        },
    }
    kept, refused = project.without_locked(
        Path(".llmops.toml"), table, ["lint.severity.secret", "telemetry.team"]
    )
    assert kept == {
        "lint": {
            "ignore": ["vague-directive"],
            "severity": {"placeholder": "error"},
            "budgets": {"file_tokens": 100},
        }
    }
    assert refused == ["team", "lint.severity.LL301"]


def test_a_locked_table_takes_every_key_under_it() -> None:
    table = {"lint": {"ignore": ["secret"], "budgets": {"file_tokens": 10}}}
    kept, refused = project.without_locked(
        Path("pyproject.toml"), table, ["lint.budgets", "lint.ignore"]
    )
    assert kept == {"lint": {}}
    assert refused == [
        "tool.llmops-ls.lint.ignore",
        "tool.llmops-ls.lint.budgets.file_tokens",
    ]
    kept, refused = project.without_locked(Path(".llmops.toml"), table, ["lint"])
    assert kept == {"lint": {}}
    assert refused == ["lint.ignore", "lint.budgets.file_tokens"]


def test_nothing_locked_leaves_the_table_as_it_is() -> None:
    table = {"project": "shop", "lint": {"severity": {"secret": "info"}}}
    assert project.without_locked(Path(".llmops.toml"), table, ["content_filter"]) == (
        table,
        [],
    )


def test_the_locks_come_from_the_policy_that_applies(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('locked = ["lint.ignore", 3]\n', encoding="utf-8")
    assert project.policy_locks({"LLMOPS_POLICY": str(policy)}) == ("lint.ignore",)
    policy.write_text("locked = [", encoding="utf-8")
    assert project.policy_locks({"LLMOPS_POLICY": str(policy)}) == ()
    assert project.policy_locks({"LLMOPS_POLICY": str(tmp_path / "none")}) == ()


def test_settings_from_a_file_keep_the_locked_rule_as_the_catalogue_says(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / ".llmops.toml"
    path.write_text('[lint.severity]\nsecret = "info"\n', encoding="utf-8")
    free = project.read_text_settings(path, path.read_text())
    held = project.read_text_settings(path, path.read_text(), ["lint.severity.secret"])
    assert free.severity == {"secret": Severity.INFO}
    assert held.severity == {}
    assert "`lint.severity.secret` is locked by the organisation policy" in caplog.text


def test_the_command_line_keeps_a_locked_severity(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".llmops.toml").write_text(
        '[lint.severity]\nsecret = "info"\n', encoding="utf-8"
    )
    (tmp_path / "CLAUDE.md").write_text(
        f"# Deploy\n\nUse the key {AWS_KEY} for the bucket.\n", encoding="utf-8"
    )
    policy = tmp_path / "policy.toml"
    shipped = Path(project.__file__).with_name("default_policy.toml")
    policy.write_text(
        shipped.read_text(encoding="utf-8").replace(
            'locked = ["content_filter"]',
            'locked = ["content_filter", "lint.severity.secret"]',
        ),
        encoding="utf-8",
    )

    def run(**env: str) -> tuple[int, str, list[str]]:
        done = subprocess.run(
            [sys.executable, "-m", "llmops_ls", "lint", "--format", "json"],
            cwd=tmp_path,
            env={**os.environ, "LLMOPS_LS_CACHE_DIR": "", **env},
            capture_output=True,
            text=True,
            check=False,
        )
        findings = json.loads(done.stdout)["findings"]
        severities = [f["severity"] for f in findings if f["name"] == "secret"]
        return done.returncode, done.stderr, severities

    status, err, severities = run(LLMOPS_POLICY=str(policy))
    assert (status, severities) == (1, ["error"])
    assert "lint.severity.secret` is locked by the organisation policy" in err

    status, err, severities = run(LLMOPS_POLICY=str(shipped))
    assert (status, severities) == (0, ["info"])
    assert "locked" not in err


def test_reading_the_locks_imports_no_validation() -> None:
    # The locks are read for every project file; the policy's models (pydantic)
    # cost a server without a project file about 10 MiB.
    code = (
        "import sys\n"
        "from llmops_ls.config import project\n"
        "project.policy_locks()\n"
        "print('pydantic' in sys.modules, 'llmops_ls.config.policy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False"]
