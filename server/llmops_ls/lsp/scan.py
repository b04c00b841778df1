"""The start-up scan: lint every rules file of the workspace, with progress.

Diagnostics of files that are not open are published as the scan goes, so the Problems
panel shows the whole workspace. The scan yields to the event loop between batches, so
a user typing while it runs is served first.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

from llmops_ls.linter import tokens
from llmops_ls.lsp import memory

if TYPE_CHECKING:
    from llmops_ls.lsp.session import Session

logger = logging.getLogger(__name__)

BATCH_FILES = 16


class Scanner:
    """Lints the workspace once, reporting work-done progress when the client can."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.done = asyncio.Event()

    async def scan(self) -> int:
        """Lint every rules file of every project; returns how many were linted."""
        started = time.perf_counter()
        progress = await self._begin()
        count = 0
        try:
            # A cold token cache means counting the large files: a worker process
            # does it, so the vocabulary's memory is gone with it when the scan ends.
            with tokens.counted_in_worker():
                for project in list(self.session.projects.values()):
                    files = [
                        p for p in project.rules_files() if not self.session.is_open(p)
                    ]
                    for index, path in enumerate(files, start=1):
                        self.session.diagnostics.lint_and_publish(path, project)
                        count += 1
                        if index % BATCH_FILES == 0:
                            self._report(progress, index, len(files))
                            await asyncio.sleep(0)
        finally:
            # The scan's transient allocations are freed; give their pages back,
            # and keep what stays out of later collections.
            memory.settle()
            self.session.diagnostics.trimmer.trim()
            self._end(progress, count)
            self.done.set()
        logger.info(
            "scanned %d rules file(s) in %.0f ms",
            count,
            (time.perf_counter() - started) * 1000,
        )
        return count

    async def _begin(self) -> str | None:
        server = self.session.server
        window = server.client_capabilities.window
        if window is None or not window.work_done_progress:
            return None
        token = f"llmops-ls-scan-{uuid.uuid4()}"
        try:
            await server.work_done_progress.create_async(token)
        except Exception:
            logger.warning("the client refused a progress token", exc_info=True)
            return None
        server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="llmops-ls: scanning rules files", percentage=0
            ),
        )
        return token

    def _report(self, token: str | None, index: int, total: int) -> None:
        if token is None:
            return
        self.session.server.work_done_progress.report(
            token,
            types.WorkDoneProgressReport(
                message=f"{index}/{total} files", percentage=index * 100 // total
            ),
        )

    def _end(self, token: str | None, count: int) -> None:
        if token is None:
            return
        self.session.server.work_done_progress.end(
            token, types.WorkDoneProgressEnd(message=f"{count} rules files checked")
        )
