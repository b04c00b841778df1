"""Checks on the front-matter block: syntax, keys, value types and allowed values."""

from __future__ import annotations

import re
from collections.abc import Iterator

from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Edit, Finding, Fix
from llmops_ls.linter.frontmatter import (
    STYLE_BLOCK,
    STYLE_FLOW,
    STYLE_LITERAL,
    STYLE_MAPPING,
    STYLE_PLAIN,
    Entry,
    FrontMatter,
)
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.registry import check
from llmops_ls.linter.schemas import KeySpec, Schema, ValueKind, schema_for

_KEY_LIKE = re.compile(r"^[A-Za-z_][\w.-]*[ \t]*:(?:[ \t]|$)", re.MULTILINE)
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
_BOOLEAN_WORDS = {
    "yes": "true",
    "y": "true",
    "on": "true",
    "1": "true",
    "no": "false",
    "n": "false",
    "off": "false",
    "0": "false",
}


@check(
    "frontmatter-invalid",
    "frontmatter-unknown-key",
    "frontmatter-type",
    "frontmatter-value",
)
def check_front_matter(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report front matter that the file's tool cannot read or will misread."""
    if not doc.tool.has_front_matter or not doc.text.startswith("---"):
        return
    block = doc.markdown.front_matter
    if block is not None and not block.closed:
        yield from _unclosed(doc, ctx)
        return
    front = doc.front_matter
    if front is None:
        return
    yield from _syntax(doc, ctx, front)
    schema = schema_for(doc.tool)
    if schema is None:
        return
    for entry in front.entries.values():
        spec = schema.key(entry.key)
        if spec is None:
            yield from _unknown_key(doc, ctx, schema, front, entry)
            continue
        if entry.is_empty:
            continue
        type_finding = _type(doc, ctx, spec, entry)
        if type_finding is not None:
            yield type_finding
        elif spec.kind is ValueKind.ENUM:
            yield from _enum_value(doc, ctx, spec, entry)


@check("frontmatter-unsupported")
def check_unsupported(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report a front-matter block in a file whose tool reads none."""
    text = doc.text
    # A file no tool claims may belong to a site generator that does read the block.
    if doc.tool.has_front_matter or doc.tool is Tool.GENERIC:
        return
    if not text.startswith("---"):
        return
    first_end = text.find("\n")
    if first_end == -1 or text[:first_end].rstrip() != "---":
        return
    closing = _CLOSING.search(text, first_end + 1)
    if closing is None:
        return
    body = text[first_end + 1 : closing.start()]
    keys = _KEY_LIKE.findall(body)
    if not keys:
        return
    names = ", ".join(f"`{k.split(':')[0].strip()}`" for k in keys[:3])
    yield ctx.finding(
        "frontmatter-unsupported",
        doc,
        0,
        3,
        f"{_tool_label(doc)} does not read front matter: {names} "
        "have no effect and the block is sent to the model as plain text",
    )


def _tool_label(doc: RulesDocument) -> str:
    return f"`{doc.relative.rsplit('/', 1)[-1]}` ({doc.tool.value})"


def _unclosed(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """An opening `---` followed by keys but no closing line."""
    text = doc.text
    first_end = text.find("\n")
    rest = text[first_end + 1 :] if first_end != -1 else ""
    first_line = rest.lstrip("\r\n").split("\n", 1)[0]
    if not _KEY_LIKE.match(first_line):
        return  # a thematic break, not front matter
    yield ctx.finding(
        "frontmatter-invalid",
        doc,
        0,
        3,
        "front matter is never closed: add a `---` line after the last key, or the "
        "tool reads no keys at all and sends them to the model as text",
    )


def _syntax(
    doc: RulesDocument, ctx: CheckContext, front: FrontMatter
) -> Iterator[Finding]:
    for problem in front.problems:
        message = problem.message
        if not front.entries and not front.duplicates:
            message += " (if this is not meant as front matter, do not start the file "
            message += "with a `---` line)"
        fix = None
        if problem.replacement is not None:
            fix = Fix(
                "insert the missing space",
                (Edit(problem.start, problem.end, problem.replacement),),
            )
        yield ctx.finding(
            "frontmatter-invalid", doc, problem.start, problem.end, message, fix=fix
        )
    for duplicate in front.duplicates:
        first = front.entries[duplicate.key]
        first_line = doc.source.position(first.key_start).line + 1
        yield ctx.finding(
            "frontmatter-invalid",
            doc,
            duplicate.key_start,
            duplicate.key_end,
            f"duplicate key `{duplicate.key}` (first set on line {first_line}): YAML "
            "readers reject the block and others keep only one of the values",
            related=[
                ctx.related(doc, first.key_start, first.key_end, "first definition")
            ],
        )


def _unknown_key(
    doc: RulesDocument,
    ctx: CheckContext,
    schema: Schema,
    front: FrontMatter,
    entry: Entry,
) -> Iterator[Finding]:
    key = entry.key
    names = schema.names
    suggestion, safe = _suggest_key(key, schema)
    label = doc.tool.value
    if suggestion is None:
        known = ", ".join(f"`{n}`" for n in names)
        yield ctx.finding(
            "frontmatter-unknown-key",
            doc,
            entry.key_start,
            entry.key_end,
            f"{label} does not read `{key}`; it reads {known}",
        )
        return
    fix = None
    if suggestion not in front.entries:
        fix = Fix(
            f"rename `{key}` to `{suggestion}`",
            (Edit(entry.key_start, entry.key_end, suggestion),),
            safe=safe,
        )
    yield ctx.finding(
        "frontmatter-unknown-key",
        doc,
        entry.key_start,
        entry.key_end,
        f"{label} does not read `{key}`: did you mean `{suggestion}`?",
        fix=fix,
    )


def _suggest_key(key: str, schema: Schema) -> tuple[str | None, bool]:
    """The known key meant, and whether renaming to it is certainly right."""
    lowered = {name.lower(): name for name in schema.names}
    folded = key.lower().replace("-", "").replace("_", "")
    for low, name in lowered.items():
        if key.lower() == low:
            return name, True
        if folded == low.replace("-", "").replace("_", ""):
            return name, False
    import difflib  # on first need: most keys are known, and it imports heapq too

    close = difflib.get_close_matches(key.lower(), list(lowered), n=2, cutoff=0.75)
    if len(close) == 1:
        return lowered[close[0]], False
    claimed = [spec.name for spec in schema.keys if key in spec.mistaken_for]
    if len(claimed) == 1:
        return claimed[0], False
    return None, False


def _type(
    doc: RulesDocument, ctx: CheckContext, spec: KeySpec, entry: Entry
) -> Finding | None:
    if (
        entry.style in (STYLE_MAPPING, STYLE_LITERAL)
        and spec.kind is not ValueKind.STRING
    ):
        return _type_finding(doc, ctx, spec, entry, "a nested block")
    if entry.style == STYLE_MAPPING:
        return _type_finding(doc, ctx, spec, entry, "a nested mapping")
    is_list = entry.style in (STYLE_FLOW, STYLE_BLOCK)
    if spec.kind is ValueKind.BOOLEAN:
        return _boolean(doc, ctx, spec, entry, is_list)
    if spec.kind in (ValueKind.STRING, ValueKind.ENUM):
        if is_list:
            return _type_finding(doc, ctx, spec, entry, "a list")
        return None
    if is_list and not spec.accepts_list:
        return _list_to_string(doc, ctx, spec, entry)
    if not is_list and not spec.accepts_string:
        return _type_finding(doc, ctx, spec, entry, "a single string")
    if not is_list and isinstance(entry.value, bool | int | float) and not entry.quoted:
        return _type_finding(doc, ctx, spec, entry, f"`{entry.raw}`")
    for item in entry.items:
        if isinstance(item.value, bool | int | float) or item.value is None:
            if item.value is None and not item.quoted:
                continue  # an empty item; reported by glob-invalid
            return ctx.finding(
                "frontmatter-type",
                doc,
                item.start,
                item.end,
                f"`{spec.name}` items must be strings, found `{item.text}`",
            )
    return None


def _expected(spec: KeySpec) -> str:
    if spec.kind is ValueKind.BOOLEAN:
        return "`true` or `false`"
    if spec.kind in (ValueKind.STRING, ValueKind.ENUM):
        return "a single value"
    if spec.accepts_list and spec.accepts_string:
        return "a string or a list of strings"
    if spec.accepts_list:
        return "a list of strings"
    return "one comma-separated string"


def _type_finding(
    doc: RulesDocument,
    ctx: CheckContext,
    spec: KeySpec,
    entry: Entry,
    found: str,
    *,
    fix: Fix | None = None,
) -> Finding:
    return ctx.finding(
        "frontmatter-type",
        doc,
        entry.value_start,
        entry.value_end,
        f"`{spec.name}` must be {_expected(spec)}, found {found}",
        fix=fix,
    )


def _boolean(
    doc: RulesDocument, ctx: CheckContext, spec: KeySpec, entry: Entry, is_list: bool
) -> Finding | None:
    if is_list:
        return _type_finding(doc, ctx, spec, entry, "a list")
    if isinstance(entry.value, bool) and not entry.quoted:
        return None
    text = str(entry.value).strip().lower()
    if entry.quoted and text in ("true", "false"):
        fix = Fix(
            f"write {text} without quotes",
            (Edit(entry.value_start, entry.value_end, text),),
        )
        return _type_finding(
            doc,
            ctx,
            spec,
            entry,
            f"the string {entry.raw} (quoted, so not a boolean)",
            fix=fix,
        )
    word = _BOOLEAN_WORDS.get(text)
    if word is not None:
        fix = Fix(
            f"write {word}",
            (Edit(entry.value_start, entry.value_end, word),),
            safe=False,
        )
        return _type_finding(doc, ctx, spec, entry, f"`{entry.raw}`", fix=fix)
    return _type_finding(doc, ctx, spec, entry, f"`{entry.raw}`")


def _list_to_string(
    doc: RulesDocument, ctx: CheckContext, spec: KeySpec, entry: Entry
) -> Finding:
    values = [str(item.value) for item in entry.items if item.value is not None]
    fix = None
    if values and not any('"' in v for v in values):
        colon = doc.text.find(":", entry.key_end)
        joined = ",".join(values)
        fix = Fix(
            f'write `{spec.name}: "{joined}"`',
            (Edit(colon + 1, entry.value_end, f' "{joined}"'),),
            safe=False,
        )
    return _type_finding(doc, ctx, spec, entry, "a list", fix=fix)


def _enum_value(
    doc: RulesDocument, ctx: CheckContext, spec: KeySpec, entry: Entry
) -> Iterator[Finding]:
    if entry.style != STYLE_PLAIN or spec.open:
        return
    value = entry.value
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if text in spec.allowed:
        return
    allowed = ", ".join(f"`{a}`" for a in spec.allowed)
    suggestion, safe = _suggest_value(text, spec.allowed)
    fix = None
    hint = ""
    if suggestion is not None:
        hint = f"; did you mean `{suggestion}`?"
        fix = Fix(
            f"write `{suggestion}`",
            (Edit(entry.value_start, entry.value_end, suggestion),),
            safe=safe,
        )
    yield ctx.finding(
        "frontmatter-value",
        doc,
        entry.value_start,
        entry.value_end,
        f"`{spec.name}: {text}` is not one of {allowed}{hint}",
        fix=fix,
    )


def _suggest_value(text: str, allowed: tuple[str, ...]) -> tuple[str | None, bool]:
    for value in allowed:
        if value.lower() == text.lower():
            return value, True
    folded = text.lower().replace("-", "").replace("_", "").replace(" ", "")
    for value in allowed:
        if value.lower().replace("-", "").replace("_", "") == folded:
            return value, False
    import difflib

    close = difflib.get_close_matches(
        text.lower(), [a.lower() for a in allowed], n=2, cutoff=0.7
    )
    if len(close) == 1:
        return next(a for a in allowed if a.lower() == close[0]), False
    return None, False
