"""`llmops-ls route`: one request as JSON on stdin, its routing decision as JSON out.

For dry runs and policy reviews. An optional `tier` asks for a tier, as a chat may; a
tier the policy does not define is an error (exit 2). Budgets are checked against the
spend recorded in the local telemetry store when there is one it can read, opened
read-only and left at its schema (`budgets_checked` in the output says so).
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmops_ls.config.policy import load_policy
from llmops_ls.errors import UsageError
from llmops_ls.routing.features import Message, Request, RequestKind, TokenCounter
from llmops_ls.routing.router import Caller, Decision, Router

logger = logging.getLogger(__name__)


class _MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    role: str
    content: str


class RouteRequestIn(BaseModel):
    """The request JSON read on stdin."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["inline_completion", "chat", "edit", "agent_step"]
    prompt: str
    attached_files: list[str] = Field(default_factory=list)
    context_tokens: int = Field(0, ge=0)
    language: str | None = None
    messages: list[_MessageIn] = Field(default_factory=list)
    tier: str | None = Field(
        None, description="Tier the developer asks for; the policy says if it counts."
    )


def parse_request(text: str) -> Request:
    """The router request from the JSON text; UsageError naming the bad field."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"the request on stdin is not JSON: {exc}") from None
    try:
        parsed = RouteRequestIn.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "request"
        raise UsageError(f"invalid request: {where}: {error['msg']}") from None
    return Request(
        kind=RequestKind(parsed.kind),
        prompt=parsed.prompt,
        attached_files=tuple(parsed.attached_files),
        context_tokens=parsed.context_tokens,
        language=parsed.language,
        messages=tuple(Message(m.role, m.content) for m in parsed.messages),
        requested_tier=parsed.tier,
    )


def route(
    stdin: IO[str],
    stdout: IO[str],
    caller: Caller,
    now: datetime.datetime | None = None,
) -> int:
    """Route the request read from `stdin`; 0 when routed, 1 when refused."""
    request = parse_request(stdin.read())
    loaded = load_policy()
    from llmops_ls.telemetry.service import store_path
    from llmops_ls.telemetry.store import TelemetryStore

    # A dry run reads the recorded spend and writes nothing: no store is created
    # and none is migrated, so an older llmops-ls can still use it.
    store = TelemetryStore.open_read_only(store_path(loaded.policy))
    try:
        router = Router(loaded.policy, spend=store, count=_token_counter())
        moment = now or datetime.datetime.now(datetime.UTC)
        decision = router.route(request, caller, moment)
    finally:
        if store is not None:
            store.close()
    payload: dict[str, Any] = decision.to_dict()
    payload["policy"] = str(loaded.path)
    payload["budgets_checked"] = store is not None
    stdout.write(json.dumps(payload, indent=2) + "\n")
    return 0 if isinstance(decision, Decision) else 1


def _token_counter() -> TokenCounter:
    try:
        from llmops_ls.linter.tokens import count_tokens
    except ImportError:  # pragma: no cover - the tokens module ships with the package
        logger.debug("exact token counts unavailable; estimating")
        from llmops_ls.routing.features import estimate_tokens

        return estimate_tokens
    return count_tokens
