"""Score a request's complexity from its features, with a reason for every point.

The score is a sum of small, named contributions clamped to [0, 1]; the policy maps it
to a tier (each tier's `min_score`). Deterministic and pure. The weights are few and
coarse on purpose: a routing mistake should be explainable from the reasons alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from llmops_ls.routing.features import Features, RequestKind, Signal

#: Where every request starts, by kind: chat and agent steps usually need more than an
#: edit of the lines in view.
KIND_BASE = {
    RequestKind.INLINE_COMPLETION: 0.0,
    RequestKind.EDIT: 0.15,
    RequestKind.CHAT: 0.15,
    RequestKind.AGENT_STEP: 0.25,
}
HARD_SIGNALS = (
    Signal.MULTI_FILE_REFACTOR,
    Signal.ARCHITECTURE,
    Signal.CONCURRENCY,
    Signal.SECURITY_REVIEW,
    Signal.CROSS_MODULE_DEBUG,
)
FIRST_HARD_SIGNAL = 0.35
EACH_FURTHER_HARD_SIGNAL = 0.1
BUILDS_CODE = 0.2
MECHANICAL = -0.25
DEFINITION = -0.4
SHORT_PROMPT = -0.1

# Verbs of work that changes or produces behaviour (as opposed to reading or tidying).
_BUILD_VERBS = re.compile(
    r"\b(?:add|implement|write|refactor|fix|bug|convert|translate|rewrite"
    r"|optimi[sz]e|review|tests?)\b"
    # "port" and "debug" are also nouns (a TCP port, the debug log level).
    r"|\b(?:port|debug) (?:this|it|the|that|these|why)\b",
    re.IGNORECASE,
)
# (threshold, points): the first threshold reached gives its points. Prompt sizes are
# in o200k tokens, the counter the server and the CLI use (the chars/4 estimate counts
# about 1.2 times as many): set by benchmarks/routing_calibrate.py from the tune split.
PROMPT_TOKEN_STEPS = ((33, 0.2), (16, 0.1))
SHORT_PROMPT_TOKENS = 11
_CONTEXT_TOKENS = ((32_000, 0.3), (8_000, 0.2), (2_000, 0.1))
_ATTACHED_FILES = ((5, 0.3), (3, 0.2), (2, 0.1))
_LONG_CONVERSATION_TURNS = 8


@dataclass(frozen=True, slots=True)
class Classification:
    """A complexity score in [0, 1], the reasons that add up to it, and whether the
    request shows a sign of deep reasoning (which keeps it off the cheapest tier)."""

    score: float
    reasons: tuple[str, ...]
    hard: bool = False


def classify(features: Features, prompt: str = "") -> Classification:
    """Score a request; `prompt` is its text, used for the kind of work asked for."""
    if features.kind is RequestKind.INLINE_COMPLETION:
        return Classification(
            0.0,
            ("inline completion: latency matters more than depth, cheapest tier",),
        )
    points: list[tuple[float, str]] = [
        (KIND_BASE[features.kind], f"{features.kind.value} request")
    ]
    points.extend(_signal_points(features))
    if _BUILD_VERBS.search(prompt) and Signal.MECHANICAL not in features.signals:
        points.append((BUILDS_CODE, "asks to write, change or review code"))
    points.extend(_size_points(features))
    if features.conversation_turns >= _LONG_CONVERSATION_TURNS:
        points.append((0.1, f"long conversation ({features.conversation_turns} turns)"))
    score = min(1.0, max(0.0, sum(p for p, _ in points)))
    reasons = tuple(f"{why} ({p:+.2f})" for p, why in points if p)
    # A question about a topic ("what is a deadlock?") is not work on it.
    hard = any(s in features.signals for s in HARD_SIGNALS) and not _is_definition(
        features
    )
    return Classification(round(score, 4), reasons, hard)


def _signal_points(features: Features) -> list[tuple[float, str]]:
    points: list[tuple[float, str]] = []
    hard = [s for s in HARD_SIGNALS if s in features.signals]
    for index, signal in enumerate(hard):
        weight = FIRST_HARD_SIGNAL if index == 0 else EACH_FURTHER_HARD_SIGNAL
        points.append((weight, signal.value.replace("_", " ")))
    if Signal.MECHANICAL in features.signals:
        points.append((MECHANICAL, "mechanical change (rename, docs, formatting)"))
    if _is_definition(features):
        points.append((DEFINITION, "general-knowledge question, no code attached"))
    return points


def _is_definition(features: Features) -> bool:
    return Signal.DEFINITION in features.signals and features.attached_files == 0


def _size_points(features: Features) -> list[tuple[float, str]]:
    points: list[tuple[float, str]] = []
    for threshold, weight in PROMPT_TOKEN_STEPS:
        if features.prompt_tokens >= threshold:
            points.append(
                (weight, f"detailed request ({features.prompt_tokens} tokens)")
            )
            break
    else:
        if (
            features.prompt_tokens < SHORT_PROMPT_TOKENS
            and features.attached_files == 0
        ):
            points.append((SHORT_PROMPT, "short request without code"))
    for threshold, weight in _CONTEXT_TOKENS:
        if features.context_tokens >= threshold:
            points.append((weight, f"large context ({features.context_tokens} tokens)"))
            break
    for threshold, weight in _ATTACHED_FILES:
        if features.attached_files >= threshold:
            points.append((weight, f"{features.attached_files} files attached"))
            break
    return points
