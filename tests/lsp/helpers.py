"""Helpers of the end-to-end tests: start a server on a workspace, await diagnostics."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

TIMEOUT_SECONDS = 20
SERVER_COMMAND = [sys.executable, "-m", "llmops_ls", "serve"]
SERVER_ENV = {**os.environ, "LLMOPS_LS_CACHE_DIR": ""}

Diagnostics = Sequence[types.Diagnostic]


async def start(
    client: LanguageClient,
    root: Path,
    files: dict[str, str] | None = None,
    *,
    editor: str = "visual-studio-code",
    options: dict[str, object] | None = None,
    capabilities: types.ClientCapabilities | None = None,
) -> types.InitializeResult:
    """Write a workspace and initialize the server on it (as `editor` by default)."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for relative, content in (files or {}).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities or client_capabilities(editor),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            initialization_options=options,
        )
    )


def accept_registrations(client: LanguageClient) -> None:
    """Answer the server's `client/registerCapability` requests, keeping nothing."""

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        del params


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """Send didOpen for a file (its disk content unless `text` is given)."""
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri,
                language_id="markdown",
                version=1,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return uri


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    """Send didChange with the whole new text."""
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=uri, version=version
            ),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def wait_for_diagnostics(
    client: LanguageClient,
    uri: str,
    until: Callable[[Diagnostics], bool] = lambda _: True,
) -> Diagnostics:
    """Await publishDiagnostics until those of `uri` satisfy `until`."""
    async with asyncio.timeout(TIMEOUT_SECONDS):
        while True:
            current = client.diagnostics.get(uri)
            if current is not None and until(current):
                return current
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


def codes(diagnostics: Diagnostics) -> set[str]:
    """The codes of some diagnostics."""
    return {str(d.code) for d in diagnostics}
