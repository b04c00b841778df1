"""Directives: the instruction sentences of a rules file, with offsets and polarity.

A rules file is a list of instructions written in prose. The content checks need each
instruction as a unit: where it starts and ends, whether it tells the model to do
something or not to do it, and what it is about in a form that compares equal when two
sentences say the same thing with different case, punctuation or bullet markers.

Sentences are taken within one line: rules files are overwhelmingly bullet lists and
short paragraphs, and a line is what an editor can point at.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.markdown import code_spans

# Bullet, number, quote and checkbox markers at the start of a line.
_LEAD = re.compile(r"^[ \t]*(?:(?:[-*+>]|\d{1,3}[.)])[ \t]+)*(?:\[[ xX]\][ \t]+)?")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
# Headings, and label lines such as "Python:" or "**Don't:**" that head a list.
_HEADING_LINE = re.compile(
    r"^(?: {0,3}#{1,6}[ \t]+(.*)|[ \t]*(?:\*\*|__)?([^\n:*_#|`]{1,40}):(?:\*\*|__)?"
    r"[ \t]*)$",
)
_CONTEXT_LOOKBACK_LINES = 80
_NEGATIVE_CONTEXT = re.compile(
    r"\b(?:do not|don't|don\u2019t|dont|avoid|never|bad|wrong|incorrect|anti-?patterns?"
    r"|pitfalls?|mistakes?|forbidden|prohibited|not allowed|what not|instead of"
    r"|deprecated|outdated)\b",
    re.IGNORECASE,
)
# The end of a sentence: terminal punctuation followed by space, not "e.g. " or "1.5".
# The punctuation comes first so that the regex engine can skip to it; the lookbehinds
# then check what precedes it (including the punctuation itself).
_SENTENCE_END = re.compile(
    r"[.!?](?<!\be\.g[.!?])(?<!\bi\.e[.!?])(?<!\betc[.!?])(?=\s|$)"
)
_NON_WORD = re.compile(r"[^\w\s#+]+")
_SPACES = re.compile(r"\s+")
# Polarity, compiled on first use: no check needs it, so a lint run never pays for it.
_POSITIVE_LEAD = (
    r"^(?:please\s+)?(?:you\s+)?(?:always|must|should|shall|do|make sure to|"
    r"be sure to|ensure (?:that )?you|remember to)\s+"
)
_NEGATIVE_LEAD = (
    r"^(?:please\s+)?(?:you\s+)?(?:never|do not|don t|dont|must not|must never|"
    r"should not|shouldn t|should never|shall not|avoid)\s+"
)
_NEGATION = (
    r"(?i)\b(?:never|not|don't|don\u2019t|dont|avoid|no|without|instead of"
    r"|rather than)\b"
)

_CODE_CHARS = "{}=;<>\u2502\u251c\u2514"
_CODE_STARTS = (
    "import ",
    "export ",
    "return ",
    "const ",
    "let ",
    "var ",
    "def ",
    "class ",
    "function ",
    "if ",
    "from ",
    "async ",
    "await ",
    "for ",
    "while ",
    "print(",
)
_LINE_LEAD = " \t-*+>0123456789.)[]"
_LINE_TAIL = " \t\r.!;:,"
# Lines shorter than this (after normalising) are labels, not instructions.
MIN_DIRECTIVE_CHARS = 20
MIN_DIRECTIVE_WORDS = 4


class Polarity(enum.Enum):
    """Whether a directive asks for something, forbids it, or neither."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class Directive:
    """One instruction sentence: offsets into the file, its text and comparison key."""

    start: int
    end: int
    text: str
    key: str
    polarity: Polarity

    @property
    def action(self) -> str:
        """What the directive is about, without its always/never wording."""
        return action_of(self.key)


def normalize(text: str) -> str:
    """A comparison key: lower case, no punctuation or markup, single spaces."""
    text = text.replace("\u2019", "'").lower()
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def polarity_of(text: str) -> Polarity:
    """The polarity of a sentence, judged from how it opens."""
    key = normalize(text)
    if _compiled(_NEGATIVE_LEAD).match(key):
        return Polarity.NEGATIVE
    if _compiled(_POSITIVE_LEAD).match(key):
        return Polarity.POSITIVE
    return Polarity.NEUTRAL


def action_of(key: str) -> str:
    """A normalised sentence without the words that only carry its polarity."""
    m = _compiled(_NEGATIVE_LEAD).match(key) or _compiled(_POSITIVE_LEAD).match(key)
    if m is None:
        return key
    rest = key[m.end() :]
    if m.group(0).rstrip().endswith("avoid"):
        rest = "use " + rest[6:] if rest.startswith("using ") else "use " + rest
    return rest


def is_negated(text: str) -> bool:
    """Whether a piece of text contains a negation word."""
    return _compiled(_NEGATION).search(text) is not None


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def sentence_bounds(doc: RulesDocument, offset: int) -> tuple[int, int]:
    """The sentence around an offset, within its line and after any bullet marker."""
    src = doc.source
    line = src.position(offset).line
    line_start = src.line_start(line)
    text = src.line_text(line)
    column = offset - line_start
    lead = _LEAD.match(text)
    begin = lead.end() if lead else 0
    finish = len(text)
    for m in _SENTENCE_END.finditer(text, begin):
        if m.end() <= column:
            begin = m.end()
        else:
            finish = m.end()
            break
    while begin < finish and text[begin] in " \t":
        begin += 1
    return line_start + begin, line_start + finish


def directive_at(doc: RulesDocument, offset: int) -> Directive:
    """The directive (sentence) that contains an offset."""
    start, end = sentence_bounds(doc, offset)
    text = doc.text[start:end]
    return Directive(start, end, text, normalize(text), polarity_of(text))


def directives(doc: RulesDocument) -> list[Directive]:
    """Every instruction sentence of the prose of a file, in order; cached."""
    cached = doc.cache.get("directives.all")
    if isinstance(cached, list):
        return cached
    found: list[Directive] = []
    for _, start, text in doc.markdown.prose_lines():
        if not text.strip() or _HEADING.match(text) or text.lstrip().startswith("|"):
            continue
        lead = _LEAD.match(text)
        begin = lead.end() if lead else 0
        for finish in [m.end() for m in _SENTENCE_END.finditer(text, begin)] + [
            len(text)
        ]:
            sentence = text[begin:finish].strip()
            if sentence:
                offset = start + text.index(sentence, begin)
                key = normalize(sentence)
                if key:
                    found.append(
                        Directive(
                            offset,
                            offset + len(sentence),
                            sentence,
                            key,
                            polarity_of(sentence),
                        )
                    )
            begin = finish
    doc.cache["directives.all"] = found
    return found


def line_index(doc: RulesDocument) -> list[str]:
    """A comparison key for every line: lower case, no list markers or end punctuation.

    That is enough to catch the copy-pasted bullet. Built with C-level string methods
    because it runs on every file; see `instruction_lines` to locate keys.
    """
    cached = doc.cache.get("directives.lines")
    if isinstance(cached, list):
        return cached
    lines = [
        line.lstrip(_LINE_LEAD).rstrip(_LINE_TAIL) for line in lowered(doc).split("\n")
    ]
    doc.cache["directives.lines"] = lines
    return lines


def is_instruction_key(key: str) -> bool:
    """Whether a line key reads as an instruction: not a label, not stray code."""
    if len(key) < MIN_DIRECTIVE_CHARS or key.count(" ") < MIN_DIRECTIVE_WORDS - 1:
        return False
    # Code pasted without a fence repeats lines (imports, braces) by nature.
    if key.startswith(_CODE_STARTS) or key.endswith(("{", "(", "[", ",")):
        return False
    return not any(c in key for c in _CODE_CHARS)


def instruction_lines(doc: RulesDocument, key: str) -> list[int]:
    """The prose lines (numbers) of a file whose key is `key`, headings excluded."""
    lines = line_index(doc)
    found: list[int] = []
    number = -1
    while True:
        try:
            number = lines.index(key, number + 1)
        except ValueError:
            return found
        text = doc.source.line_text(number)
        if doc.markdown.is_prose(doc.source.line_start(number)) and not (
            _HEADING.match(text) or text.lstrip().startswith("|")
        ):
            found.append(number)


def context_before(doc: RulesDocument, offset: int) -> str:
    """The nearest heading or label line ("Python:") above an offset, or ""."""
    src = doc.source
    line = src.position(offset).line
    for above in range(line - 1, max(-1, line - _CONTEXT_LOOKBACK_LINES), -1):
        text = src.line_text(above)
        if not text or (text[-1] not in ":*_" and "#" not in text[:4]):
            continue
        m = _HEADING_LINE.match(text)
        if m is not None and doc.markdown.is_prose(src.line_start(above)):
            return m.group(1) or m.group(2)
    return ""


def is_negative_context(context: str) -> bool:
    """Whether a heading or label introduces things not to do ("Don't", "Avoid")."""
    return _NEGATIVE_CONTEXT.search(context) is not None


def lowered(doc: RulesDocument) -> str:
    """The text in lower case, offsets unchanged; cached for the checks sharing it."""
    cached = doc.cache.get("directives.lowered")
    if isinstance(cached, str):
        return cached
    text = doc.text.lower()
    if len(text) != len(doc.text):
        # A few characters change length when lowered (İ); keep offsets aligned.
        text = "".join(c.lower()[:1] or c for c in doc.text)
    doc.cache["directives.lowered"] = text
    return text


def in_code_span(doc: RulesDocument, offset: int) -> bool:
    """Whether an offset lies inside an inline code span on its line."""
    src = doc.source
    line = src.position(offset).line
    column = offset - src.line_start(line)
    return any(s <= column < e for s, e in code_spans(src.line_text(line)))


def occurrences(text: str, words: tuple[str, ...]) -> Iterator[int]:
    """Offsets of every occurrence of each word in a text, word by word, in order."""
    found = find_all(text, words)
    for word in dict.fromkeys(words):
        yield from found[word]


def find_all(text: str, words: tuple[str, ...]) -> dict[str, list[int]]:
    """Every word's occurrences (overlapping, ascending) in a text, by word."""
    plan = _scan_plan(words)
    found: dict[str, list[int]] = {word: [] for word in plan.words}
    startswith = text.startswith
    for pattern, group_words in plan.patterns:
        # Each word of a group marks its match with its own empty group (see below).
        for m in pattern.finditer(text):
            word, k, partners = group_words[m.lastindex or 1]
            at = m.start()
            found[word].append(at - k)
            # Words that can match at the same letter: the regex reports only one.
            # Their hits stay in order: each is its letter's position minus a constant.
            for other, j in partners:
                if at >= j and startswith(other, at - j):
                    found[other].append(at - j)
    find = text.find
    for word in plan.by_find:
        hits = found[word]
        at = find(word)
        while at != -1:
            hits.append(at)
            at = find(word, at + 1)
    return found


def word_hits(doc: RulesDocument, words: tuple[str, ...]) -> dict[str, list[int]]:
    """`find_all` over the lower-cased text for every word the content checks use.

    The checks register their words with `scan_words`; the first of them to ask
    searches for all of them at once, so a rare letter shared by several checks'
    words is looked for once per file instead of once per check.
    """
    cached = doc.cache.get("directives.hits")
    if isinstance(cached, dict) and all(word in cached for word in words):
        return cached
    _SCAN_WORDS.update(dict.fromkeys(words))
    hits = find_all(lowered(doc), tuple(_SCAN_WORDS))
    doc.cache["directives.hits"] = hits
    return hits


# The words of every check that uses `word_hits`, in registration order.
_SCAN_WORDS: dict[str, None] = {}


def scan_words(*words: str) -> tuple[str, ...]:
    """Register words for `word_hits` (at import of a check module); returns them."""
    _SCAN_WORDS.update(dict.fromkeys(words))
    return words


# Characters that make up under about 1% of rules text, rarest first. A regex whose
# literal prefix is one of them jumps from one to the next faster than `str.find`
# walks the text, and one such regex finds all the words that share the letter in one
# pass.
_RARE_LETTERS = "\u2019zqj'xkwvbymd"


@dataclass(frozen=True, slots=True)
class _ScanPlan:
    """How `find_all` searches a tuple of words: grouped regexes, then `str.find`."""

    words: tuple[str, ...]
    # (regex, {group number: (word, index of the letter in the word, partners)}),
    # partners being the words of the group that may match at the same letter, with
    # the index of the letter in each.
    patterns: tuple[
        tuple[re.Pattern[str], dict[int, tuple[str, int, tuple[tuple[str, int], ...]]]],
        ...,
    ]
    by_find: tuple[str, ...]


@functools.cache
def _scan_plan(words: tuple[str, ...]) -> _ScanPlan:
    """Group the words by their rarest letter; one regex per letter matches there."""
    unique = tuple(dict.fromkeys(words))
    groups: dict[str, list[tuple[str, int]]] = {}
    by_find: list[str] = []
    for word in unique:
        letter = next((c for c in _RARE_LETTERS if c in word), "")
        if not letter:
            by_find.append(word)
            continue
        groups.setdefault(letter, []).append((word, word.find(letter)))
    patterns = []
    for letter, members in groups.items():
        branches = []
        numbered = {}
        for number, (word, k) in enumerate(members, 1):
            after = f"(?={re.escape(word[k + 1 :])})" if k + 1 < len(word) else ""
            before = f"(?<={re.escape(word[: k + 1])})" if k else ""
            branches.append(f"{after}{before}()")
            partners = tuple(
                (other, j)
                for other, j in members
                if other != word and _agree(word, k, other, j)
            )
            numbered[number] = (word, k, partners)
        pattern = re.compile(f"{re.escape(letter)}(?:{'|'.join(branches)})")
        patterns.append((pattern, numbered))
    return _ScanPlan(unique, tuple(patterns), tuple(by_find))


def _agree(word: str, k: int, other: str, j: int) -> bool:
    """Whether two words, `word[k]` put on `other[j]`, agree where they overlap."""
    shift = j - k
    return all(
        other[i + shift] == c for i, c in enumerate(word) if 0 <= i + shift < len(other)
    )
