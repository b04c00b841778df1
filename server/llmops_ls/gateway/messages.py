"""What goes to the gateway and what comes back, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Endpoint = Literal["chat", "text"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a chat request."""

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a request: its workspace-relative path and its text."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class GatewayRequest:
    """A request before a model is chosen: chat messages, or a prompt for completions.

    `endpoint` selects `/v1/chat/completions` (`messages`) or `/v1/completions`
    (`prompt` and the optional `suffix`). Attachments are added to a chat as one
    message after the filter has passed them.
    """

    endpoint: Endpoint = "chat"
    messages: tuple[ChatMessage, ...] = ()
    prompt: str = ""
    suffix: str | None = None
    attachments: tuple[Attachment, ...] = ()
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    temperature: float | None = None
    stream: bool = False

    @property
    def path(self) -> str:
        """The URL path of the endpoint."""
        return "/v1/chat/completions" if self.endpoint == "chat" else "/v1/completions"

    def payload(self, model: str) -> dict[str, Any]:
        """The JSON body for `model` (attachments must already be folded in)."""
        body: dict[str, Any] = {"model": model}
        if self.endpoint == "chat":
            body["messages"] = [
                {"role": m.role, "content": m.content} for m in self.messages
            ]
        else:
            body["prompt"] = self.prompt
            if self.suffix is not None:
                body["suffix"] = self.suffix
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.stop:
            body["stop"] = list(self.stop)
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the gateway reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: Prompt tokens the provider read from its prompt cache (part of `prompt_tokens`).
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try of one model: the model and the error class name, if it failed."""

    model: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    """An answer: text, the model that gave it, usage, cost and timings.

    `cost_source` is `gateway` when the gateway's `x-litellm-response-cost` header gave
    the cost, `catalogue` when it was computed from list prices (an estimate), `none`
    when the model is not catalogued and the gateway said nothing.
    """

    text: str
    model: str
    usage: Usage | None
    cost: float | None
    cost_source: Literal["gateway", "catalogue", "none"]
    finish_reason: str | None
    latency_seconds: float
    first_token_seconds: float | None
    redactions: int = 0
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)

    @property
    def fallbacks_used(self) -> int:
        """How many other models of the chain were tried, or skipped while cooling
        down, before the one that answered (a retry of the same model is not one)."""
        return len({a.model for a in self.attempts} - {self.model})
