"""Linting the files that depend on an edited buffer once the typing pauses.

A keystroke changes one buffer, whose own diagnostics are published at once. Other
files may read it: an importer, or every Cursor rule that loads along with an
always-applied one, so one keystroke in a rule can concern all 250 rules of a
folder. Linting those on every keystroke would make each edit wait for all of them.
The changed files are queued instead; when no buffer has changed for
`QUIET_SECONDS`, the files that read them are found (once, however many keystrokes
there were) and linted a few at a time, yielding to the event loop between files, so
a keystroke that arrives meanwhile is served first and puts the rest off again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from llmops_ls.linter import tokens

if TYPE_CHECKING:
    from llmops_ls.lsp.project import Project
    from llmops_ls.lsp.session import Session

logger = logging.getLogger(__name__)

QUIET_SECONDS = 0.25
SLICE_SECONDS = 0.005


class RelintQueue:
    """Changed files whose dependents wait, per project, for the edits to pause."""

    def __init__(self, session: Session, quiet_seconds: float = QUIET_SECONDS) -> None:
        self.session = session
        self.quiet_seconds = quiet_seconds
        self._changed: dict[Path, set[Path]] = {}
        self._pending: dict[Path, set[Path]] = {}
        self._last_edit = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    def changed(self, path: Path, project: Project) -> None:
        """Lint the files that read `path` soon (now, without an event loop)."""
        self._last_edit = time.monotonic()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.session.diagnostics.relint(project.dependents([path]), project)
            return
        self._changed.setdefault(project.root, set()).add(path)
        if self._task is None and self._timer is None:
            self._timer = loop.call_later(self.quiet_seconds, self._start)

    @property
    def pending(self) -> int:
        """How many changed files and dependents wait."""
        waiting = [*self._changed.values(), *self._pending.values()]
        return sum(len(paths) for paths in waiting)

    def _start(self) -> None:
        self._timer = None
        quiet = time.monotonic() - self._last_edit
        if quiet < self.quiet_seconds:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.quiet_seconds - quiet, self._start)
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            with tokens.counted_in_worker():
                await self._lint_pending()
        except Exception:
            logger.exception("linting the files that depend on an edit failed")
        finally:
            self._task = None
            if self._changed or self._pending:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self.quiet_seconds, self._start)

    async def _lint_pending(self) -> None:
        while self._changed:
            root, changed = self._changed.popitem()
            project = self.session.projects.get(root)
            if project is not None:
                found = project.dependents(changed)
                self._pending.setdefault(root, set()).update(found)
        slice_started = time.monotonic()
        while self._pending:
            root = next(iter(self._pending))
            paths = self._pending[root]
            project = self.session.projects.get(root)
            if project is None or not paths:
                del self._pending[root]
                continue
            self.session.diagnostics.relint([paths.pop()], project)
            if time.monotonic() - slice_started > SLICE_SECONDS:
                await asyncio.sleep(0)
                if self._last_edit > slice_started:
                    return  # typing again: the rest waits for the next pause
                slice_started = time.monotonic()
