"""The router: tiers by complexity, pinned models, canaries, budgets, windows."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from llmops_ls.config.policy import Policy, parse_policy
from llmops_ls.routing.budgets import BudgetScope, InMemorySpend, SpendEntry, window
from llmops_ls.routing.classifier import classify
from llmops_ls.routing.features import Request, RequestKind, Signal, extract
from llmops_ls.routing.router import Caller, Decision, Refusal, Router

# On the shipped catalogue's date, so that its deprecation dates apply as they do today.
NOW = datetime.datetime(2026, 12, 3, 15, 30, tzinfo=datetime.UTC)
POLICY = """
[tiers.fast]
models = ["gpt-5.4-mini-2026-03-17", "gemini-3.5-flash-lite"]
[tiers.standard]
models = ["claude-sonnet-4-6", "gpt-5.4-2026-03-05"]
[tiers.frontier]
models = ["claude-opus-4-7-20260416", "gpt-5.5-2026-04-23"]
[routing]
classifier = "signals"
[budgets]
developer_daily = 10.0
team_monthly = 100.0
degrade_at = 0.8
"""
ALICE = Caller("alice", "payments")
HARD = Request(
    RequestKind.AGENT_STEP,
    "Refactor the session handling across all services and update every call site.",
    attached_files=("a/s.py", "b/s.py", "c/s.py", "d/s.py", "e/s.py"),
    context_tokens=20_000,
)
SIMPLE = Request(RequestKind.CHAT, "What does the walrus operator do in Python?")


def policy(extra: str = "") -> Policy:
    return parse_policy(POLICY + extra, Path("p.toml"), NOW.date()).policy


def route(request: Request, **kwargs: object) -> Decision:
    decision = Router(policy(), **kwargs).route(request, ALICE, NOW)  # type: ignore[arg-type]
    assert isinstance(decision, Decision)
    return decision


def test_simple_question_goes_to_the_fast_primary() -> None:
    decision = route(SIMPLE)
    assert (decision.tier, decision.model) == ("fast", "gpt-5.4-mini-2026-03-17")
    assert decision.fallbacks == ("gemini-3.5-flash-lite",)


def test_multi_file_refactor_goes_to_frontier_with_reasons() -> None:
    decision = route(HARD)
    assert decision.tier == "frontier"
    assert decision.model == "claude-opus-4-7-20260416"
    assert any("multi file refactor" in r for r in decision.reasons)
    assert any("5 files attached" in r for r in decision.reasons)


def test_inline_completion_always_goes_to_the_cheapest_tier() -> None:
    request = Request(
        RequestKind.INLINE_COMPLETION,
        "fix the race condition across all modules",
        context_tokens=30_000,
    )
    assert route(request).tier == "fast"


@pytest.mark.parametrize("classifier", ["signals", "trained", "combined"])
def test_policy_sends_inline_completions_to_its_inline_tier(classifier: str) -> None:
    text = POLICY.replace('classifier = "signals"', f'classifier = "{classifier}"')
    text = text.replace("[routing]\n", '[routing]\ninline_tier = "standard"\n')
    router = Router(parse_policy(text, Path("p.toml"), NOW.date()).policy)
    request = Request(RequestKind.INLINE_COMPLETION, "    return a + ")

    decision = router.route(request, ALICE, NOW)

    assert isinstance(decision, Decision)
    assert (decision.tier, decision.model) == ("standard", "claude-sonnet-4-6")
    assert "inline completion -> tier standard" in decision.reasons
    # Only inline completions: the same words as a chat are still classified.
    chat = router.route(Request(RequestKind.CHAT, SIMPLE.prompt), ALICE, NOW)
    assert isinstance(chat, Decision) and chat.tier == "fast"


def test_single_file_bug_fix_goes_to_standard() -> None:
    request = Request(
        RequestKind.CHAT,
        "This function returns the wrong total when discounts overlap; fix the bug.",
        attached_files=("billing/discounts.py",),
        context_tokens=2500,
    )
    assert route(request).tier == "standard"


def test_decision_is_deterministic() -> None:
    assert route(HARD) == route(HARD)


def test_definition_question_is_not_escalated_by_its_topic() -> None:
    request = Request(RequestKind.CHAT, "What is SQL injection?")
    assert route(request).tier == "fast"


def test_sign_of_deep_reasoning_never_goes_to_the_cheapest_tier() -> None:
    # Scores 0.25 (edit, multi-file refactor, mechanical): fast without the floor.
    request = Request(RequestKind.EDIT, "Rename the user_id field across every module.")
    decision = route(request)
    assert decision.score < 0.35
    assert decision.tier == "standard"
    assert "reasoning-depth signal: at least tier standard" in decision.reasons


def test_signals_are_found_in_the_prompt() -> None:
    features = extract(
        Request(RequestKind.CHAT, "Two workers process the same job: a race condition?")
    )
    assert Signal.CONCURRENCY in features.signals
    assert Signal.SECURITY_REVIEW not in features.signals


@pytest.mark.parametrize(
    "prompt",
    [
        "Is this JWT verification code safe? We accept tokens from two issuers.",
        "Check the callback for open redirects.",
        "Could this URL fetcher allow SSRF or path traversal?",
        "Look for token leakage in the request logs.",
    ],
)
def test_security_questions_are_security_reviews(prompt: str) -> None:
    assert Signal.SECURITY_REVIEW in extract(Request(RequestKind.CHAT, prompt)).signals


@pytest.mark.parametrize(
    "prompt", ["Is this function pure?", "Make the redirect go to /home."]
)
def test_near_misses_are_not_security_reviews(prompt: str) -> None:
    assert (
        Signal.SECURITY_REVIEW not in extract(Request(RequestKind.CHAT, prompt)).signals
    )


def test_dependency_injection_is_not_a_security_review() -> None:
    features = extract(Request(RequestKind.EDIT, "Use dependency injection here."))
    assert Signal.SECURITY_REVIEW not in features.signals


def test_classification_reasons_add_up_to_the_score() -> None:
    features = extract(HARD)
    result = classify(features, HARD.prompt)
    assert result.score == 1.0
    assert len(result.reasons) >= 4


def test_token_counter_is_injected() -> None:
    features = extract(SIMPLE, count=lambda text: 7)
    assert features.prompt_tokens == 7


def test_near_the_budget_degrades_one_tier_and_says_so() -> None:
    spend = InMemorySpend([SpendEntry("alice", "payments", NOW, 8.5)])
    decision = route(HARD, spend=spend)
    assert (decision.tier, decision.degraded_from) == ("standard", "frontier")
    assert any(
        "developer daily budget 85% used" in r and "degraded frontier -> standard" in r
        for r in decision.reasons
    )


def test_at_the_limit_refuses_naming_the_budget_and_its_reset() -> None:
    spend = InMemorySpend([SpendEntry("bob", "payments", NOW, 100.0)])
    refusal = Router(policy(), spend=spend).route(SIMPLE, ALICE, NOW)
    assert isinstance(refusal, Refusal)
    assert refusal.budget is BudgetScope.TEAM_MONTHLY
    assert refusal.resets_at == datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    assert "team monthly budget of payments" in refusal.message
    assert "2027-01-01T00:00:00+00:00" in refusal.message


def test_spend_outside_the_window_does_not_count() -> None:
    yesterday = NOW - datetime.timedelta(days=1)
    spend = InMemorySpend([SpendEntry("alice", None, yesterday, 50.0)])
    assert route(HARD, spend=spend).degraded_from is None


def test_budget_day_starts_at_midnight_in_the_policy_zone() -> None:
    zone = policy('timezone = "America/New_York"\n').budgets.zone
    start, end = window(BudgetScope.DEVELOPER_DAILY, NOW, zone)
    assert start.isoformat() == "2026-12-03T00:00:00-05:00"
    assert end.isoformat() == "2026-12-04T00:00:00-05:00"


def test_request_larger_than_the_primary_window_uses_a_fallback_that_fits() -> None:
    request = Request(
        RequestKind.CHAT,
        "Review this dump for security problems.",
        context_tokens=1_020_000,
    )
    decision = route(request)
    assert decision.tier == "frontier"
    # Beyond the 1,000,000 tokens of claude-opus-4-7, within the 1,050,000 of gpt-5.5.
    assert decision.model == "gpt-5.5-2026-04-23"


def test_canary_assignment_is_stable_and_shares_developers() -> None:
    extra = 'canary = { model = "claude-haiku-4-5-20251001", percent = 30 }\n'
    text = POLICY.replace("[tiers.standard]\n", extra + "[tiers.standard]\n")
    canary_policy = parse_policy(text, Path("p.toml"), NOW.date()).policy
    router = Router(canary_policy)
    on_canary = []
    for index in range(400):
        decision = router.route(SIMPLE, Caller(f"dev{index}"), NOW)
        assert isinstance(decision, Decision)
        again = router.route(SIMPLE, Caller(f"dev{index}"), NOW)
        assert again == decision
        if decision.canary:
            assert decision.model == "claude-haiku-4-5-20251001"
            assert decision.fallbacks[0] == "gpt-5.4-mini-2026-03-17"
            on_canary.append(index)
    assert 80 <= len(on_canary) <= 160


def test_extra_tier_is_chosen_by_its_score() -> None:
    text = (
        POLICY + '[tiers.tiny]\nmodels = ["gpt-5.4-nano-2026-03-17"]\nmin_score = 0\n'
    )
    text = text.replace("[tiers.fast]\n", "[tiers.fast]\nmin_score = 0.1\n")
    router = Router(parse_policy(text, Path("p.toml"), NOW.date()).policy)
    decision = router.route(SIMPLE, ALICE, NOW)
    assert isinstance(decision, Decision)
    assert decision.tier == "tiny"


def test_port_and_debug_as_nouns_are_not_requests_for_code() -> None:
    # The fresh half of the labelled set sent "What port does PostgreSQL listen on?"
    # and "Change the log level to debug" to the standard tier.
    for prompt in ("What port does PostgreSQL use?", "Set the log level to debug."):
        features = extract(Request(RequestKind.CHAT, prompt))
        assert not any("write, change" in r for r in classify(features, prompt).reasons)


def test_design_comparison_is_architecture() -> None:
    prompt = "Compare process isolation with in-process sandboxing for our plugins."
    assert Signal.ARCHITECTURE in extract(Request(RequestKind.CHAT, prompt)).signals
