"""The project file: `.llmops.toml`, or `[tool.llmops-ls]` in `pyproject.toml`.

The first of these found at the workspace root wins; `.llmops.toml` is preferred when
both exist. Every key is validated; an unknown key, a wrong type or an unknown rule is a
`ConfigError` that names the file and the key, so the user can fix it in one go.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmops_ls.errors import ConfigError
from llmops_ls.linter.finding import Severity
from llmops_ls.linter.settings import LintSettings, TokenBudgets

CONFIG_FILES = (".llmops.toml", "pyproject.toml")


def find_config_file(root: Path) -> Path | None:
    """The project file that applies to a workspace root, if any."""
    dedicated = root / ".llmops.toml"
    if dedicated.is_file():
        return dedicated
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        import tomllib  # on first need: most runs find no project file

        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            # A broken pyproject.toml is reported only if it is ours to read.
            return pyproject if "[tool.llmops-ls" in _peek(pyproject) else None
        if "llmops-ls" in data.get("tool", {}):
            return pyproject
    return None


def load_settings(root: Path) -> LintSettings:
    """Lint settings from the project file at `root`, or defaults when there is none."""
    path = find_config_file(root)
    if path is None:
        return LintSettings()
    return parse_settings(path, _read_table(path))


def load_attribution(root: Path) -> tuple[str | None, str | None]:
    """The `team` and `project` named in the project file at `root`, if any."""
    from llmops_ls.config.models import ProjectFile

    path = find_config_file(root)
    if path is None:
        return None, None
    try:
        project = ProjectFile.model_validate(_read_table(path))
    except (ConfigError, ValueError):
        # Lint settings report the file's errors; attribution just goes without.
        return None, None
    return project.team, project.project


def read_text_settings(path: Path, text: str) -> LintSettings:
    """Settings from the text of a project file (an editor buffer, say)."""
    table = _table_from_text(path, text)
    return parse_settings(path, table)


def parse_settings(path: Path, table: dict[str, Any]) -> LintSettings:
    """Validate a project table into lint settings."""
    # pydantic is imported here, not at module level: a run without a project file
    # should not pay for it.
    from pydantic import ValidationError

    from llmops_ls.config.models import ProjectFile

    try:
        project = ProjectFile.model_validate(table)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = _key_name(path, error["loc"])
        raise ConfigError(str(path), key, _friendly(error)) from None
    return _to_settings(path, project)


def _to_settings(path: Path, project: Any) -> LintSettings:
    lint = project.lint
    prefix = _prefix(path)
    select = (
        None
        if lint.select is None
        else frozenset(_rule_names(path, f"{prefix}lint.select", lint.select))
    )
    ignore = frozenset(_rule_names(path, f"{prefix}lint.ignore", lint.ignore))
    severity: dict[str, Severity] = {}
    for reference, level in lint.severity.items():
        (name,) = _rule_names(path, f"{prefix}lint.severity.{reference}", [reference])
        severity[name] = Severity.parse(level)
    return LintSettings(
        select=select,
        ignore=ignore,
        severity=severity,
        budgets=TokenBudgets(
            file_tokens=lint.budgets.file_tokens,
            chain_tokens=lint.budgets.chain_tokens,
        ),
        exclude=tuple(lint.exclude),
    )


def _rule_names(path: Path, key: str, references: list[str]) -> list[str]:
    from llmops_ls.linter import catalogue

    names: list[str] = []
    for index, reference in enumerate(references):
        if reference.upper() == "ALL":
            names.extend(catalogue.load())
            continue
        rule = catalogue.resolve(reference)
        if rule is None:
            suffix = (
                "" if len(references) == 1 and key.endswith(reference) else f"[{index}]"
            )
            raise ConfigError(
                str(path),
                key + suffix,
                f"unknown rule {reference!r}; `llmops-ls rules` lists them",
            )
        names.append(rule.name)
    return names


def _read_table(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc}") from None
    return _table_from_text(path, text)


def _table_from_text(path: Path, text: str) -> dict[str, Any]:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("llmops-ls", {})
        if not isinstance(table, dict):
            raise ConfigError(str(path), "tool.llmops-ls", "must be a table")
        return table
    return data


def _peek(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _prefix(path: Path) -> str:
    return "tool.llmops-ls." if path.name == "pyproject.toml" else ""


def _key_name(path: Path, location: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(str(part))
    return _prefix(path) + ".".join(parts)


def _friendly(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return (
            "unknown key (check the spelling; `docs/configuration.md` lists the keys)"
        )
    return str(error["msg"])
