"""Loaded by the server under test (via PYTHONPATH): registers a check that raises."""

from collections.abc import Iterator

from llmops_ls.linter.registry import check


@check("placeholder")
def exploding_check(doc: object, ctx: object) -> Iterator[object]:
    """Fail on every file, as a buggy check would."""
    raise RuntimeError("boom: this check is broken on purpose")
    yield  # a generator, like real checks
