"""Against a real LiteLLM proxy: routing, fallbacks, streaming, cancellation, budgets,
and secrets that never reach the provider side."""

from __future__ import annotations

import asyncio
import datetime
import json
import time

import pytest

from gateway.secrets_planted import AWS, GITHUB, OPENAI, PEM, SECRETS
from integration.helpers import DEVELOPER, TEAM, ListSink, assistant_for
from integration.litellm_proxy import (
    RATE_LIMITED,
    SLOW,
    SLOW_DELAY_SECONDS,
    SLOW_STREAM,
    SUFFIX_MODEL,
    Proxy,
)
from integration.net import established_to, wait_until
from llmops_ls.errors import AttachmentRefusedError, BudgetSpentError, RateLimitError
from llmops_ls.gateway.messages import ChatMessage, GatewayRequest
from llmops_ls.routing.budgets import InMemorySpend, SpendEntry
from llmops_ls.routing.features import Message

FAST = "gpt-5.4-mini-2026-03-17"
HARD = (
    "Refactor the session handling across every module of the service: there is a "
    "race condition between the two workers that share the cache, and we need a "
    "design that keeps writes atomic. Review the security of the token refresh too."
)
MEDIUM = "Write a function that parses the config file and add tests for it."


def port_of(proxy: Proxy) -> int:
    return int(proxy.base_url.rsplit(":", 1)[1])


def chat(text: str) -> list[Message]:
    return [Message("user", text)]


async def test_each_tier_is_served_by_its_primary(proxy: Proxy) -> None:
    sink = ListSink()
    assistant = assistant_for(proxy, sink)

    inline = await assistant.inline(
        "def add(a, b):\n    return ", "\n", language="python"
    )
    standard = await assistant.chat(chat(MEDIUM))
    frontier = await assistant.chat(chat(HARD))
    await assistant.aclose()

    assert (inline.decision.tier, inline.text) == ("fast", "answer from fast-primary")
    assert standard.decision.tier == "standard"
    assert standard.text.strip() == "answer from standard-primary"
    assert frontier.decision.tier == "frontier"
    assert frontier.text.strip() == "answer from frontier-primary"
    assert [r.outcome for r in sink.requests] == ["ok", "ok", "ok"]


async def test_rate_limited_model_falls_back_to_the_next(proxy: Proxy) -> None:
    assistant = assistant_for(proxy)
    request = GatewayRequest(messages=(ChatMessage("user", "hi"),))

    completion = await assistant.client.send(request, [RATE_LIMITED, FAST])
    await assistant.aclose()

    assert completion.text == "answer from fast-primary"
    assert [a.error for a in completion.attempts] == ["RateLimitError", None]


async def test_rate_limit_alone_is_reported_as_such(proxy: Proxy) -> None:
    assistant = assistant_for(proxy)
    request = GatewayRequest(messages=(ChatMessage("user", "hi"),))

    with pytest.raises(RateLimitError) as caught:
        await assistant.client.send(request, [RATE_LIMITED])
    await assistant.aclose()
    assert caught.value.status == 429


async def test_slow_model_falls_back_after_first_token_timeout(proxy: Proxy) -> None:
    assistant = assistant_for(proxy, first_token_seconds=1.0)
    request = GatewayRequest(messages=(ChatMessage("user", "hi"),), stream=True)
    started = time.monotonic()

    completion = await assistant.client.send(request, [SLOW, FAST])
    elapsed = time.monotonic() - started
    await assistant.aclose()

    assert completion.text.strip() == "answer from fast-primary"
    assert completion.attempts[0].error == "GatewayTimeoutError"
    assert elapsed < SLOW_DELAY_SECONDS


async def test_stream_delivers_pieces_and_usage(proxy: Proxy) -> None:
    sink = ListSink()
    assistant = assistant_for(proxy, sink)
    pieces: list[str] = []

    answer = await assistant.chat(chat(MEDIUM), on_text=pieces.append)
    await assistant.aclose()

    assert len(pieces) >= 3 and "".join(pieces) == answer.text
    assert answer.completion is not None and answer.completion.usage is not None
    assert answer.completion.usage.prompt_tokens == 12
    assert answer.completion.usage.completion_tokens == 4
    assert answer.completion.first_token_seconds is not None
    # The proxy sends no cost header for a stream: the catalogue prices it.
    assert answer.completion.cost_source == "catalogue" and answer.completion.cost
    assert sink.requests[-1].output_tokens == 4


async def test_connections_are_reused(proxy: Proxy) -> None:
    assistant = assistant_for(proxy)
    request = GatewayRequest(messages=(ChatMessage("user", "hi"),))

    for _ in range(5):
        await assistant.client.send(request, [FAST])
    open_now = established_to(port_of(proxy))
    await assistant.aclose()

    assert len(open_now) == 1


async def test_cancellation_closes_the_connection_to_the_gateway(proxy: Proxy) -> None:
    sink = ListSink()
    assistant = assistant_for(proxy, sink, first_token_seconds=10)
    request = GatewayRequest(messages=(ChatMessage("user", "go"),), stream=True)
    first = asyncio.Event()
    closed_upstream_before = len(proxy.upstream.recorded.slow_closed_at)

    task = asyncio.create_task(
        assistant.client.send(request, [SLOW_STREAM], lambda _: first.set())
    )
    await asyncio.wait_for(first.wait(), 15)
    assert len(established_to(port_of(proxy))) == 1
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_until(lambda: not established_to(port_of(proxy)), 2)
    closed_after = time.monotonic() - cancelled_at
    await assistant.aclose()

    assert not established_to(port_of(proxy))
    assert closed_after < 0.5
    # LiteLLM passes the disconnect on: the provider side stops streaming too.
    assert await wait_until(
        lambda: len(proxy.upstream.recorded.slow_closed_at) > closed_upstream_before,
        5,
        0.05,
    )


async def test_near_the_budget_a_hard_request_goes_one_tier_cheaper(
    proxy: Proxy,
) -> None:
    spend = InMemorySpend()
    now = datetime.datetime.now(datetime.UTC)
    spend.add(SpendEntry(DEVELOPER, TEAM, now, 21.0))  # 84 % of the 25 USD daily
    assistant = assistant_for(proxy, spend=spend)

    answer = await assistant.chat(chat(HARD))
    await assistant.aclose()

    assert (answer.decision.degraded_from, answer.decision.tier) == (
        "frontier",
        "standard",
    )
    assert answer.text.strip() == "answer from standard-primary"
    assert any("developer daily budget" in r for r in answer.decision.reasons)


async def test_spent_budget_refuses_without_calling_the_gateway(proxy: Proxy) -> None:
    spend = InMemorySpend()
    spend.add(SpendEntry(DEVELOPER, TEAM, datetime.datetime.now(datetime.UTC), 25.0))
    sink = ListSink()
    assistant = assistant_for(proxy, sink, spend=spend)
    before = len(proxy.upstream.recorded.bodies)

    with pytest.raises(BudgetSpentError, match=r"developer daily budget.*resets at"):
        await assistant.chat(chat(MEDIUM))
    await assistant.aclose()

    assert len(proxy.upstream.recorded.bodies) == before
    assert sink.requests[-1].outcome == "refused"


async def test_planted_secrets_never_reach_the_provider(proxy: Proxy) -> None:
    sink = ListSink()
    assistant = assistant_for(proxy, sink)
    prompt = f"Why does login fail? My keys: {AWS} {GITHUB}"
    attached = {"src/settings.py": f'OPENAI_KEY = "{OPENAI}"\n{PEM}'}
    before = len(proxy.upstream.recorded.bodies)

    answer = await assistant.chat(chat(prompt), attached)
    inline = await assistant.inline(f"aws_key = '{AWS}'\ntoken = ", f"\n# {GITHUB}\n")
    await assistant.aclose()

    received = b"\n".join(proxy.upstream.recorded.bodies[before:])
    assert len(proxy.upstream.recorded.bodies) - before == 2
    assert b"settings.py" in received and b"REDACTED" in received
    assert not any(secret.encode() in received for secret in SECRETS)
    assert answer.completion is not None and answer.completion.redactions == 4
    assert inline.completion is not None and inline.completion.redactions == 2
    assert [r.redactions for r in sink.requests] == [4, 2]


async def test_never_attached_file_is_refused_before_sending(proxy: Proxy) -> None:
    assistant = assistant_for(proxy)
    before = len(proxy.upstream.recorded.bodies)

    with pytest.raises(AttachmentRefusedError):
        await assistant.chat(chat("check this"), {".env": "X=1"})
    await assistant.aclose()

    assert len(proxy.upstream.recorded.bodies) == before


async def test_suffix_model_fills_in_the_middle_on_the_completions_endpoint(
    proxy: Proxy,
) -> None:
    sink = ListSink()
    assistant = assistant_for(proxy, sink, fast_models=[SUFFIX_MODEL, FAST])
    prefix = "def area(r: float) -> float:\n    return "
    suffix = "\n\nprint(area(2))\n"
    before = len(proxy.upstream.recorded.bodies)

    answer = await assistant.inline(prefix, suffix, language="python")
    await assistant.aclose()

    assert answer.completion is not None and answer.completion.model == SUFFIX_MODEL
    assert answer.text == "fill from codestral-fim"
    with proxy.upstream.recorded.lock:
        paths = proxy.upstream.recorded.paths[before:]
        bodies = proxy.upstream.recorded.bodies[before:]
    assert paths == ["/v1/completions"]
    sent = json.loads(bodies[0])
    assert (sent["prompt"], sent["suffix"]) == (prefix, suffix)
    assert "messages" not in sent
    assert [r.outcome for r in sink.requests] == ["ok"]
