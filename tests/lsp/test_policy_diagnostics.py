"""The policy file over a real LSP connection: diagnostics on values, then cleared."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp.helpers import open_file, replace_all, start, wait_for_diagnostics

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
