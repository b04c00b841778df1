"""What the assistant hands to telemetry: one record per request, never any content.

The telemetry writer implements `RecordingSink`; without one, `NULL_SINK` drops the
records. Two kinds of record, linked by `request_id`: the request's outcome at the
gateway, which carries the router's decision for it, and the developer's verdict on
what was shown.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from typing import Protocol


def new_request_id() -> str:
    """A UUIDv7 string: unique, and sorting by it sorts by creation time.

    Request ids become the telemetry store's event ids, which are UUIDv7.
    """
    # uuid.uuid7 arrives in Python 3.14; the layout is RFC 9562 section 5.7.
    millis = time.time_ns() // 1_000_000
    value = (millis & 0xFFFF_FFFF_FFFF) << 80
    value |= int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuid.UUID(int=value))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """The outcome of one request at the gateway: sizes, cost, timings; content only
    when the policy keeps text.

    `outcome` is `ok`, `cached` (answered from the completion cache, nothing sent),
    `cancelled`, `refused` (a budget), `filtered` (the content filter stopped it) or
    `error`, with the error's class name in `error`. `cost_source` says whether the
    cost came from the gateway's header or from catalogue list prices (an estimate).
    """

    request_id: str
    developer: str
    team: str | None
    kind: str
    tier: str | None
    model: str | None
    outcome: str
    error: str | None = None
    fallbacks_used: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost: float | None = None
    cost_source: str = "none"
    latency_seconds: float | None = None
    first_token_seconds: float | None = None
    redactions: int = 0
    #: The router's decision for this very request: the model it put first, whether
    #: that is a canary, its cost estimate and the tier the developer asked for. They
    #: travel with the record, because requests of one developer overlap.
    model_requested: str | None = None
    canary: bool = False
    estimated_cost: float = 0.0
    requested_tier: str | None = None
    #: The prompt and answer, only when the policy keeps text (`store_text`); the
    #: store redacts every secret from them before they are written.
    prompt_text: str | None = None
    completion_text: str | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """What the developer did with an answer shown to them.

    `verdict` is `accepted`, `partial` (with `accepted_chars` of the text kept) or
    `rejected`; `implicit` is true when no one said so and the answer was counted as
    rejected because a newer request replaced it or it timed out.
    """

    request_id: str
    kind: str
    verdict: str
    accepted_chars: int | None = None
    shown_chars: int | None = None
    implicit: bool = False


class RecordingSink(Protocol):
    """Where request outcomes and verdicts are recorded (the telemetry writer)."""

    def record_request(self, record: RequestRecord) -> None:
        """Keep one request's outcome; must not block or raise."""

    def record_feedback(self, record: FeedbackRecord) -> None:
        """Keep one verdict on a shown answer; must not block or raise."""


class NullSink:
    """A sink that keeps nothing."""

    def record_request(self, record: RequestRecord) -> None:
        """Drop the record."""

    def record_feedback(self, record: FeedbackRecord) -> None:
        """Drop the record."""


NULL_SINK = NullSink()
