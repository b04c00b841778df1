"""The gateway client over httpx.MockTransport: wire format, errors, chain, timeouts."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest

from gateway.helpers import (
    FAST,
    KEY,
    OTHER,
    chat_answer,
    delta,
    error_body,
    litellm_usage_chunk,
    make_client,
    sse_body,
)
from llmops_ls.errors import (
    BadRequestError,
    BudgetExceededError,
    ContentPolicyError,
    GatewayTimeoutError,
    GatewayUnavailableError,
    MalformedStreamError,
    ModelNotFoundError,
    NoModelAvailableError,
    RateLimitError,
    ServerError,
)
from llmops_ls.gateway.breaker import CircuitBreaker
from llmops_ls.gateway.client import Timeouts
from llmops_ls.gateway.failures import MAX_RETRY_AFTER_SECONDS, retry_after_seconds
from llmops_ls.gateway.messages import ChatMessage, GatewayRequest

CHAT = GatewayRequest(messages=(ChatMessage("user", "hi"),), max_tokens=16)
STREAM = GatewayRequest(messages=(ChatMessage("user", "hi"),), stream=True)
SSE = {"content-type": "text/event-stream"}


async def test_chat_sends_model_messages_and_key_and_reads_answer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json=chat_answer("hi there"),
            headers={"x-litellm-response-cost": "0.5"},
        )

    client = make_client(handler)
    completion = await client.send(CHAT, [FAST])

    body = json.loads(seen[0].content)
    assert seen[0].url.path == "/v1/chat/completions"
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert body == {
        "model": FAST,
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 16,
    }
    assert completion.text == "hi there"
    assert completion.usage is not None and completion.usage.total_tokens == 30
    assert (completion.cost, completion.cost_source) == (0.5, "gateway")
    assert completion.finish_reason == "stop"


async def test_text_completion_sends_prompt_suffix_and_stop() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        assert request.url.path == "/v1/completions"
        return httpx.Response(
            200,
            json={"choices": [{"index": 0, "text": "x + 1", "finish_reason": "stop"}]},
        )

    request = GatewayRequest(
        endpoint="text", prompt="def f(x):\n    return ", suffix="\n", stop=("\n\n",)
    )
    completion = await make_client(handler).send(request, [FAST])

    assert completion.text == "x + 1"
    assert seen[0]["suffix"] == "\n" and seen[0]["stop"] == ["\n\n"]


async def test_cost_comes_from_catalogue_without_header() -> None:
    client = make_client(lambda r: httpx.Response(200, json=chat_answer()))
    completion = await client.send(CHAT, [FAST])

    # gpt-5.4-mini list prices: 0.75 in, 4.50 out per million tokens.
    assert completion.cost_source == "catalogue"
    assert completion.cost == pytest.approx((10 * 0.75 + 20 * 4.50) / 1e6)


async def test_stream_delivers_text_and_reads_litellm_usage_chunk() -> None:
    body = sse_body(
        [delta("Hel"), delta("lo"), delta(None, "stop"), litellm_usage_chunk(7, 2)]
    )
    client = make_client(lambda r: httpx.Response(200, content=body, headers=SSE))
    pieces: list[str] = []

    completion = await client.send(STREAM, [FAST], pieces.append)

    assert pieces == ["Hel", "lo"]
    assert completion.text == "Hello"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (
        7,
        2,
    )
    assert completion.first_token_seconds is not None
    assert completion.cost_source == "catalogue"


async def test_stream_asks_for_usage() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, content=sse_body([delta("a", "stop")]), headers=SSE)

    await make_client(handler).send(STREAM, [FAST])

    assert seen[0]["stream"] is True
    assert seen[0]["stream_options"] == {"include_usage": True}


async def test_stream_accepts_openai_usage_chunk_with_empty_choices() -> None:
    usage = {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}
    body = sse_body([delta("a", "stop"), usage])
    client = make_client(lambda r: httpx.Response(200, content=body, headers=SSE))

    completion = await client.send(STREAM, [FAST])

    assert completion.usage is not None and completion.usage.total_tokens == 4


@pytest.mark.parametrize(
    "body",
    [
        sse_body(["{not json"]),
        sse_body([json.dumps([1, 2])]),
        sse_body([{"id": "x"}]),
        sse_body([delta("a")], done=False),
    ],
    ids=["not-json", "not-object", "no-choices", "truncated"],
)
async def test_malformed_stream_is_classified(body: bytes) -> None:
    client = make_client(lambda r: httpx.Response(200, content=body, headers=SSE))

    with pytest.raises(MalformedStreamError):
        await client.send(STREAM, [FAST])


async def test_error_inside_stream_is_classified() -> None:
    body = sse_body([{"error": {"message": "slow down", "type": "rate_limit_error"}}])
    client = make_client(lambda r: httpx.Response(200, content=body, headers=SSE))

    with pytest.raises(RateLimitError):
        await client.send(STREAM, [FAST])


@pytest.mark.parametrize("status", [400, 429, 403])
async def test_budget_exceeded_recognised_whatever_the_status(status: int) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["model"])
        return httpx.Response(status, content=error_body("budget_exceeded", "spent"))

    with pytest.raises(BudgetExceededError):
        await make_client(handler).send(CHAT, [FAST, OTHER])
    # No other model behind the same gateway would be under a different budget.
    assert calls == [FAST]


async def test_rate_limit_falls_back_and_honours_retry_after() -> None:
    clock = [100.0]
    breaker = CircuitBreaker(clock=lambda: clock[0])
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        model = json.loads(request.content)["model"]
        calls.append(model)
        if model == FAST:
            return httpx.Response(
                429,
                content=error_body("rate_limit_error"),
                headers={"retry-after": "7"},
            )
        return httpx.Response(200, json=chat_answer("from other"))

    client = make_client(handler, breaker=breaker)
    first = await client.send(CHAT, [FAST, OTHER])
    second = await client.send(CHAT, [FAST, OTHER])
    clock[0] += 7.5
    await client.send(CHAT, [FAST, OTHER])

    assert first.text == "from other" and first.fallbacks_used == 1
    assert [a.error for a in first.attempts] == ["RateLimitError", None]
    # Within Retry-After the rate-limited model is not asked at all.
    assert [a.error for a in second.attempts] == ["CircuitOpen", None]
    assert calls == [FAST, OTHER, OTHER, FAST, OTHER]


async def test_server_error_is_retried_once_then_falls_back() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        model = json.loads(request.content)["model"]
        calls.append(model)
        if model == FAST:
            return httpx.Response(503, content=error_body("api_error"))
        return httpx.Response(200, json=chat_answer())

    completion = await make_client(handler).send(CHAT, [FAST, OTHER])

    assert calls == [FAST, FAST, OTHER]
    assert completion.model == OTHER


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, error_body("invalid_request_error", "bad max_tokens"), BadRequestError),
        (401, error_body("auth_error", "invalid key"), BadRequestError),
        (
            400,
            error_body("invalid_request_error", "x", code="content_policy_violation"),
            ContentPolicyError,
        ),
        (
            400,
            error_body("x", "litellm.ContentPolicyViolationError: flagged"),
            ContentPolicyError,
        ),
    ],
)
async def test_request_errors_end_the_chain(
    status: int, body: bytes, error: type[Exception]
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["model"])
        return httpx.Response(status, content=body)

    with pytest.raises(error):
        await make_client(handler).send(CHAT, [FAST, OTHER])
    assert calls == [FAST]


async def test_last_error_raised_when_every_model_fails() -> None:
    client = make_client(
        lambda r: httpx.Response(500, content=b"Internal Server Error")
    )

    with pytest.raises(ServerError) as caught:
        await client.send(CHAT, [FAST, OTHER])
    assert caught.value.model == OTHER and caught.value.status == 500


async def test_circuit_opens_after_repeated_failures_and_closes_after_cool_down() -> (
    None
):
    clock = [0.0]
    breaker = CircuitBreaker(
        failure_threshold=2, cool_down_seconds=30, clock=lambda: clock[0]
    )
    healthy = [False]
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["model"])
        if healthy[0]:
            return httpx.Response(200, json=chat_answer())
        return httpx.Response(502, content=b"bad gateway")

    client = make_client(handler, breaker=breaker)
    with pytest.raises(ServerError):
        await client.send(CHAT, [FAST])
    with pytest.raises(NoModelAvailableError):
        await client.send(CHAT, [FAST])
    calls_while_open = len(calls)
    clock[0] = 31
    healthy[0] = True
    completion = await client.send(CHAT, [FAST])

    assert calls_while_open == 2
    assert completion.model == FAST and breaker.available(FAST)


async def test_first_token_timeout_falls_back() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["model"] == FAST:
            await asyncio.sleep(5)
        return httpx.Response(200, content=sse_body([delta("ok", "stop")]), headers=SSE)

    client = make_client(handler, timeouts=Timeouts(1.0, 0.1, 2.0))
    completion = await client.send(STREAM, [FAST, OTHER])

    assert completion.model == OTHER
    assert completion.attempts[0].error == "GatewayTimeoutError"


async def test_total_timeout_on_non_streamed_request() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=chat_answer())

    client = make_client(handler, timeouts=Timeouts(1.0, 0.05, 0.1))
    with pytest.raises(GatewayTimeoutError) as caught:
        await client.send(CHAT, [FAST])
    assert caught.value.phase == "total"


async def test_connect_errors_become_gateway_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(GatewayUnavailableError, match=r"gateway\.base_url"):
        await make_client(handler).send(CHAT, [FAST, OTHER])


async def test_connect_timeout_has_its_phase() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out")

    with pytest.raises(GatewayTimeoutError) as caught:
        await make_client(handler).send(CHAT, [FAST])
    assert caught.value.phase == "connect"


async def test_pool_timeout_is_a_gateway_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.PoolTimeout("no free connection")

    with pytest.raises(GatewayTimeoutError) as caught:
        await make_client(handler).send(CHAT, [FAST])
    assert caught.value.phase == "connect"
    assert "stayed busy" in str(caught.value)


async def test_no_fallback_once_text_reached_the_caller() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["model"])
        return httpx.Response(
            200, content=sse_body([delta("half")], done=False), headers=SSE
        )

    with pytest.raises(MalformedStreamError):
        await make_client(handler).send(STREAM, [FAST, OTHER], lambda _: None)
    assert calls == [FAST]


async def test_one_info_line_per_request_without_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = make_client(lambda r: httpx.Response(200, json=chat_answer()))

    with caplog.at_level(logging.DEBUG, logger="llmops_ls"):
        await client.send(CHAT, [FAST])

    lines = [
        r.getMessage() for r in caplog.records if r.name == "llmops_ls.gateway.client"
    ]
    assert lines == [lines[0]] and lines[0].startswith("POST /v1/chat/completions 200 ")
    assert f"model={FAST}" in lines[0]
    assert (
        KEY not in caplog.text
        and KEY not in repr(client)
        and KEY not in str(vars(client))
    )


async def test_cancellation_closes_the_stream() -> None:
    closed = asyncio.Event()
    started = asyncio.Event()

    class SlowStream(httpx.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            yield b'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n'
            started.set()
            await asyncio.sleep(30)

        async def aclose(self) -> None:
            closed.set()

    client = make_client(
        lambda r: httpx.Response(200, stream=SlowStream(), headers=SSE),
        timeouts=Timeouts(1.0, 60.0, 60.0),
    )
    task = asyncio.create_task(client.send(STREAM, [FAST]))
    await asyncio.wait_for(started.wait(), 2)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed.is_set()


async def test_retry_after_http_date() -> None:
    from llmops_ls.gateway.failures import retry_after_seconds

    headers = {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}
    assert retry_after_seconds(headers, now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds({"retry-after": "garbage"}) is None


async def test_a_trial_answered_with_a_bad_request_lets_the_model_be_tried_again() -> (
    None
):
    clock = [0.0]
    breaker = CircuitBreaker(
        failure_threshold=1, cool_down_seconds=30, clock=lambda: clock[0]
    )
    answers = [httpx.Response(502), httpx.Response(400, json={"error": {}})]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else httpx.Response(200, json=chat_answer())

    client = make_client(handler, breaker=breaker)
    with pytest.raises(ServerError):
        await client.send(CHAT, [FAST])
    clock[0] = 31
    with pytest.raises(BadRequestError):
        await client.send(CHAT, [FAST])  # the half-open trial: the model answered

    completion = await client.send(CHAT, [FAST])
    assert completion.model == FAST


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.WriteTimeout("write timed out"), GatewayTimeoutError),
        (httpx.DecodingError("bad gzip"), MalformedStreamError),
        (httpx.ProxyError("proxy refused"), ServerError),
    ],
)
async def test_every_httpx_failure_is_classified_and_falls_back(
    raised: Exception, expected: type[Exception]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["model"] == FAST:
            raise raised
        return httpx.Response(200, json=chat_answer())

    completion = await make_client(handler).send(CHAT, [FAST, OTHER])
    assert completion.model == OTHER
    with pytest.raises(expected):
        await make_client(handler).send(CHAT, [FAST])


@pytest.mark.parametrize(
    ("status", "expected"), [(408, GatewayTimeoutError), (404, ModelNotFoundError)]
)
async def test_a_timeout_or_unknown_model_at_the_gateway_goes_down_the_chain(
    status: int, expected: type[Exception]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["model"] == FAST:
            return httpx.Response(status, json={"error": {"message": "no"}})
        return httpx.Response(200, json=chat_answer())

    completion = await make_client(handler).send(CHAT, [FAST, OTHER])
    assert completion.model == OTHER
    with pytest.raises(expected) as caught:
        await make_client(handler).send(CHAT, [FAST])
    assert caught.value.status == status  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["inf", "nan", "1e12"])
def test_retry_after_is_finite_and_bounded(value: str) -> None:
    seconds = retry_after_seconds({"retry-after": value})
    assert seconds is None or seconds <= MAX_RETRY_AFTER_SECONDS


async def test_redactions_are_counted_for_a_request_that_failed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    secret = "AKIA" + "Z7Q3XKLM4PN2RB5T"
    request = GatewayRequest(messages=(ChatMessage("user", f"key {secret}"),))
    with pytest.raises(ServerError) as caught:
        await make_client(handler).send(request, [FAST])
    assert caught.value.redactions == 1


async def test_a_retry_of_the_same_model_is_not_a_fallback() -> None:
    answers = [httpx.Response(502)]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else httpx.Response(200, json=chat_answer())

    completion = await make_client(handler).send(CHAT, [FAST, OTHER])
    assert completion.model == FAST
    assert len(completion.attempts) == 2 and completion.fallbacks_used == 0


@pytest.mark.parametrize(
    "usage",
    [
        {"prompt_tokens_details": {"cached_tokens": 7}},  # OpenAI
        {"cache_read_input_tokens": 7},  # Anthropic, through LiteLLM
    ],
)
async def test_prompt_cache_reads_are_taken_from_usage(
    usage: dict[str, object],
) -> None:
    answer = chat_answer(
        usage={"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, **usage}
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    completion = await make_client(handler).send(CHAT, [FAST])
    assert completion.usage is not None and completion.usage.cached_tokens == 7
