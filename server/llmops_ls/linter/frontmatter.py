"""Front matter read the way the assistants read it, not as strict YAML.

Cursor writes ``globs: **/*.ts, src/**`` unquoted, which strict YAML rejects because `*`
starts an alias; Cursor itself splits the text on commas. Copilot's ``applyTo`` is one
comma-separated string; Kiro, Cline and Claude rules have their own keys. This module
reads the block as flat ``key: value`` lines with flow and block lists, keeps the raw text
and its offsets, and leaves interpretation of each key to the checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Scalar = str | bool | int | float | None
Value = Scalar | list[Scalar]

_KEY_LINE = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+|$)(.*)$")
_ITEM_LINE = re.compile(r"^[ \t]+-[ \t]*(.*)$|^-[ \t]+(.*)$")
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")


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


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """A line of the block that no tool can read."""

    message: str
    start: int
    end: int


@dataclass(slots=True)
class FrontMatter:
    """The parsed block: entries in order of appearance, and unreadable lines."""

    entries: dict[str, Entry] = field(default_factory=dict)
    duplicates: list[Entry] = field(default_factory=list)
    problems: list[SyntaxProblem] = field(default_factory=list)

    def get(self, key: str) -> Entry | None:
        """The entry of a key, if present."""
        return self.entries.get(key)


def parse(body: str, offset: int) -> FrontMatter:
    """Parse the text between the `---` lines; `offset` is where `body` starts in the file."""
    result = FrontMatter()
    lines = body.splitlines(keepends=True)
    position = offset
    current: tuple[str, int, int, int] | None = None  # key, key offsets, value start
    items: list[tuple[str, int, int]] = []

    def close_block_list() -> None:
        nonlocal current, items
        if current is None:
            return
        key, key_start, key_end, _ = current
        if items:
            values = [parse_scalar(text)[0] for text, _, _ in items]
            raw = "\n".join(text for text, _, _ in items)
            _add(result, Entry(key, raw, values, key_start, key_end, items[0][1], items[-1][2]))
        else:
            _add(result, Entry(key, "", None, key_start, key_end, key_end, key_end))
        current, items = None, []

    for line in lines:
        text = line.rstrip("\r\n")
        start = position
        position += len(line)
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        item = _ITEM_LINE.match(text)
        if item and current is not None:
            value = (item.group(1) if item.group(1) is not None else item.group(2)) or ""
            value_start = start + text.index(value) if value else start + len(text)
            items.append((value.strip(), value_start, value_start + len(value.strip())))
            continue
        if text[0] in " \t" and current is None and result.entries:
            # Continuation of a folded scalar: extend the previous entry's raw text.
            last = list(result.entries.values())[-1]
            raw = f"{last.raw} {stripped}".strip()
            value, quoted = parse_scalar(raw)
            result.entries[last.key] = Entry(
                last.key, raw, value, last.key_start, last.key_end, last.value_start,
                start + len(text), quoted,
            )
            continue
        close_block_list()
        match = _KEY_LINE.match(text)
        if match is None:
            result.problems.append(
                SyntaxProblem(f"cannot read this line as `key: value`: {stripped[:60]!r}",
                              start, start + len(text))
            )
            continue
        key, raw = match.group(1), match.group(2)
        key_start = start
        key_end = start + len(key)
        raw_stripped = _strip_comment(raw).strip()
        value_start = start + match.start(2) + (len(raw) - len(raw.lstrip()))
        if not raw_stripped:
            current = (key, key_start, key_end, value_start)
            continue
        if raw_stripped in ("|", ">", "|-", ">-"):
            current = None
            _add(result, Entry(key, "", "", key_start, key_end, value_start, value_start))
            continue
        value, quoted = parse_value(raw_stripped)
        _add(
            result,
            Entry(key, raw_stripped, value, key_start, key_end, value_start,
                  value_start + len(raw_stripped), quoted),
        )
    close_block_list()
    return result


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
        elif ch in "\"'":
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
    parts: list[str] = []
    depth = 0
    quote = ""
    current: list[str] = []
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p for p in (part.strip() for part in parts) if p]
