"""Checks on the file as a whole: whether it could be read and decoded."""

from __future__ import annotations

from collections.abc import Iterator

from llmops_ls.linter.context import CheckContext
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.registry import EVERY_FILE, check


@check("file-unreadable", "invalid-encoding", tools=EVERY_FILE)
def check_readable(doc: RulesDocument, ctx: CheckContext) -> Iterator[Finding]:
    """Report files no assistant can read, and text that is not valid UTF-8."""
    if doc.read_error is not None:
        yield ctx.finding(
            "file-unreadable",
            doc,
            0,
            0,
            f"cannot read this rules file: {doc.read_error}",
        )
        return
    if doc.invalid_utf8:
        bad = doc.text.find("\ufffd")
        yield ctx.finding(
            "invalid-encoding",
            doc,
            max(bad, 0),
            max(bad, 0) + 1,
            "file is not valid UTF-8; assistants will see replacement characters here",
        )
