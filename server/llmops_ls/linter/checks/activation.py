"""Checks on when a scoped rule is activated: never, or with keys that do nothing."""

from __future__ import annotations

from collections.abc import Iterator

from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.frontmatter import Entry, FrontMatter
from llmops_ls.linter.globs import compile_glob, entry_patterns
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.registry import check

_EMPTY = FrontMatter()


@check("activation-never")
def check_never_activated(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report scoped rules that nothing applies automatically."""
    block = doc.markdown.front_matter
    if block is not None and not block.closed:
        return  # frontmatter-invalid reports the block; its keys are unknown
    front = doc.front_matter or _EMPTY
    reason = _never_reason(doc.tool, front)
    if reason is None:
        return
    message, anchor_keys = reason
    start, end = _anchor(doc, front, anchor_keys)
    yield ctx.finding("activation-never", doc, start, end, message)


@check("frontmatter-ignored-key")
def check_ignored_keys(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report scoping keys that another key makes the tool ignore."""
    front = doc.front_matter
    if front is None or not front.entries:
        return
    for key, reason in _ignored(doc.tool, front):
        entry = front.entries[key]
        yield ctx.finding(
            "frontmatter-ignored-key",
            doc,
            entry.value_start,
            entry.value_end,
            f"`{key}` has no effect: {reason}",
        )


def _never_reason(tool: Tool, front: FrontMatter) -> tuple[str, tuple[str, ...]] | None:
    """Why a file is never applied automatically, and which keys to point at."""
    if tool is Tool.CURSOR:
        if (
            _is_true(front, "alwaysApply")
            or _has_text(front, "description")
            or _has_patterns(front, "globs")
        ):
            return None
        return (
            "this rule is never applied automatically: with no description, no globs "
            "and alwaysApply not true, Cursor attaches it only when someone "
            "@-mentions it",
            ("alwaysApply", "globs", "description"),
        )
    if tool is Tool.COPILOT_INSTRUCTIONS:
        if _has_patterns(front, "applyTo"):
            return None
        return (
            "these instructions are never applied automatically: without `applyTo` "
            "Copilot uses them only when they are attached to a request by hand "
            '(`applyTo: "**"` applies them to every file)',
            ("applyTo",),
        )
    if tool is Tool.KIRO:
        return _kiro_reason(front)
    if tool is Tool.WINDSURF:
        return _windsurf_reason(front)
    if tool is Tool.CONTINUE:
        always = front.get("alwaysApply")
        if (
            always is None
            or always.value is not False
            or _has_patterns(front, "globs")
            or _has_patterns(front, "regex")
            or _has_text(front, "description")
        ):
            return None
        return (
            "this rule is never applied: with alwaysApply false and no globs, regex or "
            "description, Continue has nothing to include it by",
            ("alwaysApply",),
        )
    return None


def _kiro_reason(front: FrontMatter) -> tuple[str, tuple[str, ...]] | None:
    inclusion = _text(front, "inclusion")
    if inclusion == "fileMatch" and not _has_patterns(front, "fileMatchPattern"):
        return (
            "`inclusion: fileMatch` without a `fileMatchPattern` matches no file, so "
            "this steering file is never included",
            ("inclusion",),
        )
    if inclusion == "auto" and not _has_text(front, "description"):
        return (
            "`inclusion: auto` without a `description` gives Kiro nothing to decide "
            "on, so this steering file is never included automatically",
            ("inclusion",),
        )
    return None


def _windsurf_reason(front: FrontMatter) -> tuple[str, tuple[str, ...]] | None:
    trigger = _text(front, "trigger")
    if trigger == "glob" and not _has_patterns(front, "globs"):
        return (
            "`trigger: glob` without `globs` matches no file, so this rule is never "
            "activated",
            ("trigger",),
        )
    if trigger == "model_decision" and not _has_text(front, "description"):
        return (
            "`trigger: model_decision` without a `description` gives the model "
            "nothing to decide on, so this rule is never activated",
            ("trigger",),
        )
    return None


def _ignored(tool: Tool, front: FrontMatter) -> Iterator[tuple[str, str]]:
    """(key, reason) for each scoping key the tool ignores because of another."""
    if tool in (Tool.CURSOR, Tool.CONTINUE) and _is_true(front, "alwaysApply"):
        for key in ("globs", "regex"):
            if _has_patterns(front, key) and not _matches_everything(front, key):
                yield (
                    key,
                    (
                        "`alwaysApply: true` sends this rule with every request "
                        "whatever files are in context; drop the globs or set "
                        "alwaysApply to false"
                    ),
                )
    elif tool is Tool.WINDSURF:
        trigger = _text(front, "trigger")
        if trigger not in (None, "glob") and _has_patterns(front, "globs"):
            yield "globs", f"globs are only read with `trigger: glob`, not `{trigger}`"
    elif tool is Tool.KIRO and _has_patterns(front, "fileMatchPattern"):
        inclusion = _text(front, "inclusion") or "always"
        if inclusion != "fileMatch":
            yield (
                "fileMatchPattern",
                (
                    f"it is only read with `inclusion: fileMatch`, and this file's "
                    f"inclusion is `{inclusion}`"
                ),
            )


def _entry(front: FrontMatter, key: str) -> Entry | None:
    entry = front.get(key)
    return None if entry is None or entry.is_empty else entry


def _text(front: FrontMatter, key: str) -> str | None:
    entry = _entry(front, key)
    if entry is None or not isinstance(entry.value, str):
        return None
    return entry.value.strip()


def _has_text(front: FrontMatter, key: str) -> bool:
    entry = _entry(front, key)
    if entry is None:
        return False
    if isinstance(entry.value, list):
        return any(str(v).strip() for v in entry.value if v is not None)
    return entry.value is not None and bool(str(entry.value).strip())


def _is_true(front: FrontMatter, key: str) -> bool:
    entry = _entry(front, key)
    if entry is None:
        return False
    # A quoted "true" is reported by frontmatter-type; tools differ in how they read it.
    return entry.value is True or str(entry.value).strip().lower() == "true"


def _has_patterns(front: FrontMatter, key: str) -> bool:
    entry = _entry(front, key)
    return entry is not None and any(p.text for p in entry_patterns(entry))


def _matches_everything(front: FrontMatter, key: str) -> bool:
    entry = _entry(front, key)
    if entry is None:
        return False
    return any(compile_glob(p.text).matches_all for p in entry_patterns(entry))


def _anchor(
    doc: RulesDocument, front: FrontMatter, keys: tuple[str, ...]
) -> tuple[int, int]:
    """Where to report: the first of `keys` present, else `---`, else line 1."""
    for key in keys:
        entry = front.get(key)
        if entry is not None:
            if entry.is_empty:
                return entry.key_start, entry.key_end
            return entry.value_start, entry.value_end
    if doc.markdown.front_matter is not None:
        return 0, 3
    return 0, doc.source.line_end(0) if doc.source.line_count else 0
