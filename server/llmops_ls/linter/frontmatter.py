"""Front matter read the way the assistants read it, not as strict YAML.

Cursor writes ``globs: **/*.ts, src/**`` unquoted, which strict YAML rejects because `*`
starts an alias; Cursor itself splits the text on commas. Copilot's ``applyTo`` is one
comma-separated string; Kiro, Cline and Claude rules have their own keys. This module
reads the block as flat ``key: value`` lines with flow and block lists, keeps the raw
text and its offsets (of every list item too), and leaves interpretation of each key to
the checks. What no reader can make sense of is kept in `FrontMatter.problems`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Scalar = str | bool | int | float | None
Value = Scalar | list[Scalar]

_KEY_LINE = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+|$)(.*)$")
# `key:value` with no space: YAML reads the whole line as one plain scalar.
_KEY_NO_SPACE = re.compile(r"^([A-Za-z_][\w.-]*):([^\s/:].*)$")
_ITEM_LINE = re.compile(r"^([ \t]*)-(?:[ \t]+(.*)|$)")
_NESTED_KEY = re.compile(r"^[ \t]+[\w.-]+[ \t]*:(?:[ \t]|$)")
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")
_BLOCK_SCALAR = re.compile(r"^[|>][-+]?\d?$")

STYLE_PLAIN = "plain"  # a scalar on the key's line, quoted or not
STYLE_FLOW = "flow"  # [a, b]
STYLE_BLOCK = "block"  # `- a` lines under the key
STYLE_LITERAL = "literal"  # | or > followed by indented lines
STYLE_MAPPING = "mapping"  # indented `k: v` lines under the key
STYLE_EMPTY = "empty"  # nothing after the colon and nothing under it


@dataclass(frozen=True, slots=True)
class Item:
    """One element of a list value, with its offsets (quotes included)."""

    text: str
    value: Scalar
    start: int
    end: int
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """One top-level key with its raw value text and where both are."""

    key: str
    raw: str
    value: Value
    key_start: int
    key_end: int
    value_start: int
    value_end: int
    quoted: bool = False
    style: str = STYLE_PLAIN
    items: tuple[Item, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Whether the key has no value at all (``globs:``); tools read it as unset."""
        return self.style == STYLE_EMPTY or (
            self.value is None and not self.quoted and self.style == STYLE_PLAIN
        )


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """A line of the block that no tool can read, with an optional replacement."""

    message: str
    start: int
    end: int
    replacement: str | None = None


@dataclass(slots=True)
class FrontMatter:
    """The parsed block: entries in order of appearance, and unreadable lines."""

    entries: dict[str, Entry] = field(default_factory=dict)
    duplicates: list[Entry] = field(default_factory=list)
    problems: list[SyntaxProblem] = field(default_factory=list)

    def get(self, key: str) -> Entry | None:
        """The entry of a key, if present."""
        return self.entries.get(key)


@dataclass(slots=True)
class _Open:
    """A key whose value continues on the following indented lines."""

    key: str
    key_start: int
    key_end: int
    value_start: int
    style: str = STYLE_EMPTY
    literal: str = ""
    lines: list[tuple[str, int, int]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


def parse(body: str, offset: int) -> FrontMatter:
    """Parse the text between the `---` lines; `offset` is where `body` starts."""
    result = FrontMatter()
    position = offset
    pending: _Open | None = None

    for line in body.splitlines(keepends=True):
        text = line.rstrip("\r\n")
        start = position
        position += len(line)
        stripped = text.strip()
        if not stripped:
            continue
        indented = text[0] in " \t"
        if stripped.startswith("#") and not (
            pending is not None and pending.style == STYLE_LITERAL and indented
        ):
            continue

        if pending is not None and _continues(pending, text, indented):
            _extend(pending, result, text, start)
            continue
        if pending is not None:
            _close(pending, result)
            pending = None
        if result.entries and (indented or _open_flow(result)):
            _fold_into_last(result, body, offset, start + len(text.rstrip()))
            continue
        pending = _read_key_line(result, text, start)
    if pending is not None:
        _close(pending, result)
    return result


def _continues(pending: _Open, text: str, indented: bool) -> bool:
    """Whether a line belongs to the value of the open key."""
    if pending.style == STYLE_LITERAL:
        return indented
    if _ITEM_LINE.match(text) and pending.style != STYLE_MAPPING:
        return pending.style in (STYLE_EMPTY, STYLE_BLOCK)
    if not indented:
        return False
    if pending.style == STYLE_MAPPING:
        return True
    if pending.style == STYLE_EMPTY:
        return _NESTED_KEY.match(text) is not None
    return pending.style in (STYLE_MAPPING, STYLE_BLOCK)


def _extend(pending: _Open, result: FrontMatter, text: str, start: int) -> None:
    stripped = text.strip()
    if pending.style == STYLE_LITERAL:
        pending.lines.append(
            (
                stripped,
                start + len(text) - len(text.lstrip()),
                start + len(text.rstrip()),
            )
        )
        return
    item = _ITEM_LINE.match(text)
    if item is not None and pending.style in (STYLE_EMPTY, STYLE_BLOCK):
        pending.style = STYLE_BLOCK
        raw = _strip_comment(item.group(2) or "").strip()
        item_start = start + (item.start(2) if item.group(2) is not None else len(text))
        item_start += len(item.group(2) or "") - len((item.group(2) or "").lstrip())
        if raw[:1] in ("[", "{"):
            result.problems.append(
                SyntaxProblem(
                    "nested collections are not read by any rules-file tool",
                    item_start,
                    item_start + len(raw),
                )
            )
        _check_quotes(result, raw, item_start)
        value, quoted = parse_scalar(raw)
        pending.items.append(
            Item(raw, value, item_start, item_start + len(raw), quoted)
        )
        return
    if pending.style == STYLE_BLOCK:
        # An indented line under a list item continues that item (a folded scalar).
        if pending.items:
            last = pending.items[-1]
            raw = f"{last.text} {stripped}"
            value, quoted = parse_scalar(raw)
            pending.items[-1] = Item(raw, value, last.start, start + len(text), quoted)
        return
    pending.style = STYLE_MAPPING
    pending.lines.append(
        (stripped, start + len(text) - len(text.lstrip()), start + len(text.rstrip()))
    )


def _close(pending: _Open, result: FrontMatter) -> None:
    key, key_start, key_end = pending.key, pending.key_start, pending.key_end
    if pending.style == STYLE_BLOCK:
        items = tuple(pending.items)
        raw = "\n".join(item.text for item in items)
        values = [item.value for item in items]
        _add(
            result,
            Entry(
                key,
                raw,
                values,
                key_start,
                key_end,
                items[0].start,
                items[-1].end,
                style=STYLE_BLOCK,
                items=items,
            ),
        )
        return
    if pending.style in (STYLE_LITERAL, STYLE_MAPPING) and pending.lines:
        joiner = " " if pending.literal.startswith(">") else "\n"
        raw = joiner.join(text for text, _, _ in pending.lines)
        _add(
            result,
            Entry(
                key,
                raw,
                raw,
                key_start,
                key_end,
                pending.lines[0][1],
                pending.lines[-1][2],
                style=pending.style,
            ),
        )
        return
    if pending.style == STYLE_LITERAL:
        _add(
            result,
            Entry(
                key,
                "",
                "",
                key_start,
                key_end,
                pending.value_start,
                pending.value_start,
                style=STYLE_LITERAL,
            ),
        )
        return
    _add(
        result,
        Entry(
            key,
            "",
            None,
            key_start,
            key_end,
            pending.value_start,
            pending.value_start,
            style=STYLE_EMPTY,
        ),
    )


def _open_flow(result: FrontMatter) -> bool:
    """Whether the last entry is a flow list whose `]` is still to come."""
    last = next(reversed(result.entries.values()))
    return last.style == STYLE_FLOW and not last.raw.rstrip().endswith("]")


def _fold_into_last(result: FrontMatter, body: str, offset: int, end: int) -> None:
    """A value continued on later lines (a folded scalar, a multi-line flow list)."""
    last = next(reversed(result.entries.values()))
    if last.style not in (STYLE_PLAIN, STYLE_FLOW, STYLE_EMPTY):
        return
    text = body[last.value_start - offset : end - offset]
    value_start = last.value_start + len(text) - len(text.lstrip())
    text = text.strip()
    if last.style == STYLE_FLOW:
        raw = text
        value, quoted = parse_value(raw)
        items = tuple(_flow_items(raw, value_start))
        style = STYLE_FLOW
    else:
        raw = " ".join(part.strip() for part in text.splitlines())
        value, quoted = parse_value(raw)
        items, style = (), STYLE_PLAIN
    result.entries[last.key] = Entry(
        last.key,
        raw,
        value,
        last.key_start,
        last.key_end,
        value_start,
        end,
        quoted,
        style,
        items,
    )
    # A quote or bracket closed on a later line is no longer a problem.
    result.problems = [p for p in result.problems if p.start != last.value_start]
    _check_quotes(result, raw, value_start)


def _read_key_line(result: FrontMatter, text: str, start: int) -> _Open | None:
    match = _KEY_LINE.match(text)
    if match is None:
        glued = _KEY_NO_SPACE.match(text)
        if glued is not None:
            key = glued.group(1)
            result.problems.append(
                SyntaxProblem(
                    f"`{key}:` needs a space after the colon; YAML readers see one "
                    "plain string here, not a key",
                    start,
                    start + len(key) + 1,
                    f"{key}: ",
                )
            )
            match = re.match(r"^([A-Za-z_][\w.-]*):()(.*)$", text)
            assert match is not None
            return _entry_from(
                result, match.group(1), match.group(3), start, start + match.start(3)
            )
        result.problems.append(
            SyntaxProblem(
                f"cannot read this line as `key: value`: {text.strip()[:60]!r}",
                start,
                start + len(text),
            )
        )
        return None
    key, raw = match.group(1), match.group(2)
    return _entry_from(result, key, raw, start, start + match.start(2))


def _entry_from(
    result: FrontMatter, key: str, raw: str, key_start: int, raw_start: int
) -> _Open | None:
    key_end = key_start + len(key)
    value_text = _strip_comment(raw).strip()
    value_start = raw_start + (len(raw) - len(raw.lstrip()))
    if not value_text:
        return _Open(key, key_start, key_end, value_start)
    if _BLOCK_SCALAR.match(value_text):
        return _Open(key, key_start, key_end, value_start, STYLE_LITERAL, value_text)
    value_end = value_start + len(value_text)
    _check_quotes(result, value_text, value_start)
    value, quoted = parse_value(value_text)
    if value_text.startswith("["):
        items = tuple(_flow_items(value_text, value_start))
        _add(
            result,
            Entry(
                key,
                value_text,
                value,
                key_start,
                key_end,
                value_start,
                value_end,
                False,
                STYLE_FLOW,
                items,
            ),
        )
        return None
    _add(
        result,
        Entry(
            key, value_text, value, key_start, key_end, value_start, value_end, quoted
        ),
    )
    return None


def _check_quotes(result: FrontMatter, raw: str, start: int) -> None:
    """Record an unclosed flow list or quoted scalar."""
    if raw.startswith("[") and not raw.rstrip().endswith("]"):
        result.problems.append(
            SyntaxProblem(
                "unclosed `[`: the list has no closing bracket", start, start + len(raw)
            )
        )
    elif raw[:1] in "\"'" and raw and (len(raw) < 2 or raw[-1] != raw[0]):
        result.problems.append(
            SyntaxProblem(
                f"unclosed quote: this value never ends with {raw[0]}",
                start,
                start + len(raw),
            )
        )


def _flow_items(raw: str, start: int) -> list[Item]:
    close = raw.rfind("]")
    inner_end = close if close > 0 else len(raw)
    items: list[Item] = []
    for text, item_start, item_end in split_spans(raw[1:inner_end], start + 1):
        value, quoted = parse_scalar(text)
        items.append(Item(text, value, item_start, item_end, quoted))
    if len(items) == 1 and not items[0].text:
        return []
    return items


def _add(result: FrontMatter, entry: Entry) -> None:
    if entry.key in result.entries:
        result.duplicates.append(entry)
        return
    result.entries[entry.key] = entry


def _strip_comment(raw: str) -> str:
    """Drop a trailing ` # comment` that is outside quotes."""
    if "#" not in raw:
        return raw
    quote = ""
    for i, ch in enumerate(raw):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'" and (i == 0 or raw[i - 1] in " \t[,"):
            quote = ch
        elif ch == "#" and i > 0 and raw[i - 1] in " \t":
            return raw[:i]
    return raw


def parse_value(raw: str) -> tuple[Value, bool]:
    """A flow list ``[a, "b"]`` or a scalar; the flag says whether it was quoted."""
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1].strip()
        if not inner:
            return [], False
        return [parse_scalar(part.strip())[0] for part in split_commas(inner)], False
    return parse_scalar(raw)


def parse_scalar(raw: str) -> tuple[Scalar, bool]:
    """A quoted string, a boolean, a number, null, or the plain text itself."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1], True
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true", False
    if lowered in ("null", "~", ""):
        return None, False
    if _NUMBER.match(raw):
        return (float(raw) if "." in raw else int(raw)), False
    return raw, False


def split_commas(text: str) -> list[str]:
    """Split on commas outside quotes and braces, as tools split glob lists."""
    return [part for part, _, _ in split_spans(text, 0) if part]


def split_spans(text: str, offset: int) -> list[tuple[str, int, int]]:
    """Split on commas outside quotes and braces, keeping offsets and empty parts.

    Each part is stripped of surrounding blanks and given as (text, start, end) with
    offsets into the file (`offset` is where `text` starts). Empty parts are kept so
    that callers can report ``a,,b``.
    """
    parts: list[tuple[str, int, int]] = []
    depth = 0
    quote = ""
    part_start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'" and not text[part_start:i].strip():
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            parts.append(_span(text, part_start, i, offset))
            part_start = i + 1
    parts.append(_span(text, part_start, len(text), offset))
    return parts


def _span(text: str, start: int, end: int, offset: int) -> tuple[str, int, int]:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    stripped = piece.strip()
    return stripped, offset + start + lead, offset + start + lead + len(stripped)
