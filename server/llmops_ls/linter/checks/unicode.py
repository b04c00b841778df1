"""Check: characters a person cannot see but a model reads (hidden-unicode).

Unicode tag characters spell ASCII text invisibly, bidirectional controls reorder
what an editor displays, and zero-width or variation-selector runs can carry a hidden
payload.
Emoji are the legitimate users of several of these code points (ZWJ sequences, VS16,
keycaps, subdivision flags), so those sequences are recognised and left alone.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Edit, Finding, Fix
from llmops_ls.linter.registry import check

# Every code point this check may report, as runs. Tab, LF and CR are allowed.
_SUSPICIOUS_SOURCE = (
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 and C1 controls
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\ue000-\uf8ff"  # private use
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef"  # tags, supplementary selectors
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd"  # supplementary private use
    "]+"
)


@functools.cache
def _suspicious() -> re.Pattern[str]:
    """The runs pattern, compiled on first use: almost no file has a candidate."""
    return re.compile(_SUSPICIOUS_SOURCE)


# Scanning a `str` with a character class costs several nanoseconds a character, so the
# text is scanned as UTF-8 bytes: `bytes.translate` drops every byte that cannot start a
# suspicious character, which leaves nothing for almost every file, and otherwise the
# lead bytes left say which literal-led byte patterns are worth running.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROL_PATTERN = re.compile(b"[" + re.escape(_CONTROL_BYTES) + b"]")
_LEAD_PATTERNS: dict[int, re.Pattern[bytes]] = {
    **dict.fromkeys(_CONTROL_BYTES, _CONTROL_PATTERN),
    0xC2: re.compile(rb"\xc2[\x80-\x9f\xad]"),
    0xCD: re.compile(rb"\xcd\x8f"),
    0xD8: re.compile(rb"\xd8\x9c"),
    0xE1: re.compile(rb"\xe1(?:\x85[\x9f\xa0]|\x9e[\xb4\xb5]|\xa0\x8e)"),
    0xE2: re.compile(rb"\xe2(?:\x80[\x8b-\x8f\xaa-\xae]|\x81[\xa0-\xa4\xa6-\xa9])"),
    0xE3: re.compile(rb"\xe3\x85\xa4"),
    0xEE: re.compile(rb"\xee"),
    0xEF: re.compile(
        rb"\xef(?:[\x80-\xa3]|\xb8[\x80-\x8f]|\xbb\xbf|\xbe\xa0|\xbf[\xb9-\xbb])"
    ),
    0xF3: re.compile(rb"\xf3(?:\xa0[\x80-\x87]|[\xb0-\xbf])"),
    0xF4: re.compile(rb"\xf4"),
}
_HARMLESS_BYTES = bytes(b for b in range(256) if b not in _LEAD_PATTERNS)

_ZWJ = 0x200D
_ZWNJ = 0x200C
_VS15, _VS16 = 0xFE0E, 0xFE0F
_KEYCAP = 0x20E3
_BLACK_FLAG = 0x1F3F4
_CANCEL_TAG = 0xE007F


@dataclass(frozen=True, slots=True)
class _Run:
    start: int
    end: int
    codes: tuple[int, ...]


@check("hidden-unicode")
def check_hidden_unicode(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report invisible and reordering characters, one finding per consecutive run."""
    text = doc.text
    covered = 0
    for offset in candidates(text):
        if offset < covered:
            continue
        match = _suspicious().match(text, offset)
        if match is None:
            continue
        covered = match.end()
        for run in _hidden_runs(text, match.start(), match.end()):
            if _MARKS.issuperset(run.codes) and _right_to_left_nearby(text, run.start):
                continue  # direction marks are how mixed Hebrew or Arabic is written
            message = describe(run.codes)
            fix = Fix(
                f"Remove {_count(len(run.codes), 'hidden character')}",
                (Edit(run.start, run.end, ""),),
            )
            yield ctx.finding(
                "hidden-unicode", doc, run.start, run.end, message, fix=fix
            )


def candidates(text: str) -> list[int]:
    """Offsets of characters that may be hidden (emoji parts included), in order."""
    data = text.encode("utf-8", "surrogatepass")
    leads = data.translate(None, _HARMLESS_BYTES)
    if not leads:
        return []
    patterns = {_LEAD_PATTERNS[lead] for lead in set(leads)}
    byte_offsets = sorted(m.start() for p in patterns for m in p.finditer(data))
    offsets: list[int] = []
    byte_at, char_at = 0, 0
    for byte_offset in byte_offsets:
        char_at += len(data[byte_at:byte_offset].decode("utf-8", "surrogatepass"))
        byte_at = byte_offset
        offsets.append(char_at)
    return offsets


def describe(codes: tuple[int, ...]) -> str:
    """A message naming the hidden characters of one run, by kind, decoding tags."""
    kinds: dict[str, list[int]] = {}
    for code in codes:
        kinds.setdefault(_kind(code), []).append(code)
    parts = [_describe_kind(kind, members) for kind, members in kinds.items()]
    if len(parts) == 1:
        return parts[0]
    return f"{len(codes)} hidden characters: " + "; ".join(parts)


def _hidden_runs(text: str, start: int, end: int) -> Iterator[_Run]:
    """Split a run of suspicious characters around the ones emoji legitimately use."""
    current: list[int] = []
    run_start = start
    i = start
    while i < end:
        skip = _legitimate_length(text, i, end)
        if skip:
            if current:
                yield _Run(run_start, i, tuple(current))
                current = []
            i += skip
            continue
        if not current:
            run_start = i
        current.append(ord(text[i]))
        i += 1
    if current:
        yield _Run(run_start, end, tuple(current))


def _legitimate_length(text: str, i: int, end: int) -> int:
    """How many characters from `i` belong to a legitimate sequence (0 if none)."""
    code = ord(text[i])
    before = ord(text[i - 1]) if i > 0 else 0
    after = ord(text[i + 1]) if i + 1 < len(text) else 0
    if code == 0xFEFF and i == 0:
        return 1
    if code in (_ZWJ, _ZWNJ):
        if _is_emoji_side(before) and _is_emoji(after) and code == _ZWJ:
            return 1
        # Joiners shape Arabic, Persian and Indic words.
        if 0x0590 <= before < 0x2000 and 0x0590 <= after < 0x2000:
            return 1
        return 0
    if code in (_VS15, _VS16):
        if _is_emoji(before) or (chr(before) in "0123456789#*" and after == _KEYCAP):
            return 1
        return 0
    if 0xFE00 <= code <= 0xFE0D:
        # Standardized variation sequences follow one symbol or ideograph.
        return 1 if before >= 0x2000 and not _is_selector(before) else 0
    if 0xE0100 <= code <= 0xE01EF:
        return 1 if _is_ideograph(before) else 0
    if 0xE0020 <= code <= 0xE007E and before == _BLACK_FLAG:
        return _subdivision_flag_length(text, i, end)
    return 0


def _subdivision_flag_length(text: str, i: int, end: int) -> int:
    """Length of the tag spec and cancel tag of a flag such as Scotland's, or 0."""
    j = i
    while j < end and (
        0xE0061 <= ord(text[j]) <= 0xE007A or 0xE0030 <= ord(text[j]) <= 0xE0039
    ):
        j += 1
    if j < end and ord(text[j]) == _CANCEL_TAG and 2 <= j - i <= 7:
        return j - i + 1
    return 0


# Left-to-right, right-to-left and Arabic letter marks: invisible and without a use
# in text that has no right-to-left letters.
_MARKS = frozenset({0x200E, 0x200F, 0x061C})
_RIGHT_TO_LEFT = re.compile("[\u0590-\u061b\u061d-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def _right_to_left_nearby(text: str, offset: int) -> bool:
    """Whether the line around `offset` holds a right-to-left letter."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return (
        _RIGHT_TO_LEFT.search(text, start, len(text) if end == -1 else end) is not None
    )


def _is_emoji(code: int) -> bool:
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2934 <= code <= 0x2935
        or 0x2600 <= code <= 0x27BF
        or 0x2300 <= code <= 0x23FF
        or 0x2B00 <= code <= 0x2BFF
        or 0x2190 <= code <= 0x21FF
        or 0x25A0 <= code <= 0x25FF
        or code in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D)
        or code in (0x3297, 0x3299, 0x24C2)
    )


def _is_emoji_side(code: int) -> bool:
    """Whether a ZWJ may follow this: an emoji, or an emoji's selector or modifier."""
    return _is_emoji(code) or code == _VS16 or 0x1F3FB <= code <= 0x1F3FF


def _is_selector(code: int) -> bool:
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _is_ideograph(code: int) -> bool:
    return (
        0x3400 <= code <= 0x9FFF
        or 0x20000 <= code <= 0x3FFFF
        or 0xF900 <= code <= 0xFAFF
    )


def _kind(code: int) -> str:
    if 0xE0000 <= code <= 0xE007F:
        return "tag"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in _MARKS:
        return "bidi"
    if _is_selector(code):
        return "selector"
    if 0xE000 <= code <= 0xF8FF or code >= 0xF0000:
        return "private"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return "control"
    return "invisible"


def _describe_kind(kind: str, codes: list[int]) -> str:
    n = len(codes)
    if kind == "tag":
        decoded = "".join(chr(c - 0xE0000) for c in codes if 0xE0020 <= c <= 0xE007E)
        text = f"{_count(n, 'Unicode tag character')}"
        if decoded:
            text += f" spelling {_quote(decoded)}"
        return text + " (invisible in editors, read by models)"
    if kind == "bidi" and _MARKS.issuperset(codes):
        return (
            f"{_count(n, 'bidirectional control')} ({_names(codes)}) in a line with"
            " no right-to-left letters: invisible, with nothing to do here"
        )
    if kind == "bidi":
        return (
            f"{_count(n, 'bidirectional control')} ({_names(codes)}): the text is "
            "displayed in a different order than a model reads it"
        )
    if kind == "selector":
        decoded = _decode_selectors(codes)
        text = f"{_count(n, 'variation selector')} outside an emoji sequence"
        if n > 1 and decoded:
            text += f", encoding the bytes {_quote(decoded)}"
        return text
    if kind == "private":
        return f"{_count(n, 'private-use character')} with no standard meaning"
    if kind == "control":
        return f"{_count(n, 'control character')} ({_names(codes)})"
    return f"{_count(n, 'invisible character')} ({_names(codes)})"


def _decode_selectors(codes: list[int]) -> str:
    """Bytes smuggled as variation selectors: VS1-16 are 0-15, VS17-256 are 16-255."""
    data = bytes(c - 0xFE00 if c <= 0xFE0F else c - 0xE0100 + 16 for c in codes)
    decoded = data.decode("utf-8", errors="replace")
    return decoded if decoded.isprintable() else ""


def _names(codes: list[int]) -> str:
    distinct = sorted(set(codes))
    shown = [f"U+{c:04X} {unicodedata.name(chr(c), 'CONTROL')}" for c in distinct[:3]]
    if len(distinct) > 3:
        shown.append("…")
    return ", ".join(shown)


def _quote(text: str) -> str:
    return '"' + (text if len(text) <= 60 else text[:60] + "…") + '"'


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
