"""Glob patterns as the assistants match them against workspace-relative paths.

The tools use gitignore-like globs (Cursor and Copilot run minimatch or VS Code's glob,
Claude Code and Cline picomatch-style matchers):

- ``*`` matches within one path segment, ``?`` one character of a segment, ``[...]`` a
  character class (``[!...]`` or ``[^...]`` negated), ``{a,b}`` either alternative
  (nested braces work), and ``**`` any number of whole segments, including none.
- A pattern without a ``/`` (other than a trailing one) matches a file's name at any
  depth, so ``*.ts`` is ``**/*.ts``. GitHub documents ``applyTo: "*"`` as "all files",
  which only holds with this reading, and Cursor users write ``Dockerfile`` and
  ``*.cmake`` expecting the same.
- A pattern that names a folder matches everything inside it (``src`` and ``src/``
  match ``src/a.ts``), as in gitignore. Leading ``/`` and ``./`` anchor to the project
  root and are dropped. Matching is case-sensitive and ``*`` matches dot files.

Patterns are compiled once (cached) to one regular expression. `any_match` tests a
pattern against a whole file list with a single scan of the joined list, which keeps
thousands of paths times hundreds of patterns cheap.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from llmops_ls.linter.frontmatter import (
    STYLE_BLOCK,
    STYLE_FLOW,
    STYLE_PLAIN,
    Entry,
    split_spans,
)

_SEGMENT_CHAR = "[^/\n]"
# A backslash used as a folder separator; before `[`, `{` or `?` it is an escape, as in
# `app/\[slug\]/page.tsx`.
_BACKSLASH_SEPARATOR = re.compile(r"\\(?=[\w.\-]|\*\*)")
_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
_STARS = re.compile(r"\*{3,}")


@dataclass(frozen=True, slots=True)
class GlobProblem:
    """Why a pattern cannot work, and the character range (within it) to point at."""

    message: str
    start: int
    end: int
    replacement: str | None = None


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled pattern; `negated` for a leading ``!`` (an exclusion).

    `body` is the normalised pattern (anchors dropped, ``**/`` added to a bare
    name). Its regular expression is built and compiled on first use, since most
    patterns are settled by `literals` alone.
    """

    pattern: str
    body: str
    folder: bool
    negated: bool
    matches_all: bool
    literals: tuple[str, ...] = ()  # text every matching path contains

    @property
    def source(self) -> str:
        """The expression of one path, anchored per line (``re.MULTILINE``)."""
        return _source(self.body, self.folder)

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled expression (cached)."""
        return _compiled(self.body, self.folder)

    def match(self, path: str) -> bool:
        """Whether a POSIX relative path matches (negation is left to the caller)."""
        if self.matches_all:
            return True
        if not all(text in path for text in self.literals):
            return False
        return self.regex.match(path) is not None


@functools.lru_cache(maxsize=4096)
def _compiled(body: str, folder: bool) -> re.Pattern[str]:
    return re.compile(_source(body, folder), re.MULTILINE)


def _source(body: str, folder: bool) -> str:
    # A folder pattern matches what is inside it; a file pattern also matches the
    # contents of a folder of that name, as gitignore does.
    tail = "/[^\n]*" if folder else "(?:/[^\n]*)?"
    return f"^(?:{_translate(body)}{tail})$"


@functools.lru_cache(maxsize=4096)
def problems(pattern: str) -> tuple[GlobProblem, ...]:
    """What makes a pattern unusable: empty, unbalanced, absolute, ``\\``, ``***``."""
    return tuple(_problems(pattern))


def _problems(pattern: str) -> list[GlobProblem]:
    found: list[GlobProblem] = []
    if not pattern.strip():
        return [GlobProblem("empty glob pattern", 0, len(pattern))]
    separator = _BACKSLASH_SEPARATOR.search(pattern) if "\\" in pattern else None
    if separator is not None:
        at = separator.start()
        found.append(
            GlobProblem(
                "backslash in a glob: patterns use `/` between folders on every "
                "platform, and `\\` escapes the next character",
                at,
                at + 1,
                pattern.replace("\\", "/"),
            )
        )
    if _DRIVE.match(pattern) or pattern.startswith("~"):
        found.append(
            GlobProblem(
                "absolute path in a glob: patterns are matched against paths "
                "relative to the project root",
                0,
                len(pattern),
            )
        )
    elif pattern.startswith("/") and not pattern.startswith("//"):
        found.append(
            GlobProblem(
                "absolute path in a glob: patterns are matched against paths relative "
                "to the project root; drop the leading `/`",
                0,
                1,
                pattern.lstrip("/"),
            )
        )
    triple = pattern.find("***")
    if triple != -1:
        found.append(
            GlobProblem(
                "`***` is not a glob operator: use `**` for any folders",
                triple,
                triple + 3,
                _STARS.sub("**", pattern),
            )
        )
    found.extend(_bracket_problems(pattern))
    return found


def _bracket_problems(pattern: str) -> list[GlobProblem]:
    found: list[GlobProblem] = []
    braces: list[int] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            close = _class_end(pattern, i)
            if close == -1:
                found.append(GlobProblem("unclosed `[` in glob", i, i + 1))
                return found
            i = close + 1
            continue
        if ch == "{":
            braces.append(i)
        elif ch == "}":
            if not braces:
                found.append(
                    GlobProblem("`}` without a matching `{` in glob", i, i + 1)
                )
            else:
                braces.pop()
        elif ch == "]":
            found.append(GlobProblem("`]` without a matching `[` in glob", i, i + 1))
        i += 1
    found.extend(GlobProblem("unclosed `{` in glob", at, at + 1) for at in braces)
    return found


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing the class opened at `start`, or -1."""
    i = start + 1
    if i < len(pattern) and pattern[i] in "!^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1  # a leading `]` is literal
    while i < len(pattern):
        if pattern[i] == "]":
            return i
        if pattern[i] == "/":
            return -1
        i += 1
    return -1


@functools.lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> Glob:
    """Compile a pattern (cached); invalid parts are matched literally."""
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    body = body.strip()
    while body.startswith("./"):
        body = body[2:]
    body = body.lstrip("/")
    folder = body.endswith("/")
    body = body.rstrip("/")
    if "/" not in body:
        body = "**/" + body
    matches_all = body in ("**", "**/*", "**/**") and not negated
    return Glob(pattern, body, folder, negated, matches_all, _literals(body))


def _literals(pattern: str) -> tuple[str, ...]:
    """Runs of plain characters outside braces and classes, for a cheap pre-filter."""
    if "\\" in pattern:
        return ()
    runs: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in pattern:
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth = max(depth - 1, 0)
            current = []
            continue
        if depth or ch in "*?{[":
            if current:
                runs.append("".join(current))
            current = []
            continue
        current.append(ch)
    if current:
        runs.append("".join(current))
    # A `/` next to `**` may stand for no folder at all (`**/Makefile` matches
    # `Makefile`), so slashes at the ends of a run are not required text.
    stripped = (run.strip("/") for run in runs)
    return tuple(run for run in stripped if run and run != ".")


def _translate(pattern: str) -> str:
    """The regular expression (without anchors) of a glob."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            at_start = i == 0 or pattern[i - 1] == "/"
            at_end = j == n or pattern[j] == "/"
            if j - i >= 2 and at_start and at_end:
                if j == n:
                    out.append("[^\n]*")
                    i = j
                else:
                    out.append(f"(?:{_SEGMENT_CHAR}*/)*")
                    i = j + 1  # the `/` after `**` is part of the repetition
                continue
            out.append(f"{_SEGMENT_CHAR}*")
            i = j
            continue
        if ch == "?":
            out.append(_SEGMENT_CHAR)
        elif ch == "[":
            close = _class_end(pattern, i)
            if close == -1:
                out.append(re.escape(ch))
            else:
                out.append(_translate_class(pattern[i + 1 : close]))
                i = close + 1
                continue
        elif ch == "{":
            close = _brace_end(pattern, i)
            if close == -1:
                out.append(re.escape(ch))
            else:
                options = _split_brace(pattern[i + 1 : close])
                out.append("(?:" + "|".join(_translate(o) for o in options) + ")")
                i = close + 1
                continue
        elif ch == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _translate_class(inner: str) -> str:
    negate = inner[:1] in ("!", "^")
    if negate:
        inner = inner[1:]
    escaped = inner.replace("\\", "\\\\").replace("[", "\\[")
    if escaped.startswith("]"):
        escaped = "\\" + escaped
    return f"[^/\n{escaped}]" if negate else f"[{escaped}]"


def _brace_end(pattern: str, start: int) -> int:
    depth = 0
    for i in range(start, len(pattern)):
        if pattern[i] == "{":
            depth += 1
        elif pattern[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_brace(inner: str) -> list[str]:
    options: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            options.append(inner[start:i])
            start = i + 1
    options.append(inner[start:])
    return options


def match(pattern: str, path: str) -> bool:
    """Whether a POSIX relative path matches a pattern (a ``!`` pattern never does)."""
    glob = compile_glob(pattern)
    return not glob.negated and glob.match(path)


class FileIndex:
    """A list of relative paths prepared for fast `any_match` queries.

    Braces of plain words are expanded first. The common shapes (``**/*.ts``,
    ``**/Makefile``, ``src/**``) are then set lookups; the others are settled by
    substring tests on the newline-joined list (a pattern's fixed start must open a
    line, its fixed end must close a path segment) and, when those pass, the regex.
    """

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = paths
        self._joined = "\n".join(paths)
        self._lines = f"\n{self._joined}\n"  # every path between two newlines
        self._answers: dict[str, bool] = {}
        self._parts: _Parts | None = None

    def has_folder(self, folder: str) -> bool:
        """Whether any path lies inside a folder (given without trailing `/`)."""
        if "\n" in folder:
            return f"\n{folder}/" in self._lines
        return folder in self._sets().folders

    def has_path(self, path: str) -> bool:
        """Whether a path is in the list."""
        return path in self._sets().paths

    def _sets(self) -> _Parts:
        if self._parts is None:
            self._parts = _Parts.of(self.paths)
        return self._parts

    def any_match(self, pattern: str) -> bool:
        """Whether any path matches the pattern (cached per pattern)."""
        answer = self._answers.get(pattern)
        if answer is None:
            glob = compile_glob(pattern)
            if not self.paths:
                answer = False
            elif glob.matches_all:
                answer = True
            else:
                bodies = _alternatives(glob.body)
                if bodies is None:
                    answer = self._regex_match(glob.body, glob.folder, glob.literals)
                else:
                    answer = any(self._body_match(b, glob.folder) for b in bodies)
            self._answers[pattern] = answer
        return answer

    def _regex_match(self, body: str, folder: bool, literals: tuple[str, ...]) -> bool:
        if not all(text in self._joined for text in literals):
            return False
        return _compiled(body, folder).search(self._joined) is not None

    def _body_match(self, body: str, folder: bool) -> bool:
        """`any_match` for a body without braces or escapes."""
        sets = self._sets()
        if not any(ch in _SPECIALS for ch in body):  # a path, or a folder's contents
            return body in sets.folders or (not folder and body in sets.paths)
        lines = self._lines
        size = len(body)
        for start, end in _literal_runs(body):
            text = body[start:end]
            at_end = end == size
            # `**/` may stand for no folder: what follows it starts a segment.
            after_globstar = text[0] == "/" and _after_globstar(body, start)
            if after_globstar:
                text = text[1:]
                if not text:
                    continue
            settled = _run_in_sets(
                text,
                sets,
                at_start=start == 0,
                segment_start=after_globstar,
                at_end=at_end,
                folder=folder,
            )
            if settled is False:
                return False
            if settled is None:
                befores = ("/", "\n") if after_globstar else ("",)
                if start == 0:
                    befores = ("\n",)
                afters = ("",) if not at_end else ("/",) if folder else ("/", "\n")
                if not any(f"{b}{text}{a}" in lines for b in befores for a in afters):
                    return False
        # For these shapes the tests above are the whole answer.
        if body.startswith("**/"):
            name = body[3:]
            if name.startswith("*"):
                name = name[1:]
            if name and name[0] != "/" and not any(ch in _SPECIALS for ch in name):
                return True  # `**/*.ts` and `**/Makefile`
        elif not folder and body.endswith(("/**", "/**/*")):
            head = body[: body.index("/**") + 1]
            if body[len(head) :] in ("**", "**/*") and not any(
                ch in _SPECIALS for ch in head
            ):
                return True  # `src/**`
        return self._regex_match(body, folder, ())


def _run_in_sets(
    text: str,
    sets: _Parts,
    *,
    at_start: bool,
    segment_start: bool,
    at_end: bool,
    folder: bool,
) -> bool | None:
    """What the name sets say of a fixed run of a pattern: False when it cannot occur,
    True when it surely does (alone), None when the joined list must be searched.

    A piece of the run between two `/` (or a pattern edge that is a segment edge) is a
    whole name: a folder's when a `/` follows it.
    """
    pieces = text.split("/")
    last = len(pieces) - 1
    for k, piece in enumerate(pieces):
        if not piece or not (k > 0 or at_start or segment_start):
            continue
        if k < last:
            if piece not in sets.folder_names:
                return False
        elif at_end and piece not in (sets.folder_names if folder else sets.names):
            return False
    if at_start and "/" in text and text[: text.rfind("/")] not in sets.folders:
        return False
    if at_start and text.endswith("/"):
        return True  # the path starts with these folders
    if last == 0 and at_end and (segment_start or at_start):
        return True  # one whole name
    if last == 0 and at_end and not folder and text[0] == ".":
        return text in sets.dot_suffixes  # a name ends with `.ts`
    return None


@dataclass(frozen=True, slots=True)
class _Parts:
    """Sets of the names and folders in a file list, for the common pattern shapes."""

    paths: frozenset[str]
    names: frozenset[str]  # every segment of every path
    folder_names: frozenset[str]  # every segment but the last
    folders: frozenset[str]  # every path's folder and the folders above it
    dot_suffixes: frozenset[str]  # `.ts` and `.test.ts` of `a.test.ts`

    @classmethod
    def of(cls, paths: Sequence[str]) -> _Parts:
        """The sets of a file list."""
        folders: set[str] = set()
        files: set[str] = set()
        for path in paths:
            cut = path.rfind("/")
            files.add(path[cut + 1 :])
            # Parents are added once: a folder seen before has its parents too.
            while cut != -1:
                folder = path[:cut]
                if folder in folders:
                    break
                folders.add(folder)
                cut = path.rfind("/", 0, cut)
        folder_names = {folder[folder.rfind("/") + 1 :] for folder in folders}
        names = files | folder_names
        suffixes: set[str] = set()
        for name in names:
            dot = name.find(".")
            while dot != -1:
                suffixes.add(name[dot:])
                dot = name.find(".", dot + 1)
        return cls(
            frozenset(paths),
            frozenset(names),
            frozenset(folder_names),
            frozenset(folders),
            frozenset(suffixes),
        )


def _literal_runs(body: str) -> list[tuple[int, int]]:
    """The spans of plain characters between wildcards and character classes."""
    runs: list[tuple[int, int]] = []
    start = 0
    i = 0
    size = len(body)
    while i < size:
        ch = body[i]
        if ch in _SPECIALS:
            if i > start:
                runs.append((start, i))
            if ch == "[":
                close = _class_end(body, i)
                i = i if close == -1 else close
            i += 1
            start = i
            continue
        i += 1
    if size > start:
        runs.append((start, size))
    return runs


def _after_globstar(body: str, at: int) -> bool:
    """Whether the ``/`` at `at` ends a ``**`` standing for whole folders."""
    first = at
    while first > 0 and body[first - 1] == "*":
        first -= 1
    return at - first >= 2 and (first == 0 or body[first - 1] == "/")


_SPECIALS = frozenset("*?[]{}\\")
_MAX_ALTERNATIVES = 64


def _alternatives(body: str) -> list[str] | None:
    """The brace-free bodies a body stands for, when its braces hold plain words.

    None for escapes, classes, nested braces, wildcards inside braces or a brace next
    to a ``*`` (where expanding could change what ``**`` means), and for too many.
    """
    start = body.find("{")
    if start == -1:
        return None if "\\" in body else [body]
    if "\\" in body or "[" in body:
        return None
    close = _brace_end(body, start)
    if (
        close == -1
        or body[start - 1 : start] == "*"
        or body[close + 1 : close + 2] == "*"
    ):
        return None
    options = body[start + 1 : close].split(",")
    if any(ch in _SPECIALS for option in options for ch in option):
        return None
    rests = _alternatives(body[close + 1 :])
    if rests is None or len(options) * len(rests) > _MAX_ALTERNATIVES:
        return None
    head = body[:start]
    return [head + option + rest for option in options for rest in rests]


@dataclass(frozen=True, slots=True)
class Pattern:
    """One glob written in a front-matter value, with its offsets in the file."""

    text: str
    start: int
    end: int


def entry_patterns(entry: Entry) -> list[Pattern]:
    """The glob patterns of a front-matter value, however the tool lets it be written.

    A string is split on commas outside braces (Cursor, Copilot and Kiro all accept a
    comma-separated list); a list gives one pattern per item. Quotes are not part of a
    pattern. Empty parts between commas are kept so they can be reported; an empty
    value and a trailing comma give nothing.
    """
    if entry.style in (STYLE_FLOW, STYLE_BLOCK):
        return [_unquote(item.text, item.start) for item in entry.items]
    if entry.style != STYLE_PLAIN or entry.is_empty:
        return []
    text, start = entry.raw, entry.value_start
    if entry.quoted:
        text, start = text[1:-1], start + 1
    parts = split_spans(text, start)
    if len(parts) > 1 and not parts[-1][0]:
        parts.pop()
    if len(parts) == 1 and not parts[0][0]:
        return []
    return [_unquote(part, part_start) for part, part_start, _ in parts]


def _unquote(text: str, start: int) -> Pattern:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return Pattern(text[1:-1], start + 1, start + len(text) - 1)
    return Pattern(text, start, start + len(text))
