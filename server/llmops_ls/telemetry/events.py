"""What telemetry records: one request event per model call, outcomes that follow it.

Events are plain frozen values; nothing here touches the disk. Prompt and completion
text ride along only when a caller has them, and the store drops them unless the
policy opts in (then it redacts them first).
"""

from __future__ import annotations

import enum
import hashlib
import time
from dataclasses import dataclass, field

from llmops_ls.routing.recording import new_request_id


def new_event_id() -> str:
    """A UUIDv7 string: unique, and sorting by it sorts by creation time."""
    return new_request_id()


class Outcome(enum.StrEnum):
    """What became of a completion once the editor had it."""

    SHOWN = "shown"
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"
    IGNORED = "ignored"
    ERROR = "error"

    @property
    def is_decision(self) -> bool:
        """Whether the outcome ends the story of a completion (all but `shown`)."""
        return self is not Outcome.SHOWN

    @property
    def is_acceptance(self) -> bool:
        """Whether the developer kept some of the completion."""
        return self in (Outcome.ACCEPTED, Outcome.PARTIALLY_ACCEPTED)


class Status(enum.StrEnum):
    """How a request ended at the gateway."""

    OK = "ok"
    ERROR = "error"
    REFUSED = "refused"
    """A budget refused it before it was sent."""
    FILTERED = "filtered"
    """The content filter stopped it before it was sent."""
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class RulesFile:
    """A rules file in force for a request, by relative path and content hash."""

    path: str
    sha256: str

    @classmethod
    def of(cls, path: str, content: bytes) -> RulesFile:
        """The entry for `path` holding `content`."""
        return cls(path, hashlib.sha256(content).hexdigest())


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who and what a request is counted against."""

    developer: str
    team: str | None = None
    project: str | None = None
    repository: str | None = None
    workspace: str | None = None


UNKNOWN_ATTRIBUTION = Attribution(developer="unknown")


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """One request to a model, from routing to the last byte; times in epoch seconds."""

    kind: str
    attribution: Attribution = UNKNOWN_ATTRIBUTION
    event_id: str = field(default_factory=new_event_id)
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    tier: str | None = None
    #: The tier the developer asked for, honoured or not; None when none was.
    requested_tier: str | None = None
    model_requested: str | None = None
    model_served: str | None = None
    provider: str | None = None
    canary: bool = False
    fallback_count: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost: float = 0.0
    estimated_cost: float = 0.0
    latency_ms: float | None = None
    time_to_first_token_ms: float | None = None
    status: Status = Status.OK
    error_class: str | None = None
    cache_hit: bool = False
    redaction_count: int = 0
    rules_files: tuple[RulesFile, ...] = ()
    prompt_text: str | None = None
    completion_text: str | None = None

    @property
    def rules_version(self) -> str | None:
        """A short hash of every rules file in force: equal sets give equal versions."""
        return rules_version(self.rules_files)


@dataclass(frozen=True, slots=True)
class OutcomeEvent:
    """What the developer did with the completion of request `event_id`."""

    event_id: str
    outcome: Outcome
    at: float = field(default_factory=time.time)
    accepted_chars: int | None = None
    decision_ms: float | None = None
    """Time from the completion being shown to this decision."""


def rules_version(files: tuple[RulesFile, ...]) -> str | None:
    """A 12-hex-digit digest of the paths and hashes, or None without rules files."""
    if not files:
        return None
    digest = hashlib.sha256()
    for item in sorted(files, key=lambda f: f.path):
        digest.update(f"{item.path}\0{item.sha256}\n".encode())
    return digest.hexdigest()[:12]
