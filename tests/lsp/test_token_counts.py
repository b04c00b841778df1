"""Token budgets over a real connection, with the token-count cache cold.

The start-up scan counts large files in a worker process, and an open buffer counts
in the server itself: either way the counts must be the command line's.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pytest_lsp import LanguageClient

from llmops_ls.linter import tokens
from lsp.helpers import SERVER_ENV, open_file, replace_all, start, wait_for_diagnostics

FILE_BUDGET = "LL501"


def _large_rule(paragraphs: int) -> str:
    body = "".join(
        f"## Area {i}\n\nKeep the handlers of area {i} small, typed and tested; "
        f"document every public function of area {i} in its module.\n\n"
        for i in range(paragraphs)
    )
    return f"---\ndescription: Areas\nglobs: src/**\n---\n# Areas\n\n{body}"


async def _cli_messages(root: Path, code: str) -> dict[str, str]:
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
    data: Any = json.loads(output.decode())
    findings = data["findings"] if isinstance(data, dict) else data
    return {Path(f["path"]).name: f["message"] for f in findings if f["code"] == code}


async def test_scan_counts_large_files_as_the_command_line_does(
    client: LanguageClient, root: Path
) -> None:
    files = {f".cursor/rules/areas{i}.mdc": _large_rule(300 + i) for i in range(3)}
    await start(client, root, files)
    expected = await _cli_messages(root, FILE_BUDGET)
    assert len(expected) == 3

    for name, message in expected.items():
        uri = (root / ".cursor" / "rules" / name).as_uri()
        diagnostics = await wait_for_diagnostics(
            client, uri, lambda d: any(x.code == FILE_BUDGET for x in d)
        )
        (found,) = [d for d in diagnostics if d.code == FILE_BUDGET]
        assert found.message == message


async def test_edits_of_an_open_large_file_are_counted_exactly(
    client: LanguageClient, root: Path
) -> None:
    path = root / ".cursor" / "rules" / "areas.mdc"
    await start(client, root, {".cursor/rules/areas.mdc": _large_rule(300)})
    uri = open_file(client, path)
    await wait_for_diagnostics(
        client, uri, lambda d: any(x.code == FILE_BUDGET for x in d)
    )

    edited = _large_rule(360)
    replace_all(client, uri, edited, version=2)
    body = edited[edited.index("# Areas") :]
    tokens.set_cache_dir(None)
    expected = f"{tokens.count_tokens(body):,} tokens"

    diagnostics = await wait_for_diagnostics(
        client,
        uri,
        lambda d: any(x.code == FILE_BUDGET and expected in x.message for x in d),
    )
    assert any(expected in d.message for d in diagnostics)
