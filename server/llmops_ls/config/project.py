"""The project file: `.llmops.toml`, or `[tool.llmops-ls]` in `pyproject.toml`.

The first of these found at the workspace root wins; `.llmops.toml` is preferred when
both exist. Every key is validated; an unknown key, a wrong type or an unknown rule is a
`ConfigError` that names the file and the key, so the user can fix it in one go.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from llmops_ls.errors import ConfigError
from llmops_ls.linter.finding import Severity
from llmops_ls.linter.settings import LintSettings, TokenBudgets

logger = logging.getLogger(__name__)

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
    """Lint settings from the project file at `root`, or defaults when there is none.

    What the organisation policy locks is left out of the file, with a warning.
    """
    path = find_config_file(root)
    if path is None:
        return LintSettings()
    return parse_settings(path, _read_table(path), policy_locks())


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


def read_text_settings(
    path: Path, text: str, locks: Sequence[str] = ()
) -> LintSettings:
    """Settings from the text of a project file (an editor buffer, say)."""
    table = _table_from_text(path, text)
    return parse_settings(path, table, locks)


def parse_settings(
    path: Path, table: dict[str, Any], locks: Sequence[str] = ()
) -> LintSettings:
    """Validate a project table into lint settings, leaving out the `locks`.

    Each key left out because the policy locks it is logged as a warning.
    """
    # pydantic is imported here, not at module level: a run without a project file
    # should not pay for it.
    from pydantic import ValidationError

    from llmops_ls.config.models import ProjectFile

    if locks:
        table, refused = without_locked(path, table, locks)
        for key in refused:
            logger.warning("%s: %s", path, locked_message(key))
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


def policy_locks(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The keys the organisation policy locks (`locked`), read without validating it.

    The policy's other errors are reported where the policy is used; an unreadable
    policy locks nothing here, with a warning.
    """
    import tomllib

    from llmops_ls.config.policy_file import policy_path

    try:
        path = policy_path(environ)
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (ConfigError, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        logger.warning("cannot read what the policy locks: %s", exc)
        return ()
    locked = data.get("locked", [])
    if not isinstance(locked, list):
        return ()
    return tuple(key for key in locked if isinstance(key, str))


def without_locked(
    path: Path, table: dict[str, Any], locks: Sequence[str]
) -> tuple[dict[str, Any], list[str]]:
    """`table` (a project file's, or editor settings') without what `locks` names.

    Returns the table left and the dotted keys taken out, as written in the file.
    A lock names a key or a whole table (`lint`, `lint.severity`), a rule under
    `lint.severity` by name or by code; `telemetry.team` and `telemetry.project`
    lock the file's `team` and `project`.
    """
    from llmops_ls.linter import catalogue

    def canonical(key: str) -> str:
        if key in ("team", "project"):  # the policy's defaults for them
            return f"telemetry.{key}"
        head, _, rule = key.partition("lint.severity.")
        if head or not rule:
            return key
        found = catalogue.resolve(rule)
        return f"lint.severity.{found.name}" if found is not None else key

    held = [canonical(lock) for lock in locks]

    def locked(key: str) -> bool:
        key = canonical(key)
        return any(key == lock or key.startswith(lock + ".") for lock in held)

    prefix = _prefix(path)
    refused: list[str] = []
    kept: dict[str, Any] = {}
    for name, value in table.items():
        if name != "lint" or not isinstance(value, dict):
            if locked(name):
                refused.append(prefix + name)
            else:
                kept[name] = value
            continue
        lint: dict[str, Any] = {}
        for key, entry in value.items():
            dotted = f"lint.{key}"
            if isinstance(entry, dict) and key in ("severity", "budgets"):
                inner = {}
                for inner_key, inner_value in entry.items():
                    if locked(f"{dotted}.{inner_key}"):
                        refused.append(f"{prefix}{dotted}.{inner_key}")
                    else:
                        inner[inner_key] = inner_value
                if inner or not entry:
                    lint[key] = inner
            elif locked(dotted):
                refused.append(prefix + dotted)
            else:
                lint[key] = entry
        kept["lint"] = lint
    return kept, refused


def locked_message(key: str) -> str:
    """What is said of a key left out because the organisation policy locks it."""
    return f"`{key}` is locked by the organisation policy; the value here is ignored"


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
