"""The secret detector (`llmops_ls.linter.secrets`) and the `secret` rule (LL301).

Every key below is made up for these tests; none was ever issued.
"""

import pytest

from linting import LintFiles
from llmops_ls.linter.secrets import find_secrets, mask, redact, shannon_entropy

OPENAI = "sk-proj-Q7mZ2xR9vL4kT8nW3pY6sB1dF5gH0jC2aE7uI9oK4rM6"
ANTHROPIC = (
    "sk-ant-api03-Xy7Qm2Rk9Lp4Nv8Ws3Tz6Bc1Df5Gh0Jk2Mn4Pq7Rs9Tv1Wx3Yz5Ab8Cd0Ef2Gh4Ij6Kl8"
    "Mn0Op2Qr4St6Uv8Wx0Yz2AbCdAA"
)
GITHUB = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
GITHUB_PAT = (
    "github_pat_11ABCDEFG0aB3dE5fG7hJ9_"
    "Lm1Np2Qr3St4Uv5Wx6Yz7Ab8Cd9Ef0Gh1Ij2Kl3Mn4Op5Qr6St7Uv8Wx9Yz"
)
AWS_ID = "AKIAZ7XQ4RT2PLM3NW5K"
AWS_SECRET = "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"
GOOGLE = "AIzaSyB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z"
SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI5ODc2NTQzMjEwIiwicm9sZSI6ImFkbWluIn0"
    ".k3Jq9XvB2mR8tL5nW1pY7sD4fG6hJ0cA"
)
GITLAB = "glpat-Zq8vK3mN7pR2tW9xY4bC"
HUGGINGFACE = "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"
NPM = "npm_a8Kd93LmQpZx72NvBc41RtYw6EuIoP5sHj2G"
SENDGRID = "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"
PYPI = "pypi-AgEIcHlwaS5vcmc" + "Zq8vK3mN7pR2tW9xY4bCdEfGh1Jk2Lm3Np4Qr5St6Uv7Wx8Yz9Ab0"
GROQ = "gsk_" + "Zq8vK3mN7pR2tW9xY4bCdEfGh1Jk2Lm3Np4Qr5St6Uv7Wx8Yz9Ab"
XAI = "xai-" + "Zq8vK3mN7pR2tW9xY4bCdEfGh1Jk2Lm3Np4Qr5St6Uv7Wx8Yz9Ab0" * 2
XAI = XAI[:84]
DIGITALOCEAN = "dop_v1_" + "3f9a1c7e5b2d8046" * 4
PEM_BODY = (
    "MIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HECdnH\n"
    "lWu2/a1gB9JW5TBQ+AVpum9Okx7KfqkfBKL9mcHgSL0yWMdjMfNOqNtrQqKlN4kE"
)


def kinds(text: str) -> list[str]:
    return [m.kind for m in find_secrets(text)]


def values(text: str) -> list[str]:
    return [text[m.start : m.end] for m in find_secrets(text)]


@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [
        (f"OPENAI_API_KEY={OPENAI}", "openai-api-key", OPENAI),
        (f'key = "{ANTHROPIC}"', "anthropic-api-key", ANTHROPIC),
        (f"token {GITHUB} here", "github-token", GITHUB),
        (f"GH_TOKEN: {GITHUB_PAT}", "github-token", GITHUB_PAT),
        (f"id {AWS_ID}", "aws-access-key-id", AWS_ID),
        (f"maps key {GOOGLE}", "google-api-key", GOOGLE),
        (f"slack {SLACK}", "slack-token", SLACK),
        (f"stripe {STRIPE}", "stripe-secret-key", STRIPE),
        (f"GITLAB_TOKEN={GITLAB}", "gitlab-token", GITLAB),
        (f"login with {HUGGINGFACE}", "huggingface-token", HUGGINGFACE),
        (f"//registry.npmjs.org/:_authToken {NPM}", "npm-token", NPM),
        (f"send with {SENDGRID}", "sendgrid-api-key", SENDGRID),
        (f"upload with {PYPI}", "pypi-token", PYPI),
        (f"groq {GROQ}", "groq-api-key", GROQ),
        (f"grok {XAI}", "xai-api-key", XAI),
        (f"doctl auth init -t {DIGITALOCEAN}", "digitalocean-token", DIGITALOCEAN),
        (f"Authorization: Bearer {JWT}", "jwt", JWT),
        ('password = "Tr0ub4dor&3xQ"', "generic-secret", "Tr0ub4dor&3xQ"),
        ('"apiKey": "9f8e7d6c5b4a3F2E1D0C"', "generic-secret", "9f8e7d6c5b4a3F2E1D0C"),
        ("dbPassword=Xy7Qm2Rk9Lp4Nv8Ws3", "generic-secret", "Xy7Qm2Rk9Lp4Nv8Ws3"),
        (
            "url: postgresql://app:S3cr3tPa55w0rd!x@db.internal:5432/app",
            "connection-string-password",
            "S3cr3tPa55w0rd!x",
        ),
        (
            "hook https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/aB3dE5fG7hJ9kL1mN3pQ",
            "slack-webhook",
            "hooks.slack.com/services/T01ABCDEF/B02GHIJKL/aB3dE5fG7hJ9kL1mN3pQ",
        ),
    ],
)
def test_provider_formats_are_found_with_the_span_of_the_value(
    line: str, kind: str, value: str
) -> None:
    matches = find_secrets(line)
    assert [m.kind for m in matches] == [kind]
    assert line[matches[0].start : matches[0].end] == value


def test_aws_secret_key_next_to_an_access_key_id_is_found() -> None:
    text = f"AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
    assert kinds(text) == ["aws-access-key-id", "aws-secret-access-key"]
    assert values(text)[1] == AWS_SECRET


def test_private_key_block_reports_the_body_only() -> None:
    text = (
        f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n"
    )
    assert values(text) == [PEM_BODY]
    assert kinds(text) == ["private-key"]


@pytest.mark.parametrize(
    "text",
    [
        "api_key: ${API_KEY}",
        "OPENAI_API_KEY=$OPENAI_API_KEY",
        "api_key = {{ env_var('OPENAI_API_KEY') }}",
        "api_key = <your-api-key>",
        "API_KEY=your_api_key_here",
        "export OPENAI_API_KEY=sk-...",
        "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "token: process.env.GITHUB_TOKEN",
        'api_key = os.environ["OPENAI_API_KEY"]',
        "password = changeme",
        "password: Password123",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "password = aaaaaaaaaaaaaaaa1",
        "token: correct-horse-battery-staple",
        "const apiKey = config.apiKey1;",
        "token_balances = ForeignHash(foreign_contract='con_my_token')",
        "monkey = 'Xy7Qm2Rk9Lp4Nv8Ws3'",
        'db, err := sql.Open("postgres", "postgresql://username:password@localhost/db")',
        "redis://guest:guest@localhost:6379",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        # The token from jwt.io's debugger, printed in countless tutorials.
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpv"
        "aG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "Authorization: 'invalid-token'",
        "password: string;",
        # Names, packages and paths under secret-sounding keys.
        "auth: oauth2-proxy",
        "auth: next-auth@5.0.0-beta",
        "pwd: /srv/app2/releases",
        "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_placeholders_templates_and_examples_are_not_secrets(text: str) -> None:
    assert find_secrets(text) == []


def test_a_key_inside_a_longer_word_is_not_a_key() -> None:
    assert find_secrets(f"x{AWS_ID}") == []
    assert find_secrets(f"task{OPENAI}") == []


def test_entropy_separates_random_strings_from_repetition() -> None:
    assert shannon_entropy("aaaa") == 0
    assert shannon_entropy("abcd") == 2
    assert shannon_entropy("Xy7Qm2Rk9Lp4Nv8Ws3") > 4


def test_redact_replaces_every_secret_and_counts_them() -> None:
    text = f"use {OPENAI} and {GITHUB}."
    redacted, count = redact(text)
    assert count == 2
    assert redacted == "use [REDACTED:openai-api-key] and [REDACTED:github-token]."


def test_redact_leaves_clean_text_alone() -> None:
    assert redact("nothing to see") == ("nothing to see", 0)


def test_mask_shows_a_known_prefix_and_the_length_only() -> None:
    assert mask("openai-api-key", OPENAI) == f"sk-p…({len(OPENAI)} chars)"
    assert mask("generic-secret", "Tr0ub4dor&3xQ") == "…(13 chars)"


def test_finding_points_at_the_value_and_never_quotes_it(lint_files: LintFiles) -> None:
    text = f"# Setup\n\nExport `OPENAI_API_KEY={OPENAI}` first.\n"
    findings = lint_files({"CLAUDE.md": text}, rules={"secret"})
    assert len(findings) == 1
    finding = findings[0]
    assert finding.code == "LL301"
    assert finding.severity.label == "error"
    assert (finding.start.line, finding.start.column) == (2, 23)
    assert finding.end.column == 23 + len(OPENAI)
    assert OPENAI not in finding.message
    assert OPENAI[8:20] not in finding.message
    assert "OpenAI API key" in finding.message


def test_secrets_in_code_blocks_are_reported(lint_files: LintFiles) -> None:
    text = f"# Deploy\n\n```bash\nexport GITHUB_TOKEN={GITHUB}\n```\n"
    findings = lint_files({"AGENTS.md": text}, rules={"secret"})
    assert [(f.start.line, f.start.column) for f in findings] == [(3, 20)]


def test_fix_replaces_the_key_with_an_environment_reference_unsafely(
    lint_files: LintFiles,
) -> None:
    text = f"key: {OPENAI}\n"
    (finding,) = lint_files({"CLAUDE.md": text}, rules={"secret"})
    assert finding.fix is not None
    assert not finding.fix.safe
    (edit,) = finding.fix.edits
    fixed = text[: edit.start] + edit.new_text + text[edit.end :]
    assert fixed == "key: ${OPENAI_API_KEY}\n"


def test_placeholders_in_a_rules_file_are_quiet(lint_files: LintFiles) -> None:
    text = (
        "# Config\n\nSet `OPENAI_API_KEY=<your-api-key>` and "
        "`password: ${DB_PASSWORD}`."
        "\nThe AWS docs use AKIAIOSFODNN7EXAMPLE.\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules={"secret"}) == []
