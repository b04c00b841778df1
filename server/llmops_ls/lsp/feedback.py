"""What the developer did with a shown answer: accepted, partly accepted, rejected.

A shown inline completion that is not accepted before the next inline request for the
same document, or within `timeout_seconds`, counts as rejected (`implicit`; the store
records it as `ignored`). Chat answers wait only for the timeout. Verdicts go to the
assistant's `RecordingSink`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llmops_ls.routing.recording import FeedbackRecord, RecordingSink

logger = logging.getLogger(__name__)

VERDICTS = ("accepted", "partial", "rejected")


@dataclass
class _Shown:
    uri: str | None
    kind: str
    shown_chars: int
    timer: asyncio.TimerHandle | None


class FeedbackTracker:
    """Answers shown and not yet judged, and the verdicts recorded for them."""

    def __init__(
        self, sink: Callable[[], RecordingSink], timeout_seconds: float = 30.0
    ) -> None:
        self._sink = sink
        self.timeout_seconds = timeout_seconds
        self._pending: dict[str, _Shown] = {}

    def shown(self, request_id: str, uri: str | None, kind: str, chars: int) -> None:
        """An answer was sent to the editor; its verdict is now awaited."""
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.timeout_seconds, self._expire, request_id)
        self._pending[request_id] = _Shown(uri, kind, chars, timer)

    def superseded(self, uri: str) -> None:
        """A new inline request for `uri`: earlier ones there were passed over."""
        for request_id, shown in list(self._pending.items()):
            if shown.uri == uri and shown.kind == "inline_completion":
                self._close(request_id, "rejected", None, implicit=True)

    def verdict(
        self, request_id: str, verdict: str, accepted_chars: int | None = None
    ) -> bool:
        """The developer's verdict; False for an unknown or already judged request."""
        if verdict not in VERDICTS:
            logger.warning("ignoring feedback with unknown verdict %r", verdict)
            return False
        if request_id not in self._pending:
            logger.debug("feedback for %s, which is not awaiting one", request_id)
            return False
        self._close(request_id, verdict, accepted_chars, implicit=False)
        return True

    def pending(self) -> int:
        """How many shown answers await a verdict."""
        return len(self._pending)

    def _expire(self, request_id: str) -> None:
        if request_id in self._pending:
            self._close(request_id, "rejected", None, implicit=True)

    def _close(
        self,
        request_id: str,
        verdict: str,
        accepted_chars: int | None,
        *,
        implicit: bool,
    ) -> None:
        shown = self._pending.pop(request_id)
        if shown.timer is not None:
            shown.timer.cancel()
        if verdict == "accepted":
            accepted_chars = shown.shown_chars
        elif verdict == "rejected":
            accepted_chars = 0
        record = FeedbackRecord(
            request_id=request_id,
            kind=shown.kind,
            verdict=verdict,
            accepted_chars=accepted_chars,
            shown_chars=shown.shown_chars,
            implicit=implicit,
        )
        try:
            self._sink().record_feedback(record)
        except Exception:
            logger.exception("recording feedback failed")


def field(params: Any, *names: str) -> Any:
    """A field of custom-method params, whether pygls passed a dict or an object."""
    for name in names:
        if isinstance(params, dict):
            if name in params:
                return params[name]
        elif hasattr(params, name):
            return getattr(params, name)
    return None
