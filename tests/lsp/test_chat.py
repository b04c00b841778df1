"""llmops/chat end to end: streamed chunks, the routing decision, filter refusals."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException

from gateway.secrets_planted import AWS, GITHUB, SECRETS
from integration.upstream import Upstream
from lsp.assistant_helpers import as_dict, assistant_server, gateway_url

STANDARD = "claude-sonnet-4-6"
ASK = "Write a function that parses the config file and add tests for it."


async def test_chat_streams_chunks_and_returns_the_decision(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(root, gateway_url(upstream)) as client:
        result = as_dict(
            await client.protocol.send_request_async(
                "llmops/chat",
                {"chatId": "c-1", "messages": [{"role": "user", "content": ASK}]},
            )
        )
        chunks = list(client.chunks)  # type: ignore[attr-defined]

    assert [as_dict(c)["chatId"] for c in chunks] == ["c-1"] * len(chunks)
    assert len(chunks) >= 3
    assert "".join(as_dict(c)["text"] for c in chunks) == result["text"]
    assert result["text"].strip() == f"answer from {STANDARD}"
    decision = as_dict(result["decision"])
    assert decision["tier"] == "standard" and decision["model"] == STANDARD
    assert as_dict(result["usage"])["completionTokens"] == 4
    assert uuid.UUID(result["requestId"]).version == 7  # the event id


async def test_attached_file_is_sent_without_its_secrets(
    upstream: Upstream, root: Path
) -> None:
    (root / "src").mkdir()
    settings = root / "src" / "settings.py"
    settings.write_text(f'AWS = "{AWS}"\nGH = "{GITHUB}"\n', encoding="utf-8")

    async with assistant_server(root, gateway_url(upstream)) as client:
        result = as_dict(
            await client.protocol.send_request_async(
                "llmops/chat",
                {
                    "messages": [{"role": "user", "content": "What does this do?"}],
                    "attachments": [{"uri": settings.as_uri()}],
                },
            )
        )

    sent = upstream.all_bodies()
    assert b"src/settings.py" in sent
    assert not any(s.encode() in sent for s in SECRETS)
    assert result["redactions"] == 2


async def test_never_attached_file_is_a_json_rpc_error(
    upstream: Upstream, root: Path
) -> None:
    (root / ".env").write_text("DB_PASSWORD=x\n", encoding="utf-8")

    async with assistant_server(root, gateway_url(upstream)) as client:
        with pytest.raises(JsonRpcException) as caught:
            await client.protocol.send_request_async(
                "llmops/chat",
                {
                    "messages": [{"role": "user", "content": "check"}],
                    "attachments": [{"uri": (root / ".env").as_uri()}],
                },
            )

    assert caught.value.code == -32002 and ".env" in caught.value.message
    assert upstream.recorded.bodies == []


async def test_chat_without_messages_is_invalid_params(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(root, gateway_url(upstream)) as client:
        with pytest.raises(JsonRpcException) as caught:
            await client.protocol.send_request_async("llmops/chat", {"messages": []})

    assert caught.value.code == -32602
