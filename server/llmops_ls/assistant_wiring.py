"""Wiring the assistant: policy, router, gateway client, telemetry and budgets.

Every module the assistant needs is imported at the top of this one, never inside a
function. `app` imports this module only when an assistant is first wanted, which
keeps `serve` quick to start; and importing it is how `app.prepare_assistant` loads,
ahead of time, exactly what building an assistant needs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

# `load_attribution` imports the project file's models on every call: importing them
# here keeps that off the event loop too.
import llmops_ls.config.models  # noqa: F401
from llmops_ls.config.policy import LoadedPolicy, load_policy
from llmops_ls.config.project import load_attribution
from llmops_ls.gateway.assistant import Assistant
from llmops_ls.gateway.breaker import CircuitBreaker
from llmops_ls.gateway.client import GatewayClient, Timeouts
from llmops_ls.gateway.filter import OutgoingFilter
from llmops_ls.linter.tokens import count_tokens
from llmops_ls.routing.budgets import CachedSpend, InMemorySpend, SpendSource
from llmops_ls.routing.recording import RecordingSink
from llmops_ls.routing.router import Caller, Router
from llmops_ls.telemetry.service import TelemetryService, attribution_for

logger = logging.getLogger(__name__)


def caller_for(loaded: LoadedPolicy, root: Path, environ: Mapping[str, str]) -> Caller:
    """Who is asking, as telemetry attributes it: the developer from the CDE's
    variables, the team as the policy locks it, else `LLMOPS_TEAM`, else the project
    file's. Budgets are checked for these, so spend and limits meet."""
    team, project = load_attribution(root)
    who = attribution_for(loaded.policy, root, team, project, environ)
    return Caller(who.developer, who.team)


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
        caller_for(loaded, root or Path.cwd(), environ),
        sink=sink,
        count=count_tokens,
        spent=memory.add if memory is not None else cached.add if cached else None,
        on_close=on_close,
    )


def start_telemetry(
    loaded: LoadedPolicy, root: Path, environ: Mapping[str, str]
) -> TelemetryService:
    """The telemetry store and uploader for a workspace, attributed from every layer."""
    team, project = load_attribution(root)
    return TelemetryService.start(
        loaded.policy, root, project_team=team, project_name=project, environ=environ
    )
