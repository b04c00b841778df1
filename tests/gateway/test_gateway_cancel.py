"""Cancelling a request closes its connection at once, whatever the collector does.

The client runs against a real local upstream over real sockets, with the cyclic
garbage collector off: a connection that is closed only when some object is collected
stays open here, and the upstream (which watches its socket) never sees the hang-up.

Regression: a second cancellation that arrived while httpcore was closing the response
after the first (the editor's `$/cancelRequest` for a request that a newer one had
already superseded) interrupted that close. The socket stayed open and its slot in the
connection pool stayed taken, so after `max_connections` such requests every later
one waited for a free connection until it timed out.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator

import pytest

from gateway.helpers import FAST
from integration.upstream import Upstream
from llmops_ls.catalog import load
from llmops_ls.config.policy import ContentFilter
from llmops_ls.gateway.client import GatewayClient, Timeouts
from llmops_ls.gateway.filter import OutgoingFilter
from llmops_ls.gateway.messages import ChatMessage, GatewayRequest

SLOW = GatewayRequest(messages=(ChatMessage("user", "slow-please"),), max_tokens=8)
SLOW_STREAM = GatewayRequest(messages=(ChatMessage("user", "hi"),), stream=True)
QUICK = GatewayRequest(messages=(ChatMessage("user", "hi"),), max_tokens=8)
#: The hang-up must reach the upstream this soon after the cancellation.
CLOSE_BOUND_SECONDS = 1.0


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """A local upstream that notes when a slow answer's client left."""
    server = Upstream().start()
    yield server
    server.stop()


@pytest.fixture
def no_collector() -> Iterator[None]:
    """The cyclic garbage collector off for the test (and everything it leaves)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def one_connection_client(upstream: Upstream) -> GatewayClient:
    """A client with a single pooled connection: a leaked one blocks the next call."""
    return GatewayClient(
        upstream.base_url,
        None,
        content_filter=OutgoingFilter(ContentFilter()),
        catalogue=load(),
        timeouts=Timeouts(connect_seconds=2.0, first_token_seconds=30.0),
        max_connections=1,
    )


async def hang_ups(upstream: Upstream, count: int) -> list[float]:
    """The hang-up times once there are `count`, or what there is after 2 s."""
    for _ in range(200):
        if len(upstream.recorded.slow_closed_at) >= count:
            break
        await asyncio.sleep(0.01)
    return list(upstream.recorded.slow_closed_at)


async def started_slowly(
    client: GatewayClient, upstream: Upstream, request: GatewayRequest, model: str
) -> asyncio.Task[object]:
    """A send whose slow answer has begun upstream."""
    upstream.recorded.slow_started.clear()
    task: asyncio.Task[object] = asyncio.create_task(client.send(request, [model]))
    assert await asyncio.to_thread(upstream.recorded.slow_started.wait, 5)
    # Let the client read the first bytes, so it is inside the answer's body.
    await asyncio.sleep(0.1)
    return task


@pytest.mark.usefixtures("no_collector")
@pytest.mark.parametrize(
    ("request_", "model"),
    [(SLOW, FAST), (SLOW_STREAM, "slow-stream")],
    ids=["non-streamed", "streamed"],
)
@pytest.mark.parametrize("loop_turns_between_cancels", [None, 0, 1, 2, 3])
async def test_cancelled_request_closes_its_connection_at_once(
    upstream: Upstream,
    request_: GatewayRequest,
    model: str,
    loop_turns_between_cancels: int | None,
) -> None:
    client = one_connection_client(upstream)
    try:
        for round_ in range(1, 4):
            task = await started_slowly(client, upstream, request_, model)
            task.cancel()
            cancelled_at = time.monotonic()
            if loop_turns_between_cancels is not None:
                for _ in range(loop_turns_between_cancels):
                    await asyncio.sleep(0)
                task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

            closed = await hang_ups(upstream, round_)
            assert len(closed) == round_, "the cancelled request's socket stayed open"
            assert closed[-1] - cancelled_at < CLOSE_BOUND_SECONDS

        # The single pooled connection is free again.
        answer = await asyncio.wait_for(client.send(QUICK, [FAST]), 5)
        assert answer.text == f"answer from {FAST}"
    finally:
        await client.aclose()
