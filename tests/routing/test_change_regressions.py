"""A regression after a change: something was changed and now behaves worse.

Sentences written for these tests, not taken from the labelled request sets.
"""

from __future__ import annotations

import pytest

from llmops_ls.routing.classifier import classify
from llmops_ls.routing.features import Request, RequestKind, Signal, extract


def signals(prompt: str) -> frozenset[Signal]:
    return extract(Request(RequestKind.CHAT, prompt)).signals


@pytest.mark.parametrize(
    "prompt",
    [
        "since we replaced the LRU cache with a TTL one, hit rate is down 12%",
        "moved the retry wrapper inside the pool, and now the importer hangs",
        "after enabling HTTP/2 on the proxy the uploads now fail for big files",
        "upgraded the ORM, and the report query now takes 4.5 s; it looks worse",
        "after your earlier fix the counter is right, but there is a new problem: "
        "totals are doubled on page two",
        "We switched the parser to streaming mode. Memory is fine but the "
        "checksums now come out wrong for gzip input.",
    ],
)
def test_a_change_followed_by_worse_behaviour_is_a_runtime_symptom(
    prompt: str,
) -> None:
    assert Signal.RUNTIME_SYMPTOM in signals(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        # A change alone, or a follow-up ask: routine work.
        "after the loop, add a return of the total",
        "I added the CSV reader. Now add tests for empty files.",
        "since we moved to pnpm, update the install step in the README",
        "after adding the column, write the migration for it",
        # Worse behaviour with no change named: not this family.
        "the importer now fails on files with a BOM",
        "we switched to tabs",
    ],
)
def test_a_change_or_a_follow_up_alone_is_not_a_regression(prompt: str) -> None:
    assert Signal.RUNTIME_SYMPTOM not in signals(prompt)


def test_a_regression_after_a_change_counts_as_a_sign_of_depth() -> None:
    prompt = "after switching to the async driver, p50 is fine but inserts now fail"
    features = extract(Request(RequestKind.CHAT, prompt))
    classification = classify(features, prompt)

    assert classification.hard
    assert "symptom of a running system (+0.35)" in classification.reasons
