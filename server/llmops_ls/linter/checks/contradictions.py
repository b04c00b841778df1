"""Check: directives that contradict each other in one file or across a load chain.

Two kinds of claim are compared. Topic claims pick one option of a known either-or
choice (tabs or spaces, 2 or 4 spaces, npm or pnpm, single or double quotes, semicolons,
jest or vitest): two different options prescribed, or one option both prescribed and
forbidden, contradict. Action claims are "always X" / "never X" / "don't X" / "X" on the
same normalised action.

The check is conservative on purpose: a sentence that names two options ("use pnpm,
never npm", "npm install or yarn add") is read clause by clause, options named without a
prescribing verb ("published on npm") are ignored, and style choices qualified by
different languages (Python: 4 spaces, TypeScript: 2 spaces) are not compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from llmops_ls.linter import directives
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.loadchain import load_chain
from llmops_ls.linter.registry import check

RULE = "contradiction"

# Cheap substring tests on the lower-cased text decide which regexes run at all.
_TOPIC_WORDS = directives.scan_words(
    "indent",
    "semi",
    "quot",
    "npm",
    "yarn",
    "bun",
    "jest",
    "vitest",
    "pytest",
    "unittest",
)
# Negations, found by their shortest common part; "always" is looked for only where
# a negation exists (see `_positive_at`).
_ACTION_WORDS = directives.scan_words("never", "not ", "n't", "n\u2019t", "avoid")
_WORDS = _TOPIC_WORDS + _ACTION_WORDS
_NEGATION_HEADS = {"not ": ("do ", "must ", "should "), "n't": ("do", "should")}
_CLAUSE_SPLIT = re.compile(
    r"[,;:()]|\s+(?:but|while|whereas|and then)\s+|\s[-\u2013\u2014]\s|\.\s",
    re.IGNORECASE,
)
_NEGATED_BEFORE = re.compile(
    r"\b(?:never|not|n't|avoid|no|without|instead of|rather than|over|disallow|forbid"
    r"|prohibit|omit|remove|drop|ban)\b|n\u2019t\b",
    re.IGNORECASE,
)
_PRESCRIBING_BEFORE = re.compile(
    r"\b(?:use|uses|using|prefer|prefers|with|via|always|choose|require|enforce"
    r"|stick to|only)\s+(?:the\s+|a\s+|only\s+)?`?$",
    re.IGNORECASE,
)

_MANAGER = re.compile(r"(?<![\w.@/-])(npm|pnpm|yarn|bun)(?![\w-])", re.IGNORECASE)
_MANAGER_COMMAND = re.compile(
    r"^`?\s+(?:install|i|ci|add|run|exec|dlx|create|test|build|dev|start|remove|rm"
    r"|update|upgrade|up|init|lint|format|typecheck)\b",
    re.IGNORECASE,
)
_NOT_A_MANAGER_CHOICE = re.compile(
    r"^`?\s+(?:packages?|registry|modules?|ecosystem|org|account|tokens?|publish"
    r"|libraries|library|versions?|audit|link)\b",
    re.IGNORECASE,
)
_TEST_FRAMEWORK = re.compile(
    r"(?<![\w.@/-])(jest|vitest|pytest|unittest)(?![\w-]|\.\w)", re.IGNORECASE
)
_QUOTES = re.compile(r"\b(single|double)[- ]quot(?:es?|ed|ing|ation marks?)?\b", re.I)
_QUOTE_CONTEXT = re.compile(
    r"\b(?:jsx|attributes?|html|json|docstrings?|sql|yaml|shell|css|templates?"
    r"|interpolat\w*|escap\w*|contain\w*|nested|embedded|inside|within|f-strings?)\b",
    re.IGNORECASE,
)
_SEMICOLONS = re.compile(r"\bsemi-?colons?\b", re.IGNORECASE)
_SEMICOLON_CONTEXT = re.compile(
    r"\b(?:unnecessary|extra|redundant|optional|trailing|double|multiple|inside|loops?"
    r"|asi|sql|css)\b",
    re.IGNORECASE,
)
_INDENT = re.compile(r"\bindent", re.IGNORECASE)
_TABS = re.compile(r"\b(?:tabs|hard tabs|tab characters?|tab indentation)\b", re.I)
_SPACES = re.compile(r"\b(?:spaces|space indentation|soft tabs)\b", re.IGNORECASE)
_WIDTH = re.compile(
    r"\b([2-8]|two|four|eight)[- ]?(?:spaces?|space indentation|space indent)\b"
    r"|\bindent(?:ation|s)?(?: size| width| level)?(?: of| with| to| is| by|:|=)?"
    r"\s*([2-8])\b",
    re.IGNORECASE,
)
_WIDTH_WORDS = {"two": "2", "four": "4", "eight": "8"}
_LANGUAGES = re.compile(
    r"(?<![\w.])(python|javascript|typescript|js|ts|jsx|tsx|go|golang|rust|java|kotlin"
    r"|swift|c#|ruby|php|yaml|yml|json|markdown|html|css|scss|sql|shell|bash|makefiles?"
    r"|c\+\+|dart|elixir|scala|vue|svelte|lua|terraform|hcl|toml|xml)(?![\w#+])",
    re.IGNORECASE,
)
_LANGUAGE_ALIASES = {
    "js": "javascript",
    "ts": "typescript",
    "golang": "go",
    "yml": "yaml",
}

_ACTION_TRIGGER = re.compile(
    r"(always|never|do not|don't|don\u2019t|must not|must never|should not|shouldn't"
    r"|should never|avoid)(?:\*\*|__)?\s+"
)
# What may stand between the start of a clause and its always/never word.
_ACTION_LEAD = re.compile(
    r"(?:^|[,;:.!?]\s|\s[-\u2013\u2014]\s)[ \t]*(?:(?:[-*+>]|\d{1,3}[.)])[ \t]+)*"
    r"(?:\*\*|__)?(?:please\s+|you\s+)?$",
    re.MULTILINE,
)
_CLAUSE_END = re.compile(r"[.;:!?,()]|\s[-\u2013\u2014]\s|$", re.MULTILINE)
_ACTION_STOP = re.compile(
    r"\b(?:unless|except|when|if|because|since|until|so that)\b", re.IGNORECASE
)
_NEGATED_ENDINGS = ("never ", "not ", "n't ", "n\u2019t ", "avoid ")
_POSITIVE_WORDS = ("always", "please", "you must", "you should", "must", "do")
_MIN_ACTION_WORDS = 2
_MIN_ACTION_CHARS = 10


@dataclass(frozen=True, slots=True)
class Claim:
    """One prescribed or forbidden option, located at its sentence."""

    topic: str
    choice: str
    positive: bool
    start: int
    end: int
    languages: frozenset[str]
    raw: str = ""

    def contradicts(self, other: Claim) -> bool:
        """Whether two claims on the same topic cannot both be followed."""
        if self.topic != other.topic or self.languages != other.languages:
            return False
        if self.choice == other.choice:
            return self.positive != other.positive
        return self.positive and other.positive and self.topic != "action"

    def describe(self) -> str:
        """How the claim reads in a message."""
        if self.topic == "action":
            return f"{'always' if self.positive else 'never'} “{self.choice}”"
        if self.topic == "semicolons":
            return "semicolons" if self.positive else "no semicolons"
        label = _CHOICE_LABELS.get(self.topic, "{}").format(self.choice)
        if self.positive:
            return label
        return f"never {label}" if label.startswith("use ") else f"no {label}"


_CHOICE_LABELS = {
    "indent-style": "{} for indentation",
    "indent-width": "{}-space indentation",
    "package-manager": "use {}",
    "quotes": "{} quotes",
    "test-framework": "use {}",
}


@check(RULE)
def check_contradictions(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report directives that contradict another directive loaded with them."""
    own = claims_of(doc)
    chain = load_chain(doc, ctx.workspace)
    others = [(other, claims_of(other)) for other in chain if other is not doc]
    if not own:
        return
    own = sorted(own + _positive_actions(doc, own, others), key=lambda c: c.start)
    reported: set[int] = set()
    # Claims are indexed by what they say, so that each finds the first claim it
    # contradicts without comparing against every other: a long file has hundreds.
    earlier = _ClaimIndex()
    for claim in own:
        first = earlier.first_contradicting(claim, skip_start=claim.start)
        if first is not None and claim.start not in reported:
            reported.add(claim.start)
            yield _finding(ctx, doc, claim, doc, first)
        earlier.add(claim)
    for other, theirs in others:
        remote = _ClaimIndex()
        for item in theirs + _positive_actions(other, theirs, [(doc, own)]):
            remote.add(item)
        for claim in own:
            if claim.start in reported:
                continue
            first = remote.first_contradicting(claim)
            if first is not None:
                reported.add(claim.start)
                yield _finding(ctx, doc, claim, other, first)


_Key = tuple[str, frozenset[str], str, bool]


class _ClaimIndex:
    """Claims in the order added, by topic, languages, choice and polarity."""

    def __init__(self) -> None:
        self._count = 0
        self._by_key: dict[_Key, list[tuple[int, Claim]]] = {}
        self._positive_choices: dict[tuple[str, frozenset[str]], set[str]] = {}

    def add(self, claim: Claim) -> None:
        """Append a claim."""
        key = (claim.topic, claim.languages, claim.choice, claim.positive)
        self._by_key.setdefault(key, []).append((self._count, claim))
        self._count += 1
        if claim.positive:
            group = (claim.topic, claim.languages)
            self._positive_choices.setdefault(group, set()).add(claim.choice)

    def first_contradicting(
        self, claim: Claim, skip_start: int | None = None
    ) -> Claim | None:
        """The earliest added claim that `claim.contradicts`, ignoring `skip_start`.

        The candidates are exactly those `Claim.contradicts` accepts: the same
        choice with the other polarity, or, both positive, another choice of a
        topic other than actions.
        """
        topic, languages = claim.topic, claim.languages
        keys = [(topic, languages, claim.choice, not claim.positive)]
        if claim.positive and topic != "action":
            keys.extend(
                (topic, languages, choice, True)
                for choice in self._positive_choices.get((topic, languages), ())
                if choice != claim.choice
            )
        best: tuple[int, Claim] | None = None
        for key in keys:
            for index, candidate in self._by_key.get(key, ()):
                if candidate.start == skip_start:
                    continue
                if best is None or index < best[0]:
                    best = (index, candidate)
                break
        return None if best is None else best[1]


def _finding(
    ctx: CheckContext,
    doc: RulesDocument,
    claim: Claim,
    other_doc: RulesDocument,
    other: Claim,
) -> Finding:
    where = "" if other_doc is doc else f" in {other_doc.relative}"
    line = other_doc.source.position(other.start).line + 1
    message = (
        f"this says {claim.describe()}, but line {line}{where} says "
        f"{other.describe()}; the model cannot follow both"
    )
    related = ctx.related(
        other_doc, other.start, other.end, f"the other side: {other.describe()}"
    )
    return ctx.finding(RULE, doc, claim.start, claim.end, message, related=[related])


def claims_of(doc: RulesDocument) -> list[Claim]:
    """Topic and always/never claims of a file, in order; cached on the document."""
    cached = doc.cache.get("contradictions.claims")
    if isinstance(cached, list):
        return cached
    lowered = directives.lowered(doc)
    markdown = doc.markdown
    found: list[Claim] = []
    seen: set[int] = set()
    hits = directives.word_hits(doc, _WORDS)
    for at in _each(hits, _TOPIC_WORDS):
        if not markdown.is_prose(at):
            continue
        start, end = directives.sentence_bounds(doc, at)
        if start not in seen:
            seen.add(start)
            found.extend(_topic_claims(doc, start, end))
    for at in _each(hits, _ACTION_WORDS):
        at = _negation_start(lowered, at)
        if at < 0 or not _may_open_clause(lowered, at):
            continue
        m = _ACTION_TRIGGER.match(lowered, at)
        if m is None:
            continue
        line_start = lowered.rfind("\n", 0, at) + 1
        if _ACTION_LEAD.search(lowered, line_start, at) and markdown.is_prose(at):
            claim = _action_claim(doc, m)
            if claim is not None:
                found.append(claim)
    found.sort(key=lambda c: c.start)
    doc.cache["contradictions.claims"] = found
    return found


def _each(hits: dict[str, list[int]], words: tuple[str, ...]) -> Iterator[int]:
    """The hits of each word in turn."""
    for word in words:
        yield from hits[word]


def _negation_start(text: str, at: int) -> int:
    """Where the negation whose key part is at `at` starts, or -1 if it is not one."""
    key = text[at : at + 3]
    if key in ("nev", "avo"):
        return at
    heads = _NEGATION_HEADS["not " if key == "not" else "n't"]
    for head in heads:
        if text.startswith(head, at - len(head)):
            return at - len(head)
    return -1


def _may_open_clause(text: str, offset: int) -> bool:
    """A quick test, before the regex, that a word may start a clause."""
    j = offset - 1
    while j >= 0 and text[j] in " \t*_":
        j -= 1
    if j < 0 or not text[j].isalnum():
        return True
    return text[max(0, j - 5) : j + 1].endswith(("you", "please"))


def _topic_claims(doc: RulesDocument, start: int, end: int) -> list[Claim]:
    sentence = doc.text[start:end]
    if sentence.lstrip().startswith("#"):
        return []
    options = _options(sentence)
    if not options:
        return []
    context = directives.context_before(doc, start)
    languages = _languages(sentence + " " + context)
    flip = directives.is_negative_context(context)
    return [
        Claim(topic, choice, positive and not flip, start, end, languages)
        for topic, choice, positive in options
    ]


def _options(sentence: str) -> list[tuple[str, str, bool]]:
    """The (topic, choice, positive) options a sentence prescribes or forbids."""
    options: list[tuple[str, str, bool]] = []
    topics = _topics_named(sentence)
    if topics - _INDENT_ONLY:
        pos = 0
        for clause_match in _CLAUSE_SPLIT.finditer(sentence + ","):
            clause = sentence[pos : clause_match.start()]
            pos = clause_match.end()
            options.extend(_clause_options(clause, topics))
    if "indent" in topics:
        options.extend(_indent_options(sentence))
    # Two options of one topic prescribed together are alternatives, not a rule.
    result: list[tuple[str, str, bool]] = []
    for topic, choice, positive in options:
        rivals = {c for t, c, p in options if t == topic and p and c != choice}
        if positive and rivals:
            continue
        if (topic, choice, positive) not in result:
            result.append((topic, choice, positive))
    return result


_ALL_TOPICS = frozenset({"manager", "test", "quotes", "semicolons", "indent"})
_INDENT_ONLY = frozenset({"indent"})


def _topics_named(sentence: str) -> frozenset[str]:
    """The topics whose words a sentence contains: a cheap test before the regexes.

    Exact only for ASCII, where ignoring case is lower-casing; any other sentence
    goes to every regex (ignoring case also folds the long s, U+017F, to "s").
    """
    if not sentence.isascii():
        return _ALL_TOPICS
    lower = sentence.lower()
    found: set[str] = set()
    if "npm" in lower or "yarn" in lower or "bun" in lower:
        found.add("manager")
    if "jest" in lower or "test" in lower:
        found.add("test")
    if "quot" in lower:
        found.add("quotes")
    if "semi" in lower:
        found.add("semicolons")
    if "indent" in lower:
        found.add("indent")
    return frozenset(found)


def _clause_options(
    clause: str, topics: frozenset[str]
) -> Iterator[tuple[str, str, bool]]:
    if "manager" in topics:
        yield from _manager_options(clause)
    if "test" in topics:
        yield from _test_options(clause)
    if "quotes" in topics:
        yield from _quote_options(clause)
    if "semicolons" in topics:
        yield from _semicolon_options(clause)


def _manager_options(clause: str) -> Iterator[tuple[str, str, bool]]:
    for m in _MANAGER.finditer(clause):
        before, after = clause[: m.start()], clause[m.end() :]
        name = m.group(1).lower()
        if _NOT_A_MANAGER_CHOICE.match(after):
            continue
        if _NEGATED_BEFORE.search(before):
            yield "package-manager", name, False
        elif _MANAGER_COMMAND.match(after) or (
            name != "bun" and _PRESCRIBING_BEFORE.search(before)
        ):
            yield "package-manager", name, True


def _test_options(clause: str) -> Iterator[tuple[str, str, bool]]:
    for m in _TEST_FRAMEWORK.finditer(clause):
        before = clause[: m.start()]
        name = m.group(1).lower()
        if _NEGATED_BEFORE.search(before):
            yield "test-framework", name, False
        elif _PRESCRIBING_BEFORE.search(before):
            yield "test-framework", name, True


def _quote_options(clause: str) -> Iterator[tuple[str, str, bool]]:
    if not _QUOTE_CONTEXT.search(clause):
        for m in _QUOTES.finditer(clause):
            before = clause[: m.start()]
            positive = not _NEGATED_BEFORE.search(before)
            if positive and not (
                _PRESCRIBING_BEFORE.search(before) or not before.strip(" -*`")
            ):
                continue
            yield "quotes", m.group(1).lower(), positive


def _semicolon_options(clause: str) -> Iterator[tuple[str, str, bool]]:
    if not _SEMICOLON_CONTEXT.search(clause):
        for m in _SEMICOLONS.finditer(clause):
            before = clause[: m.start()]
            if _NEGATED_BEFORE.search(before):
                yield "semicolons", "semicolons", False
            elif _PRESCRIBING_BEFORE.search(before) or re.search(
                r"\b(?:add|include|end\b.*\bwith|terminate\b.*\bwith)\b", before, re.I
            ):
                yield "semicolons", "semicolons", True


def _indent_options(sentence: str) -> Iterator[tuple[str, str, bool]]:
    if not _INDENT.search(sentence):
        return
    widths = {
        _WIDTH_WORDS.get(w.lower(), w)
        for m in _WIDTH.finditer(sentence)
        for w in m.groups()
        if w
    }
    tabs = _TABS.search(sentence)
    spaces = _SPACES.search(sentence) or widths
    negated = _NEGATED_BEFORE.search(sentence)
    if tabs and not spaces:
        yield "indent-style", "tabs", not negated
    elif spaces and not tabs:
        yield "indent-style", "spaces", not negated
    if len(widths) == 1 and not negated:
        yield "indent-width", widths.pop(), True


def _languages(text: str) -> frozenset[str]:
    names = {m.group(1).lower() for m in _LANGUAGES.finditer(text)}
    return frozenset(_LANGUAGE_ALIASES.get(n, n) for n in names)


def _action_claim(doc: RulesDocument, m: re.Match[str]) -> Claim | None:
    text = doc.text
    word = m.group(1).lower()
    after = m.end()
    stop = _CLAUSE_END.search(text, after)
    end = stop.start() if stop else len(text)
    raw = text[after:end]
    cut = _ACTION_STOP.search(raw)
    if cut:
        raw = raw[: cut.start()]
    raw = raw.strip().lower()
    action = directives.normalize(raw)
    if word == "avoid":
        action = "use " + action[6:] if action.startswith("using ") else action
        if not action.startswith("use "):
            action = "use " + action
    if len(action) < _MIN_ACTION_CHARS or action.count(" ") + 1 < _MIN_ACTION_WORDS:
        return None
    start, sentence_end = directives.sentence_bounds(doc, m.start())
    positive = word == "always"
    if positive and directives.is_negative_context(
        directives.context_before(doc, start)
    ):
        return None
    if word == "avoid":
        raw = ""  # "avoid X" has no literal positive form to search for
    return Claim("action", action, positive, start, sentence_end, frozenset(), raw)


def _positive_actions(
    doc: RulesDocument,
    own: list[Claim],
    others: list[tuple[RulesDocument, list[Claim]]],
) -> list[Claim]:
    """Plain imperatives ("Use X.") that match an action some claim forbids."""
    forbidden = {c.raw: c.choice for c in own if _forbids(c)}
    for _, theirs in others:
        forbidden.update((c.raw, c.choice) for c in theirs if _forbids(c))
    if not forbidden:
        return []
    lowered = directives.lowered(doc)
    found: list[Claim] = []
    for raw, action in forbidden.items():
        at = lowered.find(raw)
        while at != -1:
            claim = _positive_at(doc, lowered, at, raw, action)
            if claim is not None:
                found.append(claim)
            at = lowered.find(raw, at + len(raw))
    return found


def _positive_at(
    doc: RulesDocument, lowered: str, at: int, raw: str, action: str
) -> Claim | None:
    """A plain imperative at `at` stating `action`, if that is what is there."""
    before = lowered[max(0, at - 8) : at]
    if before.endswith(_NEGATED_ENDINGS) or not doc.markdown.is_prose(at):
        return None
    start, end = directives.sentence_bounds(doc, at)
    lead = lowered[start:at].strip(" *_`\"'")
    if lead and lead not in _POSITIVE_WORDS:
        return None
    stop = _CLAUSE_END.search(lowered, at + len(raw))
    tail = lowered[at + len(raw) : stop.start() if stop else len(lowered)].strip()
    if tail and not _ACTION_STOP.match(tail):
        return None
    if directives.is_negative_context(directives.context_before(doc, start)):
        return None
    return Claim("action", action, True, start, end, frozenset())


def _forbids(claim: Claim) -> bool:
    return claim.topic == "action" and not claim.positive and bool(claim.raw)
