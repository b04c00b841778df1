"""Links to local files that do not exist.

Rules files point the model at other files ("see [the API guide](docs/api.md)"); an
assistant that follows a dead link reads nothing, or guesses. Only links a reader could
resolve from the file itself are checked: relative paths, and Cursor's `mdc:` links,
which Cursor resolves from the project root. URLs, `#anchors`, absolute paths and
templated targets are left alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.kinds import Tool, project_root_of
from llmops_ls.linter.markdown import code_spans
from llmops_ls.linter.registry import check

# `[text](target "title")` and `![alt](target)`; the target is group 1 or 2.
_INLINE = re.compile(r"\[[^\]\n]*\]\([ \t]*(?:<([^>\n]+)>|([^\s()<>]+))[^)\n]*\)")
# `[label]: target`, a reference definition when it starts a line (checked apart:
# a `^` anchor in multi-line mode is tried at every character).
_REFERENCE = re.compile(r"\[[^\]\n]+\]:[ \t]*(?:<([^>\n]+)>|([^\s\[<]\S*))")
# What each form needs somewhere in the text, to skip the form's full scan.
_MARKED = ((_INLINE, re.compile(r"\]\(")), (_REFERENCE, re.compile(r"\]:")))
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Placeholders and globs: `{name}`, `$VAR`, `*`, `<id>`: not a real path.
_TEMPLATED = re.compile(r"[{}$*<>|\"'`]")


@check("link-missing")
def check_links(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report links and reference definitions to local files that do not exist."""
    text = doc.text
    if "]" not in text:  # one `memchr`; a two-character `in` scans far slower
        return
    regexes = [r for r, mark in _MARKED if mark.search(text) is not None]
    for regex in regexes:
        for match in regex.finditer(text):
            if regex is _REFERENCE and not _starts_line(text, match.start()):
                continue
            group = 1 if match.start(1) != -1 else 2
            target = match.group(group)
            if _SCHEME.match(target) and not target.startswith("mdc:"):
                continue  # most links are URLs: skip them before any other work
            start, end = match.start(group), match.end(group)
            if not _in_prose(doc, match.start(), start):
                continue
            missing = _missing_target(doc, ctx, target)
            if missing is not None:
                yield ctx.finding("link-missing", doc, start, end, missing)


def _starts_line(text: str, offset: int) -> bool:
    """Whether only up to three spaces stand between the line start and `offset`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return offset - line_start <= 3 and not text[line_start:offset].strip(" ")


def _in_prose(doc: RulesDocument, link_start: int, target_start: int) -> bool:
    if link_start < doc.body_start or not doc.markdown.is_prose(target_start):
        return False
    source = doc.source
    line = source.position(link_start).line
    base = source.line_start(line)
    return not any(
        s <= link_start - base < e for s, e in code_spans(source.line_text(line))
    )


def _missing_target(doc: RulesDocument, ctx: CheckContext, target: str) -> str | None:
    """A message when the link points at a local file that does not exist.

    Answers are remembered per folder and target until files appear or go: a long
    file links the same targets on every edit.
    """
    workspace = ctx.workspace
    key = (doc.path.parent, doc.tool is Tool.CURSOR and doc.relative, target)
    return workspace.recall(
        workspace.existence_memo("links"),
        key,
        lambda: _resolve_target(doc, ctx, target),
    )


def _resolve_target(doc: RulesDocument, ctx: CheckContext, target: str) -> str | None:
    base = os.path.dirname(doc.path)
    if target.startswith("mdc:"):
        # Cursor resolves `mdc:` links from the project root.
        target = target[4:]
        project = (
            project_root_of(doc.relative, doc.tool) if doc.tool is Tool.CURSOR else None
        )
        base = str(ctx.workspace.root / (project or PurePosixPath(".")))
    if (
        not target
        or target.startswith(("#", "/", "~", "\\"))
        or _SCHEME.match(target)
        or _TEMPLATED.search(target)
    ):
        return None
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return None
    # One string join and one `Path`: a long file checks hundreds of links per edit.
    resolved = Path(os.path.normpath(os.path.join(base, path)))
    if ctx.workspace.exists(resolved) or ctx.workspace.is_dir(resolved):
        return None
    where = ctx.workspace.relative(resolved.parent)
    return (
        f"link target `{path}` does not exist (looked in `{where}/`); an assistant"
        " following this link finds nothing"
    )
