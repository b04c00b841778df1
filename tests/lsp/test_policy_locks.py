"""In the editor, what the organisation policy locks stays as the policy has it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from llmops_ls.config.policy import DEFAULT_POLICY_PATH
from lsp.helpers import (
    SERVER_COMMAND,
    SERVER_ENV,
    accept_registrations,
    codes,
    open_file,
    start,
    wait_for_diagnostics,
)

IMPORTER = "# Project\n\nDetails: @docs/guide.md\n"
POLICY = Path(tempfile.mkdtemp(prefix="llmops-locks-")) / "policy.toml"
POLICY.write_text(
    DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace(
        'locked = ["content_filter"]', 'locked = ["content_filter", "lint.ignore"]'
    ),
    encoding="utf-8",
)


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND,
        server_env={**SERVER_ENV, "LLMOPS_POLICY": str(POLICY)},
    )
)
async def locked_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """A server under a policy that locks `lint.ignore`."""
    accept_registrations(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_a_locked_key_is_ignored_and_marked_in_the_project_file(
    locked_client: LanguageClient, root: Path
) -> None:
    await start(
        locked_client,
        root,
        {
            "CLAUDE.md": IMPORTER,
            ".llmops.toml": '[lint]\nignore = ["import-missing"]\n',
        },
        options={"lint": {"ignore": ["vague-directive"]}},
    )
    uri = open_file(locked_client, root / "CLAUDE.md")

    # The project file's ignore does not apply: the missing import is reported.
    await wait_for_diagnostics(locked_client, uri, lambda d: "LL201" in codes(d))
    config = (root / ".llmops.toml").as_uri()
    (warning,) = await wait_for_diagnostics(locked_client, config, bool)
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert warning.code == "config"
    assert warning.range.start.line == 1
    assert "`lint.ignore` is locked by the organisation policy" in warning.message
