"""Log records forwarded to the client's log channel, buffered until it is ready.

In `serve`, stdout carries the protocol, so the package's loggers are routed here and
never to a stream handler on stdout. Records emitted before the client has sent
`initialized` (or from other threads, such as the file watcher) are queued and sent
from the event loop.

Records below WARNING emitted on the event loop go out `INFO_DELAY_SECONDS` later, in
one batch: the gateway client logs a line per request just before its answer is
ready, and sending that line first would put a write, and a wake-up of the editor,
ahead of the answer. A warning or error goes out at once, after whatever waits.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable

MAX_BUFFERED_RECORDS = 500
MAX_ARGUMENT_CHARS = 200
INFO_DELAY_SECONDS = 0.005

Sender = Callable[[int, str], None]


class ClientLogHandler(logging.Handler):
    """A handler that hands formatted records to a sender once one is attached."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._pending: deque[tuple[int, str]] = deque(maxlen=MAX_BUFFERED_RECORDS)
        self._sender: Sender | None = None
        self._schedule: Callable[[Callable[[], None]], object] | None = None
        self._loop_thread: int | None = None
        self._sending = threading.local()
        self._deferred: asyncio.TimerHandle | None = None
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def attach(
        self, sender: Sender, schedule: Callable[[Callable[[], None]], object]
    ) -> None:
        """Start forwarding: `schedule` runs a callable on the event loop thread."""
        self._sender = sender
        self._schedule = schedule
        self._loop_thread = threading.get_ident()
        self.flush()

    def detach(self) -> None:
        """Stop forwarding (the connection is closing); records are buffered again."""
        self.flush()
        self._sender = None
        self._schedule = None

    def emit(self, record: logging.LogRecord) -> None:
        """Format and forward a record, or buffer it until the client is ready."""
        if getattr(self._sending, "active", False):
            return  # a record raised while sending one: never recurse into the wire
        try:
            message = self.format(_shortened(record))
        except Exception:
            self.handleError(record)
            return
        self._pending.append((record.levelno, message))
        if self._sender is None:
            return
        if threading.get_ident() == self._loop_thread:
            if record.levelno >= logging.WARNING:
                self.flush()
            elif self._deferred is None:
                self._defer_flush()
        elif self._schedule is not None:
            self._schedule(self.flush)

    def _defer_flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # The loop has ended (an exit without shutdown): nothing to wait for.
            self.flush()
            return
        self._deferred = loop.call_later(INFO_DELAY_SECONDS, self.flush)

    def flush(self) -> None:
        """Send every buffered record (on the event loop thread)."""
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None
        sender = self._sender
        if sender is None:
            return
        self._sending.active = True
        try:
            while self._pending:
                level, message = self._pending.popleft()
                sender(level, message)
        except Exception:
            # The client went away mid-send; what is left stays buffered.
            self._sender = None
        finally:
            self._sending.active = False


def _shortened(record: logging.LogRecord) -> logging.LogRecord:
    """A copy whose long arguments are cut, so documents never reach the log in full."""
    if not record.args or not isinstance(record.args, tuple):
        return record
    if all(len(str(a)) <= MAX_ARGUMENT_CHARS for a in record.args):
        return record
    copy = logging.makeLogRecord(record.__dict__)
    copy.args = tuple(
        a if len(str(a)) <= MAX_ARGUMENT_CHARS else f"{str(a)[:MAX_ARGUMENT_CHARS]}…"
        for a in record.args
    )
    return copy


def install(handler: ClientLogHandler, *, verbose: bool = False) -> None:
    """Route the package's records and the protocol library's warnings to `handler`."""
    level = logging.DEBUG if verbose else logging.INFO
    handler.setLevel(level)
    package = logging.getLogger("llmops_ls")
    package.setLevel(level)
    package.addHandler(handler)
    # Records must not also reach a stream handler that someone put on stdout.
    package.propagate = False
    library = logging.getLogger("pygls")
    library.setLevel(logging.WARNING)
    library.addHandler(handler)
    library.propagate = False
