"""Diagnostics over a real LSP connection: open, change, save, ranges and metadata."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp.helpers import (
    SERVER_ENV,
    codes,
    open_file,
    replace_all,
    start,
    wait_for_diagnostics,
)

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


async def test_ranges_count_utf16_code_units_after_an_emoji(
    client: LanguageClient, root: Path
) -> None:
    # The rocket is one code point but two UTF-16 units: the range must shift by 2.
    await start(client, root, {"CLAUDE.md": "# P\n\n🚀 see @docs/missing-guide.md\n"})
    uri = open_file(client, root / "CLAUDE.md")

    diagnostics = await wait_for_diagnostics(client, uri, bool)

    (missing,) = [d for d in diagnostics if d.code == "LL201"]
    assert missing.range.start == types.Position(line=2, character=7)
    assert missing.range.end == types.Position(line=2, character=29)


async def test_diagnostics_match_the_command_line_findings(
    client: LanguageClient, root: Path
) -> None:
    text = (
        "# [Insert project name]\n\nTODO: describe it.\n\nSee @docs/nowhere.md\n\n"
        "```ts\nconst a = 1;\n"
    )
    await start(client, root, {"CLAUDE.md": text})
    cli = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "llmops_ls",
        "lint",
        "--format",
        "json",
        str(root),
        stdout=asyncio.subprocess.PIPE,
        env=SERVER_ENV,
    )
    output, _ = await cli.communicate()
    expected = {
        (
            f["code"],
            f["line"] - 1,
            f["column"] - 1,
            f["end_line"] - 1,
            f["end_column"] - 1,
        )
        for f in _findings(output.decode())
        if f["path"].endswith("CLAUDE.md")
    }
    uri = open_file(client, root / "CLAUDE.md")

    diagnostics = await wait_for_diagnostics(client, uri, bool)

    got = {
        (
            str(d.code),
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
        )
        for d in diagnostics
    }
    assert len(expected) >= 3
    assert got == expected


async def test_change_that_fixes_the_problem_clears_the_diagnostic(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {"CLAUDE.md": BROKEN})
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, bool)

    replace_all(client, uri, "# Project\n\nValidate request bodies.\n", version=2)
    diagnostics = await wait_for_diagnostics(
        client, uri, lambda d: "LL201" not in codes(d)
    )

    assert "LL201" not in codes(diagnostics)


async def test_import_cycle_points_at_the_other_file(
    client: LanguageClient, root: Path
) -> None:
    await start(
        client,
        root,
        {
            "CLAUDE.md": "# Project\n\nDetails: @docs/guide.md\n",
            "docs/guide.md": "# Guide\n\nFor the overview, see @../CLAUDE.md\n",
        },
    )
    uri = open_file(client, root / "CLAUDE.md")

    diagnostics = await wait_for_diagnostics(client, uri, lambda d: "LL203" in codes(d))

    cycle = next(d for d in diagnostics if d.code == "LL203")
    assert cycle.related_information
    assert any(
        info.location.uri == (root / "docs" / "guide.md").as_uri()
        for info in cycle.related_information
    )


def _findings(output: str) -> list[dict[str, Any]]:
    data = json.loads(output)
    return data["findings"] if isinstance(data, dict) else data
