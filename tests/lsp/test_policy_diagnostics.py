"""The policy file over a real LSP connection: diagnostics on values, then cleared."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp.helpers import SERVER_ENV, open_file, replace_all, start, wait_for_diagnostics

#: The server with "today" on the shipped catalogue's date: the findings listed below
#: are those of that day, not of a later one when the catalogue has aged
#: (policy-stale-catalogue) or a model's deprecation nears.
ON_CATALOGUE_DAY_COMMAND = [
    sys.executable,
    "-c",
    "from llmops_ls import catalog\n"
    "day = catalog.load().catalogue_date\n"
    "catalog.utc_today = lambda: day\n"
    "from llmops_ls.cli import main\n"
    "raise SystemExit(main(['serve']))",
]

POLICY = """[tiers.fast]
models = ["gpt-5.4-mini", "gemini-3.5-flash-lite"]

[tiers.frontier]
models = ["gpt-5.5-2026-04-23"]
"""
FIXED = """[tiers.fast]
models = ["gpt-5.4-mini-2026-03-17", "gemini-3.5-flash-lite"]

[tiers.frontier]
models = ["claude-opus-4-7-20260416", "gpt-5.5-2026-04-23"]
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=ON_CATALOGUE_DAY_COMMAND, server_env=SERVER_ENV
    )
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A client connected to a server dated on the shipped catalogue's day."""

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        del params

    yield
    await lsp_client.shutdown_session()


async def test_policy_problems_are_published_on_their_values_and_cleared(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {"llmops-policy.toml": POLICY})
    uri = open_file(client, root / "llmops-policy.toml")

    diagnostics = await wait_for_diagnostics(client, uri, bool)

    by_code = {str(d.code): d for d in diagnostics}
    assert set(by_code) == {"LL602", "LL605"}
    unpinned = by_code["LL602"]
    assert unpinned.severity == types.DiagnosticSeverity.Error
    assert unpinned.range == types.Range(
        start=types.Position(line=1, character=11),
        end=types.Position(line=1, character=23),
    )
    assert "gpt-5.4-mini-2026-03-17" in unpinned.message
    assert by_code["LL605"].severity == types.DiagnosticSeverity.Warning
    assert by_code["LL605"].range.start.line == 4

    replace_all(client, uri, FIXED, version=2)
    assert not await wait_for_diagnostics(client, uri, lambda d: not d)
