"""A circuit breaker per model: after repeated failures a model sits out a cool-down.

States per model: closed (requests go), open (skipped until the cool-down ends), and
half-open (one trial request; success closes, failure opens again). A rate limit with
`Retry-After` opens the model at once until that time, whatever the count.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass
class _State:
    failures: int = 0
    open_until: float = 0.0
    trial_running: bool = False


class CircuitBreaker:
    """Tracks failing models; not thread-safe (one event loop uses it)."""

    def __init__(
        self,
        failure_threshold: int = 3,
        cool_down_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cool_down_seconds = cool_down_seconds
        self.clock = clock
        self._states: dict[str, _State] = {}

    def available(self, model: str) -> bool:
        """Whether a request may go to `model` now (claims the half-open trial)."""
        state = self._states.get(model)
        if state is None or state.open_until == 0.0:
            return True
        if self.clock() < state.open_until or state.trial_running:
            return False
        state.trial_running = True
        return True

    def reopens_in(self, model: str) -> float:
        """Seconds until `model` may be tried again (0 when it may now)."""
        state = self._states.get(model)
        if state is None:
            return 0.0
        return max(0.0, state.open_until - self.clock())

    def succeeded(self, model: str) -> None:
        """A request to `model` succeeded: close its circuit."""
        if model in self._states:
            del self._states[model]

    def failed(self, model: str, retry_after_seconds: float | None = None) -> None:
        """A request to `model` failed in a way that counts against it."""
        state = self._states.setdefault(model, _State())
        state.failures += 1
        state.trial_running = False
        cool_down = None
        if retry_after_seconds is not None:
            cool_down = retry_after_seconds
        elif state.failures >= self.failure_threshold or state.open_until:
            cool_down = self.cool_down_seconds
        if cool_down is not None and cool_down > 0:
            state.open_until = self.clock() + cool_down
            logger.warning(
                "model %s left out for %.1f s after %d failure(s)",
                model,
                cool_down,
                state.failures,
            )

    def released(self, model: str) -> None:
        """A trial request ended without a verdict (cancelled): allow another."""
        state = self._states.get(model)
        if state is not None:
            state.trial_running = False
