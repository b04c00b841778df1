"""What the server knows once the client is connected: projects, buffers and features.

The session is built on the first notification after `initialize`, so that importing
the linter (and its checks) does not delay the `initialize` reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmops_ls.linter import tokens
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.workspace import find_root
from llmops_ls.lsp import convert
from llmops_ls.lsp.code_actions import CodeActions
from llmops_ls.lsp.completion import Completion
from llmops_ls.lsp.diagnostics import Diagnostics
from llmops_ls.lsp.hover import Hover
from llmops_ls.lsp.links import Links
from llmops_ls.lsp.memory import collections_deferred
from llmops_ls.lsp.paths import resolved
from llmops_ls.lsp.project import Project
from llmops_ls.lsp.relint_queue import RelintQueue
from llmops_ls.lsp.scan import Scanner
from llmops_ls.lsp.watching import Watcher

if TYPE_CHECKING:
    from llmops_ls.lsp.server import LlmopsLanguageServer

logger = logging.getLogger(__name__)

SETTINGS_SECTION = "llmops-ls"


class Session:
    """Projects by root, open buffers, and the feature objects the handlers call."""

    def __init__(self, server: LlmopsLanguageServer) -> None:
        self.server = server
        self.encoder = convert.PositionEncoder(server.workspace.position_encoding)
        self.editor_settings: Mapping[str, Any] = _settings_from(
            server.initialization_options
        )
        self.projects: dict[Path, Project] = {}
        self._open: dict[Path, str] = {}
        # Each open buffer's path and project by the URI its edits name, found once
        # rather than on every keystroke.
        self._buffers: dict[str, _Buffer] = {}
        self.diagnostics = Diagnostics(self)
        self.relint_queue = RelintQueue(self)
        self.scanner = Scanner(self)
        self.watcher = Watcher(self)
        self.code_actions = CodeActions(self)
        self.hover = Hover(self)
        self.links = Links(self)
        self.completion = Completion(self)
        for root in server.workspace_roots():
            self._add_project(root)

    # -- projects and buffers ----------------------------------------------------

    def project_for(self, path: Path) -> Project:
        """The project whose root holds `path` (created on demand for loose files)."""
        path = resolved(path)
        best: Project | None = None
        for root, project in self.projects.items():
            if path.is_relative_to(root) and (
                best is None or len(root.parts) > len(best.root.parts)
            ):
                best = project
        if best is not None:
            return best
        project = self._add_project(find_root(path))
        self.diagnostics.publish_config(project)
        return project

    def _add_project(self, root: Path) -> Project:
        project = Project(root, self.editor_settings)
        project.reload_settings()
        self.projects[project.root] = project
        self._buffers.clear()  # a buffer may now belong to this project
        logger.info(
            "project at %s (%s)",
            project.root,
            project.config_path.name if project.config_path else "defaults",
        )
        return project

    def uri_of(self, path: Path) -> str:
        """The URI the client uses for a path (its own spelling when it is open)."""
        return self._open.get(resolved(path)) or convert.path_to_uri(path)

    def open_version(self, path: Path) -> int | None:
        """The buffer version of an open document."""
        uri = self._open.get(resolved(path))
        if uri is None:
            return None
        return self.server.workspace.get_text_document(uri).version

    def buffer_text(self, path: Path) -> str | None:
        """The editor's text of an open document."""
        uri = self._open.get(resolved(path))
        if uri is None:
            return None
        return self.server.workspace.get_text_document(uri).source

    def located(self, uri: str) -> tuple[Project, Path, RulesDocument] | None:
        """The project, path and current document of a rules file named by a URI.

        None for other schemes, files that are neither open nor on disk, and files
        that no assistant reads: requests about them get an empty answer.
        """
        path = convert.uri_to_path(uri)
        if path is None:
            return None
        path = resolved(path)
        project = self.project_for(path)
        if not project.is_rules_file(path) or not project.workspace.exists(path):
            return None
        doc = project.workspace.document(path)
        if doc.read_error is not None:
            return None
        return project, path, doc

    def is_open(self, path: Path) -> bool:
        """Whether the client has the file open."""
        return resolved(path) in self._open

    def open_paths(self) -> list[Path]:
        """Every open document's path."""
        return list(self._open)

    # -- document lifecycle ------------------------------------------------------

    def did_open(self, uri: str) -> None:
        """A document was opened: lint it from its buffer."""
        path = convert.uri_to_path(uri)
        if path is None:
            return
        self._forget_buffer(resolved(path))  # opened again, perhaps as another URI
        self._open[resolved(path)] = uri
        asked = tokens.requests_made()
        self._buffer_changed(self._buffer(uri, path))
        if tokens.requests_made() > asked and not tokens.ready_to_count():
            # Its count came from the cache, but every edit will need a new one:
            # have the vocabulary loaded now rather than on the first keystroke.
            self._preload_encoding()

    def did_change(self, uri: str) -> None:
        """A buffer changed: lint it now, and the files that depend on it soon."""
        buffer = self._buffers.get(uri)
        if buffer is None:
            path = convert.uri_to_path(uri)
            if path is None or resolved(path) not in self._open:
                return
            buffer = self._buffer(uri, path)
        self._buffer_changed(buffer)

    def did_save(self, uri: str) -> None:
        """A document was saved: its disk content now equals the buffer."""
        path = convert.uri_to_path(uri)
        if path is None:
            return
        self.watcher.saved(path)

    def did_close(self, uri: str) -> None:
        """A document was closed: lint it from disk again (unsaved edits are gone)."""
        path = convert.uri_to_path(uri)
        if path is None or self._open.pop(resolved(path), None) is None:
            return
        self._forget_buffer(resolved(path))
        project = self.project_for(path)
        if project.is_config_file(path):
            project.set_config_overlay(path, None)
            self.watcher.config_changed(project)
            return
        project.set_overlay(path, None)
        if project.is_rules_file(path) and project.workspace.exists(path):
            self.diagnostics.lint_and_publish(path, project)
        else:
            project.forget(path)
            self.diagnostics.clear(path)
        self.diagnostics.relint(project.dependents([path]), project)

    def _buffer(self, uri: str, path: Path) -> _Buffer:
        """The open buffer a URI names (the path must be open), remembered."""
        key = resolved(path)
        project = self.project_for(path)  # may add a project, which forgets buffers
        buffer = self._buffers[uri] = _Buffer(path, key, self._open[key], project)
        return buffer

    def _forget_buffer(self, key: Path) -> None:
        for named, buffer in list(self._buffers.items()):
            if buffer.key == key:
                del self._buffers[named]

    def _buffer_changed(self, buffer: _Buffer) -> None:
        with collections_deferred():
            self._lint_buffer(buffer)

    def _lint_buffer(self, buffer: _Buffer) -> None:
        path, project = buffer.path, buffer.project
        document = self.server.workspace.get_text_document(buffer.opened_as)
        text = document.source
        if project.is_config_file(path):
            project.set_config_overlay(path, text)
            self.watcher.config_changed(project)
            return
        project.set_overlay(path, text)
        if project.is_rules_file(path):
            self.diagnostics.lint_and_publish(path, project)
        self.relint_queue.changed(path, project)

    def _preload_encoding(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        # After the handler, so that the document's diagnostics are sent first.
        loop.call_soon(tokens.warm)

    # -- settings ----------------------------------------------------------------

    def apply_editor_settings(self, settings: Any) -> None:
        """New editor settings: reload every project and re-lint what changed."""
        self.editor_settings = _settings_from(settings)
        for project in self.projects.values():
            project.editor_settings = self.editor_settings
            self.watcher.config_changed(project)

    def relint_all(self, project: Project) -> None:
        """Lint every open and every previously linted file of a project again."""
        paths: Iterable[Path] = {
            *project.linted_files(),
            *(p for p in self._open if project.is_rules_file(p)),
        }
        self.diagnostics.relint(paths, project)


@dataclass(frozen=True, slots=True)
class _Buffer:
    """An open buffer: its path as named, resolved, as opened, and its project."""

    path: Path
    key: Path
    opened_as: str  # the URI the client opened it under, which keys its text
    project: Project


def _settings_from(value: Any) -> Mapping[str, Any]:
    """The `llmops-ls` section of editor settings, however the client nested it."""
    if not isinstance(value, Mapping):
        return {}
    for key in (SETTINGS_SECTION, "llmopsLs", "llmops_ls"):
        inner = value.get(key)
        if isinstance(inner, Mapping):
            return inner
    return value


def make_session(server: LlmopsLanguageServer) -> Session:
    """Build the session (kept as a function so the server imports this lazily)."""
    return Session(server)
