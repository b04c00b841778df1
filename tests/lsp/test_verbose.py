"""`llmops-ls -v serve` sends debug lines to the client's log; `serve` does not."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp.helpers import (
    SERVER_COMMAND,
    SERVER_ENV,
    accept_registrations,
    open_file,
    start,
)

VERBOSE_COMMAND = [sys.executable, "-m", "llmops_ls", "-v", "serve"]
# Logged at debug level when the start-up scan is over.
DEBUG_LINE = "objects kept out of collections"


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=VERBOSE_COMMAND, server_env=SERVER_ENV)
)
async def verbose_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """A server started with `-v`."""
    accept_registrations(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=SERVER_ENV)
)
async def quiet_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """A server started without it."""
    accept_registrations(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def _lines_after_the_scan(client: LanguageClient, root: Path) -> list[str]:
    await start(client, root, {"CLAUDE.md": "# P\n\nUse pnpm.\n"})
    open_file(client, root / "CLAUDE.md")
    for _ in range(200):
        if any("scanned" in m.message for m in client.log_messages):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # records below warning go out in small batches
    return [m.message for m in client.log_messages if m.type == types.MessageType.Log]


async def test_verbose_sends_debug_lines_to_the_client(
    verbose_client: LanguageClient, root: Path
) -> None:
    debug = await _lines_after_the_scan(verbose_client, root)
    assert any(DEBUG_LINE in line for line in debug), debug


async def test_without_verbose_no_debug_line_is_sent(
    quiet_client: LanguageClient, root: Path
) -> None:
    debug = await _lines_after_the_scan(quiet_client, root)
    assert any("scanned" in m.message for m in quiet_client.log_messages)
    assert debug == []
