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
    """A list of relative paths prepared for fast `any_match` queries."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = paths
        self._joined = "\n".join(paths)
        self._answers: dict[str, bool] = {}

    def has_folder(self, folder: str) -> bool:
        """Whether any path lies inside a folder (given without trailing `/`)."""
        prefix = folder + "/"
        return self._joined.startswith(prefix) or f"\n{prefix}" in self._joined

    def any_match(self, pattern: str) -> bool:
        """Whether any path matches the pattern (cached per pattern)."""
        answer = self._answers.get(pattern)
        if answer is None:
            glob = compile_glob(pattern)
            if not self.paths:
                answer = False
            elif glob.matches_all:
                answer = True
            elif not all(text in self._joined for text in glob.literals):
                answer = False
            else:
                answer = glob.regex.search(self._joined) is not None
            self._answers[pattern] = answer
        return answer


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
