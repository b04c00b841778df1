"""What a request is made of, as far as routing cares: kind, size and reasoning depth.

Pure: no I/O. Token counts come from a counter passed in (the exact BPE counter of
`llmops_ls.linter.tokens` when the caller wires it), else from a crude estimate.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

TokenCounter = Callable[[str], int]


class RequestKind(enum.StrEnum):
    """What the editor asks for."""

    INLINE_COMPLETION = "inline_completion"
    CHAT = "chat"
    EDIT = "edit"
    AGENT_STEP = "agent_step"


class Signal(enum.StrEnum):
    """A sign in the request text that the task needs deeper reasoning (or less)."""

    MULTI_FILE_REFACTOR = "multi_file_refactor"
    ARCHITECTURE = "architecture"
    CONCURRENCY = "concurrency"
    SECURITY_REVIEW = "security_review"
    CROSS_MODULE_DEBUG = "cross_module_debug"
    DEFINITION = "definition"
    MECHANICAL = "mechanical"


@dataclass(frozen=True, slots=True)
class Message:
    """One turn of a conversation."""

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Request:
    """A request as the editor sends it, before any content filtering."""

    kind: RequestKind
    prompt: str
    attached_files: tuple[str, ...] = ()
    context_tokens: int = 0
    language: str | None = None
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True, slots=True)
class Features:
    """The facts about a request the classifier scores."""

    kind: RequestKind
    prompt_tokens: int
    context_tokens: int
    attached_files: int
    attached_folders: int
    language: str | None
    conversation_turns: int
    signals: frozenset[Signal]

    @property
    def input_tokens(self) -> int:
        """Tokens sent upstream: prompt, conversation and context."""
        return self.prompt_tokens + self.context_tokens


def estimate_tokens(text: str) -> int:
    """A rough count (four characters a token) for when no tokenizer is wired."""
    # TODO: only a fallback; callers with llmops_ls.linter.tokens pass its exact count.
    return (len(text) + 3) // 4


# Each family is general vocabulary for that kind of work, kept short on purpose so it
# does not memorise the evaluation set (benchmarks/routing/requests.jsonl).
_SIGNAL_PATTERNS: dict[Signal, re.Pattern[str]] = {
    Signal.MULTI_FILE_REFACTOR: re.compile(
        r"\b(?:across|every|all|throughout)\b[^.?!\n]{0,60}"
        r"\b(?:files?|modules?|services?|packages?|call[- ]sites?|layers?|"
        r"codebase|repo(?:sitory)?)\b"
        r"|\b(?:codebase|repo)[- ]wide\b|\beverywhere\b"
        r"|\bmigrate\b[^.?!\n]{0,40}\b(?:from|to)\b"
        r"|\bextract\b[^.?!\n]{0,60}\binto\b",
        re.IGNORECASE,
    ),
    Signal.ARCHITECTURE: re.compile(
        r"\barchitect(?:ure|ural)?\b|\bdesign (?:the|a|an|our)\b|\bsystem design\b"
        r"|\bboundar(?:y|ies)\b|\bmonolith\b|\bevent[- ]sourcing\b"
        r"|\bmulti-?tenan(?:t|cy)\b|\btrade-?offs?\b|\bmigration path\b"
        r"|\b(?:propose|recommend) (?:how|an?|the)\b|\bplugin system\b"
        r"|\bisolation\b|\bsandbox(?:ing)?\b|\bcompare\b[^.?!\n]{0,60}\b(?:with|to)\b",
        re.IGNORECASE,
    ),
    Signal.CONCURRENCY: re.compile(
        r"\brace condition|\bdeadlock|\bthread[- ]safe|\block[- ]free\b"
        r"|\batomic(?:ity|ally)?\b|\bconcurren(?:t|cy)\b|\bmutex\b|\bsemaphore\b"
        r"|\bdata race\b|\bcontention\b|\bexactly[- ]once\b|\bat[- ]least[- ]once\b"
        r"|\b(?:two|several|multiple) (?:workers|threads|processes|goroutines)\b"
        r"|\bshared?\b[^.?!\n]{0,20}\b(?:state|dict|map|memory)\b"
        r"|\bintermittent(?:ly)?\b|\bflaky\b",
        re.IGNORECASE,
    ),
    Signal.SECURITY_REVIEW: re.compile(
        r"\bsecurity\b|\baudit\b|\bcsrf\b|\bxss\b|\binjection attacks?\b"
        r"|\b(?:sql|command|code|html|ldap|template|prompt) injection\b"
        r"|\bsession fixation\b|\btiming attacks?\b|\bvulnerab|\biam\b"
        # OWASP's names for classes of flaw, and a question whether code is safe
        # ("is this JWT verification code safe?").
        r"|\bopen redirects?\b|\bssrf\b|\bpath traversal\b|\bprivilege escalation\b"
        r"|\b(?:token|secret|credential)s? leak"
        r"|\b(?:is|are) (?:this|these|it)(?: [\w-]+){0,3} (?:safe|secure)\b",
        re.IGNORECASE,
    ),
    Signal.CROSS_MODULE_DEBUG: re.compile(
        r"\broot cause\b|\bstack ?trace\b|\bprofil(?:e|es|er|ing)\b"
        r"|\bmemory (?:grows|leak)|\bleaks?\b|\bin production\b|\bhangs?\b"
        r"|\btrace (?:the|it|through)\b|\bre-?renders?\b",
        re.IGNORECASE,
    ),
    Signal.DEFINITION: re.compile(
        r"^\s*(?:what(?:'s| is| are| does)|briefly|explain the difference|how do i"
        r"|give me the)\b",
        re.IGNORECASE,
    ),
    Signal.MECHANICAL: re.compile(
        r"\b(?:rename|typo|docstrings?|sort\b[^.\n]{0,10}\bimports|type hints"
        r"|list comprehension|reformat|boilerplate)\b",
        re.IGNORECASE,
    ),
}


def find_signals(text: str) -> frozenset[Signal]:
    """The reasoning-depth signals present in `text`."""
    return frozenset(s for s, p in _SIGNAL_PATTERNS.items() if p.search(text))


def extract(request: Request, count: TokenCounter = estimate_tokens) -> Features:
    """Turn a request into features; deterministic for the same request and counter."""
    conversation = "\n".join(m.content for m in request.messages)
    prompt_tokens = count(request.prompt) + (count(conversation) if conversation else 0)
    return Features(
        kind=request.kind,
        prompt_tokens=prompt_tokens,
        context_tokens=max(0, request.context_tokens),
        attached_files=len(request.attached_files),
        attached_folders=len(_folders(request.attached_files)),
        language=request.language,
        conversation_turns=len(request.messages),
        signals=find_signals(request.prompt),
    )


def _folders(paths: Iterable[str]) -> set[str]:
    return {p.rsplit("/", 1)[0] if "/" in p else "" for p in paths}
