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
    RequestKind.AGENT_STEP: 0.2,
}
#: Signs that a change reaches beyond the text it edits: several parts of the code,
#: stored data, or clients that cannot change in step. They count even in a mechanical
#: change (a rename across every module, or of a column of a table being written to).
REACH_SIGNALS = (
    Signal.MULTI_FILE_REFACTOR,
    Signal.CROSS_COMPONENT,
    Signal.LIVE_DATA_CHANGE,
    Signal.COMPATIBILITY,
)
#: Signs of reasoning depth in what the request is about: a decision, a symptom of a
#: running system, or a domain where a shallow answer does harm.
DOMAIN_SIGNALS = (
    Signal.ARCHITECTURE,
    Signal.TRADE_OFF,
    Signal.CONCURRENCY,
    Signal.COORDINATION,
    Signal.SECURITY_REVIEW,
    Signal.ACCESS_CONTROL,
    Signal.CROSS_MODULE_DEBUG,
    Signal.RUNTIME_SYMPTOM,
    Signal.PERFORMANCE,
    Signal.TIME_HANDLING,
)
HARD_SIGNALS = REACH_SIGNALS + DOMAIN_SIGNALS
FIRST_HARD_SIGNAL = 0.35
EACH_FURTHER_HARD_SIGNAL = 0.1
BUILDS_CODE = 0.2
MECHANICAL = -0.25
DEFINITION = -0.4
SHORT_PROMPT = -0.1

# Verbs of work that changes or produces behaviour (as opposed to reading or tidying).
_BUILD_VERBS = re.compile(
    r"\b(?:add|implement|write|refactor|fix|bug|convert|translate|rewrite|split|build"
    r"|optimi[sz]e|review|tests?)\b"
    # "port" and "debug" are also nouns (a TCP port, the debug log level).
    r"|\b(?:port|debug) (?:this|it|the|that|these|why)\b"
    # A question why given code behaves as it does asks for it to be debugged.
    r"|\bwhy (?:is|does|do|did|are|would) (?:this|these|it|my|the|our)\b",
    re.IGNORECASE,
)
# (threshold, points): the first threshold reached gives its points. Prompt sizes are
# in o200k tokens, the counter the server and the CLI use (the chars/4 estimate counts
# about 1.2 times as many): set by benchmarks/routing_calibrate.py from the tune split.
PROMPT_TOKEN_STEPS = ((34, 0.2), (17, 0.1))
SHORT_PROMPT_TOKENS = 11
_CONTEXT_TOKENS = ((32_000, 0.3), (8_000, 0.2), (2_000, 0.1))
_ATTACHED_FILES = ((5, 0.3), (3, 0.2), (2, 0.1))
_LONG_CONVERSATION_TURNS = 8
#: More files than this attached to a construction request: wider than one feature.
CONFINED_FILES = 3


@dataclass(frozen=True, slots=True)
class Classification:
    """A complexity score in [0, 1], the reasons that add up to it, whether the
    request shows a sign of deep reasoning (which keeps it off the cheapest tier), and
    whether it is routine construction of one feature, specified in full and with no
    such sign (which keeps it off the most capable one)."""

    score: float
    reasons: tuple[str, ...]
    hard: bool = False
    specified: bool = False


def classify(features: Features, prompt: str = "") -> Classification:
    """Score a request; `prompt` is its text, used for the kind of work asked for."""
    if features.kind is RequestKind.INLINE_COMPLETION:
        return Classification(
            0.0,
            ("inline completion: latency matters more than depth",),
        )
    points: list[tuple[float, str]] = [
        (KIND_BASE[features.kind], f"{features.kind.value} request")
    ]
    signal_points, hard = _signal_points(features)
    points.extend(signal_points)
    # A sign of depth already says the work is more than routine; that it also asks
    # for code does not make it harder still.
    if (
        _BUILD_VERBS.search(prompt)
        and Signal.MECHANICAL not in features.signals
        and not hard
    ):
        points.append((BUILDS_CODE, "asks to write, change, review or debug code"))
    points.extend(_size_points(features))
    if features.conversation_turns >= _LONG_CONVERSATION_TURNS:
        points.append((0.1, f"long conversation ({features.conversation_turns} turns)"))
    score = min(1.0, max(0.0, sum(p for p, _ in points)))
    # A signal that does not count still shows, so a reader sees it was seen.
    reasons = tuple(f"{why} ({p:+.2f})" if p else why for p, why in points)
    specified = (
        Signal.SPECIFIED_CONSTRUCTION in features.signals
        and not hard
        and features.attached_files <= CONFINED_FILES
    )
    return Classification(round(score, 4), reasons, hard, specified)


def _signal_points(features: Features) -> tuple[list[tuple[float, str]], bool]:
    """Points for the signals found, and whether any sign of depth counts."""
    points: list[tuple[float, str]] = []
    guard = _guard(features)
    counted: list[Signal] = []
    for signal in HARD_SIGNALS:
        if signal not in features.signals:
            continue
        if guard is None or (signal in REACH_SIGNALS and not _is_definition(features)):
            counted.append(signal)
        else:
            # "What is SQL injection?" or "add a comment above the lock" is not work
            # on that domain.
            points.append((0.0, f"{_label(signal)}: not counted, {guard}"))
    for index, signal in enumerate(counted):
        weight = FIRST_HARD_SIGNAL if index == 0 else EACH_FURTHER_HARD_SIGNAL
        points.append((weight, _label(signal)))
    if Signal.MECHANICAL in features.signals:
        points.append((MECHANICAL, "mechanical change (rename, docs, formatting)"))
    if _is_definition(features):
        points.append((DEFINITION, "general-knowledge question, no code attached"))
    return points, bool(counted)


def _guard(features: Features) -> str | None:
    if _is_definition(features):
        return "a general-knowledge question"
    if Signal.MECHANICAL in features.signals:
        return "a mechanical change"
    return None


#: How a reason names a signal whose value does not read well on its own.
_LABELS = {
    Signal.CROSS_COMPONENT: "spans several components",
    Signal.TRADE_OFF: "decision with trade-offs, risks or ordering",
    Signal.COORDINATION: "distributed coordination (ordering, idempotency, leases)",
    Signal.ACCESS_CONTROL: "access control (auth, sessions, roles, tenants)",
    Signal.RUNTIME_SYMPTOM: "symptom of a running system",
    Signal.TIME_HANDLING: "time handling (zones, clocks)",
    Signal.COMPATIBILITY: "compatibility with old clients or versions",
    Signal.LIVE_DATA_CHANGE: "change to live data",
}


def _label(signal: Signal) -> str:
    return _LABELS.get(signal, signal.value.replace("_", " "))


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
