"""Helpers of the gateway unit tests: a client over httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from llmops_ls.catalog import load
from llmops_ls.config.policy import ContentFilter
from llmops_ls.gateway.breaker import CircuitBreaker
from llmops_ls.gateway.client import GatewayClient, Timeouts
from llmops_ls.gateway.filter import OutgoingFilter

KEY = "sk-test-gateway-key-0123456789abcdefABCDEF"
FAST = "gpt-5.4-mini-2026-03-17"
OTHER = "gemini-3.5-flash-lite"

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(
    handler: Handler | Callable[[httpx.Request], Any],
    *,
    action: str = "redact",
    timeouts: Timeouts = Timeouts(1.0, 1.0, 2.0),  # noqa: B008 - frozen value
    breaker: CircuitBreaker | None = None,
) -> GatewayClient:
    """A client whose every request is answered by `handler`."""

    async def no_sleep(seconds: float) -> None:
        return None

    return GatewayClient(
        "http://gateway.test",
        KEY,
        content_filter=OutgoingFilter(ContentFilter(action=action)),  # type: ignore[arg-type]
        catalogue=load(),
        timeouts=timeouts,
        breaker=breaker,
        transport=httpx.MockTransport(handler),
        sleep=no_sleep,
    )


def chat_answer(text: str = "hello", **extra: Any) -> dict[str, Any]:
    """A non-streamed chat completion body."""
    return {
        "id": "c1",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
        **extra,
    }


def sse_body(chunks: list[dict[str, Any] | str], done: bool = True) -> bytes:
    """An SSE body of the given chunks (strings sent verbatim), then [DONE]."""
    lines = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def delta(text: str | None, finish: str | None = None) -> dict[str, Any]:
    """One streamed chat chunk."""
    return {
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]
    }


def litellm_usage_chunk(prompt: int, completion: int) -> dict[str, Any]:
    """LiteLLM's last chunk: usage, with a choice whose delta is empty."""
    return {
        "choices": [{"index": 0, "delta": {}}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def error_body(kind: str, message: str = "nope", code: str | None = None) -> bytes:
    """An OpenAI-style error body."""
    return json.dumps(
        {"error": {"message": message, "type": kind, "code": code}}
    ).encode()
