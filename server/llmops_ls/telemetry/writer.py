"""Recording without blocking the editor: an in-memory queue and a writer thread.

`record()` appends to a deque (O(1), no lock, no I/O) and returns. A daemon thread
takes what has queued every `interval_seconds`, or as soon as `max_batch` items wait,
and writes them in one transaction. Killed at any moment, the process loses at most
what was queued since the last commit; the store itself stays sound (see `store`).

The writer is the project's `RecordingSink` (the gateway's assistant calls it) and its
`SpendSource` (budgets read recorded costs through it).
"""

from __future__ import annotations

import collections
import datetime
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from llmops_ls.routing.budgets import BudgetScope
from llmops_ls.telemetry.events import (
    Attribution,
    Outcome,
    OutcomeEvent,
    RequestEvent,
    RulesFile,
    Status,
)
from llmops_ls.telemetry.store import TelemetryStore

if TYPE_CHECKING:
    from llmops_ls.routing.recording import FeedbackRecord, RequestRecord

logger = logging.getLogger(__name__)

# Failures that say nothing about the items: they are written again later.
_TRANSIENT = (sqlite3.OperationalError, OSError)

Item = RequestEvent | OutcomeEvent

_VERDICTS = {
    "accepted": Outcome.ACCEPTED,
    "partial": Outcome.PARTIALLY_ACCEPTED,
    "rejected": Outcome.REJECTED,
}
_STATUSES = {
    "ok": Status.OK,
    "cached": Status.OK,
    "refused": Status.REFUSED,
    "filtered": Status.FILTERED,
    "cancelled": Status.CANCELLED,
    "error": Status.ERROR,
}


class TelemetryWriter:
    """Queues events and writes them from a background thread in batches."""

    def __init__(
        self,
        path: str | Path,
        *,
        attribution: Attribution | None = None,
        rules_files: tuple[RulesFile, ...] = (),
        store_text: bool = False,
        interval_seconds: float = 0.2,
        max_batch: int = 2000,
    ) -> None:
        self.path = path
        self.attribution = attribution or Attribution(developer="unknown")
        self.rules_files = rules_files
        self.interval_seconds = interval_seconds
        self.max_batch = max_batch
        self.written = 0
        self.failed_batches = 0
        #: Items left out because they could not be written even alone.
        self.dropped = 0
        self._queue: collections.deque[Item] = collections.deque()
        # The batch being written: out of the queue and not yet committed. Moving
        # items between the two and committing them hold `_flight_lock`, which the
        # spend reader holds too, so that no cost is counted twice or missed.
        self._in_flight: list[Item] = []
        self._flight_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._busy = False
        # The writer thread's own connection; readers (spend) use another.
        self._store = TelemetryStore(path, store_text=store_text)
        self._reader: TelemetryStore | None = None
        self._reader_lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name="llmops-telemetry-writer", daemon=True
        )
        self._thread.start()

    # Recording (called on the editor's event loop)

    def record(self, item: Item) -> None:
        """Queue one event or outcome; never blocks, never raises."""
        self._queue.append(item)
        if len(self._queue) >= self.max_batch:
            self._wake.set()

    def record_request(self, record: RequestRecord) -> None:
        """Record a request's outcome at the gateway (`RecordingSink`)."""
        now = time.time()
        latency = record.latency_seconds
        base = self.attribution
        event = RequestEvent(
            kind=record.kind,
            attribution=Attribution(
                developer=record.developer,
                team=record.team or base.team,
                project=base.project,
                repository=base.repository,
                workspace=base.workspace,
            ),
            event_id=record.request_id,
            started_at=now - latency if latency else now,
            ended_at=now,
            tier=record.tier,
            requested_tier=record.requested_tier,
            model_requested=record.model_requested or record.model,
            model_served=record.model,
            provider=None,
            canary=record.canary,
            fallback_count=record.fallbacks_used,
            prompt_text=record.prompt_text,
            completion_text=record.completion_text,
            input_tokens=record.input_tokens,
            output_tokens=record.output_tokens,
            cached_tokens=record.cached_tokens,
            cost=record.cost or 0.0,
            estimated_cost=record.estimated_cost,
            latency_ms=latency * 1000 if latency is not None else None,
            time_to_first_token_ms=record.first_token_seconds * 1000
            if record.first_token_seconds is not None
            else None,
            status=_STATUSES.get(record.outcome, Status.ERROR),
            error_class=record.error,
            cache_hit=record.outcome == "cached",
            redaction_count=record.redactions,
            rules_files=self.rules_files,
        )
        self.record(event)
        if event.status is Status.OK:
            # The answer goes to the editor as this returns: that is when it is shown.
            self.record(OutcomeEvent(record.request_id, Outcome.SHOWN, at=now))

    def record_feedback(self, record: FeedbackRecord) -> None:
        """Record the developer's verdict on a shown answer (`RecordingSink`)."""
        outcome = (
            Outcome.IGNORED
            if record.implicit
            else _VERDICTS.get(record.verdict, Outcome.ERROR)
        )
        self.record(
            OutcomeEvent(
                record.request_id, outcome, accepted_chars=record.accepted_chars
            )
        )

    # Spend (`SpendSource`)

    def spent(
        self,
        scope: BudgetScope,
        subject: str,
        start: datetime.datetime,
        end: datetime.datetime,
    ) -> float:
        """Cost recorded in [start, end): the store plus what waits to be written."""
        with self._reader_lock, self._flight_lock:
            if self._reader is None:
                self._reader = TelemetryStore(self.path)
            stored = self._reader.spent(scope, subject, start, end)
            waiting = [*self._in_flight, *self._queue]
        low, high = start.timestamp(), end.timestamp()
        queued = 0.0
        for item in waiting:
            if not isinstance(item, RequestEvent) or not low <= item.started_at < high:
                continue
            who = item.attribution
            if (
                who.developer if scope is BudgetScope.DEVELOPER_DAILY else who.team
            ) == (subject):
                queued += item.cost
        return stored + queued

    # The writer thread

    @property
    def pending(self) -> int:
        """Items queued and not yet written."""
        return len(self._queue)

    def flush(self, timeout_seconds: float = 5.0) -> bool:
        """Wait until everything queued so far is written; False on timeout."""
        deadline = time.monotonic() + timeout_seconds
        self._wake.set()
        while self._queue and time.monotonic() < deadline:
            time.sleep(0.005)
            self._wake.set()
        # The last batch may be in its transaction: wait for the thread to be idle.
        while self._busy and time.monotonic() < deadline:
            time.sleep(0.002)
        return not self._queue and not self._busy

    def close(self, timeout_seconds: float = 5.0) -> None:
        """Write what is queued (waiting at most `timeout_seconds`) and stop."""
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout_seconds)
        if self._thread.is_alive():
            logger.warning(
                "telemetry writer still busy after %.1f s; %d events not written",
                timeout_seconds,
                len(self._queue),
            )
            return
        self._store.close()
        if self._reader is not None:
            self._reader.close()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval_seconds)
            self._wake.clear()
            stopping = self._stopping
            while self._queue:
                if not self._write_some():
                    break  # try again after the interval, or give up when stopping
            if stopping:
                if self._queue:
                    logger.error(
                        "telemetry writer stopped with %d events not written",
                        len(self._queue),
                    )
                return

    def _write_some(self) -> bool:
        """Write one batch; on failure put it back at the head of the queue."""
        queue = self._queue
        self._busy = True
        try:
            with self._flight_lock:
                while queue and len(self._in_flight) < self.max_batch:
                    self._in_flight.append(queue.popleft())
            batch = self._in_flight
            try:
                self._commit(batch)
            except _TRANSIENT:
                # A full disk or a lock held too long must not stop the editor, nor
                # lose the batch: it is written again after the interval.
                self.failed_batches += 1
                logger.exception("writing %d telemetry events failed", len(batch))
                self._put_back(batch)
                return False
            except Exception:
                # Something in the batch cannot be written at all: write the items
                # one by one, so that only what fails alone is left out.
                self.failed_batches += 1
                logger.exception("writing %d telemetry events failed", len(batch))
                return self._write_one_by_one(batch)
            self.written += len(batch)
            return True
        finally:
            self._busy = False

    def _commit(self, batch: list[Item]) -> None:
        with self._flight_lock:
            self._store.write_batch(batch)
            self._in_flight = []

    def _put_back(self, items: list[Item]) -> None:
        with self._flight_lock:
            self._queue.extendleft(reversed(items))
            self._in_flight = []

    def _write_one_by_one(self, batch: list[Item]) -> bool:
        for index, item in enumerate(batch):
            with self._flight_lock:
                self._in_flight = batch[index:]
            try:
                with self._flight_lock:
                    self._store.write_batch([item])
            except _TRANSIENT:
                self._put_back(batch[index:])
                return False
            except Exception:
                self.dropped += 1
                logger.exception("a telemetry item that cannot be written was left out")
                continue
            self.written += 1
        with self._flight_lock:
            self._in_flight = []
        return True
