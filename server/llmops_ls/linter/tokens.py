"""Token counts of rules files: exact BPE counts offline, and a free bound to skip them.

Counts use OpenAI's byte-level BPE encodings through `quicktok`, which gives the same
counts as tiktoken without downloading anything: `o200k_base` (GPT-4o, GPT-4.1, the
o-series and later OpenAI models) by default, or `cl100k_base` (GPT-4, GPT-3.5).
Special-token text such as ``<|endoftext|>`` is counted as ordinary text, as a provider
does for text inside a prompt. No tokenizer for current Claude models is published, so
for Claude any offline count, this one included, is an estimate.

Loading an encoding takes 0.1-0.4 s of CPU while holding the GIL, which is more than a
whole lint run is allowed. So nothing is loaded until a count is really needed:

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

A lower bound (pre-tokenizer word and number chunks each cost at least one token) was
measured and left out: on real rules files it reaches only 45-75 % of the count, and a
finding must state the exact count anyway, so it would never spare a load.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

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


class _Encoding(Protocol):
    def count(self, text: str) -> int: ...


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
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = f"{encoding}:{digest}"
    with _lock:
        cached = _memory.get(key)
        if cached is None:
            cached = _disk.get(key)
            if cached is None:
                cached = _load(encoding).count(text)
                _disk.put(key, cached)
            _remember(key, cached)
    return cached


def token_count(text: str, encoding: str = DEFAULT_ENCODING) -> TokenCount:
    """Like `count_tokens`, with the encoding attached for messages."""
    return TokenCount(count_tokens(text, encoding), encoding)


def loaded_encodings() -> frozenset[str]:
    """The encodings loaded so far in this process (for tests and diagnostics)."""
    return frozenset(_encodings)


def set_cache_dir(folder: Path | None) -> None:
    """Keep the persistent cache in `folder` (None turns it off); clears memory too."""
    with _lock:
        _disk.configure(folder)
        _memory.clear()


# -- internals -----------------------------------------------------------------------

_lock = threading.Lock()
_encodings: dict[str, _Encoding] = {}
_memory: dict[str, int] = {}


def _load(encoding: str) -> _Encoding:
    loaded = _encodings.get(encoding)
    if loaded is None:
        import quicktok  # deferred: importing is cheap, but only counts need it

        logger.debug("loading token encoding %s", encoding)
        loaded = quicktok.get_encoding(encoding)
        _encodings[encoding] = loaded
    return loaded


def _remember(key: str, value: int) -> None:
    if len(_memory) >= _MEMORY_ENTRIES:
        del _memory[next(iter(_memory))]  # oldest first: dicts keep insertion order
    _memory[key] = value


def _default_cache_dir() -> Path | None:
    explicit = os.environ.get("LLMOPS_LS_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "llmops-ls"


class _DiskCache:
    """Counts by key in one JSON file, read on first use, rewritten on each addition.

    Where it lives is decided on first use rather than at import, so that settings and
    tests can choose first.
    """

    def __init__(self) -> None:
        self.path: Path | None = None
        self._configured = False
        self._counts: dict[str, int] | None = None

    def configure(self, folder: Path | None) -> None:
        self.path = folder / _DISK_FILE if folder is not None else None
        self._configured = True
        self._counts = None

    def get(self, key: str) -> int | None:
        if not self._configured:
            self.configure(_default_cache_dir())
        if self.path is None:
            return None
        if self._counts is None:
            self._counts = _read_counts(self.path)
        return self._counts.get(key)

    def put(self, key: str, value: int) -> None:
        if self.path is None:
            return
        # Merge with what other processes wrote since we read, so runs add up.
        counts = _read_counts(self.path)
        counts.update(self._counts or {})
        counts[key] = value
        while len(counts) > _DISK_ENTRIES:
            del counts[next(iter(counts))]
        self._counts = counts
        try:
            _write_atomically(self.path, {"version": _DISK_VERSION, "counts": counts})
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


def _write_atomically(path: Path, data: object) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    payload = json.dumps(data, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_disk = _DiskCache()
