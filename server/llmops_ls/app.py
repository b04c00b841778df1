"""The composition root: builds policy, router, gateway client, assistant, telemetry.

Nothing else wires areas together: the language server receives an assistant factory
from here and never imports the gateway. The telemetry writer is both the recording
sink of routing and the gateway and the source of recorded spend for budgets; it is
started with the assistant and closed (bounded wait, last upload) with it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from llmops_ls.routing.recording import RecordingSink

if TYPE_CHECKING:
    from llmops_ls.config.policy import LoadedPolicy
    from llmops_ls.gateway.assistant import Assistant
    from llmops_ls.routing.budgets import SpendSource
    from llmops_ls.routing.router import Caller
    from llmops_ls.telemetry.service import TelemetryService

logger = logging.getLogger(__name__)

DEVELOPER_ENV = "LLMOPS_DEVELOPER"
TEAM_ENV = "LLMOPS_TEAM"


def caller_from(environ: Mapping[str, str]) -> Caller:
    """Who is asking: `LLMOPS_DEVELOPER` (else `$USER`) and `LLMOPS_TEAM`."""
    from llmops_ls.routing.router import Caller

    developer = environ.get(DEVELOPER_ENV) or environ.get("USER") or "unknown"
    return Caller(developer, environ.get(TEAM_ENV) or None)


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
    when the policy names an endpoint), and budgets read their spend from it.
    """
    # Imported here, on the first completion or chat, to keep `serve` quick to start.
    from llmops_ls.config.policy import load_policy
    from llmops_ls.gateway.assistant import Assistant
    from llmops_ls.gateway.breaker import CircuitBreaker
    from llmops_ls.gateway.client import GatewayClient, Timeouts
    from llmops_ls.gateway.filter import OutgoingFilter
    from llmops_ls.linter.tokens import count_tokens
    from llmops_ls.routing.budgets import CachedSpend, InMemorySpend
    from llmops_ls.routing.router import Router

    environ = os.environ if environ is None else environ
    loaded = loaded or load_policy(environ)
    policy = loaded.policy
    on_close = None
    cached: CachedSpend | None = None
    if sink is None:
        service = start_telemetry(loaded, root or Path.cwd(), environ)
        sink, on_close = service.writer, service.close
        if spend is None:
            # Summing the store's costs on every request grows with the day's count.
            spend = cached = CachedSpend(service.writer)
    memory = InMemorySpend() if spend is None else None
    router = Router(policy, spend=spend or memory, count=count_tokens)
    gateway = policy.gateway
    client = GatewayClient(
        gateway.base_url,
        gateway.read_key(environ),
        content_filter=OutgoingFilter(policy.content_filter),
        catalogue=router.catalogue,
        timeouts=Timeouts(
            gateway.connect_timeout_seconds,
            gateway.first_token_timeout_seconds,
            gateway.total_timeout_seconds,
        ),
        breaker=CircuitBreaker(),
    )
    logger.info("gateway %s under policy %s", gateway.base_url, loaded.path)
    return Assistant(
        router,
        client,
        caller_from(environ),
        sink=sink,
        count=count_tokens,
        spent=memory.add if memory is not None else cached.add if cached else None,
        on_close=on_close,
    )


def start_telemetry(
    loaded: LoadedPolicy, root: Path, environ: Mapping[str, str]
) -> TelemetryService:
    """The telemetry store and uploader for a workspace, attributed from every layer."""
    from llmops_ls.config.project import load_attribution
    from llmops_ls.telemetry.service import TelemetryService

    team, project = load_attribution(root)
    return TelemetryService.start(
        loaded.policy, root, project_team=team, project_name=project, environ=environ
    )


def prepare_assistant() -> None:
    """Import what `build_assistant` needs and load the token vocabulary.

    Needs no event loop and touches no state but module imports and the vocabulary,
    so a worker thread can do it while the server goes on answering.
    """
    import llmops_ls.config.policy
    import llmops_ls.gateway.assistant
    import llmops_ls.gateway.breaker
    import llmops_ls.gateway.client
    import llmops_ls.gateway.filter
    import llmops_ls.routing.budgets
    import llmops_ls.routing.router
    import llmops_ls.telemetry.service  # noqa: F401
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
