"""Diagnostics over a real LSP connection: open, change, save, ranges and metadata."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp.helpers import open_file, start, wait_for_diagnostics

BROKEN = "# Project\n\nAPI conventions: @docs/api-conventions.md\n"


async def test_open_publishes_findings_with_code_and_real_range(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {"CLAUDE.md": BROKEN})
    uri = open_file(client, root / "CLAUDE.md")

    diagnostics = await wait_for_diagnostics(client, uri, bool)

    (missing,) = [d for d in diagnostics if d.code == "LL201"]
    assert missing.source == "llmops-ls"
    assert missing.severity == types.DiagnosticSeverity.Error
    assert missing.range.start == types.Position(line=2, character=17)
    assert missing.range.end == types.Position(line=2, character=41)
    assert missing.code_description is not None
    assert missing.code_description.href.endswith("/import-missing.md")
