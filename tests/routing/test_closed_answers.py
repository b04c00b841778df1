"""A question with a one-token answer stays cheap, whatever words surround it.

Sentences written for these tests, not taken from the labelled request sets.
"""

from __future__ import annotations

import datetime

import pytest
from routing_policies import signals_policy

from llmops_ls.config.policy import DEFAULT_POLICY_PATH, parse_policy
from llmops_ls.routing.features import Request, RequestKind, Signal, extract
from llmops_ls.routing.router import Caller, Decision, Router


def route(prompt: str) -> Decision:
    policy = signals_policy(
        parse_policy(DEFAULT_POLICY_PATH.read_text(), DEFAULT_POLICY_PATH).policy
    )
    now = datetime.datetime.now(datetime.UTC)
    decision = Router(policy).route(Request(RequestKind.CHAT, prompt), Caller("d"), now)
    assert isinstance(decision, Decision)
    return decision


@pytest.mark.parametrize(
    "prompt",
    [
        "our incident runbook needs it: default Redis port with TLS? just the number",
        "in our multi-tenant security policy page, is it 'sign-on' or 'signon'?",
        "for our payments architecture wiki, should it be \u201cidempotency key\u201d "
        "or \u201cidempotence key\u201d?",
        "the audit job on our cluster runs hourly. what's the cron expression for "
        "every Sunday at 04:00 instead?",
    ],
)
def test_a_one_token_answer_is_a_lookup_even_about_our_system(prompt: str) -> None:
    assert Signal.DEFINITION in extract(Request(RequestKind.CHAT, prompt)).signals
    assert route(prompt).tier == "fast"


@pytest.mark.parametrize(
    "prompt",
    [
        # The quoted words are not the whole question: a cause is asked for.
        "is it 'retry' or 'timeout' that makes our worker deadlock under load?",
        # A symptom beside the short answer: the answer is not one token.
        "our mail relay randomly rejects port 587, why? just the number of the RFC",
        "what's the best way for our services to share sessions?",
        "what's the expression for this, and why does our parser crash on it?",
    ],
)
def test_a_problem_beside_a_short_answer_is_not_a_lookup(prompt: str) -> None:
    assert Signal.DEFINITION not in extract(Request(RequestKind.CHAT, prompt)).signals
