"""The organisation policy file, linted like a rules file (see `config.policy_lint`).

A file named `llmops-policy.toml` is always a policy; one named `policy.toml` only
when it declares `tiers`, since other tools use that name too. The policy machinery
(pydantic, the model catalogue) is imported on the first policy file met, so that
linting a workspace without one costs nothing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Edit, Finding, Fix, Severity
from llmops_ls.linter.kinds import Tool
from llmops_ls.linter.registry import check

POLICY_RULES = (
    "policy-invalid",
    "policy-unpinned-model",
    "policy-unknown-model",
    "policy-deprecated-model",
    "policy-no-fallback",
    "policy-fallback-context",
    "policy-stale-catalogue",
)

_DECLARES_TIERS = re.compile(
    r"^[ \t]*(?:\[[ \t]*tiers[ \t]*[.\]]|tiers[ \t]*[.=])", re.MULTILINE
)


def is_policy(name: str, text: str) -> bool:
    """Whether a file of that name and text is an llmops-ls policy."""
    if name == "llmops-policy.toml":
        return True
    return name == "policy.toml" and _DECLARES_TIERS.search(text) is not None


@check(*POLICY_RULES, tools=(Tool.POLICY,))
def check_policy(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report every problem of a policy file on the key or value it is about."""
    if not is_policy(doc.relative.rsplit("/", 1)[-1], doc.text):
        return
    from llmops_ls.config.policy_lint import lint_policy

    for item in lint_policy(doc.text, path=doc.relative):
        fix = None
        if item.replacement is not None:
            fix = Fix(
                f"pin {item.replacement}",
                (Edit(item.start, item.end, item.replacement),),
            )
        finding = ctx.finding(
            item.rule, doc, item.start, item.end, item.message, fix=fix
        )
        # A model deprecated soon still works: milder than one already deprecated,
        # unless the settings chose the rule's severity themselves.
        if item.warning and item.rule not in ctx.settings.severity:
            finding = dataclasses.replace(finding, severity=Severity.WARNING)
        yield finding
