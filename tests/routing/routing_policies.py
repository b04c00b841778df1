"""Policies for the tests of the hand-written signals classifier."""

from __future__ import annotations

from llmops_ls.config.policy import Policy


def signals_policy(policy: Policy) -> Policy:
    """`policy` routing with the hand-written signals (`routing.classifier`)."""
    routing = policy.routing.model_copy(update={"classifier": "signals"})
    return policy.model_copy(update={"routing": routing})
