"""Turn a gateway's error answer into one exception of the `GatewayError` family.

The order matters: a budget error is recognised by `error.type == "budget_exceeded"`
before its status is looked at, because LiteLLM has answered it with 400 in some
releases and 429 in others, and a 429 would otherwise be retried as a rate limit.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Mapping
from typing import Any

from llmops_ls.errors import (
    BadRequestError,
    BudgetExceededError,
    ContentPolicyError,
    GatewayError,
    GatewayTimeoutError,
    ModelNotFoundError,
    RateLimitError,
    ServerError,
)

_CONTENT_POLICY_MARKS = ("content_policy", "contentpolicy", "content_filter")
#: The longest `Retry-After` honoured, in seconds.
MAX_RETRY_AFTER_SECONDS = 3600.0
_MAX_MESSAGE_CHARS = 300


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    model: str | None,
    now: float | None = None,
) -> GatewayError:
    """The exception for an error answer (status >= 400) from the gateway."""
    error = _error_object(body)
    return error_from_object(error, status, headers, model, now)


def error_from_object(
    error: Mapping[str, Any],
    status: int | None,
    headers: Mapping[str, str],
    model: str | None,
    now: float | None = None,
) -> GatewayError:
    """The exception for an OpenAI-style `error` object (also found inside streams)."""
    kind = str(error.get("type") or "")
    code = str(error.get("code") or "")
    message = _short(str(error.get("message") or f"HTTP {status}"))
    where = f"{model}: " if model else ""
    if kind == "budget_exceeded" or code == "budget_exceeded":
        return BudgetExceededError(
            f"{where}the gateway's budget is spent: {message}",
            model=model,
            status=status,
        )
    searched = f"{kind} {code} {message}".lower().replace(" ", "_")
    if any(mark in searched for mark in _CONTENT_POLICY_MARKS):
        return ContentPolicyError(
            f"{where}refused by the content policy: {message}",
            model=model,
            status=status,
        )
    if status == 429 or kind in ("rate_limit_error", "throttling_error"):
        retry_after = retry_after_seconds(headers, now)
        return RateLimitError(
            f"{where}rate limited: {message}",
            model=model,
            status=status,
            retry_after_seconds=retry_after,
        )
    if status == 408:
        # What LiteLLM's proxy answers when the provider behind it timed out.
        return GatewayTimeoutError(
            f"{where}the gateway timed out (408): {message}",
            phase="total",
            model=model,
            status=status,
        )
    if status == 404:
        return ModelNotFoundError(
            f"{where}the gateway does not serve this model (404): {message}",
            model=model,
            status=status,
        )
    if status is not None and status >= 500:
        return ServerError(
            f"{where}gateway error {status}: {message}", model=model, status=status
        )
    if status is None:
        return ServerError(f"{where}error in the stream: {message}", model=model)
    return BadRequestError(
        f"{where}request rejected ({status}): {message}", model=model, status=status
    )


def retry_after_seconds(
    headers: Mapping[str, str], now: float | None = None
) -> float | None:
    """Seconds to wait from `Retry-After` (delta seconds or an HTTP date), if given."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    # A gateway asking for more than this is not waited for: the model comes back
    # into the chain after the longest wait, and fails again if it must.
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def _error_object(body: bytes) -> Mapping[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return {"message": body[:_MAX_MESSAGE_CHARS].decode("utf-8", "replace")}
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict):
            return inner
        if isinstance(inner, str):
            return {"message": inner}
        if "detail" in data:
            return {"message": str(data["detail"])}
    return {"message": str(data)[:_MAX_MESSAGE_CHARS]}


def _short(message: str) -> str:
    message = " ".join(message.split())
    if len(message) > _MAX_MESSAGE_CHARS:
        return message[: _MAX_MESSAGE_CHARS - 1] + "…"
    return message
