"""Giving freed heap memory back to the system in a long-running server.

Every edit of a large file allocates and frees megabytes (its text, lines, maps and
findings). The Python objects are freed, but glibc keeps the freed pages of its heap
for reuse, and fragmentation makes the kept part creep up over a day of typing, so
the resident size grew by about 1 MiB per 1,000 edits while the live heap stayed flat.
`malloc_trim` returns those free pages; it is called after the start-up scan and once
every `TRIM_EVERY` lints, where it costs a few milliseconds. Elsewhere than glibc it
does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from llmops_ls.linter import tokens

logger = logging.getLogger(__name__)

TRIM_EVERY = 500
ENCODING_IDLE_SECONDS = 600.0


def _load_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc
    return function


class HeapTrimmer:
    """Counts lints and trims the C heap every `TRIM_EVERY` of them."""

    def __init__(self, every: int = TRIM_EVERY) -> None:
        self.every = every
        self._since = 0
        self._trim = _load_trim()

    def linted(self) -> None:
        """Note one lint; trim when enough have passed since the last trim."""
        self._since += 1
        if self._since >= self.every:
            self.trim()

    def trim(self) -> None:
        """Return free heap pages to the system now."""
        self._since = 0
        if self._trim is None:
            return
        started = time.perf_counter()
        self._trim(0)
        logger.debug("heap trimmed in %.1f ms", (time.perf_counter() - started) * 1000)


@contextmanager
def collections_deferred() -> Iterator[None]:
    """Hold automatic garbage collection back until the work inside is done.

    A collection that starts in the middle of a lint walks every temporary object the
    lint holds at that moment (lines, spans, claims), which cost up to 5 ms on a
    2,000-line file. Once the lint is over those temporaries are gone, and the
    collection that the allocation count has made due runs over what survived.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def settle() -> None:
    """Keep the objects alive now out of later garbage collections.

    After start-up the server holds some ninety thousand objects that live as long as
    it does (modules, the policy, compiled patterns, the routing model). A full
    collection walks all of them: 20 to 70 ms, depending on the machine, in the middle
    of whatever request it falls on. Frozen (`gc.freeze`), they are skipped, and a
    full collection walks only what came later. Called when start-up work is done
    (after the scan, and once the assistant is ready). Nothing is collected first:
    a collection at that moment found fewer than a hundred unreachable objects, and
    would itself be such a pause.
    """
    gc.freeze()
    logger.debug("%d objects kept out of collections", gc.get_freeze_count())


class EncodingReleaser:
    """Stops token count workers left unused for a while, giving their memory back.

    The server counts tokens in worker processes (see `tokens.keep_workers`), each
    holding a vocabulary of about 65 MiB while it runs. One is started when an open
    document needs exact counts (a large file being typed into) and runs while that
    goes on; ten minutes after its last count it is stopped, and started again on the
    next need. The vocabulary the assistant loads into the server itself, to count on
    every keystroke, stays.
    """

    def __init__(self, idle_seconds: float = ENCODING_IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._timer: asyncio.TimerHandle | None = None
        self._stop_following: Callable[[], None] | None = None
        self._closed = False

    def follow_loads(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch from every load on, whoever loads: a lint, a completion, a preload."""
        if self._stop_following is None:

            def loaded(encoding: str) -> None:
                if loop.is_closed():
                    # The server ended without a shutdown: nothing left to watch.
                    self.close()
                    return
                loop.call_soon_threadsafe(self.watch)

            self._stop_following = tokens.on_load(loaded)
            # A worker may have started before: a file opened while the server was
            # still being initialized.
            loop.call_soon(self.watch)

    def close(self) -> None:
        """Stop following loads and checking for idle encodings, for good."""
        self._closed = True
        if self._stop_following is not None:
            self._stop_following()
            self._stop_following = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def watch(self) -> None:
        """Check for idle workers from time to time while any is running."""
        if self._closed or self._timer is not None or not tokens.kept_workers():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_later(self.idle_seconds / 4, self._check)

    def _check(self) -> None:
        self._timer = None
        tokens.release_idle(self.idle_seconds)
        self.watch()
