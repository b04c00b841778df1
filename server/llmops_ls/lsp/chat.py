"""`llmops/chat`: a conversation and attached files in, a routed answer out.

Params: `messages` (`role`, `content`), optional `attachments` (each a `uri`, read
from the editor's buffer when open, else from disk), an optional `chatId` and an
optional `tier` the developer asks for (taken as the policy's `routing.requested_tier`
allows; a tier the policy does not define is InvalidParams listing those it does). While
the answer arrives, `llmops/chatChunk` notifications carry `{chatId, text}`. The result
holds the text, the request id (for `llmops/feedback`), the model, usage, cost and the
routing decision. Errors are JSON-RPC errors with a code per kind of failure.

`llmops/tiers` (no params) answers the policy's tiers, cheapest first, with their
models, and `requestedTier`, the policy's rule for a tier the developer asks for.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInvalidParams, JsonRpcServerError

from llmops_ls.errors import (
    BudgetSpentError,
    ContentFilterError,
    GatewayError,
    LlmopsError,
    UnknownTierError,
)
from llmops_ls.lsp.convert import uri_to_path
from llmops_ls.lsp.feedback import FeedbackTracker, field
from llmops_ls.routing.features import Message

if TYPE_CHECKING:
    from llmops_ls.lsp.server import LlmopsLanguageServer

logger = logging.getLogger(__name__)

CHAT_METHOD = "llmops/chat"
TIERS_METHOD = "llmops/tiers"
CHUNK_NOTIFICATION = "llmops/chatChunk"
#: JSON-RPC error codes of `llmops/chat` (server-error range).
BUDGET_SPENT, CONTENT_REFUSED, GATEWAY_FAILED, NOT_CONFIGURED = (
    -32001,
    -32002,
    -32003,
    -32004,
)


class Chat:
    """Serves `llmops/chat` requests."""

    def __init__(self, server: LlmopsLanguageServer, feedback: FeedbackTracker) -> None:
        self.server = server
        self.feedback = feedback

    async def chat(self, params: Any) -> dict[str, Any]:
        """Answer one chat request, streaming chunks as notifications."""
        chat_id = str(field(params, "chatId") or uuid.uuid4().hex)
        messages = _messages(field(params, "messages"))
        attachments = self._attachments(field(params, "attachments") or [])
        tier = field(params, "tier")
        if tier is not None and not isinstance(tier, str):
            raise JsonRpcInvalidParams("tier must be a string")

        def send_chunk(text: str) -> None:
            self.server.protocol.notify(
                CHUNK_NOTIFICATION, {"chatId": chat_id, "text": text}
            )

        try:
            answer = await self.server.assistant.chat(
                messages, attachments, send_chunk, tier=tier
            )
        except UnknownTierError as exc:
            raise JsonRpcInvalidParams(
                str(exc), data={"tiers": list(exc.known)}
            ) from None
        except BudgetSpentError as exc:
            raise _server_error(
                str(exc), BUDGET_SPENT, {"resetsAt": exc.resets_at}
            ) from None
        except ContentFilterError as exc:
            raise _server_error(str(exc), CONTENT_REFUSED) from None
        except GatewayError as exc:
            raise _server_error(
                str(exc), GATEWAY_FAILED, {"error": type(exc).__name__}
            ) from None
        except LlmopsError as exc:
            raise _server_error(str(exc), NOT_CONFIGURED) from None

        self.feedback.shown(answer.request_id, None, "chat", len(answer.text))
        completion = answer.completion
        usage = completion.usage if completion else None
        return {
            "chatId": chat_id,
            "requestId": answer.request_id,
            "text": answer.text,
            "model": completion.model if completion else answer.decision.model,
            "usage": None
            if usage is None
            else {
                "promptTokens": usage.prompt_tokens,
                "completionTokens": usage.completion_tokens,
            },
            "cost": completion.cost if completion else None,
            "costSource": completion.cost_source if completion else "none",
            "redactions": completion.redactions if completion else 0,
            "decision": answer.decision.to_dict(),
        }

    def tiers(self) -> dict[str, Any]:
        """The policy's tiers, cheapest first, and whether a requested one is taken.

        A client offers these when the developer picks a tier; nothing is routed.
        """
        try:
            policy = self.server.assistant.router.policy
        except LlmopsError as exc:
            raise _server_error(str(exc), NOT_CONFIGURED) from None
        return {
            "tiers": [
                {"name": name, "models": list(policy.tiers[name].models)}
                for name in policy.tier_order()
            ],
            "requestedTier": policy.routing.requested_tier,
        }

    def _attachments(self, items: Any) -> dict[str, str]:
        files: dict[str, str] = {}
        if not isinstance(items, list):
            raise JsonRpcInvalidParams("attachments must be a list")
        for item in items:
            uri = field(item, "uri")
            path = uri_to_path(uri) if isinstance(uri, str) else None
            if path is None:
                raise JsonRpcInvalidParams(f"attachment {uri!r} is no file URI")
            text = field(item, "text")
            if not isinstance(text, str):
                document = self.server.workspace.text_documents.get(uri)
                if document is not None:
                    text = document.source
                else:
                    try:
                        text = path.read_text(encoding="utf-8", errors="replace")
                    except OSError as exc:
                        raise JsonRpcInvalidParams(
                            f"cannot read {path}: {exc}"
                        ) from None
            files[self._relative(path)] = text
        return files

    def _relative(self, path: Any) -> str:
        for root in self.server.workspace_roots():
            if path.is_relative_to(root):
                return str(path.relative_to(root).as_posix())
        return str(path.name)


def _messages(value: Any) -> list[Message]:
    if not isinstance(value, list) or not value:
        raise JsonRpcInvalidParams("messages must be a non-empty list")
    messages = []
    for item in value:
        role, content = field(item, "role"), field(item, "content")
        if not isinstance(role, str) or not isinstance(content, str):
            raise JsonRpcInvalidParams("each message needs a role and a content")
        messages.append(Message(role, content))
    return messages


def _server_error(
    message: str, code: int, data: dict[str, str] | None = None
) -> JsonRpcServerError:
    # pygls leaves this constructor unannotated.
    return JsonRpcServerError(message, code, data)  # type: ignore[no-untyped-call]
