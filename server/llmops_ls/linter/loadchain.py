"""Which files an assistant loads together with a given rules file."""

from __future__ import annotations

from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.workspace import Workspace


def load_chain(doc: RulesDocument, workspace: Workspace) -> list[RulesDocument]:
    """The document first, then every file loaded along with it, without repeats."""
    # TODO: imports and always-applied rules; only the file itself so far.
    del workspace
    return [doc]
