"""Checks on size: token budgets per file and per load chain, and tools' own limits.

Token findings sit on the first line of text after any front matter (usually the
title), since they are about the file as a whole. Limit findings sit where the limit is
crossed, because that is where a tool stops reading.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from llmops_ls.linter import tokens
from llmops_ls.linter.bodies import ENCODING as _ENCODING
from llmops_ls.linter.bodies import body, bound
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding, Related, Severity
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.limits import SizeLimit, Unit, limits_for
from llmops_ls.linter.loadchain import load_chain
from llmops_ls.linter.registry import check
from llmops_ls.linter.workspace import Workspace

_CLAUDE_TOOLS = frozenset({Tool.CLAUDE, Tool.CLAUDE_RULES})
_LISTED_CONTRIBUTORS = 3
_CODEX_NAMES = ("AGENTS.override.md", "AGENTS.md")


@check("token-budget")
def check_token_budget(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report a file, or a file with what loads along with it, over its token budget."""
    budgets = ctx.settings.budgets

    if bound(doc) > budgets.file_tokens:
        count = _tokens(doc)
        if count > budgets.file_tokens:
            start, end = _anchor(doc)
            yield ctx.finding(
                "token-budget",
                doc,
                start,
                end,
                f"{count:,} tokens ({_counted_with(doc)}), over the budget of "
                f"{budgets.file_tokens:,} for one rules file; every request that "
                "loads this file pays for all of them",
            )

    # One file alone is the file budget's business; the chain adds what comes with it.
    chain = load_chain(doc, ctx.workspace)
    if len(chain) < 2:
        return
    chain_bound = sum(bound(member) for member in chain)
    if chain_bound <= budgets.chain_tokens:
        return
    counts = [(member, _tokens(member)) for member in chain]
    total = sum(count for _, count in counts)
    if total <= budgets.chain_tokens:
        return
    largest = sorted(counts, key=lambda item: -item[1])[:_LISTED_CONTRIBUTORS]
    listed = ", ".join(f"{member.relative} {count:,}" for member, count in largest)
    start, end = _anchor(doc)
    yield ctx.finding(
        "token-budget",
        doc,
        start,
        end,
        f"with the {_files(len(chain) - 1)} loaded along with it, this file costs "
        f"{total:,} tokens ({_counted_with(doc)}), over the load-chain budget of "
        f"{budgets.chain_tokens:,}; largest: {listed}",
        related=[
            _whole_file(ctx, member, f"loaded with {doc.relative}: {count:,} tokens")
            for member, count in counts[1:]
        ],
    )


@check("tool-size-limit")
def check_tool_size_limits(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report a file past a size limit its tool publishes, where it is crossed."""
    for limit in limits_for(doc.tool):
        if limit.chained:
            found = _codex_chain(limit, doc, ctx)
        elif limit.unit is Unit.LINES:
            found = _over_lines(limit, doc, ctx)
        else:
            found = _over_characters(limit, doc, ctx)
        if found is not None:
            yield _with_severity(found, limit, ctx)


# -- tokens ----------------------------------------------------------------------------


def _tokens(doc: RulesDocument) -> int:
    key = f"tokens:{_ENCODING}"
    cached = doc.cache.get(key)
    if isinstance(cached, int):
        return cached
    count = tokens.count_tokens(body(doc), _ENCODING)
    doc.cache[key] = count
    return count


def _counted_with(doc: RulesDocument) -> str:
    if doc.tool in _CLAUDE_TOOLS:
        return f"{_ENCODING}; an estimate for Claude models"
    return _ENCODING


def _files(count: int) -> str:
    return "file" if count == 1 else f"{count} files"


def _anchor(doc: RulesDocument) -> tuple[int, int]:
    """The first non-blank line after the front matter, or the first line."""
    source = doc.source
    first = source.position(doc.body_start).line
    for line in range(first, source.line_count):
        if source.line_text(line).strip():
            return source.line_start(line), source.line_end(line)
    return 0, source.line_end(0)


def _whole_file(ctx: CheckContext, doc: RulesDocument, message: str) -> Related:
    start, end = _anchor(doc)
    return ctx.related(doc, start, end, message)


# -- published limits ------------------------------------------------------------------


def _over_characters(
    limit: SizeLimit, doc: RulesDocument, ctx: CheckContext
) -> Finding | None:
    # Front matter is settings, not rule text, so it is given the benefit of the doubt.
    length = len(doc.text) - doc.body_start
    if length <= limit.maximum:
        return None
    start, end = _from_offset(doc, doc.body_start + limit.maximum)
    counted = " after its front matter" if doc.body_start else ""
    return ctx.finding(
        "tool-size-limit",
        doc,
        start,
        end,
        f"{limit.describe()}; this file has {length:,}{counted}: {limit.effect}",
    )


def _over_lines(
    limit: SizeLimit, doc: RulesDocument, ctx: CheckContext
) -> Finding | None:
    lines = doc.source.line_count
    if lines <= limit.maximum:
        return None
    source = doc.source
    return ctx.finding(
        "tool-size-limit",
        doc,
        source.line_start(limit.maximum),
        source.line_end(limit.maximum),
        f"{limit.describe()}; this file has {lines:,}: {limit.effect}",
    )


def _codex_chain(
    limit: SizeLimit, doc: RulesDocument, ctx: CheckContext
) -> Finding | None:
    """Codex concatenates one AGENTS file per folder from the project root down.

    It charges each non-blank file's bytes to one budget and cuts the file that
    overshoots it; when Codex runs in this file's folder, this file comes last.
    """
    folder = doc.path.parent
    if doc.path.name == "AGENTS.md" and ctx.workspace.exists(folder / _CODEX_NAMES[0]):
        return None  # Codex reads the override in this folder instead
    if not doc.text.strip():
        return None  # Codex skips blank files
    data = doc.text.encode("utf-8", "surrogatepass")

    spent = 0
    earlier: list[tuple[RulesDocument, int]] = []
    for ancestor in _codex_folders_above(folder, ctx):
        member = _codex_file(ancestor, ctx)
        if member is None or not member.text.strip():
            continue
        size = len(member.text.encode("utf-8", "surrogatepass"))
        earlier.append((member, size))
        spent += size
    remaining = limit.maximum - spent
    if len(data) <= remaining:
        return None

    cut = max(remaining, 0)
    start, end = _from_offset(doc, len(data[:cut].decode("utf-8", "ignore")))
    if not earlier:
        where = f"this file has {len(data):,}"
    elif cut == 0:
        where = f"the AGENTS files above use {spent:,}, so none of this one is read"
    else:
        where = f"the AGENTS files above use {spent:,}, and this one has {len(data):,}"
    return ctx.finding(
        "tool-size-limit",
        doc,
        start,
        end,
        f"{limit.describe()}; {where}: {limit.effect}",
        related=[
            _whole_file(ctx, member, f"uses {size:,} bytes of Codex's limit first")
            for member, size in earlier
        ],
    )


def _codex_folders_above(folder: Path, ctx: CheckContext) -> list[Path]:
    """Folders from the project root down to just above `folder`.

    Codex's project root is the nearest folder holding `.git`; the walk never leaves
    the workspace.
    """
    workspace = ctx.workspace
    root = workspace.root
    if _has_git(folder, workspace) or folder == root:
        return []
    above: list[Path] = []
    for parent in folder.parents:
        if not workspace.contains(parent):
            break
        above.append(parent)
        if parent == root or _has_git(parent, workspace):
            break
    above.reverse()
    return above


def _has_git(folder: Path, workspace: Workspace) -> bool:
    """Whether `.git` (a folder, or a file in a worktree) marks a repository root."""
    marker = folder / ".git"
    workspace.depend_on(marker)
    return marker.exists()


def _codex_file(folder: Path, ctx: CheckContext) -> RulesDocument | None:
    for name in _CODEX_NAMES:
        path = folder / name
        if ctx.workspace.exists(path):
            return ctx.workspace.document(path)
    return None


def _from_offset(doc: RulesDocument, offset: int) -> tuple[int, int]:
    """From the first character past a limit to the end of its line."""
    source = doc.source
    offset = min(offset, len(source.text))
    end = source.line_end(source.position(offset).line)
    if end <= offset and offset + 1 < len(source.text):
        # The limit falls on a line break: what is lost starts on the next line.
        offset += 1
        end = source.line_end(source.position(offset).line)
    return offset, max(end, min(offset + 1, len(source.text)))


def _with_severity(finding: Finding, limit: SizeLimit, ctx: CheckContext) -> Finding:
    """Errors where the tool drops content, unless the settings chose a severity."""
    if limit.truncates and finding.rule not in ctx.settings.severity:
        return dataclasses.replace(finding, severity=Severity.ERROR)
    return finding
