"""Reacting to files that change on disk: rules files, their dependencies, config.

The client's file watching is used when it can register
`workspace/didChangeWatchedFiles` dynamically; otherwise (Neovim 0.7, for one) a
watchdog observer watches the project roots from a thread and hands its events to the
event loop.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from llmops_ls.lsp.project import Project

if TYPE_CHECKING:
    from llmops_ls.lsp.session import Session

logger = logging.getLogger(__name__)

REGISTRATION_ID = "llmops-ls-watched-files"
WATCHDOG_BATCH_SECONDS = 0.05
_IGNORED_PARTS = frozenset({".git", "node_modules", "__pycache__", ".venv"})


class Change(enum.Enum):
    """What happened to a file."""

    CREATED = 1
    CHANGED = 2
    DELETED = 3


_FROM_LSP = {
    types.FileChangeType.Created: Change.CREATED,
    types.FileChangeType.Changed: Change.CHANGED,
    types.FileChangeType.Deleted: Change.DELETED,
}


class Watcher:
    """Turns file events into re-lints of the files they affect."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._observer: Any = None
        self._pending: dict[Path, Change] = {}
        self._flush_scheduled = False

    async def start(self) -> None:
        """Ask the client to watch files, or start watching them ourselves."""
        server = self.session.server
        capabilities = server.client_capabilities
        dynamic = (
            capabilities.workspace is not None
            and capabilities.workspace.did_change_watched_files is not None
            and capabilities.workspace.did_change_watched_files.dynamic_registration
        )
        if dynamic:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
            )
            try:
                await server.client_register_capability_async(
                    types.RegistrationParams(
                        registrations=[
                            types.Registration(
                                id=REGISTRATION_ID,
                                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                register_options=options,
                            )
                        ]
                    )
                )
                logger.info("file watching: the client's")
                return
            except Exception:
                logger.warning(
                    "the client refused file watching; watching with watchdog",
                    exc_info=True,
                )
        self._start_watchdog(list(self.session.projects))

    def stop(self) -> None:
        """Stop the watchdog thread, if one runs."""
        if self._observer is not None:
            self._observer.stop()
            self._observer = None

    # -- events ------------------------------------------------------------------

    def client_events(self, events: Iterable[types.FileEvent]) -> None:
        """Events from `workspace/didChangeWatchedFiles`."""
        from llmops_ls.lsp.convert import uri_to_path

        changes: dict[Path, Change] = {}
        for event in events:
            path = uri_to_path(event.uri)
            if path is not None:
                changes[path.resolve()] = _FROM_LSP.get(event.type, Change.CHANGED)
        self.apply(changes)

    def saved(self, path: Path) -> None:
        """A document was saved from the editor."""
        self.apply({path.resolve(): Change.CHANGED})

    def apply(self, changes: dict[Path, Change]) -> None:
        """Re-lint what the changed files affect, project by project."""
        by_project: dict[Path, list[tuple[Path, Change]]] = {}
        for path, change in changes.items():
            if _IGNORED_PARTS.intersection(path.parts):
                continue
            project = self.session.project_for(path)
            by_project.setdefault(project.root, []).append((path, change))
        for root, items in by_project.items():
            self._apply_to(self.session.projects[root], items)

    def _apply_to(self, project: Project, items: list[tuple[Path, Change]]) -> None:
        if any(project.is_config_file(path) for path, _ in items):
            self.config_changed(project)
        listing = any(change is not Change.CHANGED for _, change in items)
        if listing:
            project.files_added_or_removed()
        changed = [path for path, _ in items]
        for path in changed:
            if not self.session.is_open(path):
                project.file_changed(path)
        affected = project.dependents(changed)
        if listing:
            # A new or deleted file can resolve an import, match a glob or add an
            # always-applied rule anywhere: checking every file is cheap and sure.
            affected.update(project.linted_files())
            affected.update(
                p for p in self.session.open_paths() if project.is_rules_file(p)
            )
        for path, change in items:
            if self.session.is_open(path) or not project.is_rules_file(path):
                continue
            if change is Change.DELETED:
                project.forget(path)
                self.session.diagnostics.clear(path)
            else:
                affected.add(path)
        self.session.diagnostics.relint(affected, project)

    def config_changed(self, project: Project) -> None:
        """Reload a project's settings; re-lint everything when they changed."""
        if project.reload_settings():
            logger.info("configuration of %s reloaded", project.root)
            self.session.relint_all(project)
        self.session.diagnostics.publish_config(project)

    # -- watchdog fallback ---------------------------------------------------------

    def _start_watchdog(self, roots: list[Path]) -> None:
        try:
            from watchdog.events import FileSystemEvent, FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            logger.warning(
                "the client cannot watch files and watchdog is not installed: "
                "changes made outside the editor are seen only on save"
            )
            return
        loop = asyncio.get_running_loop()
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed", "closed_no_write"):
                    return
                if event.is_directory and event.event_type == "modified":
                    return
                change = {
                    "created": Change.CREATED,
                    "deleted": Change.DELETED,
                    "moved": Change.DELETED,
                }.get(event.event_type, Change.CHANGED)
                items = [(Path(str(event.src_path)), change)]
                if event.event_type == "moved":
                    items.append((Path(str(event.dest_path)), Change.CREATED))
                loop.call_soon_threadsafe(watcher._queue, items)

        observer = Observer()
        observer.daemon = True
        for root in roots:
            observer.schedule(Handler(), str(root), recursive=True)
        observer.start()
        self._observer = observer
        logger.info("file watching: watchdog on %d folder(s)", len(roots))

    def _queue(self, items: list[tuple[Path, Change]]) -> None:
        # Saves arrive as bursts of events; apply them together once the burst ends.
        for path, change in items:
            self._pending[path.resolve()] = change
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_later(WATCHDOG_BATCH_SECONDS, self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        pending, self._pending = self._pending, {}
        try:
            self.apply(pending)
        except Exception:
            logger.exception("re-linting after file changes failed")
