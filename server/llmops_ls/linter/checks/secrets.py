"""Check: credentials written into a rules file (see `llmops_ls.linter.secrets`)."""

from __future__ import annotations

from collections.abc import Iterator

from llmops_ls.linter import secrets
from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Edit, Finding, Fix
from llmops_ls.linter.registry import check

# What the unsafe fix puts in place of a secret: the variable a team would usually
# keep it in. The user still has to revoke the key; the fix only stops the spread.
_ENV_NAMES = {
    "aws-access-key-id": "AWS_ACCESS_KEY_ID",
    "aws-secret-access-key": "AWS_SECRET_ACCESS_KEY",
    "github-token": "GITHUB_TOKEN",
    "anthropic-api-key": "ANTHROPIC_API_KEY",
    "openai-api-key": "OPENAI_API_KEY",
    "google-api-key": "GOOGLE_API_KEY",
    "slack-token": "SLACK_TOKEN",
    "slack-webhook": "SLACK_WEBHOOK_URL",
    "stripe-secret-key": "STRIPE_SECRET_KEY",
    "gitlab-token": "GITLAB_TOKEN",
    "huggingface-token": "HF_TOKEN",
    "npm-token": "NPM_TOKEN",
    "pypi-token": "PYPI_TOKEN",
    "sendgrid-api-key": "SENDGRID_API_KEY",
    "groq-api-key": "GROQ_API_KEY",
    "xai-api-key": "XAI_API_KEY",
    "digitalocean-token": "DIGITALOCEAN_TOKEN",
    "jwt": "TOKEN",
    "connection-string-password": "DB_PASSWORD",
    "generic-secret": "SECRET",
}


@check("secret")
def check_secrets(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report credentials anywhere in the file, code blocks and comments included."""
    text = doc.text
    for match in secrets.find_secrets(text):
        value = text[match.start : match.end]
        shown = secrets.mask(match.kind, value)
        message = (
            f"{match.label} `{shown}` in a rules file: it is sent to the model with "
            "every request and readable by anyone with the repository; revoke it and "
            "reference it from the environment instead"
        )
        yield ctx.finding(
            "secret", doc, match.start, match.end, message, fix=_fix(match)
        )


def _fix(match: secrets.SecretMatch) -> Fix:
    if match.kind == "private-key":
        replacement = "<private key removed>"
    else:
        replacement = "${" + _ENV_NAMES[match.kind] + "}"
    return Fix(
        f"Replace the {match.label} with `{replacement}`",
        (Edit(match.start, match.end, replacement),),
        safe=False,
    )
