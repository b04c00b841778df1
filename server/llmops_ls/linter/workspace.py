"""The files of a workspace: discovery, reading with open-editor overlays, and caching.

A workspace is rooted at a project folder. Rules files are found by walking it while
honouring `.gitignore` files and the `exclude` setting; symbolic links to folders are
not followed, so loops cannot occur. Files open in an editor are read from the overlay
instead of the disk, so the language server and the command line share this code.

While a file is linted, the workspace can record what the lint read (`Reads`): the
language server re-lints a file when any of it changes, and the command line keeps
findings until then (`resultcache`). Answers memoised for many files go through
`Workspace.recall`, which replays what computing them read into each file using them.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import (
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
)
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from llmops_ls.linter.kinds import Tool, classify
from llmops_ls.linter.source import decode

if TYPE_CHECKING:
    import pathspec

    from llmops_ls.linter.document import RulesDocument

logger = logging.getLogger(__name__)

_ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__"})
_ROOT_MARKERS = (".git", ".llmops.toml", "pyproject.toml")
_CHANGES_KEPT = 64

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Reads:
    """What linting a file looked at besides its own text.

    `own` are the files read or probed (and folders listed) by the lint itself,
    `shared` the same for each memoised answer it used (the very sets other files
    share, so that they can be checked once), and `listed` says whether the list of
    every file in the workspace was used (a glob's matches, say). A change to any of
    them may change the findings.

    `own_front_only` and `shared_front_only` (in the order of `shared`) say which
    paths were read only for their front matter (and whether they can be read at
    all). Which rules are always applied depends on every rule's front matter but
    not on the rest of its text, so a cache can keep findings when only the body of
    such a file changed; everything else may treat every path alike.
    """

    own: frozenset[Path]
    shared: tuple[frozenset[Path], ...]
    listed: bool
    own_front_only: frozenset[Path] = frozenset()
    shared_front_only: tuple[frozenset[Path], ...] = ()

    @property
    def paths(self) -> frozenset[Path]:
        """Every path read, own or shared."""
        return self.own.union(*self.shared)


@dataclass(frozen=True, slots=True)
class _Recalled:
    """A memoised answer with what computing it read, to be replayed on each use."""

    value: object
    reads: frozenset[Path]
    front_only: frozenset[Path]
    listed: bool
    # Memoised answers used while computing this one: kept apart, not copied in, so
    # that an answer every file uses is one set, checked once.
    nested: tuple[_Recalled, ...]


class _Recording:
    """What is being read: by a whole lint, or while a memoised answer is computed."""

    __slots__ = ("fronts", "listed", "reads", "used")

    def __init__(self) -> None:
        self.reads: set[Path] = set()
        self.fronts: set[Path] = set()  # read for their front matter
        self.listed = False
        self.used: list[_Recalled] = []


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that looks like a project root."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in _ROOT_MARKERS):
            return candidate
    return folder


class Workspace:
    """Files under one root, read once and cached until invalidated."""

    def __init__(
        self,
        root: Path,
        *,
        exclude: Iterable[str] = (),
        overlay: Mapping[Path, str] | None = None,
        max_file_bytes: int = 5 * 1024 * 1024,
    ) -> None:
        self.root = root.resolve()
        self._root_prefix = f"{self.root}/"
        self.max_file_bytes = max_file_bytes
        patterns = list(exclude)
        self._exclude = _compile_ignore(patterns) if patterns else None
        self._overlay: dict[Path, str] = dict(overlay or {})
        self._documents: dict[Path, RulesDocument] = {}
        self._heads: dict[Path, RulesDocument] = {}  # front matter only (see below)
        self._all_files: list[str] | None = None
        self._ignore_specs: dict[str, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}
        # Bumped whenever cached content or the file list may be stale, so that
        # memos kept outside (load chains) know to recompute.
        self.generation = 0
        # What each recent bump changed (None: possibly anything), so that a memo can
        # repair itself after one edited file instead of starting over on every edit.
        self._changes: list[tuple[int, Path | None]] = []
        self._exists: dict[Path, bool] = {}
        self._existence_memos: dict[str, dict[object, object]] = {}
        # What the current lint has read, while one is being recorded (or what a
        # memoised answer being computed reads), and the memoised answers it used.
        self._recording: _Recording | None = None

    # -- recording what a lint depends on ------------------------------------------

    def start_recording(self) -> None:
        """Begin collecting the files read, and whether files are listed."""
        self._recording = _Recording()

    def stop_recording(self) -> Reads:
        """What was read since `start_recording`."""
        recording = self._recording or _Recording()
        self._recording = None
        shared: dict[int, _Recalled] = {}
        pending = list(recording.used)
        while pending:
            entry = pending.pop()
            if id(entry) not in shared:
                shared[id(entry)] = entry
                pending.extend(entry.nested)
        entries = list(shared.values())
        own, fronts = recording.reads, recording.fronts
        return Reads(
            frozenset(own | fronts),
            tuple(entry.reads for entry in entries),
            recording.listed or any(entry.listed for entry in entries),
            frozenset(fronts - own),
            tuple(entry.front_only for entry in entries),
        )

    def depend_on(self, path: Path) -> None:
        """Record a path looked at without the workspace (a folder listed, say)."""
        if self._recording is not None:
            self._recording.reads.add(path)

    def recall(
        self, memo: MutableMapping[Any, Any], key: Hashable, compute: Callable[[], T]
    ) -> T:
        """`memo[key]`, computed once; each use records what computing it read.

        Memos shared between files would otherwise hide a dependency from every file
        but the first to ask: the second file's findings depend on the same reads.
        """
        entry = memo.get(key)
        if not isinstance(entry, _Recalled):
            outer, inner = self._recording, _Recording()
            self._recording = inner
            try:
                value = compute()
            finally:
                self._recording = outer
            entry = memo[key] = _Recalled(
                value,
                frozenset(inner.reads | inner.fronts),
                frozenset(inner.fronts - inner.reads),
                inner.listed,
                tuple({id(e): e for e in inner.used}.values()),
            )
        if self._recording is not None:
            self._recording.used.append(entry)
        return cast("T", entry.value)

    # -- overlays and invalidation -------------------------------------------------

    def set_overlay(self, path: Path, text: str | None) -> None:
        """Use `text` for `path` instead of the disk (None removes the overlay)."""
        path = _canonical(path)
        if text is None or path not in self._overlay:
            self._forget_existence()  # opening or closing a buffer may create a file
            self._bump(None)
        if text is None:
            self._overlay.pop(path, None)
        else:
            self._overlay[path] = text
        self.invalidate(path)

    def invalidate(self, path: Path | None = None) -> None:
        """Forget cached content of one file, or of everything."""
        if path is None:
            self._bump(None)
            self._forget_existence()
            self._documents.clear()
            self._heads.clear()
            self._all_files = None
            self._ignore_specs.clear()
            return
        path = _canonical(path)
        self._documents.pop(path, None)
        self._heads.pop(path, None)
        if path.name == ".gitignore":
            self._bump(None)
            self._ignore_specs.clear()
            self._all_files = None
        else:
            self._bump(path)

    def forget_file_list(self) -> None:
        """Re-walk the tree on next use (a file was created or deleted)."""
        self._bump(None)
        self._forget_existence()
        self._all_files = None

    def existence_memo(self, name: str) -> dict[object, object]:
        """A memo for answers that depend only on which files exist (say, links).

        It is emptied whenever the existence cache is: when the file list changes or
        a buffer opens or closes.
        """
        return self._existence_memos.setdefault(name, {})

    def _forget_existence(self) -> None:
        self._exists.clear()
        self._existence_memos.clear()

    def changes_since(self, generation: int) -> list[Path] | None:
        """Files whose content alone changed since `generation`, oldest first.

        None when something broader changed (the file list, ignore rules, every
        file) or the change is too old to be remembered: then start over.
        """
        if generation == self.generation:
            return []
        recent = [(g, path) for g, path in self._changes if g > generation]
        if not recent or recent[0][0] != generation + 1:
            return None
        paths = [path for _, path in recent]
        if None in paths:
            return None
        return [path for path in paths if path is not None]

    def _bump(self, path: Path | None) -> None:
        self.generation += 1
        self._changes.append((self.generation, path))
        if len(self._changes) > _CHANGES_KEPT:
            del self._changes[: -_CHANGES_KEPT // 2]

    # -- paths ---------------------------------------------------------------------

    def relative(self, path: Path) -> str:
        """POSIX path from the root, or the absolute path when outside it."""
        text = str(path)
        prefix = self._root_prefix
        if text.startswith(prefix) and ".." not in text:
            return text[len(prefix) :]
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.resolve().as_posix()

    def contains(self, path: Path) -> bool:
        """Whether a path lies inside the workspace root."""
        try:
            path.resolve().relative_to(self.root)
        except ValueError:
            return False
        return True

    def exists(self, path: Path) -> bool:
        """Whether a file exists on disk or in the overlay.

        Answers are remembered until the file list changes or a buffer opens or
        closes: a large file links the same targets many times, on every edit.
        """
        key = _canonical(path)
        if self._recording is not None:
            self._recording.reads.add(key)
        known = self._exists.get(key)
        if known is None:
            known = self._exists[key] = key in self._overlay or key.is_file()
        return known

    def front_matter_document(self, path: Path) -> RulesDocument:
        """The document, for a caller that looks only at its front matter.

        It is recorded as such (see `Reads`), not as a read of the whole text.
        """
        path = _canonical(path)
        if self._recording is not None:
            self._recording.fronts.add(path)
        doc = self._documents.get(path) or self._heads.get(path)
        if doc is None:
            # Parsing only the front matter block: a project's always-applied rules
            # are found by reading every rule's, most of which are never read whole.
            relative = self.relative(path)
            tool = classify(relative) or Tool.GENERIC
            doc = self._heads[path] = self._read(path, relative, tool, head_only=True)
        return doc

    def is_dir(self, path: Path) -> bool:
        """Whether a folder exists on disk (recorded like a file read)."""
        if self._recording is not None:
            self._recording.reads.add(_canonical(path))
        return os.path.isdir(path)

    def is_excluded(self, relative: str, is_dir: bool = False) -> bool:
        """Whether the `exclude` setting or a `.gitignore` file leaves a path out."""
        check = relative + "/" if is_dir else relative
        if self._exclude is not None and self._exclude.match_file(check):
            return True
        return self._gitignored(relative, is_dir)

    # -- discovery -----------------------------------------------------------------

    def discover(self, paths: Iterable[Path] | None = None) -> list[Path]:
        """Rules files under the given paths (default: the root), sorted.

        A file named explicitly is included even if no tool claims it, so that
        `llmops-ls lint notes.md` and pre-commit's file lists work.
        """
        if paths is None:  # the whole root: the file list is sorted already
            root = str(self.root)
            files = self.all_files()
            return [Path(f"{root}/{r}") for r in files if classify(r) is not None]
        found: set[Path] = set()
        for given in paths:
            given = given.absolute()
            if given.is_dir():
                found.update(self._walk_rules(given))
            elif given.exists() or given.resolve() in self._overlay:
                found.add(given.resolve())
        return sorted(found)

    def _walk_rules(self, top: Path) -> Iterator[Path]:
        # The whole root is walked once and kept: glob checks need the same list.
        files = self.all_files() if top.resolve() == self.root else self._walk(top)
        for relative in files:
            if classify(relative) is not None:
                yield Path(f"{self.root}/{relative}")

    def all_files(self) -> list[str]:
        """Every non-ignored file under the root, as POSIX relative paths (cached)."""
        if self._recording is not None:
            self._recording.listed = True
        if self._all_files is None:
            self._all_files = sorted(self._walk(self.root))
        return self._all_files

    def _walk(self, top: Path) -> Iterator[str]:
        root = str(self.root)
        prefix_length = len(root) + 1
        stack = [str(top.resolve())]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                logger.warning("cannot list %s: %s", folder, exc.strerror)
                continue
            for entry in entries:
                # Paths under a resolved root need no resolving of their own: string
                # slicing is what keeps a walk of thousands of files fast.
                relative = (
                    entry.path[prefix_length:] if entry.path.startswith(root) else ""
                )
                if not relative:
                    continue
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if entry.name in _ALWAYS_SKIPPED or self.is_excluded(
                        relative, True
                    ):
                        continue
                    stack.append(entry.path)
                    continue
                if self.is_excluded(relative):
                    continue
                yield relative

    def _gitignored(self, relative: str, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        for base, spec in self._ignore_specs_above(relative.rpartition("/")[0]):
            if spec.match_file(relative[len(base) :] + suffix):
                return True
        return False

    def _ignore_specs_above(
        self, folder: str
    ) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        """The `.gitignore` rules of a folder and of each folder above it, root first.

        Kept per folder: every file of a folder shares them, and a walk asks per file.
        Each comes with its folder as a prefix of the paths it sees (`""` at the root).
        """
        known = self._ignore_specs.get(folder)
        if known is not None:
            return known
        above = self._ignore_specs_above(folder.rpartition("/")[0]) if folder else []
        spec = _read_ignore_file(self.root / folder / ".gitignore")
        known = (
            above if spec is None else [*above, (f"{folder}/" if folder else "", spec)]
        )
        self._ignore_specs[folder] = known
        return known

    # -- reading -------------------------------------------------------------------

    def document(self, path: Path, tool: Tool | None = None) -> RulesDocument:
        """The document for a path, read from the overlay or disk, cached.

        Unreadable, binary or oversized files give a document with `read_error` set and
        empty text, never an exception.
        """
        path = _canonical(path)
        if self._recording is not None:
            self._recording.reads.add(path)
        cached = self._documents.get(path)
        if cached is not None:
            return cached
        relative = self.relative(path)
        tool = tool or classify(relative) or Tool.GENERIC
        doc = self._read(path, relative, tool)
        self._documents[path] = doc
        return doc

    def _read(
        self, path: Path, relative: str, tool: Tool, *, head_only: bool = False
    ) -> RulesDocument:
        from llmops_ls.linter import document  # parsing is not needed to walk

        if path in self._overlay:
            text = self._overlay[path]
            if head_only:
                text = front_matter_part(text)
            return document.build(path, relative, tool, text)
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                return _unreadable(path, relative, tool, "not a regular file")
            if info.st_size > self.max_file_bytes:
                return _unreadable(
                    path,
                    relative,
                    tool,
                    f"{info.st_size:,} bytes, over the "
                    f"{self.max_file_bytes:,}-byte limit"
                    " for rules files (no assistant loads a file this large whole)",
                    size_bytes=info.st_size,
                )
            data = path.read_bytes()
        except OSError as exc:
            return _unreadable(path, relative, tool, exc.strerror or str(exc))
        if is_binary(data):
            return _unreadable(
                path, relative, tool, "binary content (NUL bytes)", size_bytes=len(data)
            )
        text, invalid = decode(data)
        if head_only:
            text = front_matter_part(text)
        return document.build(
            path, relative, tool, text, invalid_utf8=invalid, size_bytes=len(data)
        )

    def read_text(self, path: Path) -> str | None:
        """Text of any file (overlay first), or None when it cannot be read."""
        doc = self.document(path)
        return None if doc.read_error else doc.text


def _read_ignore_file(path: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return _compile_ignore(lines.splitlines())


def is_binary(data: bytes) -> bool:
    """Whether a file's bytes are binary, as the workspace judges: a NUL early on."""
    return b"\x00" in data[:8192]


def front_matter_part(text: str) -> str:
    """As much of a text as decides its front matter: through the closing `---`.

    Lines and delimiters are read as `markdown.scan` reads them, so the
    block parsed from this part equals the whole text's; with no closed block at the
    top there is no front matter, and an empty text has none either.
    """
    newline = text.find("\n")
    if newline < 0 or text[:newline].rstrip() != "---":
        return ""
    start = newline + 1
    while start < len(text):
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.rstrip() in ("---", "..."):
            return text if end < 0 else text[: end + 1]
        if end < 0:
            break
        start = end + 1
    return ""


def _compile_ignore(lines: list[str]) -> pathspec.GitIgnoreSpec:
    # pathspec is imported on first need: many workspaces have no ignore rules, and
    # the import costs more than linting a few files.
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _canonical(path: Path) -> Path:
    """The key a file is cached and overlaid under.

    Paths under the root (which is resolved) are kept as they are, so a rules file that
    is a symbolic link is reported where it sits, not where it points; others resolve.
    """
    if not path.is_absolute():
        return path.resolve()
    text = str(path)
    normal = os.path.normpath(text)
    if normal == text:
        return path  # the same object keeps its cached hash: it is a dict key
    return Path(normal) if ".." not in normal else path.resolve()


def _unreadable(
    path: Path, relative: str, tool: Tool, reason: str, size_bytes: int = 0
) -> RulesDocument:
    from llmops_ls.linter import document

    return document.build(
        path, relative, tool, "", read_error=reason, size_bytes=size_bytes
    )
