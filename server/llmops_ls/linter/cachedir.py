"""Where llmops-ls keeps what it can compute again: token counts, findings, rules."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder() -> Path | None:
    """`$LLMOPS_LS_CACHE_DIR` (empty: keep nothing), else the user's cache folder.

    Read on each call rather than at import, so that settings and tests can choose
    first.
    """
    explicit = os.environ.get("LLMOPS_LS_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "llmops-ls"
