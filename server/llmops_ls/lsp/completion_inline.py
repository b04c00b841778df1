"""`textDocument/inlineCompletion` (LSP 3.18): ghost text from the gateway.

The text before and after the cursor goes to the assistant, which cuts it to a token
budget, routes it (the policy's inline tier, by default the cheapest) and asks for a
short completion. A newer request for the same document cancels the older one, and
`$/cancelRequest` cancels the
handler's task: either way the HTTP request to the gateway is closed at once, so
tokens are not generated for an answer nobody will see. Each item carries the command
`llmops.accept` with the request id, so acceptance reaches telemetry.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from llmops_ls.errors import LlmopsError
from llmops_ls.lsp.convert import uri_to_path
from llmops_ls.lsp.feedback import FeedbackTracker

if TYPE_CHECKING:
    from llmops_ls.lsp.server import LlmopsLanguageServer

logger = logging.getLogger(__name__)

ACCEPT_COMMAND = "llmops.accept"
RELATIVE_PATHS_KEPT = 512

#: A document and the workspace folders (and root) its relative path was taken in.
_FolderKey = tuple[str, tuple[str, ...], str | None]


class InlineCompletion:
    """Serves inline completions, one upstream request per document at a time."""

    def __init__(self, server: LlmopsLanguageServer, feedback: FeedbackTracker) -> None:
        self.server = server
        self.feedback = feedback
        self._running: dict[str, asyncio.Task[object]] = {}
        # Path arithmetic and a stat per workspace folder on every keystroke's
        # request would cost more than the routing: remembered per folder set.
        self._relative_paths: dict[_FolderKey, str | None] = {}

    async def complete(
        self, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList | None:
        """Items for the cursor; None when no completion could be had."""
        uri = params.text_document.uri
        document = self.server.workspace.get_text_document(uri)
        text = document.source
        offset = min(document.offset_at_position(params.position), len(text))

        task = asyncio.current_task()
        previous = self._running.get(uri)
        if previous is not None and previous is not task and not previous.done():
            previous.cancel()
        if task is not None:
            self._running[uri] = task
        self.feedback.superseded(uri)

        try:
            answer = await self.server.assistant.inline(
                text[:offset],
                text[offset:],
                language=document.language_id,
                path=self._relative(uri),
            )
        except LlmopsError as exc:
            # Ghost text is optional: say why in the log, never in a pop-up.
            logger.warning("no inline completion: %s", exc)
            return None
        finally:
            if self._running.get(uri) is task:
                del self._running[uri]

        if not answer.text:
            return types.InlineCompletionList(items=[])
        self.feedback.shown(
            answer.request_id, uri, "inline_completion", len(answer.text)
        )
        item = types.InlineCompletionItem(
            insert_text=answer.text,
            range=types.Range(params.position, params.position),
            command=types.Command(
                title="Accept completion",
                command=ACCEPT_COMMAND,
                arguments=[answer.request_id],
            ),
        )
        return types.InlineCompletionList(items=[item])

    def _relative(self, uri: str) -> str | None:
        workspace = self.server.workspace
        key = (uri, tuple(workspace.folders), workspace.root_uri)
        try:
            return self._relative_paths[key]
        except KeyError:
            pass
        if len(self._relative_paths) >= RELATIVE_PATHS_KEPT:
            self._relative_paths.clear()
        relative = self._relative_paths[key] = self._compute_relative(uri)
        return relative

    def _compute_relative(self, uri: str) -> str | None:
        path = uri_to_path(uri)
        if path is None:
            return None
        for root in self.server.workspace_roots():
            if path.is_relative_to(root):
                return path.relative_to(root).as_posix()
        return path.name
