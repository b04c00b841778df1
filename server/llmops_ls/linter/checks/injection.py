"""Checks for instructions that work against the user, visible or hidden.

Rules files are shared, copied from the internet and edited by many hands, and an
assistant obeys them with the user's permissions. These checks look for the shapes that
attacks take: overriding earlier instructions, hiding actions from the user, sending
credentials away, running code fetched from the network, and instructions tucked into
comments that a rendered Markdown view does not show.

Speed: Python's `re` scans quickly only for patterns that start with a literal, so each
family has a few literal anchors, and the full pattern is matched around each hit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

from llmops_ls.linter import suppressions
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.registry import check


def _lazy(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regex compiled on first use (most are needed only after an anchor hits)."""
    # Compiling them all at import costs more than scanning most workspaces.
    return functools.cache(lambda: re.compile(source, flags))


# --- overriding the instructions

# One pass each: `re` scans fast only for a literal first character, so the verbs are
# found from their `g` and "you are now" from its `w`, checked by look-behinds; the full
# pattern is then matched from the start of the word.
_OVERRIDE_ANCHORS = (
    (re.compile(r"g(?:(?<=[iI]g)nore|(?<=[dD]isreg)ard|(?<=[fF]org)et)"), (1, 5, 3)),
    (re.compile(r"w(?<=[yY]ou are now)"), (10,)),
)
_QUALIFIER = (
    r"(?:all|any|every|each|of|the|your|my|these|those|previous|prior|above|earlier"
    r"|preceding|foregoing|initial|original|system|other|existing|current|safety)"
)
_OVERRIDE = _lazy(
    rf"""
    (?:ignore|disregard|forget)[ \t]+
    (?:
        (?:{_QUALIFIER}[ \t]+){{0,3}}
        (?:previous|prior|above|earlier|preceding|foregoing|initial|original|system
          |your|my)[ \t]+
        (?:[a-z]+[ \t]+)?
        (?:instructions?|prompts?|rules|guidelines|directions|directives|messages?
          |context|programming|guardrails|restrictions|constraints|training)\b
      | (?:all|any)[ \t]+(?:of[ \t]+)?(?:the[ \t]+|your[ \t]+)?
        (?:instructions|guidelines|guardrails|restrictions|safety\w*|directives)\b
      | (?:everything|anything|all)[ \t]+(?:above|before|previous\w*|prior|you[ \t]+were
          [ \t]+told|you[ \t]+have[ \t]+been[ \t]+told)\b
        # Not when a word of another kind follows: "all previous lint warnings".
        (?![ \t]+(?!and\b|then\b|or\b|you\b|text\b|input\b|content\b)[a-z])
      | the[ \t]+(?:above|system[ \t]+prompt)\b
    )
  | you[ \t]+are[ \t]+now[ \t]+(?:dan\b|jailbr\w+
      |in[ \t]+(?:developer|god|dan)[ \t]+mode
      |(?:an?[ \t]+)?(?:unrestricted|unfiltered|uncensored)\b|free[ \t]+(?:from|of)
      [ \t]+(?:all[ \t]+|your[ \t]+)?(?:rules|restrictions|guidelines)
      |no[ \t]+longer[ \t]+(?:bound|restricted|an?[ \t]+(?:ai|assistant)))
    """,
    re.IGNORECASE | re.VERBOSE,
)

# --- hiding things from the user

_NOT = r"(?:do[ \t]+not|don'?t|never|must[ \t]+not|mustn'?t|should[ \t]+not|shouldn'?t)"
_PRONOUN = r"(?:this|these|that|it|them|anything|any[ \t]+of[ \t]+(?:this|these|it))"
# Matched backwards from "the user": the words that come right before it.
_CONCEAL_BEFORE = _lazy(
    rf"""(?:
        {_NOT}[ \t]+(?:tell|inform|notify|alert|mention|reveal|disclose|show|explain)
          [ \t]+{_PRONOUN}[ \t]+(?:to|with)
      | (?:hide|conceal|keep|withhold)[ \t]+(?:{_PRONOUN}|the[ \t]+following
          |everything|your[ \t]+actions)[ \t]+(?:(?:secret|hidden)[ \t]+)?from
      | without[ \t]+(?:informing|telling|notifying|alerting|letting)
      | {_NOT}[ \t]+(?:tell|inform|notify|alert)
      | without
    )[ \t]+$""",
    re.IGNORECASE | re.VERBOSE,
)
_CONCEAL_TAIL_REQUIRED = _lazy(
    r"(?:without|do not tell|don'?t tell|never tell|do not inform|don'?t inform"
    r"|never inform|do not notify|don'?t notify|never notify|do not alert|never alert"
    r"|must not tell|must not inform)[ \t]+$",
    re.IGNORECASE,
)
_CONCEAL_AFTER = _lazy(
    r"""(?:[ \t]+(?:about[ \t]+(?:this|these|it|that|any[ \t]+of)|that[ \t]+you
    |what[ \t]+you|you[ \t]+(?:did|have|are[ \t]+doing|changed)|knowing|noticing
    |finding[ \t]+out))""",
    re.IGNORECASE | re.VERBOSE,
)
_WITHOUT_THE_USER = _lazy(r"without[ \t]+$", re.IGNORECASE)
_MENTION = _lazy(
    rf"{_NOT}[ \t]+mention[ \t]+(?:this|these[ \t]+instructions|this[ \t]+"
    r"(?:file|rule|instruction|note))(?=[ \t]*(?:[.!;\n]|$|to[ \t]+anyone|in[ \t]+your"
    r"[ \t]+(?:response|reply|answer|output)))",
    re.IGNORECASE,
)
_CONCEAL_WORDS = (
    "not",
    "n't",
    "never",
    "hide",
    "conceal",
    "keep",
    "withhold",
    "without",
)
_MENTION_ANCHOR = re.compile("mention th")
# Found from "user", checked back to "the": `u` is a rarer first letter than `t`.
_USER_ANCHOR = re.compile("user(?<=the user)")
_CONCEAL_WINDOW = 80

# --- running code from the network, sending data away

_FETCHER = r"(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)"
_SHELL = (
    r"(?:sudo[ \t]+(?:-\S+[ \t]+)*)?(?:(?:ba|z|da|k|fi|tc|c)?sh|python[0-9.]*|node"
    r"|perl|ruby|php|iex|invoke-expression|pwsh|powershell)\b"
)
_PIPE = re.compile(r"\|")
_INTO_SHELL = _lazy(rf"[ \t]*{_SHELL}", re.IGNORECASE)
_INTO_NETWORK = _lazy(r"[ \t]*(?:curl|wget|nc|ncat|netcat|socat)\b", re.IGNORECASE)
_HAS_FETCHER = _lazy(rf"\b{_FETCHER}\b", re.IGNORECASE)
_HAS_DECODE = _lazy(r"\bbase64[ \t]+(?:-d|--decode|-D)\b|\bxxd[ \t]+-r", re.I)
_SCHEME_BEFORE = _lazy(r"[a-zA-Z][a-zA-Z0-9+.-]*$")
_URL = _lazy(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'`)|]+")
# `$(`, `<(` and PowerShell's `iex (`, found from the parenthesis.
_OPEN_PAREN = re.compile(r"\((?:(?<=[$<]\()|(?<=(?i:iex)\()|(?<=(?i:iex) \())")
_INTO_FETCH = _lazy(
    rf"[ \t]*\(?[ \t]*(?:{_FETCHER}|new-object[ \t]+(?:system\.)?net\.webclient)\b",
    re.IGNORECASE,
)
_RISKY_URL = _lazy(
    r"^(?:http://|\S*://(?:\d{1,3}\.){3}\d{1,3}|\S*://(?:bit\.ly|tinyurl\.com|t\.co"
    r"|is\.gd|pastebin\.com|paste\.ee|hastebin\.com|transfer\.sh|ngrok\.io"
    r"|[^/]*\.ngrok(?:-free)?\.app)\b)",
    re.IGNORECASE,
)
_SENSITIVE = (
    r"(?:\.env\b|~/\.ssh|\.ssh/|id_rsa|id_ed25519|id_ecdsa|\.aws/credentials|\.netrc"
    r"|\.npmrc|\.pypirc|\.git-credentials|\.kube/config|kubeconfig|\.docker/config\.json"
    r"|/etc/passwd|/etc/shadow)"
)
_HAS_SENSITIVE = _lazy(_SENSITIVE + r"|\b(?:env|printenv)\b", re.IGNORECASE)
_SCHEME_SEPARATOR = re.compile("://")
# Searched between the start of a line and a URL in it: uploads of a secret file.
_UPLOAD = _lazy(
    rf"""\b(?:curl|wget)\b[^\n]*?[ \t](?:-d|--data(?:-binary|-raw|-urlencode)?|-F
    |--form|-T|--upload-file|--post-file|--body-file)[ \t=]*["']?(?:\w+=)?@?[^\s"']*
    {_SENSITIVE}[^\n]*""",
    re.IGNORECASE | re.VERBOSE,
)
_EXFIL_PROSE = _lazy(
    rf"""\b(?:send|upload|post|transmit|exfiltrate|forward|copy|leak|share|email|paste)
    [ \t]+(?:all[ \t]+|every[ \t]+)?(?:of[ \t]+)?(?:the[ \t]+|your[ \t]+
      |the[ \t]+user'?s[ \t]+)?
    (?:contents?[ \t]+of[ \t]+(?:the[ \t]+|your[ \t]+)?)?
    (?:{_SENSITIVE}|environment[ \t]+variables|env[ \t]+vars|(?:api[ \t]+)?keys|secrets
      |credentials|tokens|passwords|private[ \t]+keys|ssh[ \t]+keys|cookies)
    [^.\n]{{0,60}}?\b(?:to|into|via)[ \t]+$""",
    re.IGNORECASE | re.VERBOSE,
)
_EXFIL_WINDOW = 200
_EXFIL_VERBS = (
    "send",
    "upload",
    "post",
    "transmit",
    "exfiltrat",
    "forward",
    "copy",
    "leak",
    "share",
    "email",
    "paste",
)
_NEGATION_BEFORE = _lazy(
    r"(?:\b(?:never|not|don'?t|doesn'?t|avoid|no|without|prevent|block|refuse|reject"
    r"|forbid|forbidden|prohibit\w*)\b[^.!?\n]*)$",
    re.IGNORECASE,
)
# Lines that talk about an attack rather than carry one.
_DISCUSSION = _lazy(
    r"injection|jailbreak|attack|malicious|adversarial|untrusted|red[- ]team|phishing"
    r"|social engineering|treat (?:it|them|this|such)[^.\n]* as data|such as|e\.g\."
    r"|for example|refuse|detect|flag (?:it|them|this)",
    re.IGNORECASE,
)
_QUOTE_CHARS = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb"

# --- comments that hide instructions

_NOT_DIRECTIVE = _lazy(
    r"""^\s*(?:markdownlint|prettier-ignore|eslint|cspell|spell-?checker|vale\b|textlint
    |remark-|\#?(?:end)?region\b|/?toc\b|omit[ \t]+in[ \t]+toc
    |(?:begin|end|start|stop)\b
    |spdx-|copyright|\(c\)|©|license|licensed[ \t]+under|todo\b|fixme\b|xxx\b|hack\b
    |note\b|nb\b|@|lint-|generated|auto-?generated|this[ \t]+file[ \t]+(?:is|was)
    [ \t]+(?:auto-?)?generated|do[ \t]+not[ \t]+edit|prettier|docs?:|snippet|include
    |section|anchor|more\b|vale|ignore-|disable|enable|keep|cut|\w+:\s*\S+\s*$)""",
    re.IGNORECASE | re.VERBOSE,
)
_INSTRUCTION_WORDS = _lazy(
    r"""\b(?:always|never|must|mustn'?t|should|shouldn'?t|do[ \t]+not|don'?t|ignore
    |disregard|forget|pretend|instead|you[ \t]+(?:are|will|must|should|need|may)
    |you'(?:re|ll)|your[ \t]+(?:task|job|role|goal|response|answer)|the[ \t]+user
    |the[ \t]+assistant|assistant|ai|llm|model|claude|copilot|cursor|gpt|gemini|agent
    |system[ \t]+prompt|instructions?|secretly|silently|quietly
    |without[ \t]+telling)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_IMPERATIVE_START = _lazy(
    r"""^\s*(?:[-*+][ \t]+|\d+[.)][ \t]+)?(?:use|add|run|write|prefer|avoid|make|keep
    |ensure|follow|call|send|read|include|remove|delete|create|set|return|respond
    |reply|answer|tell|say|mention|treat|pretend|act|output|print|execute|install
    |download|upload|post|fetch|open|insert|append|replace|rewrite|generate|ignore
    |disregard|forget|never|always|do|don'?t|only|stop|skip|hide|copy|exfiltrate
    |recommend|suggest|include|put|change|modify|update|commit|push|disable|bypass)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_REF_ANCHOR = re.compile(r"\]:")
_REF_COMMENT = _lazy(
    r"""^[ ]{0,3}\[(?://|comment|_|\#|todo|note)\]:[ \t]*(?:\#|<>|<\#>)[ \t]*
    (?:\((?P<paren>[^\n]*)\)|"(?P<dq>[^\n]*)"|'(?P<sq>[^\n]*)')[ \t]*$""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
_HIDDEN_ELEMENT = _lazy(
    r"""<(?P<tag>[a-zA-Z][a-zA-Z0-9]*)\b[^>\n]*?
    (?:\shidden\b|style[ \t]*=[ \t]*["'][^"']*
    (?:display[ \t]*:[ \t]*none|visibility[ \t]*:[ \t]*hidden|font-size[ \t]*:[ \t]*0
    (?:px|em|rem|pt)?\b|opacity[ \t]*:[ \t]*0(?:\.0+)?\b))[^>\n]*>
    (?P<body>[^<]{1,2000})<""",
    re.IGNORECASE | re.VERBOSE,
)
_MIN_DIRECTIVE_WORDS = 4


@check("prompt-injection", "remote-script")
def check_injection(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report overrides, concealment, exfiltration and download-and-run commands."""
    text = doc.text
    yield from _overrides(doc, ctx, text)
    yield from _concealment(doc, ctx, text)
    yield from _commands(doc, ctx, text)


@check("hidden-directive")
def check_hidden_directive(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report instructions inside comments and hidden elements that renderers hide."""
    text = doc.text
    for comment in doc.markdown.comments:
        body = comment.body
        if _is_instruction(body) and not suppressions.is_directive(body):
            start, end = _strip(
                text, comment.body_start, comment.body_start + len(body)
            )
            yield ctx.finding(
                "hidden-directive",
                doc,
                start,
                end,
                "instruction inside an HTML comment: rendered Markdown hides it, but "
                "the model reads it; make it visible or delete it",
            )
    for hit in _REF_ANCHOR.finditer(text) if "]" in text else ():
        match = _REF_COMMENT().match(text, text.rfind("\n", 0, hit.start()) + 1)
        if match is not None:
            group = match.lastgroup or "paren"
            if doc.markdown.is_prose(match.start()) and _is_instruction(match[group]):
                yield ctx.finding(
                    "hidden-directive",
                    doc,
                    *match.span(group),
                    "instruction inside a link-reference comment (`[//]: #`): rendered "
                    "Markdown hides it, but the model reads it",
                )
    if "<" in text:
        for match in _HIDDEN_ELEMENT().finditer(text):
            if doc.markdown.is_prose(match.start()) and _is_instruction(match["body"]):
                yield ctx.finding(
                    "hidden-directive",
                    doc,
                    *match.span("body"),
                    f"instruction inside a hidden `<{match['tag']}>` element: rendered "
                    "Markdown hides it, but the model reads it",
                )


def _is_instruction(body: str) -> bool:
    """Whether a comment's text reads as an instruction rather than a note or label."""
    if len(body.split()) < _MIN_DIRECTIVE_WORDS or _NOT_DIRECTIVE().match(body):
        return False
    if body.lstrip().startswith(("<", "{", "[")) and "\n" not in body.strip():
        return False
    return bool(_INSTRUCTION_WORDS().search(body) or _IMPERATIVE_START().match(body))


def _overrides(doc: RulesDocument, ctx: CheckContext, text: str) -> Iterator[Finding]:
    for anchor, backs in _OVERRIDE_ANCHORS:
        for hit in anchor.finditer(text):
            match = None
            for back in backs:
                match = _OVERRIDE().match(text, hit.start() - back)
                if match is not None:
                    break
            if match is None or not _is_instruction_text(doc, text, match.start()):
                continue
            yield ctx.finding(
                "prompt-injection",
                doc,
                match.start(),
                match.end(),
                f"tells the assistant to drop its instructions (`{_clip(match[0])}`): "
                "text like this in a rules file is a prompt-injection attack",
            )


def _concealment(doc: RulesDocument, ctx: CheckContext, text: str) -> Iterator[Finding]:
    for hit in _USER_ANCHOR.finditer(text):
        pos = hit.start() - len("the ")
        window = text[max(0, pos - _CONCEAL_WINDOW) : pos]
        lowered = window.lower()
        if not any(word in lowered for word in _CONCEAL_WORDS):
            continue
        before = _CONCEAL_BEFORE().search(window)
        if before is None:
            continue
        after = _CONCEAL_AFTER().match(text, hit.end())
        needs_tail = _CONCEAL_TAIL_REQUIRED().search(before[0]) is not None
        if needs_tail and after is None:
            continue
        if _WITHOUT_THE_USER().fullmatch(before[0]) and (
            after is None or not after[0].strip().startswith(("knowing", "noticing"))
        ):
            continue
        start = pos - len(window) + before.start()
        if not _is_instruction_text(doc, text, start):
            continue
        end = after.end() if after is not None else hit.end()
        yield ctx.finding(
            "prompt-injection",
            doc,
            start,
            end,
            "tells the assistant to hide things from the user "
            f"(`{_clip(text[start:end])}`): rules must never ask an assistant to "
            "conceal what it does",
        )
    for hit in _MENTION_ANCHOR.finditer(text):
        match = _MENTION().search(text, max(0, hit.start() - 20), hit.end() + 40)
        if match is None or not match.start() <= hit.start() < match.end():
            continue
        if _is_instruction_text(doc, text, match.start()):
            yield ctx.finding(
                "prompt-injection",
                doc,
                match.start(),
                match.end(),
                f"tells the assistant to keep an instruction secret "
                f"(`{_clip(match[0])}`): hidden rules are how injections persist",
            )


def _commands(doc: RulesDocument, ctx: CheckContext, text: str) -> Iterator[Finding]:
    yield from _pipes(doc, ctx, text)
    yield from _subshells(doc, ctx, text)
    upload_end = -1
    for hit in _SCHEME_SEPARATOR.finditer(text):
        line_start = text.rfind("\n", 0, hit.start()) + 1
        line_end = text.find("\n", hit.start())
        line_end = len(text) if line_end == -1 else line_end
        line = text[line_start:line_end]
        upload = None
        if "curl" in line or "wget" in line:
            upload = _UPLOAD().search(text, max(line_start, upload_end), line_end)
        if upload is not None and not _negated(text, upload.start()):
            upload_end = upload.end()
            yield ctx.finding(
                "prompt-injection",
                doc,
                upload.start(),
                upload.end(),
                f"uploads local secrets (`{_clip(upload[0])}`): this is credential "
                "exfiltration",
            )
        start = max(0, hit.start() - _EXFIL_WINDOW)
        lowered = text[start : hit.start()].lower()
        if not any(verb in lowered for verb in _EXFIL_VERBS):
            continue
        scheme = _SCHEME_BEFORE().search(text, max(0, hit.start() - 20), hit.start())
        url = _URL().match(text, scheme.start()) if scheme is not None else None
        if url is None:
            continue
        match = _EXFIL_PROSE().search(text, start, url.start())
        if match is not None and _is_instruction_text(doc, text, match.start()):
            yield ctx.finding(
                "prompt-injection",
                doc,
                match.start(),
                url.end(),
                f"asks the assistant to send credentials or private files away "
                f"(`{_clip(text[match.start() : url.end()])}`): this is credential "
                "exfiltration",
            )


def _pipes(doc: RulesDocument, ctx: CheckContext, text: str) -> Iterator[Finding]:
    """`curl … | sh`, `base64 -d | sh`, `cat ~/.ssh/id_rsa | curl`, `env | nc`."""
    if "|" not in text:  # one `memchr`, far cheaper than the scan
        return
    for hit in _PIPE.finditer(text):
        pipe = hit.start()
        shell = _INTO_SHELL().match(text, pipe + 1)
        network = None if shell is not None else _INTO_NETWORK().match(text, pipe + 1)
        if shell is None and network is None:
            continue
        line_start = text.rfind("\n", 0, pipe) + 1
        line_end = text.find("\n", pipe)
        line_end = len(text) if line_end == -1 else line_end
        before = text[line_start:pipe]
        if network is not None:
            found = _HAS_SENSITIVE().search(before)
            if found is None or _negated(text, line_start + found.start()):
                continue
            yield ctx.finding(
                "prompt-injection",
                doc,
                line_start + found.start(),
                network.end(),
                f"pipes local secrets or the environment to the network "
                f"(`{_clip(text[line_start + found.start() : network.end()])}`): this "
                "is credential exfiltration",
            )
            continue
        assert shell is not None
        fetch = _HAS_FETCHER().search(before)
        # `| curl | sh |` in a table names the tools without running anything.
        if fetch is not None and not before[fetch.end() :].strip():
            fetch = None
        fetch = fetch or _HAS_DECODE().search(before)
        if fetch is None:
            continue
        start, end = line_start + fetch.start(), shell.end()
        if _negated(text, start):
            continue
        command = text[start:end]
        url = _URL().search(command)
        if _HAS_DECODE().search(command):
            message = (
                f"decodes a hidden payload and runs it (`{_clip(command)}`): nobody "
                "can review what the assistant would execute"
            )
            yield ctx.finding("prompt-injection", doc, start, end, message)
        elif url is not None and _RISKY_URL().match(url[0]):
            yield ctx.finding(
                "prompt-injection",
                doc,
                start,
                end,
                f"downloads code over an untrusted channel and runs it "
                f"(`{_clip(command)}`): anyone on the network path can replace it",
            )
        else:
            yield ctx.finding(
                "remote-script",
                doc,
                start,
                end,
                f"downloads a script and runs it unseen (`{_clip(command)}`); an "
                "assistant may run this on its own: pin a version and check a "
                "checksum, or install from a package manager",
            )


def _subshells(doc: RulesDocument, ctx: CheckContext, text: str) -> Iterator[Finding]:
    """`bash <(curl …)`, `eval "$(curl …)"`, `iex (iwr …)`: run what was fetched."""
    for hit in _OPEN_PAREN.finditer(text):
        fetch = _INTO_FETCH().match(text, hit.end())
        if fetch is None:
            continue
        line_start = text.rfind("\n", 0, hit.start()) + 1
        line_end = text.find("\n", hit.end())
        line_end = len(text) if line_end == -1 else line_end
        if _negated(text, hit.start()):
            continue
        start = max(line_start, hit.start() - 20)
        start = text.rfind(" ", line_start, hit.start() - 1) + 1 or line_start
        yield ctx.finding(
            "prompt-injection",
            doc,
            start,
            line_end,
            f"runs code as it is downloaded (`{_clip(text[start:line_end])}`), so "
            "nobody reviews what the assistant executes",
        )


def _is_instruction_text(doc: RulesDocument, text: str, offset: int) -> bool:
    """Prose (or a comment) that gives the phrase as an instruction, not as a quote."""
    if doc.markdown.in_code_block(offset):
        return False
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    if _DISCUSSION().search(line):
        return False
    column = offset - line_start
    quotes = sum(line[:column].count(q) for q in _QUOTE_CHARS)
    # An odd number of quotes before the phrase: it is quoted, an example of an attack.
    return quotes % 2 == 0 and not _negated(text, offset)


def _negated(text: str, offset: int) -> bool:
    """Whether the sentence up to `offset` says not to do it ("never", "don't" ...)."""
    sentence_start = max(
        text.rfind(".", 0, offset), text.rfind("\n", 0, offset), offset - 120
    )
    return _NEGATION_BEFORE().search(text, sentence_start + 1, offset) is not None


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    value = text[start:end]
    start += len(value) - len(value.lstrip())
    return start, start + len(value.strip())


def _clip(phrase: str, limit: int = 60) -> str:
    phrase = " ".join(phrase.split()).replace("`", "'")
    return phrase if len(phrase) <= limit else phrase[: limit - 1] + "…"
