"""The server records what the editor asked for and what the developer did with it."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from integration.upstream import Upstream
from llmops_ls.telemetry.store import TelemetryStore
from lsp.assistant_helpers import assistant_server, inline_params, open_source

SOURCE = "def add(a, b):\n    return \n"


async def test_accepted_completion_is_in_the_store_after_shutdown(
    upstream: Upstream, root: Path, tmp_path: Path
) -> None:
    database = tmp_path / "telemetry.db"
    (root / ".llmops.toml").write_text('team = "payments"\nproject = "ledger"\n')
    async with assistant_server(
        root,
        upstream.base_url.removesuffix("/v1"),
        extra_env={"LLMOPS_TELEMETRY_DB": str(database)},
    ) as client:
        uri = open_source(client, root / "calc.py", SOURCE)
        result = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )
        assert isinstance(result, types.InlineCompletionList)
        command = result.items[0].command
        assert command is not None
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=command.command, arguments=command.arguments
            )
        )

    # Leaving the block shut the server down, which closes the telemetry writer.
    with TelemetryStore(database) as store:
        events = list(store.query("SELECT * FROM events"))
        outcomes = [row["outcome"] for row in store.query("SELECT * FROM outcomes")]
    assert len(events) == 1
    event = events[0]
    assert event["model_served"] == "gpt-5.4-mini-2026-03-17"
    assert event["team"] == "payments"
    assert event["project"] == "ledger"
    assert "accepted" in outcomes
