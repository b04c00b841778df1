"""What a model is sent of a rules file, and the free bound on its tokens.

Shared by the token-budget check and by the engine, which asks before linting which
files that check will count, so that loading the vocabulary can start first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmops_ls.linter import tokens

if TYPE_CHECKING:
    from llmops_ls.linter.context import CheckContext
    from llmops_ls.linter.document import RulesDocument

ENCODING = tokens.DEFAULT_ENCODING


def body(doc: RulesDocument) -> str:
    """What the model is sent: tools that read front matter strip it first."""
    return doc.text[doc.body_start :] if doc.body_start else doc.text


def bound(doc: RulesDocument) -> int:
    """`tokens.upper_bound` of the body, cached: chains share their members."""
    cached = doc.cache.get("size.bound")
    if isinstance(cached, int):
        return cached
    text = doc.text
    if text.isascii():
        result = len(text) - doc.body_start
    else:
        result = tokens.upper_bound(body(doc))
    doc.cache["size.bound"] = result
    return result


def uncounted(doc: RulesDocument, ctx: CheckContext) -> bool:
    """Whether the token-budget check will count this file alone and no cache has it.

    Counts for load chains are not foreseen: knowing a chain means reading every
    rule's front matter, which is most of the work of a run.
    """
    return (
        doc.read_error is None
        and doc.tool.is_rules_file
        and ctx.enabled("token-budget")
        and bound(doc) > ctx.settings.budgets.file_tokens
        and tokens.cached_count(body(doc), ENCODING) is None
    )
