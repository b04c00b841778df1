"""Who a request is attributed to: policy, environment of the CDE, project file.

Precedence, per field (first found wins):

1. the policy's `[telemetry]` value when the policy locks it (`telemetry.team`, ...);
2. the generic `LLMOPS_*` variables, which a workspace template sets for any CDE;
3. the CDE's own variables: Coder, then Ona (formerly Gitpod) and Gitpod Classic;
4. the project file (`team`, `project` in `.llmops.toml`);
5. the policy's `[telemetry]` value as a default;
6. what the machine says: `$USER`, the `origin` remote in `.git/config`, the host name.

`docs/telemetry.md` lists every variable read. Credentials embedded in a remote URL
(`https://user:token@host/...`) are removed before the URL is recorded.
"""

from __future__ import annotations

import configparser
import logging
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from llmops_ls.telemetry.events import Attribution

logger = logging.getLogger(__name__)

_URL_CREDENTIALS = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@]*@", re.I)

#: Variables read for each field, in order, after the `LLMOPS_*` one.
DEVELOPER_VARIABLES = (
    "LLMOPS_DEVELOPER",
    "CODER_WORKSPACE_OWNER_NAME",  # Coder v2: the owner's user name (set by the agent)
    "CODER_USERNAME",  # Coder v1
    "GITPOD_GIT_USER_EMAIL",  # Ona and Gitpod Classic
    "USER",
)
TEAM_VARIABLES = ("LLMOPS_TEAM",)
PROJECT_VARIABLES = ("LLMOPS_PROJECT",)
REPOSITORY_VARIABLES = ("LLMOPS_REPOSITORY", "GITPOD_WORKSPACE_CONTEXT_URL")
WORKSPACE_VARIABLES = (
    "LLMOPS_WORKSPACE",
    "CODER_WORKSPACE_NAME",  # Coder v1 and v2
    "GITPOD_ENVIRONMENT_ID",  # Ona (Gitpod Flex)
    "GITPOD_WORKSPACE_ID",  # Gitpod Classic
)
ROOT_VARIABLES = ("LLMOPS_REPOSITORY_ROOT", "GITPOD_REPO_ROOT")


@dataclass(frozen=True, slots=True)
class AttributionDefaults:
    """Attribution values from the policy and the project file."""

    policy_team: str | None = None
    policy_project: str | None = None
    team_locked: bool = False
    project_locked: bool = False
    project_file_team: str | None = None
    project_file_project: str | None = None


def detect_cde(environ: Mapping[str, str]) -> str | None:
    """The cloud development environment the process runs in, if one is recognised."""
    if environ.get("CODER") == "true" or "CODER_WORKSPACE_NAME" in environ:
        return "coder"
    if "GITPOD_ENVIRONMENT_ID" in environ:
        return "ona"
    if "GITPOD_WORKSPACE_ID" in environ:
        return "gitpod"
    return None


def resolve(
    defaults: AttributionDefaults,
    root: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Attribution:
    """The attribution of requests made from the workspace at `root`."""
    environ = os.environ if environ is None else environ
    developer = _first(environ, DEVELOPER_VARIABLES) or "unknown"
    team = _field(
        defaults.policy_team,
        defaults.team_locked,
        _first(environ, TEAM_VARIABLES),
        defaults.project_file_team,
    )
    repository = _first(environ, REPOSITORY_VARIABLES)
    if repository is None:
        repo_root = _repository_root(root, environ)
        repository = origin_url(repo_root) if repo_root else None
    project = _field(
        defaults.policy_project,
        defaults.project_locked,
        _first(environ, PROJECT_VARIABLES),
        defaults.project_file_project,
    )
    if project is None and repository:
        project = repository.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    workspace = _first(environ, WORKSPACE_VARIABLES) or _hostname()
    return Attribution(
        developer=developer,
        team=team,
        project=project,
        repository=strip_credentials(repository) if repository else None,
        workspace=workspace,
    )


def strip_credentials(url: str) -> str:
    """The URL without any `user:password@` part."""
    return _URL_CREDENTIALS.sub(r"\g<scheme>", url)


def origin_url(root: Path) -> str | None:
    """The URL of the `origin` remote in `root/.git/config`, or None."""
    config = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        config.read(root / ".git" / "config", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        logger.debug("unreadable git config under %s: %s", root, exc)
        return None
    section = 'remote "origin"'
    if config.has_option(section, "url"):
        return config.get(section, "url").strip() or None
    return None


def _field(
    policy_value: str | None,
    locked: bool,
    variable: str | None,
    project_file_value: str | None,
) -> str | None:
    if locked and policy_value:
        return policy_value
    return variable or project_file_value or policy_value


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def _repository_root(root: Path | None, environ: Mapping[str, str]) -> Path | None:
    named = _first(environ, ROOT_VARIABLES)
    candidates = [Path(named)] if named else []
    if root is not None:
        candidates.extend([root, *root.parents])
    for candidate in candidates:
        if (candidate / ".git").is_dir():
            return candidate
    return None


def _hostname() -> str | None:
    try:
        return socket.gethostname() or None
    except OSError:
        return None
