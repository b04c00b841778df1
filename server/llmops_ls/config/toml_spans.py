"""Where each key and value of a TOML text is written, for diagnostics on a key's line.

`tomllib` gives values without positions, so this module scans the text once more and
records, for every key path (`tiers.fast.models[1]`, `models[0].id`), the offsets of its
key and of its value. The scan is tolerant: it never raises, and on text it cannot
follow it stops and returns what it has found so far (the text is expected to have been
validated by `tomllib` already; an invalid text only yields fewer spans).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_LITERAL_STRING = re.compile(r"'[^'\n]*'")
_ML_BASIC_STRING = re.compile(r'"""(?:[^\\]|\\.)*?"""(?!")', re.DOTALL)
_ML_LITERAL_STRING = re.compile(r"'''.*?'''(?!')", re.DOTALL)
_SCALAR = re.compile(r"[^\s,\]}#]+(?:[ T][0-9:.+\-Z]+)?")
_SPACE = re.compile(r"[ \t]*")
_SPACE_NEWLINES = re.compile(r"(?:\s|#[^\n]*)*")
_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")

Part = str | int


@dataclass(frozen=True, slots=True)
class Span:
    """Offsets of a key (or table header) and of its value (the header for tables)."""

    key_start: int
    key_end: int
    value_start: int
    value_end: int


def key_path(parts: tuple[Part, ...]) -> str:
    """The dotted spelling of a path: `('tiers', 'fast', 'models', 1)` is
    `tiers.fast.models[1]`, as in policy error messages."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def locate(text: str) -> dict[str, Span]:
    """Every key path written in `text` (tables included) with its offsets."""
    scanner = _Scanner(text)
    with contextlib.suppress(_StopScan, IndexError):
        scanner.document()
    return scanner.spans


def find(spans: dict[str, Span], key: str | None) -> Span | None:
    """The span of `key`, else of its closest written parent (a missing key's
    table), else of the first key written under it (`tiers` of `[tiers.fast]`)."""
    wanted = key
    while key:
        span = spans.get(key)
        if span is not None:
            return span
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
    if wanted:
        for written, span in spans.items():
            if written.startswith((f"{wanted}.", f"{wanted}[")):
                return span
    return None


def decode_error_offset(text: str, message: str) -> int:
    """The offset a `tomllib.TOMLDecodeError` message points at (0 if none)."""
    match = _TOML_ERROR_AT.search(message)
    if match is None:
        return len(text) if "end of document" in message else 0
    line, column = int(match.group(1)), int(match.group(2))
    offset = 0
    for _ in range(line - 1):
        newline = text.find("\n", offset)
        if newline == -1:
            return len(text)
        offset = newline + 1
    return min(offset + column - 1, len(text))


class _StopScan(Exception):
    """The text stops following TOML's grammar; keep what was found."""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.spans: dict[str, Span] = {}
        self._array_tables: dict[tuple[Part, ...], int] = {}

    def document(self) -> None:
        table: tuple[Part, ...] = ()
        while True:
            self._skip(_SPACE_NEWLINES)
            if self.pos >= len(self.text):
                return
            if self.text.startswith("[[", self.pos):
                table = self._header(array=True)
            elif self.text[self.pos] == "[":
                table = self._header(array=False)
            else:
                self._key_value(table)

    def _header(self, *, array: bool) -> tuple[Part, ...]:
        start = self.pos
        self.pos += 2 if array else 1
        self._skip(_SPACE)
        keys, _, _ = self._key()
        self._skip(_SPACE)
        closer = "]]" if array else "]"
        if not self.text.startswith(closer, self.pos):
            raise _StopScan
        self.pos += len(closer)
        path: tuple[Part, ...] = tuple(keys)
        if array:
            index = self._array_tables.get(path, 0)
            self._array_tables[path] = index + 1
            path = (*path, index)
        self.spans.setdefault(key_path(path), Span(start, self.pos, start, self.pos))
        return path

    def _key_value(self, table: tuple[Part, ...]) -> None:
        keys, key_start, key_end = self._key()
        self._skip(_SPACE)
        if self.pos >= len(self.text) or self.text[self.pos] != "=":
            raise _StopScan
        self.pos += 1
        self._skip(_SPACE)
        self._value((*table, *keys), key_start, key_end)

    def _key(self) -> tuple[list[str], int, int]:
        keys: list[str] = []
        start = self.pos
        while True:
            keys.append(self._simple_key())
            end = self.pos
            self._skip(_SPACE)
            if self.pos < len(self.text) and self.text[self.pos] == ".":
                self.pos += 1
                self._skip(_SPACE)
                continue
            self.pos = end
            return keys, start, end

    def _simple_key(self) -> str:
        for pattern in (_BASIC_STRING, _LITERAL_STRING, _BARE_KEY):
            match = pattern.match(self.text, self.pos)
            if match is not None:
                self.pos = match.end()
                token = match.group(0)
                return token[1:-1] if token[0] in "\"'" else token
        raise _StopScan

    def _value(self, path: tuple[Part, ...], key_start: int, key_end: int) -> None:
        start = self.pos
        char = self.text[self.pos]
        if char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        else:
            for pattern in (
                _ML_BASIC_STRING,
                _ML_LITERAL_STRING,
                _BASIC_STRING,
                _LITERAL_STRING,
                _SCALAR,
            ):
                match = pattern.match(self.text, self.pos)
                if match is not None:
                    self.pos = match.end()
                    break
            else:
                raise _StopScan
        self.spans[key_path(path)] = Span(key_start, key_end, start, self.pos)

    def _array(self, path: tuple[Part, ...]) -> None:
        self.pos += 1
        index = 0
        while True:
            self._skip(_SPACE_NEWLINES)
            if self.text[self.pos] == "]":
                self.pos += 1
                return
            start = self.pos
            self._value((*path, index), start, start)
            index += 1
            self._skip(_SPACE_NEWLINES)
            if self.text[self.pos] == ",":
                self.pos += 1

    def _inline_table(self, path: tuple[Part, ...]) -> None:
        self.pos += 1
        while True:
            self._skip(_SPACE)
            if self.text[self.pos] == "}":
                self.pos += 1
                return
            self._key_value(path)
            self._skip(_SPACE)
            if self.text[self.pos] == ",":
                self.pos += 1

    def _skip(self, pattern: re.Pattern[str]) -> None:
        match = pattern.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
