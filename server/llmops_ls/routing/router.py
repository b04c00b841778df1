"""The router: a request and a policy in, a tier and a pinned model (or a refusal) out.

Deterministic for the same request, policy, caller, time and spend. Steps: score the
request, pick the tier its score reaches (never the cheapest when the request shows a
sign of deep reasoning, never the most capable of three or more when it is routine,
fully specified construction of one feature with no such sign), take the tier the
developer asked for where the policy's `routing.requested_tier` honours it, go one
tier cheaper when a budget is past the policy's `degrade_at` share, refuse when a
budget is spent, then pick the tier's first model that is live and fits the request (a
canary first for developers assigned to it), moving up a tier when none fits.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from llmops_ls.catalog import Model, ModelCatalogue
from llmops_ls.config.policy import Policy
from llmops_ls.errors import UnknownTierError
from llmops_ls.routing.budgets import BudgetScope, SpendSource, window
from llmops_ls.routing.classifier import Classification, classify
from llmops_ls.routing.features import (
    Features,
    Request,
    RequestKind,
    TokenCounter,
    estimate_tokens,
    extract,
)
from llmops_ls.routing.trained import TierModel
from llmops_ls.routing.trained import load as load_tier_model

logger = logging.getLogger(__name__)

#: Output tokens expected per kind, for context-window fit and cost estimates.
EXPECTED_OUTPUT_TOKENS = {
    RequestKind.INLINE_COMPLETION: 40,
    RequestKind.EDIT: 400,
    RequestKind.CHAT: 600,
    RequestKind.AGENT_STEP: 800,
}
_CANARY_BUCKETS = 10_000


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking, for budgets and canary assignment."""

    developer: str
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """Where a request goes, and why."""

    tier: str
    model: str
    fallbacks: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]
    canary: bool
    degraded_from: str | None
    input_tokens: int
    output_tokens: int
    estimated_cost: float
    #: The tier the developer asked for, honoured or not (the reasons say which).
    requested_tier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data."""
        return {
            "decision": "route",
            "tier": self.tier,
            "model": self.model,
            "fallbacks": list(self.fallbacks),
            "score": self.score,
            "reasons": list(self.reasons),
            "canary": self.canary,
            "degraded_from": self.degraded_from,
            "requested_tier": self.requested_tier,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "estimated_cost": round(self.estimated_cost, 6),
        }


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request not sent because a budget is spent."""

    budget: BudgetScope
    subject: str
    limit: float
    spent: float
    currency: str
    resets_at: datetime.datetime
    score: float

    @property
    def message(self) -> str:
        """What the developer is told."""
        return (
            f"The {self.budget.label} of {self.subject} is spent "
            f"({self.currency} {self.spent:.2f} of {self.limit:.2f}); requests resume "
            f"when it resets at {self.resets_at.isoformat()}."
        )

    def to_dict(self) -> dict[str, Any]:
        """The refusal as JSON-ready data."""
        return {
            "decision": "refuse",
            "budget": self.budget.value,
            "subject": self.subject,
            "limit": self.limit,
            "spent": round(self.spent, 6),
            "currency": self.currency,
            "resets_at": self.resets_at.isoformat(),
            "message": self.message,
            "score": self.score,
        }


class Router:
    """Routes requests under one policy; cheap to call, holds no per-request state."""

    def __init__(
        self,
        policy: Policy,
        spend: SpendSource | None = None,
        count: TokenCounter = estimate_tokens,
    ) -> None:
        self.policy = policy
        self.catalogue: ModelCatalogue = policy.catalogue()
        self.order = policy.tier_order()
        self.spend = spend
        self.count = count
        #: Why the policy's choice of the trained classifier could not be followed.
        self.trained_note: str | None = None

    def route(
        self, request: Request, caller: Caller, now: datetime.datetime
    ) -> Decision | Refusal:
        """Decide where `request` goes at `now` (an aware datetime).

        UnknownTierError when the request asks for a tier the policy does not define.
        """
        requested = request.requested_tier
        if requested is not None and requested not in self.policy.tiers:
            raise UnknownTierError(requested, tuple(self.order))
        features, tier, score, reasons = self._classify(request)
        if requested is not None:
            tier = self._requested(requested, tier, reasons)

        refusal, degrade_reason = self._check_budgets(caller, now, score)
        if refusal is not None:
            return refusal
        degraded_from = None
        if degrade_reason is not None:
            cheaper = self._cheaper(tier)
            if cheaper is not None:
                degraded_from, tier = tier, cheaper
                reasons.append(f"{degrade_reason}: degraded {degraded_from} -> {tier}")
            else:
                reasons.append(f"{degrade_reason}: already on the cheapest tier")

        output_tokens = EXPECTED_OUTPUT_TOKENS[features.kind]
        tier, models, canary = self._models(
            tier, caller, features.input_tokens + output_tokens, now.date(), reasons
        )
        model = models[0]
        decision = Decision(
            tier=tier,
            model=model.id,
            fallbacks=tuple(m.id for m in models[1:]),
            score=score,
            reasons=tuple(reasons),
            canary=canary,
            degraded_from=degraded_from,
            input_tokens=features.input_tokens,
            output_tokens=output_tokens,
            estimated_cost=model.input_cost(features.input_tokens)
            + model.output_cost(output_tokens),
            requested_tier=requested,
        )
        return decision

    def trained(self) -> TierModel | None:
        """The trained classifier when the policy chooses it and has as many tiers.

        Loaded on first use (a few milliseconds, once per process), so that a server
        that only completes inline never reads it.
        """
        if self.policy.routing.classifier == "signals":
            return None
        model = load_tier_model()
        if len(model.tiers) == len(self.order):
            return model
        self.trained_note = (
            f"trained classifier not used: it knows {len(model.tiers)} tiers, "
            f"the policy has {len(self.order)}; signals used"
        )
        return None

    def _classify(self, request: Request) -> tuple[Features, str, float, list[str]]:
        """Features, tier, score and reasons, by the policy's classifier."""
        inline = request.kind is RequestKind.INLINE_COMPLETION
        trained = None if inline else self.trained()
        if trained is None:
            features = extract(request, self.count)
            classification = classify(features, request.prompt)
            reasons = list(classification.reasons)
            # Only where the model was asked for: an inline completion never is.
            if self.trained_note is not None and not inline:
                reasons.append(self.trained_note)
            if inline:
                tier = self.inline_tier()
                reasons.append(f"inline completion -> tier {tier}")
            else:
                tier = self.signals_tier(classification, reasons)
            return features, tier, classification.score, reasons
        if self.policy.routing.classifier == "trained":
            # The signal families are most of the cost of routing: searched only for
            # a model that reads them.
            features = extract(request, self.count, signals=trained.uses_signals)
            verdict = trained.decide(
                request,
                features,
                classify(features, request.prompt) if trained.uses_signals else None,
                self.order,
            )
            # The model's tiers are the policy's, cheapest first (checked on load).
            tier = self.order[verdict.tier]
            reasons = [*verdict.reasons, f"trained classifier -> tier {tier}"]
            return features, tier, verdict.score, reasons
        # Combined: the more capable of the two tiers. The model catches hard tasks
        # worded unlike any signal; the signals catch short requests without context,
        # which the model sends to the cheapest tier (it never saw a hard one).
        features = extract(request, self.count)
        classification = classify(features, request.prompt)
        reasons = list(classification.reasons)
        tier = self.signals_tier(classification, reasons)
        if tier == self.order[-1]:
            # Nothing to raise: the model is not consulted.
            return features, tier, classification.score, reasons
        verdict = trained.decide(request, features, classification, self.order)
        reasons.extend(verdict.reasons)
        model_tier = self.order[verdict.tier]
        if verdict.tier > self.order.index(tier):
            reasons.append(
                f"trained classifier -> tier {model_tier}, raised from {tier}"
            )
            tier = model_tier
        else:
            reasons.append(f"trained classifier -> tier {model_tier}, kept tier {tier}")
        return features, tier, max(classification.score, verdict.score), reasons

    def inline_tier(self) -> str:
        """The tier of inline completions: the policy's, else the cheapest."""
        return self.policy.routing.inline_tier or self.order[0]

    def signals_tier(self, classification: Classification, reasons: list[str]) -> str:
        """The tier the hand-written signals choose, its steps added to `reasons`."""
        tier = self.tier_for(classification.score)
        reasons.append(f"score {classification.score:.2f} -> tier {tier}")
        if classification.hard and tier == self.order[0] and len(self.order) > 1:
            # A rename across every module scores low yet can break a build: a sign
            # of deep reasoning is never left to the cheapest model.
            tier = self.order[1]
            reasons.append(f"reasoning-depth signal: at least tier {tier}")
        elif (
            classification.specified and tier == self.order[-1] and len(self.order) > 2
        ):
            # Size and attachments alone may reach the top tier: hard tasks worded
            # unlike any signal show up as large requests. A request that only lists
            # what to build, in one feature, is long because it is specified.
            tier = self.order[-2]
            reasons.append(f"specified construction: at most tier {tier}")
        return tier

    def tier_for(self, score: float) -> str:
        """The most capable tier whose `min_score` the score reaches."""
        chosen = self.order[0]
        for name in self.order:
            if score >= self.policy.min_score(name):
                chosen = name
        return chosen

    def _requested(self, requested: str, chosen: str, reasons: list[str]) -> str:
        """The tier after the developer's request, as the policy allows it."""
        mode = self.policy.routing.requested_tier
        if requested == chosen:
            reasons.append(f"tier {requested} requested (the router chose it too)")
            return chosen
        raises = self.order.index(requested) > self.order.index(chosen)
        if mode == "honour" or (mode == "raise_only" and raises):
            reasons.append(f"tier {requested} requested (the router chose {chosen})")
            return requested
        if mode == "raise_only":
            why = f"the policy honours only tiers more capable than {chosen}"
        else:
            why = "the policy ignores requested tiers"
        reasons.append(
            f"tier {requested} requested, not honoured: {why} "
            f'(routing.requested_tier = "{mode}"); kept tier {chosen}'
        )
        return chosen

    def _cheaper(self, tier: str) -> str | None:
        index = self.order.index(tier)
        return self.order[index - 1] if index > 0 else None

    def _check_budgets(
        self, caller: Caller, now: datetime.datetime, score: float
    ) -> tuple[Refusal | None, str | None]:
        budgets = self.policy.budgets
        if self.spend is None:
            return None, None
        limits = [
            (BudgetScope.DEVELOPER_DAILY, caller.developer, budgets.developer_daily),
            (BudgetScope.TEAM_MONTHLY, caller.team, budgets.team_monthly),
        ]
        degrade_reason = None
        for scope, subject, limit in limits:
            if limit is None or subject is None:
                continue
            start, end = window(scope, now, budgets.zone)
            spent = self.spend.spent(scope, subject, start, end)
            if spent >= limit:
                return (
                    Refusal(
                        budget=scope,
                        subject=subject,
                        limit=limit,
                        spent=spent,
                        currency=budgets.currency,
                        resets_at=end,
                        score=score,
                    ),
                    None,
                )
            if degrade_reason is None and spent >= budgets.degrade_at * limit:
                degrade_reason = (
                    f"{scope.label} {spent / limit:.0%} used ({budgets.currency} "
                    f"{spent:.2f} of {limit:.2f})"
                )
        return None, degrade_reason

    def _models(
        self,
        tier: str,
        caller: Caller,
        needed_tokens: int,
        today: datetime.date,
        reasons: list[str],
    ) -> tuple[str, list[Model], bool]:
        start = self.order.index(tier)
        for name in self.order[start:] + list(reversed(self.order[:start])):
            config = self.policy.tiers[name]
            ids = list(config.models)
            canary = config.canary is not None and _in_canary(
                caller.developer, name, config.canary.model, config.canary.percent
            )
            if canary and config.canary is not None:
                ids.insert(0, config.canary.model)
            models = [m for m in (self._live(i, today) for i in ids) if m is not None]
            fitting = [m for m in models if m.context_window >= needed_tokens]
            if not fitting:
                reasons.append(
                    f"no live model of tier {name} holds {needed_tokens} tokens"
                )
                continue
            if name != tier:
                reasons.append(f"moved to tier {name} for its context window")
            if canary and fitting[0].id == getattr(config.canary, "model", None):
                reasons.append(f"canary {fitting[0].id} for this developer")
            else:
                canary = False
            return name, fitting, canary
        # Nothing fits anywhere: send to the largest window and let the gateway say no.
        largest = max(
            (
                m
                for m in (self.catalogue.get(i) for i in self.policy.tiers[tier].models)
                if m is not None
            ),
            key=lambda m: m.context_window,
        )
        reasons.append("no model holds the request; the gateway may reject it")
        return tier, [largest], False

    def _live(self, model_id: str, today: datetime.date) -> Model | None:
        model = self.catalogue.get(model_id)
        if model is None or model.is_deprecated(today):
            return None
        return model


def _in_canary(developer: str, tier: str, model: str, percent: float) -> bool:
    # A hash, not a random draw: a developer stays on the same side of the canary
    # across requests, restarts and machines, so their experience is consistent.
    digest = hashlib.sha256(f"{developer}\0{tier}\0{model}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % _CANARY_BUCKETS
    return bucket < percent * _CANARY_BUCKETS / 100
