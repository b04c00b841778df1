"""A tier the developer asks for, as far as `routing.requested_tier` honours it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from llmops_ls.config.policy import Policy, parse_policy
from llmops_ls.errors import UnknownTierError
from llmops_ls.routing.budgets import InMemorySpend, SpendEntry
from llmops_ls.routing.features import Request, RequestKind
from llmops_ls.routing.router import Caller, Decision, Refusal, Router

NOW = datetime.datetime(2026, 12, 3, 15, 30, tzinfo=datetime.UTC)
POLICY = """
[tiers.fast]
models = ["gpt-5.4-mini-2026-03-17", "gemini-3.5-flash-lite"]
[tiers.standard]
models = ["claude-sonnet-4-6", "gpt-5.4-2026-03-05"]
[tiers.frontier]
models = ["claude-opus-4-7-20260416", "gpt-5.5-2026-04-23"]
[budgets]
developer_daily = 10.0
degrade_at = 0.8
"""
ALICE = Caller("alice", "payments")
#: The router sends this to `fast` and the next one to `frontier` on their own.
SIMPLE = Request(RequestKind.CHAT, "What does the walrus operator do in Python?")
HARD = Request(
    RequestKind.AGENT_STEP,
    "Refactor the session handling across all services and update every call site.",
    attached_files=("a/s.py", "b/s.py", "c/s.py", "d/s.py", "e/s.py"),
    context_tokens=20_000,
)


def policy(mode: str | None = None) -> Policy:
    extra = "" if mode is None else f'[routing]\nrequested_tier = "{mode}"\n'
    return parse_policy(POLICY + extra, Path("p.toml"), NOW.date()).policy


def asking(request: Request, tier: str) -> Request:
    return Request(
        request.kind,
        request.prompt,
        attached_files=request.attached_files,
        context_tokens=request.context_tokens,
        requested_tier=tier,
    )


def route(
    request: Request, mode: str | None = None, spend: InMemorySpend | None = None
) -> Decision:
    decision = Router(policy(mode), spend=spend).route(request, ALICE, NOW)
    assert isinstance(decision, Decision)
    return decision


def test_the_default_policy_honours_a_stronger_tier() -> None:
    unasked = route(SIMPLE)
    decision = route(asking(SIMPLE, "frontier"))

    assert unasked.tier == "fast"
    assert (decision.tier, decision.model) == ("frontier", "claude-opus-4-7-20260416")
    assert decision.fallbacks == ("gpt-5.5-2026-04-23",)
    assert "tier frontier requested (the router chose fast)" in decision.reasons
    assert decision.requested_tier == "frontier"
    assert decision.to_dict()["requested_tier"] == "frontier"
    assert decision.score == unasked.score


def test_honour_also_takes_a_cheaper_tier() -> None:
    decision = route(asking(HARD, "fast"), "honour")
    assert decision.tier == "fast"
    assert "tier fast requested (the router chose frontier)" in decision.reasons


def test_raise_only_honours_a_more_capable_tier() -> None:
    decision = route(asking(SIMPLE, "standard"), "raise_only")
    assert (decision.tier, decision.model) == ("standard", "claude-sonnet-4-6")
    assert "tier standard requested (the router chose fast)" in decision.reasons


def test_raise_only_keeps_the_router_tier_for_a_cheaper_request() -> None:
    decision = route(asking(HARD, "fast"), "raise_only")
    assert decision.tier == "frontier"
    assert decision.requested_tier == "fast"
    assert (
        "tier fast requested, not honoured: the policy honours only tiers more "
        'capable than frontier (routing.requested_tier = "raise_only"); kept tier '
        "frontier"
    ) in decision.reasons


def test_ignore_keeps_the_router_tier() -> None:
    decision = route(asking(SIMPLE, "frontier"), "ignore")
    assert decision.tier == "fast"
    assert (
        "tier frontier requested, not honoured: the policy ignores requested tiers "
        '(routing.requested_tier = "ignore"); kept tier fast'
    ) in decision.reasons


def test_a_request_for_the_router_tier_says_so() -> None:
    decision = route(asking(HARD, "frontier"), "ignore")
    assert decision.tier == "frontier"
    assert "tier frontier requested (the router chose it too)" in decision.reasons


@pytest.mark.parametrize("mode", ["honour", "raise_only", "ignore"])
def test_an_unknown_tier_is_an_error_naming_the_known_ones(mode: str) -> None:
    with pytest.raises(UnknownTierError) as caught:
        route(asking(SIMPLE, "premium"), mode)

    assert caught.value.known == ("fast", "standard", "frontier")
    assert str(caught.value) == (
        "unknown tier 'premium': the policy's tiers are fast, standard, frontier"
    )


def test_budgets_still_apply_to_an_honoured_request() -> None:
    near = InMemorySpend([SpendEntry("alice", "payments", NOW, 8.5)])
    decision = route(asking(SIMPLE, "frontier"), spend=near)

    assert (decision.tier, decision.degraded_from) == ("standard", "frontier")
    honoured = decision.reasons.index("tier frontier requested (the router chose fast)")
    degraded = next(
        i
        for i, r in enumerate(decision.reasons)
        if "developer daily budget 85% used" in r
        and "degraded frontier -> standard" in r
    )
    assert honoured < degraded

    spent = InMemorySpend([SpendEntry("alice", "payments", NOW, 10.0)])
    refusal = Router(policy(), spend=spent).route(
        asking(SIMPLE, "frontier"), ALICE, NOW
    )
    assert isinstance(refusal, Refusal)


def test_routing_with_a_request_is_deterministic() -> None:
    router = Router(policy("raise_only"))
    first = router.route(asking(SIMPLE, "standard"), ALICE, NOW)
    second = router.route(asking(SIMPLE, "standard"), ALICE, NOW)
    assert isinstance(first, Decision) and first.tier == "standard"
    assert first == second
