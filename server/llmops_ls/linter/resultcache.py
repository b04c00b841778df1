"""Findings kept from one `llmops-ls lint` to the next, per file, while inputs hold.

An entry holds a file's findings and the state of everything linting it read (see
`Workspace.recall` and `Reads`): the file itself, the files it imports or loads with
it, link targets and folders it probed, and, when it used the list of workspace
files, that list. A file whose inputs are all unchanged is not linted.

A state is what `stat` says of a path (modification time in nanoseconds and size, or
missing) and a digest of its content (of the names in it, for a folder). Unchanged
times prove a file unchanged without reading it; when they differ (an edit, or a
fresh checkout that gave every file a new time) the content decides, so a cache kept
between CI jobs still serves, and the new times are kept. As in git's index, a time
that close to when the entry was made proves nothing (the file may have changed again
within the clock's resolution), so then the content always decides.

One cache file per workspace root, settings, package build and Python version lives in
the cache folder shared with token counts. It is written whole to a temporary file and
renamed, so a run killed while writing leaves the previous cache; an unreadable or
foreign file is ignored and replaced.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import time
import zlib
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from pathlib import Path

import llmops_ls
from llmops_ls.linter.cachedir import (
    cache_folder,
    load_pickle,
    prune,
    write_atomically,
)
from llmops_ls.linter.catalogue import catalogue_dir
from llmops_ls.linter.finding import Edit, Finding, Fix, Related, Severity
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.source import Position
from llmops_ls.linter.workspace import Reads, front_matter_part, is_binary

logger = logging.getLogger(__name__)

FORMAT = 3
# Cache files kept: one per workspace, settings and build, most recently written first.
KEPT_FILES = 64
# A state this close to the moment it was taken is proven by its content, not its time.
RACY_NANOSECONDS = 2_000_000_000

# (modification time in ns, size, digest), or None when missing. The digest is of the
# content (of the names, for a folder; of the front matter, for `FRONT` inputs). A time
# of -1 means it was too recent to prove anything, so the digest decides.
State = tuple[int, int, bytes | None] | None
Inputs = frozenset[tuple[str, State]]
# Prefix of the names of front-matter inputs (file names are absolute paths).
FRONT = "front matter:"


class _Entry:
    """Findings of one file and the inputs they were found from."""

    __slots__ = ("findings", "inputs", "listing")

    def __init__(
        self, findings: list[Finding], inputs: tuple[Inputs, ...], listing: str
    ) -> None:
        self.findings = findings
        self.inputs = inputs
        self.listing = listing  # the workspace's file list, or "" when unused

    def __getstate__(self) -> tuple[list[Finding], tuple[Inputs, ...], str]:
        return self.findings, self.inputs, self.listing

    def __setstate__(
        self, state: tuple[list[Finding], tuple[Inputs, ...], str]
    ) -> None:
        self.findings, self.inputs, self.listing = state


# What a cache file may hold besides built-in values.
_CACHED_CLASSES = (_Entry, Finding, Severity, Position, Fix, Edit, Related)


class ResultCache:
    """Findings by file path, valid while their inputs are unchanged."""

    def __init__(
        self,
        path: Path | None,
        key: str,
        entries: dict[str, _Entry],
        max_file_bytes: int,
    ) -> None:
        self.path = path
        self.key = key
        self.max_file_bytes = max_file_bytes
        self._entries = entries
        self._stats: dict[str, tuple[int, int] | None] = {}
        self._digests: dict[str, bytes] = {}
        self._verdicts: dict[int, bool] = {}
        self._retimed: set[int] = set()  # inputs proven by content, not by times
        self._by_names: dict[frozenset[str], Inputs] | None = None
        self._fresh: dict[int, Inputs] = {}  # retimed sets, by the set they replace
        self._shared: dict[int, Inputs] = {}
        self._interned: dict[Inputs, Inputs] = {}
        self._changed = False
        self.hits = 0

    @classmethod
    def open(
        cls, root: Path, settings: LintSettings, folder: Path | None = None
    ) -> ResultCache:
        """The cache for a workspace root and settings (empty if none is readable).

        `folder` defaults to the shared cache folder; with no folder at all (the
        environment turned caching off) the cache only lives for this run.
        """
        folder = folder if folder is not None else cache_folder()
        key = "\0".join(
            (
                str(root),
                sys.version,
                os.path.expanduser("~"),  # `~/` imports resolve under it
                llmops_ls.__version__,
                _build_fingerprint(),
                repr(_stable(settings)),
            )
        )
        limit = settings.max_file_bytes
        if folder is None:
            return cls(None, key, {}, limit)
        # The file is named by two checksums of the key and holds the key itself:
        # a clash of names costs a rebuild, never a wrong answer.
        data = key.encode("utf-8", "surrogateescape")
        name = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}.pickle"
        path = folder / "lint" / name
        return cls(path, key, _load(path, key), limit)

    # -- reading ---------------------------------------------------------------------

    def lookup(self, path: Path, listing: str) -> list[Finding] | None:
        """The findings kept for a file, or None when it must be linted again."""
        entry = self._entries.get(str(path))
        if entry is None or (entry.listing and entry.listing != listing):
            return None
        for inputs in entry.inputs:
            if not self._proven(inputs):
                return None
        if any(id(inputs) in self._retimed for inputs in entry.inputs):
            # Proven by content under new times (a fresh checkout, a restored
            # cache): keep the new times so that the next run need not read.
            entry.inputs = tuple(self._retime(inputs) for inputs in entry.inputs)
            self._changed = True
        self.hits += 1
        return entry.findings

    def _proven(self, inputs: Inputs) -> bool:
        known = self._verdicts.get(id(inputs))
        if known is None:
            known = self._verdicts[id(inputs)] = all(
                self._holds(name, state, inputs) for name, state in inputs
            )
        return known

    def _holds(self, name: str, state: State, inputs: Inputs) -> bool:
        """Whether a path is as it was: the same times, or else the same content."""
        path = name[len(FRONT) :] if name.startswith(FRONT) else name
        now = self._stat(path)
        if state is None or now is None:
            return state is None and now is None
        if now == state[:2]:
            return True
        self._retimed.add(id(inputs))
        return self._digest(name) == state[2]

    def _retime(self, inputs: Inputs) -> Inputs:
        if id(inputs) not in self._retimed:
            return inputs
        fresh = self._fresh.get(id(inputs))
        if fresh is None:
            now = time.time_ns()
            fresh = frozenset(
                (name, self._restate(name, state, now)) for name, state in inputs
            )
            fresh = self._fresh[id(inputs)] = self._interned.setdefault(fresh, fresh)
        return fresh

    def _restate(self, name: str, state: State, now: int) -> State:
        """A proven input's state now: the kept one where its times still prove it."""
        path = name[len(FRONT) :] if name.startswith(FRONT) else name
        if state is not None and self._stat(path) == state[:2]:
            return state
        return self._state(name, now)

    def _stat(self, path: str) -> tuple[int, int] | None:
        if path in self._stats:
            return self._stats[path]
        try:
            info = os.stat(path)
        except OSError:
            stat = None
        else:
            stat = (info.st_mtime_ns, info.st_size)
        self._stats[path] = stat
        return stat

    def _digest(self, name: str) -> bytes:
        """Of the content, the names in a folder, or (for `FRONT`) the front matter."""
        known = self._digests.get(name)
        if known is None:
            if name.startswith(FRONT):
                known = _front_digest(name[len(FRONT) :], self.max_file_bytes)
            else:
                known = _digest(name)
            self._digests[name] = known
        return known

    def _state(self, name: str, now: int) -> State:
        """A path's state for keeping: its times (-1 when too recent) and digest."""
        path = name[len(FRONT) :] if name.startswith(FRONT) else name
        stat = self._stat(path)
        if stat is None:
            return None
        time_ns = -1 if now - stat[0] < RACY_NANOSECONDS else stat[0]
        return (time_ns, stat[1], self._digest(name))

    # -- writing ---------------------------------------------------------------------

    def store(
        self, path: Path, findings: list[Finding], reads: Reads, listing: str
    ) -> None:
        """Keep a file's findings with the current state of what its lint read."""
        now = time.time_ns()
        own = self._inputs(reads.own | {path}, reads.own_front_only, now)
        shared = []
        for group, front_only in zip(
            reads.shared, reads.shared_front_only, strict=True
        ):
            inputs = self._shared.get(id(group))
            if inputs is None:
                inputs = self._shared[id(group)] = self._inputs(group, front_only, now)
            shared.append(inputs)
        self._entries[str(path)] = _Entry(
            findings, (own, *shared), listing if reads.listed else ""
        )
        self._changed = True

    def _inputs(
        self, paths: Iterable[Path], front_only: frozenset[Path], now: int
    ) -> Inputs:
        names = frozenset(FRONT + str(p) if p in front_only else str(p) for p in paths)
        # A set other entries keep (every rule of a project shares one) is reused
        # when it still holds, rather than read again.
        kept = self._kept_inputs().get(names)
        if kept is not None and self._proven(kept):
            return self._retime(kept)
        inputs = frozenset((name, self._state(name, now)) for name in names)
        return self._interned.setdefault(inputs, inputs)

    def _kept_inputs(self) -> dict[frozenset[str], Inputs]:
        if self._by_names is None:
            self._by_names = {}
            seen: set[int] = set()
            for entry in self._entries.values():
                for inputs in entry.inputs:
                    if id(inputs) not in seen:
                        seen.add(id(inputs))
                        names = frozenset(name for name, _ in inputs)
                        self._by_names[names] = inputs
        return self._by_names

    def forget_missing(self, present: Iterable[Path]) -> None:
        """Drop entries of files that no longer exist among `present` (a full run)."""
        keep = {str(p) for p in present}
        stale = [name for name in self._entries if name not in keep]
        for name in stale:
            del self._entries[name]
        self._changed = self._changed or bool(stale)

    def save(self) -> None:
        """Write the cache if it changed; a failure only costs the next run time."""
        if self.path is None or not self._changed:
            return
        entries = self._entries
        listings: dict[str, str] = {}
        for entry in entries.values():  # equal values are written once
            entry.inputs = tuple(
                self._interned.setdefault(inputs, inputs) for inputs in entry.inputs
            )
            entry.listing = listings.setdefault(entry.listing, entry.listing)
        data = (FORMAT, self.key, entries)
        try:
            write_atomically(
                self.path,
                lambda out: pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL),
            )
        except OSError as exc:
            logger.warning("cannot write the lint cache %s: %s", self.path, exc)
        else:
            prune(self.path.parent, KEPT_FILES)
        self._changed = False


def listing_key(files: list[str]) -> str:
    """The workspace's file list as one string (glob checks depend on it)."""
    return "\n".join(files)


def _load(path: Path, key: str) -> dict[str, _Entry]:
    try:
        with path.open("rb") as handle:
            data = load_pickle(handle, _CACHED_CLASSES)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a damaged cache is rebuilt, never trusted
        logger.warning("ignoring the unreadable lint cache %s: %s", path, exc)
        return {}
    if (
        isinstance(data, tuple)
        and len(data) == 3
        and data[0] == FORMAT
        and data[1] == key
        and isinstance(data[2], dict)
    ):
        return data[2]
    return {}


def _digest(name: str) -> bytes:
    """The content of a file, or the names in a folder, as a digest."""
    import hashlib  # only for files changed moments ago

    hasher = hashlib.blake2b(digest_size=16)
    try:
        if os.path.isdir(name):
            hasher.update(
                "\0".join(sorted(os.listdir(name))).encode("utf-8", "replace")
            )
        else:
            with open(name, "rb") as handle:
                hasher.update(handle.read())
    except OSError:
        return b"unreadable"
    return hasher.digest()


def _front_digest(name: str, max_file_bytes: int) -> bytes:
    """A digest of the front matter block as parsed, and of whether the file reads.

    The part of the text that decides the block is digested (see
    `workspace.front_matter_part`), so an edit below it changes nothing here; a file
    that became unreadable (binary, too large) does.
    """
    import hashlib

    from llmops_ls.linter.source import decode

    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError:
        return b"unreadable"
    if len(data) > max_file_bytes or is_binary(data):
        return b"unreadable"
    head = front_matter_part(decode(data)[0])
    return hashlib.blake2b(
        head.encode("utf-8", "surrogatepass"), digest_size=16
    ).digest()


def _build_fingerprint() -> str:
    """What identifies the build: names and sizes of the package's files, and more.

    The rule catalogue counts too (in a source checkout it lies outside). An
    installed package gets new times on every install (each CI job's), so there its
    sizes (and the version, in the key) identify the build; a source checkout is
    edited in place, so there the times count too.
    """
    package = Path(llmops_ls.__file__).parent
    installed = "site-packages" in package.parts or "dist-packages" in package.parts
    parts: list[str] = []
    folders = [str(package), str(catalogue_dir())]  # the catalogue may lie outside
    while folders:
        folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            if entry.is_dir():
                folders.append(entry.path)
            elif entry.name.endswith((".py", ".toml")):
                info = entry.stat()
                time_ns = 0 if installed else info.st_mtime_ns
                parts.append(f"{entry.path}:{time_ns}:{info.st_size}")
    return "\n".join(parts)


def _stable(value: object) -> object:
    """A value whose `repr` does not depend on hashing order (sets become sorted)."""
    if is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple((f.name, _stable(getattr(value, f.name))) for f in fields(value)),
        )
    if isinstance(value, frozenset | set):
        return tuple(sorted(repr(_stable(item)) for item in value))
    if isinstance(value, dict):
        return tuple(sorted((repr(k), repr(_stable(v))) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_stable(item) for item in value)
    return value
