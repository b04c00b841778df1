"""Hover: what a rules file costs in tokens and money, and where an import leads.

Counts are exact for OpenAI's `o200k_base` models and an estimate for every other
model (no offline tokenizer exists for current Claude or Gemini models); prices are
the catalogue's list prices on its date. The hover says both.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from llmops_ls import catalog
from llmops_ls.linter import loadchain, tokens
from llmops_ls.linter.document import RulesDocument
from llmops_ls.lsp.links import find_targets, target_at

if TYPE_CHECKING:
    from llmops_ls.lsp.project import Project
    from llmops_ls.lsp.session import Session

logger = logging.getLogger(__name__)

DEFAULT_REQUESTS_PER_MONTH = 2000
MAX_CHAIN_LINES = 12


class Hover:
    """Answers `textDocument/hover` on a file's first line and on its imports."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        """Token and cost summary on line 0; path and tokens on an import or link."""
        located = self.session.located(params.text_document.uri)
        if located is None:
            return None
        project, _, doc = located
        offset = self.session.encoder.to_offset(doc.source, params.position)
        target = target_at(find_targets(doc, project), offset)
        if target is not None:
            other = project.workspace.document(target.path)
            text = _target_markdown(project, target.kind, other)
            start, end = target.start, target.end
        elif params.position.line == 0:
            text = file_markdown(project, doc, self.session.editor_settings)
            start, end = 0, doc.source.line_end(0)
        else:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
            range=self.session.encoder.offset_range(doc.source, start, end),
        )


def file_markdown(
    project: Project, doc: RulesDocument, settings: Mapping[str, Any]
) -> str:
    """The hover text of a whole file: its tokens, its load chain's, and their cost."""
    chain = loadchain.load_chain(doc, project.workspace)
    own = tokens.token_count(doc.text)
    counts = [(d, tokens.count_tokens(d.text)) for d in chain]
    total = sum(count for _, count in counts)

    lines = [f"**{doc.relative}** ({doc.tool.value})", ""]
    lines.append(f"- this file: **{own.value:,}** tokens")
    if len(chain) > 1:
        lines.append(
            f"- with the {len(chain) - 1} file(s) loaded along with it: "
            f"**{total:,}** tokens"
        )
        for other, count in counts[1:MAX_CHAIN_LINES]:
            lines.append(f"  - `{other.relative}`: {count:,}")
        if len(counts) > MAX_CHAIN_LINES:
            lines.append(f"  - … {len(counts) - MAX_CHAIN_LINES} more")
    lines.append("")
    lines.extend(_cost_table(total, settings))
    lines.append("")
    lines.append(
        f"Counts use `{own.encoding}`: exact for {own.exact_for}, "
        "an estimate for Claude, Gemini and other models."
    )
    return "\n".join(lines)


def _policy_models() -> tuple[catalog.ModelCatalogue, list[str]]:
    """The catalogue the policy extends and its tiers' models, cheapest tier first.

    The editor setting `hover.models` overrides these; without a readable policy the
    hover falls back to every current model of the shipped catalogue.
    """
    from llmops_ls.config.policy import load_policy
    from llmops_ls.errors import ConfigError

    try:
        policy = load_policy().policy
    except ConfigError as exc:
        logger.warning("hover costs use the whole catalogue: %s", exc)
        return catalog.load(), []
    models: list[str] = []
    for tier in policy.tier_order():
        models.extend(m for m in policy.tiers[tier].models if m not in models)
    return policy.catalogue(), models


def _cost_table(chain_tokens: int, settings: Mapping[str, Any]) -> list[str]:
    hover_settings = settings.get("hover")
    if not isinstance(hover_settings, Mapping):
        hover_settings = {}
    wanted = hover_settings.get("models")
    requests = hover_settings.get("requestsPerMonth", DEFAULT_REQUESTS_PER_MONTH)
    if not isinstance(requests, int) or requests < 0:
        requests = DEFAULT_REQUESTS_PER_MONTH
    models_catalogue, policy_models = _policy_models()
    if isinstance(wanted, list):
        chosen = [m for m in models_catalogue.models if m.id in wanted]
    elif policy_models:
        by_id = {m.id: m for m in models_catalogue.models}
        chosen = [by_id[i] for i in policy_models if i in by_id]
    else:
        chosen = [m for m in models_catalogue.models if m.deprecated is None]
    models = chosen
    rows = [
        "| model | context used | per request | per month |",
        "|---|---:|---:|---:|",
    ]
    for model in models:
        share = chain_tokens / model.context_window * 100
        cost = model.input_cost(chain_tokens)
        rows.append(
            f"| `{model.id}` | {share:.1f} % | ${cost:.4f} | ${cost * requests:,.2f} |"
        )
    rows.append("")
    rows.append(
        f"Input cost of these tokens alone, at list prices of "
        f"{models_catalogue.catalogue_date.isoformat()} ({models_catalogue.currency}), "
        f"{requests:,} requests a month (setting `hover.requestsPerMonth`); "
        "estimates, not invoices."
    )
    return rows


def _target_markdown(project: Project, kind: str, other: RulesDocument) -> str:
    relative = project.workspace.relative(other.path)
    if other.read_error is not None:
        return f"**{kind}** → `{relative}`\n\ncannot be read: {other.read_error}"
    count = tokens.token_count(other.text)
    return (
        f"**{kind}** → `{relative}`\n\n"
        f"{count.value:,} tokens (`{count.encoding}`; "
        "an estimate for non-OpenAI models)"
    )
