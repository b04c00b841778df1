"""Detection of credentials in free text: provider key formats and generic assignments.

This module knows nothing about documents or findings, so that the rules-file linter and
the gateway's outgoing content filter share one detector. Offsets are code-point indices
into the text given. The detector prefers missing an odd hand-made password to flagging
ordinary words: placeholders, templates, environment references and documented example
keys are not secrets, and generic `password = ...` assignments pass an entropy gate.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["KINDS", "SecretMatch", "find_secrets", "mask", "redact", "shannon_entropy"]


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A credential found in a text: its kind, the span of the value, and a confidence.

    `confidence` is between 0 and 1: about 0.95 for a provider's own key format, 0.8 for
    structural matches (JWTs, connection strings), 0.6 for generic assignments.
    """

    kind: str
    start: int
    end: int
    confidence: float

    @property
    def label(self) -> str:
        """A human name for the kind, such as ``"OpenAI API key"``."""
        return KINDS[self.kind]


KINDS: dict[str, str] = {
    "aws-access-key-id": "AWS access key id",
    "aws-secret-access-key": "AWS secret access key",
    "github-token": "GitHub token",
    "anthropic-api-key": "Anthropic API key",
    "openai-api-key": "OpenAI API key",
    "google-api-key": "Google API key",
    "slack-token": "Slack token",
    "slack-webhook": "Slack webhook URL",
    "stripe-secret-key": "Stripe secret key",
    "gitlab-token": "GitLab token",
    "huggingface-token": "Hugging Face token",
    "npm-token": "npm token",
    "pypi-token": "PyPI token",
    "sendgrid-api-key": "SendGrid API key",
    "groq-api-key": "Groq API key",
    "xai-api-key": "xAI API key",
    "digitalocean-token": "DigitalOcean token",
    "private-key": "private key",
    "jwt": "JSON Web Token",
    "connection-string-password": "password in a connection string",
    "generic-secret": "secret value",
}

# Python's `re` only scans fast for a pattern that starts with a literal character, so
# each detector is a literal-led pattern, and generic assignments are found from their
# `=` or `:` with the key name checked behind it (`_ASSIGNMENTS`). In each detector the
# group named after the kind (dashes as underscores) holds the value. `lead` is what the
# character before the match must be: one of the given letters, or, when empty, not a
# letter, digit, `_` or `-` (else the match is the tail of a longer word).
_TOKEN_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
)


def _lazy(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regex compiled on first use (these are needed only after a detector hits)."""
    return functools.cache(lambda: re.compile(source, flags))


@dataclass(frozen=True, slots=True)
class _Detector:
    pattern: re.Pattern[str]
    lead: str = ""
    # A character every match contains: testing for one character is a `memchr`,
    # far cheaper than the pattern's scan, and most texts lack the rarer ones.
    gate: str = ""


_DETECTORS = (
    _Detector(
        re.compile(
            r"A(?:(?P<aws_access_key_id>(?:KIA|SIA|BIA|CCA)[0-9A-Z]{16})(?![A-Za-z0-9])"
            r"|(?P<google_api_key>Iza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-]))"
        )
    ),
    _Detector(
        re.compile(
            r"(?P<github_token>g(?:h[pousr]_[A-Za-z0-9]{36,251}"
            r"|ithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}))(?![A-Za-z0-9_])"
        ),
        gate="_",
    ),
    # Anchored on the `k` of `sk-`, `sk_live_` and `rk_live_`; the `s` or `r` is
    # checked as the lead.
    _Detector(
        re.compile(
            r"k(?:(?P<anthropic_api_key>-ant-[A-Za-z0-9_-]{32,})"
            r"|(?P<openai_api_key>-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{32,}"
            r"|[A-Za-z0-9]{32,}))(?![A-Za-z0-9_-])"
            r"|(?P<stripe_secret_key>_live_[0-9A-Za-z]{16,})(?![0-9A-Za-z]))"
        ),
        lead="sr",
    ),
    _Detector(re.compile(r"(?P<slack_token>xox[abprs]-[0-9]{6,}-[0-9A-Za-z-]{8,})")),
    # More providers' fixed prefixes, in one pattern: one scan of the text.
    _Detector(
        re.compile(
            r"(?:(?P<gitlab_token>glpat-[A-Za-z0-9_-]{20,64})(?![A-Za-z0-9_-])"
            r"|(?P<groq_api_key>gsk_[A-Za-z0-9]{52})(?![A-Za-z0-9_])"
            r"|(?P<huggingface_token>hf_[A-Za-z]{34})(?![A-Za-z0-9_])"
            r"|(?P<npm_token>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])"
            r"|(?P<pypi_token>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})"
            r"|(?P<sendgrid_api_key>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"
            r"(?![A-Za-z0-9_-])"
            r"|(?P<xai_api_key>xai-[A-Za-z0-9]{80})(?![A-Za-z0-9_])"
            r"|(?P<digitalocean_token>do[opr]_v1_[a-f0-9]{64})(?![A-Za-z0-9_]))"
        )
    ),
    _Detector(
        re.compile(
            r"-----BEGIN[ ][A-Z0-9 ]*PRIVATE[ ]KEY(?:[ ]BLOCK)?-----[ \t]*\r?\n"
            r"(?P<private_key>(?:(?!-----)[^\n]*\r?\n){1,200}?)-----END"
        )
    ),
    # Anchored on the `.eyJ` of the payload; the header is looked for just before it.
    _Detector(
        re.compile(r"\.(?P<jwt>eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})"), "*", "J"
    ),
)
_JWT_HEADER = _lazy(r"eyJ[A-Za-z0-9_-]{8,}$")
_JWT_HEADER_MAX_CHARS = 400

# `=` and `:` followed by a value of ten characters or more with a digit in it (a
# value without one does not pass `_looks_random`); `:=`, `=>` and `"key": "value"`
# included. The `:` pattern also finds URLs with a password and Slack webhooks.
_VALUE = r"""(?=[^\s\d]*+\d)(?:"(?P<dq>[^"\n]{10,200})"|'(?P<sq>[^'\n]{10,200})'
    |(?P<bare>[^\s"'`,;)\]}=][^\s"'`,;)\]}]{9,199}))"""
_ASSIGNMENTS = (
    re.compile(r"=>?[ \t]*" + _VALUE, re.VERBOSE | re.ASCII),
    re.compile(
        r""":(?://(?:(?P<user>[^\s:/@"'<>`]{1,64}):(?P<conn>[^\s:/@"'<>`]{1,128})@
            [A-Za-z0-9\[]
        |(?P<slack_webhook>hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}
            /[A-Za-z0-9]{16,}))
        |=?[ \t]*(?:(?i:bearer)[ ]+)?"""
        + _VALUE
        + ")",
        re.VERBOSE | re.ASCII,
    ),
)
# Names whose value is a secret, lower-cased, as they end just before the `=` or `:`.
_SECRET_NAMES = (
    "password",
    "passwd",
    "passphrase",
    "pass",
    "pwd",
    "secret",
    "token",
    "credentials",
    "credential",
    "api_key",
    "api-key",
    "apikey",
    "secret_key",
    "secretkey",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "signing_key",
    "encryption_key",
    "master_key",
    "client_key",
    "authorization",
    "auth",
)
_NAME_WINDOW = 48

_CONFIDENCE = {
    "aws-access-key-id": 0.95,
    "aws-secret-access-key": 0.9,
    "github-token": 0.97,
    "anthropic-api-key": 0.97,
    "openai-api-key": 0.9,
    "google-api-key": 0.95,
    "slack-token": 0.95,
    "slack-webhook": 0.95,
    "stripe-secret-key": 0.97,
    "gitlab-token": 0.95,
    "huggingface-token": 0.9,
    "npm-token": 0.95,
    "pypi-token": 0.97,
    "sendgrid-api-key": 0.95,
    "groq-api-key": 0.95,
    "xai-api-key": 0.95,
    "digitalocean-token": 0.95,
    "private-key": 0.99,
    "jwt": 0.8,
    "connection-string-password": 0.8,
    "generic-secret": 0.6,
}

# A 40-character AWS secret key without its name, looked for near an access key id.
_AWS_SECRET_NEARBY = _lazy(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_NEARBY_CHARS = 300

# Words that mark a value as a stand-in rather than a credential. Kept to four letters
# or more (or unmistakable symbols) so a random key rarely contains one by chance.
_PLACEHOLDER_WORDS = _lazy(
    r"your|example|placeholder|changeme|change_me|change-me|dummy|sample|xxxx|\*\*\*"
    r"|\.\.\.|…|redacted|replace|insert|here|todo|fake|mock|secret|password|passwd"
    r"|token|api_?key|<|>|\{\{|\$\{|%\(|\benv\b|environ|getenv|process\.env",
    re.IGNORECASE,
)
# Passwords commonly used as stand-ins in connection strings.
_PLACEHOLDER_PASSWORDS = frozenset(
    {
        "pass",
        "pw",
        "pwd",
        "password",
        "passwd",
        "secret",
        "changeme",
        "user",
        "username",
        "root",
        "admin",
        "postgres",
        "mysql",
        "test",
        "guest",
        "demo",
        "example",
        "dev",
        "local",
        "default",
        "mongo",
        "redis",
        "sa",
        "oracle",
        "dbpass",
        "dbpassword",
        "db_password",
        "mypassword",
        "p",
        "x",
    }
)
# Expressions that produce a value at run time rather than being one.
_EXPRESSION = _lazy(
    r"""^(?:[$%&*!@]|\{|\(|\[|<|\w+\(|(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?:\(|\[|$)
    |[A-Za-z_]\w*\[|(?:true|false|null|none|nil|undefined|string|str|bool|int)$)""",
    re.IGNORECASE | re.VERBOSE,
)
_SLUG = _lazy(r"^[a-z]+(?:[-_. ][a-z]+)*$")
# Lower-case words with at most two digits each, or version numbers, joined the way
# names, packages and paths are: `oauth2-proxy`, `next-auth@5.0.0-beta`, `/srv/app2`.
_WORDY = _lazy(
    r"^(?:~?/|\./)?(?:[a-z]{2,}\d{0,2}|\d+(?:\.\d+)+)"
    r"(?:[-_./@:](?:[a-z]{2,}\d{0,2}|\d+(?:\.\d+)*))*/?$"
)
_IDENTIFIER = _lazy(r"^[A-Za-z_][A-Za-z_]*$")
_REPEATED = _lazy(r"^(.)\1+$|^(.{2})\2+$")

# The jwt.io sample token, published in countless tutorials.
_EXAMPLE_JWT_SIGNATURES = frozenset({"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"})

_KEY_PREFIX = _lazy(r"^sk-(?:ant-(?:[a-z]+\d\d-)?|proj-|svcacct-|admin-)?")

_GENERIC_MIN_LENGTH = 10
_GENERIC_MIN_ENTROPY_BITS = 3.0


def find_secrets(text: str) -> list[SecretMatch]:
    """Credentials in `text` by position, each span covering the value only."""
    found: list[SecretMatch] = []
    for detector in _DETECTORS:
        if detector.gate and detector.gate not in text:
            continue
        for match in detector.pattern.finditer(text):
            item = _detected(text, match, detector.lead)
            if item is not None:
                found.append(item)
                if item.kind == "aws-access-key-id":
                    found.extend(_aws_secret_near(text, item.start, item.end))
    for pattern, gate in zip(_ASSIGNMENTS, "=:", strict=True):
        if gate not in text:
            continue
        for match in pattern.finditer(text):
            item = _assigned(text, match)
            if item is not None:
                found.append(item)
            # `url: postgres://user:pass@host`: the URL is inside the value matched.
            inner = text.find("://", match.start() + 1, match.end())
            if inner != -1:
                url = _ASSIGNMENTS[1].match(text, inner)
                item = _assigned(text, url) if url is not None else None
                if item is not None:
                    found.append(item)
    return _dedupe(found)


def redact(text: str) -> tuple[str, int]:
    """The text with every secret replaced by ``[REDACTED:<kind>]``, and how many."""
    matches = find_secrets(text)
    if not matches:
        return text, 0
    parts: list[str] = []
    cursor = 0
    for item in matches:
        parts.append(text[cursor : item.start])
        parts.append(f"[REDACTED:{item.kind}]")
        cursor = item.end
    parts.append(text[cursor:])
    return "".join(parts), len(matches)


def mask(kind: str, value: str) -> str:
    """A description of a secret safe to show: a known prefix at most, and the length.

    Provider keys keep their first four characters, which identify the format and are
    the same for every key; values of unknown shape show nothing of themselves.
    """
    if kind == "private-key":
        return f"key block ({len(value)} chars)"
    if kind in (
        "generic-secret",
        "connection-string-password",
        "aws-secret-access-key",
    ):
        return f"…({len(value)} chars)"
    return f"{value[:4]}…({len(value)} chars)"


def shannon_entropy(value: str) -> float:
    """Shannon entropy of the characters of `value`, in bits per character."""
    if not value:
        return 0.0
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in Counter(value).values())


def _detected(text: str, match: re.Match[str], lead: str) -> SecretMatch | None:
    """A provider-format match, if it stands alone and is not a placeholder."""
    group = match.lastgroup
    if group is None:
        return None
    kind = group.replace("_", "-")
    start, end = match.span()
    if lead == "*":
        header = _JWT_HEADER().search(
            text, max(0, start - _JWT_HEADER_MAX_CHARS), start
        )
        if header is None:
            return None
        start = header.start()
    elif lead:
        start -= 1
        if start < 0 or text[start] not in lead:
            return None
        if text[start] != "s" and kind != "stripe-secret-key":
            return None
    if start > 0 and text[start - 1] in _TOKEN_CHARS:
        return None
    if kind == "private-key":
        start, end = _strip_span(text, *match.span(group))
    if not _is_key(kind, text[start:end]):
        return None
    return SecretMatch(kind, start, end, _CONFIDENCE[kind])


def _is_key(kind: str, value: str) -> bool:
    if kind == "private-key":
        return sum(c.isalnum() for c in value) >= 64
    if kind == "jwt":
        return value.rsplit(".", 1)[-1] not in _EXAMPLE_JWT_SIGNATURES
    if kind == "aws-access-key-id":
        return "EXAMPLE" not in value and not _REPEATED().match(value[4:])
    body = _key_body(kind, value)
    if _PLACEHOLDER_WORDS().search(body) or _REPEATED().match(body):
        return False
    return len(set(body)) >= 10


def _assigned(text: str, match: re.Match[str]) -> SecretMatch | None:
    """A secret assigned to a secret-sounding name, a password in a URL, a webhook."""
    group = match.lastgroup
    if group is None:
        return None
    start, end = match.span(group)
    value = text[start:end]
    if group == "slack_webhook":
        if not _is_key("slack-webhook", value):
            return None
        return SecretMatch("slack-webhook", start, end, _CONFIDENCE["slack-webhook"])
    if group == "conn":
        if not _is_connection_password(value, match.group("user")):
            return None
        return SecretMatch("connection-string-password", start, end, 0.8)
    if not _named_secret(text, match.start()):
        return None
    if not _looks_random(value) or _PLACEHOLDER_WORDS().search(value):
        return None
    kind = "generic-secret"
    if (
        len(value) == 40
        and "aws" in text[max(0, match.start() - 30) : match.start()].lower()
    ):
        kind = "aws-secret-access-key"
    return SecretMatch(kind, start, end, _CONFIDENCE[kind])


def _named_secret(text: str, operator: int) -> bool:
    """Whether the name just before an `=` or `:` is one that holds secrets."""
    lo = max(0, operator - _NAME_WINDOW)
    name = text[lo:operator].rstrip(" \t\"'")
    lowered = name.lower()
    if not lowered.endswith(_SECRET_NAMES):
        return False
    for secret_name in _SECRET_NAMES:
        if lowered.endswith(secret_name):
            at = len(name) - len(secret_name)
            break
    if at == 0:
        return lo == 0 or not text[lo - 1].isalnum()
    before = name[at - 1]
    # A word boundary, a `snake_case` or `kebab-case` joint, or a `camelCase` hump.
    return not before.isalnum() or (before.islower() and name[at].isupper())


def _key_body(kind: str, value: str) -> str:
    """The random part of a provider key, without its fixed prefix."""
    if kind == "github-token":
        return value.split("_", 2)[-1] if value.startswith("github_pat_") else value[4:]
    if kind in ("anthropic-api-key", "openai-api-key"):
        return _KEY_PREFIX().sub("", value)
    if kind == "slack-token":
        return value[5:]
    if kind == "slack-webhook":
        return value.rsplit("/", 1)[-1]
    if kind == "stripe-secret-key":
        return value[8:]
    return value[4:]


def _looks_random(value: str) -> bool:
    """The entropy gate for generic assignments: long, varied, not a word or a name."""
    value = value.strip()
    if len(value) < _GENERIC_MIN_LENGTH or " " in value:
        return False
    if _EXPRESSION().match(value) or _SLUG().match(value) or _IDENTIFIER().match(value):
        return False
    if _WORDY().match(value):
        return False
    if _REPEATED().match(value):
        return False
    classes = (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )
    if classes < 2:
        return False
    threshold = min(_GENERIC_MIN_ENTROPY_BITS, 0.85 * math.log2(len(value)))
    return shannon_entropy(value) >= threshold


def _is_connection_password(value: str, user: str) -> bool:
    lowered = value.lower()
    if lowered in _PLACEHOLDER_PASSWORDS or _REPEATED().match(value):
        return False
    if _PLACEHOLDER_WORDS().search(value) or value.startswith(("$", "%", "{", "[")):
        return False
    # `guest:guest@`, `postgres:postgres@`: the stock credentials of a local container.
    return lowered != user.lower()


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the whitespace at its ends."""
    value = text[start:end]
    start += len(value) - len(value.lstrip())
    return start, start + len(value.strip())


def _aws_secret_near(text: str, start: int, end: int) -> list[SecretMatch]:
    lo = max(0, start - _AWS_NEARBY_CHARS)
    hi = min(len(text), end + _AWS_NEARBY_CHARS)
    result: list[SecretMatch] = []
    for match in _AWS_SECRET_NEARBY().finditer(text, lo, hi):
        value = match.group()
        has_digit = any(c.isdigit() for c in value)
        mixed = any(c.islower() for c in value) and any(c.isupper() for c in value)
        if (
            has_digit
            and mixed
            and "EXAMPLE" not in value
            and shannon_entropy(value) >= 4.0
        ):
            result.append(SecretMatch("aws-secret-access-key", *match.span(), 0.85))
    return result


def _dedupe(found: list[SecretMatch]) -> list[SecretMatch]:
    """Sort by position, dropping matches that overlap an earlier, stronger one."""
    found.sort(key=lambda m: (m.start, -m.confidence))
    result: list[SecretMatch] = []
    for item in found:
        if result and item.start < result[-1].end:
            if item.confidence > result[-1].confidence:
                result[-1] = item
            continue
        result.append(item)
    return result
