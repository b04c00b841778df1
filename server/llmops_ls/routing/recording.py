"""What routing hands to telemetry: one record per decision, never any content.

The telemetry store (a later part of the project) implements `RecordingSink`; until it
is wired, `NULL_SINK` drops the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RouteRecord:
    """The facts of one routing decision: sizes, tier, model; no prompt text."""

    developer: str
    team: str | None
    kind: str
    score: float
    tier: str | None
    model: str | None
    canary: bool
    degraded_from: str | None
    refused_budget: str | None
    input_tokens: int
    attached_files: int
    estimated_cost: float


class RecordingSink(Protocol):
    """Where routing decisions are recorded (the telemetry store implements this)."""

    def record_route(self, record: RouteRecord) -> None:
        """Keep one decision; must not block or raise."""


class NullSink:
    """A sink that keeps nothing."""

    def record_route(self, record: RouteRecord) -> None:
        """Drop the record."""


NULL_SINK = NullSink()
