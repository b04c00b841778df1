"""End-to-end helpers for the assistant: a server whose policy points at a gateway."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from integration.upstream import Upstream
from llmops_ls.config.policy import DEFAULT_POLICY_PATH
from lsp.helpers import SERVER_COMMAND, SERVER_ENV, start

KEY = "sk-lsp-test-gateway-key-ABCDEFGHIJKLMNOP0123"
#: The server with the cyclic garbage collector off from the start: what it closes,
#: it closes itself, not when an object happens to be collected.
NO_COLLECTOR_COMMAND = [
    sys.executable,
    "-c",
    "import gc; gc.disable()\n"
    "from llmops_ls.cli import main\n"
    "raise SystemExit(main(['serve']))",
]


def write_policy(folder: Path, base_url: str, first_token_seconds: float = 5) -> Path:
    """The default policy with `base_url` as the gateway."""
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace(
        'base_url = "http://127.0.0.1:4000"',
        f'base_url = "{base_url}"\nfirst_token_timeout_seconds = {first_token_seconds}',
    )
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def assistant_server(
    root: Path,
    base_url: str,
    key: str = KEY,
    extra_env: dict[str, str] | None = None,
    command: list[str] = SERVER_COMMAND,
    capabilities: types.ClientCapabilities | None = None,
) -> AsyncIterator[LanguageClient]:
    """A started and initialized server using the gateway at `base_url`."""
    policy = write_policy(root.parent, base_url)
    env = {
        **SERVER_ENV,
        "LLMOPS_POLICY": str(policy),
        "LLMOPS_GATEWAY_KEY": key,
        "LLMOPS_DEVELOPER": "dev-e2e",
        **(extra_env or {}),
    }
    config = ClientServerConfig(server_command=command, server_env=env)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    chunks: list[dict[str, Any]] = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: LanguageClient, params: types.RegistrationParams) -> None:
        return None

    @client.feature("llmops/chatChunk")
    def chat_chunk(ls: LanguageClient, params: object) -> None:
        chunks.append(as_dict(params))

    client.chunks = chunks  # type: ignore[attr-defined]
    await start(client, root, capabilities=capabilities)
    try:
        yield client
    finally:
        await client.shutdown_session()


def as_dict(params: Any) -> dict[str, Any]:
    """Params or a result as a dict, whether pygls gave a dict or a named tuple."""
    if isinstance(params, dict):
        return params
    return dict(params._asdict())


def gateway_url(upstream: Upstream) -> str:
    """The gateway base URL the policy names for a local upstream."""
    return upstream.base_url.removesuffix("/v1")


def open_source(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    """Open a source file with `text`."""
    path.write_text(text, encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="python", version=version, text=text
            )
        )
    )
    return path.as_uri()


def inline_params(uri: str, line: int, character: int) -> types.InlineCompletionParams:
    """Params of an automatic inline completion at a position."""
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Automatic
        ),
    )


async def wait_event(event: threading.Event, timeout_seconds: float = 10) -> bool:
    """Await a thread's event without blocking the loop."""
    return await asyncio.to_thread(event.wait, timeout_seconds)
