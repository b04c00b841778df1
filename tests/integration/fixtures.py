"""Integration fixtures: one real LiteLLM proxy for the whole session.

Loaded as a plugin by tests/conftest.py (a conftest.py here would shadow the root
one, which other tests import as `conftest`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integration.litellm_proxy import Proxy, litellm_command, start_proxy, stop_proxy


@pytest.fixture(scope="session")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """A LiteLLM proxy with mock deployments; the tests skip when LiteLLM is absent."""
    command = litellm_command()
    if command is None:
        pytest.skip(
            "the `litellm` command is not installed (pip install 'litellm[proxy]')"
        )
    running = start_proxy(command, tmp_path_factory.mktemp("litellm"))
    yield running
    stop_proxy(running)
