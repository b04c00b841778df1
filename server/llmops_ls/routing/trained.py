"""A trained tier classifier: a sparse linear model over the request's words.

Fitted by scripts/train_router.py; see docs/routing.md for how it was measured.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from llmops_ls.routing.classifier import Classification
from llmops_ls.routing.features import Features, Request, RequestKind, Signal

#: Words of two or more letters or digits, as scikit-learn's default token pattern.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
#: The kinds the model scores, one indicator each (inline completions never reach it).
KINDS = (RequestKind.CHAT, RequestKind.EDIT, RequestKind.AGENT_STEP)
SIGNALS = tuple(Signal)
#: How a reason names each dense input, in the order of `structure`, then of
#: `signal_values`.
STRUCTURE_NAMES = (
    "chat request",
    "edit request",
    "agent step",
    "prompt size",
    "context size",
    "attached files",
    "conversation turns",
)
SIGNAL_NAMES = (
    *(f"signal {signal.value}" for signal in SIGNALS),
    "signals score",
    "sign of depth",
    "specified construction",
)


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


@dataclass(frozen=True, slots=True)
class Verdict:
    """The trained model's tier (an index into its tiers), its probabilities and why."""

    tier: int
    probabilities: tuple[float, ...]
    reasons: tuple[str, ...]

    @property
    def score(self) -> float:
        """Expected tier position in [0, 1]: 0 sure of the cheapest, 1 of the top."""
        last = len(self.probabilities) - 1
        return round(sum(i * p for i, p in enumerate(self.probabilities)) / last, 4)


class TierModel:
    """A multinomial logistic regression over binary TF-IDF word n-grams and a few
    dense features, with a decision rule; pure Python, loaded from JSON."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown tier model format {data.get('format')!r}")
        self.tiers: tuple[str, ...] = tuple(data["tiers"])
        self.rule: str = data["rule"]
        self.threshold: float = float(data["threshold"])
        self.combine: str = data["combine"]
        self.uses_signals: bool = bool(data["signals"])
        self.intercept: tuple[float, ...] = tuple(data["intercept"])
        self.dense: tuple[tuple[str, tuple[float, ...]], ...] = tuple(
            (str(name), tuple(weights)) for name, *weights in data["dense"]
        )
        if self.combine != "none":
            raise ValueError(
                f"the router applies the model alone, not {self.combine!r}"
            )
        n = len(self.tiers)
        # Each term: idf squared (for the norm), idf times each tier's weight, then for
        # each tier how much more the term pulls toward it than toward the others on
        # average (for the reasons), then the term itself.
        self.terms: dict[str, tuple[Any, ...]] = {}
        for term, (idf, *weights) in data["terms"].items():
            pulls = [idf * w for w in weights]
            total = sum(pulls)
            toward = [p - (total - p) / (n - 1) for p in pulls]
            self.terms[term] = (idf * idf, *pulls, *toward, term)
        self.data = data

    def dense_values(
        self, features: Features, classification: Classification | None
    ) -> list[float]:
        """The dense inputs in the order of the model's dense weights."""
        values = structure(features)
        if self.uses_signals:
            if classification is None:
                raise ValueError("this model reads the signals' classification")
            values += signal_values(features, classification)
        return values

    def probabilities(self, text: str, dense: list[float]) -> list[float]:
        """P(tier), in the model's tier order."""
        return self._score(text, dense)[0]

    def _score(
        self, text: str, dense: list[float]
    ) -> tuple[list[float], list[tuple[Any, ...]], float]:
        """Probabilities, the terms found, and the norm that scales them."""
        if len(dense) != len(self.dense):
            raise ValueError(f"{len(dense)} dense inputs for {len(self.dense)} weights")
        tokens = _TOKEN.findall(text.lower())
        # Deduplicated in the order of the text, not of a set (which follows the hash
        # seed): the logits then add up alike in every process, and a reason names the
        # same of equal pulls.
        grams = dict.fromkeys(
            itertools.chain(tokens, map(" ".join, itertools.pairwise(tokens)))
        )
        hits = [e for e in map(self.terms.get, grams) if e is not None]
        logits = list(self.intercept)
        n = len(logits)
        norm = 1.0
        if hits:
            norm = math.sqrt(sum([e[0] for e in hits]))
            for i in range(n):
                logits[i] += sum([e[1 + i] for e in hits]) / norm
        for value, (_, weights) in zip(dense, self.dense, strict=True):
            if value:
                for i in range(n):
                    logits[i] += value * weights[i]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return [e / total for e in exps], hits, norm

    def decide(
        self,
        request: Request,
        features: Features,
        classification: Classification | None = None,
        tier_names: Sequence[str] | None = None,
    ) -> Verdict:
        """The tier for a request that is not an inline completion.

        `tier_names` name the tiers in the reasons, cheapest first: the policy's,
        which may differ from the names the model was fitted with.
        """
        names = tuple(tier_names) if tier_names is not None else self.tiers
        if len(names) != len(self.tiers):
            raise ValueError(f"{len(names)} tier names for {len(self.tiers)} tiers")
        dense = self.dense_values(features, classification)
        probs, hits, norm = self._score(request_text(request), dense)
        top = len(self.tiers) - 1
        if self.rule == "asym" and probs[top] >= self.threshold:
            tier = top
            why = (
                f"trained model: P({names[top]}) {probs[top]:.2f} >= "
                f"{self.threshold:.2f}"
            )
        else:
            candidates = range(top) if self.rule == "asym" else range(top + 1)
            tier = max(candidates, key=lambda i: (probs[i], -i))
            shown = ", ".join(
                f"P({name}) {p:.2f}" for name, p in zip(names, probs, strict=True)
            )
            why = f"trained model: {shown}"
        reasons = (why, self._pull_reason(tier, hits, norm, dense, names))
        return Verdict(tier, tuple(probs), reasons)

    def _pull_reason(
        self,
        tier: int,
        hits: list[tuple[Any, ...]],
        norm: float,
        dense: list[float],
        names: Sequence[str],
    ) -> str:
        """The inputs that pulled most toward the chosen tier, against the others."""
        n = len(self.tiers)
        column = 1 + n + tier
        pulls = [
            (e[column] / norm, f"'{e[-1]}'")
            for e in heapq.nlargest(_SHOWN_PULLS, hits, key=itemgetter(column))
        ]
        for value, (name, weights) in zip(dense, self.dense, strict=True):
            if value:
                pull = value * weights[tier]
                pulls.append((pull - (value * sum(weights) - pull) / (n - 1), name))
        pulls.sort(reverse=True)
        shown = [f"{label} {v:+.2f}" for v, label in pulls[:_SHOWN_PULLS] if v > 0]
        if not shown:
            return f"toward {names[tier]}: no single input stands out"
        return f"toward {names[tier]}: " + ", ".join(shown)


FORMAT = 1
MODEL_PATH = Path(__file__).with_name("tier_model.json")
_TOKEN = re.compile(TOKEN_PATTERN)
_SHOWN_PULLS = 4


@functools.cache
def load(path: Path = MODEL_PATH) -> TierModel:
    """The shipped model (read once per process)."""
    return TierModel(json.loads(path.read_text(encoding="utf-8")))
