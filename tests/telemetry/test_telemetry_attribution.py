"""Attribution: policy, CDE variables, project file, the machine."""

from __future__ import annotations

from pathlib import Path

from llmops_ls.telemetry.attribution import (
    AttributionDefaults,
    detect_cde,
    origin_url,
    resolve,
    strip_credentials,
)

CODER = {
    "CODER": "true",
    "CODER_WORKSPACE_NAME": "dev-box",
    "CODER_WORKSPACE_OWNER_NAME": "alice",
    "USER": "coder",
}
ONA = {
    "GITPOD_ENVIRONMENT_ID": "01976a3e-env",
    "GITPOD_GIT_USER_EMAIL": "bob@example.com",
    "GITPOD_WORKSPACE_CONTEXT_URL": "https://github.com/acme/shop",
}


def test_coder_gives_developer_and_workspace() -> None:
    who = resolve(AttributionDefaults(), None, CODER)
    assert (who.developer, who.workspace) == ("alice", "dev-box")
    assert detect_cde(CODER) == "coder"


def test_ona_gives_developer_workspace_repository_and_project() -> None:
    who = resolve(AttributionDefaults(), None, ONA)
    assert who.developer == "bob@example.com"
    assert who.workspace == "01976a3e-env"
    assert who.repository == "https://github.com/acme/shop"
    assert who.project == "shop"
    assert detect_cde(ONA) == "ona"
    assert detect_cde({"GITPOD_WORKSPACE_ID": "x"}) == "gitpod"


def test_llmops_variables_win_over_the_cde() -> None:
    env = {**CODER, "LLMOPS_DEVELOPER": "a.smith", "LLMOPS_WORKSPACE": "w9"}
    who = resolve(AttributionDefaults(), None, env)
    assert (who.developer, who.workspace) == ("a.smith", "w9")


def test_team_precedence_locked_policy_env_project_file_policy_default() -> None:
    base = AttributionDefaults(policy_team="platform", project_file_team="web")
    assert resolve(base, None, {}).team == "web"
    assert resolve(base, None, {"LLMOPS_TEAM": "ops"}).team == "ops"
    assert resolve(AttributionDefaults(policy_team="platform"), None, {}).team == (
        "platform"
    )
    locked = AttributionDefaults(
        policy_team="platform", team_locked=True, project_file_team="web"
    )
    assert resolve(locked, None, {"LLMOPS_TEAM": "ops"}).team == "platform"


def test_repository_from_git_config_without_credentials(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(
        '[remote "origin"]\n\turl = https://bot:s3cret@git.example.com/acme/api.git\n'
    )
    who = resolve(AttributionDefaults(), tmp_path / "src", {"USER": "carol"})
    assert who.repository == "https://git.example.com/acme/api.git"
    assert who.project == "api"
    assert who.developer == "carol"


def test_no_git_config_means_no_repository(tmp_path: Path) -> None:
    assert origin_url(tmp_path) is None
    assert strip_credentials("git@github.com:acme/x.git") == "git@github.com:acme/x.git"
