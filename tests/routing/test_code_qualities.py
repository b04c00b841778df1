"""Type hints or docstrings asked of new code do not make the work mechanical.

Sentences written for these tests, not taken from the labelled request sets.
"""

from __future__ import annotations

import pytest

from llmops_ls.routing.features import Request, RequestKind, Signal, extract


def signals(prompt: str) -> frozenset[Signal]:
    return extract(Request(RequestKind.CHAT, prompt)).signals


@pytest.mark.parametrize(
    "prompt",
    [
        "Write a parser for ISO week strings with type hints and a docstring.",
        "I need a class that merges overlapping intervals, with full type hints, "
        "and tests for touching and nested ranges.",
        "Implement the tariff lookup including docstrings and type hints.",
    ],
)
def test_qualities_of_new_code_are_not_a_mechanical_change(prompt: str) -> None:
    assert Signal.MECHANICAL not in signals(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        "Add type hints and a docstring to this function.",
        "Write docstrings for every public method here.",
        "The helper has no type hints; add them.",
    ],
)
def test_adding_hints_or_docstrings_alone_stays_mechanical(prompt: str) -> None:
    assert Signal.MECHANICAL in signals(prompt)
