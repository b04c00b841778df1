"""One workspace folder as the server sees it: files, settings, findings, dependencies.

This module holds no LSP types, so the server's bookkeeping can be tested in-process.
Dependencies are learned, not declared: while a file is linted, every other file the
checks read through the workspace (an import, a link target, a glob's file listing) is
recorded, and a change to any of them re-lints the file.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmops_ls.config import project as project_file
from llmops_ls.errors import ConfigError
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.engine import CheckFailure, lint_document
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.kinds import classify
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Workspace
from llmops_ls.lsp.paths import resolved

logger = logging.getLogger(__name__)

CONFIG_FILE_NAMES = frozenset(project_file.CONFIG_FILES)
_ROLES_KEPT = 4096


def normalised(path: Path) -> Path:
    """An absolute path without `..`, cheaply: no symbolic links are resolved.

    Dependencies are recorded for every link and import of every lint, where
    `Path.resolve` (a system call per component) would cost more than the check.
    """
    text = str(path)
    if text.startswith("/") and "/." not in text and "//" not in text:
        return path
    return Path(os.path.normpath(os.path.abspath(text)))


@dataclass(slots=True)
class LintOutcome:
    """Findings of one file and the checks that failed on it."""

    path: Path
    findings: list[Finding]
    failures: list[CheckFailure] = field(default_factory=list)


class Project:
    """A root folder with its settings, cached documents and cross-file dependencies."""

    def __init__(self, root: Path, editor_settings: Mapping[str, Any] | None = None):
        self.root = root.resolve()
        self.editor_settings: Mapping[str, Any] = editor_settings or {}
        self.settings = LintSettings()
        self.config_error: ConfigError | None = None
        self.config_path: Path | None = None
        # Keys of the project file left out because the organisation policy locks
        # them, as written in the file.
        self.locked_keys: list[str] = []
        self.workspace = Workspace(self.root)
        self.findings: dict[Path, list[Finding]] = {}
        self._documents: dict[Path, RulesDocument] = {}
        # What each file read: its own reads, and the read sets of the memoised
        # answers it used, kept by identity since many files share the same ones.
        self._reads: dict[Path, tuple[frozenset[Path], _SharedSets]] = {}
        self._readers: dict[Path, set[Path]] = {}
        self._shared: dict[int, _SharedReads] = {}
        self._listers: set[Path] = set()
        self._config_overlays: dict[Path, str] = {}
        self._overlays: dict[Path, str] = {}
        # Whether a path is a rules file or a project file, asked on every keystroke
        # in its buffer; the answer depends on the path alone, and settings reloads
        # start it over.
        self._roles: dict[Path, tuple[bool, bool]] = {}

    # -- settings ------------------------------------------------------------------

    def reload_settings(self) -> bool:
        """Read the project file (and editor settings) again; True when they changed.

        An invalid file leaves the last good settings in force and is kept in
        `config_error` so that it can be shown as a diagnostic in that file.
        """
        previous = self.settings
        self._roles.clear()
        try:
            self.settings = self._read_settings()
            self.config_error = None
        except ConfigError as exc:
            logger.warning("invalid configuration, keeping the last good one: %s", exc)
            self.config_error = exc
            return False
        if self.settings != previous:
            self._rebuild_workspace()
            return True
        return False

    def set_config_overlay(self, path: Path, text: str | None) -> None:
        """Read a project file from an editor buffer instead of the disk."""
        if text is None:
            self._config_overlays.pop(resolved(path), None)
        else:
            self._config_overlays[resolved(path)] = text

    def is_config_file(self, path: Path) -> bool:
        """Whether a path is one of the project files of this root."""
        return self._role(path)[0]

    def _read_settings(self) -> LintSettings:
        path = self._config_file()
        self.config_path = path
        locks = project_file.policy_locks()
        table: dict[str, Any] = {}
        refused: list[str] = []
        if path is not None:
            text = self._config_overlays.get(resolved(path))
            if text is None:
                text = path.read_text(encoding="utf-8")
            # Validate the file on its own first, so its errors name its own keys.
            project_file.read_text_settings(path, text)
            table, refused = project_file.without_locked(
                path, _project_table(path, text), locks
            )
        self.locked_keys = refused
        editor = self._editor_table()
        if editor and locks:
            kept, taken = project_file.without_locked(
                self.root / "editor settings", {"lint": editor}, locks
            )
            for key in taken:
                logger.warning("editor settings: %s", project_file.locked_message(key))
            editor = kept.get("lint", {})
        if not editor:
            if path is None:
                return LintSettings()
            return project_file.parse_settings(path, table)
        merged = _merge({"lint": editor}, table)
        return project_file.parse_settings(
            path or self.root / "editor settings", merged
        )

    def _config_file(self) -> Path | None:
        for name in project_file.CONFIG_FILES:
            candidate = (self.root / name).resolve()
            if candidate in self._config_overlays:
                if (
                    name == "pyproject.toml"
                    and "llmops-ls" not in (self._config_overlays[candidate])
                ):
                    continue
                return candidate
        return project_file.find_config_file(self.root)

    def _editor_table(self) -> dict[str, Any]:
        lint = self.editor_settings.get("lint")
        if not isinstance(lint, dict) or not lint:
            return {}
        try:
            project_file.parse_settings(self.root / "editor settings", {"lint": lint})
        except ConfigError as exc:
            logger.warning("ignoring invalid editor settings: %s", exc.message)
            return {}
        return lint

    def _rebuild_workspace(self) -> None:
        self.workspace = Workspace(
            self.root,
            exclude=self.settings.exclude,
            max_file_bytes=self.settings.max_file_bytes,
            overlay=self._overlays,
        )

    # -- files ---------------------------------------------------------------------

    def is_rules_file(self, path: Path) -> bool:
        """Whether a path is a rules file that some assistant reads."""
        return self._role(path)[1]

    def _role(self, path: Path) -> tuple[bool, bool]:
        """Whether a path is a project file, and whether it is a rules file."""
        role = self._roles.get(path)
        if role is None:
            config = (
                resolved(path.parent) == self.root and path.name in CONFIG_FILE_NAMES
            )
            rules = (
                self.workspace.contains(path)
                and classify(self.workspace.relative(path)) is not None
            )
            if len(self._roles) >= _ROLES_KEPT:
                self._roles.clear()
            role = self._roles[path] = (config, rules)
        return role

    def rules_files(self) -> list[Path]:
        """Every rules file under the root that is not excluded or ignored."""
        return self.workspace.discover()

    def set_overlay(self, path: Path, text: str | None) -> None:
        """Use an editor buffer's text for a file (None: back to the disk)."""
        path = resolved(path)
        if text is None:
            self._overlays.pop(path, None)
        else:
            self._overlays[path] = text
        self.workspace.set_overlay(path, text)

    def file_changed(self, path: Path) -> None:
        """Forget what was cached about a file that changed on disk."""
        self.workspace.invalidate(path)

    def files_added_or_removed(self) -> None:
        """Forget the cached file list after a file was created or deleted."""
        self.workspace.forget_file_list()

    def forget(self, path: Path) -> None:
        """Drop a file's findings and dependencies (it was deleted)."""
        path = resolved(path)
        self.findings.pop(path, None)
        self._release(self._documents.pop(path, None))
        self._record(path, frozenset(), (), listed=False)

    # -- linting -------------------------------------------------------------------

    def lint(self, path: Path) -> LintOutcome:
        """Lint one file and remember its findings and what it read."""
        path = resolved(path)
        context = CheckContext(self.workspace, self.settings)
        self.workspace.start_recording()
        try:
            doc = self.workspace.document(path)
            findings, failures = lint_document(doc, context)
        finally:
            reads = self.workspace.stop_recording()
        previous = self._documents.get(path)
        if previous is not doc:
            self._documents[path] = doc
            self._release(previous)
        self._record(path, reads.own - {path}, reads.shared, listed=reads.listed)
        self.findings[path] = findings
        return LintOutcome(path, findings, failures)

    @staticmethod
    def _release(doc: RulesDocument | None) -> None:
        """Drop what was computed for a replaced version of a file.

        A document's computed answers can lead back to it (its import walk starts
        at itself), so a replaced version would wait for a full garbage collection;
        on a large file typed into, hundreds of them pile up in between.
        """
        if doc is not None:
            doc.cache.clear()

    def dependents(
        self, changed: Iterable[Path], *, listing: bool = False
    ) -> set[Path]:
        """Linted files that read any of `changed` (or the file list, if `listing`)."""
        result: set[Path] = set()
        for path in changed:
            keys = {normalised(path), resolved(path)}
            found: set[Path] = set()
            for key in keys:
                found.update(self._readers.get(key, ()))
            for shared in self._shared.values():
                if not keys.isdisjoint(shared.paths):
                    found.update(shared.readers)
            found.difference_update(keys)  # a file does not depend on itself
            result.update(found)
        if listing:
            result.update(self._listers)
        return result

    def linted_files(self) -> list[Path]:
        """Every file linted so far."""
        return list(self.findings)

    def _record(
        self,
        path: Path,
        own: frozenset[Path],
        shared: _SharedSets,
        *,
        listed: bool,
    ) -> None:
        old_own, old_shared = self._reads.get(path, (frozenset(), ()))
        for gone in old_own - own:
            readers = self._readers.get(gone)
            if readers is not None:
                readers.discard(path)
                if not readers:
                    del self._readers[gone]
        for new in own - old_own:
            self._readers.setdefault(new, set()).add(path)
        kept = {id(paths) for paths in shared}
        for paths in old_shared:
            entry = self._shared.get(id(paths))
            if id(paths) not in kept and entry is not None:
                entry.readers.discard(path)
                if not entry.readers:
                    del self._shared[id(paths)]
        for paths in shared:
            entry = self._shared.get(id(paths))
            if entry is None:
                entry = self._shared[id(paths)] = _SharedReads(paths)
            entry.readers.add(path)
        if own or shared:
            self._reads[path] = (own, shared)
        else:
            self._reads.pop(path, None)
        if listed:
            self._listers.add(path)
        else:
            self._listers.discard(path)


_SharedSets = tuple[frozenset[Path], ...]


@dataclass(slots=True)
class _SharedReads:
    """A read set that memoised answers share, and the files that used it.

    It holds the set itself, so the set's `id`, by which it is indexed, stays its own.
    """

    paths: frozenset[Path]
    readers: set[Path] = field(default_factory=set)


def _project_table(path: Path, text: str) -> dict[str, Any]:
    data = tomllib.loads(text)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("llmops-ls", {})
        return table if isinstance(table, dict) else {}
    return data


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` laid over `base`, table by table (the project file wins)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
