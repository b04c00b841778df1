"""The outgoing content filter: nothing leaves the workspace without passing it.

Every message, prompt, suffix and attached file is scanned with the linter's secret
detectors. The policy's `content_filter.action` decides: `redact` replaces each secret
with `[REDACTED:<kind>]`, `block` refuses the whole request. Files matching
`never_attach` (`.env`, `*.pem`, ...) are refused whatever their content. Only the
number and kinds of redactions are kept, never what was redacted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from llmops_ls.config.policy import ContentFilter
from llmops_ls.errors import AttachmentRefusedError, SecretBlockedError
from llmops_ls.gateway.messages import ChatMessage, GatewayRequest
from llmops_ls.linter.secrets import find_secrets

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Filtered:
    """A request fit to leave, with attachments folded into its messages."""

    request: GatewayRequest
    redactions: int
    kinds: tuple[str, ...]


class OutgoingFilter:
    """Applies one policy's content filter to requests."""

    def __init__(self, policy: ContentFilter) -> None:
        self.policy = policy

    def apply(self, request: GatewayRequest) -> Filtered:
        """The request fit to send; a `ContentFilterError` when it may not leave."""
        for attachment in request.attachments:
            if not self.policy.may_attach(attachment.path):
                logger.warning("refused to attach %s", attachment.path)
                raise AttachmentRefusedError(attachment.path)

        kinds: list[str] = []
        messages = tuple(
            ChatMessage(m.role, self._clean(m.content, kinds)) for m in request.messages
        )
        if request.attachments:
            files = "\n\n".join(
                _attachment_text(a.path, self._clean(a.text, kinds))
                for a in request.attachments
            )
            messages += (ChatMessage("user", f"Attached files:\n\n{files}"),)
        prompt = self._clean(request.prompt, kinds)
        suffix = None if request.suffix is None else self._clean(request.suffix, kinds)

        if kinds and self.policy.action == "block":
            raise SecretBlockedError(tuple(kinds))
        if kinds:
            logger.info("redacted %d secret(s) from an outgoing request", len(kinds))
        cleaned = replace(
            request, messages=messages, prompt=prompt, suffix=suffix, attachments=()
        )
        return Filtered(cleaned, len(kinds), tuple(kinds))

    def _clean(self, text: str, kinds: list[str]) -> str:
        matches = find_secrets(text) if text else []
        if not matches:
            return text
        kinds.extend(m.kind for m in matches)
        parts: list[str] = []
        cursor = 0
        for match in matches:
            parts.append(text[cursor : match.start])
            parts.append(f"[REDACTED:{match.kind}]")
            cursor = match.end
        parts.append(text[cursor:])
        return "".join(parts)


def _attachment_text(path: str, text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{path}\n{fence}\n{text}\n{fence}"
