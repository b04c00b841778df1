"""textDocument/inlineCompletion end to end: a server subprocess, a local upstream."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient, client_capabilities

from integration.upstream import Upstream
from lsp.assistant_helpers import (
    NO_COLLECTOR_COMMAND,
    assistant_server,
    gateway_url,
    inline_params,
    open_source,
    wait_event,
)

FAST = "gpt-5.4-mini-2026-03-17"
SOURCE = "def add(a, b):\n    return \n"


#: A cancelled request's hang-up must reach the upstream this soon.
CLOSE_BOUND_SECONDS = 1.0


async def hang_up(upstream: Upstream) -> float | None:
    """When the slow answer's client hung up; None if it had not after 2 s.

    Awaited while the server still runs: its exit closes every socket anyway.
    """
    for _ in range(200):
        if upstream.recorded.slow_closed_at:
            return upstream.recorded.slow_closed_at[0]
        await asyncio.sleep(0.01)
    return None


async def test_inline_item_carries_accept_command(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(root, gateway_url(upstream)) as client:
        uri = open_source(client, root / "calc.py", SOURCE)
        result = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )

    assert isinstance(result, types.InlineCompletionList)
    item = result.items[0]
    assert item.insert_text == f"answer from {FAST}"
    assert item.command is not None and item.command.command == "llmops.accept"
    assert item.command.arguments
    assert uuid.UUID(item.command.arguments[0]).version == 7  # the event id
    body = upstream.all_bodies().decode()
    assert "<prefix>def add(a, b):\\n    return </prefix>" in body
    assert '"max_tokens": 64' in body or '"max_tokens":64' in body


async def test_identical_request_is_answered_from_cache(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(root, gateway_url(upstream)) as client:
        uri = open_source(client, root / "calc.py", SOURCE)
        first = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )
        second = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )

    assert first is not None and second is not None
    assert first.items[0].insert_text == second.items[0].insert_text  # type: ignore[union-attr]
    assert len(upstream.recorded.bodies) == 1


async def test_cancel_request_closes_the_upstream_request(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(
        root, gateway_url(upstream), command=NO_COLLECTOR_COMMAND
    ) as client:
        uri = open_source(client, root / "calc.py", "# slow-please\n" + SOURCE)
        pending = asyncio.ensure_future(
            client.protocol.send_request_async(
                types.TEXT_DOCUMENT_INLINE_COMPLETION,
                inline_params(uri, 2, 11),
                msg_id="inline-1",
            )
        )
        assert await wait_event(upstream.recorded.slow_started)
        cancelled_at = time.monotonic()
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="inline-1"))

        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wait_for(pending, 10)
        closed_at = await hang_up(upstream)

    assert closed_at is not None
    assert closed_at - cancelled_at < CLOSE_BOUND_SECONDS


async def test_newer_request_for_the_document_aborts_the_older(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(
        root, gateway_url(upstream), command=NO_COLLECTOR_COMMAND
    ) as client:
        uri = open_source(client, root / "calc.py", "# slow-please\n" + SOURCE)
        older = asyncio.ensure_future(
            client.text_document_inline_completion_async(inline_params(uri, 2, 11))
        )
        assert await wait_event(upstream.recorded.slow_started)
        superseded_at = time.monotonic()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(SOURCE)],
            )
        )
        newer = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wait_for(older, 10)
        closed_at = await hang_up(upstream)

    assert newer is not None and newer.items[0].insert_text == f"answer from {FAST}"  # type: ignore[union-attr]
    assert closed_at is not None
    assert closed_at - superseded_at < CLOSE_BOUND_SECONDS


async def test_superseded_request_cancelled_by_the_editor_too_closes_at_once(
    upstream: Upstream, root: Path
) -> None:
    # An editor cancels the request that its newer one supersedes: `$/cancelRequest`
    # and the server's own cancellation reach the same task moments apart.
    async with assistant_server(
        root, gateway_url(upstream), command=NO_COLLECTOR_COMMAND
    ) as client:
        uri = open_source(client, root / "calc.py", SOURCE)
        delays: list[float] = []
        for round_ in range(1, 5):
            change(client, uri, 2 * round_, "# slow-please\n" + SOURCE)
            upstream.recorded.slow_started.clear()
            older = asyncio.ensure_future(
                client.protocol.send_request_async(
                    types.TEXT_DOCUMENT_INLINE_COMPLETION,
                    inline_params(uri, 2, 11),
                    msg_id=f"inline-{round_}",
                )
            )
            assert await wait_event(upstream.recorded.slow_started)
            change(client, uri, 2 * round_ + 1, SOURCE)
            superseded_at = time.monotonic()
            client.protocol.notify(
                types.CANCEL_REQUEST, types.CancelParams(id=f"inline-{round_}")
            )
            newer = await client.text_document_inline_completion_async(
                inline_params(uri, 1, 11)
            )
            with pytest.raises(JsonRpcRequestCancelled):
                await asyncio.wait_for(older, 10)
            for _ in range(200):
                if len(upstream.recorded.slow_closed_at) >= round_:
                    break
                await asyncio.sleep(0.01)
            assert newer is not None
            assert len(upstream.recorded.slow_closed_at) == round_, (
                f"round {round_}: the superseded request's socket stayed open"
            )
            delays.append(upstream.recorded.slow_closed_at[-1] - superseded_at)

    assert max(delays) < CLOSE_BOUND_SECONDS


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    """Replace the document's text."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=uri, version=version
            ),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text)],
        )
    )


async def test_unreachable_gateway_gives_no_items_and_no_error(root: Path) -> None:
    async with assistant_server(root, "http://127.0.0.1:9") as client:
        uri = open_source(client, root / "calc.py", SOURCE)
        result = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )

    assert result is None


async def test_accept_command_and_feedback_are_accepted(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(root, gateway_url(upstream)) as client:
        uri = open_source(client, root / "calc.py", SOURCE)
        result = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )
        assert isinstance(result, types.InlineCompletionList)
        command = result.items[0].command
        assert command is not None
        answer = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=command.command, arguments=command.arguments
            )
        )
        client.protocol.notify(
            "llmops/feedback",
            {"requestId": "unknown", "verdict": "partial", "acceptedLength": 3},
        )
        # A request after the notification proves the server is still answering.
        again = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )

    assert answer is None
    assert again is not None


def inline_capable_client() -> types.ClientCapabilities:
    """VS Code's capabilities plus inline completions, as an editor showing them has."""
    capabilities = client_capabilities("visual-studio-code")
    assert capabilities.text_document is not None
    capabilities.text_document.inline_completion = (
        types.InlineCompletionClientCapabilities()
    )
    return capabilities


async def logged(client: LanguageClient, text: str) -> str | None:
    """The first log message containing `text`, awaited for a few seconds."""
    for _ in range(500):
        for message in client.log_messages:
            if text in message.message:
                return message.message
        await asyncio.sleep(0.02)
    return None


async def test_client_showing_inline_completions_gets_the_assistant_ready_first(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(
        root, gateway_url(upstream), capabilities=inline_capable_client()
    ) as client:
        ready = await logged(client, "assistant ready")
        asked_before = list(upstream.recorded.paths)
        uri = open_source(client, root / "calc.py", SOURCE)
        result = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )

    assert ready is not None
    # Getting ready sends nothing to the gateway.
    assert asked_before == []
    assert isinstance(result, types.InlineCompletionList)
    assert result.items


async def test_invalid_policy_found_while_getting_ready_is_logged_not_raised(
    upstream: Upstream, root: Path
) -> None:
    broken = root.parent / "broken.toml"
    broken.write_text("[tiers.fast]\nmodels = 3\n", encoding="utf-8")
    async with assistant_server(
        root,
        gateway_url(upstream),
        extra_env={"LLMOPS_POLICY": str(broken)},
        capabilities=inline_capable_client(),
    ) as client:
        warning = await logged(client, "the assistant is not available")
        uri = open_source(client, root / "calc.py", SOURCE)
        result = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )

    assert warning is not None
    assert str(broken) in warning
    assert result is None
    assert upstream.recorded.paths == []


def test_only_a_client_showing_inline_completions_has_the_assistant_warmed() -> None:
    from llmops_ls.lsp.server import _shows_inline_completions

    assert _shows_inline_completions(inline_capable_client())
    assert not _shows_inline_completions(client_capabilities("visual-studio-code"))
    assert not _shows_inline_completions(types.ClientCapabilities())


async def test_shutdown_while_getting_ready_builds_no_assistant() -> None:
    from llmops_ls.lsp.server import LlmopsLanguageServer

    built: list[object] = []
    preparing = threading.Event()
    release = threading.Event()

    def prepare() -> None:
        preparing.set()
        release.wait(5)

    server = LlmopsLanguageServer(built.append, prepare)  # type: ignore[arg-type]
    server.workspace_roots = list  # type: ignore[method-assign]
    server.warm_assistant()
    assert await asyncio.to_thread(preparing.wait, 5)

    stopping = asyncio.create_task(server.stop_warming())
    await asyncio.sleep(0)
    release.set()
    await stopping
    await asyncio.sleep(0.05)

    assert built == []


async def test_a_failing_preparation_is_logged_and_the_assistant_still_built(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from llmops_ls.lsp.server import LlmopsLanguageServer

    built: list[object] = []

    def prepare() -> None:
        raise MemoryError("no room for the vocabulary")

    server = LlmopsLanguageServer(built.append, prepare)  # type: ignore[arg-type]
    server.workspace_roots = list  # type: ignore[method-assign]
    server.warm_assistant()
    assert server._warming is not None
    await server._warming

    assert "could not prepare the assistant ahead of time" in caplog.text
    assert built == [None]
