"""Registration of the assistant's handlers: completions, chat, tiers, feedback."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from llmops_ls.lsp.chat import CHAT_METHOD, TIERS_METHOD, Chat
from llmops_ls.lsp.completion_inline import ACCEPT_COMMAND, InlineCompletion
from llmops_ls.lsp.feedback import FeedbackTracker, field
from llmops_ls.routing.recording import RecordingSink

if TYPE_CHECKING:
    from llmops_ls.lsp.server import LlmopsLanguageServer

logger = logging.getLogger(__name__)

FEEDBACK_METHOD = "llmops/feedback"


def register(server: LlmopsLanguageServer) -> None:
    """Register the handlers on `server`."""

    def sink() -> RecordingSink:
        return server.assistant.sink

    feedback = FeedbackTracker(sink)
    inline = InlineCompletion(server, feedback)
    chat = Chat(server, feedback)
    server.feedback = feedback  # type: ignore[attr-defined]

    @server.feature(
        types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions()
    )
    async def inline_completion(
        ls: LlmopsLanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList | None:
        return await inline.complete(params)

    @server.feature(CHAT_METHOD)
    async def llmops_chat(ls: LlmopsLanguageServer, params: Any) -> dict[str, Any]:
        return await chat.chat(params)

    @server.feature(TIERS_METHOD)
    def llmops_tiers(ls: LlmopsLanguageServer, params: Any) -> dict[str, Any]:
        return chat.tiers()

    @server.feature(FEEDBACK_METHOD)
    def llmops_feedback(ls: LlmopsLanguageServer, params: Any) -> None:
        request_id = field(params, "requestId")
        verdict = field(params, "verdict")
        length = field(params, "acceptedLength")
        if not isinstance(request_id, str) or not isinstance(verdict, str):
            logger.warning("llmops/feedback needs requestId and verdict")
            return
        feedback.verdict(
            request_id, verdict, length if isinstance(length, int) else None
        )

    # pygls resolves a command handler's annotations at run time, so they must be
    # names this module holds (the server class is imported for type checks only).
    @server.command(ACCEPT_COMMAND)
    def llmops_accept(ls: Any, request_id: Any = None) -> None:
        if isinstance(request_id, str):
            feedback.verdict(request_id, "accepted")
        else:
            logger.warning("%s needs the request id", ACCEPT_COMMAND)
