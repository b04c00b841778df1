"""One failing check is logged with its traceback; the other findings still arrive."""

from __future__ import annotations

from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp.helpers import (
    SERVER_COMMAND,
    SERVER_ENV,
    codes,
    open_file,
    start,
    wait_for_diagnostics,
)

PLUGIN = Path(__file__).with_name("failing_check")


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND,
        server_env={**SERVER_ENV, "PYTHONPATH": str(PLUGIN)},
    )
)
async def broken_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """A server with one check that always raises."""

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        del params

    yield
    await lsp_client.shutdown_session()


async def test_failing_check_is_logged_and_other_findings_published(
    broken_client: LanguageClient, root: Path
) -> None:
    await start(broken_client, root, {"CLAUDE.md": "# P\n\nSee @docs/missing.md\n"})
    uri = open_file(broken_client, root / "CLAUDE.md")

    diagnostics = await wait_for_diagnostics(broken_client, uri, bool)

    assert "LL201" in codes(diagnostics)
    logged = "\n".join(m.message for m in broken_client.log_messages)
    assert "exploding_check" in logged
    assert "Traceback" in logged and "boom" in logged
