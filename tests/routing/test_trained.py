"""The trained classifier: its shipped weights, its decisions and the policy key."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
from pathlib import Path

import pytest

from llmops_ls.config.policy import DEFAULT_POLICY_PATH, Policy, parse_policy
from llmops_ls.errors import ConfigError
from llmops_ls.routing.classifier import classify
from llmops_ls.routing.features import Message, Request, RequestKind, extract
from llmops_ls.routing.router import Caller, Decision, Router
from llmops_ls.routing.trained import MODEL_PATH, TierModel, load, request_text

NOW = datetime.datetime(2026, 12, 3, 15, 30, tzinfo=datetime.UTC)
DEFAULT = parse_policy(DEFAULT_POLICY_PATH.read_text(), DEFAULT_POLICY_PATH).policy
MIGRATION = Request(
    RequestKind.AGENT_STEP,
    "We're moving tenant preferences out of the JSONB settings column into their own "
    "table. The web app and two workers read and write settings, we deploy them "
    "separately over an hour, and support edits preferences at all hours. Write the "
    "migration so nothing saved during the switch-over gets lost.",
    attached_files=("migrations/v1.py", "app/models/tenant.py", "app/workers/b.py"),
    context_tokens=9_000,
)
DEFINITION = Request(RequestKind.CHAT, "What does idempotent mean?")


def with_routing(text: str) -> Policy:
    return parse_policy(
        DEFAULT_POLICY_PATH.read_text().replace(
            'requested_tier = "honour"\n', f'requested_tier = "honour"\n{text}\n'
        ),
        Path("p.toml"),
    ).policy


TRAINED = with_routing('classifier = "trained"')
SIGNALS = with_routing('classifier = "signals"')


def route(request: Request, policy: Policy = TRAINED) -> Decision:
    decision = Router(policy).route(request, Caller("dev"), NOW)
    assert isinstance(decision, Decision)
    return decision


def test_the_weights_reproduce_the_probabilities_the_training_script_wrote() -> None:
    # scripts/train_router.py stores scikit-learn's own probabilities for a few rows.
    data = json.loads(MODEL_PATH.read_text())
    model = TierModel(data)
    assert len(data["checks"]) >= 5
    for check in data["checks"]:
        got = model.probabilities(check["text"], check["dense"])
        assert got == pytest.approx(check["probabilities"], abs=1e-5), check["id"]
        assert sum(got) == pytest.approx(1.0)


def test_the_shipped_model_is_small_and_knows_the_default_tiers() -> None:
    model = load()
    assert model.tiers == tuple(DEFAULT.tier_order())
    assert 0 < model.threshold < 1
    assert MODEL_PATH.stat().st_size < 300_000


def test_the_same_request_gets_the_same_decision() -> None:
    first = route(MIGRATION)
    again = route(MIGRATION)
    fresh = TierModel(json.loads(MODEL_PATH.read_text()))
    features = extract(MIGRATION)
    verdict = fresh.decide(MIGRATION, features, classify(features, MIGRATION.prompt))
    assert first == again
    assert first.tier == DEFAULT.tier_order()[verdict.tier]
    assert first.score == verdict.score


def test_a_schema_migration_under_live_writes_goes_to_the_top_tier() -> None:
    decision = route(MIGRATION)
    assert decision.tier == "frontier"
    assert decision.reasons[0].startswith("trained model: P(frontier)")


def test_a_definition_goes_to_the_cheapest_tier_with_the_words_that_sent_it() -> None:
    decision = route(DEFINITION)
    assert decision.tier == "fast"
    pulls = next(r for r in decision.reasons if r.startswith("toward fast: "))
    assert "'mean'" in pulls


def test_reasons_name_the_probabilities_and_the_inputs_that_pulled() -> None:
    decision = route(Request(RequestKind.EDIT, "Add a docstring to parse_date."))
    assert any("P(fast)" in r and "P(standard)" in r for r in decision.reasons)
    assert any(r.startswith(f"toward {decision.tier}: ") for r in decision.reasons)
    assert decision.reasons[-1] == f"trained classifier -> tier {decision.tier}"


def test_the_conversation_is_read_with_the_prompt() -> None:
    request = Request(
        RequestKind.CHAT, "and now?", messages=(Message("user", "a deadlock"),)
    )
    assert request_text(request) == "and now?\na deadlock"


def test_inline_completions_stay_on_the_cheapest_tier() -> None:
    long_hard = Request(
        RequestKind.INLINE_COMPLETION, MIGRATION.prompt, context_tokens=9_000
    )
    decision = route(long_hard)
    assert decision.tier == "fast"
    assert not any("trained model" in r for r in decision.reasons)


def test_the_signals_alone_can_be_chosen() -> None:
    assert SIGNALS.routing.classifier == "signals"
    decision = route(MIGRATION, SIGNALS)
    assert not any("trained" in r for r in decision.reasons)
    assert any(r.startswith("score ") for r in decision.reasons)


def test_combined_is_the_default_and_takes_the_more_capable_tier() -> None:
    assert DEFAULT.routing.classifier == "combined"
    # Short and without context: almost every hard request the model was fitted on
    # came with context, and it sends this one to the cheapest tier; the signals see
    # a sign of depth.
    short = Request(RequestKind.CHAT, "Should we fence the lease holder or use etcd?")
    assert route(short).tier == "fast"
    assert route(short, SIGNALS).tier == "standard"
    kept = route(short, DEFAULT)
    assert kept.tier == "standard"
    assert kept.reasons[-1] == "trained classifier -> tier fast, kept tier standard"
    assert any(r.startswith("score ") for r in kept.reasons)
    assert any(r.startswith("toward fast: ") for r in kept.reasons)


def test_combined_raises_the_signals_tier_where_the_model_says_more() -> None:
    request = Request(
        RequestKind.CHAT,
        "Summarise what changed in this diff.",
        attached_files=("CHANGES.diff",),
        context_tokens=5_000,
    )
    signals = route(request, SIGNALS)
    trained = route(request)
    combined = route(request, DEFAULT)
    order = DEFAULT.tier_order()
    assert combined.tier == max(signals.tier, trained.tier, key=order.index)
    assert order.index(trained.tier) > order.index(signals.tier)
    assert combined.reasons[-1] == (
        f"trained classifier -> tier {trained.tier}, raised from {signals.tier}"
    )


def test_an_unknown_classifier_is_a_policy_error() -> None:
    with pytest.raises(ConfigError, match="classifier"):
        with_routing('classifier = "neural"')


def test_a_policy_with_other_than_three_tiers_falls_back_to_the_signals() -> None:
    text = """
[tiers.cheap]
models = ["gpt-5.4-mini-2026-03-17"]
min_score = 0
[tiers.capable]
models = ["claude-opus-4-7-20260416"]
min_score = 0.5
"""
    policy = parse_policy(text, Path("p.toml")).policy
    decision = route(MIGRATION, policy)
    assert decision.tier == "capable"
    assert any("trained classifier not used" in r for r in decision.reasons)


def test_reasons_name_the_policys_tiers_when_they_are_renamed() -> None:
    text = """
[tiers.small]
models = ["gpt-5.4-mini-2026-03-17"]
min_score = 0
[tiers.medium]
models = ["claude-sonnet-4-6"]
min_score = 0.35
[tiers.large]
models = ["claude-opus-4-7-20260416"]
min_score = 0.65
[routing]
classifier = "trained"
"""
    policy = parse_policy(text, Path("p.toml"), NOW.date()).policy

    hard, easy = route(MIGRATION, policy), route(DEFINITION, policy)

    assert hard.tier == "large"
    assert hard.reasons[0].startswith("trained model: P(large)")
    assert easy.tier == "small"
    assert any("P(small)" in r and "P(medium)" in r for r in easy.reasons)
    assert any(r.startswith("toward small: ") for r in easy.reasons)
    reasons = " ".join(hard.reasons + easy.reasons)
    assert not any(name in reasons for name in ("fast", "standard", "frontier"))


def test_a_weights_file_of_another_format_is_refused() -> None:
    data = json.loads(MODEL_PATH.read_text()) | {"format": 99}
    with pytest.raises(ValueError, match="format"):
        TierModel(data)


def test_dense_inputs_must_match_the_weights() -> None:
    with pytest.raises(ValueError, match="dense inputs"):
        load().probabilities("hello", [1.0])


def test_without_signals_the_features_carry_none_and_differ_in_nothing_else() -> None:
    full = extract(MIGRATION)
    assert full.signals
    assert extract(MIGRATION, signals=False) == dataclasses.replace(
        full, signals=frozenset()
    )


def test_the_trained_path_does_not_search_the_signals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_: object) -> frozenset[object]:
        raise AssertionError("signals searched")

    monkeypatch.setattr("llmops_ls.routing.features.find_signals", fail)
    assert route(MIGRATION).tier == "frontier"
    for policy in (SIGNALS, DEFAULT):
        with pytest.raises(AssertionError, match="signals searched"):
            route(MIGRATION, policy)


def test_the_weights_are_read_only_when_a_request_needs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail() -> TierModel:
        raise AssertionError("weights read")

    monkeypatch.setattr("llmops_ls.routing.router.load_tier_model", fail)
    router = Router(DEFAULT)
    inline = Request(RequestKind.INLINE_COMPLETION, "def f(", context_tokens=300)
    assert isinstance(router.route(inline, Caller("dev"), NOW), Decision)
    with pytest.raises(AssertionError, match="weights read"):
        router.route(DEFINITION, Caller("dev"), NOW)


def test_the_reasons_do_not_depend_on_the_process_hash_seed() -> None:
    # Terms seen together in training carry equal weights: which of them a reason
    # names, and the order the logits are summed in, must not follow set order.
    import subprocess
    import sys

    script = (
        "from llmops_ls.routing.features import Request, RequestKind, extract\n"
        "from llmops_ls.routing.trained import load\n"
        "r = Request(RequestKind.CHAT, 'Give me the git command to undo my last "
        "commit but keep the changes.')\n"
        "v = load().decide(r, extract(r, signals=False))\n"
        "print(repr(v.probabilities), v.reasons)\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(outputs) == 1, outputs


def test_an_inline_completion_gets_the_same_reasons_before_and_after_a_chat() -> None:
    text = """
[tiers.cheap]
models = ["gpt-5.4-mini-2026-03-17"]
min_score = 0
[tiers.capable]
models = ["claude-opus-4-7-20260416"]
min_score = 0.5
"""
    router = Router(parse_policy(text, Path("p.toml")).policy)
    inline = Request(RequestKind.INLINE_COMPLETION, "def f(", context_tokens=300)
    before = router.route(inline, Caller("dev"), NOW)
    router.route(MIGRATION, Caller("dev"), NOW)
    after = router.route(inline, Caller("dev"), NOW)
    assert after == before
    assert not any("trained" in r for r in after.reasons)
