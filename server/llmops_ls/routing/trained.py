"""A trained tier classifier: a sparse linear model over the request's words.

Fitted by scripts/train_router.py; see docs/routing.md for how it was measured.
"""

from __future__ import annotations

import math

from llmops_ls.routing.classifier import Classification
from llmops_ls.routing.features import Features, Request, RequestKind, Signal

#: Words of two or more letters or digits, as scikit-learn's default token pattern.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
#: The kinds the model scores, one indicator each (inline completions never reach it).
KINDS = (RequestKind.CHAT, RequestKind.EDIT, RequestKind.AGENT_STEP)
SIGNALS = tuple(Signal)


def request_text(request: Request) -> str:
    """The text the model reads: the prompt, then the conversation."""
    if not request.messages:
        return request.prompt
    return request.prompt + "\n" + "\n".join(m.content for m in request.messages)


def structure(features: Features) -> list[float]:
    """Kind and size, scaled to about [0, 1]."""
    return [
        *(1.0 if features.kind is kind else 0.0 for kind in KINDS),
        math.log1p(features.prompt_tokens) / 8,
        math.log1p(features.context_tokens) / 12,
        min(features.attached_files, 10) / 5,
        min(features.conversation_turns, 20) / 10,
    ]


def signal_values(features: Features, classification: Classification) -> list[float]:
    """The hand classifier's signal families, score and flags."""
    return [
        *(1.0 if signal in features.signals else 0.0 for signal in SIGNALS),
        classification.score,
        1.0 if classification.hard else 0.0,
        1.0 if classification.specified else 0.0,
    ]
