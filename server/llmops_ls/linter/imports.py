"""`@path` imports in memory files, found and followed the way the assistants do.

Claude Code (CLAUDE.md, `.claude/rules/*.md`) and Gemini CLI (GEMINI.md) both pull other
files into the model's context with an `@path` token. Claude Code's reading, which this
module follows, is: a token is `@` at the start of a text run or after whitespace, up
to the next whitespace (`\\ ` escapes a space); `#fragment` is cut off; it must start
with `./`, `~/`, `/` or a letter, digit, `.`, `_` or `-`; it is resolved against the
folder of the importing file (`~/` is the home folder); code spans, fenced code and
HTML comments are not read; files with a non-text extension are skipped; a file
already loaded is not loaded again; and a file five imports away from the memory file
is not loaded (the loader stops at depth 5, the file itself being depth 0). A missing
file is skipped silently, which is why the linter reports it.

Gemini CLI differs in small ways: it has no `~/` expansion and keeps `#` as part of the
path, refuses imports outside the project root, and still loads a file at depth 5
(it stops following imports there).

Text such as `@alice`, `@Component` or `npm i @types/node` also passes the tools' test
and is silently "imported" as a missing file. So every token is followed when the file
exists, but `Import.confident` says whether the token looks enough like a path to call
it a broken import when it does not.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.markdown import code_spans, in_other_code
from llmops_ls.linter.workspace import Workspace

# `@` and the path after it; what may precede `@` is checked in `_opener_before`
# (a leading lookbehind would be tried at every character of the text).
_TOKEN = re.compile(r"@((?:[^\s\\`]|\\ )+)")
_CLAUDE_FIRST_CHAR = re.compile(r"[A-Za-z0-9._-]")
_CLAUDE_REJECTED_START = re.compile(r"[#%^&*()]+")
_OPENERS = "*_~["
# Sentence punctuation that the tools read as part of the path.
_TRAILING_PUNCTUATION = ".,;:!?)]}'\">"

# Claude Code stops at depth 5: the importing file is depth 0, so depths 1-4 load.
CLAUDE_MAX_DEPTH = 5
# Gemini CLI reads a file at depth 5 but follows none of its imports.
GEMINI_MAX_DEPTH = 6

# Extensions whose files Claude Code reads when imported; others are skipped.
CLAUDE_TEXT_EXTENSIONS = frozenset(
    {
        ".md",
        ".txt",
        ".text",
        ".json",
        ".yaml",
        ".yml",
        ".toml",
        ".xml",
        ".csv",
        ".html",
        ".htm",
        ".css",
        ".scss",
        ".sass",
        ".less",
        ".js",
        ".ts",
        ".tsx",
        ".jsx",
        ".mjs",
        ".cjs",
        ".mts",
        ".cts",
        ".py",
        ".pyi",
        ".pyw",
        ".rb",
        ".erb",
        ".rake",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".kts",
        ".scala",
        ".c",
        ".cpp",
        ".cc",
        ".cxx",
        ".h",
        ".hpp",
        ".hxx",
        ".cs",
        ".swift",
        ".sh",
        ".bash",
        ".zsh",
        ".fish",
        ".ps1",
        ".bat",
        ".cmd",
        ".env",
        ".ini",
        ".cfg",
        ".conf",
        ".config",
        ".properties",
        ".sql",
        ".graphql",
        ".gql",
        ".proto",
        ".vue",
        ".svelte",
        ".astro",
        ".ejs",
        ".hbs",
        ".pug",
        ".jade",
        ".php",
        ".pl",
        ".pm",
        ".lua",
        ".r",
        ".dart",
        ".ex",
        ".exs",
        ".erl",
        ".hrl",
        ".clj",
        ".cljs",
        ".cljc",
        ".edn",
        ".hs",
        ".lhs",
        ".elm",
        ".ml",
        ".mli",
        ".f",
        ".f90",
        ".f95",
        ".for",
        ".cmake",
        ".make",
        ".makefile",
        ".gradle",
        ".sbt",
        ".rst",
        ".adoc",
        ".asciidoc",
        ".org",
        ".tex",
        ".latex",
        ".lock",
        ".log",
        ".diff",
        ".patch",
    }
)
# Extensions that say "a document" strongly enough to report a bare `@NAME.ext`.
DOCUMENT_EXTENSIONS = frozenset(
    {
        ".md",
        ".mdc",
        ".markdown",
        ".txt",
        ".json",
        ".yaml",
        ".yml",
        ".toml",
        ".rst",
        ".adoc",
    }
)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


@dataclass(frozen=True, slots=True)
class Import:
    """One `@path` token: the text as written, the path the tool resolves, offsets.

    `start`/`end` cover the token from the `@` to the end of what the tool reads as the
    path (a `#fragment` included). `confident` says whether the token looks like a
    file path rather than a mention, a decorator or an npm scope.
    """

    raw: str
    path: str
    start: int
    end: int
    confident: bool = True

    @property
    def trailing(self) -> str:
        """Sentence punctuation at the end of the path that the tool reads as path."""
        return self.path[len(self.path.rstrip(_TRAILING_PUNCTUATION)) :]

    @property
    def is_home(self) -> bool:
        """Whether the path starts with `~/` (the user's home folder)."""
        return self.path.startswith("~/")

    @property
    def is_absolute(self) -> bool:
        """Whether the path is absolute."""
        return self.path.startswith("/")


def find_imports(doc: RulesDocument) -> list[Import]:
    """The `@path` imports of a document, in order (none for tools without imports)."""
    cached = doc.cache.get("imports")
    if isinstance(cached, list):
        return cached
    found = list(_scan(doc)) if doc.tool.supports_imports else []
    doc.cache["imports"] = found
    return found


def resolve(imp: Import, doc: RulesDocument, workspace: Workspace) -> Path:
    """The absolute, normalised path an import points at (symbolic links kept)."""
    del workspace  # resolution depends on the importing file only
    if imp.is_home and doc.tool is not Tool.GEMINI:
        target = Path.home() / imp.path[2:]
    elif imp.is_absolute:
        target = Path(imp.path)
    else:
        target = doc.path.parent / imp.path
    return Path(os.path.normpath(target))


def is_inside(path: Path, workspace: Workspace) -> bool:
    """Whether a normalised absolute path lies in the workspace (lexically, cheaply)."""
    return path.is_relative_to(workspace.root)


def file_exists(path: Path, workspace: Workspace) -> bool:
    """Whether a file exists, trying one cheap `stat` before the editor overlay."""
    if os.path.isfile(path):
        workspace.depend_on(path)
        return True
    return workspace.exists(path)


def max_depth(tool: Tool) -> int:
    """The import depth at which the tool stops loading files."""
    return GEMINI_MAX_DEPTH if tool is Tool.GEMINI else CLAUDE_MAX_DEPTH


def is_loadable(path: Path, tool: Tool) -> bool:
    """Whether the tool reads a file of this name when it is imported."""
    if tool is Tool.GEMINI:
        return True
    suffix = path.suffix.lower()
    return not suffix or suffix in CLAUDE_TEXT_EXTENSIONS


def _scan(doc: RulesDocument) -> Iterator[Import]:
    text = doc.text
    if "@" not in text:
        return
    claude = doc.tool is not Tool.GEMINI
    source = doc.source
    spans_by_line: dict[int, list[tuple[int, int]]] = {}
    body_line = source.position(doc.body_start).line
    for match in _TOKEN.finditer(text):
        at = match.start()
        opener = _opener_before(text, at)
        if opener is None or not doc.markdown.is_prose(at) or at < doc.body_start:
            continue
        line = source.position(at).line
        if line not in spans_by_line:
            spans_by_line[line] = code_spans(source.line_text(line))
        column = at - source.line_start(line)
        if any(s <= column < e for s, e in spans_by_line[line]):
            continue
        if in_other_code(source, line, column, body_line):
            continue
        raw = _cut_at_closer(match.group(1), opener)
        imp = _make_import(raw, at, claude)
        if imp is not None:
            yield imp


def _opener_before(text: str, at: int) -> str | None:
    """The emphasis or bracket run before `@`, or None when `@` is inside a word."""
    begin = at
    while begin > 0 and text[begin - 1] in _OPENERS:
        begin -= 1
    if begin > 0 and not text[begin - 1].isspace():
        return None
    return text[begin:at]


def _cut_at_closer(raw: str, opener: str) -> str:
    if "[" in opener:
        cut = raw.find("]")
        return raw if cut == -1 else raw[:cut]
    emphasis = opener.strip("[")
    if emphasis:
        closer = emphasis[::-1]
        cut = raw.rfind(closer)
        if cut > 0:
            return raw[:cut]
    return raw


def _make_import(raw: str, at: int, claude: bool) -> Import | None:
    path = raw
    if claude:
        hash_at = path.find("#")
        if hash_at != -1:
            path = path[:hash_at]
    path = path.replace("\\ ", " ")
    if not path:
        return None
    if claude:
        valid = (
            path.startswith(("./", "~/"))
            or (path.startswith("/") and path != "/")
            or (
                not path.startswith("@")
                and _CLAUDE_REJECTED_START.match(path) is None
                and _CLAUDE_FIRST_CHAR.match(path) is not None
            )
        )
    else:
        valid = path[0] in "./" or (path[0].isascii() and path[0].isalpha())
    if not valid:
        return None
    return Import("@" + raw, path, at, at + 1 + len(raw), _looks_like_path(path))


def _looks_like_path(path: str) -> bool:
    """Whether a token is clearly meant as a file path (see the module docstring)."""
    if path.startswith(("./", "../", "~/", "/")):
        return True
    trimmed = path.rstrip(_TRAILING_PUNCTUATION)
    match = _EXTENSION.search(trimmed)
    extension = match.group(0).lower() if match else ""
    if extension in DOCUMENT_EXTENSIONS:
        return True
    if "/" not in trimmed:
        # `@alice`, `@README`, `@Next.js`: a mention or a name as often as a file.
        return False
    parts = PurePosixPath(trimmed).parts
    # `@scope/pkg` and `@types/node.d.ts` read as npm packages; deeper paths do not.
    return len(parts) > 2 and bool(extension)


@dataclass(frozen=True, slots=True)
class Step:
    """One file reached through imports: the file, its depth, and how it was reached."""

    doc: RulesDocument
    depth: int
    via: Import | None = None
    parent: Step | None = None

    def trail(self) -> list[Step]:
        """The steps from the importing root down to this one."""
        steps: list[Step] = []
        step: Step | None = self
        while step is not None:
            steps.append(step)
            step = step.parent
        return steps[::-1]


@dataclass(slots=True)
class ImportWalk:
    """What loading a file loads through imports, in the tool's order.

    `loaded` starts with the file itself; `too_deep` holds files the tool would have
    loaded but for its depth limit (each with the trail that reached it).
    """

    loaded: list[Step] = field(default_factory=list)
    too_deep: list[Step] = field(default_factory=list)


def walk_imports(doc: RulesDocument, workspace: Workspace) -> ImportWalk:
    """Follow imports depth-first as the tool does: no repeats, depth-limited.

    Only files inside the workspace are followed: files elsewhere (`~/`, absolute
    paths) differ between machines, and Claude Code asks before loading them.
    """
    return workspace.recall(doc.cache, "import_walk", lambda: _walk(doc, workspace))


def _walk(doc: RulesDocument, workspace: Workspace) -> ImportWalk:
    walk = ImportWalk()
    limit = max_depth(doc.tool)
    seen: set[Path] = {doc.path}
    _follow(Step(doc, 0), workspace, (doc.tool, limit), seen, walk)
    # A file cut off on one path may still load through a shorter one.
    walk.too_deep = [s for s in walk.too_deep if s.doc.path not in seen]
    return walk


def _follow(
    step: Step,
    workspace: Workspace,
    reader: tuple[Tool, int],
    seen: set[Path],
    walk: ImportWalk,
) -> None:
    tool, limit = reader
    walk.loaded.append(step)
    for imp, target in imported_files(step.doc, workspace, tool):
        if target.path in seen:
            continue
        child = Step(target, step.depth + 1, imp, step)
        if child.depth >= limit:
            walk.too_deep.append(child)
            continue
        seen.add(target.path)
        _follow(child, workspace, reader, seen, walk)


def imported_files(
    doc: RulesDocument, workspace: Workspace, tool: Tool | None = None
) -> list[tuple[Import, RulesDocument]]:
    """The existing, loadable workspace files a document imports, with their tokens.

    Imported files are read with the importing tool's rules (`tool`, by default the
    document's own), since a plain Markdown file imported by CLAUDE.md is read the
    way Claude Code reads CLAUDE.md.
    """
    tool = tool or doc.tool
    return workspace.recall(
        doc.cache,
        f"imported_files:{tool.value}",
        lambda: _imported_files(doc, workspace, tool),
    )


def read_as(doc: RulesDocument, workspace: Workspace, tool: Tool) -> RulesDocument:
    """The file as `tool` reads it: an imported file gets its importer's rules."""
    return doc if doc.tool is tool else _as_tool(doc, workspace, tool)


def _imported_files(
    doc: RulesDocument, workspace: Workspace, tool: Tool
) -> list[tuple[Import, RulesDocument]]:
    reader = read_as(doc, workspace, tool)
    result: list[tuple[Import, RulesDocument]] = []
    for imp in find_imports(reader):
        target = resolve(imp, reader, workspace)
        if (
            not is_loadable(target, tool)
            or not is_inside(target, workspace)
            or not file_exists(target, workspace)
        ):
            continue
        result.append((imp, workspace.document(target)))
    return result


def _as_tool(doc: RulesDocument, workspace: Workspace, tool: Tool) -> RulesDocument:
    """The same file as `tool` reads it (an imported file gets its importer's rules)."""
    key = f"as_tool:{tool.value}"
    cached = doc.cache.get(key)
    if isinstance(cached, RulesDocument):
        return cached
    from llmops_ls.linter import document

    del workspace
    view = document.build(
        doc.path,
        doc.relative,
        tool,
        doc.text,
        invalid_utf8=doc.invalid_utf8,
        read_error=doc.read_error,
        size_bytes=doc.size_bytes,
    )
    doc.cache[key] = view
    return view
