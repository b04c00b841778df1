"""Fill-in-the-middle prompts: the text around the cursor, cut to a token budget.

The prefix matters more than the suffix (it says what is being written), so it gets
the larger share. Both are cut at line boundaries where possible, the prefix from its
start and the suffix from its end, so the model sees whole lines next to the cursor.

Each side is counted in parts: the cursor's line, and the lines beyond it in chunks
of about `CHUNK_CHARS`, laid from the far end of the document. While someone types,
only the cursor's line changes, so with a caching counter the rest, and where it is
cut, costs nothing more per keystroke; a new line, or an edit a few lines away, is
counted again in its chunk only. Parts are split at the start of a line that starts
with neither white space nor `/` (and at the start of the cursor's line, unless it
starts with `/`, on the prefix's side): the split patterns of the OpenAI encodings
never run across such a place, so the counts of the parts add up to the count of
the whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

TokenCounter = Callable[[str], int]

#: About how long a chunk of the lines beyond the cursor's line is, in characters.
CHUNK_CHARS = 2048

#: Characters per token assumed when first cutting a long text (generous, so the
#: exact count only ever trims further).
_CHARS_PER_TOKEN = 6

SYSTEM_PROMPT = (
    "You complete code. The user sends the text before the cursor between <prefix> "
    "tags and the text after it between <suffix> tags. Reply with only the text to "
    "insert at the cursor: no explanation, no code fences, nothing repeated from "
    "either side."
)


@dataclass(frozen=True, slots=True)
class FimPrompt:
    """The prefix and suffix kept, and their token counts."""

    prefix: str
    suffix: str
    prefix_tokens: int
    suffix_tokens: int

    @property
    def tokens(self) -> int:
        """Tokens of prefix and suffix together."""
        return self.prefix_tokens + self.suffix_tokens

    def user_message(self, language: str | None, path: str | None) -> str:
        """The user message of a chat-style fill-in-the-middle request."""
        header = []
        if path:
            header.append(f"File: {path}")
        if language:
            header.append(f"Language: {language}")
        head = "\n".join(header) + "\n" if header else ""
        return f"{head}<prefix>{self.prefix}</prefix><suffix>{self.suffix}</suffix>"


def build_fim(
    prefix: str,
    suffix: str,
    budget_tokens: int,
    count: TokenCounter,
    suffix_share: float = 0.25,
) -> FimPrompt:
    """The prompt within `budget_tokens`; unused suffix budget goes to the prefix."""
    suffix_budget = int(budget_tokens * suffix_share)
    kept_suffix, suffix_tokens = _fit_side(suffix, suffix_budget, count, keep_end=False)
    kept_prefix, prefix_tokens = _fit_side(
        prefix, budget_tokens - suffix_tokens, count, keep_end=True
    )
    return FimPrompt(kept_prefix, kept_suffix, prefix_tokens, suffix_tokens)


def _fit_side(
    text: str, budget: int, count: TokenCounter, keep_end: bool
) -> tuple[str, int]:
    """One side of the cursor within `budget`: its cursor line, then whole lines."""
    if keep_end:
        start = text.rfind("\n") + 1
        far, near = text[:start], text[start:]
        split = not near.startswith(("/", "\r"))
    else:
        end = _line_start(text)
        near, far = text[:end], text[end:]
        split = end > 0
    if not far or not split:
        return _fit(text, budget, count, keep_end)
    near_tokens = count(near) if near else 0
    if near_tokens >= budget:
        return _fit(text, budget, count, keep_end)
    kept, far_tokens = _fit_far(far, budget - near_tokens, count, keep_end)
    joined = kept + near if keep_end else near + kept
    return joined, far_tokens + near_tokens


def _fit_far(
    text: str, budget: int, count: TokenCounter, keep_end: bool
) -> tuple[str, int]:
    """The lines beyond the cursor's line within `budget`, counted in chunks.

    Chunks are taken from the cursor outward while they fit; the first one that does
    not is cut to what is left. Whole chunks are counted as they are, so a change
    near the cursor (a new line, another name) is counted again in its chunk only.
    """
    pieces = _chunks(text, from_end=not keep_end, reach=budget * _CHARS_PER_TOKEN)
    if keep_end:
        pieces.reverse()  # the cursor is after the prefix's last chunk
    kept: list[str] = []
    total = 0
    for piece in pieces:
        tokens = count(piece)
        if total + tokens > budget:
            piece, tokens = _fit(piece, budget - total, count, keep_end)
            kept.append(piece)
            total += tokens
            break
        kept.append(piece)
        total += tokens
    if keep_end:
        kept.reverse()
    return "".join(kept), total


def _chunks(text: str, *, from_end: bool, reach: int) -> list[str]:
    """`text` in pieces of about `CHUNK_CHARS`, split only before safe lines.

    A safe line starts with neither white space nor `/` (see `_line_start`). Splits
    are looked for near every multiple of `CHUNK_CHARS` counted from the start of the
    text, or from its end with `from_end`, so that what changes at the other end
    (where the cursor is) moves no split. Only the `reach` characters next to the
    cursor are split, so that the work does not grow with the file; the rest is one
    outermost piece.
    """
    size = len(text)
    if size <= CHUNK_CHARS:
        return [text]
    cuts: list[int] = []
    if from_end:  # the cursor is at the start: split up to `reach` from it
        nearest = max(1, -(-(size - reach) // CHUNK_CHARS) - 1)  # ceil, one further
        for back in range(size - nearest * CHUNK_CHARS, 0, -CHUNK_CHARS):
            cut = _safe_start_before(text, back, back - CHUNK_CHARS)
            if cut > 0 and cut not in cuts:
                cuts.append(cut)
        cuts.sort()
    else:  # the cursor is at the end: split the last `reach` characters
        first = max(1, (size - reach) // CHUNK_CHARS) * CHUNK_CHARS
        for mark in range(first, size, CHUNK_CHARS):
            cut = _safe_start_after(text, mark, mark + CHUNK_CHARS)
            if 0 < cut < size and (not cuts or cut > cuts[-1]):
                cuts.append(cut)
    bounds = [0, *cuts, size]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _safe(text: str, start: int) -> bool:
    return start < len(text) and not text[start].isspace() and text[start] != "/"


def _safe_start_after(text: str, position: int, limit: int) -> int:
    """The first safe line start in [`position`, `limit`); 0 when there is none."""
    at = position - 1
    while (found := text.find("\n", at, limit)) != -1:
        if _safe(text, found + 1):
            return found + 1
        at = found + 1
    return 0


def _safe_start_before(text: str, position: int, floor: int) -> int:
    """The last safe line start in (`floor`, `position`]; 0 when there is none."""
    end = position
    while (found := text.rfind("\n", max(floor, 0), end)) != -1:
        if _safe(text, found + 1):
            return found + 1
        end = found
    return 0


def _line_start(text: str) -> int:
    """Where the first line that starts with neither white space nor `/` begins.

    0 when there is none. Before such a line, no piece of the encodings' split runs
    across the line end (a blank line would join it, and so would `//` after a line
    ending in punctuation).
    """
    return _safe_start_after(text, 1, len(text))


def _fit(
    text: str, budget: int, count: TokenCounter, keep_end: bool
) -> tuple[str, int]:
    if budget <= 0 or not text:
        return "", 0
    limit = budget * _CHARS_PER_TOKEN
    if len(text) > limit:
        text = text[-limit:] if keep_end else text[:limit]
    tokens = count(text)
    while tokens > budget and text:
        # Drop the share of the text that is over the budget, to a line boundary.
        # Tokens are not spread evenly, so another round may follow, but each count
        # is of the whole text: rounds, not lines, are what cost.
        over = len(text) * (tokens - budget) // tokens + 1
        text = _drop(text, over, keep_end)
        tokens = count(text)
    return text, tokens


def _drop(text: str, chars: int, keep_end: bool) -> str:
    """The text without at least `chars` characters of the side away from the cursor.

    The cut is at a line boundary when one is far enough in, else inside the line.
    """
    if keep_end:
        cut = text.find("\n", chars - 1)
        return text[cut + 1 :] if cut != -1 else text[chars:]
    cut = text.rfind("\n", 0, len(text) - chars + 1)
    return text[:cut] if cut > 0 else text[: len(text) - chars]
