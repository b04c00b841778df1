"""Helpers of the integration tests: a policy pointing at the proxy, a list sink."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from integration.litellm_proxy import Proxy
from llmops_ls.app import build_assistant
from llmops_ls.config.policy import DEFAULT_POLICY_PATH, LoadedPolicy, parse_policy
from llmops_ls.gateway.assistant import Assistant
from llmops_ls.routing.budgets import SpendSource
from llmops_ls.routing.recording import FeedbackRecord, RequestRecord

DEVELOPER = "dev-1"
TEAM = "team-1"


def policy_text(
    proxy: Proxy,
    first_token_seconds: float = 2.0,
    fast_models: list[str] | None = None,
) -> str:
    """The default policy with the proxy as gateway and short timeouts.

    `fast_models` replaces the fast tier's models.
    """
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    if fast_models is not None:
        listed = ", ".join(f'"{m}"' for m in fast_models)
        fast_line = 'models = ["gpt-5.4-mini-2026-03-17", "gemini-3.5-flash-lite"]'
        assert fast_line in text, "the default policy's fast tier has changed"
        text = text.replace(fast_line, f"models = [{listed}]")
    return text.replace(
        'base_url = "http://127.0.0.1:4000"',
        f'base_url = "{proxy.base_url}"\n'
        f"first_token_timeout_seconds = {first_token_seconds}\n"
        "total_timeout_seconds = 20",
    )


def environ(proxy: Proxy) -> dict[str, str]:
    """The variables the assistant reads: the key, the developer and the team."""
    return {
        "LLMOPS_GATEWAY_KEY": proxy.key,
        "LLMOPS_DEVELOPER": DEVELOPER,
        "LLMOPS_TEAM": TEAM,
    }


@dataclass
class ListSink:
    """A RecordingSink keeping everything in lists."""

    requests: list[RequestRecord] = field(default_factory=list)
    feedback: list[FeedbackRecord] = field(default_factory=list)

    def record_request(self, record: RequestRecord) -> None:
        self.requests.append(record)

    def record_feedback(self, record: FeedbackRecord) -> None:
        self.feedback.append(record)


def assistant_for(
    proxy: Proxy,
    sink: ListSink | None = None,
    spend: SpendSource | None = None,
    first_token_seconds: float = 2.0,
    fast_models: list[str] | None = None,
) -> Assistant:
    """An assistant wired as `app` wires it, against the proxy."""
    loaded: LoadedPolicy = parse_policy(
        policy_text(proxy, first_token_seconds, fast_models), Path("policy.toml")
    )
    return build_assistant(
        environ(proxy), loaded=loaded, sink=sink or ListSink(), spend=spend
    )
