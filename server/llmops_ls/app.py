"""The composition root: builds policy, router, gateway client, assistant, telemetry.

Nothing else wires areas together: the language server receives an assistant factory
from here and never imports the gateway. The assistant's own wiring is in
`assistant_wiring`, imported when the first assistant is wanted. The telemetry writer
is both the recording sink of the gateway and the source of recorded spend for
budgets; it is started with the assistant and closed (bounded wait, last upload) with
it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmops_ls.config.policy import LoadedPolicy
    from llmops_ls.gateway.assistant import Assistant
    from llmops_ls.routing.budgets import SpendSource
    from llmops_ls.routing.recording import RecordingSink

logger = logging.getLogger(__name__)


def build_assistant(
    environ: Mapping[str, str] | None = None,
    *,
    loaded: LoadedPolicy | None = None,
    sink: RecordingSink | None = None,
    spend: SpendSource | None = None,
    root: Path | None = None,
) -> Assistant:
    """An assistant under the policy in force; ConfigError when it is invalid.

    Without an explicit `sink`, telemetry is recorded in the local store (and uploaded
    when the policy names an endpoint), and budgets read their spend from it. The
    wiring is imported here, on the first completion or chat, to keep `serve` quick
    to start (see `assistant_wiring`).
    """
    from llmops_ls import assistant_wiring

    return assistant_wiring.build_assistant(
        environ, loaded=loaded, sink=sink, spend=spend, root=root
    )


def prepare_assistant() -> None:
    """Import what `build_assistant` needs and load the token vocabulary.

    Needs no event loop and touches no state but module imports and the vocabulary,
    so a worker thread can do it while the server goes on answering. The imports are
    `assistant_wiring`'s own, the very ones `build_assistant` goes through.
    """
    import llmops_ls.assistant_wiring  # noqa: F401
    from llmops_ls.linter import tokens

    tokens.preload()


def serve(tcp: str | None = None, *, verbose: bool = False) -> None:
    """The language server with the assistant wired in."""
    from llmops_ls.lsp.server import serve as serve_lsp

    serve_lsp(
        tcp,
        verbose=verbose,
        assistant_factory=lambda root: build_assistant(root=root),
        assistant_preparer=prepare_assistant,
    )
