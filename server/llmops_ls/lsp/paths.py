"""Paths as the server keys them."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.lru_cache(maxsize=4096)
def resolved(path: Path) -> Path:
    """`path.resolve()`, remembered.

    Each keystroke in any buffer names its file, and resolving asks the file system
    once per folder of the path. A symbolic link changed while the server runs keeps
    its old target here until the entry ages out; editors rarely do that to the
    files they have open.
    """
    return path.resolve()
