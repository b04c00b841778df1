"""Every request the assistant sends leaves one telemetry row, however it ends."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.helpers import make_client
from gateway.test_assistant_suffix import MINI, NOW, Records
from llmops_ls.config.policy import parse_policy
from llmops_ls.errors import SecretBlockedError, ServerError
from llmops_ls.gateway.assistant import Assistant
from llmops_ls.routing.features import Message
from llmops_ls.routing.router import Caller, Router

SECRET = "AKIA" + "Z7Q3XKLM4PN2RB5T"


def _assistant(handler: object, sink: Records, action: str = "redact") -> Assistant:
    policy = parse_policy(
        f'[tiers.fast]\nmodels = ["{MINI}"]\n', Path("p.toml"), NOW.date()
    ).policy
    return Assistant(
        Router(policy),
        make_client(handler, action=action),  # type: ignore[arg-type]
        Caller("dev"),
        sink=sink,
        count=len,
        clock=lambda: NOW,
    )


async def test_a_failed_request_records_the_secrets_it_had_redacted() -> None:
    sink = Records()
    assistant = _assistant(lambda request: httpx.Response(500), sink)
    with pytest.raises(ServerError):
        await assistant.chat([Message("user", f"deploy with {SECRET}")])
    (row,) = sink.requests
    assert (row.outcome, row.redactions) == ("error", 1)


async def test_a_blocked_request_records_the_secrets_that_blocked_it() -> None:
    sink = Records()
    assistant = _assistant(lambda request: httpx.Response(500), sink, "block")
    with pytest.raises(SecretBlockedError):
        await assistant.chat([Message("user", f"deploy with {SECRET}")])
    (row,) = sink.requests
    assert (row.outcome, row.redactions) == ("filtered", 1)


async def test_an_unexpected_error_still_leaves_a_row() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug below the client")

    sink = Records()
    with pytest.raises(RuntimeError):
        await _assistant(handler, sink).chat([Message("user", "hello")])
    (row,) = sink.requests
    assert (row.outcome, row.error) == ("error", "RuntimeError")
