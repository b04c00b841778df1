"""Inline completions on `/v1/completions` with `suffix` where the model takes one."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.helpers import chat_answer, error_body, make_client
from llmops_ls.catalog import load
from llmops_ls.config.policy import parse_policy
from llmops_ls.errors import BudgetExceededError
from llmops_ls.gateway.assistant import Assistant
from llmops_ls.routing.recording import FeedbackRecord, RequestRecord
from llmops_ls.routing.router import Caller, Router

NOW = datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC)
CODESTRAL = "codestral-2508"
MINI = "gpt-5.4-mini-2026-03-17"
PREFIX = "def area(r: float) -> float:\n    return "
SUFFIX = "\n\nprint(area(2))\n"


def text_answer(text: str) -> dict[str, Any]:
    """A non-streamed `/v1/completions` body."""
    return {
        "choices": [{"index": 0, "text": text, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
    }


class Records:
    """A recording sink that keeps request records."""

    def __init__(self) -> None:
        self.requests: list[RequestRecord] = []

    def record_request(self, record: RequestRecord) -> None:
        self.requests.append(record)

    def record_feedback(self, record: FeedbackRecord) -> None:
        return None


def assistant(handler: Any, fast_models: str, sink: Records | None = None) -> Assistant:
    policy = parse_policy(
        f"[tiers.fast]\nmodels = [{fast_models}]\n", Path("p.toml"), NOW.date()
    ).policy
    return Assistant(
        Router(policy),
        make_client(handler),
        Caller("dev"),
        sink=sink or Records(),
        count=len,  # a token a character: parts add up as real counts do
        clock=lambda: NOW,
    )


def test_catalogue_flags_models_that_take_a_suffix() -> None:
    catalogue = load()
    assert catalogue.get(CODESTRAL).suffix_completions  # type: ignore[union-attr]
    assert not catalogue.get(MINI).suffix_completions  # type: ignore[union-attr]


async def test_suffix_model_gets_prefix_and_suffix_on_the_completions_endpoint() -> (
    None
):
    seen: list[tuple[str, dict[str, Any]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, json.loads(request.content)))
        return httpx.Response(200, json=text_answer("3.14159 * r * r"))

    answer = await assistant(handler, f'"{CODESTRAL}", "{MINI}"').inline(
        PREFIX, SUFFIX, language="python"
    )

    assert answer.text == "3.14159 * r * r"
    ((path, body),) = seen
    assert path == "/v1/completions"
    assert (body["model"], body["prompt"], body["suffix"]) == (
        CODESTRAL,
        PREFIX,
        SUFFIX,
    )
    assert "messages" not in body


async def test_inline_input_tokens_count_prefix_and_suffix_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=chat_answer("2 * r"))

    answer = await assistant(handler, f'"{MINI}"').inline(PREFIX, SUFFIX)

    assert answer.decision.input_tokens == len(PREFIX) + len(SUFFIX)


async def test_chat_model_gets_the_chat_fill_in_the_middle_prompt() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=chat_answer("3.14 * r * r"))

    await assistant(handler, f'"{MINI}", "gemini-3.5-flash-lite"').inline(
        PREFIX, SUFFIX
    )
    assert seen == ["/v1/chat/completions"]


async def test_rejected_suffix_request_falls_back_to_the_chat_prompt() -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append((request.url.path, body["model"]))
        if request.url.path == "/v1/completions":
            return httpx.Response(400, content=error_body("invalid_request_error"))
        return httpx.Response(200, json=chat_answer("3.14 * r * r"))

    records = Records()
    answer = await assistant(handler, f'"{CODESTRAL}", "{MINI}"', records).inline(
        PREFIX, SUFFIX
    )

    assert answer.text == "3.14 * r * r"
    # A bad request says nothing against the model: its chat endpoint is tried first.
    assert seen == [("/v1/completions", CODESTRAL), ("/v1/chat/completions", CODESTRAL)]
    assert [r.outcome for r in records.requests] == ["ok"]


async def test_rate_limited_suffix_model_falls_back_to_chat_on_the_next_model() -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append((request.url.path, body["model"]))
        if body["model"] == CODESTRAL:
            return httpx.Response(
                429,
                content=error_body("rate_limit_error"),
                headers={"retry-after": "9"},
            )
        return httpx.Response(200, json=chat_answer("3.14 * r * r"))

    await assistant(handler, f'"{CODESTRAL}", "{MINI}"').inline(PREFIX, SUFFIX)

    assert seen == [("/v1/completions", CODESTRAL), ("/v1/chat/completions", MINI)]


async def test_budget_errors_end_the_call_without_a_chat_retry() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(400, content=error_body("budget_exceeded"))

    with pytest.raises(BudgetExceededError):
        await assistant(handler, f'"{CODESTRAL}", "{MINI}"').inline(PREFIX, SUFFIX)
    assert seen == ["/v1/completions"]
