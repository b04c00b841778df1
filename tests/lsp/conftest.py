"""End-to-end fixtures: the real server in a subprocess, driven by pytest-lsp."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from integration.upstream import Upstream
from lsp.helpers import SERVER_COMMAND, SERVER_ENV


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=SERVER_ENV)
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A client connected to a fresh server; tests initialize it with `start`."""
    registrations: list[types.Registration] = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    lsp_client.registrations = registrations  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The workspace folder of a test."""
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """An OpenAI-compatible upstream standing in for the gateway."""
    server = Upstream().start()
    yield server
    server.stop()
